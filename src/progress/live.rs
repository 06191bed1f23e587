//! The live state behind the progress display: the phase, the counts of the sending phase, the
//! action requests still in the rate-limit window, the wait under way (self-paced or asked by the
//! server), and from them the [`Status`] at any moment, with the time left computed from the plan
//! and the limits (`plan::estimate::remaining_duration`), never from recent throughput.
//!
//! Every method takes `now`, so tests drive it with made-up instants; `progress` calls it with the
//! clock. No terminal here.

use std::collections::{HashMap, VecDeque};
use std::time::{Duration, Instant};

use super::status::{Sending, Status, Wait};
use crate::plan::estimate::{Pace, TYPICAL_LATENCY, remaining_duration};
use crate::text::rate;
use crate::umapi::observe::{Family, PacingWait};

/// A wait shorter than this is not announced on its own line.
const ANNOUNCED_WAIT: Duration = Duration::from_secs(1);

/// What the display knows.
#[derive(Debug, Default)]
pub(crate) struct Live {
    phase: Option<String>,
    detail: Option<String>,
    sending: Option<Sending>,
    /// The limits of the run (set by the command).
    pace: Option<Pace>,
    /// Action requests that reached the wire in this process and may still be in the window.
    action_sends: VecDeque<Instant>,
    /// Batches with a request on the wire, and when their latest attempt went out.
    on_the_wire: HashMap<String, Instant>,
    /// Batches that reached the wire at least once.
    batches_sent: u64,
    /// Answer time, averaged over the answers so far.
    latency: Option<Duration>,
    paced: Option<Paced>,
    server: Option<(Instant, String)>,
    /// Until when the last announced wait lasts (a new one is announced after it).
    announced_until: Option<Instant>,
}

#[derive(Clone, Debug)]
struct Paced {
    family: Family,
    /// When the next slot frees; `None` while every slot is held by a request in flight.
    until: Option<Instant>,
    limit: usize,
    window: Duration,
}

/// How people name a family's requests.
pub(crate) fn nouns(family: Family) -> (&'static str, &'static str) {
    match family {
        Family::Action => ("action request", "action requests"),
        Family::Users => ("user read", "user reads"),
        Family::Groups => ("group read", "group reads"),
    }
}

impl Live {
    /// The limits the time left is computed from.
    pub(crate) fn set_pace(&mut self, pace: Pace) {
        self.pace = Some(pace);
    }

    /// The action limit as people say it (`10 action requests a minute`), when there is one.
    pub(crate) fn action_rate(&self) -> Option<String> {
        let (one, many) = nouns(Family::Action);
        self.pace
            .filter(|pace| pace.action_rpm > 0)
            .map(|pace| rate(usize::try_from(pace.action_rpm).unwrap_or(usize::MAX), pace.window, one, many))
    }

    /// A new phase (`reading the org`); the sending counts end with the phase they belong to.
    pub(crate) fn start_phase(&mut self, name: &str) {
        self.phase = Some(name.to_string());
        self.detail = None;
        self.sending = None;
    }

    /// No phase.
    pub(crate) fn finish_phase(&mut self) {
        self.phase = None;
        self.detail = None;
        self.sending = None;
    }

    /// Whether a phase is under way.
    pub(crate) fn in_phase(&self) -> bool {
        self.phase.is_some()
    }

    /// Read progress of the current phase.
    pub(crate) fn set_detail(&mut self, detail: String) {
        self.detail = Some(detail);
    }

    /// The sending phase starts: `batches` requests for `commands` commands, `known` answered before.
    pub(crate) fn run_started(&mut self, batches: usize, commands: usize, known: usize) {
        let count = |value: usize| u64::try_from(value).unwrap_or(u64::MAX);
        self.phase = Some("sending".to_string());
        self.detail = None;
        self.sending = Some(Sending {
            commands_done: count(known),
            commands_total: count(commands + known),
            requests_total: count(batches),
            ..Sending::default()
        });
    }

    /// Follow-up requests joined the run (packed steps sent again): the totals grow.
    pub(crate) fn batches_added(&mut self, batches: usize, commands: usize) {
        let count = |value: usize| u64::try_from(value).unwrap_or(u64::MAX);
        if let Some(sending) = &mut self.sending {
            sending.commands_total = sending.commands_total.saturating_add(count(commands));
            sending.requests_total = sending.requests_total.saturating_add(count(batches));
        }
    }

