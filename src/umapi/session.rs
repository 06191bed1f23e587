//! Adobe's sync session as the client keeps it (UMAPI.md 4b; docs/sessions.md): one session per
//! client, opened by `Pragma: umapi-sync-start` and closed by `Pragma: umapi-sync-end`, and the
//! sticky park that follows a wait longer than `max_wait`.
//!
//! The rules, each because Adobe throttles a client whose session starts while its previous one is
//! still open (user-sync #813):
//! - the start signal rides on every request until one carrying it is answered 2xx (a 504 or a
//!   lost answer opened nothing, so the retry carries it again);
//! - while no start has been answered, requests go one at a time ([`Session::admit`]): two starts
//!   in flight together would be a session starting inside another;
//! - the end signal rides on a request its caller marks as the command's last; a request marked so
//!   while the start is still unanswered carries both (`Pragma: umapi-sync-start, umapi-sync-end`,
//!   a list as RFC 9111 allows);
//! - once the end is answered 2xx the session is over, and later requests carry no signal;
//! - once the client parks (a server asked for a wait longer than `max_wait`), it sends nothing
//!   more, not even the end signal: a session block Adobe imposes has already closed the session,
//!   and any request would go into the throttled window ([`Parking`]);
//! - the process that resumes a parked run continues that run's session instead of starting one
//!   (the parked process could not end it, and a start inside it would draw the session block); it
//!   ends it after its last request ([`Session::continue_open`]).
//!
//! This file keeps state only; the request loop (`request.rs`) asks it what to send and tells it
//! what was answered. It must not send anything itself.

use std::sync::Mutex;
use std::time::Duration;

use time::OffsetDateTime;
use tokio::sync::{Mutex as AsyncMutex, OwnedMutexGuard};

use crate::umapi::cancel::CancelToken;
use crate::umapi::wire::{PRAGMA_SYNC_END, PRAGMA_SYNC_START};

/// Where the client's session is.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum SessionPhase {
    /// No request carrying the start signal has been answered 2xx yet.
    NotStarted,
    /// The start was answered; the end has not been.
    Open,
    /// The end was answered 2xx.
    Ended,
}

/// The signals one attempt carries, and the turn it holds while the start is unanswered.
#[derive(Debug)]
pub(crate) struct Signals {
    /// `umapi-sync-start`.
    pub(crate) start: bool,
    /// `umapi-sync-end`.
    pub(crate) end: bool,
    /// Held while a start is in flight, so that no other request goes out meanwhile.
    _turn: Option<OwnedMutexGuard<()>>,
}

impl Signals {
    /// The `Pragma` value, if the attempt carries a signal.
    pub(crate) fn pragma(&self) -> Option<&'static str> {
        match (self.start, self.end) {
            (true, true) => Some(PRAGMA_BOTH),
            (true, false) => Some(PRAGMA_SYNC_START),
            (false, true) => Some(PRAGMA_SYNC_END),
            (false, false) => None,
        }
    }
}

/// Both signals on one request (a command whose first request is also its last).
const PRAGMA_BOTH: &str = "umapi-sync-start, umapi-sync-end";

/// The client's session.
#[derive(Debug)]
pub(crate) struct Session {
    phase: Mutex<SessionPhase>,
    turn: std::sync::Arc<AsyncMutex<()>>,
}

impl Default for Session {
    fn default() -> Self {
        Self { phase: Mutex::new(SessionPhase::NotStarted), turn: std::sync::Arc::new(AsyncMutex::new(())) }
    }
}

impl Session {
    /// The phase now.
    pub(crate) fn phase(&self) -> SessionPhase {
        *self.phase.lock().unwrap_or_else(|poisoned| poisoned.into_inner())
    }

    /// The signals for the next attempt of a request (`last`: the caller's last request). While the
    /// start is unanswered this waits for its turn; `None` when `stop` fires while waiting.
    pub(crate) async fn admit(&self, last: bool, stop: &CancelToken) -> Option<Signals> {
        if self.phase() == SessionPhase::NotStarted {
            let turn = tokio::select! {
                turn = std::sync::Arc::clone(&self.turn).lock_owned() => turn,
                () = stop.cancelled() => return None,
            };
            // Another request may have opened the session while this one waited.
            if self.phase() == SessionPhase::NotStarted {
                return Some(Signals { start: true, end: last, _turn: Some(turn) });
            }
        }
        Some(Signals { start: false, end: last && self.phase() == SessionPhase::Open, _turn: None })
    }

    /// Takes the session as open without sending the start signal: the process continues a
    /// session an earlier process opened and could not end (a parked run being resumed).
    pub(crate) fn continue_open(&self) {
        let mut phase = self.phase.lock().unwrap_or_else(|poisoned| poisoned.into_inner());
        if *phase == SessionPhase::NotStarted {
            *phase = SessionPhase::Open;
        }
    }

    /// Records a 2xx answer to an attempt that carried `signals`.
    pub(crate) fn answered(&self, signals: &Signals) {
        let mut phase = self.phase.lock().unwrap_or_else(|poisoned| poisoned.into_inner());
        if signals.start && *phase == SessionPhase::NotStarted {
            *phase = SessionPhase::Open;
        }
        if signals.end && *phase == SessionPhase::Open {
            *phase = SessionPhase::Ended;
        }
    }
}

