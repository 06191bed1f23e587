//! `umapi-bulk apply`: validate, plan and execute a bulk file — or a saved plan (`--plan`), or the
//! rest of an interrupted run (`--resume`) — and write the run folder (SPEC 3, 5).
//!
//! The data path reads top to bottom: read and validate the file, read the org and plan
//! ([`prepare_file`]), write `plan.json` and execute ([`send`]), then report ([`finish`]). Nothing
//! is sent when a row is invalid (unless `--skip-invalid`), when the edit guard trips, when
//! `--on-deficit stop` finds rows without a licence, or when a saved plan's org has changed.
//!
//! Ctrl-C lets the requests in flight finish and starts nothing new; a second Ctrl-C abandons them
//! too. Either way the run returns through the same path: the journal's end, the reports and the
//! summary are written, and the exit code is 130.

use std::collections::BTreeSet;
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::Instant;

use anyhow::Context as _;
use time::OffsetDateTime;

use super::{Org, print_issues, progress, readable, validate};
use crate::execute::{self, ExecuteOptions, RunReport};
use crate::exit_status::{ExitStatus, Interrupted};
use crate::hint::with_hint;
use crate::model::Operation;
use crate::org;
use crate::plan::assemble::{self, DocumentContext};
use crate::plan::document::{PlanDocument, RowFate, SavedOptions};
use crate::plan::snapshot::Lookup;
use crate::plan::{self, PlanError};
use crate::printer::Printer;
use crate::progress::Progress;
use crate::report::finish::{Finish, LicenceReads, Line, RunFacts, verdict};
use crate::report::outcomes::LicenceStatus;
use crate::report::run_folder::{self, RunLock};
use crate::report::summary;
use crate::settings::{ApplyInput, ApplySettings};
use crate::text::{plural, rfc3339};
use crate::umapi::{CancelToken, UmapiClient};
use crate::validation::RowStatus;

/// What one `apply` works with once the org is connected.
struct Run<'a> {
    printer: &'a Printer,
    settings: &'a ApplySettings,
    org: &'a Org,
    client: Arc<UmapiClient>,
    progress: Arc<Progress>,
    cancel: CancelToken,
    started_at: OffsetDateTime,
}

/// Runs `apply`.
pub async fn run(printer: &Printer, settings: ApplySettings) -> anyhow::Result<ExitStatus> {
    let started_at = OffsetDateTime::now_utc();
    let clock = Instant::now();
    // What the command line names is checked before the org (or the simulator) is: a mistyped
    // file or run is the first thing said.
    let resume_dir = match &settings.input {
        ApplyInput::File { file, .. } | ApplyInput::Plan(file) => {
            readable(file)?;
            None
        }
        ApplyInput::Resume(name) => Some(super::find_run_folder(&settings.out_dir, name)?),
    };
    let org = Org::connect(printer, &settings.target).await?;
    let result = async {
        let progress = progress(printer);
        let client = org.client(&progress)?;
        let run =
            Run { printer, settings: &settings, org: &org, client, progress, cancel: CancelToken::new(), started_at };
        watch_ctrl_c(run.cancel.clone(), run.progress.clone());
        let (document, run_dir, report, _lock) = match &settings.input {
            ApplyInput::Resume(name) => {
                let run_dir = resume_dir.clone().unwrap_or_else(|| settings.out_dir.join(name));
                resume(&run, &run_dir).await?
            }
            ApplyInput::Plan(path) => send(&run, saved_plan(&run, path).await?).await?,
            ApplyInput::File { file, operation } => send(&run, prepare_file(&run, file, *operation).await?).await?,
        };
        finish(&run, &document, &run_dir, &report, clock).await
    }
    .await;
    org.shutdown(printer).await;
    result
}

/// Ctrl-C cancels (requests in flight finish); a second Ctrl-C forces (they are abandoned).
fn watch_ctrl_c(cancel: CancelToken, progress: Arc<Progress>) {
    tokio::spawn(async move {
        if tokio::signal::ctrl_c().await.is_ok() {
            progress
                .line("interrupted: letting requests in flight finish, starting nothing new (Ctrl-C again to force)");
            cancel.cancel();
            if tokio::signal::ctrl_c().await.is_ok() {
                progress
                    .line("forced: abandoning the requests in flight (resume sends them again); writing the reports");
                cancel.force();
            }
        }
    });
}

