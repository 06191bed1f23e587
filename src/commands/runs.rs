//! `umapi-bulk runs list|show|prune`: the run folders as a history (the Console's "Bulk operations
//! results" tab, but kept as long as you like). `list` and `show` say which org a run went to and
//! whether it was the simulator or test mode (from `summary.json`, or `plan.json` for a run that
//! never finished). `prune` lists what it would delete — a run folder holds `undo.csv`, the only
//! record of how users were before an edit or a remove — and asks on a terminal; without one it
//! deletes only with `--yes`.

use std::io::{BufRead as _, IsTerminal as _, Write as _};
use std::path::{Path, PathBuf};
use std::time::Duration;

use time::OffsetDateTime;

use super::find_run_folder;
use crate::exit_status::ExitStatus;
use crate::hint::with_hint;
use crate::printer::Printer;
use crate::report::results::ResultKind;
use crate::report::run_folder;
use crate::report::summary::{self, Summary};
use crate::settings::RunsSettings;
use crate::text::{format_duration, plural, rfc3339};

/// Runs `runs`.
pub fn run(printer: &Printer, settings: RunsSettings) -> anyhow::Result<ExitStatus> {
    match settings {
        RunsSettings::List { out_dir } => list(printer, &out_dir),
        RunsSettings::Show { run, out_dir } => show(printer, &find_run_folder(&out_dir, &run)?),
        RunsSettings::Prune { out_dir, older_than, dry_run, yes } => {
            prune(printer, &out_dir, Prune { age: older_than, dry_run, yes }, OffsetDateTime::now_utc())
        }
    }
}

/// What a listing knows of one run folder.
struct RunInfo {
    name: String,
    summary: Option<Summary>,
    org_id: Option<String>,
    simulator: Option<bool>,
    test_mode: Option<bool>,
}

impl RunInfo {
    fn of(folder: &Path) -> Self {
        let name = folder.file_name().map(|name| name.to_string_lossy().to_string()).unwrap_or_default();
        let summary = summary::read(&folder.join(run_folder::SUMMARY)).ok();
        let (org_id, simulator, test_mode) = match &summary {
            Some(summary) => (
                summary.config.get("org_id").and_then(|value| value.as_str()).map(str::to_string),
                Some(summary.simulator),
                Some(summary.test_mode),
            ),
            // A run that never wrote its summary: plan.json says where it was going.
            None => match crate::plan::file::read(&folder.join(run_folder::PLAN)) {
                Ok(plan) => (Some(plan.org_id), Some(plan.simulator), None),
                Err(_) => (None, None, None),
            },
        };
        Self { name, summary, org_id, simulator, test_mode }
    }

    /// `live`, `test` (UMAPI's test mode: nothing changed), `sim`, `sim+test`, or `?`.
    fn mode(&self) -> &'static str {
        match (self.simulator, self.test_mode) {
            (Some(true), Some(true)) => "sim+test",
            (Some(true), _) => "sim",
            (Some(false), Some(true)) => "test",
            (Some(false), Some(false)) => "live",
            _ => "?",
        }
    }

    fn org(&self) -> &str {
        self.org_id.as_deref().filter(|org| !org.is_empty()).unwrap_or("?")
    }
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
    let row = |cells: [&str; 13]| {
        format!(
            "{:<40} {:<20} {:<7} {:>5} {:>7} {:>6} {:>7} {:>7} {:>7} {:>9}  {:<8} {:<23} {}\n",
            cells[0],
            cells[1],
            cells[2],
            cells[3],
            cells[4],
            cells[5],
            cells[6],
            cells[7],
            cells[8],
            cells[9],
            cells[10],
            cells[11],
            cells[12]
        )
    };
    let mut text = row([
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
        "MODE",
        "STATUS",
        "ORG",
    ]);
    for folder in &folders {
        let run = RunInfo::of(folder);
        let started = run_folder::started_at(folder).map(rfc3339).unwrap_or_default();
        let status = status_text(run.summary.as_ref(), folder);
        let numbers: Vec<String> = match &run.summary {
            Some(summary) => {
                let count = |kind: ResultKind| summary.results.get(kind).to_string();
                vec![
                    summary.operation.as_str().to_string(),
                    summary.rows.to_string(),
                    count(ResultKind::Success),
                    count(ResultKind::Failed),
                    count(ResultKind::Unknown),
                    count(ResultKind::Invalid),
                    count(ResultKind::Skipped),
                    count(ResultKind::NotAttempted),
                ]
            }
            None => vec![
                "?".to_string(),
                String::new(),
                String::new(),
                String::new(),
                String::new(),
                String::new(),
                String::new(),
                String::new(),
            ],
        };
        text.push_str(&row([
            &run.name,
            started.trim_end_matches('Z'),
            &numbers[0],
            &numbers[1],
            &numbers[2],
            &numbers[3],
            &numbers[4],
            &numbers[5],
            &numbers[6],
            &numbers[7],
            run.mode(),
            &status,
            run.org(),
        ]));
    }
    text.push_str(
        "MODE: live = changes sent to the org; test = UMAPI's test mode (nothing changed); sim = the simulator\n",
    );
    printer.data(&text)?;
    Ok(ExitStatus::Success)
}

