//! The executor: runs a plan's batches against UMAPI with bounded concurrency, in dependency
//! order, journaling every attempt, and returns one outcome per command ([`execute`], [`resume`]).
//!
//! Scheduling: a batch is ready when every batch in its `after` list is settled; ready batches
//! start in plan order, at most `concurrency` at a time (the client's limiters pace the sends).
//! A batch whose predecessor failed still runs: its own answer (say `error.user.nonexistent`
//! after a failed create) tells the admin more than a "skipped" would, and every command is
//! idempotent. The run's last batch carries `Pragma: umapi-sync-end`.
//!
//! Stopping: cancellation, a park (a wait longer than `max_wait`) or an abort (authentication
//! failure, UMAPI unreachable, journal unwritable) stops new sends; requests on the wire finish and
//! are journaled; everything else ends `NotAttempted` with the reason, and resume sends it. A forced
//! cancel (a second Ctrl-C) also abandons the requests on the wire: they end `NotAttempted` too,
//! journaled as sent without an answer, and resume sends them again. Either way the run returns
//! normally and journals its end. This file must not print or know about CSV rows.

use std::collections::{BTreeSet, HashMap, HashSet};
use std::path::Path;
use std::sync::Arc;
use std::time::Duration;

use time::OffsetDateTime;
use tokio::task::JoinSet;
use tokio::time::Instant;

use crate::execute::journal::{Journal, JournalError, Record, answer_for_journal};
use crate::execute::mapping::{fail_all, http_failure_code, map_answer, unknown_all};
use crate::execute::observer::Observer;
use crate::execute::outcome::{
    AbortKind, AbortReason, BatchResult, CODE_TRANSIENT_EXHAUSTED, CommandOutcome, NotAttemptedReason, RunEnd,
    RunReport, RunStatistics,
};
use crate::execute::resume::read_journal;
use crate::plan::PlanError;
use crate::plan::batch::{Batch, check_plan};
use crate::umapi::cancel::CancelToken;
use crate::umapi::client::{AttemptHook, CallError, HookError, UmapiClient, body_code, body_message};
use crate::umapi::error::AuthError;
use crate::umapi::observe::RetryReason;

/// How to run.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct ExecuteOptions {
    /// Send UMAPI's `testOnly=true` (nothing changes server-side). Ignored by [`resume`], which
    /// keeps the mode the run started with.
    pub test_mode: bool,
    /// Most batches in progress at once (≥ 1).
    pub concurrency: usize,
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

/// The reason of a batch that was sent but got no final answer before the run stopped.
pub const UNANSWERED: &str = "sent, but the run stopped before a usable answer came (a resume sends it again)";

struct Shared {
    client: Arc<UmapiClient>,
    journal: Journal,
    test_mode: bool,
    stop: CancelToken,
}

enum StopCause {
    Stopped,
    Parked { wait: Duration, resume_after: OffsetDateTime },
    Aborted(AbortReason),
}

enum TaskEnd {
    Settled {
        outcomes: Vec<CommandOutcome>,
        sent: bool,
        abort: Option<AbortReason>,
    },
    /// No final answer. `in_doubt`: an attempt may have been applied (it was abandoned on the wire,
    /// or failed in a way that does not rule it out); such a batch's commands end Unknown.
    Unsettled {
        sent: bool,
        in_doubt: bool,
        cause: StopCause,
    },
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
    let shared = Arc::new(Shared { client, journal, test_mode: options.test_mode, stop: cancel.child() });
    let index_of: HashMap<&str, usize> =
        plan.iter().enumerate().map(|(index, batch)| (batch.id.as_str(), index)).collect();
    let Prior { settled: mut known, in_doubt } = prior;
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
            && let Some(index) = ready.pop_first()
        {
            undispatched -= 1;
            let batch = Arc::clone(&plan[index]);
            observer.batch_started(&batch);
            let handle = tasks.spawn(run_batch(Arc::clone(&shared), batch, undispatched == 0));
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

/// Journals each attempt of one batch, and keeps track of whether one may have been applied.
struct JournalHook<'a> {
    shared: &'a Shared,
    batch: &'a str,
    /// An attempt went on the wire.
    sent: bool,
    /// The last attempt sent has not been heard of since (no failure reported).
    open: bool,
    /// A failed attempt may have been applied: anything but a 429 or a 401, which UMAPI answers
    /// before doing anything. (A refused connection counts too: the hook cannot tell it from a
    /// broken one, and the cautious answer is the safe one.)
    in_doubt: bool,
}

impl AttemptHook for JournalHook<'_> {
    fn before_send(&mut self, attempt: u32, x_request_id: &str) -> Result<(), HookError> {
        self.shared.journal.append(&Record::Intent {
            batch: self.batch.to_string(),
            attempt,
            x_request_id: x_request_id.to_string(),
            test_mode: self.shared.test_mode,
            at: OffsetDateTime::now_utc(),
        })?;
        self.sent = true;
        self.open = true;
        Ok(())
    }

    fn after_failure(
        &mut self,
        attempt: u32,
        x_request_id: &str,
        status: Option<u16>,
        reason: &RetryReason,
    ) -> Result<(), HookError> {
        self.open = false;
        self.in_doubt |= !matches!(status, Some(429 | 401));
        self.shared.journal.append(&Record::Outcome {
            batch: self.batch.to_string(),
            attempt,
            x_request_id: Some(x_request_id.to_string()),
            status,
            answer: None,
            answer_truncated: false,
            error: Some(reason.to_string()),
            is_final: false,
            outcomes: Vec::new(),
            at: OffsetDateTime::now_utc(),
        })?;
        Ok(())
    }
}

