//! The executor's output: one [`CommandOutcome`] per command, grouped per batch
//! ([`BatchResult`]), run statistics ([`RunStatistics`]) and how the run ended ([`RunEnd`]), all in
//! a [`RunReport`].
//!
//! These are plain serialisable data: the journal stores command outcomes, `apply` turns the report
//! into results.csv, retry.csv and summary.json. This file must not do I/O; mapping an UMAPI
//! answer to outcomes lives in `mapping.rs`.

use std::collections::HashMap;
use std::time::Duration;

use serde::{Deserialize, Serialize};
use time::OffsetDateTime;

use crate::execute::packed::{MemberRef, MemberSettlement, Settled, member_outcome};
use crate::plan::batch::{Batch, CommandSource};

/// Error code of a command whose batch got no usable answer after every attempt, when no attempt
/// can have been applied (every one was refused at connect time or answered 429). When one may have
/// been applied the command is [`CommandOutcome::Unknown`] instead. The message names the last
/// failure.
pub const CODE_TRANSIENT_EXHAUSTED: &str = "umapi-bulk.transient.exhausted";
/// Error-code prefix for a whole-request HTTP failure without an UMAPI code (`umapi-bulk.http.500`).
pub const CODE_HTTP_PREFIX: &str = "umapi-bulk.http.";

/// The final outcome of one command. Every command of a run ends with exactly one.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "result", rename_all = "snake_case")]
pub enum CommandOutcome {
    /// UMAPI answered and reported no error for the command (in test mode: it would succeed).
    Succeeded {
        /// The `X-Request-Id` of the request that was answered.
        x_request_id: String,
        /// Warnings UMAPI attached to the command (e.g. `warning.command.deprecated`).
        #[serde(default, skip_serializing_if = "Vec::is_empty")]
        warnings: Vec<CommandWarning>,
    },
    /// The command failed: UMAPI reported an error for it, the whole request was refused, or no
    /// answer came after every attempt.
    Failed {
        /// UMAPI's `errorCode` (`error.user.nonexistent`), a request-level `result`
        /// (`error.command.malformed`), or one of ours ([`CODE_TRANSIENT_EXHAUSTED`],
        /// `umapi-bulk.http.<status>`).
        code: String,
        /// UMAPI's message, or ours naming the last HTTP status / transport error.
        message: String,
        /// 0-based index of the failing step in the command, when UMAPI said.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        step: Option<usize>,
        /// The `X-Request-Id` of the last attempt, when one was sent.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        x_request_id: Option<String>,
        /// Whether running the row again later may well succeed (transient exhaustion, HTTP 5xx).
        /// retry.csv lists such rows with a hint to wait.
        transient: bool,
    },
    /// Nobody knows whether the command was applied: its request was sent but no answer came
    /// (every attempt timed out, broke or met a gateway error, or the run stopped while it was on
    /// the wire), UMAPI failed while handling it (HTTP 500), or the answer failed the consistency
    /// checks (`umapi::answer`). Never counted as a success; the row goes to retry.csv, which is
    /// safe to apply again as it is (every command is idempotent by construction, UMAPI.md D).
    Unknown {
        /// What happened, one line (the last failure, or which check the answer failed).
        reason: String,
        /// The `X-Request-Id` of the last attempt, when one was sent.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        x_request_id: Option<String>,
    },
    /// The command was not sent before the run stopped. Resuming the run sends it.
    NotAttempted {
        /// Why the run did not get to it.
        reason: NotAttemptedReason,
    },
}

impl CommandOutcome {
    /// Whether the command succeeded.
    pub fn is_success(&self) -> bool {
        matches!(self, Self::Succeeded { .. })
    }

    /// The error code of a failed command.
    pub fn error_code(&self) -> Option<&str> {
        match self {
            Self::Failed { code, .. } => Some(code),
            _ => None,
        }
    }

    /// The `X-Request-Id` that produced this outcome, if a request was answered or sent.
    pub fn x_request_id(&self) -> Option<&str> {
        match self {
            Self::Succeeded { x_request_id, .. } => Some(x_request_id),
            Self::Failed { x_request_id, .. } | Self::Unknown { x_request_id, .. } => x_request_id.as_deref(),
            Self::NotAttempted { .. } => None,
        }
    }
}

/// A warning UMAPI attached to a command.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct CommandWarning {
    /// `warningCode`, e.g. `warning.command.deprecated`.
    pub code: String,
    /// UMAPI's message.
    pub message: String,
    /// 0-based step index, when given.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub step: Option<usize>,
}

