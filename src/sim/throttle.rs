//! Sliding-window throttling (UMAPI.md D "throttling", 4a): per client and endpoint family
//! (action, users reads, groups) plus one global window over every family and client.
//!
//! A request is refused when N requests were accepted in the window before it (default 60 s). A
//! refused request is not recorded, so it neither changes the org nor delays later requests. The
//! wait it is told is the time until the oldest accepted request of every full window leaves it
//! (rounded up to whole seconds, at least 1), sent as seconds or as an HTTP date. A limit of 0
//! turns that window off. Time is passed in, so the rules are tested without waiting.

use std::collections::{HashMap, VecDeque};
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

use super::RetryAfterForm;

/// The throttled endpoint families.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub(crate) enum Family {
    /// `POST /action/{orgId}`.
    Action,
    /// `GET /users/...` (list, by group) and `GET /organizations/.../users/...`.
    UsersRead,
    /// `GET /groups/...`.
    Groups,
}

impl Family {
    /// Name for logs and messages.
    pub(crate) fn name(self) -> &'static str {
        match self {
            Self::Action => "action",
            Self::UsersRead => "users read",
            Self::Groups => "groups",
        }
    }
}

/// Requests allowed per window; 0 is no limit.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) struct Limits {
    pub(crate) action: u32,
    pub(crate) users_read: u32,
    pub(crate) groups: u32,
    pub(crate) global: u32,
    pub(crate) window: Duration,
}

impl Limits {
    fn of(&self, family: Family) -> u32 {
        match family {
            Family::Action => self.action,
            Family::UsersRead => self.users_read,
            Family::Groups => self.groups,
        }
    }
}

/// Why a request was refused and how long to wait.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) struct Refusal {
    /// Until the window has room again.
    pub(crate) wait: Duration,
    /// Which windows were full (`action`, `global`, ...).
    pub(crate) windows: Vec<&'static str>,
}

/// The windows of one simulator.
#[derive(Debug)]
pub(crate) struct Throttle {
    limits: Limits,
    per_client: HashMap<(String, Family), VecDeque<Instant>>,
    global: VecDeque<Instant>,
}

impl Throttle {
    /// Empty windows.
    pub(crate) fn new(limits: Limits) -> Self {
        Self { limits, per_client: HashMap::new(), global: VecDeque::new() }
    }

    /// The limits in force.
    pub(crate) fn limits(&self) -> Limits {
        self.limits
    }

    /// Admits a request of `client` to `family` at `now`, or says how long to wait.
    pub(crate) fn admit(&mut self, client: &str, family: Family, now: Instant) -> Result<(), Refusal> {
        let window = self.limits.window;
        let family_limit = self.limits.of(family);
        let global_limit = self.limits.global;
        let mut refusal = Refusal { wait: Duration::ZERO, windows: Vec::new() };
        let key = (client.to_string(), family);
        if family_limit > 0 {
            let accepted = self.per_client.entry(key.clone()).or_default();
            if let Some(wait) = full_for(accepted, family_limit, window, now) {
                refusal.wait = refusal.wait.max(wait);
                refusal.windows.push(family.name());
            }
        }
        if global_limit > 0
            && let Some(wait) = full_for(&mut self.global, global_limit, window, now)
        {
            refusal.wait = refusal.wait.max(wait);
            refusal.windows.push("global");
        }
        if !refusal.windows.is_empty() {
            return Err(refusal);
        }
        if family_limit > 0 {
            self.per_client.entry(key).or_default().push_back(now);
        }
        if global_limit > 0 {
            self.global.push_back(now);
        }
        Ok(())
    }
}

/// Drops entries that left the window; if `limit` remain, the time until the oldest leaves.
fn full_for(accepted: &mut VecDeque<Instant>, limit: u32, window: Duration, now: Instant) -> Option<Duration> {
    while accepted.front().is_some_and(|oldest| now.saturating_duration_since(*oldest) >= window) {
        accepted.pop_front();
    }
    let limit = usize::try_from(limit).unwrap_or(usize::MAX);
    if accepted.len() < limit {
        return None;
    }
    let oldest = accepted.front().copied()?;
    Some((oldest + window).saturating_duration_since(now))
}

