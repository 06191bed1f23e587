//! What the progress display says at one moment, as plain data ([`Status`]), and its two
//! renderings: the message beside a bar on a terminal ([`Status::bar_message`]) and a plain line for
//! logs ([`Status::line`], stamped by the caller). Pure: no clock, no terminal, so every wording is
//! pinned by unit tests.
//!
//! The wording rules (issue 15): a wait says whose it is — our own rate limit (self-paced, with the
//! limit as people say it) or the server's request (with the answer that asked) — and how long it
//! has left; the time left of the run comes from the plan and the limits, and is never `0 s` while
//! something is still to come; no internal ids; counts with their nouns.

use std::time::Duration;

use crate::text::{plural, time_left};

/// The display at one moment.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub(crate) struct Status {
    /// What the command is doing: `reading the org`, `sending`, `reading licence status`.
    pub(crate) phase: String,
    /// More about it, for reads: `users: page 3 of 5, 4000 so far`.
    pub(crate) detail: Option<String>,
    /// Counts of the sending phase.
    pub(crate) sending: Option<Sending>,
    /// The wait under way, if any.
    pub(crate) wait: Option<Wait>,
    /// Time left until every request is answered (sending phase only).
    pub(crate) eta: Option<Duration>,
}

/// Counts of the sending phase.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub(crate) struct Sending {
    /// Commands answered (earlier segments of a resumed run included).
    pub(crate) commands_done: u64,
    /// Commands in the run.
    pub(crate) commands_total: u64,
    /// Commands that failed.
    pub(crate) failed: u64,
    /// Requests answered in this process.
    pub(crate) requests_done: u64,
    /// Requests this process sends.
    pub(crate) requests_total: u64,
}

/// A wait under way.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) enum Wait {
    /// The client paces itself to the configured limits.
    RateLimit {
        /// Until the next slot frees; `None` when every slot is held by a request in flight.
        left: Option<Duration>,
        /// The limit as people say it: `10 action requests a minute`.
        rate: String,
    },
    /// The server asked for it (Retry-After, a 429).
    Server {
        /// Time left.
        left: Duration,
        /// The answer that asked: `HTTP 429: too many requests`.
        why: String,
    },
}

impl Wait {
    /// `waiting for the rate limit (10 action requests a minute): next request in 42 s`.
    pub(crate) fn text(&self) -> String {
        match self {
            Self::RateLimit { left: Some(left), rate } => {
                format!("waiting for the rate limit ({rate}): next request in {}", time_left(*left))
            }
            Self::RateLimit { left: None, rate } => {
                format!("waiting for the rate limit ({rate}): for an answer to free a slot")
            }
            Self::Server { left, why } => format!("UMAPI asked to wait ({why}): {} left", time_left(*left)),
        }
    }
}

impl Status {
    /// The message beside the bar (the bar shows the commands answered):
    /// `waiting for the rate limit (...): next request in 42 s · 2 failed · about 4 min 10 s left`.
    pub(crate) fn bar_message(&self) -> String {
        let mut parts = Vec::new();
        if self.sending.is_none() {
            parts.push(match &self.detail {
                Some(detail) => format!("{}: {detail}", self.phase),
                None => self.phase.clone(),
            });
        }
        if let Some(wait) = &self.wait {
            parts.push(wait.text());
        }
        if let Some(sending) = self.sending.filter(|sending| sending.failed > 0) {
            parts.push(format!("{} failed", sending.failed));
        }
        if let Some(eta) = self.eta {
            parts.push(format!("about {} left", time_left(eta)));
        }
        parts.join(" · ")
    }

