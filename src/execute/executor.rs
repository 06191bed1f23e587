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

use std::collections::{BTreeSet, HashMap};
use std::path::Path;
use std::sync::Arc;
use std::time::Duration;

use time::OffsetDateTime;
use tokio::task::JoinSet;
use tokio::time::Instant;

use crate::execute::journal::{Journal, JournalError, Record, answer_for_journal};
use crate::execute::mapping::{fail_all, http_failure_code, map_answer};
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
    Ok(run(client, &plan, HashMap::new(), journal, options, observer, cancel).await)
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
    let mut report = run(client, &plan, state.settled, journal, options, observer, cancel).await;
    let mut warnings = state.warnings;
    warnings.append(&mut report.warnings);
    report.warnings = warnings;
    Ok(ResumedRun { batches: state.batches, report })
}

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
    Settled { outcomes: Vec<CommandOutcome>, sent: bool, abort: Option<AbortReason> },
    Unsettled { sent: bool, cause: StopCause },
}

enum StopReason {
    Cancelled,
    Parked(OffsetDateTime),
    Aborted(AbortReason),
}

async fn run(
    client: Arc<UmapiClient>,
    plan: &[Arc<Batch>],
    mut known: HashMap<String, Vec<CommandOutcome>>,
    journal: Journal,
    options: ExecuteOptions,
    observer: Arc<dyn Observer>,
    cancel: CancelToken,
) -> RunReport {
    let started = Instant::now();
    let before = client.statistics();
    let shared = Arc::new(Shared { client, journal, test_mode: options.test_mode, stop: CancelToken::new() });
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
    loop {
        if stop_reason.is_none() {
            while tasks.len() < concurrency
                && let Some(index) = ready.pop_first()
            {
                undispatched -= 1;
                let batch = Arc::clone(&plan[index]);
                observer.batch_started(&batch);
                let handle = tasks.spawn(run_batch(Arc::clone(&shared), batch, undispatched == 0));
                in_flight.insert(handle.id(), index);
            }
        }
        if tasks.is_empty() {
            break;
        }
        let joined = tokio::select! {
            joined = tasks.join_next_with_id() => joined,
            () = cancel.cancelled(), if stop_reason.is_none() => {
                stop(&mut stop_reason, StopReason::Cancelled, &shared, observer.as_ref());
                continue;
            }
            () = cancel.forced(), if !shared.stop.is_forced() => {
                // Requests on the wire are abandoned; their batches end unanswered (resume resends).
                stop(&mut stop_reason, StopReason::Cancelled, &shared, observer.as_ref());
                shared.stop.force();
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
                (in_flight.remove(&error.id()), TaskEnd::Unsettled { sent: true, cause: StopCause::Aborted(reason) })
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
            TaskEnd::Unsettled { sent, cause } => {
                batches_sent += u64::from(sent);
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
        .map(|(batch, result)| {
            let outcomes = result.unwrap_or_else(|| {
                let outcomes = vec![CommandOutcome::NotAttempted { reason: not_attempted }; batch.commands.len()];
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

/// Journals each attempt of one batch.
struct JournalHook<'a> {
    shared: &'a Shared,
    batch: &'a str,
    sent: bool,
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
        Ok(())
    }

    fn after_failure(
        &mut self,
        attempt: u32,
        x_request_id: &str,
        status: Option<u16>,
        reason: &RetryReason,
    ) -> Result<(), HookError> {
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
    let mut hook = JournalHook { shared: &shared, batch: &batch.id, sent: false };
    let result = shared.client.send_action(&batch.id, body, shared.test_mode, sync_end, &mut hook, &shared.stop).await;
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
            let outcomes = fail_all(count, &code, &message, Some(&x_request_id), status >= 500);
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
                    "cannot connect to UMAPI at {} after {}: {last}",
                    shared.client.base_url(),
                    crate::text::plural(attempts as usize, "attempt", "attempts")
                ),
                hint: Some("check umapi_url in the configuration and the network; then resume the run".to_string()),
            };
            return TaskEnd::Unsettled { sent, cause: StopCause::Aborted(reason) };
        }
        Err(CallError::Exhausted { attempts, last, x_request_id, last_status, .. }) => {
            let message = format!(
                "no usable answer after {}; last: {last}",
                crate::text::plural(attempts as usize, "attempt", "attempts")
            );
            let outcomes = fail_all(count, CODE_TRANSIENT_EXHAUSTED, &message, Some(&x_request_id), true);
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
            return TaskEnd::Unsettled { sent, cause: StopCause::Parked { wait, resume_after } };
        }
        Err(CallError::Auth(error)) => {
            let reason = AbortReason { kind: AbortKind::Auth, message: error.to_string(), hint: error.hint() };
            return TaskEnd::Unsettled { sent, cause: StopCause::Aborted(reason) };
        }
        Err(CallError::Parked { wait, resume_after }) => {
            return TaskEnd::Unsettled { sent, cause: StopCause::Parked { wait, resume_after } };
        }
        Err(CallError::Stopped { .. }) => return TaskEnd::Unsettled { sent, cause: StopCause::Stopped },
        Err(CallError::Hook(error)) => {
            return TaskEnd::Unsettled { sent, cause: StopCause::Aborted(journal_abort(error)) };
        }
    };
    let abort = shared.journal.append(&record).err().map(journal_abort);
    TaskEnd::Settled { outcomes, sent, abort }
}
