//! `umapi-bulk apply`: validate, plan and execute a bulk file — or a saved plan (`--plan`), or the
//! rest of an interrupted run (`--resume`) — and write the run folder (SPEC 3, 5).
//!
//! Nothing is sent when a row is invalid (unless `--skip-invalid`), when the edit guard trips, when
//! `--on-deficit stop` finds rows without a licence, or when a saved plan's org has changed. The
//! plan document is written to the run folder before the first request; the executor journals
//! every request; `finish` turns the outcomes into the reports.

use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::Instant;

use anyhow::Context as _;
use time::OffsetDateTime;

use crate::Context;
use crate::cli::{ApplyArgs, OnDeficit};
use crate::commands::finish::{self, RunContext};
use crate::commands::org_reads::{self, Lookup};
use crate::commands::prepare::{self, DocumentContext};
use crate::commands::target::{self, Target};
use crate::execute::{self, CancelToken, ExecuteOptions, RunReport};
use crate::exit_status::{ExitStatus, Failure};
use crate::model::Operation;
use crate::plan::document::{PlanDocument, RowFate, SavedOptions};
use crate::plan::{PlanError, PlanOptions};
use crate::printer::with_hint;
use crate::progress::Progress;
use crate::report::run_folder;
use crate::settings::parse_duration;
use crate::umapi::client::UmapiClient;
use crate::validation::{self, CheckOptions, render};

/// Runs `apply`.
pub fn run(context: &Context, args: ApplyArgs) -> anyhow::Result<ExitStatus> {
    target::runtime()?.block_on(apply(context, args))
}

async fn apply(context: &Context, args: ApplyArgs) -> anyhow::Result<ExitStatus> {
    let started_at = OffsetDateTime::now_utc();
    let clock = Instant::now();
    let max_wait = args.max_wait.as_deref().map(parse_duration).transpose().context("invalid --max-wait")?;
    let mut target = target::connect(context, &args.target).await?;
    if let Some(max_wait) = max_wait {
        target.config.limits.max_wait = max_wait;
    }
    let progress = Arc::new(Progress::new(&context.printer));
    let client = target.client(progress.clone())?;
    let cancel = CancelToken::new();
    watch_ctrl_c(cancel.clone(), progress.clone());
    let outcome = match &args.resume {
        Some(run_dir) => resume(context, &args, &target, &client, run_dir, &progress, &cancel).await,
        None => fresh(context, &args, &target, &client, started_at, &progress, &cancel).await,
    };
    let status = match outcome {
        Ok((document, run_dir, report, _lock)) => {
            let run = RunContext {
                context,
                config: &target.config,
                simulator: target.is_simulator(),
                started_at,
                clock,
                progress: &progress,
                cancel: &cancel,
            };
            finish::finish(&run, &client, &document, &run_dir, &report).await
        }
        Err(error) => Err(error),
    };
    drop(progress);
    target.shutdown().await;
    status
}

fn watch_ctrl_c(cancel: CancelToken, progress: Arc<Progress>) {
    tokio::spawn(async move {
        if tokio::signal::ctrl_c().await.is_ok() {
            progress
                .line("interrupted: letting requests in flight finish, starting nothing new (Ctrl-C again to force)");
            cancel.cancel();
            if tokio::signal::ctrl_c().await.is_ok() {
                std::process::exit(ExitStatus::Interrupted.code());
            }
        }
    });
}

type Prepared = (PlanDocument, PathBuf, RunReport, run_folder::RunLock);

