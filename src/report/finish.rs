//! The end of an `apply` run, as data: the plan document and the executor's report (and, when they
//! could be made, the licence reads after the run) become one result per row, the deficit lines,
//! the run folder's reports (`results.csv`, `deficit.csv`, `retry.csv`, `undo.csv`), the
//! [`Verdict`] the exit code follows from, `summary.json`'s document and the closing lines for the
//! terminal.
//!
//! [`Finish`] builds the catalogue of the plan once for all of them. It reads nothing from UMAPI
//! (the licence reads are `org::licences`') and prints nothing (`commands::apply` prints the
//! [`Line`]s); which process exit code a verdict gets is decided at the top (`exit_status`).

use std::collections::{BTreeMap, BTreeSet, HashSet};
use std::path::Path;
use std::time::Duration;

use time::OffsetDateTime;

use crate::execute::{AbortKind, RunEnd, RunReport, Segment};
use crate::model::Operation;
use crate::plan::catalogue::Catalogue;
use crate::plan::document::PlanDocument;
use crate::report::deficit::{self, DeficitLine};
use crate::report::outcomes::{self, LicenceStatus};
use crate::report::results::{self, ResultKind, RowResult};
use crate::report::summary::{Carried, RequestStats, ResultCounts, RunStatus, SegmentSummary, Summary};
use crate::report::{retry, run_folder, undo};
use crate::text::{plural, rfc3339};
use crate::umapi::stats::StatisticsSnapshot;

/// How a run ended, as far as its exit code goes (SPEC 3).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Verdict {
    /// Every row succeeded or needed nothing.
    Success,
    /// Some rows failed, were invalid or were not sent (a parked run included).
    RowsFailed,
    /// Ctrl-C stopped the run.
    Interrupted,
    /// An error stopped the run.
    Aborted(AbortKind),
}

/// The verdict of a run: how it ended, and whether every row succeeded or was skipped.
pub fn verdict(report: &RunReport, rows: &[RowResult]) -> Verdict {
    match &report.end {
        RunEnd::Cancelled => Verdict::Interrupted,
        RunEnd::Aborted { error } => Verdict::Aborted(error.kind),
        RunEnd::Finished | RunEnd::Parked { .. } => {
            if rows.iter().all(|row| matches!(row.kind, ResultKind::Success | ResultKind::Skipped)) {
                Verdict::Success
            } else {
                Verdict::RowsFailed
            }
        }
    }
}

/// A report file that could not be written.
#[derive(Debug, thiserror::Error)]
#[error("cannot write {file}")]
pub struct ReportError {
    /// The file's name in the run folder.
    pub file: &'static str,
    /// Why.
    #[source]
    pub source: std::io::Error,
}

/// Whether a run of `document` may read licence status after its last action request (UMAPI.md D
/// "deficit"): not in test mode, and only when some row joins a product configuration or a user
/// group. When it may not, the last action request is the run's last request.
pub fn may_read_licences(document: &PlanDocument, test_mode: bool) -> bool {
    !test_mode && document.rows.iter().any(|row| !row.joins.is_empty() || !row.group_joins.is_empty())
}

/// Whether to read licence status after the run, and if not, why.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum LicenceReads {
    /// Read these product configurations.
    Read(BTreeSet<String>),
    /// Read nothing; the note (if any) says why the deficit report is what it is.
    Skip(Option<String>),
}

/// One closing line for the terminal.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Line {
    /// For people (silenced by `--quiet`).
    Info(String),
    /// A warning.
    Warning(String),
}

/// What the summary records besides the rows: the run's circumstances and the client's counters.
#[derive(Clone, Debug)]
pub struct RunFacts {
    /// Whether the org was the built-in simulator.
    pub simulator: bool,
    /// When the command started.
    pub started_at: OffsetDateTime,
    /// Wall time of the command so far.
    pub wall_time: Duration,
    /// The client's counters over the whole command.
    pub client: StatisticsSnapshot,
    /// Read requests of the licence reads after the run.
    pub licence_reads: u64,
    /// The exit code the run ends with.
    pub exit_code: i32,
    /// The configuration used, secrets redacted.
    pub config: serde_json::Value,
    /// The run's segments from the journal (empty when it cannot be read: this process's counters
    /// are used instead).
    pub segments: Vec<Segment>,
    /// What earlier segments counted that the journal does not keep.
    pub carried: Carried,
}

