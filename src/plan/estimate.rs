//! How long a plan will take under the configured rate limits (SPEC 8 "throttle honesty"). The
//! client sends a burst of N when the window is empty and one more each time the oldest send leaves
//! it (UMAPI.md D "throttling"), so R requests at N per window take `(ceil(R/N) − 1)` windows plus
//! the time to send the last wave.

use std::time::Duration;

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

#[cfg(test)]
mod tests {
    use super::*;

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
