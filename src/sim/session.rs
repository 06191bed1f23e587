//! Adobe's sync-session throttle and the page-0 rule (UMAPI.md 4b; user-sync #813, #867), both off
//! unless asked for ([`SessionThrottle`]).
//!
//! A client opens a session with a request carrying `Pragma: umapi-sync-start` and closes it with
//! one carrying `Pragma: umapi-sync-end`; a session with no end stays open for the session window
//! after its start (Adobe: two hours). Decisions where Adobe is silent:
//! - a signal counts once its request was answered 2xx: a start that drew a fault or a 429 opened
//!   nothing, so a client may send the start signal again until a request is answered;
//! - a start while the same client's session is open is refused with 429 and a long `Retry-After`
//!   (drawn from the configured range with the seed), the open session is closed, and every call of
//!   that client is refused with the time left until the block passes;
//! - with the page-0 rule, a second read of page 0 of the users list (per `domain`) or of the
//!   groups list within the window since the first is refused the same way;
//! - sessions and blocks are per API client; token requests are never blocked.
//!
//! Time is passed in, so the rules are tested without waiting.

use std::collections::HashMap;
use std::time::{Duration, Instant};

use super::dice::{Stream, roll};
use super::options::SessionThrottle;

/// The sync signals a request carries.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub(crate) struct Signals {
    /// `Pragma: umapi-sync-start`.
    pub(crate) start: bool,
    /// `Pragma: umapi-sync-end`.
    pub(crate) end: bool,
}

/// A refusal: how long until the client may call again, and why.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) struct Block {
    pub(crate) wait: Duration,
    pub(crate) reason: &'static str,
}

#[derive(Debug, Default)]
struct ClientSession {
    opened: Option<Instant>,
    blocked_until: Option<Instant>,
    page_zero: HashMap<String, Instant>,
}

/// The session state of every client.
#[derive(Debug)]
pub(crate) struct Sessions {
    settings: SessionThrottle,
    seed: u64,
    blocks: u64,
    clients: HashMap<String, ClientSession>,
}

impl Sessions {
    /// No sessions yet.
    pub(crate) fn new(settings: SessionThrottle, seed: u64) -> Self {
        Self { settings, seed, blocks: 0, clients: HashMap::new() }
    }

    /// Whether either rule is on.
    pub(crate) fn enabled(&self) -> bool {
        self.settings.sessions || self.settings.page_zero
    }

    /// Decides before a request of `client` is handled. `page_zero` names the list when the
    /// request reads page 0 of the users or groups list.
    pub(crate) fn admit(
        &mut self,
        client: &str,
        signals: Signals,
        page_zero: Option<&str>,
        now: Instant,
    ) -> Result<(), Block> {
        if !self.enabled() {
            return Ok(());
        }
        let window = self.settings.window;
        let state = self.clients.entry(client.to_string()).or_default();
        if let Some(until) = state.blocked_until {
            if now < until {
                return Err(Block { wait: until - now, reason: "a session throttle block is in force" });
            }
            state.blocked_until = None;
        }
        let session_open = state.opened.is_some_and(|opened| now.saturating_duration_since(opened) < window);
        if self.settings.sessions && signals.start && session_open {
            return Err(self.impose(client, now, "a new sync session started before the previous one ended"));
        }
        let repeated = page_zero
            .and_then(|list| state.page_zero.get(list))
            .is_some_and(|first| now.saturating_duration_since(*first) < window);
        if self.settings.page_zero && repeated {
            return Err(self.impose(client, now, "page 0 of the list was read again within the session window"));
        }
        Ok(())
    }

    fn impose(&mut self, client: &str, now: Instant, reason: &'static str) -> Block {
        let (shortest, longest) = self.settings.retry_after;
        let spread = longest.saturating_sub(shortest).as_secs();
        let extra = roll(self.seed, Stream::SessionWait, self.blocks) % (spread + 1);
        self.blocks += 1;
        let wait = shortest + Duration::from_secs(extra);
        let state = self.clients.entry(client.to_string()).or_default();
        state.blocked_until = Some(now + wait);
        state.opened = None;
        state.page_zero.clear();
        Block { wait, reason }
    }