    /// A request went on the wire.
    pub(crate) fn request_sent(&mut self, label: &str, family: Family, now: Instant) {
        if self.paced.as_ref().is_some_and(|paced| paced.family == family) {
            self.paced = None;
        }
        if family == Family::Action {
            self.action_sends.push_back(now);
            if self.on_the_wire.insert(label.to_string(), now).is_none() {
                self.batches_sent += 1;
            }
        }
    }

    /// A batch got its final outcomes (`attempted`: it reached the wire).
    pub(crate) fn batch_finished(&mut self, label: &str, commands: u64, failed: u64, now: Instant) {
        if let Some(sent) = self.on_the_wire.remove(label) {
            let sample = now.saturating_duration_since(sent);
            self.latency = Some(match self.latency {
                Some(latency) => latency.mul_f64(0.7) + sample.mul_f64(0.3),
                None => sample,
            });
        }
        if let Some(sending) = &mut self.sending {
            sending.commands_done += commands;
            sending.failed += failed;
            sending.requests_done += 1;
        }
    }

    /// A request waits for its rate limit. Returns the wait to announce on a line of its own: one
    /// of at least a second when no announced wait is still under way.
    pub(crate) fn pacing_wait(&mut self, wait: &PacingWait, now: Instant) -> Option<Duration> {
        let until = wait.wait.map(|left| now + left);
        let earlier = match (&self.paced, until) {
            (Some(current), Some(until)) if current.family == wait.family => {
                current.until.is_some_and(|current| current > now && current < until)
            }
            _ => false,
        };
        if !earlier {
            self.paced = Some(Paced { family: wait.family, until, limit: wait.limit, window: wait.window });
        }
        let left = wait.wait.filter(|left| *left >= ANNOUNCED_WAIT)?;
        self.announce(now, left)
    }

    /// The server asked a request to wait `wait` (`why`: the answer). Returns the wait to announce:
    /// one that ends more than a second after the one shown (every request of a 429 pause reports
    /// the same pause: it is shown once).
    pub(crate) fn server_wait(&mut self, wait: Duration, why: String, now: Instant) -> Option<Duration> {
        let until = now + wait;
        let shown = self.server.as_ref().is_some_and(|(current, _)| *current + ANNOUNCED_WAIT >= until);
        if shown {
            return None;
        }
        self.server = Some((until, why));
        self.announced_until = Some(until);
        Some(wait)
    }

    fn announce(&mut self, now: Instant, left: Duration) -> Option<Duration> {
        if self.announced_until.is_some_and(|until| until > now) {
            return None;
        }
        self.announced_until = Some(now + left);
        Some(left)
    }

    /// The wait under way at `now`: the server's first (it holds every request back), then ours.
    fn wait(&self, now: Instant) -> Option<Wait> {
        if let Some((until, why)) = &self.server
            && *until > now
        {
            return Some(Wait::Server { left: *until - now, why: why.clone() });
        }
        let paced = self.paced.as_ref()?;
        let left = match paced.until {
            Some(until) if until > now => Some(until - now),
            Some(_) => return None,
            None => None,
        };
        let (one, many) = nouns(paced.family);
        Some(Wait::RateLimit { left, rate: rate(paced.limit, paced.window, one, many) })
    }

    /// Time until every request of the sending phase is answered: the requests not yet sent, paced
    /// by the action limit from the requests still in its window, after any server pause.
    fn eta(&mut self, now: Instant) -> Option<Duration> {
        let sending = self.sending?;
        let pace = self.pace?;
        let latency = self.latency.unwrap_or(TYPICAL_LATENCY);
        let window = pace.window;
        while self.action_sends.front().is_some_and(|sent| *sent + latency + window <= now) {
            self.action_sends.pop_front();
        }
        let leaving: Vec<Duration> =
            self.action_sends.iter().map(|sent| (*sent + latency + window).saturating_duration_since(now)).collect();
        let not_before = self.server.as_ref().map_or(Duration::ZERO, |(until, _)| until.saturating_duration_since(now));
        let unsent = usize::try_from(sending.requests_total.saturating_sub(self.batches_sent)).unwrap_or(usize::MAX);
        if unsent > 0 {
            let concurrency = pace.concurrency.max(1);
            return Some(remaining_duration(
                unsent,
                &leaving,
                not_before,
                pace.action_rpm,
                window,
                latency,
                concurrency,
            ));
        }
        // Everything went out: the answers still to come.
        let oldest = self.on_the_wire.values().min()?;
        Some(not_before.max((*oldest + latency).saturating_duration_since(now)).max(Duration::from_millis(1)))
    }

