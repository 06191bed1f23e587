//! Pacing: a per-family sliding-window limiter ([`SlidingWindow`]) and the shared 429 pause
//! ([`Pause`]), as UMAPI.md D "throttling" requires.
//!
//! The simulator (and, by its documentation, UMAPI) refuses a request when N requests were
//! accepted in the previous window. The limiter therefore allows a burst of N when the window is
//! empty, then one more each time the oldest request leaves the window, and never N+1 in any
//! window. governor does not fit: it is a GCRA, which spaces requests evenly (burst 1: safe but up
//! to a minute lost per run) or lets 2N−1 through in the first window (burst N: 429s). A small
//! sliding log does exactly what the server counts, so that is what this file implements.
//!
//! A request's place in the log is stamped when its answer (or failure) returns, not when it is
//! sent: the server counts arrival times, which lie somewhere between the two, so the completion
//! time is the one that can never be too early. This costs one round-trip per window (50 ms in a
//! minute) and makes a burst of N safe under any scheduling jitter. While a request is in flight it
//! counts as inside the window.
//!
//! Time is `tokio::time::Instant`, so tests drive the limiter with tokio's paused clock; the window
//! bookkeeping ([`WindowLog`]) is pure and takes `now` as an argument. This file must not know
//! about HTTP or retries.

use std::collections::VecDeque;
use std::sync::{Arc, Mutex, MutexGuard};
use std::time::Duration;

use tokio::sync::Notify;
use tokio::time::Instant;

use crate::umapi::cancel::CancelToken;

/// The sliding log of one family: who is in the window, in flight or recently completed.
#[derive(Debug, Default)]
pub struct WindowLog {
    entries: VecDeque<Entry>,
    next_id: u64,
}

#[derive(Debug)]
struct Entry {
    id: u64,
    /// `None` while in flight; the completion time after.
    completed: Option<Instant>,
}

/// Why a slot is not free now.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Busy {
    /// The oldest completed request leaves the window at this moment.
    Until(Instant),
    /// Every slot is held by a request in flight; wait for one to complete.
    InFlight,
}

impl WindowLog {
    /// Takes a slot if fewer than `limit` requests are in the window at `now`; returns its id.
    pub fn try_acquire(&mut self, now: Instant, limit: usize, window: Duration) -> Result<u64, Busy> {
        self.entries.retain(|entry| entry.completed.is_none_or(|completed| completed + window > now));
        if self.entries.len() < limit {
            let id = self.next_id;
            self.next_id += 1;
            self.entries.push_back(Entry { id, completed: None });
            return Ok(id);
        }
        match self.entries.iter().filter_map(|entry| entry.completed).min() {
            Some(oldest) => Err(Busy::Until(oldest + window)),
            None => Err(Busy::InFlight),
        }
    }

    /// Stamps slot `id` as completed at `now`; it leaves the window at `now + window`.
    pub fn complete(&mut self, id: u64, now: Instant) {
        if let Some(entry) = self.entries.iter_mut().find(|entry| entry.id == id) {
            entry.completed = Some(now);
        }
    }

    /// Gives slot `id` back unused (nothing was sent).
    pub fn release(&mut self, id: u64) {
        self.entries.retain(|entry| entry.id != id);
    }

    /// Requests in the window at `now` (in flight included).
    pub fn occupancy(&self, now: Instant, window: Duration) -> usize {
        self.entries.iter().filter(|entry| entry.completed.is_none_or(|completed| completed + window > now)).count()
    }
}

/// A sliding-window limiter for one endpoint family: at most `limit` requests in any `window`.
#[derive(Debug)]
pub struct SlidingWindow {
    limit: usize,
    window: Duration,
    log: Mutex<WindowLog>,
    changed: Notify,
}

impl SlidingWindow {
    /// A limiter of `limit` requests per `window`; `limit == 0` means no limit.
    pub fn new(limit: u32, window: Duration) -> Arc<Self> {
        Arc::new(Self {
            limit: usize::try_from(limit).unwrap_or(usize::MAX),
            window,
            log: Mutex::new(WindowLog::default()),
            changed: Notify::new(),
        })
    }

    /// The configured limit (0: none).
    pub fn limit(&self) -> usize {
        self.limit
    }

