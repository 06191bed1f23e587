//! What the UMAPI client tells its caller while it works: each request sent, each retry scheduled,
//! each server-requested wait (for a countdown), each wait for its own rate limit, and read
//! progress (page n of m).
//!
//! The client never prints; it calls a [`ClientObserver`]. The executor's observer
//! (`execute::Observer`) extends this trait with batch events, and `apply`/`plan` implement both
//! with progress bars. Nothing passed here carries a secret: no tokens, no client secret, no keys.

use std::time::Duration;

/// The endpoint families, each paced by its own sliding-window limit (UMAPI.md 4a, D "throttling").
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, serde::Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Family {
    /// `POST /action/{orgId}` (`action_rpm`).
    Action,
    /// Users list, single user, users by group: they share one limit (`read_rpm`).
    Users,
    /// `GET /groups/{orgId}/{page}` (`groups_rpm`).
    Groups,
}

impl Family {
    /// Lower-case name for messages.
    pub fn name(self) -> &'static str {
        match self {
            Self::Action => "action",
            Self::Users => "users",
            Self::Groups => "groups",
        }
    }
}

/// One HTTP request about to go on the wire.
#[derive(Clone, Debug)]
pub struct RequestInfo<'a> {
    /// What the request is for: a batch id (`b00012`) or a read (`users page 3`).
    pub label: &'a str,
    /// The endpoint family.
    pub family: Family,
    /// `GET` or `POST`.
    pub method: &'static str,
    /// The URL path after the UMAPI base (`/action/ORG`, `/users/ORG/0`); no query secrets exist.
    pub path: &'a str,
    /// The fresh `X-Request-Id` of this attempt.
    pub x_request_id: &'a str,
    /// 1-based attempt number.
    pub attempt: u32,
}

/// Why an attempt is retried.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum RetryReason {
    /// A retryable HTTP status (429, 502, 503, 504).
    Status(u16),
    /// No answer within the request timeout.
    Timeout,
    /// The connection could not be made or broke before an answer.
    Connection(String),
    /// A 200 whose body could not be read or parsed.
    BadBody(String),
    /// A 200 whose body failed the consistency checks (`umapi::answer`).
    Inconsistent(String),
}

impl std::fmt::Display for RetryReason {
    fn fmt(&self, formatter: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Self::Status(429) => formatter.write_str("HTTP 429 (throttled)"),
            Self::Status(status) => write!(formatter, "HTTP {status}"),
            Self::Timeout => formatter.write_str("timed out"),
            Self::Connection(detail) => write!(formatter, "connection failed: {detail}"),
            Self::BadBody(detail) => write!(formatter, "unreadable answer: {detail}"),
            Self::Inconsistent(detail) => write!(formatter, "an answer that fails its checks: {detail}"),
        }
    }
}

/// A retry the client has scheduled.
#[derive(Clone, Debug)]
pub struct RetryInfo<'a> {
    /// What the request is for (batch id or read label).
    pub label: &'a str,
    /// The attempt that failed (1-based).
    pub failed_attempt: u32,
    /// Attempts allowed in all.
    pub max_attempts: u32,
    /// Why.
    pub reason: RetryReason,
    /// How long the client waits before the next attempt.
    pub delay: Duration,
    /// Whether the delay came from the server's `Retry-After` (else it is our backoff).
    pub server_requested: bool,
}

/// A request waiting for a slot of its family's rate limit: the client pacing itself to the limits
/// it was configured with (UMAPI.md 4a), not a wait the server asked for.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct PacingWait {
    /// The family whose window is full.
    pub family: Family,
    /// How long until the oldest request leaves the window; `None` when every slot is held by a
    /// request still in flight (its answer frees one).
    pub wait: Option<Duration>,
    /// Requests allowed per window.
    pub limit: usize,
    /// The window.
    pub window: Duration,
}

/// Progress of a paged read.
#[derive(Clone, Debug)]
pub struct ReadProgress<'a> {
    /// What is being read: `users`, `groups`, `users in "Designers"`.
    pub what: &'a str,
    /// Pages read so far (1-based count).
    pub pages_read: u32,
    /// Pages in all, from `X-Page-Count`, when the server sent it.
    pub page_count: Option<u32>,
    /// Items read so far.
    pub items: usize,
}

/// Receives the client's events. Every method has a do-nothing default; implementations must be
/// cheap and must not block (they are called from the request tasks).
pub trait ClientObserver: Send + Sync {
    /// A request is about to be sent (after its journal intent, if any, was written).
    fn request_sent(&self, _request: &RequestInfo<'_>) {}

    /// An attempt failed transiently and another is scheduled after `retry.delay`.
    fn retry_scheduled(&self, _retry: &RetryInfo<'_>) {}

    /// A request waits `wait` because the server asked (its `Retry-After`); draw a countdown.
    /// `reason` is the answer that asked (`HTTP 429 (throttled)` pauses every worker; a 503 with
    /// `Retry-After` only that request). Called once per such answer, by the request that got it.
    fn server_wait_started(&self, _wait: Duration, _reason: &RetryReason) {}

    /// A request waits for a slot of its family's rate limit (self-paced). Called when the wait
    /// starts, and again if it must wait longer than first said (another request took the slot).
    fn pacing_wait(&self, _wait: &PacingWait) {}

    /// An access token was fetched from IMS (`renewal` is false for the first one).
    fn token_fetched(&self, _renewal: bool) {}

    /// A page of a paged read arrived.
    fn read_progress(&self, _progress: &ReadProgress<'_>) {}
}

/// An observer that ignores everything.
#[derive(Clone, Copy, Debug, Default)]
pub struct NoObserver;

impl ClientObserver for NoObserver {}