/// Why a command was not attempted (or its answer was not received).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum NotAttemptedReason {
    /// The run was cancelled (Ctrl-C).
    Cancelled,
    /// The run parked: UMAPI asked for a wait longer than `max_wait`.
    Parked,
    /// The run stopped on an error that makes every request fail (authentication, UMAPI unreachable,
    /// the journal cannot be written).
    Aborted,
    /// The journal has no attempt of it yet: the run stopped (or was killed) before it, and a resume
    /// sends it. Reports rebuilt from the journal say this.
    Pending,
}

/// The outcomes of one batch, aligned with its commands.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct BatchResult {
    /// The batch id.
    pub batch_id: String,
    /// One outcome per command, in the batch's command order.
    pub outcomes: Vec<CommandOutcome>,
}

/// Counters of one run (or one resumed segment of it). Durations serialise as seconds.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct RunStatistics {
    /// Batches sent at least once in this run.
    pub batches_sent: u64,
    /// HTTP requests put on the wire for them: every attempt, retries and 401 replays included.
    pub requests_sent: u64,
    /// Attempts after the first of a batch (`requests_sent - batches_sent`).
    pub retries: u64,
    /// HTTP 429 answers received.
    pub throttled: u64,
    /// Other transient failures: 502/503/504, timeouts, dropped or refused connections, bad bodies.
    pub transient_failures: u64,
    /// Access tokens fetched from IMS.
    pub token_requests: u64,
    /// Wall time during which at least one request waited on a backoff or a server-requested
    /// Retry-After (overlapping waits counted once).
    #[serde(with = "seconds")]
    pub waited: Duration,
    /// Wall time during which at least one request waited for the sliding-window limiter.
    #[serde(with = "seconds")]
    pub paced: Duration,
    /// Wall time of the run, from start to the last outcome.
    #[serde(with = "seconds")]
    pub wall_time: Duration,
}

/// How a run ended.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "end", rename_all = "snake_case")]
pub enum RunEnd {
    /// Every batch got its final outcome (successes and failures alike).
    Finished,
    /// UMAPI asked for a wait longer than `max_wait`: nothing new was started, in-flight requests
    /// finished, and the run can be resumed after `resume_after`.
    Parked {
        /// When the server said requests may be sent again.
        #[serde(with = "time::serde::rfc3339")]
        resume_after: OffsetDateTime,
    },
    /// Cancelled (Ctrl-C): in-flight requests finished and were journaled, nothing new started.
    Cancelled,
    /// Stopped on an error that makes every further request fail.
    Aborted {
        /// What went wrong.
        error: AbortReason,
    },
}

/// Why a run aborted, with the exit status it deserves.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct AbortReason {
    /// The kind of failure.
    pub kind: AbortKind,
    /// The error and its causes, one line (secrets never appear in it).
    pub message: String,
    /// What the user can do about it, when we know.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub hint: Option<String>,
}

/// The kinds of run-ending failure.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum AbortKind {
    /// IMS refused the credentials, UMAPI answered 401 after a token renewal, or 403.
    Auth,
    /// UMAPI (or IMS) could not be reached after every attempt.
    Connection,
    /// The journal could not be written; nothing more is sent without a record.
    Journal,
}

/// Everything a run produced: outcomes for every command of the plan (including those known from
/// the journal when resuming) and of the follow-ups it added, how the users of packed steps that
/// did not simply succeed were settled, statistics of this segment, and how it ended.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct RunReport {
    /// One result per batch: the plan's, in plan order, then the follow-ups'; together they cover
    /// every command exactly once.
    pub batches: Vec<BatchResult>,
    /// Batches the run added to settle packed steps (`execute::resolution`), after the plan's.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub follow_ups: Vec<Batch>,
    /// How users of packed steps were settled (a read, the answer, or a follow-up).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub settlements: Vec<MemberSettlement>,
    /// Counters of this run segment (a resumed run counts only what it sent itself).
    pub statistics: RunStatistics,
    /// How the run ended.
    pub end: RunEnd,
    /// Whether the run sent UMAPI's `testOnly` flag.
    pub test_mode: bool,
    /// Warnings about the journal (for example a torn last line ignored on resume).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub warnings: Vec<String>,
}

