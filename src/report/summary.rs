//! `summary.json`: the run in one document — counts per result, requests, retries, 429s and time
//! waited, wall time, how the run ended, the configuration used (secrets redacted: the settings'
//! `Config` never serialises them) and the tool version (SPEC 5). `runs list|show` read it back.
//! Also the one rendering of a run's request statistics ([`RequestStats::describe`]), which `apply`
//! prints at the end of a run and `runs show` prints later.

use std::path::Path;
use std::time::Duration;

use serde::{Deserialize, Serialize};

use crate::model::Operation;
use crate::report::results::{ResultKind, RowResult};
use crate::text::{plural, time_spent};

/// How a run ended.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum RunStatus {
    /// Every planned request was answered.
    Finished,
    /// Stopped for a server-requested wait longer than `--max-wait`; resumable.
    Parked,
    /// Stopped by Ctrl-C; resumable.
    Cancelled,
    /// Stopped by an error (authentication, connection); resumable once fixed.
    Aborted,
    /// Refused before sending anything (invalid input).
    Refused,
    /// A resume is sending the rest: the reports were rebuilt from the journal before it sent
    /// anything. Left like this, the resume was killed; `apply --resume` continues.
    Running,
}

impl RunStatus {
    /// The lower-case name (`finished`, `parked`, ...), as in `summary.json`.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Finished => "finished",
            Self::Parked => "parked",
            Self::Cancelled => "cancelled",
            Self::Aborted => "aborted",
            Self::Refused => "refused",
            Self::Running => "running",
        }
    }
}

/// Request statistics of a run.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct RequestStats {
    /// Action requests answered (first attempts and retries count once per request).
    pub action_requests: u64,
    /// HTTP attempts of action requests, retries included.
    pub action_attempts: u64,
    /// Read requests (users, groups).
    pub read_requests: u64,
    /// Retries of any request.
    pub retries: u64,
    /// 429 answers received.
    pub throttled: u64,
    /// Milliseconds spent waiting on the server (Retry-After and backoff).
    pub waited_ms: u64,
    /// Milliseconds the client waited for its own rate limit (self-paced: the configured limits,
    /// UMAPI.md 4a); not part of `waited_ms`. Absent from older summaries: 0.
    #[serde(default)]
    pub rate_limit_wait_ms: u64,
    /// Of `waited_ms`, the milliseconds the server asked for (Retry-After, 429 pauses); the rest is
    /// backoff after failures. Absent from older summaries: 0.
    #[serde(default)]
    pub server_wait_ms: u64,
}

impl RequestStats {
    /// `5 action requests (6 attempts), 9 reads; 1 retry, 0 throttled (429); waited 52.3 s for the
    /// rate limit (self-paced)`; each kind of wait is named only when there was one.
    pub fn describe(&self) -> String {
        let count = |value: u64| usize::try_from(value).unwrap_or(usize::MAX);
        let seconds = |milliseconds: u64| time_spent(Duration::from_millis(milliseconds));
        // Under 50 ms a wait reads 0.0 s: scheduling noise, not a wait worth naming.
        let worth = |milliseconds: u64| milliseconds >= 50;
        let mut waits = Vec::new();
        if worth(self.rate_limit_wait_ms) {
            waits.push(format!("{} for the rate limit (self-paced)", seconds(self.rate_limit_wait_ms)));
        }
        if worth(self.server_wait_ms) {
            waits.push(format!("{} at UMAPI's request", seconds(self.server_wait_ms)));
        }
        let backoff = self.waited_ms.saturating_sub(self.server_wait_ms);
        if worth(backoff) {
            waits.push(format!("{} backing off after failures", seconds(backoff)));
        }
        let waits = if waits.is_empty() { "no waits".to_string() } else { format!("waited {}", waits.join(", ")) };
        format!(
            "{} ({}), {}; {}, {} throttled (429); {waits}",
            plural(count(self.action_requests), "action request", "action requests"),
            plural(count(self.action_attempts), "attempt", "attempts"),
            plural(count(self.read_requests), "read", "reads"),
            plural(count(self.retries), "retry", "retries"),
            self.throttled,
        )
    }
}

