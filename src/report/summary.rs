//! `summary.json`: the run in one document — counts per result, requests, retries, 429s and time
//! waited, wall time, how the run ended, the configuration used (secrets redacted: `Config` never
//! serialises them) and the tool version (SPEC 5). `runs list|show` read it back.

use std::collections::BTreeMap;
use std::path::Path;

use serde::{Deserialize, Serialize};

use crate::report::results::{ResultKind, RowResult};

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
}

/// The document.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Summary {
    /// `umapi-bulk`.
    pub tool: String,
    /// Tool version.
    pub version: String,
    /// add, edit, remove, revoke.
    pub operation: String,
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
    /// Rows per result (`Success`, `Failed`, `Invalid`, `Skipped`, `Not Attempted`).
    pub results: BTreeMap<String, usize>,
    /// Request statistics.
    pub requests: RequestStats,
    /// Joins that got no licence, per product configuration.
    #[serde(default)]
    pub deficit: BTreeMap<String, u64>,
    /// The process exit code of the run.
    pub exit_code: i32,
    /// Configuration used, secrets redacted.
    pub config: serde_json::Value,
}

/// Rows per result, with every kind present (zeros included) so that scripts can index blindly.
pub fn count_results(rows: &[RowResult]) -> BTreeMap<String, usize> {
    let mut counts: BTreeMap<String, usize> =
        ResultKind::ALL.iter().map(|kind| (kind.as_str().to_string(), 0)).collect();
    for row in rows {
        *counts.entry(row.kind.as_str().to_string()).or_default() += 1;
    }
    counts
}

/// Writes `summary.json` (pretty-printed).
pub fn write(path: &Path, summary: &Summary) -> std::io::Result<()> {
    let text = serde_json::to_string_pretty(summary).map_err(std::io::Error::other)?;
    fs_err::write(path, text + "\n")
}

/// Reads a `summary.json`.
pub fn read(path: &Path) -> anyhow::Result<Summary> {
    let text = fs_err::read_to_string(path)?;
    Ok(serde_json::from_str(&text)?)
}
