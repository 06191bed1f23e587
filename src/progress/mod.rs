//! Progress on stderr while a command talks to UMAPI: one indicatif bar or spinner per phase
//! (reading the org, sending requests, reading licences) whose message says what is happening —
//! including, truthfully, any wait: for our own rate limit (self-paced, with the limit and the time
//! to the next slot) or at the server's request (one countdown, with the answer that asked) — and
//! how long the rest will take, computed from the plan and the limits (`live`). When stderr is not a
//! terminal (CI, cron, a log file) the same facts become timestamped lines: on each phase change,
//! when a wait starts, and every [`LINE_EVERY`] while a phase lasts. With `--quiet` nothing is shown
//! ([`Mode`], chosen by the command from its printer).
//!
//! Implements the client's and the executor's observer traits; no other layer draws. Writing to a
//! closed stderr is ignored, never a panic. A second Ctrl-C ends the run at once (`apply` says so
//! through [`Progress::line`]).

mod live;
mod status;

use std::io::Write as _;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex, MutexGuard};
use std::time::{Duration, Instant};

use indicatif::{MultiProgress, ProgressBar, ProgressDrawTarget, ProgressState, ProgressStyle};
use time::OffsetDateTime;

use crate::execute::{Batch, CommandOutcome, Observer};
use crate::plan::estimate::Pace;
use crate::text::{plural, rate, rfc3339_seconds, time_left};
use crate::umapi::observe::{ClientObserver, PacingWait, ReadProgress, RequestInfo, RetryInfo, RetryReason};
use live::Live;

/// How often a plain progress line is written while a phase lasts (without a terminal).
pub const LINE_EVERY: Duration = Duration::from_secs(10);

/// How progress is shown.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Mode {
    /// indicatif bars (stderr is a terminal).
    Bars,
    /// Plain timestamped lines (CI, cron, a log file).
    Lines,
    /// Nothing (`--quiet`).
    Silent,
}

/// The progress display of one command.
pub struct Progress {
    mode: Mode,
    verbose: bool,
    multi: MultiProgress,
    bar: Mutex<Option<ProgressBar>>,
    shared: Arc<Shared>,
}

/// What the display and its line ticker share.
struct Shared {
    live: Mutex<Live>,
    /// When the last plain line was written; held while writing one.
    last_line: Mutex<Instant>,
    /// Set when the display ends: the ticker writes nothing more.
    ended: AtomicBool,
}

impl Shared {
    fn live(&self) -> MutexGuard<'_, Live> {
        self.live.lock().unwrap_or_else(|poisoned| poisoned.into_inner())
    }

    /// Writes a stamped line and restarts the line clock.
    fn stamped(&self, text: &str) {
        let mut last = self.last_line.lock().unwrap_or_else(|poisoned| poisoned.into_inner());
        if self.ended.load(Ordering::Relaxed) {
            return;
        }
        write_stderr(&format!("{} {text}", rfc3339_seconds(OffsetDateTime::now_utc())));
        *last = Instant::now();
    }

    /// Writes the status line when none was written for [`LINE_EVERY`] and a phase is under way.
    fn tick(&self) {
        let due = self.last_line.lock().map(|last| last.elapsed() >= LINE_EVERY).unwrap_or(false);
        if !due {
            return;
        }
        let line = {
            let mut live = self.live();
            live.in_phase().then(|| live.status(Instant::now()).line())
        };
        if let Some(line) = line {
            self.stamped(&line);
        }
    }
}

/// Writes a line to stderr; a closed stderr is ignored (there is nobody left to tell).
fn write_stderr(text: &str) {
    let _ = writeln!(std::io::stderr().lock(), "{text}");
}

impl Progress {
    /// Progress shown in `mode`; `verbose` adds a line per request batch and per read page.
    pub fn new(mode: Mode, verbose: bool) -> Self {
        let target = if mode == Mode::Bars { ProgressDrawTarget::stderr() } else { ProgressDrawTarget::hidden() };
        let shared = Arc::new(Shared {
            live: Mutex::new(Live::default()),
            last_line: Mutex::new(Instant::now()),
            ended: AtomicBool::new(false),
        });
        if mode == Mode::Lines {
            let ticker = Arc::clone(&shared);
            // The line clock of a log: wakes once a second (never a test's clock) and stops with
            // the display.
            std::thread::spawn(move || {
                while !ticker.ended.load(Ordering::Relaxed) {
                    std::thread::sleep(Duration::from_secs(1));
                    ticker.tick();
                }
            });
        }
        Self { mode, verbose, multi: MultiProgress::with_draw_target(target), bar: Mutex::new(None), shared }
    }