    fn log(&self) -> MutexGuard<'_, WindowLog> {
        // A poisoned lock only means another task panicked mid-update of plain bookkeeping.
        self.log.lock().unwrap_or_else(|poisoned| poisoned.into_inner())
    }

    /// The window's length.
    pub fn window(&self) -> Duration {
        self.window
    }

    /// Waits for a slot. `None` when `stop` fires first (nothing may be sent then).
    pub async fn acquire(self: &Arc<Self>, stop: &CancelToken) -> Option<Permit> {
        self.acquire_reporting(stop, |_| {}).await
    }

    /// Like [`acquire`](Self::acquire), calling `waiting` each time it has to wait: with the time
    /// until a slot frees (`None` when every slot is held by a request in flight). A wait that ends
    /// at the moment already reported is not reported again.
    pub async fn acquire_reporting(
        self: &Arc<Self>,
        stop: &CancelToken,
        mut waiting: impl FnMut(Option<Duration>),
    ) -> Option<Permit> {
        if self.limit == 0 {
            return (!stop.is_cancelled()).then(|| Permit { window: None, id: 0 });
        }
        let mut reported: Option<Busy> = None;
        loop {
            if stop.is_cancelled() {
                return None;
            }
            let changed = self.changed.notified();
            tokio::pin!(changed);
            changed.as_mut().enable();
            let busy = match self.log().try_acquire(Instant::now(), self.limit, self.window) {
                Ok(id) => return Some(Permit { window: Some(Arc::clone(self)), id }),
                Err(busy) => busy,
            };
            if reported != Some(busy) {
                reported = Some(busy);
                let now = Instant::now();
                waiting(match busy {
                    Busy::Until(moment) => Some(moment.saturating_duration_since(now)),
                    Busy::InFlight => None,
                });
            }
            match busy {
                Busy::Until(moment) => tokio::select! {
                    () = tokio::time::sleep_until(moment) => {}
                    () = &mut changed => {}
                    () = stop.cancelled() => return None,
                },
                Busy::InFlight => tokio::select! {
                    () = &mut changed => {}
                    () = stop.cancelled() => return None,
                },
            }
        }
    }

    /// Requests in the window now (for tests and diagnostics).
    pub fn occupancy(&self) -> usize {
        self.log().occupancy(Instant::now(), self.window)
    }
}

/// A slot in a window. Dropping it stamps the request as completed now; call
/// [`release`](Permit::release) instead when nothing was sent.
#[derive(Debug)]
pub struct Permit {
    window: Option<Arc<SlidingWindow>>,
    id: u64,
}

impl Permit {
    /// Gives the slot back unused.
    pub fn release(mut self) {
        if let Some(window) = self.window.take() {
            window.log().release(self.id);
            window.changed.notify_waiters();
        }
    }
}

impl Drop for Permit {
    fn drop(&mut self) {
        if let Some(window) = self.window.take() {
            window.log().complete(self.id, Instant::now());
            window.changed.notify_waiters();
        }
    }
}

/// The shared "paused until" that a 429 sets and every worker respects before its next send.
#[derive(Debug, Default)]
pub struct Pause {
    until: Mutex<Option<Instant>>,
}

impl Pause {
    /// Pauses everyone until `until` (a later pause wins over an earlier one).
    pub fn extend(&self, until: Instant) {
        let mut current = self.until.lock().unwrap_or_else(|poisoned| poisoned.into_inner());
        if current.is_none_or(|current| current < until) {
            *current = Some(until);
        }
    }

