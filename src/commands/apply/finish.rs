//! The end of `apply`: the licence reads after the run, the reports and `summary.json` (built by
//! `report::finish`), the closing lines, and the exit status.
//!
//! Once requests went out, a report that cannot be written (a full disk, a folder made read-only)
//! never turns into exit 2 ("nothing was sent"): the error says how many requests the run sent,
//! that the journal has them, and how to resume, which rewrites every report from the journal. Its
//! exit code is the run's own (1, or 130 / 3 when it was interrupted or aborted), and 1 where the
//! run had succeeded: the reports it owes are missing. Every report is replaced atomically, so the
//! folder keeps the previous version of a file that could not be written, never a truncated one.

use std::path::Path;
use std::time::{Duration, Instant};

use anyhow::Context as _;
use time::OffsetDateTime;

use super::{Run, Sent};
use crate::commands::end_session;
use crate::execute;
use crate::exit_status::{AfterSending, ExitStatus};
use crate::hint::with_hint;
use crate::org;
use crate::report::deficit::DeficitLine;
use crate::report::finish::{Finish, LicenceReads, Line, RunFacts, verdict};
use crate::report::outcomes::LicenceStatus;
use crate::report::results::RowResult;
use crate::report::run_folder;
use crate::report::summary::{self, Carried, Summary};
use crate::text::plural;

/// Reads who got no licence, writes the reports and the summary, prints the closing lines and
/// returns the exit status.
pub(super) async fn finish(run: &Run<'_>, sent: Sent, clock: Instant) -> anyhow::Result<ExitStatus> {
    let Sent { document, run_dir, report, _lock, carried, resumed } = sent;
    let finish = Finish::new(&document, &report);
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
    // The licence reads were the run's last requests: end the session now, so that the summary
    // counts the closing read too.
    end_session(run.printer, &run.client, &run.cancel).await;
    let rows = finish.rows(&licences);
    let deficit_lines = finish.deficit_lines(&rows, &licences);
    let status = ExitStatus::from(verdict(&report, &rows));
    // The journal counts the requests of every segment (a resume's summary covers the whole run).
    let journal = execute::read_journal(&run_dir).ok();
    let (segments, started_at, attempts) = match &journal {
        Some(journal) => (journal.segments.clone(), journal.started_at().unwrap_or(run.started_at), journal.attempts()),
        None => (Vec::new(), run.started_at, report.statistics.requests_sent),
    };
    // A resume's summary keeps the run's start (the journal's first line), not the resume's.
    let started_at = if resumed { started_at } else { run.started_at };
    let facts = run_facts(run, started_at, clock.elapsed(), licence_reads, status, segments, &carried);
    let summary = finish.summary(&rows, &deficit_lines, facts);
    let written = write_reports(&finish, &run_dir, &rows, &deficit_lines, &summary);
    for line in finish.lines(&run_dir, &summary, &deficit_lines, note.as_deref(), written.is_ok()) {
        match line {
            Line::Info(text) => run.printer.info(&text),
            Line::Warning(text) => run.printer.warn(&text),
        }
    }
    match written {
        Ok(()) => Ok(status),
        Err(error) => {
            // The run owes its reports: not a success, whatever the rows say.
            let status = if status == ExitStatus::Success { ExitStatus::RowsFailed } else { status };
            Err(unreported(error, status, &run_dir, attempts, "after the run"))
        }
    }
}

/// The facts `summary.json` records besides the rows.
pub(super) fn run_facts(
    run: &Run<'_>,
    started_at: OffsetDateTime,
    wall_time: Duration,
    licence_reads: u64,
    status: ExitStatus,
    segments: Vec<execute::Segment>,
    carried: &Carried,
) -> RunFacts {
    RunFacts {
        simulator: run.org.is_simulator(),
        started_at,
        wall_time,
        client: run.client.statistics(),
        licence_reads,
        exit_code: i32::from(status.code()),
        config: serde_json::to_value(&run.org.config).unwrap_or_default(),
        segments,
        carried: carried.clone(),
    }
}

/// Writes `results.csv`, `deficit.csv`, `retry.csv`, `undo.csv` and then `summary.json`, each
/// atomically.
pub(super) fn write_reports(
    finish: &Finish<'_>,
    run_dir: &Path,
    rows: &[RowResult],
    deficit_lines: &[DeficitLine],
    summary: &Summary,
) -> anyhow::Result<()> {
    finish.write(run_dir, rows, deficit_lines)?;
    summary::write(&run_dir.join(run_folder::SUMMARY), summary).context("cannot write summary.json")
}

/// The error of reports that could not be written once the run had sent `attempts` requests: says
/// so, names the journal that has them and the command that rewrites the reports, and keeps the
/// run's exit code (never 2 once something was sent).
pub(super) fn unreported(
    error: anyhow::Error,
    status: ExitStatus,
    run_dir: &Path,
    attempts: u64,
    when: &str,
) -> anyhow::Error {
    let message = format!(
        "the reports of {} could not be written {when}; {} of this run went out",
        run_dir.display(),
        plural(usize::try_from(attempts).unwrap_or(usize::MAX), "action request", "action requests")
    );
    let hint = format!(
        "{} records every request; once the disk has room (or the folder is writable), `umapi-bulk apply --resume {}` \
         rewrites every report from it and sends whatever is left",
        run_dir.join(run_folder::JOURNAL).display(),
        run_dir.display()
    );
    with_hint(AfterSending { message, status, source: error.into() }, hint)
}
