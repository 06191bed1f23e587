//! `umapi-bulk runs list|show|prune`: the run folders as a history (the Console's "Bulk operations
//! results" tab, but kept as long as you like).

use std::path::{Path, PathBuf};
use std::time::Duration;

use time::OffsetDateTime;

use crate::exit_status::ExitStatus;
use crate::hint::with_hint;
use crate::printer::Printer;
use crate::report::results::ResultKind;
use crate::report::run_folder;
use crate::report::summary::{self, Summary};
use crate::settings::RunsSettings;
use crate::text::{format_duration, rfc3339};

/// Runs `runs`.
pub fn run(printer: &Printer, settings: RunsSettings) -> anyhow::Result<ExitStatus> {
    match settings {
        RunsSettings::List { out_dir } => list(printer, &out_dir),
        RunsSettings::Show { run, out_dir } => show(printer, &resolve(&out_dir, &run)?),
        RunsSettings::Prune { out_dir, older_than, dry_run } => {
            prune(printer, &out_dir, older_than, dry_run, OffsetDateTime::now_utc())
        }
    }
}

fn resolve(out_dir: &Path, run: &Path) -> anyhow::Result<PathBuf> {
    for candidate in [run.to_path_buf(), out_dir.join(run)] {
        if candidate.is_dir() {
            return Ok(candidate);
        }
    }
    Err(with_hint(
        anyhow::anyhow!("no run folder {}", run.display()),
        format!("`umapi-bulk runs list --out-dir {}` shows the runs", out_dir.display()),
    ))
}

/// One line of the listing.
fn describe(folder: &Path) -> (String, Option<Summary>) {
    let name = folder.file_name().map(|name| name.to_string_lossy().to_string()).unwrap_or_default();
    (name, summary::read(&folder.join(run_folder::SUMMARY)).ok())
}

fn status_text(summary: Option<&Summary>, folder: &Path) -> String {
    match summary {
        Some(summary) => summary.status.as_str().to_string(),
        None if folder.join(run_folder::JOURNAL).is_file() => "interrupted (resumable)".into(),
        None => "incomplete".into(),
    }
}

fn list(printer: &Printer, out_dir: &Path) -> anyhow::Result<ExitStatus> {
    let folders = run_folder::list(out_dir)?;
    if folders.is_empty() {
        printer.info(&format!("no runs under {}", out_dir.display()));
        return Ok(ExitStatus::Success);
    }
    let mut text = format!(
        "{:<40} {:<20} {:<7} {:>5} {:>7} {:>6} {:>7} {:>7} {:>7} {:>9}  {:<5} {}\n",
        "RUN",
        "STARTED (UTC)",
        "OP",
        "ROWS",
        "SUCCESS",
        "FAILED",
        "UNKNOWN",
        "INVALID",
        "SKIPPED",
        "NOT SENT",
        "TEST",
        "STATUS"
    );
    for folder in &folders {
        let (name, summary) = describe(folder);
        let started = run_folder::started_at(folder).map(rfc3339).unwrap_or_default();
        let status = status_text(summary.as_ref(), folder);
        let line = match &summary {
            Some(summary) => {
                let count = |kind: ResultKind| summary.results.get(kind);
                format!(
                    "{:<40} {:<20} {:<7} {:>5} {:>7} {:>6} {:>7} {:>7} {:>7} {:>9}  {:<5} {}\n",
                    name,
                    started.trim_end_matches('Z'),
                    summary.operation.as_str(),
                    summary.rows,
                    count(ResultKind::Success),
                    count(ResultKind::Failed),
                    count(ResultKind::Unknown),
                    count(ResultKind::Invalid),
                    count(ResultKind::Skipped),
                    count(ResultKind::NotAttempted),
                    if summary.test_mode { "yes" } else { "no" },
                    status
                )
            }
            None => format!(
                "{:<40} {:<20} {:<7} {:>5} {:>7} {:>6} {:>7} {:>7} {:>7} {:>9}  {:<5} {}\n",
                name,
                started.trim_end_matches('Z'),
                "?",
                "",
                "",
                "",
                "",
                "",
                "",
                "",
                "",
                status
            ),
        };
        text.push_str(&line);
    }
    printer.data(&text)?;
    Ok(ExitStatus::Success)
}

fn show(printer: &Printer, folder: &Path) -> anyhow::Result<ExitStatus> {
    let (name, summary) = describe(folder);
    let mut text = format!("run {name}\n  folder: {}\n", folder.display());
    match &summary {
        Some(summary) => {
            text.push_str(&format!(
                "  operation: {}\n  file: {}\n  status: {}{}\n  test mode: {}\n  simulator: {}\n  started: {}\n  finished: {}\n  wall time: {:.1} s\n",
                summary.operation,
                summary.file,
                status_text(Some(summary), folder),
                summary.resume_after.as_ref().map(|when| format!(" (resume after {when})")).unwrap_or_default(),
                if summary.test_mode { "yes (nothing was changed)" } else { "no" },
                if summary.simulator { "yes" } else { "no" },
                summary.started_at,
                summary.finished_at,
                summary.wall_time_secs
            ));
            text.push_str(&format!("  rows: {}\n", summary.rows));
            for (kind, count) in summary.results.iter() {
                text.push_str(&format!("    {:<14} {count}\n", kind.as_str()));
            }
            text.push_str(&format!("  requests: {}\n", summary.requests.describe()));
            for (configuration, deficit) in &summary.deficit {
                text.push_str(&format!("  no licence: {deficit} in {configuration}\n"));
            }
        }
        None => text.push_str(&format!("  status: {}\n", status_text(None, folder))),
    }
    text.push_str("  reports:\n");
    for report in [
        run_folder::RESULTS,
        run_folder::DEFICIT,
        run_folder::RETRY,
        run_folder::UNDO,
        run_folder::SUMMARY,
        run_folder::JOURNAL,
        run_folder::PLAN,
    ] {
        let path = folder.join(report);
        if path.is_file() {
            text.push_str(&format!("    {}\n", path.display()));
        }
    }
    if summary.as_ref().is_some_and(|summary| summary.status == summary::RunStatus::Running) {
        text.push_str(
            "  note: a resume was sending when this summary was written; if no umapi-bulk apply is working on the \
             folder now, it was killed\n",
        );
    }
    if summary.as_ref().is_none_or(|summary| summary.status != summary::RunStatus::Finished)
        && folder.join(run_folder::JOURNAL).is_file()
    {
        text.push_str(&format!("  resume with: umapi-bulk apply --resume {}\n", folder.display()));
    }
    printer.data(&text)?;
    Ok(ExitStatus::Success)
}

fn prune(
    printer: &Printer,
    out_dir: &Path,
    age: Duration,
    dry_run: bool,
    now: OffsetDateTime,
) -> anyhow::Result<ExitStatus> {
    let cutoff = now - age;
    let mut removed = 0;
    for folder in run_folder::list(out_dir)? {
        let Some(started) = run_folder::started_at(&folder) else { continue };
        if started >= cutoff {
            continue;
        }
        if dry_run {
            printer.data(&format!("would delete {}\n", folder.display()))?;
        } else {
            fs_err::remove_dir_all(&folder)?;
            printer.info(&format!("deleted {}", folder.display()));
        }
        removed += 1;
    }
    let verb = if dry_run { "would delete" } else { "deleted" };
    printer.info(&format!("{verb} {removed} run folder(s) older than {}", format_duration(age)));
    Ok(ExitStatus::Success)
}