async fn fresh(
    context: &Context,
    args: &ApplyArgs,
    target: &Target,
    client: &Arc<UmapiClient>,
    started_at: OffsetDateTime,
    progress: &Arc<Progress>,
    cancel: &CancelToken,
) -> anyhow::Result<Prepared> {
    let test_mode = args.test_mode;
    let (document, plan_warnings) = match (&args.plan, &args.file, args.op) {
        (Some(plan_path), _, _) => {
            let document = saved_plan(client, target, plan_path, progress, cancel).await?;
            let invalid = document.rows.iter().filter(|row| matches!(row.fate, RowFate::Invalid { .. })).count();
            if invalid > 0 && !args.skip_invalid {
                return Err(Failure::new(
                    ExitStatus::InvalidInput,
                    with_hint(
                        anyhow::anyhow!(
                            "{} has {}; nothing was sent",
                            plan_path.display(),
                            plural(invalid, "invalid row", "invalid rows")
                        ),
                        "fix the file and make a new plan, or add --skip-invalid to send the other rows",
                    ),
                ));
            }
            let warnings = crate::commands::plan::licence_warnings(&document.licences);
            refuse_on_deficit(context, args, &warnings)?;
            (document, warnings)
        }
        (None, Some(file), Some(op)) => {
            let operation = Operation::from(op);
            let options = plan_options(args, operation);
            // Row errors do not stop here: the org's names are checked too, so that every problem of
            // the file is reported in one go before anything is refused.
            let checked = check(context, target, file, operation, true)?;
            progress.start_phase("reading the org");
            let lookups = if org_reads::reads_users(operation) { prepare::lookups(&checked) } else { Vec::new() };
            let snapshot = org_reads::read(client, &lookups, cancel).await.map_err(|error| error.into_anyhow())?;
            progress.finish_phase();
            let plan = prepare::plan_rows(&checked, &options, &snapshot).map_err(refusal)?;
            if !plan.issues.is_empty() {
                eprint!("{}", crate::commands::plan::render_issues(&plan.issues, context.printer.color()));
            }
            let mut invalid_lines: std::collections::BTreeSet<u64> =
                plan.issues.iter().map(|issue| issue.line).collect();
            invalid_lines.extend(
                checked
                    .records
                    .iter()
                    .zip(&checked.rows)
                    .filter(|(_, status)| matches!(status, validation::RowStatus::Invalid))
                    .map(|(record, _)| record.line),
            );
            if !invalid_lines.is_empty() && !args.skip_invalid {
                return Err(Failure::new(
                    ExitStatus::InvalidInput,
                    with_hint(
                        anyhow::anyhow!(
                            "{}: {} invalid; nothing was sent",
                            file.display(),
                            plural(invalid_lines.len(), "row is", "rows are")
                        ),
                        "fix the rows, or add --skip-invalid to run only the valid ones",
                    ),
                ));
            }
            let warnings = crate::commands::plan::licence_warnings(&plan.licences);
            refuse_on_deficit(context, args, &warnings)?;
            let file_text = file.display().to_string();
            let saved = SavedOptions {
                update_existing: options.update_existing,
                additive: options.additive,
                max_removals: options.max_removals,
                delete_accounts: options.delete_accounts,
                skip_invalid: args.skip_invalid,
            };
            let document_context = DocumentContext {
                file: &file_text,
                org_id: &target.config.org_id,
                simulator: target.is_simulator(),
                options: saved,
            };
            (prepare::document(&checked, &plan, &snapshot, operation, document_context), warnings)
        }
        _ => anyhow::bail!("apply needs FILE and --op, or --plan, or --resume"),
    };
    for warning in &plan_warnings {
        context.printer.warn(warning);
    }
    let run_dir =
        run_folder::create(&args.out_dir, started_at, document.operation.as_str(), Path::new(&document.file))?;
    let lock = run_folder::RunLock::acquire(&run_dir)?;
    write_plan(&run_dir.join(run_folder::PLAN), &document)?;
    announce(context, &document, &run_dir, test_mode);
    if document.options.delete_accounts && document.operation == Operation::Remove {
        context.printer.warn(
            "--delete-accounts: Enterprise and Federated accounts are deleted with their data; undo.csv can re-create \
             the users and their memberships, not their data",
        );
    }
    let options = ExecuteOptions::from_limits(&target.config.limits, test_mode);
    let report =
        execute::execute(client.clone(), document.batches.clone(), &run_dir, options, progress.clone(), cancel.clone())
            .await
            .map_err(|error| Failure::new(error.exit_status(), error))?;
    Ok((document, run_dir, report, lock))
}

/// `--on-deficit stop`: refuses, printing the licence warnings, when any row would end without one.
fn refuse_on_deficit(context: &Context, args: &ApplyArgs, warnings: &[String]) -> anyhow::Result<()> {
    if warnings.is_empty() || args.planning.on_deficit != OnDeficit::Stop {
        return Ok(());
    }
    for warning in warnings {
        context.printer.warn(warning);
    }
    Err(Failure::new(
        ExitStatus::InvalidInput,
        with_hint(
            anyhow::anyhow!("some rows would end without a licence; nothing was sent (--on-deficit stop)"),
            "free or buy licences, remove those rows, or use --on-deficit warn",
        ),
    ))
}

/// Refuses to send a plan made for another org, or for the simulator to a real org (or back).
fn check_same_org(document: &PlanDocument, target: &Target, what: &Path) -> anyhow::Result<()> {
    if document.org_id != target.config.org_id {
        return Err(Failure::new(
            ExitStatus::InvalidInput,
            anyhow::anyhow!(
                "{} was made for org {}, not {}; nothing was sent",
                what.display(),
                document.org_id,
                target.config.org_id
            ),
        ));
    }
    if document.simulator != target.is_simulator() {
        let (made, now) = if document.simulator {
            ("the built-in simulator", "a real org")
        } else {
            ("a real org", "the built-in simulator")
        };
        return Err(Failure::new(
            ExitStatus::InvalidInput,
            with_hint(
                anyhow::anyhow!(
                    "{} was made against {made}, and this run would send it to {now}; nothing was sent",
                    what.display()
                ),
                if document.simulator { "add --sim to continue against the simulator" } else { "drop --sim" },
            ),
        ));
    }
    Ok(())
}

