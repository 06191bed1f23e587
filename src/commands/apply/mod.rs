//! `umapi-bulk apply`: validate, plan and execute a bulk file — or a saved plan (`--plan`), or the
//! rest of an interrupted run (`--resume`) — and write the run folder (SPEC 3, 5).
//!
//! The data path reads top to bottom: read and validate the file, read the org and plan
//! ([`prepare_file`]), write `plan.json` and execute ([`send`]), then report ([`finish`]). Nothing
//! is sent when a row is invalid (unless `--skip-invalid`), when the edit guard trips, when
//! `--on-deficit stop` finds rows without a licence, or when a saved plan's org has changed.
//!
//! Ctrl-C, SIGTERM and SIGHUP (`signals`) let the requests in flight finish and start nothing new;
//! a second signal abandons them too. Either way the run returns through the same path: the
//! journal's end, the reports and the summary are written, and the exit code is 130. Cancellation is
//! checked between the stages (after validating, after reading the org, before the run folder is
//! made) as well as by the executor before each batch, so a signal while the org is read sends
//! nothing.
//!
//! `--resume` is in [`resume`]; the reports, the summary and the exit code in [`finish`], which
//! also decides what a failure to write them after requests went out says (never exit 2).
//!
//! The sync session ends after the last request on every path but a park (docs/sessions.md):
//! after the licence reads in [`finish`], and on any other way out here.

mod finish;
mod resume;

use std::collections::BTreeSet;
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::Instant;

use anyhow::Context as _;
use time::OffsetDateTime;

use super::{Org, end_session, print_issues, progress, readable, validate};
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
use crate::report::finish::may_read_licences;
use crate::report::run_folder::{self, RunLock};
use crate::report::summary::Carried;
use crate::settings::{ApplyInput, ApplySettings};
use crate::signals;
use crate::text::plural;
use crate::umapi::ClientError;
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
    let cancel = CancelToken::new();
    let progress = progress(printer);
    // Before anything else: from here on a signal stops the run through its normal path.
    let say = progress.clone();
    signals::watch(cancel.clone(), move |line| say.line(line))
        .context("cannot watch for Ctrl-C, SIGTERM and SIGHUP")?;
    // What the command line names is checked before the org (or the simulator) is: a mistyped file
    // or run is the first thing said.
    let resume_dir = match &settings.input {
        ApplyInput::File { file, .. } | ApplyInput::Plan(file) => {
            readable(file)?;
            None
        }
        ApplyInput::Resume(name) => Some(super::find_run_folder(&settings.out_dir, name)?),
    };
    let org = Org::connect(printer, &settings.target).await?;
    let result = match org.client(&progress) {
        Ok(client) => {
            let run = Run { printer, settings: &settings, org: &org, client, progress, cancel, started_at };
            let result = async {
                let sent = match &settings.input {
                    ApplyInput::Resume(name) => {
                        let run_dir = resume_dir.clone().unwrap_or_else(|| settings.out_dir.join(name));
                        resume::resume(&run, &run_dir).await?
                    }
                    ApplyInput::Plan(path) => send(&run, saved_plan(&run, path).await?).await?,
                    ApplyInput::File { file, operation } => {
                        send(&run, prepare_file(&run, file, *operation).await?).await?
                    }
                };
                finish::finish(&run, sent, clock).await
            }
            .await;
            // After the last request, on every path (a refusal after the reads, a signal, an error).
            end_session(printer, &run.client, &run.cancel).await;
            result
        }
        Err(error) => Err(error),
    };
    org.shutdown(printer).await;
    result
}

/// A run that sent (or tried to): what `finish` needs, and the folder's lock, held until the end.
struct Sent {
    document: PlanDocument,
    run_dir: PathBuf,
    report: RunReport,
    _lock: RunLock,
    /// What earlier segments of the run counted (a resume), for the summary.
    carried: Carried,
    /// Whether this is a resume (the summary keeps the run's first start).
    resumed: bool,
}

/// Refuses to go on once a signal came: nothing new starts, and nothing was sent yet.
fn not_cancelled(run: &Run<'_>, stage: &str) -> anyhow::Result<()> {
    if run.cancel.is_cancelled() {
        return Err(Interrupted(format!("interrupted {stage}; nothing was sent")).into());
    }
    Ok(())
}

