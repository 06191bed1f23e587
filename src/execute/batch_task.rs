//! One batch on the wire, as the executor's task: the request body, the client's call with its
//! retries, the journal hook that records every attempt before it is sent (and whether one may have
//! been applied), and the batch's end: its final outcomes (journaled), or why it has none (stopped,
//! parked, aborted), with whether its commands are in doubt (Unknown) or simply not sent.
//!
//! How a call's end maps to outcomes: an answer that passed its checks → per-command outcomes
//! (`mapping`); a 4xx → Failed; a 5xx → Unknown (UMAPI failed while handling it); retries run out
//! → Unknown when an attempt may have been applied, else Failed (`umapi-bulk.transient.exhausted`:
//! only 429s and refused connections); never connected → the run aborts (exit 3); 401/403 → the
//! run aborts; a wait beyond `max_wait` → the run parks; a signal → stopped. Must not print.

use std::collections::HashSet;
use std::sync::Arc;
use std::time::Duration;

use time::OffsetDateTime;

use crate::execute::journal::{Journal, NOT_SENT, Record, answer_for_journal};
use crate::execute::mapping::{fail_all, http_failure_code, map_answer, unknown_all};
use crate::execute::no_ops;
use crate::execute::outcome::{AbortKind, AbortReason, CODE_TRANSIENT_EXHAUSTED, CommandOutcome};
use crate::plan::batch::Batch;
use crate::umapi::cancel::CancelToken;
use crate::umapi::client::{AttemptHook, CallError, HookError, UmapiClient, body_code, body_message};
use crate::umapi::error::AuthError;
use crate::umapi::observe::RetryReason;

/// The reason of a batch that was sent but got no final answer before the run stopped.
pub const UNANSWERED: &str = "sent, but the run stopped before a usable answer came (a resume sends it again)";

/// What every batch task shares: the client, the journal, the mode and the executor's stop, and the
/// batches an earlier segment sent that may have been applied.
pub(super) struct Shared {
    pub(super) client: Arc<UmapiClient>,
    pub(super) journal: Journal,
    pub(super) test_mode: bool,
    pub(super) stop: CancelToken,
    pub(super) in_doubt: HashSet<String>,
}

/// Why a batch task ended without a final answer.
pub(super) enum StopCause {
    Stopped,
    Parked { wait: Duration, resume_after: OffsetDateTime },
    Aborted(AbortReason),
}

/// How a batch task ended.
pub(super) enum TaskEnd {
    Settled {
        outcomes: Vec<CommandOutcome>,
        sent: bool,
        abort: Option<AbortReason>,
        /// An attempt before the final answer may have been applied (this segment's, or an earlier
        /// segment's that went unanswered): a refusal in the answer may be that attempt's work.
        after_doubt: bool,
    },
    /// No final answer. `in_doubt`: an attempt may have been applied (it was abandoned on the wire,
    /// or failed in a way that does not rule it out); such a batch's commands end Unknown.
    Unsettled { sent: bool, in_doubt: bool, cause: StopCause },
}

/// Journals each attempt of one batch, and keeps track of whether one may have been applied.
struct JournalHook<'a> {
    shared: &'a Shared,
    batch: &'a str,
    /// An attempt went on the wire.
    sent: bool,
    /// Attempts journaled and not withdrawn.
    on_wire: u32,
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
        self.on_wire += 1;
        self.sent = true;
        self.open = true;
        Ok(())
    }

    fn withdrawn(&mut self, attempt: u32, x_request_id: &str) -> Result<(), HookError> {
        self.on_wire = self.on_wire.saturating_sub(1);
        self.sent = self.on_wire > 0;
        self.open = false;
        self.shared.journal.append(&Record::Outcome {
            batch: self.batch.to_string(),
            attempt,
            x_request_id: Some(x_request_id.to_string()),
            status: None,
            answer: None,
            answer_truncated: false,
            error: Some(format!("{NOT_SENT} a 429 paused every request first")),
            is_final: false,
            outcomes: Vec::new(),
            at: OffsetDateTime::now_utc(),
        })?;
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

/// A run stopped because the journal cannot be written.
pub(super) fn journal_abort(error: impl std::fmt::Display) -> AbortReason {
    AbortReason {
        kind: AbortKind::Journal,
        message: format!("cannot write the journal: {error}"),
        hint: Some("check that the run folder is writable and the disk has room; then resume the run".to_string()),
    }
}

/// Sends one batch (with the client's retries), journals its attempts and its final outcome.
pub(super) async fn run_batch(shared: Arc<Shared>, batch: Arc<Batch>, sync_end: bool) -> TaskEnd {
    let count = batch.commands.len();
    let body = match serde_json::to_vec(&batch.commands) {
        Ok(body) => body,
        Err(error) => {
            let outcomes =
                fail_all(count, "umapi-bulk.internal", &format!("cannot encode the request: {error}"), None, false);
            return TaskEnd::Settled { outcomes, sent: false, abort: None, after_doubt: false };
        }
    };
    let steps: Vec<usize> = batch.commands.iter().map(|command| command.steps.len()).collect();
    let mut hook =
        JournalHook { shared: &shared, batch: &batch.id, sent: false, on_wire: 0, open: false, in_doubt: false };
    let result =
        shared.client.send_action(&batch.id, body, &steps, shared.test_mode, sync_end, &mut hook, &shared.stop).await;
    let sent = hook.sent;
    let at = OffsetDateTime::now_utc();
    // Whether an attempt before the answer may have been applied (packed steps then need a look).
    let mut after_doubt = hook.in_doubt || shared.in_doubt.contains(&batch.id);
    let (outcomes, record) = match result {
        Ok(answer) => {
            let mut outcomes = map_answer(count, &answer.body, &answer.x_request_id);
            // A resend after an attempt that may have been applied may meet Adobe's no-op refusals.
            let earlier = answer.earlier_attempt_unanswered || shared.in_doubt.contains(&batch.id);
            after_doubt |= earlier;
            no_ops::recognise(&batch.commands, &mut outcomes, earlier);
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
                    "cannot connect to UMAPI at {} after {}: {last}",
                    shared.client.base_url(),
                    crate::text::plural(attempts as usize, "attempt", "attempts")
                ),
                hint: Some("check umapi_url in the configuration and the network; then resume the run".to_string()),
            };
            // Every attempt was refused at connect time: nothing reached UMAPI.
            return TaskEnd::Unsettled { sent, in_doubt: false, cause: StopCause::Aborted(reason) };
        }
        Err(CallError::Exhausted { attempts, last, x_request_id, last_status, maybe_applied, .. }) => {
            let message = format!(
                "no usable answer after {}; last: {last}",
                crate::text::plural(attempts as usize, "attempt", "attempts")
            );
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
    TaskEnd::Settled { outcomes, sent, abort, after_doubt }
}
