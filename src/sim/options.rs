//! What a simulator is started with ([`SimOptions`]) and its defaults. Adobe's documented behaviour
//! is the default (per-client limits, `directOnly=true`, user-group no-op errors, commands of a
//! request in a seeded shuffled order); what would get in the way of ordinary tests is off until
//! asked for: the sync-session throttle and the page-0 rule ([`SessionThrottle`]), and the wider
//! fault menu ([`FaultMenu`]). docs/simulator.md describes each option with its flag.

use std::fmt;
use std::net::SocketAddr;
use std::time::Duration;

use super::shared::LogSink;
use super::state_file::OrgState;

/// How the `Retry-After` header of a 429 is written.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum RetryAfterForm {
    /// Delta seconds, e.g. `Retry-After: 38`.
    #[default]
    Seconds,
    /// An HTTP date, e.g. `Retry-After: Tue, 24 Nov 2026 10:15:00 GMT`.
    HttpDate,
}

/// The order the commands of one action request run in (UMAPI.md 2a: not guaranteed).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum CommandOrder {
    /// A seeded shuffle of each request's commands (Adobe promises no order; the default).
    #[default]
    Shuffled,
    /// The order they were sent in.
    AsSent,
}

/// Adobe's sync-session throttle (UMAPI.md 4b), off by default.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct SessionThrottle {
    /// A request with `Pragma: umapi-sync-start` while the same client's previous session is still
    /// open gets 429 with a long `Retry-After`, and every call of that client is refused until it
    /// passes.
    pub sessions: bool,
    /// A second read of page 0 of the users list or the groups list within `window` gets the same
    /// 429 (a rule Adobe announced in a documentation change not yet published).
    pub page_zero: bool,
    /// How long a session without `umapi-sync-end` stays open after its start, and the window of
    /// the page-0 rule (Adobe: two hours).
    pub window: Duration,
    /// The `Retry-After` of the block, drawn from this range with the seed (Adobe: 2,000–3,600 s).
    pub retry_after: (Duration, Duration),
}

impl Default for SessionThrottle {
    fn default() -> Self {
        Self {
            sessions: false,
            page_zero: false,
            window: Duration::from_secs(7_200),
            retry_after: (Duration::from_secs(2_000), Duration::from_secs(3_600)),
        }
    }
}

/// The wider fault menu (UMAPI.md 3b, 3c, 8, 9), each a share of the requests or commands it can
/// strike (0.0–1.0), drawn with the seed. All off by default; `--fault-rate`'s 502/503/504 and
/// dropped connections are separate ([`SimOptions::fault_rate`]).
#[derive(Clone, Debug, Default, PartialEq)]
pub struct FaultMenu {
    /// Action requests that apply some of their commands and then answer HTTP 500.
    pub mid_batch_500: f64,
    /// UMAPI requests refused with 403 `error.organization.migrating` (nothing applied).
    pub migrating: f64,
    /// Commands that fail with `error.throttled_by_external_service` or an `error.internal.*` code
    /// in a 200 answer (steps before the failing one applied).
    pub command_error: f64,
    /// UMAPI requests answered only `slow_by` after they were applied (longer than a client's
    /// timeout, so the client cannot know the outcome).
    pub slow_answer: f64,
    /// How late a slow answer comes.
    pub slow_by: Duration,
    /// IMS token requests refused with 429 and `Retry-After`.
    pub ims_429: f64,
}

/// Everything a simulator is started with.
#[derive(Clone)]
pub struct SimOptions {
    /// Where to listen; must be a loopback address. Port 0 picks a free port.
    pub listen: SocketAddr,
    /// The org.
    pub state: OrgState,
    /// Users generated from the seed and added after the state's own users, one at a time, never
    /// held all at once (`--synthetic-users`; see [`super::synthetic_catalogue`]).
    pub synthetic_users: usize,
    /// Action requests per client per window (0: off).
    pub action_rpm: u32,
    /// User reads (list, single user, users by group) per client per window (0: off).
    pub read_rpm: u32,
    /// Group reads per client per window (0: off).
    pub groups_rpm: u32,
    /// All throttled requests of all clients per window (0: off).
    pub global_rpm: u32,
    /// Length of the sliding throttle window.
    pub window: Duration,
    /// Added to every UMAPI request before it is handled.
    pub latency: Duration,
    /// Share of UMAPI requests that get a 502/503/504 or a dropped connection (0.0–1.0).
    pub fault_rate: f64,
    /// The wider fault menu.
    pub fault_menu: FaultMenu,
    /// Form of `Retry-After` on 429 answers.
    pub retry_after: RetryAfterForm,
    /// Seed of the fault decisions, the command order and synthetic orgs.
    pub seed: u64,
    /// The order the commands of one request run in.
    pub command_order: CommandOrder,
    /// The sync-session throttle and the page-0 rule.
    pub session: SessionThrottle,
    /// Lifetime of issued access tokens.
    pub token_ttl: Duration,
    /// Where log lines go; `None` (the default) is silence.
    pub log: Option<LogSink>,
}

impl fmt::Debug for SimOptions {
    fn fmt(&self, formatter: &mut fmt::Formatter<'_>) -> fmt::Result {
        formatter
            .debug_struct("SimOptions")
            .field("listen", &self.listen)
            .field("org_id", &self.state.org_id)
            .field("users", &self.state.users.len())
            .field("synthetic_users", &self.synthetic_users)
            .field("action_rpm", &self.action_rpm)
            .field("read_rpm", &self.read_rpm)
            .field("groups_rpm", &self.groups_rpm)
            .field("global_rpm", &self.global_rpm)
            .field("window", &self.window)
            .field("latency", &self.latency)
            .field("fault_rate", &self.fault_rate)
            .field("fault_menu", &self.fault_menu)
            .field("retry_after", &self.retry_after)
            .field("seed", &self.seed)
            .field("command_order", &self.command_order)
            .field("session", &self.session)
            .field("token_ttl", &self.token_ttl)
            .field("log", &self.log.is_some())
            .finish()
    }
}

impl SimOptions {
    /// Adobe's documented behaviour: limits (action 10, users reads 25, groups 5, global 100 per
    /// 60 s), commands shuffled with seed 1, tokens living 86,399 s; no latency, no faults, no
    /// session throttle; on `127.0.0.1:0`.
    pub fn demo(state: OrgState) -> Self {
        Self {
            listen: SocketAddr::from(([127, 0, 0, 1], 0)),
            state,
            synthetic_users: 0,
            action_rpm: 10,
            read_rpm: 25,
            groups_rpm: 5,
            global_rpm: 100,
            window: Duration::from_secs(60),
            latency: Duration::ZERO,
            fault_rate: 0.0,
            fault_menu: FaultMenu::default(),
            retry_after: RetryAfterForm::Seconds,
            seed: 1,
            command_order: CommandOrder::Shuffled,
            session: SessionThrottle::default(),
            token_ttl: Duration::from_secs(86_399),
            log: None,
        }
    }

    /// Like [`SimOptions::demo`] with every throttle limit off (for tests and benchmarks).
    pub fn unlimited(state: OrgState) -> Self {
        Self { action_rpm: 0, read_rpm: 0, groups_rpm: 0, global_rpm: 0, ..Self::demo(state) }
    }
}