fn plan_options(args: &ApplyArgs, operation: Operation) -> PlanOptions {
    PlanOptions {
        operation,
        update_existing: args.planning.update_existing,
        additive: args.planning.additive,
        max_removals: args.planning.max_removals,
        delete_accounts: args.planning.delete_accounts,
    }
}

/// Validates the file and prints the diagnostics. Refuses a file-level error always, and row errors
/// unless `keep_going` (the caller then decides, after checking names against the org).
pub(crate) fn check(
    context: &Context,
    target: &Target,
    file: &Path,
    operation: Operation,
    keep_going: bool,
) -> anyhow::Result<validation::CheckedFile> {
    let options = CheckOptions { operation, claimed_domains: target.config.claimed_domains.clone() };
    let checked =
        validation::check_file(file, &options).map_err(|error| Failure::new(ExitStatus::InvalidInput, error))?;
    let shown = if context.printer.verbosity() > crate::printer::Verbosity::Quiet {
        render::human_capped(&checked.diagnostics, &checked.omitted, context.printer.color())
    } else {
        render::human_errors(&checked, context.printer.color())
    };
    eprint!("{shown}");
    if checked.file_level_error() || (checked.has_errors() && !keep_going) {
        let (errors, _) = checked.counts();
        let hint = if checked.file_level_error() {
            format!("`umapi-bulk check {} --op {operation}` explains each problem", file.display())
        } else {
            "fix the rows, or add --skip-invalid to run only the valid ones".to_string()
        };
        return Err(Failure::new(
            ExitStatus::InvalidInput,
            with_hint(
                anyhow::anyhow!("{}: {}; nothing was sent", file.display(), plural(errors, "error", "errors")),
                hint,
            ),
        ));
    }
    Ok(checked)
}

fn refusal(error: PlanError) -> anyhow::Error {
    let hint = match &error {
        PlanError::TooManyRemovals { count, .. } => {
            format!(
                "check the plan with `umapi-bulk plan`; if it is right, raise the guard with --max-removals {count}"
            )
        }
    };
    Failure::new(ExitStatus::InvalidInput, with_hint(anyhow::Error::new(error), hint))
}

fn announce(context: &Context, document: &PlanDocument, run_dir: &Path, test_mode: bool) {
    if test_mode {
        context.printer.warn("TEST MODE: UMAPI checks every request but changes nothing (testOnly=true)");
    }
    context.printer.info(&format!(
        "{}: {} rows, {} commands in {} requests → {}",
        document.operation.console_name(),
        document.rows.len(),
        document.command_count(),
        document.batches.len(),
        run_dir.display()
    ));
}

fn write_plan(path: &Path, document: &PlanDocument) -> anyhow::Result<()> {
    let text = serde_json::to_string_pretty(document).context("cannot serialise the plan")?;
    fs_err::write(path, text + "\n").context("cannot write the plan")?;
    Ok(())
}

/// Reads a plan document.
pub(crate) fn read_plan(path: &Path) -> anyhow::Result<PlanDocument> {
    let text = fs_err::read_to_string(path).map_err(|error| Failure::new(ExitStatus::InvalidInput, error))?;
    let document: PlanDocument = serde_json::from_str(&text).map_err(|error| {
        Failure::new(ExitStatus::InvalidInput, anyhow::anyhow!("{} is not a umapi-bulk plan: {error}", path.display()))
    })?;
    if document.format != crate::plan::document::FORMAT_VERSION {
        return Err(Failure::new(
            ExitStatus::InvalidInput,
            anyhow::anyhow!(
                "{} has plan format {}, this tool reads {}",
                path.display(),
                document.format,
                crate::plan::document::FORMAT_VERSION
            ),
        ));
    }
    Ok(document)
}