fn show(printer: &Printer, folder: &Path) -> anyhow::Result<ExitStatus> {
    let run = RunInfo::of(folder);
    let mut text = format!("run {}\n  folder: {}\n", run.name, folder.display());
    text.push_str(&format!("  org: {}\n", run.org()));
    match &run.summary {
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
        None => {
            text.push_str(&format!("  status: {}\n", status_text(None, folder)));
            if let Some(simulator) = run.simulator {
                text.push_str(&format!("  simulator: {}\n", if simulator { "yes" } else { "no" }));
            }
        }
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
    if run.summary.as_ref().is_some_and(|summary| summary.status == summary::RunStatus::Running) {
        text.push_str(
            "  note: a resume was sending when this summary was written; if no umapi-bulk apply is working on the \
             folder now, it was killed\n",
        );
    }
    if run.summary.as_ref().is_none_or(|summary| summary.status != summary::RunStatus::Finished)
        && folder.join(run_folder::JOURNAL).is_file()
    {
        text.push_str(&format!("  resume with: umapi-bulk apply --resume {}\n", folder.display()));
    }
    printer.data(&text)?;
    Ok(ExitStatus::Success)
}

/// How `prune` goes about it.
#[derive(Clone, Copy, Debug)]
struct Prune {
    age: Duration,
    dry_run: bool,
    yes: bool,
}

fn prune(printer: &Printer, out_dir: &Path, how: Prune, now: OffsetDateTime) -> anyhow::Result<ExitStatus> {
    let age = format_duration(how.age);
    let cutoff = now - how.age;
    let doomed: Vec<PathBuf> = run_folder::list(out_dir)?
        .into_iter()
        .filter(|folder| run_folder::started_at(folder).is_some_and(|started| started < cutoff))
        .collect();
    let count = plural(doomed.len(), "run folder", "run folders");
    if doomed.is_empty() {
        printer.info(&format!("no run folders under {} started more than {age} ago", out_dir.display()));
        return Ok(ExitStatus::Success);
    }
    let listing: Vec<String> = doomed.iter().map(|folder| describe_for_prune(folder)).collect();
    if how.dry_run {
        for folder in &doomed {
            printer.data(&format!("would delete {}\n", folder.display()))?;
        }
        printer.info(&format!("would delete {count} started more than {age} ago"));
        return Ok(ExitStatus::Success);
    }
    if !how.yes {
        if !std::io::stdin().is_terminal() {
            return Err(with_hint(
                anyhow::anyhow!(
                    "runs prune would delete {count} started more than {age} ago, and cannot ask without a \
                     terminal; nothing was deleted"
                ),
                format!(
                    "review them with `umapi-bulk runs prune --older-than {age} --dry-run`, then add --yes to delete \
                     them"
                ),
            ));
        }
        let mut stderr = std::io::stderr().lock();
        let _ = writeln!(stderr, "{count} under {} started more than {age} ago:", out_dir.display());
        for line in &listing {
            let _ = writeln!(stderr, "  {line}");
        }
        let question = if doomed.len() == 1 {
            "Delete it? Its undo.csv, if any, goes with it."
        } else {
            "Delete them? Their undo.csv files go with them."
        };
        let _ = write!(stderr, "{question} [y/N] ");
        let _ = stderr.flush();
        drop(stderr);
        let mut answer = String::new();
        let _ = std::io::stdin().lock().read_line(&mut answer);
        if !confirmed(&answer) {
            printer.info("nothing was deleted");
            return Ok(ExitStatus::Success);
        }
    }
    for folder in &doomed {
        fs_err::remove_dir_all(folder)?;
        printer.info(&format!("deleted {}", folder.display()));
    }
    printer.info(&format!("deleted {count} started more than {age} ago"));
    Ok(ExitStatus::Success)
}

/// One folder in the list `prune` asks about: its name, start, operation, status and whether it
/// holds an `undo.csv`.
fn describe_for_prune(folder: &Path) -> String {
    let run = RunInfo::of(folder);
    let started = run_folder::started_at(folder).map(rfc3339).unwrap_or_default();
    let mut facts = vec![format!("started {started}")];
    if let Some(summary) = &run.summary {
        facts.push(summary.operation.as_str().to_string());
    }
    facts.push(status_text(run.summary.as_ref(), folder));
    facts.push(run.mode().to_string());
    if folder.join(run_folder::UNDO).is_file() {
        facts.push("has undo.csv".to_string());
    }
    format!("{} ({})", run.name, facts.join(", "))
}

/// Whether an answer to "[y/N]" is yes.
fn confirmed(answer: &str) -> bool {
    matches!(answer.trim().to_ascii_lowercase().as_str(), "y" | "yes")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_yes_confirms_a_prune() {
        for yes in ["y", "Y\n", " yes \r\n", "YES"] {
            assert!(confirmed(yes), "{yes:?}");
        }
        for no in ["", "\n", "n", "no", "yep", "sure", "y es"] {
            assert!(!confirmed(no), "{no:?}");
        }
    }
}