impl RunReport {
    /// Every command's outcome with its source, in plan order then the follow-ups', given the
    /// plan's batches (the ones passed to the executor, or
    /// [`crate::execute::resume::ResumeState::batches`]).
    pub fn command_outcomes<'a>(
        &'a self,
        plan: &'a [Batch],
    ) -> impl Iterator<Item = (&'a Batch, usize, &'a CommandSource, &'a CommandOutcome)> + 'a {
        plan.iter().chain(&self.follow_ups).zip(&self.batches).flat_map(|(batch, result)| {
            batch
                .sources
                .iter()
                .zip(&result.outcomes)
                .enumerate()
                .map(move |(index, (source, outcome))| (batch, index, source, outcome))
        })
    }

    /// The outcomes each input row's changes ended with, as `(row index, outcome)`: a `user`
    /// command's outcome for its row, and for every user of a packed step the outcome of that
    /// user's change ([`member_outcome`]: done when the steps before a failed one ran, confirmed by
    /// a read or by the answer, or carried by a follow-up whose own outcome is listed instead).
    pub fn row_outcomes(&self, plan: &[Batch]) -> Vec<(usize, CommandOutcome)> {
        let settled: HashMap<&MemberRef, &Settled> =
            self.settlements.iter().map(|settlement| (&settlement.member, &settlement.how)).collect();
        let mut rows = Vec::new();
        for (batch, index, source, outcome) in self.command_outcomes(plan) {
            if !source.is_packed() {
                rows.push((source.row_index, outcome.clone()));
                continue;
            }
            for (step, users) in source.members.iter().enumerate() {
                for (position, member) in users.iter().enumerate() {
                    let key = MemberRef { batch: batch.id.clone(), command: index, step, user: position };
                    if let Some(outcome) = member_outcome(outcome, step, settled.get(&key).copied()) {
                        rows.push((member.row_index, outcome));
                    }
                }
            }
        }
        rows
    }

    /// How many commands ended with each kind of outcome: (succeeded, failed, not attempted).
    /// Unknown outcomes are in none of the three: [`Self::unknown_count`] counts them.
    pub fn counts(&self) -> (usize, usize, usize) {
        let mut counts = (0, 0, 0);
        for outcome in self.batches.iter().flat_map(|batch| &batch.outcomes) {
            match outcome {
                CommandOutcome::Succeeded { .. } => counts.0 += 1,
                CommandOutcome::Failed { .. } => counts.1 += 1,
                CommandOutcome::NotAttempted { .. } => counts.2 += 1,
                CommandOutcome::Unknown { .. } => {}
            }
        }
        counts
    }

    /// How many commands ended [`CommandOutcome::Unknown`].
    pub fn unknown_count(&self) -> usize {
        self.batches
            .iter()
            .flat_map(|batch| &batch.outcomes)
            .filter(|outcome| matches!(outcome, CommandOutcome::Unknown { .. }))
            .count()
    }
}

/// Serialises a `Duration` as fractional seconds.
mod seconds {
    use std::time::Duration;

    use serde::{Deserialize, Deserializer, Serializer};

    pub fn serialize<S: Serializer>(duration: &Duration, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.serialize_f64((duration.as_secs_f64() * 1000.0).round() / 1000.0)
    }

    pub fn deserialize<'de, D: Deserializer<'de>>(deserializer: D) -> Result<Duration, D::Error> {
        let seconds = f64::deserialize(deserializer)?;
        Duration::try_from_secs_f64(seconds).map_err(serde::de::Error::custom)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn outcomes_serialise_with_a_result_tag() {
        let outcomes = vec![
            CommandOutcome::Succeeded { x_request_id: "r1".into(), warnings: Vec::new() },
            CommandOutcome::Failed {
                code: "error.user.nonexistent".into(),
                message: "User Id does not exist".into(),
                step: Some(1),
                x_request_id: Some("r2".into()),
                transient: false,
            },
            CommandOutcome::NotAttempted { reason: NotAttemptedReason::Parked },
            CommandOutcome::Unknown { reason: "timed out".into(), x_request_id: Some("r3".into()) },
        ];
        let json = serde_json::to_value(&outcomes).unwrap_or_default();
        assert_eq!(json[0], serde_json::json!({"result": "succeeded", "x_request_id": "r1"}));
        assert_eq!(json[1]["step"], 1);
        assert_eq!(json[2], serde_json::json!({"result": "not_attempted", "reason": "parked"}));
        assert_eq!(json[3], serde_json::json!({"result": "unknown", "reason": "timed out", "x_request_id": "r3"}));
        let back: Vec<CommandOutcome> = serde_json::from_value(json).unwrap_or_default();
        assert_eq!(back, outcomes);
    }

    #[test]
    fn run_end_and_statistics_serialise_readably() {
        let end = RunEnd::Parked { resume_after: time::macros::datetime!(2026-11-24 10:15:00 UTC) };
        let json = serde_json::to_value(&end).unwrap_or_default();
        assert_eq!(json, serde_json::json!({"end": "parked", "resume_after": "2026-11-24T10:15:00Z"}));
        let statistics = RunStatistics { waited: Duration::from_millis(1500), ..RunStatistics::default() };
        let json = serde_json::to_value(&statistics).unwrap_or_default();
        assert_eq!(json["waited"], 1.5);
    }
}