    /// The limits of the run, which the time left is computed from.
    pub fn set_pace(&self, pace: Pace) {
        self.shared.live().set_pace(pace);
    }

    /// Prints a line above the bars (stamped without a terminal), unless silent.
    pub fn line(&self, text: &str) {
        match self.mode {
            Mode::Bars => {
                let _ = self.multi.println(text);
            }
            Mode::Lines => self.shared.stamped(text),
            Mode::Silent => {}
        }
    }

    /// Starts a spinner phase (`reading the org`); replaces the previous phase.
    pub fn start_phase(&self, name: &str) {
        self.shared.live().start_phase(name);
        match self.mode {
            Mode::Bars => {
                let bar = self.multi.add(ProgressBar::new_spinner());
                bar.set_style(self.style("{spinner} {status} [{elapsed}]"));
                bar.enable_steady_tick(Duration::from_millis(120));
                self.replace_bar(Some(bar));
            }
            Mode::Lines => self.shared.stamped(&format!("{name}...")),
            Mode::Silent => {}
        }
    }

    /// Ends the current phase.
    pub fn finish_phase(&self) {
        self.shared.live().finish_phase();
        self.replace_bar(None);
    }

    /// A bar style whose `{status}` key is drawn from the live state at every tick.
    fn style(&self, template: &str) -> ProgressStyle {
        let shared = Arc::clone(&self.shared);
        let status = move |_: &ProgressState, out: &mut dyn std::fmt::Write| {
            let message = shared.live().status(Instant::now()).bar_message();
            let _ = out.write_str(&message);
        };
        ProgressStyle::with_template(template)
            .unwrap_or_else(|_| ProgressStyle::default_bar())
            .with_key("status", status)
            .progress_chars("=> ")
    }

    fn replace_bar(&self, bar: Option<ProgressBar>) {
        let mut current = self.bar.lock().unwrap_or_else(|poisoned| poisoned.into_inner());
        if let Some(old) = current.take() {
            old.finish_and_clear();
        }
        *current = bar;
    }

    fn bar(&self) -> Option<ProgressBar> {
        self.bar.lock().ok().and_then(|bar| bar.clone())
    }

    /// The stamped line of a wait that starts (without a terminal): the wait and the run's status.
    fn announce(&self, what: &str) {
        if self.mode != Mode::Lines {
            return;
        }
        let status = self.shared.live().status(Instant::now());
        let mut text = what.to_string();
        if let Some(sending) = status.sending {
            let total = usize::try_from(sending.commands_total).unwrap_or(usize::MAX);
            text.push_str(&format!("; {}/{} answered", sending.commands_done, plural(total, "command", "commands")));
        }
        if let Some(eta) = status.eta {
            text.push_str(&format!("; about {} left", time_left(eta)));
        }
        self.shared.stamped(&text);
    }
}

impl ClientObserver for Progress {
    fn request_sent(&self, request: &RequestInfo<'_>) {
        self.shared.live().request_sent(request.label, request.family, Instant::now());
    }

    fn retry_scheduled(&self, retry: &RetryInfo<'_>) {
        // A server-requested wait has its one countdown; our own backoff is told when it is long
        // (or always with --verbose, which also names the request).
        if retry.server_requested && !self.verbose {
            return;
        }
        if !self.verbose && retry.delay < Duration::from_secs(5) {
            return;
        }
        let what = if self.verbose { format!("request {}", retry.label) } else { "a request".to_string() };
        self.line(&format!(
            "{what} failed ({}); retrying in {} (attempt {} of {})",
            retry.reason,
            time_left(retry.delay),
            retry.failed_attempt + 1,
            retry.max_attempts
        ));
    }

    fn server_wait_started(&self, wait: Duration, reason: &RetryReason) {
        let why = server_wait_reason(reason);
        let announced = self.shared.live().server_wait(wait, why.clone(), Instant::now());
        if let Some(wait) = announced {
            self.announce(&format!("UMAPI asked to wait ({why}): waiting {}", time_left(wait)));
        }
    }

    fn pacing_wait(&self, wait: &PacingWait) {
        let announced = self.shared.live().pacing_wait(wait, Instant::now());
        if let Some(left) = announced {
            let (one, many) = live::nouns(wait.family);
            self.announce(&format!(
                "waiting {} for the rate limit ({}; self-paced, not an error)",
                time_left(left),
                rate(wait.limit, wait.window, one, many)
            ));
        }
    }

