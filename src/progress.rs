//! Progress on stderr while a run talks to UMAPI: indicatif bars (one per phase: reading the org,
//! sending requests, reading licences) with rate and ETA, and a countdown during server-requested
//! waits. When stderr is not a terminal (CI, cron, a pipe) the same events become plain lines, and
//! with `--quiet` nothing is shown ([`Mode`], chosen by the command from its printer). Implements
//! the executor's observer traits; no other layer draws. A second Ctrl-C ends the run at once
//! (`apply` says so through [`Progress::line`]). Lines are written without panicking when stderr is
//! gone (a closed SSH session).

use std::sync::Mutex;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{Duration, Instant};

use indicatif::{MultiProgress, ProgressBar, ProgressDrawTarget, ProgressStyle};
use time::OffsetDateTime;

use crate::execute::{Batch, CommandOutcome, Observer};

/// A line on stderr that never panics: after SIGHUP the terminal may be gone, and a failed write of
/// a progress line must not stop the run from writing its journal and reports (`eprintln!` panics).
macro_rules! say {
    ($($argument:tt)*) => {{
        use std::io::Write as _;
        let _ = writeln!(std::io::stderr().lock(), $($argument)*);
    }};
}
use crate::umapi::observe::{ClientObserver, ReadProgress, RetryInfo, RetryReason};

/// How progress is shown.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Mode {
    /// indicatif bars (stderr is a terminal).
    Bars,
    /// Plain lines (CI, cron, a pipe).
    Lines,
    /// Nothing (`--quiet`).
    Silent,
}

/// The progress display of one command.
pub struct Progress {
    mode: Mode,
    verbose: bool,
    multi: MultiProgress,
    phase: Mutex<Option<ProgressBar>>,
    commands_total: AtomicU64,
    commands_done: AtomicU64,
    commands_failed: AtomicU64,
    batches_done: AtomicU64,
    batches_total: AtomicU64,
    last_line: Mutex<Instant>,
}

impl Progress {
    /// Progress shown in `mode`; `verbose` adds a line per request batch and per read page.
    pub fn new(mode: Mode, verbose: bool) -> Self {
        let target = if mode == Mode::Bars { ProgressDrawTarget::stderr() } else { ProgressDrawTarget::hidden() };
        Self {
            mode,
            verbose,
            multi: MultiProgress::with_draw_target(target),
            phase: Mutex::new(None),
            commands_total: AtomicU64::new(0),
            commands_done: AtomicU64::new(0),
            commands_failed: AtomicU64::new(0),
            batches_done: AtomicU64::new(0),
            batches_total: AtomicU64::new(0),
            last_line: Mutex::new(Instant::now()),
        }
    }

    /// Prints a line above the bars (or plainly), unless silent.
    pub fn line(&self, text: &str) {
        match self.mode {
            Mode::Bars => {
                let _ = self.multi.println(text);
            }
            Mode::Lines => say!("{text}"),
            Mode::Silent => {}
        }
    }

    /// Starts a spinner phase (`reading the org`); replaces the previous phase.
    pub fn start_phase(&self, name: &str) {
        if self.mode != Mode::Bars {
            if self.mode == Mode::Lines {
                say!("{name}...");
            }
            return;
        }
        let bar = self.multi.add(ProgressBar::new_spinner());
        bar.set_style(
            ProgressStyle::with_template("{spinner} {msg} [{elapsed}]")
                .unwrap_or_else(|_| ProgressStyle::default_spinner()),
        );
        bar.set_message(name.to_string());
        bar.enable_steady_tick(Duration::from_millis(120));
        self.replace_phase(Some(bar));
    }

    /// Ends the current phase.
    pub fn finish_phase(&self) {
        self.replace_phase(None);
    }

    fn replace_phase(&self, bar: Option<ProgressBar>) {
        if let Ok(mut phase) = self.phase.lock() {
            if let Some(old) = phase.take() {
                old.finish_and_clear();
            }
            *phase = bar;
        }
    }

    fn phase_bar(&self) -> Option<ProgressBar> {
        self.phase.lock().ok().and_then(|phase| phase.clone())
    }

    /// A plain progress line at most every 5 s (or every batch with `--verbose`).
    fn maybe_line(&self, text: impl FnOnce() -> String) {
        if self.mode != Mode::Lines {
            return;
        }
        let mut last = match self.last_line.lock() {
            Ok(last) => last,
            Err(poisoned) => poisoned.into_inner(),
        };
        let done = self.batches_done.load(Ordering::Relaxed);
        let total = self.batches_total.load(Ordering::Relaxed);
        if self.verbose || last.elapsed() >= Duration::from_secs(5) || done == total {
            say!("{}", text());
            *last = Instant::now();
        }
    }