    /// A line for logs: `sending: 40/100 commands answered (4 of 10 requests), 0 failed; waiting
    /// for the rate limit (...): next request in 42 s; about 4 min 10 s left`.
    pub(crate) fn line(&self) -> String {
        let mut parts = vec![match (&self.sending, &self.detail) {
            (Some(sending), _) => format!(
                "{}: {}/{} answered ({} of {}), {} failed",
                self.phase,
                sending.commands_done,
                plural(usize::try_from(sending.commands_total).unwrap_or(usize::MAX), "command", "commands"),
                sending.requests_done,
                plural(usize::try_from(sending.requests_total).unwrap_or(usize::MAX), "request", "requests"),
                sending.failed
            ),
            (None, Some(detail)) => format!("{}: {detail}", self.phase),
            (None, None) => self.phase.clone(),
        }];
        if let Some(wait) = &self.wait {
            parts.push(wait.text());
        }
        if let Some(eta) = self.eta {
            parts.push(format!("about {} left", time_left(eta)));
        }
        parts.join("; ")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn sending(done: u64, failed: u64) -> Status {
        Status {
            phase: "sending".into(),
            sending: Some(Sending {
                commands_done: done * 10,
                commands_total: 100,
                failed,
                requests_done: done,
                requests_total: 10,
            }),
            ..Status::default()
        }
    }

    #[test]
    fn a_self_paced_wait_says_so_with_the_limit_and_the_time_left() {
        let status = Status {
            wait: Some(Wait::RateLimit {
                left: Some(Duration::from_millis(41_200)),
                rate: "10 action requests a minute".into(),
            }),
            eta: Some(Duration::from_millis(249_300)),
            ..sending(4, 0)
        };
        assert_eq!(
            status.bar_message(),
            "waiting for the rate limit (10 action requests a minute): next request in 42 s · about 4 min 10 s left"
        );
        assert_eq!(
            status.line(),
            "sending: 40/100 commands answered (4 of 10 requests), 0 failed; waiting for the rate limit (10 action \
             requests a minute): next request in 42 s; about 4 min 10 s left"
        );
    }

    #[test]
    fn a_server_wait_is_one_countdown_without_ids_and_the_eta_is_never_zero_during_it() {
        let status = Status {
            wait: Some(Wait::Server { left: Duration::from_millis(9_400), why: "HTTP 429: too many requests".into() }),
            eta: Some(Duration::from_millis(10_100)),
            ..sending(9, 2)
        };
        let message = status.bar_message();
        assert_eq!(
            message,
            "UMAPI asked to wait (HTTP 429: too many requests): 10 s left · 2 failed · about 11 s left"
        );
        assert!(!message.contains("b0"), "no internal batch ids: {message}");
        let tiny = Status { eta: Some(Duration::from_millis(1)), ..sending(10, 0) };
        assert_eq!(tiny.bar_message(), "about 1 s left");
    }

    #[test]
    fn reads_show_their_phase_detail_and_waits() {
        let status = Status {
            phase: "reading the org".into(),
            detail: Some("users: page 3 of 5, 4000 so far".into()),
            wait: Some(Wait::RateLimit { left: None, rate: "25 user reads a minute".into() }),
            ..Status::default()
        };
        assert_eq!(
            status.bar_message(),
            "reading the org: users: page 3 of 5, 4000 so far · waiting for the rate limit (25 user reads a \
             minute): for an answer to free a slot"
        );
        assert_eq!(
            Status { phase: "reading licence status".into(), ..Status::default() }.line(),
            "reading licence status"
        );
        let one = Status {
            sending: Some(Sending {
                commands_done: 3,
                commands_total: 3,
                requests_done: 1,
                requests_total: 1,
                failed: 1,
            }),
            phase: "sending".into(),
            ..Status::default()
        };
        assert_eq!(one.line(), "sending: 3/3 commands answered (1 of 1 request), 1 failed");
        let single = Status {
            sending: Some(Sending {
                commands_done: 1,
                commands_total: 1,
                requests_done: 1,
                requests_total: 1,
                failed: 0,
            }),
            phase: "sending".into(),
            ..Status::default()
        };
        assert_eq!(single.line(), "sending: 1/1 command answered (1 of 1 request), 0 failed");
    }
}