/// The sticky park: once a wait longer than `max_wait` was asked for, every later request of the
/// client ends at once with the same resume time, and nothing more is sent.
#[derive(Debug, Default)]
pub(crate) struct Parking {
    until: Mutex<Option<OffsetDateTime>>,
}

impl Parking {
    /// Parks until `resume_after` (a later time wins); returns the time in force.
    pub(crate) fn park(&self, resume_after: OffsetDateTime) -> OffsetDateTime {
        let mut until = self.until.lock().unwrap_or_else(|poisoned| poisoned.into_inner());
        let resume_after = until.map_or(resume_after, |known| known.max(resume_after));
        *until = Some(resume_after);
        resume_after
    }

    /// The time the client may send again, once parked.
    pub(crate) fn resume_after(&self) -> Option<OffsetDateTime> {
        *self.until.lock().unwrap_or_else(|poisoned| poisoned.into_inner())
    }

    /// The wait still left until `resume_after` (zero once it passed).
    pub(crate) fn wait_left(resume_after: OffsetDateTime) -> Duration {
        let left = resume_after - OffsetDateTime::now_utc();
        if left.is_positive() { left.unsigned_abs() } else { Duration::ZERO }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn the_start_rides_until_answered_and_the_end_only_inside_a_session() {
        let session = Session::default();
        let stop = CancelToken::new();
        let first = session.admit(false, &stop).await.unwrap_or_else(|| panic!("stopped"));
        assert_eq!(first.pragma(), Some(PRAGMA_SYNC_START));
        drop(first); // answered 504: nothing opened
        let retry = session.admit(false, &stop).await.unwrap_or_else(|| panic!("stopped"));
        assert_eq!(retry.pragma(), Some(PRAGMA_SYNC_START), "the retry carries the start again");
        session.answered(&retry);
        drop(retry);
        assert_eq!(session.phase(), SessionPhase::Open);
        let middle = session.admit(false, &stop).await.unwrap_or_else(|| panic!("stopped"));
        assert_eq!(middle.pragma(), None);
        let last = session.admit(true, &stop).await.unwrap_or_else(|| panic!("stopped"));
        assert_eq!(last.pragma(), Some(PRAGMA_SYNC_END));
        session.answered(&last);
        assert_eq!(session.phase(), SessionPhase::Ended);
        let after = session.admit(true, &stop).await.unwrap_or_else(|| panic!("stopped"));
        assert_eq!(after.pragma(), None, "an ended session is not ended again");
    }

    #[tokio::test]
    async fn a_continued_session_sends_no_start_and_ends_on_the_last_request() {
        let session = Session::default();
        session.continue_open();
        let stop = CancelToken::new();
        let first = session.admit(false, &stop).await.unwrap_or_else(|| panic!("stopped"));
        assert_eq!(first.pragma(), None);
        let last = session.admit(true, &stop).await.unwrap_or_else(|| panic!("stopped"));
        assert_eq!(last.pragma(), Some(PRAGMA_SYNC_END));
    }

    #[tokio::test]
    async fn a_first_request_that_is_also_the_last_carries_both_signals() {
        let session = Session::default();
        let both = session.admit(true, &CancelToken::new()).await.unwrap_or_else(|| panic!("stopped"));
        assert_eq!(both.pragma(), Some("umapi-sync-start, umapi-sync-end"));
        session.answered(&both);
        assert_eq!(session.phase(), SessionPhase::Ended);
    }

    #[tokio::test(start_paused = true)]
    async fn while_the_start_is_unanswered_requests_wait_their_turn() {
        let session = std::sync::Arc::new(Session::default());
        let stop = CancelToken::new();
        let opener = session.admit(false, &stop).await.unwrap_or_else(|| panic!("stopped"));
        let waiting = {
            let session = std::sync::Arc::clone(&session);
            let stop = stop.clone();
            tokio::spawn(async move { session.admit(false, &stop).await.map(|signals| signals.pragma()) })
        };
        tokio::time::sleep(Duration::from_secs(5)).await;
        assert!(!waiting.is_finished(), "a second request waits while a start is in flight");
        session.answered(&opener);
        drop(opener);
        let pragma = waiting.await.unwrap_or_else(|error| panic!("{error}"));
        assert_eq!(pragma, Some(None), "once the start was answered, the others carry nothing");

        let stopped = Session::default();
        let _held = stopped.admit(false, &stop).await;
        stop.cancel();
        assert!(stopped.admit(false, &stop).await.is_none(), "a stop ends the wait for a turn");
    }

    #[test]
    fn parking_is_sticky_and_keeps_the_latest_time() {
        let parking = Parking::default();
        assert_eq!(parking.resume_after(), None);
        let now = OffsetDateTime::now_utc();
        let later = now + Duration::from_secs(3_600);
        assert_eq!(parking.park(later), later);
        assert_eq!(parking.park(now), later, "an earlier time does not shorten a park");
        assert!(Parking::wait_left(later) > Duration::from_secs(3_500));
        assert_eq!(Parking::wait_left(now - Duration::from_secs(1)), Duration::ZERO);
    }
}