/// The end of one run: its plan, the executor's report, and the plan's catalogue.
pub struct Finish<'a> {
    document: &'a PlanDocument,
    report: &'a RunReport,
    catalogue: Catalogue,
}

impl<'a> Finish<'a> {
    /// Starts the end of a run.
    pub fn new(document: &'a PlanDocument, report: &'a RunReport) -> Self {
        Self { document, report, catalogue: Catalogue::from_groups(&document.catalogue) }
    }

    /// Which licence reads the deficit report needs (UMAPI.md D "deficit"): none in test mode (the
    /// plan's forecast is reported), when the run parked (nothing more may be sent), or when the run
    /// stopped first (`stopped`: also Ctrl-C after it).
    pub fn licence_reads(&self, stopped: bool) -> LicenceReads {
        if self.report.test_mode {
            return LicenceReads::Skip(Some("test mode: deficit.csv is the plan's licence forecast".to_string()));
        }
        let provisional = self.rows(&LicenceStatus::default());
        let names = outcomes::configurations_to_read(self.document, &provisional, &self.catalogue);
        if names.is_empty() {
            return LicenceReads::Skip(None);
        }
        if let RunEnd::Parked { .. } = self.report.end {
            // UMAPI asked for a long wait: nothing more is sent (docs/sessions.md).
            return LicenceReads::Skip(Some(
                "licence status was not read (the run parked); it is read when the run is resumed".to_string(),
            ));
        }
        if stopped || matches!(self.report.end, RunEnd::Cancelled | RunEnd::Aborted { .. }) {
            return LicenceReads::Skip(Some(
                "licence status was not read (the run stopped); Assigned and Deficit are unknown".to_string(),
            ));
        }
        LicenceReads::Read(names)
    }

    /// The note of a licence read that failed.
    pub fn unread_note(error: &dyn std::fmt::Display) -> String {
        format!("licence status not read ({error}); Assigned and Deficit are unknown")
    }

    /// One result per input row.
    pub fn rows(&self, licences: &LicenceStatus) -> Vec<RowResult> {
        outcomes::row_results(self.document, Some(self.report), licences)
    }

    /// The deficit lines: what the licence reads found, or in test mode the plan's forecast.
    pub fn deficit_lines(&self, rows: &[RowResult], licences: &LicenceStatus) -> Vec<DeficitLine> {
        if self.report.test_mode {
            return self.forecast_lines();
        }
        outcomes::deficit_lines(self.document, rows, licences, &self.catalogue)
    }

    fn forecast_lines(&self) -> Vec<DeficitLine> {
        self.document
            .licences
            .iter()
            .map(|forecast| DeficitLine {
                configuration: forecast.configuration.clone(),
                quota: forecast.quota,
                requested: forecast.needed,
                assigned: forecast.needed - forecast.deficit(),
                unlicensed: forecast.short.iter().map(|(line, user)| (user.clone(), *line)).collect(),
                known: true,
            })
            .collect()
    }

    /// Writes `results.csv`, `deficit.csv`, `retry.csv` and, for edit and remove, `undo.csv`.
    pub fn write(&self, run_dir: &Path, rows: &[RowResult], deficit_lines: &[DeficitLine]) -> Result<(), ReportError> {
        let document = self.document;
        let failed = |file: &'static str| move |source| ReportError { file, source };
        // Every CSV of the run uses the input's separator: a `;` file comes from an Excel whose
        // list separator is `;`, and that Excel opens a comma file as one column.
        let delimiter = document.delimiter_byte();
        results::write(&run_dir.join(run_folder::RESULTS), &document.header, rows, delimiter)
            .map_err(failed(run_folder::RESULTS))?;
        deficit::write(&run_dir.join(run_folder::DEFICIT), deficit_lines, delimiter)
            .map_err(failed(run_folder::DEFICIT))?;
        retry::write(&run_dir.join(run_folder::RETRY), &document.header, rows, delimiter)
            .map_err(failed(run_folder::RETRY))?;
        if writes_undo(document.operation) {
            let attempted: HashSet<String> = document
                .rows
                .iter()
                .zip(rows)
                .filter(|(_, result)| {
                    matches!(result.kind, ResultKind::Success | ResultKind::Failed | ResultKind::Unknown)
                })
                .map(|(entry, _)| entry.user.to_lowercase())
                .collect();
            let before: Vec<_> =
                document.before.iter().filter(|user| attempted.contains(&user.email.to_lowercase())).collect();
            undo::write(&run_dir.join(run_folder::UNDO), &before, &self.catalogue, delimiter)
                .map_err(failed(run_folder::UNDO))?;
        }
        Ok(())
    }