/// Validates the file, reads the org and plans; refuses when rows are invalid (unless
/// `--skip-invalid`) or would end without a licence under `--on-deficit stop`.
async fn prepare_file(run: &Run<'_>, file: &Path, operation: Operation) -> anyhow::Result<PlanDocument> {
    let settings = run.settings;
    let checked = validate(run.printer, &run.org.config, file, operation)?;
    run.progress.start_phase("reading the org");
    let lookups = if org::reads::reads_users(operation) { assemble::lookups(&checked) } else { Vec::new() };
    let snapshot = org::reads::read(&run.client, &lookups, &run.cancel).await.map_err(|error| error.into_anyhow())?;
    run.progress.finish_phase();
    let plan = assemble::plan_rows(&checked, operation, &settings.planning, &snapshot).map_err(refusal)?;
    print_issues(run.printer, &plan.issues);
    let mut invalid_lines: BTreeSet<u64> = plan.issues.iter().map(|issue| issue.line).collect();
    invalid_lines.extend(
        checked
            .records
            .iter()
            .zip(&checked.rows)
            .filter(|(_, status)| matches!(status, RowStatus::Invalid))
            .map(|(record, _)| record.line),
    );
    if !invalid_lines.is_empty() && !settings.skip_invalid {
        return Err(with_hint(
            anyhow::anyhow!(
                "{}: {} invalid; nothing was sent",
                file.display(),
                plural(invalid_lines.len(), "row is", "rows are")
            ),
            "fix the rows, or add --skip-invalid to run only the valid ones",
        ));
    }
    refuse_on_deficit(run, &plan::licences::warnings(&plan.licences))?;
    let document_context = DocumentContext {
        file: &file.display().to_string(),
        org_id: &run.org.config.org_id,
        simulator: run.org.is_simulator(),
        options: SavedOptions { planning: settings.planning.clone(), skip_invalid: settings.skip_invalid },
    };
    Ok(assemble::document(&checked, &plan, &snapshot, operation, document_context))
}

/// `--plan`: reads the plan, re-reads the fingerprinted state and refuses, with a diff, when it
/// changed; refuses invalid rows (unless `--skip-invalid`) and deficits under `--on-deficit stop`.
async fn saved_plan(run: &Run<'_>, path: &Path) -> anyhow::Result<PlanDocument> {
    let document = plan::file::read(path)?;
    check_same_org(run, &document, path)?;
    run.progress.start_phase("checking the org has not changed since the plan");
    let lookups: Vec<Lookup> = document.fingerprint.users.keys().map(Lookup::from).collect();
    let snapshot = org::reads::read(&run.client, &lookups, &run.cancel).await.map_err(|error| error.into_anyhow())?;
    run.progress.finish_phase();
    let now = snapshot.fingerprint(&document.fingerprint.group_names());
    if now.sha256 != document.fingerprint.sha256 {
        let mut message = format!("the org changed since {} was made; nothing was sent:", path.display());
        for change in document.fingerprint.diff(&now) {
            message.push_str("\n  ");
            message.push_str(&change);
        }
        return Err(with_hint(
            anyhow::anyhow!(message),
            "make a fresh plan with `umapi-bulk plan ... -o plan.json` and review it",
        ));
    }
    let invalid = document.rows.iter().filter(|row| matches!(row.fate, RowFate::Invalid { .. })).count();
    if invalid > 0 && !run.settings.skip_invalid {
        return Err(with_hint(
            anyhow::anyhow!(
                "{} has {}; nothing was sent",
                path.display(),
                plural(invalid, "invalid row", "invalid rows")
            ),
            "fix the file and make a new plan, or add --skip-invalid to send the other rows",
        ));
    }
    refuse_on_deficit(run, &plan::licences::warnings(&document.licences))?;
    Ok(document)
}