    fn read_progress(&self, progress: &ReadProgress<'_>) {
        let pages = progress.page_count.map_or_else(
            || format!("page {}", progress.pages_read),
            |count| format!("page {} of {count}", progress.pages_read),
        );
        let detail = format!("{}: {pages}, {} so far", progress.what, progress.items);
        if self.mode == Mode::Lines && self.verbose {
            self.shared.stamped(&detail);
        }
        self.shared.live().set_detail(detail);
    }
}

impl Observer for Progress {
    fn run_started(&self, batches: usize, commands: usize, known: usize) {
        let (estimate, limit) = {
            let mut live = self.shared.live();
            live.run_started(batches, commands, known);
            (live.status(Instant::now()).eta, live.action_rate())
        };
        match self.mode {
            Mode::Bars => {
                let all = u64::try_from(commands + known).unwrap_or(u64::MAX);
                let bar = self.multi.add(ProgressBar::new(all));
                bar.set_style(self.style("{spinner} sending  [{bar:30}] {pos}/{len} commands  {status}"));
                bar.set_position(u64::try_from(known).unwrap_or(u64::MAX));
                bar.enable_steady_tick(Duration::from_millis(120));
                self.replace_bar(Some(bar));
            }
            Mode::Lines => {
                let mut text = format!(
                    "sending {} ({})",
                    plural(batches, "request", "requests"),
                    plural(commands, "command", "commands")
                );
                if known > 0 {
                    text.push_str(&format!("; {} answered before", plural(known, "command was", "commands were")));
                }
                match (estimate, limit) {
                    (Some(eta), Some(limit)) => text.push_str(&format!("; about {} at {limit}", time_left(eta))),
                    (Some(eta), None) => text.push_str(&format!("; about {} (no rate limit)", time_left(eta))),
                    (None, _) => {}
                }
                self.shared.stamped(&text);
            }
            Mode::Silent => {}
        }
    }

    fn batch_finished(&self, batch: &Batch, outcomes: &[CommandOutcome]) {
        if outcomes.iter().all(|outcome| matches!(outcome, CommandOutcome::NotAttempted { .. })) {
            return;
        }
        let failed = outcomes.iter().filter(|outcome| matches!(outcome, CommandOutcome::Failed { .. })).count();
        let count = |value: usize| u64::try_from(value).unwrap_or(u64::MAX);
        let line = {
            let mut live = self.shared.live();
            live.batch_finished(&batch.id, count(outcomes.len()), count(failed), Instant::now());
            let status = live.status(Instant::now());
            if let Some(bar) = self.bar() {
                bar.set_position(status.sending.map_or(0, |sending| sending.commands_done));
            }
            let last = status.sending.is_some_and(|sending| sending.requests_done == sending.requests_total);
            (self.mode == Mode::Lines && (self.verbose || last)).then(|| status.line())
        };
        if let Some(line) = line {
            self.shared.stamped(&line);
        }
    }

    fn settling(&self, what: &str) {
        self.line(&format!("packed steps: {what}"));
    }

    fn batches_added(&self, batches: usize, commands: usize) {
        let total = {
            let mut live = self.shared.live();
            live.batches_added(batches, commands);
            live.status(Instant::now()).sending.map(|sending| sending.commands_total)
        };
        if let (Some(bar), Some(total)) = (self.bar(), total) {
            bar.set_length(total);
        }
    }

    fn stopping(&self, why: &str) {
        self.line(&format!("stopping: {why}"));
    }

    fn parked(&self, resume_after: OffsetDateTime, wait: Duration) {
        self.line(&format!(
            "parking the run: UMAPI asked to wait {} (until {}), longer than --max-wait",
            time_left(wait),
            rfc3339_seconds(resume_after)
        ));
    }
}

impl Drop for Progress {
    fn drop(&mut self) {
        let _guard = self.shared.last_line.lock();
        self.shared.ended.store(true, Ordering::Relaxed);
        drop(_guard);
        self.replace_bar(None);
        let _ = self.multi.clear();
    }
}

/// The answer that asked for a server wait, in words: `HTTP 429: too many requests`.
fn server_wait_reason(reason: &RetryReason) -> String {
    match reason {
        RetryReason::Status(429) => "HTTP 429: too many requests".to_string(),
        RetryReason::Status(503) => "HTTP 503: service unavailable".to_string(),
        other => other.to_string(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_server_wait_names_the_answer_that_asked_for_it() {
        assert_eq!(server_wait_reason(&RetryReason::Status(503)), "HTTP 503: service unavailable");
        assert_eq!(server_wait_reason(&RetryReason::Status(429)), "HTTP 429: too many requests");
        assert_eq!(server_wait_reason(&RetryReason::Status(502)), "HTTP 502");
    }
}