    fn countdown(&self, wait: Duration, why: &str) {
        match self.mode {
            Mode::Silent => {}
            Mode::Lines => say!("waiting {:.0} s: {why}", wait.as_secs_f64().ceil()),
            Mode::Bars => {
                let bar = self.multi.add(ProgressBar::new(wait.as_millis() as u64));
                bar.set_style(
                    ProgressStyle::with_template("  ⏳ {msg} {wide_bar} {eta} left")
                        .unwrap_or_else(|_| ProgressStyle::default_bar()),
                );
                bar.set_message(why.to_string());
                let started = Instant::now();
                std::thread::spawn(move || {
                    while started.elapsed() < wait {
                        bar.set_position(started.elapsed().as_millis() as u64);
                        std::thread::sleep(Duration::from_millis(200));
                    }
                    bar.finish_and_clear();
                });
            }
        }
    }
}

impl ClientObserver for Progress {
    fn retry_scheduled(&self, retry: &RetryInfo<'_>) {
        let text = format!(
            "retrying {} in {:.1} s after {} (attempt {}/{})",
            retry.label,
            retry.delay.as_secs_f64(),
            retry.reason,
            retry.failed_attempt + 1,
            retry.max_attempts
        );
        if self.verbose || retry.delay >= Duration::from_secs(5) {
            self.line(&text);
        }
    }

    fn server_wait_started(&self, wait: Duration, reason: &RetryReason) {
        self.countdown(wait, &server_wait_text(reason));
    }

    fn read_progress(&self, progress: &ReadProgress<'_>) {
        let pages = progress
            .page_count
            .map_or_else(|| progress.pages_read.to_string(), |count| format!("{}/{count}", progress.pages_read));
        let text = format!("reading {}: page {pages}, {} so far", progress.what, progress.items);
        match self.mode {
            Mode::Bars => {
                if let Some(bar) = self.phase_bar() {
                    bar.set_message(text);
                }
            }
            Mode::Lines if self.verbose => say!("{text}"),
            _ => {}
        }
    }
}

impl Observer for Progress {
    fn run_started(&self, batches: usize, commands: usize, known: usize) {
        // `commands` are the ones still to send; `known` were answered before (a resumed run).
        let all = commands + known;
        self.batches_total.store(batches as u64, Ordering::Relaxed);
        self.commands_total.store(all as u64, Ordering::Relaxed);
        self.commands_done.store(known as u64, Ordering::Relaxed);
        match self.mode {
            Mode::Bars => {
                let bar = self.multi.add(ProgressBar::new(all as u64));
                bar.set_style(
                    ProgressStyle::with_template(
                        "{spinner} sending  [{bar:30}] {pos}/{len} commands  {per_sec}  ETA {eta}  {msg}",
                    )
                    .unwrap_or_else(|_| ProgressStyle::default_bar())
                    .progress_chars("=> "),
                );
                bar.set_position(known as u64);
                bar.enable_steady_tick(Duration::from_millis(120));
                self.replace_phase(Some(bar));
            }
            Mode::Lines => say!("sending {batches} requests ({commands} commands, {known} already answered)"),
            Mode::Silent => {}
        }
    }

    fn batch_finished(&self, _batch: &Batch, outcomes: &[CommandOutcome]) {
        if outcomes.iter().all(|outcome| matches!(outcome, CommandOutcome::NotAttempted { .. })) {
            return;
        }
        let failed = outcomes.iter().filter(|outcome| matches!(outcome, CommandOutcome::Failed { .. })).count() as u64;
        let done = self.commands_done.fetch_add(outcomes.len() as u64, Ordering::Relaxed) + outcomes.len() as u64;
        let failed_total = self.commands_failed.fetch_add(failed, Ordering::Relaxed) + failed;
        let batches = self.batches_done.fetch_add(1, Ordering::Relaxed) + 1;
        if let Some(bar) = self.phase_bar() {
            bar.set_position(done);
            if failed_total > 0 {
                bar.set_message(format!("{failed_total} failed"));
            }
        }
        let total = self.commands_total.load(Ordering::Relaxed);
        let batches_total = self.batches_total.load(Ordering::Relaxed);
        self.maybe_line(|| {
            format!("[{batches}/{batches_total} requests] {done}/{total} commands answered, {failed_total} failed")
        });
    }

    fn stopping(&self, why: &str) {
        self.line(&format!("stopping: {why}"));
    }

    fn parked(&self, resume_after: OffsetDateTime, wait: Duration) {
        let when = resume_after.format(&time::format_description::well_known::Rfc3339).unwrap_or_default();
        self.line(&format!("parking the run: the server asked to wait {:.0} s (until {when})", wait.as_secs_f64()));
    }
}

impl Drop for Progress {
    fn drop(&mut self) {
        self.replace_phase(None);
        let _ = self.multi.clear();
    }
}

/// What the countdown of a server-requested wait says: the real answer that asked for it.
fn server_wait_text(reason: &RetryReason) -> String {
    format!("UMAPI asked to wait ({reason})")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_server_wait_names_the_status_that_asked_for_it() {
        assert_eq!(server_wait_text(&RetryReason::Status(503)), "UMAPI asked to wait (HTTP 503)");
        assert_eq!(server_wait_text(&RetryReason::Status(429)), "UMAPI asked to wait (HTTP 429 (throttled))");
    }
}