    /// The display at `now`.
    pub(crate) fn status(&mut self, now: Instant) -> Status {
        Status {
            phase: self.phase.clone().unwrap_or_default(),
            detail: self.detail.clone(),
            sending: self.sending,
            wait: self.wait(now),
            eta: self.eta(now),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const MINUTE: Duration = Duration::from_secs(60);

    fn pace() -> Pace {
        Pace { action_rpm: 10, read_rpm: 25, window: MINUTE, concurrency: 4 }
    }

    fn action_wait(left: Duration) -> PacingWait {
        PacingWait { family: Family::Action, wait: Some(left), limit: 10, window: MINUTE }
    }

    /// A run of 30 requests at 10 a minute: ten answered in the first second, then the eleventh
    /// waits for the window.
    fn after_the_first_window_filled(start: Instant) -> Live {
        let mut live = Live::default();
        live.set_pace(pace());
        live.run_started(30, 300, 0);
        for index in 0..10 {
            let label = format!("b{index:05}");
            let sent = start + Duration::from_millis(100 * index);
            live.request_sent(&label, Family::Action, sent);
            live.batch_finished(&label, 10, 0, sent + Duration::from_millis(500));
        }
        live
    }

    #[test]
    fn the_time_left_comes_from_the_limits_and_holds_steady_through_a_wait() {
        let start = Instant::now();
        let mut live = after_the_first_window_filled(start);
        let at = |seconds: u64| start + Duration::from_secs(seconds);
        let announced = live.pacing_wait(&action_wait(Duration::from_millis(58_500)), at(2));
        assert_eq!(announced, Some(Duration::from_millis(58_500)));
        let status = live.status(at(2));
        assert!(
            matches!(&status.wait, Some(Wait::RateLimit { left: Some(left), rate })
                if *left == Duration::from_millis(58_500) && rate == "10 action requests a minute"),
            "{status:?}"
        );
        // 20 requests still to send: the window frees from about 60.5 s, two windows in all.
        let eta_early = status.eta.unwrap_or_default();
        assert!((Duration::from_secs(117)..Duration::from_secs(122)).contains(&eta_early), "{eta_early:?}");
        // Thirty seconds into the wait, the time left is thirty seconds less: it counts down
        // instead of swinging with the recent pace (which is zero during a wait).
        let eta_later = live.status(at(32)).eta.unwrap_or_default();
        assert_eq!(eta_early - eta_later, Duration::from_secs(30));
        // A second worker waiting for the same slot is not announced again.
        assert_eq!(live.pacing_wait(&action_wait(Duration::from_millis(58_000)), at(3)), None);
        // The slot frees and a request goes out: the wait is over.
        live.request_sent("b00010", Family::Action, at(61));
        assert_eq!(live.status(at(61)).wait, None);
    }

    #[test]
    fn a_server_pause_is_shown_once_and_keeps_the_time_left_above_it() {
        let start = Instant::now();
        let mut live = after_the_first_window_filled(start);
        let at = |seconds: u64| start + Duration::from_secs(seconds);
        let why = || "HTTP 429: too many requests".to_string();
        assert_eq!(live.server_wait(Duration::from_secs(10), why(), at(1)), Some(Duration::from_secs(10)));
        // The other workers report the same pause: no second countdown.
        assert_eq!(live.server_wait(Duration::from_millis(9_800), why(), at(1)), None);
        let status = live.status(at(5));
        assert_eq!(status.wait, Some(Wait::Server { left: Duration::from_secs(6), why: why() }));
        assert!(status.eta.unwrap_or_default() >= Duration::from_secs(6), "{status:?}");
        assert_eq!(live.status(at(12)).wait, None);
    }

    #[test]
    fn when_everything_is_sent_the_time_left_is_the_answers_still_to_come() {
        let start = Instant::now();
        let mut live = Live::default();
        live.set_pace(pace());
        live.run_started(1, 3, 0);
        live.request_sent("b00000", Family::Action, start);
        let eta = live.status(start + Duration::from_millis(200)).eta.unwrap_or_default();
        assert_eq!(eta, TYPICAL_LATENCY - Duration::from_millis(200));
        let late = live.status(start + Duration::from_secs(5)).eta.unwrap_or_default();
        assert!(late > Duration::ZERO, "never 0 while an answer is awaited");
    }
}
