//! `apply --resume RUN`: the rest of an interrupted, parked or killed run.
//!
//! In order: the folder's plan and org are checked, its lock taken, its journal read; then every
//! report is rebuilt from the journal ([`rebuild`]) **before anything is sent**, so that a resume
//! killed in its turn never leaves a `results.csv` that still calls rows "Not Attempted" after they
//! were created; then the wait UMAPI asked for (within `--max-wait`, a signal ends it), and the
//! executor sends what the journal has not settled. `finish` writes the reports again at the end.

use std::path::Path;

use time::OffsetDateTime;

use super::finish::{run_facts, unreported, write_reports};
use super::{Run, Sent, check_same_org, not_cancelled, options};
use crate::atomic_file;
use crate::execute::{self, ResumeState, RunEnd};
use crate::exit_status::{ExitStatus, Interrupted};
use crate::hint::with_hint;
use crate::plan::{self, document::PlanDocument};
use crate::report::finish::{Finish, verdict};
use crate::report::outcomes::LicenceStatus;
use crate::report::run_folder::{self, RunLock};
use crate::report::summary::{self, Carried, RunStatus};
use crate::text::rfc3339;

/// Resumes the run in `run_dir`.
pub(super) async fn resume(run: &Run<'_>, run_dir: &Path) -> anyhow::Result<Sent> {
    let document = plan::file::read(&run_dir.join(run_folder::PLAN))
        .map_err(|error| with_hint(error, format!("{} is not a run folder of umapi-bulk apply", run_dir.display())))?;
    check_same_org(run, &document, run_dir)?;
    let lock = RunLock::acquire(run_dir)?;
    if !run_dir.join(run_folder::JOURNAL).exists() {
        return Err(with_hint(
            anyhow::anyhow!(
                "{} has a plan but no journal: the run stopped before its first request, so nothing was sent and \
                 there is nothing to resume",
                run_dir.display()
            ),
            format!("start the run again from its file ({}), and delete this folder", document.file),
        ));
    }
    let journal = execute::read_journal(run_dir)?;
    if journal.test_mode {
        run.printer.warn("TEST MODE: this run was started with --test-mode; UMAPI changes nothing (testOnly=true)");
    }
    if journal.batches != document.batches {
        anyhow::bail!("the journal and plan.json of {} disagree; the folder was edited", run_dir.display());
    }
    atomic_file::remove_leftovers(run_dir);
    let carried = summary::read(&run_dir.join(run_folder::SUMMARY))
        .map(|summary| Carried::from_summary(&summary))
        .unwrap_or_default();
    rebuild(run, &document, run_dir, &journal, &carried)?;
    if let Some(RunEnd::Parked { resume_after }) = journal.ends.last() {
        wait_until(run, *resume_after).await?;
        // The parked process sent nothing more, so its session was not ended: this one goes on
        // with it (a new start inside it would draw Adobe's session block, docs/sessions.md).
        run.client.continue_session();
    }
    not_cancelled(run, "before the resume sent anything")?;
    if journal.is_complete() {
        run.printer.info(&format!("{}: every request was already answered; rewriting the reports", run_dir.display()));
    } else {
        run.printer.info(&format!(
            "resuming {} ({}): {} of {} still to send",
            run_dir.display(),
            document.operation.console_name(),
            journal.pending().count(),
            crate::text::plural(document.batches.len(), "request", "requests")
        ));
    }
    let resumed = execute::resume(
        run.client.clone(),
        run_dir,
        options(run, &document, journal.test_mode),
        run.progress.clone(),
        run.cancel.clone(),
    )
    .await?;
    Ok(Sent { document, run_dir: run_dir.to_path_buf(), report: resumed.report, _lock: lock, carried, resumed: true })
}

/// Rewrites every report and `summary.json` (status `running`) from the journal, before the resume
/// sends anything. Licence status is not read here (`deficit.csv` says Assigned and Deficit are
/// unknown until the end). A failure to write says how many requests the run sent so far.
fn rebuild(
    run: &Run<'_>,
    document: &PlanDocument,
    run_dir: &Path,
    journal: &ResumeState,
    carried: &Carried,
) -> anyhow::Result<()> {
    let report = journal.report();
    let finish = Finish::new(document, &report);
    let licences = LicenceStatus::default();
    let rows = finish.rows(&licences);
    let deficit_lines = finish.deficit_lines(&rows, &licences);
    let status = ExitStatus::from(verdict(&report, &rows));
    let started_at = journal.started_at().unwrap_or(run.started_at);
    let facts = run_facts(run, started_at, std::time::Duration::ZERO, 0, status, journal.segments.clone(), carried);
    let mut summary = finish.summary(&rows, &deficit_lines, facts);
    summary.status = RunStatus::Running;
    summary.resume_after = None;
    write_reports(&finish, run_dir, &rows, &deficit_lines, &summary).map_err(|error| {
        let status = if journal.attempts() > 0 { ExitStatus::RowsFailed } else { ExitStatus::InvalidInput };
        unreported(error, status, run_dir, journal.attempts(), "before the resume sent anything")
    })
}

/// Before resuming a parked run: waits for the time UMAPI asked for when that is within
/// `max_wait`, else refuses (nothing is sent; the run stays resumable). A signal ends the wait.
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
