//! Counters the client keeps while it works (requests, 429s, transient failures, token fetches) and
//! the wall time spent waiting, as a [`StatisticsSnapshot`]. The executor turns the difference of
//! two snapshots into a run's statistics; `summary.json` reports them.
//!
//! Waiting is measured as the union of waiting intervals ([`BusyTimer`]): four workers paused
//! together by one 429 count its duration once. This file only counts; it must not decide anything.

use std::sync::Mutex;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::Duration;

use tokio::time::Instant;

/// Measures the wall time during which at least one task was inside a guarded section.
#[derive(Debug, Default)]
pub struct BusyTimer {
    state: Mutex<BusyState>,
}

#[derive(Debug, Default)]
struct BusyState {
    active: usize,
    since: Option<Instant>,
    total: Duration,
}

impl BusyTimer {
    /// Enters a guarded section; leaving it is dropping the guard.
    pub fn enter(&self) -> BusyGuard<'_> {
        let mut state = self.state.lock().unwrap_or_else(|poisoned| poisoned.into_inner());
        if state.active == 0 {
            state.since = Some(Instant::now());
        }
        state.active += 1;
        BusyGuard { timer: self }
    }

    /// Time accumulated so far, the current busy stretch included.
    pub fn total(&self) -> Duration {
        let state = self.state.lock().unwrap_or_else(|poisoned| poisoned.into_inner());
        state.total + state.since.filter(|_| state.active > 0).map(|since| since.elapsed()).unwrap_or_default()
    }
}

/// Leaves the guarded section when dropped.
#[derive(Debug)]
pub struct BusyGuard<'a> {
    timer: &'a BusyTimer,
}

impl Drop for BusyGuard<'_> {
    fn drop(&mut self) {
        let mut state = self.timer.state.lock().unwrap_or_else(|poisoned| poisoned.into_inner());
        state.active = state.active.saturating_sub(1);
        if state.active == 0
            && let Some(since) = state.since.take()
        {
            state.total += since.elapsed();
        }
    }
}

/// The client's live counters.
#[derive(Debug, Default)]
pub struct ClientStatistics {
    /// HTTP requests sent to UMAPI (every attempt).
    pub requests_sent: AtomicU64,
    /// Of which action requests.
    pub action_requests_sent: AtomicU64,
    /// 429 answers.
    pub throttled: AtomicU64,
    /// Other transient failures.
    pub transient_failures: AtomicU64,
    /// Tokens fetched from IMS.
    pub token_requests: AtomicU64,
    /// Backoff and Retry-After waits.
    pub waited: BusyTimer,
    /// Of those, the waits the server asked for (Retry-After, the shared pause after a 429).
    pub server_waited: BusyTimer,
    /// Limiter waits (self-paced: the configured rate limits).
    pub paced: BusyTimer,
}

/// A copy of the counters at one moment.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, serde::Serialize)]
pub struct StatisticsSnapshot {
    /// HTTP requests sent to UMAPI (every attempt, reads and actions).
    pub requests_sent: u64,
    /// Of which action requests.
    pub action_requests_sent: u64,
    /// 429 answers received.
    pub throttled: u64,
    /// Other transient failures.
    pub transient_failures: u64,
    /// Tokens fetched from IMS.
    pub token_requests: u64,
    /// Wall time spent in backoff or server-requested waits.
    pub waited: Duration,
    /// Of which wall time spent in waits the server asked for (Retry-After, 429 pauses).
    pub server_waited: Duration,
    /// Wall time spent waiting for the limiter (self-paced).
    pub paced: Duration,
}

impl ClientStatistics {
    /// Adds one to a counter.
    pub fn bump(counter: &AtomicU64) {
        counter.fetch_add(1, Ordering::Relaxed);
    }

    /// The counters now.
    pub fn snapshot(&self) -> StatisticsSnapshot {
        StatisticsSnapshot {
            requests_sent: self.requests_sent.load(Ordering::Relaxed),
            action_requests_sent: self.action_requests_sent.load(Ordering::Relaxed),
            throttled: self.throttled.load(Ordering::Relaxed),
            transient_failures: self.transient_failures.load(Ordering::Relaxed),
            token_requests: self.token_requests.load(Ordering::Relaxed),
            waited: self.waited.total(),
            server_waited: self.server_waited.total(),
            paced: self.paced.total(),
        }
    }
}

impl StatisticsSnapshot {
    /// What happened between `earlier` and `self`.
    pub fn since(&self, earlier: &Self) -> Self {
        Self {
            requests_sent: self.requests_sent.saturating_sub(earlier.requests_sent),
            action_requests_sent: self.action_requests_sent.saturating_sub(earlier.action_requests_sent),
            throttled: self.throttled.saturating_sub(earlier.throttled),
            transient_failures: self.transient_failures.saturating_sub(earlier.transient_failures),
            token_requests: self.token_requests.saturating_sub(earlier.token_requests),
            waited: self.waited.saturating_sub(earlier.waited),
            server_waited: self.server_waited.saturating_sub(earlier.server_waited),
            paced: self.paced.saturating_sub(earlier.paced),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test(start_paused = true)]
    async fn overlapping_waits_count_once() {
        let timer = BusyTimer::default();
        {
            let _first = timer.enter();
            tokio::time::sleep(Duration::from_secs(2)).await;
            let _second = timer.enter();
            tokio::time::sleep(Duration::from_secs(3)).await;
        }
        tokio::time::sleep(Duration::from_secs(10)).await;
        {
            let _third = timer.enter();
            tokio::time::sleep(Duration::from_secs(1)).await;
        }
        assert_eq!(timer.total(), Duration::from_secs(6));
    }
}