type Sent = (PlanDocument, PathBuf, RunReport, RunLock);

/// Creates the run folder, writes `plan.json` before the first request, and executes the plan.
async fn send(run: &Run<'_>, document: PlanDocument) -> anyhow::Result<Sent> {
    let settings = run.settings;
    for warning in plan::licences::warnings(&document.licences) {
        run.printer.warn(&warning);
    }
    let run_dir =
        run_folder::create(&settings.out_dir, run.started_at, document.operation.as_str(), Path::new(&document.file))?;
    let lock = RunLock::acquire(&run_dir)?;
    plan::file::write(&run_dir.join(run_folder::PLAN), &document).context("cannot write the plan")?;
    if settings.test_mode {
        run.printer.warn("TEST MODE: UMAPI checks every request but changes nothing (testOnly=true)");
    }
    run.printer.info(&format!(
        "{}: {}, {} in {} → {}",
        document.operation.console_name(),
        plural(document.rows.len(), "row", "rows"),
        plural(document.command_count(), "command", "commands"),
        plural(document.batches.len(), "request", "requests"),
        run_dir.display()
    ));
    if document.options.planning.delete_accounts && document.operation == Operation::Remove {
        run.printer.warn(
            "--delete-accounts: Enterprise and Federated accounts are deleted with their data; undo.csv can re-create \
             the users and their memberships, not their data",
        );
    }
    let batches = document.batches.clone();
    let report =
        execute::execute(run.client.clone(), batches, &run_dir, options(run), run.progress.clone(), run.cancel.clone())
            .await?;
    Ok((document, run_dir, report, lock))
}

/// `--resume`: the rest of a run, after the wait UMAPI asked for (within `--max-wait`).
async fn resume(run: &Run<'_>, run_dir: &Path) -> anyhow::Result<Sent> {
    let document = plan::file::read(&run_dir.join(run_folder::PLAN))
        .map_err(|error| with_hint(error, format!("{} is not a run folder of umapi-bulk apply", run_dir.display())))?;
    check_same_org(run, &document, run_dir)?;
    let lock = RunLock::acquire(run_dir)?;
    let journal = execute::read_journal(run_dir)?;
    if journal.test_mode {
        run.printer.warn("TEST MODE: this run was started with --test-mode; UMAPI changes nothing (testOnly=true)");
    }
    if let Some(execute::RunEnd::Parked { resume_after }) = journal.ends.last() {
        wait_until(run, *resume_after).await?;
    }
    if journal.batches != document.batches {
        anyhow::bail!("the journal and plan.json of {} disagree; the folder was edited", run_dir.display());
    }
    if journal.is_complete() {
        run.printer.info(&format!("{}: every request was already answered; rewriting the reports", run_dir.display()));
    } else {
        run.printer.info(&format!(
            "resuming {} ({}): {} of {} still to send",
            run_dir.display(),
            document.operation.console_name(),
            journal.pending().count(),
            plural(document.batches.len(), "request", "requests")
        ));
    }
    let resumed =
        execute::resume(run.client.clone(), run_dir, options(run), run.progress.clone(), run.cancel.clone()).await?;
    Ok((document, run_dir.to_path_buf(), resumed.report, lock))
}

fn options(run: &Run<'_>) -> ExecuteOptions {
    ExecuteOptions { test_mode: run.settings.test_mode, concurrency: run.org.config.limits.concurrency.max(1) }
}

/// Before resuming a parked run: waits for the time UMAPI asked for when that is within
/// `max_wait`, else refuses (nothing is sent; the run stays resumable).
async fn wait_until(run: &Run<'_>, resume_after: OffsetDateTime) -> anyhow::Result<()> {
    let remaining = resume_after - OffsetDateTime::now_utc();
    if remaining.is_negative() || remaining.is_zero() {
        return Ok(());
    }
    let remaining = remaining.unsigned_abs();
    let when = rfc3339(resume_after);
    if remaining > run.org.config.limits.max_wait {
        return Err(with_hint(
            anyhow::anyhow!("UMAPI asked this run to wait until {when}; nothing was sent"),
            "resume after that time, or give --max-wait a longer duration to wait for it",
        ));
    }
    run.progress.line(&format!("waiting until {when}, as UMAPI asked, before resuming"));
    tokio::select! {
        () = tokio::time::sleep(remaining) => Ok(()),
        () = run.cancel.cancelled() => Err(Interrupted("interrupted while waiting; nothing was sent".into()).into()),
    }
}