/// The `Retry-After` value for a wait: whole seconds rounded up (at least 1), or the HTTP date of
/// that instant rounded up to the next whole second.
pub(crate) fn retry_after_value(wait: Duration, form: RetryAfterForm, now: SystemTime) -> String {
    let seconds = wait.as_secs() + u64::from(wait.subsec_nanos() > 0);
    match form {
        RetryAfterForm::Seconds => seconds.max(1).to_string(),
        RetryAfterForm::HttpDate => {
            let target = now + wait;
            let since_epoch = target.duration_since(UNIX_EPOCH).unwrap_or_default();
            let whole = since_epoch.as_secs() + u64::from(since_epoch.subsec_nanos() > 0);
            let whole = whole.max(now.duration_since(UNIX_EPOCH).unwrap_or_default().as_secs() + 1);
            httpdate::fmt_http_date(UNIX_EPOCH + Duration::from_secs(whole))
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn limits(action: u32, global: u32) -> Limits {
        Limits { action, users_read: 25, groups: 5, global, window: Duration::from_secs(60) }
    }

    #[test]
    fn the_n_plus_first_request_in_a_window_is_refused_until_the_oldest_leaves() {
        let start = Instant::now();
        let mut throttle = Throttle::new(limits(3, 0));
        for second in 0..3 {
            assert_eq!(throttle.admit("c", Family::Action, start + Duration::from_secs(second * 10)), Ok(()));
        }
        let refusal = throttle.admit("c", Family::Action, start + Duration::from_secs(30));
        assert_eq!(refusal, Err(Refusal { wait: Duration::from_secs(30), windows: vec!["action"] }));
        // A refused request is not recorded: the oldest still leaves at 60 s.
        assert!(throttle.admit("c", Family::Action, start + Duration::from_millis(59_999)).is_err());
        assert_eq!(throttle.admit("c", Family::Action, start + Duration::from_secs(60)), Ok(()));
        assert!(throttle.admit("c", Family::Action, start + Duration::from_secs(61)).is_err());
        assert_eq!(throttle.admit("c", Family::Action, start + Duration::from_secs(70)), Ok(()));
    }

    #[test]
    fn families_and_clients_have_their_own_windows_but_share_the_global_one() {
        let now = Instant::now();
        let mut throttle = Throttle::new(limits(1, 3));
        assert_eq!(throttle.admit("a", Family::Action, now), Ok(()));
        assert!(throttle.admit("a", Family::Action, now).is_err());
        assert_eq!(throttle.admit("b", Family::Action, now), Ok(()));
        assert_eq!(throttle.admit("a", Family::Groups, now), Ok(()));
        let refusal = throttle.admit("a", Family::UsersRead, now).err();
        assert_eq!(refusal.map(|refusal| refusal.windows), Some(vec!["global"]));
    }

    #[test]
    fn zero_turns_a_limit_off() {
        let now = Instant::now();
        let mut throttle = Throttle::new(limits(0, 0));
        for _ in 0..1000 {
            assert_eq!(throttle.admit("c", Family::Action, now), Ok(()));
        }
    }

    #[test]
    fn retry_after_rounds_up_in_both_forms() {
        let now = UNIX_EPOCH + Duration::from_millis(1_000_000_400);
        assert_eq!(retry_after_value(Duration::from_millis(100), RetryAfterForm::Seconds, now), "1");
        assert_eq!(retry_after_value(Duration::from_millis(29_001), RetryAfterForm::Seconds, now), "30");
        assert_eq!(retry_after_value(Duration::ZERO, RetryAfterForm::Seconds, now), "1");
        // now = 1_000_000.4 s; + 29.7 s = 1_000_030.1 s, rounded up to 1_000_031 s.
        let date = retry_after_value(Duration::from_millis(29_700), RetryAfterForm::HttpDate, now);
        assert_eq!(httpdate::parse_http_date(&date).ok(), Some(UNIX_EPOCH + Duration::from_secs(1_000_031)));
    }
}
