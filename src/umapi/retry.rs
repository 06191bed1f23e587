//! The one retry policy: how an attempt's result is classified ([`classify`]), how long to wait
//! before the next attempt ([`RetryPolicy::decide`]), and how `Retry-After` is read
//! ([`parse_retry_after`]). The client's request loop and the IMS token fetch both use it; nothing
//! else decides whether to retry.
//!
//! Transient (retried): HTTP 429, 502, 503, 504; a timeout; a refused or broken connection; a 200
//! whose body cannot be read or parsed, or that fails the consistency checks of `umapi::answer`
//! (the request may have been applied; every command is idempotent, UMAPI.md D "unknown outcome",
//! so re-sending it as is, is safe). 401 is its own
//! class (the caller renews the token once). Everything else is fatal: other 4xx, and 500 and the
//! remaining 5xx, which umapi-client does not retry either (UMAPI.md 3c).
//!
//! Waits: `Retry-After` (delta-seconds or HTTP date) wins when present and positive; otherwise
//! exponential backoff with full jitter, uniform in `[0, min(cap, base · 2^(n-1))]` after the n-th
//! failed attempt. Defaults: base 5 s, cap 60 s. umapi-client waits 15 s, 30 s, 60 s (+0–5 s)
//! because it paces nothing; here the sliding-window limiter keeps us under the documented rates
//! and a 429 pauses every worker, so the backoff only has to ride out short gateway errors, and
//! full jitter (mean 2.5 s, 5 s, 10 s) keeps concurrent workers from retrying in lock-step. A wait
//! longer than `max_wait` parks the run instead of sleeping. Tests shrink base and cap with
//! [`RetryPolicy::with_timing`]; this file only computes durations, it never sleeps.

use std::time::{Duration, SystemTime};

use crate::umapi::config::Limits;
use crate::umapi::observe::RetryReason;

/// Default backoff base: the ceiling of the first jittered wait.
pub const DEFAULT_BACKOFF_BASE: Duration = Duration::from_secs(5);
/// Default backoff cap: no jittered wait exceeds it.
pub const DEFAULT_BACKOFF_CAP: Duration = Duration::from_secs(60);

/// What one attempt produced, as far as the policy cares.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum AttemptResult {
    /// An HTTP answer (body already read), with its `Retry-After` header if any.
    Status {
        /// The HTTP status.
        status: u16,
        /// The raw `Retry-After` value.
        retry_after: Option<String>,
    },
    /// No answer within the request timeout (the request may have been applied).
    Timeout,
    /// The connection could not be established: nothing was sent.
    Refused(String),
    /// The connection broke before a complete answer (the request may have been applied).
    Broken(String),
    /// A success status whose body could not be parsed.
    BadBody(String),
    /// A success status whose body parsed but failed the consistency checks (`umapi::answer`): what
    /// UMAPI did is unknown, and the request may have been applied.
    Inconsistent(String),
}

/// The class of an attempt's result.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Verdict {
    /// Use the answer.
    Success,
    /// Try again, after the server's `Retry-After` if given.
    Transient {
        /// Why.
        reason: RetryReason,
        /// The server's requested wait, when it sent a usable `Retry-After`.
        retry_after: Option<Duration>,
    },
    /// 401: renew the token once and re-send.
    Unauthorized,
    /// Do not retry.
    Fatal {
        /// The HTTP status.
        status: u16,
    },
}

/// Classifies one attempt's result. `now` is the wall clock, for HTTP-date `Retry-After`.
pub fn classify(result: &AttemptResult, now: SystemTime) -> Verdict {
    match result {
        AttemptResult::Status { status, retry_after } => match status {
            200..=299 => Verdict::Success,
            401 => Verdict::Unauthorized,
            429 | 502 | 503 | 504 => Verdict::Transient {
                reason: RetryReason::Status(*status),
                retry_after: retry_after.as_deref().and_then(|value| parse_retry_after(value, now)),
            },
            _ => Verdict::Fatal { status: *status },
        },
        AttemptResult::Timeout => Verdict::Transient { reason: RetryReason::Timeout, retry_after: None },
        AttemptResult::Refused(detail) | AttemptResult::Broken(detail) => {
            Verdict::Transient { reason: RetryReason::Connection(detail.clone()), retry_after: None }
        }
        AttemptResult::BadBody(detail) => {
            Verdict::Transient { reason: RetryReason::BadBody(detail.clone()), retry_after: None }
        }
        AttemptResult::Inconsistent(detail) => {
            Verdict::Transient { reason: RetryReason::Inconsistent(detail.clone()), retry_after: None }
        }
    }
}