    /// How long the pause still lasts at `now`, if it does.
    pub fn remaining(&self, now: Instant) -> Option<Duration> {
        let current = self.until.lock().unwrap_or_else(|poisoned| poisoned.into_inner());
        current.and_then(|until| until.checked_duration_since(now)).filter(|left| !left.is_zero())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const WINDOW: Duration = Duration::from_secs(60);

    #[test]
    fn the_log_allows_a_burst_then_one_per_leaving_request() {
        let start = Instant::now();
        let mut log = WindowLog::default();
        let ids: Vec<u64> = (0..3).filter_map(|_| log.try_acquire(start, 3, WINDOW).ok()).collect();
        assert_eq!(ids.len(), 3);
        assert_eq!(log.try_acquire(start, 3, WINDOW), Err(Busy::InFlight));
        log.complete(ids[0], start + Duration::from_millis(50));
        log.complete(ids[1], start + Duration::from_millis(70));
        assert_eq!(log.try_acquire(start, 3, WINDOW), Err(Busy::Until(start + Duration::from_millis(50) + WINDOW)));
        assert!(
            log.try_acquire(start + Duration::from_millis(50) + WINDOW - Duration::from_nanos(1), 3, WINDOW).is_err()
        );
        assert!(log.try_acquire(start + Duration::from_millis(50) + WINDOW, 3, WINDOW).is_ok());
        assert!(log.try_acquire(start + Duration::from_millis(50) + WINDOW, 3, WINDOW).is_err());
        log.release(ids[2]);
        assert!(log.try_acquire(start + Duration::from_millis(50) + WINDOW, 3, WINDOW).is_ok());
    }

    #[tokio::test(start_paused = true)]
    async fn never_more_than_the_limit_in_any_window_yet_the_whole_allowance_is_used() {
        let limiter = SlidingWindow::new(10, WINDOW);
        let stop = CancelToken::new();
        let start = Instant::now();
        let latency = Duration::from_millis(50);
        let mut sends = Vec::new();
        let mut tasks = tokio::task::JoinSet::new();
        for _ in 0..25 {
            let limiter = Arc::clone(&limiter);
            let stop = stop.clone();
            tasks.spawn(async move {
                let permit = limiter.acquire(&stop).await?;
                let sent = Instant::now();
                tokio::time::sleep(latency).await;
                drop(permit);
                Some(sent)
            });
        }
        while let Some(joined) = tasks.join_next().await {
            if let Ok(Some(sent)) = joined {
                sends.push(sent - start);
            }
        }
        sends.sort();
        assert_eq!(sends.len(), 25);
        // A burst of 10 at once, then 10 as the first ten leave (completion + window), then 5.
        assert!(sends[..10].iter().all(|sent| *sent == Duration::ZERO), "{sends:?}");
        assert!(sends[10..20].iter().all(|sent| *sent == WINDOW + latency), "{sends:?}");
        assert!(sends[20..].iter().all(|sent| *sent == 2 * (WINDOW + latency)), "{sends:?}");
        for (index, sent) in sends.iter().enumerate().skip(10) {
            assert!(*sent >= sends[index - 10] + WINDOW + latency);
        }
    }

    #[tokio::test(start_paused = true)]
    async fn a_limit_of_zero_never_waits_and_stop_ends_a_wait() {
        let unlimited = SlidingWindow::new(0, WINDOW);
        let stop = CancelToken::new();
        for _ in 0..1000 {
            assert!(unlimited.acquire(&stop).await.is_some());
        }
        let limiter = SlidingWindow::new(1, WINDOW);
        let held = limiter.acquire(&stop).await;
        assert!(held.is_some());
        let waiter = {
            let limiter = Arc::clone(&limiter);
            let stop = stop.clone();
            tokio::spawn(async move { limiter.acquire(&stop).await.is_some() })
        };
        tokio::time::sleep(Duration::from_secs(1)).await;
        stop.cancel();
        assert_eq!(waiter.await.ok(), Some(false));
        assert!(unlimited.acquire(&stop).await.is_none());
    }

    #[tokio::test(start_paused = true)]
    async fn a_released_permit_frees_its_slot_at_once() {
        let limiter = SlidingWindow::new(1, WINDOW);
        let stop = CancelToken::new();
        let first = limiter.acquire(&stop).await;
        let second = {
            let limiter = Arc::clone(&limiter);
            let stop = stop.clone();
            tokio::spawn(async move { limiter.acquire(&stop).await.map(|_| Instant::now()) })
        };
        let released_at = Instant::now();
        if let Some(permit) = first {
            permit.release();
        }
        assert_eq!(second.await.ok().flatten(), Some(released_at));
    }

    #[tokio::test(start_paused = true)]
    async fn a_wait_for_a_slot_is_reported_once_with_the_time_left() {
        let limiter = SlidingWindow::new(1, WINDOW);
        let stop = CancelToken::new();
        let mut reports = Vec::new();
        let first = limiter.acquire_reporting(&stop, |wait| reports.push(wait)).await;
        assert!(reports.is_empty(), "a free slot is no wait");
        tokio::time::sleep(Duration::from_secs(1)).await;
        drop(first);
        let started = Instant::now();
        let second = limiter.acquire_reporting(&stop, |wait| reports.push(wait)).await;
        assert!(second.is_some());
        assert_eq!(reports, vec![Some(WINDOW)], "one report, with the whole window left");
        assert_eq!(Instant::now() - started, WINDOW);
    }

    #[test]
    fn the_pause_keeps_the_latest_moment() {
        let now = Instant::now();
        let pause = Pause::default();
        assert_eq!(pause.remaining(now), None);
        pause.extend(now + Duration::from_secs(5));
        pause.extend(now + Duration::from_secs(2));
        assert_eq!(pause.remaining(now), Some(Duration::from_secs(5)));
        assert_eq!(pause.remaining(now + Duration::from_secs(6)), None);
    }
}