    /// The `summary.json` document of the run, counting every segment of it: action requests from
    /// the journal (`facts.segments`), reads, waits and wall time of earlier segments from
    /// `facts.carried`, and the run's original start.
    pub fn summary(&self, rows: &[RowResult], deficit_lines: &[DeficitLine], facts: RunFacts) -> Summary {
        let report = self.report;
        let statistics = &report.statistics;
        let reads = facts.client.requests_sent.saturating_sub(facts.client.action_requests_sent);
        let (status, resume_after) = match &report.end {
            RunEnd::Finished => (RunStatus::Finished, None),
            RunEnd::Parked { resume_after } => (RunStatus::Parked, Some(rfc3339(*resume_after))),
            RunEnd::Cancelled => (RunStatus::Cancelled, None),
            RunEnd::Aborted { .. } => (RunStatus::Aborted, None),
        };
        let deficit: BTreeMap<String, u64> = deficit_lines
            .iter()
            .filter(|line| line.known && line.deficit() > 0)
            .map(|line| (line.configuration.clone(), line.deficit()))
            .collect();
        let segments = &facts.segments;
        let (action_requests, action_attempts, throttled) = if segments.is_empty() {
            (statistics.batches_sent, facts.client.action_requests_sent, facts.client.throttled)
        } else {
            // The 429s of this process's reads: its 429s less those of its own segment's actions.
            let own_actions = segments.last().map_or(0, |segment| segment.throttled);
            (
                segments.iter().map(|segment| segment.batches_sent).sum(),
                segments.iter().map(|segment| segment.attempts).sum(),
                segments.iter().map(|segment| segment.throttled).sum::<u64>()
                    + facts.client.throttled.saturating_sub(own_actions),
            )
        };
        let carried = &facts.carried;
        let waited = u64::try_from(facts.client.waited.as_millis()).unwrap_or(u64::MAX);
        let wall_time = carried.wall_time_secs + facts.wall_time.as_secs_f64();
        Summary {
            tool: "umapi-bulk".into(),
            version: env!("CARGO_PKG_VERSION").into(),
            operation: self.document.operation,
            file: self.document.file.clone(),
            test_mode: report.test_mode,
            simulator: facts.simulator,
            started_at: carried.started_at.clone().unwrap_or_else(|| rfc3339(facts.started_at)),
            finished_at: rfc3339(OffsetDateTime::now_utc()),
            wall_time_secs: (wall_time * 1000.0).round() / 1000.0,
            status,
            resume_after,
            rows: rows.len(),
            results: ResultCounts::of(rows),
            requests: RequestStats {
                action_requests,
                action_attempts,
                read_requests: carried.read_requests.saturating_add(reads.max(facts.licence_reads)),
                retries: action_attempts.saturating_sub(action_requests),
                throttled,
                waited_ms: carried.waited_ms.saturating_add(waited),
                rate_limit_wait_ms: carried.rate_limit_wait_ms.saturating_add(milliseconds(facts.client.paced)),
                server_wait_ms: carried.server_wait_ms.saturating_add(milliseconds(facts.client.server_waited)),
            },
            deficit,
            exit_code: facts.exit_code,
            config: facts.config,
            segments: segments.iter().map(segment_summary).collect(),
        }
    }