/// The longest wait a server can ask for, as far as this client is concerned: a longer
/// `Retry-After` (`18446744073709551615`, `1e19`, a date in the year 9999) is read as this. It is
/// far beyond any sensible `max_wait`, so such a wait always parks the run, and small enough that
/// adding it to any clock reading ([`instant_after`], [`moment_after`]) cannot overflow.
pub const MAX_SERVER_WAIT: Duration = Duration::from_secs(100 * 366 * 24 * 3600);

/// Parses a `Retry-After` value: delta-seconds (`"38"`) or an HTTP date
/// (`"Tue, 24 Nov 2026 10:15:00 GMT"`). A date in the past gives zero. An HTTP date has one-second
/// resolution, so one second is added to a date in the future (never retry before the server's
/// moment because the fraction was cut off). Every wait saturates at [`MAX_SERVER_WAIT`], however
/// many digits the server sent. `None` for anything unreadable, negative or not a number.
pub fn parse_retry_after(value: &str, now: SystemTime) -> Option<Duration> {
    let value = value.trim();
    if !value.is_empty() && value.bytes().all(|byte| byte.is_ascii_digit()) {
        // Delta-seconds; more digits than a u64 holds is simply "very long".
        let seconds = value.parse::<u64>().unwrap_or(u64::MAX);
        return Some(Duration::from_secs(seconds).min(MAX_SERVER_WAIT));
    }
    if let Ok(seconds) = value.parse::<f64>() {
        if seconds.is_nan() || seconds < 0.0 {
            return None;
        }
        // Too large for a Duration (1e300, inf) saturates like a long delta-seconds.
        return Some(Duration::try_from_secs_f64(seconds).unwrap_or(MAX_SERVER_WAIT).min(MAX_SERVER_WAIT));
    }
    let date = httpdate::parse_http_date(value).ok()?;
    Some(match date.duration_since(now) {
        Ok(ahead) => ahead.saturating_add(Duration::from_secs(1)).min(MAX_SERVER_WAIT),
        Err(_) => Duration::ZERO,
    })
}

/// `now + wait` on the monotonic clock, saturating: a wait too long to add (only possible for a
/// wait beyond [`MAX_SERVER_WAIT`]) gives `now` plus [`MAX_SERVER_WAIT`], never a panic.
pub fn instant_after(now: tokio::time::Instant, wait: Duration) -> tokio::time::Instant {
    now.checked_add(wait)
        .or_else(|| now.checked_add(MAX_SERVER_WAIT))
        .or_else(|| now.checked_add(Duration::from_secs(365 * 24 * 3600)))
        .unwrap_or(now)
}

/// `now + wait` on the wall clock, saturating at the latest moment `time` represents (the end of
/// the year 9999), never a panic.
pub fn moment_after(now: time::OffsetDateTime, wait: Duration) -> time::OffsetDateTime {
    time::Duration::try_from(wait)
        .ok()
        .and_then(|wait| now.checked_add(wait))
        .unwrap_or_else(|| time::PrimitiveDateTime::MAX.assume_offset(now.offset()))
}

/// What to do after a transient failure.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Decision {
    /// Wait `delay`, then try again.
    Retry {
        /// How long.
        delay: Duration,
        /// Whether the delay is the server's `Retry-After`.
        server_requested: bool,
    },
    /// The required wait exceeds `max_wait`: stop starting requests; the run is resumable.
    Park {
        /// The wait the server asked for.
        wait: Duration,
    },
    /// Attempts are used up.
    GiveUp,
}

/// Attempts, backoff and the longest wait worth sleeping through.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct RetryPolicy {
    /// Attempts per request, the first included (≥ 1).
    pub max_attempts: u32,
    /// Ceiling of the first jittered backoff.
    pub base: Duration,
    /// Largest backoff ceiling.
    pub cap: Duration,
    /// Longest wait slept through; longer ones park the run.
    pub max_wait: Duration,
}

impl Default for RetryPolicy {
    fn default() -> Self {
        Self::from_limits(&Limits::default())
    }
}

