//! The end of an `apply` run: read who got no licence (`status=inactive`, UMAPI.md D "deficit"),
//! turn the executor's outcomes into one result per row, write `results.csv`, `deficit.csv`,
//! `retry.csv`, `undo.csv` and `summary.json`, print the summary, and pick the exit status.

use std::collections::{BTreeMap, HashMap};
use std::path::Path;
use std::sync::Arc;
use std::time::Instant;

use anyhow::Context as _;
use time::OffsetDateTime;

use crate::Context;
use crate::commands::outcomes::{self, LicenceStatus};
use crate::execute::{CancelToken, RunEnd, RunReport};
use crate::exit_status::ExitStatus;
use crate::model::Operation;
use crate::plan::catalogue::Catalogue;
use crate::plan::document::PlanDocument;
use crate::progress::Progress;
use crate::report::deficit::DeficitLine;
use crate::report::results::{ResultKind, RowResult};
use crate::report::run_folder::{self, rfc3339};
use crate::report::summary::{self, RequestStats, RunStatus, Summary};
use crate::report::{deficit, results, retry, undo};
use crate::settings::Config;
use crate::umapi::client::UmapiClient;
use crate::umapi::reads::MemberStatus;

/// What `finish` needs to know about the run.
pub struct RunContext<'a> {
    /// The command's context.
    pub context: &'a Context,
    /// The configuration used (serialised without secrets).
    pub config: &'a Config,
    /// Whether the org is the built-in simulator.
    pub simulator: bool,
    /// When the command started.
    pub started_at: OffsetDateTime,
    /// Monotonic start.
    pub clock: Instant,
    /// The progress display.
    pub progress: &'a Arc<Progress>,
    /// The run's cancel token.
    pub cancel: &'a CancelToken,
}

/// Reads licences, writes every report and returns the exit status.
pub async fn finish(
    run: &RunContext<'_>,
    client: &UmapiClient,
    document: &PlanDocument,
    run_dir: &Path,
    report: &RunReport,
) -> anyhow::Result<ExitStatus> {
    let provisional = outcomes::row_results(document, Some(report), &LicenceStatus::default());
    let to_read = outcomes::configurations_to_read(document, &provisional);
    let mut licences = LicenceStatus::default();
    let mut read_requests = 0_u64;
    let mut deficit_note = None;
    if report.test_mode {
        deficit_note = Some("test mode: deficit.csv is the plan's licence forecast".to_string());
    } else if !to_read.is_empty() {
        if matches!(report.end, RunEnd::Cancelled | RunEnd::Aborted { .. }) || run.cancel.is_cancelled() {
            deficit_note =
                Some("licence status was not read (the run stopped); Assigned and Deficit are unknown".into());
        } else {
            run.progress.start_phase("reading licence status");
            match read_licences(client, &to_read, run.cancel).await {
                Ok((status, requests)) => {
                    licences = status;
                    read_requests = requests;
                }
                Err(error) => {
                    deficit_note = Some(format!("licence status not read ({error}); Assigned and Deficit are unknown"));
                }
            }
            run.progress.finish_phase();
        }
    }
    let rows = outcomes::row_results(document, Some(report), &licences);
    let deficit_lines =
        if report.test_mode { forecast_lines(document) } else { outcomes::deficit_lines(document, &rows, &licences) };
    write_reports(run_dir, document, &rows, &deficit_lines)?;
    let status = exit_status(report, &rows);
    let summary = build_summary(run, client, document, report, &rows, &deficit_lines, read_requests, status);
    summary::write(&run_dir.join(run_folder::SUMMARY), &summary).context("cannot write summary.json")?;
    print_summary(run.context, document, run_dir, report, &summary, &deficit_lines, deficit_note.as_deref());
    Ok(status)
}

