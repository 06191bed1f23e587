//! The executor: runs a plan's batches against UMAPI with bounded concurrency, in dependency
//! order, journaling every attempt, and returns one outcome per command ([`execute`], [`resume`]).
//!
//! Scheduling: a batch is ready when every batch in its `after` list is settled; ready batches
//! start in plan order, at most `concurrency` at a time (the client's limiters pace the sends).
//! A batch whose predecessor failed still runs: its own answer (say `error.user.nonexistent`
//! after a failed create) tells the admin more than a "skipped" would, and every command is
//! idempotent. With [`ExecuteOptions::ends_session`], the last batch goes out alone once every
//! other batch is settled and carries `Pragma: umapi-sync-end`; otherwise the caller ends the
//! session after its own last request.
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

use crate::execute::batch_task::{Shared, StopCause, TaskEnd, UNANSWERED, run_batch};
use crate::execute::journal::{Journal, JournalError, Record};
use crate::execute::observer::Observer;
use crate::execute::outcome::{
    AbortKind, AbortReason, BatchResult, CommandOutcome, NotAttemptedReason, RunEnd, RunReport, RunStatistics,
};
use crate::execute::resume::read_journal;
use crate::plan::PlanError;
use crate::plan::batch::{Batch, check_plan};
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
    /// (no retry of another batch) follows it.
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
    Ok(run(client, &plan, Prior::default(), journal, options, observer, cancel).await)
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
    check_plan(&state.batches)?;
    let journal = Journal::reopen(&state.path, state.valid_length)?;
    journal.append(&Record::Resume { at: OffsetDateTime::now_utc() })?;
    let options = ExecuteOptions { test_mode: state.test_mode, ..options };
    let plan: Vec<Arc<Batch>> = state.batches.iter().cloned().map(Arc::new).collect();
    let prior = Prior { settled: state.settled, in_doubt: state.in_doubt };
    let mut report = run(client, &plan, prior, journal, options, observer, cancel).await;
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

/// What earlier segments of a resumed run left: the settled batches' outcomes, and the unsettled
/// batches that were sent and may have been applied (they stay Unknown unless this segment settles
/// them).
#[derive(Default)]
struct Prior {
    settled: HashMap<String, Vec<CommandOutcome>>,
    in_doubt: HashSet<String>,
}