impl RetryPolicy {
    /// The policy of the configured limits, with the default backoff.
    pub fn from_limits(limits: &Limits) -> Self {
        Self {
            max_attempts: limits.max_attempts.max(1),
            base: limits.backoff_base,
            cap: limits.backoff_cap.max(limits.backoff_base),
            max_wait: limits.max_wait,
        }
    }

    /// The same policy with another backoff base and cap (tests use milliseconds).
    pub fn with_timing(self, base: Duration, cap: Duration) -> Self {
        Self { base, cap, ..self }
    }

    /// The jittered backoff after the `failed_attempt`-th attempt failed (1-based); `random` is
    /// uniform in `[0, 1)`.
    pub fn backoff(&self, failed_attempt: u32, random: f64) -> Duration {
        let exponent = failed_attempt.saturating_sub(1).min(30);
        let ceiling = self.base.saturating_mul(1 << exponent).min(self.cap);
        ceiling.mul_f64(random.clamp(0.0, 1.0))
    }

    /// Decides what follows the `failed_attempt`-th attempt's transient failure. A server wait
    /// longer than `max_wait` parks even on the last attempt (the request was refused, not failed,
    /// and resuming later will send it); otherwise the last attempt gives up.
    pub fn decide(&self, failed_attempt: u32, retry_after: Option<Duration>, random: f64) -> Decision {
        let server_wait = retry_after.filter(|wait| !wait.is_zero());
        if let Some(wait) = server_wait
            && wait > self.max_wait
        {
            return Decision::Park { wait };
        }
        if failed_attempt >= self.max_attempts {
            return Decision::GiveUp;
        }
        match server_wait {
            Some(delay) => Decision::Retry { delay, server_requested: true },
            None => {
                let delay = self.backoff(failed_attempt, random).min(self.max_wait);
                Decision::Retry { delay, server_requested: false }
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn status(status: u16, retry_after: Option<&str>) -> AttemptResult {
        AttemptResult::Status { status, retry_after: retry_after.map(str::to_string) }
    }

    #[test]
    fn statuses_are_classified_as_umapi_documents() {
        let now = SystemTime::now();
        for code in [200, 201, 204] {
            assert_eq!(classify(&status(code, None), now), Verdict::Success);
        }
        for code in [429, 502, 503, 504] {
            assert!(matches!(classify(&status(code, None), now), Verdict::Transient { .. }), "{code}");
        }
        assert_eq!(classify(&status(401, None), now), Verdict::Unauthorized);
        for code in [400, 403, 404, 409, 500, 501, 301] {
            assert_eq!(classify(&status(code, None), now), Verdict::Fatal { status: code });
        }
    }

    #[test]
    fn transport_failures_are_transient() {
        let now = SystemTime::now();
        for result in [
            AttemptResult::Timeout,
            AttemptResult::Refused("refused".into()),
            AttemptResult::Broken("reset".into()),
            AttemptResult::BadBody("eof".into()),
        ] {
            assert!(matches!(classify(&result, now), Verdict::Transient { retry_after: None, .. }));
        }
    }

    #[test]
    fn retry_after_reads_seconds_and_http_dates() {
        let now = SystemTime::UNIX_EPOCH + Duration::from_secs(1_800_000_000);
        assert_eq!(parse_retry_after("38", now), Some(Duration::from_secs(38)));
        assert_eq!(parse_retry_after(" 0 ", now), Some(Duration::ZERO));
        let later = httpdate::fmt_http_date(now + Duration::from_secs(120));
        assert_eq!(parse_retry_after(&later, now), Some(Duration::from_secs(121)));
        let earlier = httpdate::fmt_http_date(now - Duration::from_secs(5));
        assert_eq!(parse_retry_after(&earlier, now), Some(Duration::ZERO));
        assert_eq!(parse_retry_after("soon", now), None);
        assert_eq!(parse_retry_after("-3", now), None);
        let verdict = classify(&status(429, Some("7")), now);
        assert_eq!(
            verdict,
            Verdict::Transient { reason: RetryReason::Status(429), retry_after: Some(Duration::from_secs(7)) }
        );
    }

    #[test]
    fn absurd_retry_after_values_saturate_and_garbage_is_ignored() {
        let now = SystemTime::UNIX_EPOCH + Duration::from_secs(1_800_000_000);
        for value in [
            "18446744073709551615",
            "18446744073709551616",
            "99999999999999999999999999999999",
            "1e19",
            "1e300",
            "inf",
            "Fri, 31 Dec 9999 23:59:59 GMT",
        ] {
            assert_eq!(parse_retry_after(value, now), Some(MAX_SERVER_WAIT), "{value}");
        }
        assert_eq!(parse_retry_after("300000000000", now), Some(MAX_SERVER_WAIT));
        assert_eq!(parse_retry_after("3000000000", now), Some(Duration::from_secs(3_000_000_000)));
        assert_eq!(parse_retry_after("2.5", now), Some(Duration::from_millis(2500)));
        for value in ["-3", "-1e19", "NaN", "", "   ", "soon", "12 s", "0x10", "Fri, 31 Dec 99999 23:59:59 GMT"] {
            assert_eq!(parse_retry_after(value, now), None, "{value:?}");
        }
    }

    #[test]
    fn clock_arithmetic_on_server_waits_saturates_instead_of_panicking() {
        let now = tokio::time::Instant::now();
        for wait in
            [Duration::MAX, Duration::from_secs(u64::MAX), MAX_SERVER_WAIT, Duration::from_secs(300_000_000_000)]
        {
            assert!(instant_after(now, wait) > now + Duration::from_secs(3600), "{wait:?}");
            let moment = moment_after(time::OffsetDateTime::now_utc(), wait);
            assert!(moment.year() >= 2100, "{wait:?}: {moment}");
        }
        assert_eq!(instant_after(now, Duration::from_secs(5)), now + Duration::from_secs(5));
        let start = time::macros::datetime!(2026-11-24 10:15:00 UTC);
        assert_eq!(moment_after(start, Duration::from_secs(60)), time::macros::datetime!(2026-11-24 10:16:00 UTC));
        assert_eq!(moment_after(start, Duration::MAX).year(), 9999);
    }

    #[test]
    fn backoff_is_full_jitter_doubling_up_to_the_cap() {
        let policy = RetryPolicy::default();
        assert_eq!(policy.backoff(1, 0.999_999).as_secs(), 4);
        assert_eq!(policy.backoff(1, 1.0), Duration::from_secs(5));
        assert_eq!(policy.backoff(2, 1.0), Duration::from_secs(10));
        assert_eq!(policy.backoff(3, 1.0), Duration::from_secs(20));
        assert_eq!(policy.backoff(10, 1.0), Duration::from_secs(60));
        assert_eq!(policy.backoff(3, 0.0), Duration::ZERO);
        assert_eq!(policy.backoff(3, 0.5), Duration::from_secs(10));
    }

    #[test]
    fn server_waits_win_and_long_ones_park() {
        let policy = RetryPolicy { max_attempts: 4, max_wait: Duration::from_secs(900), ..RetryPolicy::default() };
        assert_eq!(
            policy.decide(1, Some(Duration::from_secs(38)), 0.5),
            Decision::Retry { delay: Duration::from_secs(38), server_requested: true }
        );
        assert_eq!(
            policy.decide(1, Some(Duration::ZERO), 0.5),
            Decision::Retry { delay: Duration::from_millis(2500), server_requested: false }
        );
        assert_eq!(
            policy.decide(1, Some(Duration::from_secs(3244)), 0.5),
            Decision::Park { wait: Duration::from_secs(3244) }
        );
        assert_eq!(
            policy.decide(4, Some(Duration::from_secs(3244)), 0.5),
            Decision::Park { wait: Duration::from_secs(3244) }
        );
        assert_eq!(policy.decide(4, Some(Duration::from_secs(3)), 0.5), Decision::GiveUp);
        assert_eq!(policy.decide(4, None, 0.5), Decision::GiveUp);
    }

    #[test]
    fn the_test_switch_shrinks_backoff_but_not_server_waits() {
        let policy = RetryPolicy::default().with_timing(Duration::from_millis(2), Duration::from_millis(8));
        assert!(policy.backoff(9, 1.0) <= Duration::from_millis(8));
        assert_eq!(
            policy.decide(1, Some(Duration::from_secs(2)), 0.0),
            Decision::Retry { delay: Duration::from_secs(2), server_requested: true }
        );
    }
}