/// Rows per result, every kind present (zeros included) so that scripts can index blindly. In
/// `summary.json` a map from the result's name (`Success`, `Not Attempted`, ...) to the count,
/// keys in alphabetical order.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct ResultCounts {
    /// `Failed`.
    #[serde(rename = "Failed", default)]
    pub failed: usize,
    /// `Invalid`.
    #[serde(rename = "Invalid", default)]
    pub invalid: usize,
    /// `Not Attempted`.
    #[serde(rename = "Not Attempted", default)]
    pub not_attempted: usize,
    /// `Skipped`.
    #[serde(rename = "Skipped", default)]
    pub skipped: usize,
    /// `Success`.
    #[serde(rename = "Success", default)]
    pub success: usize,
    /// `Unknown`: sent, but whether it was applied is unknown (absent from older summaries: 0).
    #[serde(rename = "Unknown", default)]
    pub unknown: usize,
}

impl ResultCounts {
    /// The kinds in the order `summary.json` lists them (alphabetical).
    pub const ORDER: [ResultKind; 6] = [
        ResultKind::Failed,
        ResultKind::Invalid,
        ResultKind::NotAttempted,
        ResultKind::Skipped,
        ResultKind::Success,
        ResultKind::Unknown,
    ];

    /// Counts the rows.
    pub fn of(rows: &[RowResult]) -> Self {
        let mut counts = Self::default();
        for row in rows {
            *counts.slot(row.kind) += 1;
        }
        counts
    }

    /// The count of one kind.
    pub fn get(&self, kind: ResultKind) -> usize {
        match kind {
            ResultKind::Failed => self.failed,
            ResultKind::Invalid => self.invalid,
            ResultKind::NotAttempted => self.not_attempted,
            ResultKind::Skipped => self.skipped,
            ResultKind::Success => self.success,
            ResultKind::Unknown => self.unknown,
        }
    }

    fn slot(&mut self, kind: ResultKind) -> &mut usize {
        match kind {
            ResultKind::Failed => &mut self.failed,
            ResultKind::Invalid => &mut self.invalid,
            ResultKind::NotAttempted => &mut self.not_attempted,
            ResultKind::Skipped => &mut self.skipped,
            ResultKind::Success => &mut self.success,
            ResultKind::Unknown => &mut self.unknown,
        }
    }

    /// Every kind with its count, in [`Self::ORDER`].
    pub fn iter(&self) -> impl Iterator<Item = (ResultKind, usize)> + '_ {
        Self::ORDER.into_iter().map(|kind| (kind, self.get(kind)))
    }
}

/// The document.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Summary {
    /// `umapi-bulk`.
    pub tool: String,
    /// Tool version.
    pub version: String,
    /// add, edit, remove, revoke.
    pub operation: Operation,
    /// The input file as given.
    pub file: String,
    /// UMAPI testOnly: nothing was changed server-side.
    pub test_mode: bool,
    /// Run against the built-in simulator.
    pub simulator: bool,
    /// UTC start, RFC 3339.
    pub started_at: String,
    /// UTC end, RFC 3339.
    pub finished_at: String,
    /// Wall time in seconds.
    pub wall_time_secs: f64,
    /// How the run ended.
    pub status: RunStatus,
    /// When a parked run may resume (RFC 3339).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub resume_after: Option<String>,
    /// Data rows in the file.
    pub rows: usize,
    /// Rows per result.
    pub results: ResultCounts,
    /// Request statistics.
    pub requests: RequestStats,
    /// Joins that got no licence, per product configuration.
    #[serde(default)]
    pub deficit: std::collections::BTreeMap<String, u64>,
    /// The process exit code of the run (while `running`: the code it would have if it stopped now).
    pub exit_code: i32,
    /// The run's segments, the first run and each resume (from the journal), oldest first.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub segments: Vec<SegmentSummary>,
    /// Configuration used, secrets redacted.
    pub config: serde_json::Value,
}

/// One segment of a run (the first run, or one resume) in `summary.json`.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct SegmentSummary {
    /// When it began, RFC 3339.
    pub started_at: String,
    /// How it ended: `finished`, `parked`, `cancelled`, `aborted`, or `killed` when the journal has
    /// no end for it (the process died), or `running` for the one still going.
    pub status: String,
    /// Action requests it sent (each batch once).
    pub action_requests: u64,
    /// HTTP attempts of those, retries included.
    pub action_attempts: u64,
    /// 429 answers to them.
    pub throttled: u64,
}

