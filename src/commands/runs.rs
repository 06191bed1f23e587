//! `umapi-bulk runs list|show|prune`: the run folders as a history (the Console's "Bulk operations
//! results" tab, but kept as long as you like).

use std::path::{Path, PathBuf};
use std::time::Duration;

use anyhow::{Context as _, bail};
use time::OffsetDateTime;

use crate::Context;
use crate::cli::RunsCommand;
use crate::exit_status::ExitStatus;
use crate::printer::with_hint;
use crate::report::run_folder;
use crate::report::summary::{self, Summary};
use crate::settings::parse_duration;

/// Runs `runs`.
pub fn run(context: &Context, command: RunsCommand) -> anyhow::Result<ExitStatus> {
    match command {
        RunsCommand::List(args) => list(context, &args.out_dir),
        RunsCommand::Show(args) => show(context, &resolve(&args.out_dir, &args.run)?),
        RunsCommand::Prune(args) => {
            let age = parse_duration(&args.older_than).context("invalid --older-than")?;
            prune(context, &args.out_dir, age, args.dry_run, OffsetDateTime::now_utc())
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
        Some(summary) => format!("{:?}", summary.status).to_lowercase(),
        None if folder.join(run_folder::JOURNAL).is_file() => "interrupted (resumable)".into(),
        None => "incomplete".into(),
    }
}

fn list(context: &Context, out_dir: &Path) -> anyhow::Result<ExitStatus> {
    let folders = run_folder::list(out_dir)?;
    if folders.is_empty() {
        context.printer.info(&format!("no runs under {}", out_dir.display()));
        return Ok(ExitStatus::Success);
    }
    let mut text = format!(
        "{:<40} {:<20} {:<7} {:>5} {:>7} {:>6} {:>7} {:>7} {:>9}  {:<5} {}\n",
        "RUN", "STARTED (UTC)", "OP", "ROWS", "SUCCESS", "FAILED", "INVALID", "SKIPPED", "NOT SENT", "TEST", "STATUS"
    );
    for folder in &folders {
        let (name, summary) = describe(folder);
        let started = run_folder::started_at(folder).map(run_folder::rfc3339).unwrap_or_default();
        let status = status_text(summary.as_ref(), folder);
        let line = match &summary {
            Some(summary) => {
                let count = |kind: &str| summary.results.get(kind).copied().unwrap_or(0);
                format!(
                    "{:<40} {:<20} {:<7} {:>5} {:>7} {:>6} {:>7} {:>7} {:>9}  {:<5} {}\n",
                    name,
                    started.trim_end_matches('Z'),
                    summary.operation,
                    summary.rows,
                    count("Success"),
                    count("Failed"),
                    count("Invalid"),
                    count("Skipped"),
                    count("Not Attempted"),
                    if summary.test_mode { "yes" } else { "no" },
                    status
                )
            }
            None => format!(
                "{:<40} {:<20} {:<7} {:>5} {:>7} {:>6} {:>7} {:>7} {:>9}  {:<5} {}\n",
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
                status
            ),
        };
        text.push_str(&line);
    }
    context.printer.data(&text)?;
    Ok(ExitStatus::Success)
}

fn show(context: &Context, folder: &Path) -> anyhow::Result<ExitStatus> {
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
            for (kind, count) in &summary.results {
                text.push_str(&format!("    {kind:<14} {count}\n"));
            }
            let requests = &summary.requests;
            text.push_str(&format!(
                "  requests: {} action ({} attempts), {} reads, {} retries, {} throttled (429), {:.1} s waited\n",
                requests.action_requests,
                requests.action_attempts,
                requests.read_requests,
                requests.retries,
                requests.throttled,
                requests.waited_ms as f64 / 1000.0
            ));
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
    if summary.as_ref().is_none_or(|summary| summary.status != summary::RunStatus::Finished)
        && folder.join(run_folder::JOURNAL).is_file()
    {
        text.push_str(&format!("  resume with: umapi-bulk apply --resume {}\n", folder.display()));
    }
    context.printer.data(&text)?;
    Ok(ExitStatus::Success)
}

fn prune(
    context: &Context,
    out_dir: &Path,
    age: Duration,
    dry_run: bool,
    now: OffsetDateTime,
) -> anyhow::Result<ExitStatus> {
    if age.is_zero() {
        bail!("--older-than must be more than zero");
    }
    let cutoff = now - age;
    let mut removed = 0;
    for folder in run_folder::list(out_dir)? {
        let Some(started) = run_folder::started_at(&folder) else { continue };
        if started >= cutoff {
            continue;
        }
        if dry_run {
            context.printer.data(&format!("would delete {}\n", folder.display()))?;
        } else {
            fs_err::remove_dir_all(&folder)?;
            context.printer.info(&format!("deleted {}", folder.display()));
        }
        removed += 1;
    }
    let verb = if dry_run { "would delete" } else { "deleted" };
    context
        .printer
        .info(&format!("{verb} {removed} run folder(s) older than {}", crate::settings::format_duration(age)));
    Ok(ExitStatus::Success)
}
