//! The executor: runs a plan's batches against UMAPI with bounded concurrency, in dependency
//! order, journaling every attempt, and returns one outcome per command ([`execute`], [`resume`]).
//!
//! Scheduling: a batch is ready when every batch in its `after` list is settled; ready batches
//! start in plan order, at most `concurrency` at a time (the client's limiters pace the sends).
//! A batch whose predecessor failed still runs: its own answer (say `error.user.nonexistent`
//! after a failed create) tells the admin more than a "skipped" would, and every command is
//! idempotent. With [`ExecuteOptions::ends_session`], the last batch goes out alone once every
//! other batch is settled and carries `Pragma: umapi-sync-end`; otherwise (and for a plan with
//! packed commands, whose last request is only known once their answers are in) the caller ends
//! the session after its own last request.
//!
//! Rounds: once every batch is answered, the users of packed `usergroup` steps that did not simply
//! succeed are settled (`resolution.rs`: a read of the group, or follow-up batches), the round is
//! journaled (`resolution`), and its follow-ups are scheduled like the plan's batches; rounds go
//! on until nothing is open. A run that stops first leaves them open; its resume settles them.
//!
//! Stopping: cancellation, a park (a wait longer than `max_wait`) or an abort (authentication
//! failure, UMAPI unreachable, journal unwritable) stops new sends; cancellation is checked before
//! every batch is started, so a signal that came before the run starts nothing. Requests on the wire
//! finish and are journaled; everything else ends `NotAttempted` with the reason, and resume sends
//! it. A forced cancel (a second signal) also abandons the requests on the wire: they end `Unknown`
//! (they may still be applied), journaled as sent without an answer, and resume sends them again.
//! Either way the run returns normally and journals its end. One batch on the wire is
//! `batch_task.rs`'s. This file must not print or know about CSV rows.

use std::collections::{BTreeSet, HashMap, HashSet};
use std::path::Path;
use std::sync::Arc;

use time::OffsetDateTime;
use tokio::task::JoinSet;
use tokio::time::Instant;

use crate::execute::batch_task::{self, Shared, StopCause, TaskEnd, UNANSWERED, run_batch};
use crate::execute::journal::{Journal, JournalError, Record};
use crate::execute::observer::Observer;
use crate::execute::outcome::{
    AbortKind, AbortReason, BatchResult, CommandOutcome, NotAttemptedReason, RunEnd, RunReport, RunStatistics,
};
use crate::execute::packed::MemberSettlement;
use crate::execute::resolution;
use crate::execute::resume::read_journal;
use crate::execute::schedule::Schedule;
use crate::plan::PlanError;
use crate::plan::batch::{Batch, CommandSource, check_plan};
use crate::umapi::cancel::CancelToken;
use crate::umapi::client::UmapiClient;

/// How to run.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct ExecuteOptions {
    /// Send UMAPI's `testOnly=true` (nothing changes server-side). Ignored by [`resume`], which
    /// keeps the mode the run started with.
    pub test_mode: bool,
    /// Most batches in progress at once (≥ 1).
    pub concurrency: usize,
    /// The run's last action request is the command's last request: it carries the end of the sync
    /// session (UMAPI.md 4b), and goes out alone once every other batch is settled, so that nothing
    /// (no retry of another batch) follows it. Ignored for a plan with packed commands (follow-ups
    /// may come after its last batch): the caller ends the session then.
    pub ends_session: bool,
}