/// What earlier segments of a run counted that the journal does not keep (reads, waits, wall time,
/// the command's own start), carried from the `summary.json` they left. Empty for a fresh run.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct Carried {
    /// The run's start, as the first segment's summary has it.
    pub started_at: Option<String>,
    /// Read requests of earlier segments.
    pub read_requests: u64,
    /// Milliseconds earlier segments waited on the server.
    pub waited_ms: u64,
    /// Milliseconds earlier segments waited for their own rate limit (self-paced).
    pub rate_limit_wait_ms: u64,
    /// Milliseconds of `waited_ms` the server asked for.
    pub server_wait_ms: u64,
    /// Wall time of earlier segments, in seconds.
    pub wall_time_secs: f64,
}

impl Carried {
    /// What a run folder's previous `summary.json` carries into the next segment's.
    pub fn from_summary(summary: &Summary) -> Self {
        Self {
            started_at: Some(summary.started_at.clone()),
            read_requests: summary.requests.read_requests,
            waited_ms: summary.requests.waited_ms,
            rate_limit_wait_ms: summary.requests.rate_limit_wait_ms,
            server_wait_ms: summary.requests.server_wait_ms,
            wall_time_secs: summary.wall_time_secs,
        }
    }
}

/// Writes `summary.json` (pretty-printed), atomically: the old summary stays until the new one is
/// complete.
pub fn write(path: &Path, summary: &Summary) -> std::io::Result<()> {
    let text = serde_json::to_string_pretty(summary).map_err(std::io::Error::other)?;
    crate::atomic_file::write(path, (text + "\n").as_bytes())
}

/// Why a `summary.json` cannot be read.
#[derive(Debug, thiserror::Error)]
pub enum SummaryError {
    /// The file cannot be read.
    #[error(transparent)]
    Unreadable(#[from] std::io::Error),
    /// It is not a summary.
    #[error(transparent)]
    Invalid(#[from] serde_json::Error),
}

/// Reads a `summary.json`.
pub fn read(path: &Path) -> Result<Summary, SummaryError> {
    let text = fs_err::read_to_string(path)?;
    Ok(serde_json::from_str(&text)?)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn result_counts_keep_the_names_and_order_of_summary_json() {
        let counts = ResultCounts { success: 2, failed: 1, ..ResultCounts::default() };
        let json = serde_json::to_string(&counts).unwrap_or_default();
        assert_eq!(json, r#"{"Failed":1,"Invalid":0,"Not Attempted":0,"Skipped":0,"Success":2,"Unknown":0}"#);
        let back: ResultCounts = serde_json::from_str(&json).unwrap_or_default();
        assert_eq!(back, counts);
        let names: Vec<&str> = counts.iter().map(|(kind, _)| kind.as_str()).collect();
        let mut sorted = names.clone();
        sorted.sort_unstable();
        assert_eq!(names, sorted);
    }

    #[test]
    fn request_statistics_read_as_one_line() {
        let stats = RequestStats {
            action_requests: 5,
            action_attempts: 6,
            read_requests: 9,
            retries: 1,
            throttled: 1,
            waited_ms: 1500,
            rate_limit_wait_ms: 55_000,
            server_wait_ms: 1000,
        };
        assert_eq!(
            stats.describe(),
            "5 action requests (6 attempts), 9 reads; 1 retry, 1 throttled (429); waited 55.0 s for the rate limit \
             (self-paced), 1.0 s at UMAPI's request, 0.5 s backing off after failures"
        );
        let one = RequestStats { action_requests: 1, action_attempts: 1, read_requests: 1, ..RequestStats::default() };
        assert_eq!(one.describe(), "1 action request (1 attempt), 1 read; 0 retries, 0 throttled (429); no waits");
        // Older summaries have no wait split: they read with zeros.
        let old: RequestStats = serde_json::from_str(
            r#"{"action_requests":1,"action_attempts":1,"read_requests":0,"retries":0,"throttled":0,"waited_ms":0}"#,
        )
        .unwrap_or_default();
        assert_eq!(old, RequestStats { action_requests: 1, action_attempts: 1, ..RequestStats::default() });
    }
}
