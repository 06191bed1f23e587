//! How long a plan will take under the configured rate limits (SPEC 8 "throttle honesty"). The
//! client sends a burst of N when the window is empty and one more each time the oldest send leaves
//! it (UMAPI.md D "throttling"), so R requests at N per window take `(ceil(R/N) − 1)` windows plus
//! the time to send the last wave ([`family_duration`]). A run under way knows more: which requests
//! are still in the window and when they leave it, and whether the server paused it
//! ([`remaining_duration`], the ETA of the progress display: from the plan and the limits, never
//! from recent throughput, which swings from seconds to hours around a rate-limit wait).

use std::time::Duration;

/// Typical answer time of one UMAPI request, for estimates made before any answer came.
pub const TYPICAL_LATENCY: Duration = Duration::from_millis(700);

/// Request counts of a plan, by endpoint family.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, serde::Serialize)]
pub struct RequestCounts {
    /// Action requests.
    pub action: usize,
    /// User reads (users pages, single users, users by group).
    pub user_reads: usize,
    /// Group reads (catalogue pages).
    pub group_reads: usize,
}

/// The limits an estimate assumes: the action and user-read rates per window, and how many
/// requests are in flight at once.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Pace {
    /// Action requests per window (0: no limit).
    pub action_rpm: u32,
    /// User read requests per window (0: no limit).
    pub read_rpm: u32,
    /// The window.
    pub window: Duration,
    /// Requests in flight at once.
    pub concurrency: usize,
}

/// Estimated duration for `requests` at `per_window` per `window`, each taking about `latency`
/// with `concurrency` in flight. A limit of 0 means no limit.
pub fn family_duration(
    requests: usize,
    per_window: u32,
    window: Duration,
    latency: Duration,
    concurrency: usize,
) -> Duration {
    if requests == 0 {
        return Duration::ZERO;
    }
    let concurrency = concurrency.max(1);
    let per_window = per_window as usize;
    let (full_windows, last_wave) = if per_window == 0 {
        (0, requests)
    } else {
        let waves = requests.div_ceil(per_window);
        (waves - 1, requests - (waves - 1) * per_window)
    };
    let last_wave_time = latency * u32::try_from(last_wave.div_ceil(concurrency)).unwrap_or(u32::MAX);
    window * u32::try_from(full_windows).unwrap_or(u32::MAX) + last_wave_time
}

/// Estimated time from now until `requests` more are answered, at `per_window` per `window` (0: no
/// limit), `concurrency` in flight, each taking about `latency`. `leaving` holds, for each request
/// already in the window, the time until it leaves it; nothing can be sent before `not_before` (a
/// pause the server asked for). With nothing in the window and no pause this is
/// [`family_duration`].
pub fn remaining_duration(
    requests: usize,
    leaving: &[Duration],
    not_before: Duration,
    per_window: u32,
    window: Duration,
    latency: Duration,
    concurrency: usize,
) -> Duration {
    if requests == 0 {
        return Duration::ZERO;
    }
    let concurrency = concurrency.max(1);
    let tail = |wave: usize| latency * u32::try_from(wave.div_ceil(concurrency)).unwrap_or(u32::MAX);
    let per_window = per_window as usize;
    if per_window == 0 {
        return not_before + tail(requests);
    }
    // When each slot of the window is free: now for the empty ones, then as the requests in it
    // leave, oldest first; never before the pause ends.
    let mut in_window = leaving.to_vec();
    in_window.sort_unstable();
    let held = in_window.len().min(per_window);
    let free: Vec<Duration> = std::iter::repeat_n(Duration::ZERO, per_window - held)
        .chain(in_window[in_window.len() - held..].iter().copied())
        .map(|moment| moment.max(not_before))
        .collect();
    // Request k takes slot k mod N, one window after that slot's previous request.
    let last = requests - 1;
    let slot = last % per_window;
    let waves = u32::try_from(last / per_window).unwrap_or(u32::MAX);
    let sent = free[slot].saturating_add(window.saturating_mul(waves));
    let together = free[..=slot].iter().filter(|moment| **moment == free[slot]).count();
    sent.saturating_add(tail(together))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_remaining_time_follows_the_window_not_the_recent_pace() {
        let minute = Duration::from_secs(60);
        let latency = Duration::from_millis(500);
        // Nothing in the window, no pause: the plan's estimate.
        for requests in [1, 9, 10, 11, 25, 100] {
            assert_eq!(
                remaining_duration(requests, &[], Duration::ZERO, 10, minute, latency, 4),
                family_duration(requests, 10, minute, latency, 4),
                "{requests} requests"
            );
        }
        // The window is full: 10 sent over the last minute, the oldest leaving in 5 s. Three more
        // wait for the three oldest: 5, 10 and 15 s from now, then one answer.
        let leaving: Vec<Duration> = (1..=10).map(|n| Duration::from_secs(5 * n)).collect();
        assert_eq!(
            remaining_duration(3, &leaving, Duration::ZERO, 10, minute, latency, 4),
            Duration::from_secs(15) + latency
        );
        // Eleven more: ten as the window empties, the eleventh a window after the first of them.
        assert_eq!(
            remaining_duration(11, &leaving, Duration::ZERO, 10, minute, latency, 4),
            Duration::from_secs(5) + minute + latency
        );
        // A 30 s pause from the server comes first, whatever the window.
        assert_eq!(
            remaining_duration(1, &[], Duration::from_secs(30), 10, minute, latency, 4),
            Duration::from_secs(30) + latency
        );
        assert_eq!(remaining_duration(8, &[], Duration::ZERO, 0, minute, latency, 4), latency * 2);
        assert_eq!(remaining_duration(0, &leaving, Duration::from_secs(30), 10, minute, latency, 4), Duration::ZERO);
    }

    #[test]
    fn two_hundred_requests_at_one_hundred_per_minute_take_about_a_minute() {
        let estimate = family_duration(200, 100, Duration::from_secs(60), Duration::from_millis(50), 4);
        assert_eq!(estimate, Duration::from_secs(60) + Duration::from_millis(50) * 25);
        assert_eq!(
            family_duration(5, 10, Duration::from_secs(60), Duration::from_millis(100), 4),
            Duration::from_millis(200)
        );
        assert_eq!(family_duration(0, 10, Duration::from_secs(60), Duration::from_secs(1), 4), Duration::ZERO);
        assert_eq!(family_duration(30, 0, Duration::from_secs(60), Duration::from_secs(1), 10), Duration::from_secs(3));
    }
}