    /// Records what an answered (2xx) request of `client` did: opened or closed a session, read
    /// page 0 of a list.
    pub(crate) fn answered(&mut self, client: &str, signals: Signals, page_zero: Option<&str>, now: Instant) {
        if !self.enabled() {
            return;
        }
        let state = self.clients.entry(client.to_string()).or_default();
        if self.settings.sessions && signals.start {
            state.opened = Some(now);
        }
        if self.settings.sessions && signals.end {
            state.opened = None;
        }
        if let (true, Some(list)) = (self.settings.page_zero, page_zero) {
            state.page_zero.entry(list.to_string()).or_insert(now);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn throttle(sessions: bool, page_zero: bool) -> Sessions {
        let settings = SessionThrottle {
            sessions,
            page_zero,
            window: Duration::from_secs(100),
            retry_after: (Duration::from_secs(20), Duration::from_secs(30)),
        };
        Sessions::new(settings, 9)
    }

    const START: Signals = Signals { start: true, end: false };
    const END: Signals = Signals { start: false, end: true };
    const NONE: Signals = Signals { start: false, end: false };

    #[test]
    fn a_start_while_a_session_is_open_blocks_every_call_until_the_wait_passes() {
        let now = Instant::now();
        let mut sessions = throttle(true, false);
        assert_eq!(sessions.admit("c", START, None, now), Ok(()));
        sessions.answered("c", START, None, now);
        assert_eq!(sessions.admit("c", NONE, None, now + Duration::from_secs(5)), Ok(()));
        assert_eq!(sessions.admit("other", START, None, now), Ok(()), "sessions are per client");
        let block = sessions.admit("c", START, None, now + Duration::from_secs(10)).err();
        let wait = block.map(|block| block.wait).unwrap_or_default();
        assert!((20..=30).contains(&wait.as_secs()), "{wait:?}");
        let later = now + Duration::from_secs(15);
        let left = sessions.admit("c", NONE, None, later).err().map(|block| block.wait);
        assert_eq!(left, Some(now + Duration::from_secs(10) + wait - later));
        let after = now + Duration::from_secs(10) + wait;
        assert_eq!(sessions.admit("c", START, None, after), Ok(()), "the block closed the old session");
    }

    #[test]
    fn an_ended_or_expired_session_lets_a_new_one_start_and_unanswered_starts_open_nothing() {
        let now = Instant::now();
        let mut sessions = throttle(true, false);
        sessions.answered("c", START, None, now);
        sessions.answered("c", END, None, now + Duration::from_secs(1));
        assert_eq!(sessions.admit("c", START, None, now + Duration::from_secs(2)), Ok(()));
        sessions.answered("c", START, None, now + Duration::from_secs(2));
        assert_eq!(sessions.admit("c", START, None, now + Duration::from_secs(102)), Ok(()), "window passed");
        let mut fresh = throttle(true, false);
        assert_eq!(fresh.admit("c", START, None, now), Ok(()));
        assert_eq!(fresh.admit("c", START, None, now), Ok(()), "the first start was never answered");
    }

    #[test]
    fn a_second_page_zero_read_within_the_window_is_blocked_only_with_the_rule() {
        let now = Instant::now();
        let mut rule = throttle(false, true);
        assert_eq!(rule.admit("c", NONE, Some("groups"), now), Ok(()));
        rule.answered("c", NONE, Some("groups"), now);
        assert_eq!(rule.admit("c", NONE, Some("users"), now), Ok(()), "each list counts apart");
        assert!(rule.admit("c", NONE, Some("groups"), now + Duration::from_secs(50)).is_err());
        let mut off = throttle(true, false);
        off.answered("c", NONE, Some("groups"), now);
        assert_eq!(off.admit("c", NONE, Some("groups"), now), Ok(()));
        assert_eq!(throttle(false, false).admit("c", START, Some("groups"), now), Ok(()));
    }
}