/// Reads, per configuration, its members and its members without a licence.
async fn read_licences(
    client: &UmapiClient,
    configurations: &std::collections::BTreeSet<String>,
    cancel: &CancelToken,
) -> Result<(LicenceStatus, u64), crate::umapi::error::ClientError> {
    let mut status = LicenceStatus { read: true, ..LicenceStatus::default() };
    let mut requests = 0_u64;
    let emails = |users: &[crate::umapi::wire::User]| users.iter().map(|user| user.email.to_lowercase()).collect();
    for configuration in configurations {
        let members = client.all_users_in_group(configuration, None, cancel).await?;
        let inactive = client.all_users_in_group(configuration, Some(MemberStatus::Inactive), cancel).await?;
        requests += u64::from(members.pages_read) + u64::from(inactive.pages_read);
        status.members.insert(configuration.clone(), emails(&members.items));
        status.inactive.insert(configuration.clone(), emails(&inactive.items));
    }
    Ok((status, requests))
}

fn forecast_lines(document: &PlanDocument) -> Vec<DeficitLine> {
    document
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

fn write_reports(
    run_dir: &Path,
    document: &PlanDocument,
    rows: &[RowResult],
    deficit_lines: &[DeficitLine],
) -> anyhow::Result<()> {
    results::write(&run_dir.join(run_folder::RESULTS), &document.header, rows).context("cannot write results.csv")?;
    deficit::write(&run_dir.join(run_folder::DEFICIT), deficit_lines).context("cannot write deficit.csv")?;
    retry::write(&run_dir.join(run_folder::RETRY), &document.header, rows).context("cannot write retry.csv")?;
    if matches!(document.operation, Operation::Edit | Operation::Remove) {
        let attempted: HashMap<String, ()> = document
            .rows
            .iter()
            .zip(rows)
            .filter(|(_, result)| matches!(result.kind, ResultKind::Success | ResultKind::Failed))
            .map(|(entry, _)| (entry.user.to_lowercase(), ()))
            .collect();
        let before: Vec<_> =
            document.before.iter().filter(|user| attempted.contains_key(&user.email.to_lowercase())).collect();
        let catalogue = Catalogue::from_groups(&document.catalogue);
        undo::write(&run_dir.join(run_folder::UNDO), &before, &catalogue).context("cannot write undo.csv")?;
    }
    Ok(())
}

/// SPEC 3: 0 all rows succeeded (or needed nothing); 1 some failed, were invalid or not sent;
/// 3 authentication or connection failure; 130 interrupted.
fn exit_status(report: &RunReport, rows: &[RowResult]) -> ExitStatus {
    match &report.end {
        RunEnd::Cancelled => ExitStatus::Interrupted,
        RunEnd::Aborted { error } => error.exit_status(),
        RunEnd::Finished | RunEnd::Parked { .. } => {
            if rows.iter().all(|row| matches!(row.kind, ResultKind::Success | ResultKind::Skipped)) {
                ExitStatus::Success
            } else {
                ExitStatus::RowsFailed
            }
        }
    }
}

#[expect(clippy::too_many_arguments, reason = "one summary gathers every part of the run")]
fn build_summary(
    run: &RunContext<'_>,
    client: &UmapiClient,
    document: &PlanDocument,
    report: &RunReport,
    rows: &[RowResult],
    deficit_lines: &[DeficitLine],
    deficit_reads: u64,
    status: ExitStatus,
) -> Summary {
    let statistics = &report.statistics;
    let client_statistics = client.statistics();
    let reads = client_statistics.requests_sent.saturating_sub(client_statistics.action_requests_sent);
    let (run_status, resume_after) = match &report.end {
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
    Summary {
        tool: "umapi-bulk".into(),
        version: env!("CARGO_PKG_VERSION").into(),
        operation: document.operation.as_str().into(),
        file: document.file.clone(),
        test_mode: report.test_mode,
        simulator: run.simulator,
        started_at: rfc3339(run.started_at),
        finished_at: rfc3339(OffsetDateTime::now_utc()),
        wall_time_secs: (run.clock.elapsed().as_secs_f64() * 1000.0).round() / 1000.0,
        status: run_status,
        resume_after,
        rows: rows.len(),
        results: summary::count_results(rows),
        requests: RequestStats {
            action_requests: statistics.batches_sent,
            action_attempts: client_statistics.action_requests_sent,
            read_requests: reads.max(deficit_reads),
            retries: statistics.retries,
            throttled: client_statistics.throttled,
            waited_ms: u64::try_from(client_statistics.waited.as_millis()).unwrap_or(u64::MAX),
        },
        deficit,
        exit_code: status.code(),
        config: serde_json::to_value(run.config).unwrap_or_default(),
    }
}

fn print_summary(
    context: &Context,
    document: &PlanDocument,
    run_dir: &Path,
    report: &RunReport,
    summary: &Summary,
    deficit_lines: &[DeficitLine],
    deficit_note: Option<&str>,
) {
    let printer = &context.printer;
    let count = |kind: ResultKind| summary.results.get(kind.as_str()).copied().unwrap_or(0);
    let mode = if report.test_mode { " (TEST MODE: nothing was changed)" } else { "" };
    printer.info(&format!("{}{mode}: {}", document.operation.console_name(), document.file));
    printer.info(&format!(
        "  {} rows: {} succeeded, {} failed, {} invalid, {} skipped, {} not attempted",
        summary.rows,
        count(ResultKind::Success),
        count(ResultKind::Failed),
        count(ResultKind::Invalid),
        count(ResultKind::Skipped),
        count(ResultKind::NotAttempted)
    ));
    let requests = &summary.requests;
    printer.info(&format!(
        "  requests: {} action ({} attempts), {} reads; {} retries, {} throttled (429), {:.1} s waited; {:.1} s in all",
        requests.action_requests,
        requests.action_attempts,
        requests.read_requests,
        requests.retries,
        requests.throttled,
        requests.waited_ms as f64 / 1000.0,
        summary.wall_time_secs
    ));
    for line in deficit_lines.iter().filter(|line| line.known && line.deficit() > 0) {
        printer.info(&format!(
            "  no licence: {} of {} users joining \"{}\" (quota {})",
            line.deficit(),
            line.requested,
            line.configuration,
            line.quota.map_or_else(|| "none".to_string(), |quota| quota.to_string())
        ));
    }
    if let Some(note) = deficit_note {
        printer.info(&format!("  note: {note}"));
    }
    match &report.end {
        RunEnd::Parked { resume_after } => printer.warn(&format!(
            "the run is parked: UMAPI asked to wait until {}; continue with `umapi-bulk apply --resume {}`",
            rfc3339(*resume_after),
            run_dir.display()
        )),
        RunEnd::Cancelled => {
            printer.warn(&format!("interrupted; continue with `umapi-bulk apply --resume {}`", run_dir.display()))
        }
        RunEnd::Aborted { error } => {
            printer.warn(&format!(
                "stopped: {}; continue with `umapi-bulk apply --resume {}`",
                error.message,
                run_dir.display()
            ));
            if let Some(hint) = &error.hint {
                printer.info(&format!("  hint: {hint}"));
            }
        }
        RunEnd::Finished => {}
    }
    for warning in &report.warnings {
        printer.warn(warning);
    }
    let retry_rows = summary.rows - count(ResultKind::Success) - count(ResultKind::Skipped);
    let mut reports = vec![
        run_folder::RESULTS.to_string(),
        run_folder::DEFICIT.to_string(),
        format!("{} ({})", run_folder::RETRY, crate::commands::apply::plural(retry_rows, "row", "rows")),
    ];
    if matches!(document.operation, Operation::Edit | Operation::Remove) {
        reports.push(run_folder::UNDO.to_string());
    }
    reports.push(run_folder::SUMMARY.to_string());
    printer.info(&format!("  reports in {}: {}", run_dir.display(), reports.join(", ")));
}