/// Why a run could not start (nothing was sent).
#[derive(Debug, thiserror::Error)]
pub enum ExecuteError {
    /// The batches are not a valid plan.
    #[error("invalid plan: {0}")]
    Plan(#[from] PlanError),
    /// The journal cannot be created, read or reopened.
    #[error(transparent)]
    Journal(#[from] JournalError),
}

/// A resumed run: the plan read from the journal and the report covering all of it.
#[derive(Clone, Debug)]
pub struct ResumedRun {
    /// The plan (from the journal's `start` line).
    pub batches: Vec<Batch>,
    /// Outcomes of every command: settled earlier or sent now.
    pub report: RunReport,
}

/// Runs `batches` and journals them in `run_dir` (which must exist and hold no journal yet).
pub async fn execute(
    client: Arc<UmapiClient>,
    batches: Vec<Batch>,
    run_dir: &Path,
    options: ExecuteOptions,
    observer: Arc<dyn Observer>,
    cancel: CancelToken,
) -> Result<RunReport, ExecuteError> {
    check_plan(&batches)?;
    let journal = Journal::create(run_dir, &batches, options.test_mode)?;
    let plan: Vec<Arc<Batch>> = batches.into_iter().map(Arc::new).collect();
    Ok(run(client, plan, Prior::default(), journal, options, observer, cancel).await)
}

/// Resumes the run journaled in `run_dir`: settled batches keep their outcomes, the rest are sent.
pub async fn resume(
    client: Arc<UmapiClient>,
    run_dir: &Path,
    options: ExecuteOptions,
    observer: Arc<dyn Observer>,
    cancel: CancelToken,
) -> Result<ResumedRun, ExecuteError> {
    let state = read_journal(run_dir)?;
    let all: Vec<Batch> = state.all_batches().cloned().collect();
    check_plan(&all)?;
    let journal = Journal::reopen(&state.path, state.valid_length)?;
    journal.append(&Record::Resume { at: OffsetDateTime::now_utc() })?;
    let options = ExecuteOptions { test_mode: state.test_mode, ..options };
    let plan: Vec<Arc<Batch>> = all.into_iter().map(Arc::new).collect();
    let prior = Prior {
        settled: state.settled,
        in_doubt: state.in_doubt,
        after_doubt: state.after_doubt,
        settlements: state.settlements,
        plan_len: state.batches.len(),
    };
    let mut report = run(client, plan, prior, journal, options, observer, cancel).await;
    let mut warnings = state.warnings;
    warnings.append(&mut report.warnings);
    report.warnings = warnings;
    Ok(ResumedRun { batches: state.batches, report })
}

enum StopReason {
    Cancelled,
    Parked(OffsetDateTime),
    Aborted(AbortReason),
}

/// What earlier segments of a resumed run left: the settled batches' outcomes, the unsettled
/// batches that were sent and may have been applied (they stay Unknown unless this segment settles
/// them), the settled batches answered after such an attempt, the settled users of packed steps,
/// and how many of the batches are the plan's (the rest are follow-ups).
#[derive(Default)]
struct Prior {
    settled: HashMap<String, Vec<CommandOutcome>>,
    in_doubt: HashSet<String>,
    after_doubt: HashSet<String>,
    settlements: Vec<MemberSettlement>,
    plan_len: usize,
}

async fn run(
    client: Arc<UmapiClient>,
    plan: Vec<Arc<Batch>>,
    prior: Prior,
    journal: Journal,
    options: ExecuteOptions,
    observer: Arc<dyn Observer>,
    cancel: CancelToken,
) -> RunReport {
    let started = Instant::now();
    let before = client.statistics();
    let Prior { settled: mut known, in_doubt, after_doubt, mut settlements, plan_len } = prior;
    let plan_len = if plan_len == 0 { plan.len() } else { plan_len };
    // The executor's own stop (a park, an abort) is a child of the run's token: a signal reaches
    // every wait of every request at once, and nothing the executor stops touches the caller's token.
    let shared = Arc::new(Shared {
        client,
        journal,
        test_mode: options.test_mode,
        stop: cancel.child(),
        in_doubt: in_doubt.clone(),
    });
    let mut schedule = Schedule::new();
    schedule.add(plan, &mut known, &after_doubt);
    let pending_commands: usize = schedule
        .plan
        .iter()
        .zip(&schedule.results)
        .filter(|(_, result)| result.is_none())
        .map(|(batch, _)| batch.commands.len())
        .sum();
    let known_commands: usize = schedule.results.iter().flatten().map(Vec::len).sum();
    observer.run_started(schedule.undispatched, pending_commands, known_commands);

    let concurrency = options.concurrency.max(1);
    // A plan with packed commands may need follow-ups once its answers are in, so its last request
    // is not known in advance: the caller ends the session after it (a closing read).
    let ends_session =
        options.ends_session && !schedule.plan.iter().any(|batch| batch.sources.iter().any(CommandSource::is_packed));
    let mut stop_reason: Option<StopReason> = None;
    let mut batches_sent = 0_u64;
    // Batches that went on the wire without a final answer and may have been applied (they end
    // Unknown; resume resends them like every unsettled batch).
    let mut sent_unsettled: BTreeSet<usize> = BTreeSet::new();
    let mut warnings = Vec::new();
    loop {
        dispatch(
            &shared,
            &mut schedule,
            (concurrency, ends_session),
            &cancel,
            observer.as_ref(),
            &mut stop_reason,
            &mut batches_sent,
            &mut sent_unsettled,
        )
        .await;
        if stop_reason.is_some() || schedule.results.iter().any(Option::is_none) {
            break;
        }
        // Every batch is answered: settle the users of packed steps the answers left open.
        let next_follow_up = schedule.plan.len() - plan_len + 1;
        let round = resolution::round(
            &shared,
            &schedule.plan,
            &schedule.results,
            &schedule.after_doubt,
            &settlements,
            next_follow_up,
            observer.as_ref(),
        )
        .await;
        let round = match round {
            Ok(Some(round)) => round,
            Ok(None) => break,
            Err(cause) => {
                let reason = match cause {
                    StopCause::Stopped => StopReason::Cancelled,
                    StopCause::Parked { wait, resume_after } => {
                        observer.parked(resume_after, wait);
                        StopReason::Parked(resume_after)
                    }
                    StopCause::Aborted(abort) => StopReason::Aborted(abort),
                };
                stop(&mut stop_reason, reason, &shared, observer.as_ref());
                break;
            }
        };
        let record = Record::Resolution {
            settled: round.settlements.clone(),
            batches: round.follow_ups.clone(),
            reads: round.reads,
            at: OffsetDateTime::now_utc(),
        };
        if let Err(error) = shared.journal.append(&record) {
            let reason = StopReason::Aborted(batch_task::journal_abort(error));
            stop(&mut stop_reason, reason, &shared, observer.as_ref());
            break;
        }
        settlements.extend(round.settlements);
        if round.follow_ups.is_empty() {
            continue;
        }
        let commands = round.follow_ups.iter().map(|batch| batch.commands.len()).sum();
        observer.batches_added(round.follow_ups.len(), commands);
        schedule.add(round.follow_ups.into_iter().map(Arc::new).collect(), &mut known, &HashSet::new());
    }

    let not_attempted = match &stop_reason {
        Some(StopReason::Parked(_)) => NotAttemptedReason::Parked,
        Some(StopReason::Aborted(_)) => NotAttemptedReason::Aborted,
        Some(StopReason::Cancelled) | None => NotAttemptedReason::Cancelled,
    };
    let all_settled = schedule.results.iter().all(Option::is_some);
    let Schedule { plan, results, .. } = schedule;
    let batches: Vec<BatchResult> = plan
        .iter()
        .zip(results)
        .enumerate()
        .map(|(index, (batch, result))| {
            let outcomes = result.unwrap_or_else(|| {
                let outcome = if sent_unsettled.contains(&index) || in_doubt.contains(&batch.id) {
                    CommandOutcome::Unknown { reason: UNANSWERED.to_string(), x_request_id: None }
                } else {
                    CommandOutcome::NotAttempted { reason: not_attempted }
                };
                let outcomes = vec![outcome; batch.commands.len()];
                observer.batch_finished(batch, &outcomes);
                outcomes
            });
            BatchResult { batch_id: batch.id.clone(), outcomes }
        })
        .collect();
    let end = match stop_reason {
        Some(StopReason::Aborted(error)) => RunEnd::Aborted { error },
        _ if all_settled => RunEnd::Finished,
        Some(StopReason::Parked(resume_after)) => RunEnd::Parked { resume_after },
        Some(StopReason::Cancelled) | None => RunEnd::Cancelled,
    };
    let delta = shared.client.statistics().since(&before);
    let statistics = RunStatistics {
        batches_sent,
        requests_sent: delta.action_requests_sent,
        retries: delta.action_requests_sent.saturating_sub(batches_sent),
        throttled: delta.throttled,
        transient_failures: delta.transient_failures,
        token_requests: delta.token_requests,
        waited: delta.waited,
        paced: delta.paced,
        wall_time: started.elapsed(),
    };
    let record = Record::End { end: end.clone(), statistics: statistics.clone(), at: OffsetDateTime::now_utc() };
    if let Err(error) = shared.journal.append(&record) {
        warnings.push(format!("could not record the end of the run: {error}"));
    }
    let follow_ups = plan.iter().skip(plan_len).map(|batch| batch.as_ref().clone()).collect();
    RunReport { batches, follow_ups, settlements, statistics, end, test_mode: options.test_mode, warnings }
}

/// Sends the ready batches, at most `concurrency` at a time, until none is left to start or the
/// run stops; returns when nothing is on the wire.
#[expect(clippy::too_many_arguments, reason = "the run's state, passed apart so that each borrow stays narrow")]
async fn dispatch(
    shared: &Arc<Shared>,
    schedule: &mut Schedule,
    (concurrency, ends_session): (usize, bool),
    cancel: &CancelToken,
    observer: &dyn Observer,
    stop_reason: &mut Option<StopReason>,
    batches_sent: &mut u64,
    sent_unsettled: &mut BTreeSet<usize>,
) {
    let mut tasks: JoinSet<TaskEnd> = JoinSet::new();
    let mut in_flight: HashMap<tokio::task::Id, usize> = HashMap::new();
    loop {
        // Cancellation is checked before every batch is started, not only while waiting: a signal
        // that came before the run (or between two batches) starts nothing new.
        if stop_reason.is_none() && cancel.is_cancelled() {
            stop(stop_reason, StopReason::Cancelled, shared, observer);
        }
        while stop_reason.is_none()
            && !cancel.is_cancelled()
            && tasks.len() < concurrency
            && let Some(&index) = schedule.ready.first()
        {
            let last = schedule.undispatched == 1;
            if last && ends_session && !tasks.is_empty() {
                // The session's last request goes alone, after every other batch is settled.
                break;
            }
            schedule.ready.pop_first();
            schedule.undispatched -= 1;
            let batch = Arc::clone(&schedule.plan[index]);
            observer.batch_started(&batch);
            let handle = tasks.spawn(run_batch(Arc::clone(shared), batch, last && ends_session));
            in_flight.insert(handle.id(), index);
        }
        if tasks.is_empty() {
            break;
        }
        let joined = tokio::select! {
            joined = tasks.join_next_with_id() => joined,
            // A forced cancel reaches the requests on the wire through `shared.stop` (a child of
            // `cancel`): they are abandoned, and their batches end unanswered (resume resends them).
            () = cancel.cancelled(), if stop_reason.is_none() => {
                stop(stop_reason, StopReason::Cancelled, shared, observer);
                continue;
            }
        };
        let Some(joined) = joined else { break };
        let (index, end) = match joined {
            Ok((id, end)) => (in_flight.remove(&id), end),
            Err(error) => {
                let reason = AbortReason {
                    kind: AbortKind::Journal,
                    message: format!("internal error while sending a batch: {error}"),
                    hint: None,
                };
                let end = TaskEnd::Unsettled { sent: true, in_doubt: true, cause: StopCause::Aborted(reason) };
                (in_flight.remove(&error.id()), end)
            }
        };
        let Some(index) = index else { continue };
        match end {
            TaskEnd::Settled { outcomes, sent, abort, after_doubt } => {
                *batches_sent += u64::from(sent);
                observer.batch_finished(&schedule.plan[index], &outcomes);
                schedule.settle(index, outcomes, after_doubt);
                if let Some(abort) = abort {
                    stop(stop_reason, StopReason::Aborted(abort), shared, observer);
                }
            }
            TaskEnd::Unsettled { sent, in_doubt, cause } => {
                *batches_sent += u64::from(sent);
                if in_doubt {
                    sent_unsettled.insert(index);
                }
                match cause {
                    StopCause::Stopped => {}
                    StopCause::Parked { wait, resume_after } => {
                        if stop_reason.is_none() {
                            observer.parked(resume_after, wait);
                        }
                        stop(stop_reason, StopReason::Parked(resume_after), shared, observer);
                    }
                    StopCause::Aborted(abort) => {
                        stop(stop_reason, StopReason::Aborted(abort), shared, observer);
                    }
                }
            }
        }
    }
}

fn stop(current: &mut Option<StopReason>, reason: StopReason, shared: &Shared, observer: &dyn Observer) {
    if current.is_some() {
        return;
    }
    let why = match &reason {
        StopReason::Cancelled => "cancelled".to_string(),
        StopReason::Parked(resume_after) => format!("parked until {resume_after}"),
        StopReason::Aborted(error) => error.message.clone(),
    };
    observer.stopping(&why);
    *current = Some(reason);
    shared.stop.cancel();
}