/// `--on-deficit stop`: refuses, printing the licence warnings, when any row would end without one.
fn refuse_on_deficit(run: &Run<'_>, warnings: &[String]) -> anyhow::Result<()> {
    if warnings.is_empty() || !run.settings.stop_on_deficit {
        return Ok(());
    }
    for warning in warnings {
        run.printer.warn(warning);
    }
    Err(with_hint(
        anyhow::anyhow!("some rows would end without a licence; nothing was sent (--on-deficit stop)"),
        "free or buy licences, remove those rows, or use --on-deficit warn",
    ))
}

/// Refuses to send a plan made for another org, or for the simulator to a real org (or back).
fn check_same_org(run: &Run<'_>, document: &PlanDocument, what: &Path) -> anyhow::Result<()> {
    let org_id = &run.org.config.org_id;
    if &document.org_id != org_id {
        anyhow::bail!("{} was made for org {}, not {org_id}; nothing was sent", what.display(), document.org_id);
    }
    if document.simulator != run.org.is_simulator() {
        let (made, now, hint) = if document.simulator {
            ("the built-in simulator", "a real org", "add --sim to continue against the simulator")
        } else {
            ("a real org", "the built-in simulator", "drop --sim")
        };
        return Err(with_hint(
            anyhow::anyhow!(
                "{} was made against {made}, and this run would send it to {now}; nothing was sent",
                what.display()
            ),
            hint,
        ));
    }
    Ok(())
}

fn refusal(error: PlanError) -> anyhow::Error {
    match &error {
        PlanError::TooManyRemovals { count, .. } => {
            let hint = format!(
                "check the plan with `umapi-bulk plan`; if it is right, raise the guard with --max-removals {count}"
            );
            with_hint(error, hint)
        }
        _ => error.into(),
    }
}

/// Reads who got no licence, writes the reports and the summary, prints the closing lines and
/// returns the exit status.
async fn finish(
    run: &Run<'_>,
    document: &PlanDocument,
    run_dir: &Path,
    report: &RunReport,
    clock: Instant,
) -> anyhow::Result<ExitStatus> {
    let finish = Finish::new(document, report);
    let (licences, licence_reads, note) = match finish.licence_reads(run.cancel.is_cancelled()) {
        LicenceReads::Skip(note) => (LicenceStatus::default(), 0, note),
        LicenceReads::Read(configurations) => {
            run.progress.start_phase("reading licence status");
            let read = org::licences::read(&run.client, &configurations, &run.cancel).await;
            run.progress.finish_phase();
            match read {
                Ok((licences, requests)) => (licences, requests, None),
                Err(error) => (LicenceStatus::default(), 0, Some(Finish::unread_note(&error))),
            }
        }
    };
    let rows = finish.rows(&licences);
    let deficit_lines = finish.deficit_lines(&rows, &licences);
    finish.write(run_dir, &rows, &deficit_lines)?;
    let status = ExitStatus::from(verdict(report, &rows));
    let facts = RunFacts {
        simulator: run.org.is_simulator(),
        started_at: run.started_at,
        wall_time: clock.elapsed(),
        client: run.client.statistics(),
        licence_reads,
        exit_code: i32::from(status.code()),
        config: serde_json::to_value(&run.org.config).unwrap_or_default(),
    };
    let summary = finish.summary(&rows, &deficit_lines, facts);
    summary::write(&run_dir.join(run_folder::SUMMARY), &summary).context("cannot write summary.json")?;
    for line in finish.lines(run_dir, &summary, &deficit_lines, note.as_deref()) {
        match line {
            Line::Info(text) => run.printer.info(&text),
            Line::Warning(text) => run.printer.warn(&text),
        }
    }
    Ok(status)
}