async fn run(
    client: Arc<UmapiClient>,
    plan: &[Arc<Batch>],
    prior: Prior,
    journal: Journal,
    options: ExecuteOptions,
    observer: Arc<dyn Observer>,
    cancel: CancelToken,
) -> RunReport {
    let started = Instant::now();
    let before = client.statistics();
    // The executor's own stop (a park, an abort) is a child of the run's token: a signal reaches
    // every wait of every request at once, and nothing the executor stops touches the caller's token.
    let Prior { settled: mut known, in_doubt } = prior;
    let shared = Arc::new(Shared {
        client,
        journal,
        test_mode: options.test_mode,
        stop: cancel.child(),
        in_doubt: in_doubt.clone(),
    });
    let index_of: HashMap<&str, usize> =
        plan.iter().enumerate().map(|(index, batch)| (batch.id.as_str(), index)).collect();
    let mut results: Vec<Option<Vec<CommandOutcome>>> = plan.iter().map(|batch| known.remove(&batch.id)).collect();
    let mut waiting_on = vec![0_usize; plan.len()];
    let mut dependents: Vec<Vec<usize>> = vec![Vec::new(); plan.len()];
    for (index, batch) in plan.iter().enumerate() {
        for after in &batch.after {
            if let Some(&earlier) = index_of.get(after.as_str())
                && results[earlier].is_none()
            {
                waiting_on[index] += 1;
                dependents[earlier].push(index);
            }
        }
    }
    let mut ready: BTreeSet<usize> =
        (0..plan.len()).filter(|&index| results[index].is_none() && waiting_on[index] == 0).collect();
    let mut undispatched = results.iter().filter(|result| result.is_none()).count();
    let pending_commands: usize =
        plan.iter().zip(&results).filter(|(_, result)| result.is_none()).map(|(batch, _)| batch.commands.len()).sum();
    let known_commands: usize = results.iter().flatten().map(Vec::len).sum();
    observer.run_started(undispatched, pending_commands, known_commands);

    let concurrency = options.concurrency.max(1);
    let mut tasks: JoinSet<TaskEnd> = JoinSet::new();
    let mut in_flight: HashMap<tokio::task::Id, usize> = HashMap::new();
    let mut stop_reason: Option<StopReason> = None;
    let mut batches_sent = 0_u64;
    // Batches that went on the wire without a final answer and may have been applied (they end
    // Unknown; resume resends them like every unsettled batch).
    let mut sent_unsettled: BTreeSet<usize> = BTreeSet::new();
    loop {
        // Cancellation is checked before every batch is started, not only while waiting: a signal
        // that came before the run (or between two batches) starts nothing new.
        if stop_reason.is_none() && cancel.is_cancelled() {
            stop(&mut stop_reason, StopReason::Cancelled, &shared, observer.as_ref());
        }
        while stop_reason.is_none()
            && !cancel.is_cancelled()
            && tasks.len() < concurrency
            && let Some(&index) = ready.first()
        {
            let last = undispatched == 1;
            if last && options.ends_session && !tasks.is_empty() {
                // The session's last request goes alone, after every other batch is settled.
                break;
            }
            ready.pop_first();
            undispatched -= 1;
            let batch = Arc::clone(&plan[index]);
            observer.batch_started(&batch);
            let handle = tasks.spawn(run_batch(Arc::clone(&shared), batch, last && options.ends_session));
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
                stop(&mut stop_reason, StopReason::Cancelled, &shared, observer.as_ref());
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
            TaskEnd::Settled { outcomes, sent, abort } => {
                batches_sent += u64::from(sent);
                observer.batch_finished(&plan[index], &outcomes);
                results[index] = Some(outcomes);
                for &dependent in &dependents[index] {
                    waiting_on[dependent] -= 1;
                    if waiting_on[dependent] == 0 && results[dependent].is_none() {
                        ready.insert(dependent);
                    }
                }
                if let Some(abort) = abort {
                    stop(&mut stop_reason, StopReason::Aborted(abort), &shared, observer.as_ref());
                }
            }
            TaskEnd::Unsettled { sent, in_doubt, cause } => {
                batches_sent += u64::from(sent);
                if in_doubt {
                    sent_unsettled.insert(index);
                }
                match cause {
                    StopCause::Stopped => {}
                    StopCause::Parked { wait, resume_after } => {
                        if stop_reason.is_none() {
                            observer.parked(resume_after, wait);
                        }
                        stop(&mut stop_reason, StopReason::Parked(resume_after), &shared, observer.as_ref());
                    }
                    StopCause::Aborted(abort) => {
                        stop(&mut stop_reason, StopReason::Aborted(abort), &shared, observer.as_ref());
                    }
                }
            }
        }
    }

    let not_attempted = match &stop_reason {
        Some(StopReason::Parked(_)) => NotAttemptedReason::Parked,
        Some(StopReason::Aborted(_)) => NotAttemptedReason::Aborted,
        Some(StopReason::Cancelled) | None => NotAttemptedReason::Cancelled,
    };
    let all_settled = results.iter().all(Option::is_some);
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
    let mut warnings = Vec::new();
    let record = Record::End { end: end.clone(), statistics: statistics.clone(), at: OffsetDateTime::now_utc() };
    if let Err(error) = shared.journal.append(&record) {
        warnings.push(format!("could not record the end of the run: {error}"));
    }
    RunReport { batches, statistics, end, test_mode: options.test_mode, warnings }
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