fn journal_abort(error: impl std::fmt::Display) -> AbortReason {
    AbortReason {
        kind: AbortKind::Journal,
        message: format!("cannot write the journal: {error}"),
        hint: Some("check that the run folder is writable and the disk has room; then resume the run".to_string()),
    }
}

async fn run_batch(shared: Arc<Shared>, batch: Arc<Batch>, sync_end: bool) -> TaskEnd {
    let count = batch.commands.len();
    let body = match serde_json::to_vec(&batch.commands) {
        Ok(body) => body,
        Err(error) => {
            let outcomes =
                fail_all(count, "umapi-bulk.internal", &format!("cannot encode the request: {error}"), None, false);
            return TaskEnd::Settled { outcomes, sent: false, abort: None };
        }
    };
    let steps: Vec<usize> = batch.commands.iter().map(|command| command.steps.len()).collect();
    let mut hook = JournalHook { shared: &shared, batch: &batch.id, sent: false, open: false, in_doubt: false };
    let result =
        shared.client.send_action(&batch.id, body, &steps, shared.test_mode, sync_end, &mut hook, &shared.stop).await;
    let sent = hook.sent;
    let at = OffsetDateTime::now_utc();
    let (outcomes, record) = match result {
        Ok(answer) => {
            let outcomes = map_answer(count, &answer.body, &answer.x_request_id);
            let (stored, answer_truncated) = answer_for_journal(answer.body);
            let record = Record::Outcome {
                batch: batch.id.clone(),
                attempt: answer.attempts,
                x_request_id: Some(answer.x_request_id),
                status: Some(answer.status),
                answer: Some(stored),
                answer_truncated,
                error: None,
                is_final: true,
                outcomes: outcomes.clone(),
                at,
            };
            (outcomes, record)
        }
        Err(CallError::Fatal { status, body, x_request_id, attempts }) => {
            let code = http_failure_code(status, body_code(&body));
            let message = body_message(&body).unwrap_or_else(|| format!("HTTP {status}"));
            // A 4xx refused the request; a 5xx failed while handling it, after an unknown part of it.
            let outcomes = if status >= 500 {
                let reason = format!("HTTP {status} ({code}: {message}): UMAPI failed while handling the request");
                unknown_all(count, &reason, Some(&x_request_id))
            } else {
                fail_all(count, &code, &message, Some(&x_request_id), false)
            };
            let record = Record::Outcome {
                batch: batch.id.clone(),
                attempt: attempts,
                x_request_id: Some(x_request_id),
                status: Some(status),
                answer: None,
                answer_truncated: false,
                error: Some(format!("HTTP {status} {code}: {message}")),
                is_final: true,
                outcomes: outcomes.clone(),
                at,
            };
            (outcomes, record)
        }
        Err(CallError::Exhausted { attempts, last, never_connected: true, .. }) => {
            let reason = AbortReason {
                kind: AbortKind::Connection,
                message: format!(
                    "cannot connect to UMAPI at {} after {attempts} attempts: {last}",
                    shared.client.base_url()
                ),
                hint: Some("check umapi_url in the configuration and the network; then resume the run".to_string()),
            };
            // Every attempt was refused at connect time: nothing reached UMAPI.
            return TaskEnd::Unsettled { sent, in_doubt: false, cause: StopCause::Aborted(reason) };
        }
        Err(CallError::Exhausted { attempts, last, x_request_id, last_status, maybe_applied, .. }) => {
            let message = format!("no usable answer after {attempts} attempts; last: {last}");
            let outcomes = if maybe_applied {
                unknown_all(count, &message, Some(&x_request_id))
            } else {
                fail_all(count, CODE_TRANSIENT_EXHAUSTED, &message, Some(&x_request_id), true)
            };
            let record = Record::Outcome {
                batch: batch.id.clone(),
                attempt: attempts,
                x_request_id: Some(x_request_id),
                status: last_status,
                answer: None,
                answer_truncated: false,
                error: Some(message),
                is_final: true,
                outcomes: outcomes.clone(),
                at,
            };
            (outcomes, record)
        }
        // IMS asked for a wait beyond max_wait: park like any server-requested wait, not an
        // authentication failure.
        Err(CallError::Auth(AuthError::Parked { wait, resume_after, .. })) => {
            let cause = StopCause::Parked { wait, resume_after };
            return TaskEnd::Unsettled { sent, in_doubt: hook.in_doubt, cause };
        }
        Err(CallError::Auth(error)) => {
            let reason = AbortReason { kind: AbortKind::Auth, message: error.to_string(), hint: error.hint() };
            // The last attempt was answered 401 or 403: only earlier failures can leave a doubt.
            return TaskEnd::Unsettled { sent, in_doubt: hook.in_doubt, cause: StopCause::Aborted(reason) };
        }
        Err(CallError::Parked { wait, resume_after }) => {
            let cause = StopCause::Parked { wait, resume_after };
            return TaskEnd::Unsettled { sent, in_doubt: hook.in_doubt, cause };
        }
        Err(CallError::Stopped { .. }) => {
            // Forced while on the wire (`open`): abandoned, perhaps applied.
            return TaskEnd::Unsettled { sent, in_doubt: hook.in_doubt || hook.open, cause: StopCause::Stopped };
        }
        Err(CallError::Hook(error)) => {
            let cause = StopCause::Aborted(journal_abort(error));
            return TaskEnd::Unsettled { sent, in_doubt: hook.in_doubt, cause };
        }
    };
    let abort = shared.journal.append(&record).err().map(journal_abort);
    TaskEnd::Settled { outcomes, sent, abort }
}