/// `--plan`: re-reads the fingerprinted state and refuses, with a diff, when it changed.
async fn saved_plan(
    client: &Arc<UmapiClient>,
    target: &Target,
    path: &Path,
    progress: &Arc<Progress>,
    cancel: &CancelToken,
) -> anyhow::Result<PlanDocument> {
    let document = read_plan(path)?;
    check_same_org(&document, target, path)?;
    progress.start_phase("checking the org has not changed since the plan");
    let lookups: Vec<Lookup> = document
        .fingerprint
        .users
        .keys()
        .map(|key| {
            let (email, kind) = key.split_once('|').unwrap_or((key.as_str(), "any"));
            Lookup { email: email.to_string(), identity_type: crate::model::IdentityType::from_wire(kind) }
        })
        .collect();
    let snapshot = org_reads::read(client, &lookups, cancel).await.map_err(|error| error.into_anyhow())?;
    progress.finish_phase();
    let now = snapshot.fingerprint(&document.fingerprint.group_names());
    if now.sha256 != document.fingerprint.sha256 {
        let changes = document.fingerprint.diff(&now);
        let mut message = format!("the org changed since {} was made; nothing was sent:", path.display());
        for change in &changes {
            message.push_str("\n  ");
            message.push_str(change);
        }
        return Err(Failure::new(
            ExitStatus::InvalidInput,
            with_hint(
                anyhow::anyhow!(message),
                "make a fresh plan with `umapi-bulk plan ... -o plan.json` and review it",
            ),
        ));
    }
    Ok(document)
}

async fn resume(
    context: &Context,
    args: &ApplyArgs,
    target: &Target,
    client: &Arc<UmapiClient>,
    run_dir: &Path,
    progress: &Arc<Progress>,
    cancel: &CancelToken,
) -> anyhow::Result<Prepared> {
    let document = read_plan(&run_dir.join(run_folder::PLAN))
        .map_err(|error| with_hint(error, format!("{} is not a run folder of umapi-bulk apply", run_dir.display())))?;
    check_same_org(&document, target, run_dir)?;
    let lock = run_folder::RunLock::acquire(run_dir).map_err(|error| Failure::new(ExitStatus::InvalidInput, error))?;
    let journal = execute::read_journal(run_dir).map_err(|error| Failure::new(ExitStatus::InvalidInput, error))?;
    if journal.test_mode {
        context.printer.warn("TEST MODE: this run was started with --test-mode; UMAPI changes nothing (testOnly=true)");
    }
    if let Some(execute::RunEnd::Parked { resume_after }) = journal.ends.last() {
        wait_until(*resume_after, target.config.limits.max_wait, progress, cancel).await?;
    }
    if journal.batches != document.batches {
        return Err(Failure::new(
            ExitStatus::InvalidInput,
            anyhow::anyhow!("the journal and plan.json of {} disagree; the folder was edited", run_dir.display()),
        ));
    }
    if journal.is_complete() {
        context
            .printer
            .info(&format!("{}: every request was already answered; rewriting the reports", run_dir.display()));
    } else {
        context.printer.info(&format!(
            "resuming {} ({}): {} of {} requests still to send",
            run_dir.display(),
            document.operation.console_name(),
            journal.pending().count(),
            document.batches.len()
        ));
    }
    let options = ExecuteOptions::from_limits(&target.config.limits, args.test_mode);
    let resumed = execute::resume(client.clone(), run_dir, options, progress.clone(), cancel.clone())
        .await
        .map_err(|error| Failure::new(error.exit_status(), error))?;
    Ok((document, run_dir.to_path_buf(), resumed.report, lock))
}

/// Before resuming a parked run: waits for the time UMAPI asked for when that is within
/// `max_wait`, else refuses (nothing is sent; the run stays resumable).
async fn wait_until(
    resume_after: OffsetDateTime,
    max_wait: std::time::Duration,
    progress: &Arc<Progress>,
    cancel: &CancelToken,
) -> anyhow::Result<()> {
    let remaining = resume_after - OffsetDateTime::now_utc();
    if remaining.is_negative() || remaining.is_zero() {
        return Ok(());
    }
    let remaining = remaining.unsigned_abs();
    let when = run_folder::rfc3339(resume_after);
    if remaining > max_wait {
        return Err(Failure::new(
            ExitStatus::InvalidInput,
            with_hint(
                anyhow::anyhow!("UMAPI asked this run to wait until {when}; nothing was sent"),
                "resume after that time, or give --max-wait a longer duration to wait for it",
            ),
        ));
    }
    progress.line(&format!("waiting until {when}, as UMAPI asked, before resuming"));
    tokio::select! {
        () = tokio::time::sleep(remaining) => Ok(()),
        () = cancel.cancelled() => Err(Failure::new(ExitStatus::Interrupted, anyhow::anyhow!("interrupted while waiting; nothing was sent"))),
    }
}

/// `1 row is` / `3 rows are`.
pub(crate) fn plural(count: usize, one: &str, many: &str) -> String {
    if count == 1 { format!("1 {one}") } else { format!("{count} {many}") }
}