/// A read of the org that failed; a signal while reading is an interruption like the others.
fn read_failed(error: ClientError, stage: &str) -> anyhow::Error {
    if error.is_cancellation() {
        Interrupted(format!("interrupted {stage}; nothing was sent")).into()
    } else {
        error.into_anyhow()
    }
}

/// Validates the file, reads the org and plans; refuses when rows are invalid (unless
/// `--skip-invalid`) or would end without a licence under `--on-deficit stop`.
async fn prepare_file(run: &Run<'_>, file: &Path, operation: Operation) -> anyhow::Result<PlanDocument> {
    let settings = run.settings;
    let checked = validate(run.printer, &run.org.config, file, operation)?;
    not_cancelled(run, "before reading the org")?;
    run.progress.start_phase("reading the org");
    let lookups = if org::reads::reads_users(operation) { assemble::lookups(&checked) } else { Vec::new() };
    let snapshot = org::reads::read(&run.client, &lookups, false, &run.cancel)
        .await
        .map_err(|error| read_failed(error, "while reading the org"))?;
    run.progress.finish_phase();
    not_cancelled(run, "while reading the org")?;
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
    let snapshot = org::reads::read(&run.client, &lookups, false, &run.cancel)
        .await
        .map_err(|error| read_failed(error, "while reading the org"))?;
    run.progress.finish_phase();
    not_cancelled(run, "while reading the org")?;
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

/// Creates the run folder, writes `plan.json` before the first request, and executes the plan. A
/// run that cannot start (the folder, its lock, `plan.json` or the journal's first line cannot be
/// written) has sent nothing: its folder is removed, so that no half-made folder waits for a resume
/// that cannot work (if even the removal fails, the error says so and resume explains the folder).
async fn send(run: &Run<'_>, document: PlanDocument) -> anyhow::Result<Sent> {
    let settings = run.settings;
    not_cancelled(run, "before the run started")?;
    for warning in plan::licences::warnings(&document.licences) {
        run.printer.warn(&warning);
    }
    let run_dir =
        run_folder::create(&settings.out_dir, run.started_at, document.operation.as_str(), Path::new(&document.file))?;
    let lock = match start_folder(&run_dir, &document) {
        Ok(lock) => lock,
        Err(error) => return Err(discard(&run_dir, error)),
    };
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
    let executed = execute::execute(
        run.client.clone(),
        batches,
        &run_dir,
        options(run, &document, run.settings.test_mode),
        run.progress.clone(),
        run.cancel.clone(),
    )
    .await;
    let report = match executed {
        Ok(report) => report,
        Err(error) => {
            drop(lock);
            return Err(discard(&run_dir, error.into()));
        }
    };
    Ok(Sent { document, run_dir, report, _lock: lock, carried: Carried::default(), resumed: false })
}

/// Takes the new folder's lock and writes `plan.json` (atomically).
fn start_folder(run_dir: &Path, document: &PlanDocument) -> anyhow::Result<RunLock> {
    let lock = RunLock::acquire(run_dir)?;
    plan::file::write(&run_dir.join(run_folder::PLAN), document).context("cannot write the plan")?;
    Ok(lock)
}

/// Removes the folder of a run that sent nothing, and says so.
fn discard(run_dir: &Path, error: anyhow::Error) -> anyhow::Error {
    match fs_err::remove_dir_all(run_dir) {
        Ok(()) => {
            error.context(format!("nothing was sent; the run could not start, and {} was removed", run_dir.display()))
        }
        Err(removal) => with_hint(
            error.context(format!("nothing was sent; the run could not start in {}", run_dir.display())),
            format!("the folder could not be removed either ({removal}); delete it, it holds nothing to resume"),
        ),
    }
}

/// How to execute: the last action request ends the sync session unless licence reads follow it
/// (then `finish` ends it after them).
fn options(run: &Run<'_>, document: &PlanDocument, test_mode: bool) -> ExecuteOptions {
    ExecuteOptions {
        test_mode,
        concurrency: run.org.config.limits.concurrency.max(1),
        ends_session: !may_read_licences(document, test_mode),
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