    /// The closing lines: what happened to the rows, the requests, the licences, how the run ended
    /// and (when `written`) where the reports are.
    pub fn lines(
        &self,
        run_dir: &Path,
        summary: &Summary,
        deficit_lines: &[DeficitLine],
        note: Option<&str>,
        written: bool,
    ) -> Vec<Line> {
        let document = self.document;
        let report = self.report;
        let count = |kind: ResultKind| summary.results.get(kind);
        let mode = if report.test_mode { " (TEST MODE: nothing was changed)" } else { "" };
        let mut lines = vec![
            Line::Info(format!("{}{mode}: {}", document.operation.console_name(), document.file)),
            Line::Info(format!(
                "  {}: {} succeeded, {} failed, {} unknown, {} invalid, {} skipped, {} not attempted",
                plural(summary.rows, "row", "rows"),
                count(ResultKind::Success),
                count(ResultKind::Failed),
                count(ResultKind::Unknown),
                count(ResultKind::Invalid),
                count(ResultKind::Skipped),
                count(ResultKind::NotAttempted)
            )),
            Line::Info(format!("  requests: {}; {:.1} s in all", summary.requests.describe(), summary.wall_time_secs)),
        ];
        for line in deficit_lines.iter().filter(|line| line.known && line.deficit() > 0) {
            lines.push(Line::Info(format!(
                "  no licence: {} of {} joining \"{}\" (quota {})",
                line.deficit(),
                plural(usize::try_from(line.requested).unwrap_or(usize::MAX), "user", "users"),
                line.configuration,
                line.quota.map_or_else(|| "none".to_string(), |quota| quota.to_string())
            )));
        }
        if let Some(note) = note {
            lines.push(Line::Info(format!("  note: {note}")));
        }
        let resume = format!("umapi-bulk apply --resume {}", run_dir.display());
        match &report.end {
            RunEnd::Parked { resume_after } => lines.push(Line::Warning(format!(
                "the run is parked: UMAPI asked to wait until {}; continue with `{resume}`",
                rfc3339(*resume_after)
            ))),
            RunEnd::Cancelled => lines.push(Line::Warning(format!("interrupted; continue with `{resume}`"))),
            RunEnd::Aborted { error } => {
                lines.push(Line::Warning(format!("stopped: {}; continue with `{resume}`", error.message)));
                if let Some(hint) = &error.hint {
                    lines.push(Line::Info(format!("  hint: {hint}")));
                }
            }
            RunEnd::Finished => {}
        }
        let unknown = count(ResultKind::Unknown);
        if unknown > 0 {
            lines.push(Line::Warning(format!(
                "{} may or may not have been applied (no usable answer came); retry.csv lists {}, and is safe \
                 to apply again as it is",
                plural(unknown, "row", "rows"),
                if unknown == 1 { "it" } else { "them" }
            )));
        }
        lines.extend(report.warnings.iter().cloned().map(Line::Warning));
        let retry_rows = summary.rows - count(ResultKind::Success) - count(ResultKind::Skipped);
        let mut reports = vec![
            run_folder::RESULTS.to_string(),
            run_folder::DEFICIT.to_string(),
            format!("{} ({})", run_folder::RETRY, plural(retry_rows, "row", "rows")),
        ];
        if writes_undo(document.operation) {
            reports.push(run_folder::UNDO.to_string());
        }
        reports.push(run_folder::SUMMARY.to_string());
        if written {
            lines.push(Line::Info(format!("  reports in {}: {}", run_dir.display(), reports.join(", "))));
        }
        lines
    }
}

fn milliseconds(duration: Duration) -> u64 {
    u64::try_from(duration.as_millis()).unwrap_or(u64::MAX)
}

/// One journal segment as `summary.json` lists it.
fn segment_summary(segment: &Segment) -> SegmentSummary {
    let status = match &segment.end {
        Some(RunEnd::Finished) => "finished",
        Some(RunEnd::Parked { .. }) => "parked",
        Some(RunEnd::Cancelled) => "cancelled",
        Some(RunEnd::Aborted { .. }) => "aborted",
        None => "killed",
    };
    SegmentSummary {
        started_at: rfc3339(segment.started_at),
        status: status.to_string(),
        action_requests: segment.batches_sent,
        action_attempts: segment.attempts,
        throttled: segment.throttled,
    }
}

/// Whether a run of the operation writes `undo.csv`.
fn writes_undo(operation: Operation) -> bool {
    matches!(operation, Operation::Edit | Operation::Remove)
}
