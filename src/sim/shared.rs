//! What every request handler of one simulator shares: the fixed settings, the registered API
//! clients, and the one lock around everything that changes (org, tokens, throttle windows,
//! counters, fault dice). Handlers hold the lock only for in-memory work, never across an await.
//!
//! Also the log: lines go to the [`LogSink`] the caller gave (the `sim` command prints them on
//! stderr; in-process users get silence by default). Nothing logged may contain a token or secret.

use std::collections::BTreeMap;
use std::sync::{Arc, Mutex, MutexGuard};
use std::time::Duration;

use serde::Serialize;

use super::faults::FaultDice;
use super::ims::{ClientRegistry, TokenStore};
use super::options::{CommandOrder, FaultMenu, RetryAfterForm};
use super::org::Org;
use super::session::Sessions;
use super::throttle::{Limits, Throttle};

/// Where the simulator's log lines go.
pub type LogSink = Arc<dyn Fn(&str) + Send + Sync>;

/// The settings a running simulator never changes.
#[derive(Clone, Debug)]
pub(crate) struct Settings {
    pub(crate) org_id: String,
    pub(crate) latency: Duration,
    pub(crate) retry_after: RetryAfterForm,
    pub(crate) token_ttl: Duration,
    pub(crate) seed: u64,
    pub(crate) command_order: CommandOrder,
    pub(crate) fault_menu: FaultMenu,
}

/// Request counters (SPEC 6: requests received, refused ones included).
#[derive(Clone, Debug, Default, Serialize)]
pub(crate) struct Counters {
    /// `POST /action` requests received.
    pub(crate) action_requests: u64,
    /// Users, single-user, users-by-group and groups reads received.
    pub(crate) read_requests: u64,
    /// IMS token requests (OAuth and JWT exchange).
    pub(crate) token_requests: u64,
    /// 429 answers sent.
    pub(crate) throttled: u64,
    /// Faults injected (before + after).
    pub(crate) faults: u64,
    /// Commands applied (completed outside test mode).
    pub(crate) commands_applied: u64,
    /// Commands that failed (outside test mode).
    pub(crate) commands_failed: u64,
    /// Commands that passed in test mode.
    pub(crate) commands_test_mode: u64,
    /// Faults that struck before the request was applied (nothing changed).
    pub(crate) faults_before: u64,
    /// Faults that struck after the request was applied (the state changed, the client never knew).
    pub(crate) faults_after: u64,
    /// Connections closed without an answer (a kind of fault).
    pub(crate) connections_dropped: u64,
    /// 401 and 403 answers sent.
    pub(crate) unauthorized: u64,
    /// IMS requests refused (bad client, secret, scope, JWT).
    pub(crate) token_refusals: u64,
    /// Requests carrying `Pragma: umapi-sync-start`.
    pub(crate) sync_start: u64,
    /// Requests carrying `Pragma: umapi-sync-end`.
    pub(crate) sync_end: u64,
    /// 429 answers of the session throttle and the page-0 rule (also counted in `throttled`).
    pub(crate) session_throttled: u64,
    /// Action requests answered 500 after some of their commands were applied.
    pub(crate) faults_mid_batch: u64,
    /// Requests refused with 403 `error.organization.migrating`.
    pub(crate) faults_migrating: u64,
    /// Commands failed with `error.throttled_by_external_service` or `error.internal.*`.
    pub(crate) faults_command_errors: u64,
    /// Requests answered late after they were applied.
    pub(crate) faults_slow: u64,
    /// Token requests refused with 429.
    pub(crate) ims_throttled: u64,
    /// Requests received per endpoint (`action`, `users`, `user`, `users_by_group`, `groups`,
    /// `ims_token`, `ims_jwt`, `status`).
    pub(crate) requests_by_endpoint: BTreeMap<&'static str, u64>,
}

impl Counters {
    /// Counts one request to `endpoint`.
    pub(crate) fn received(&mut self, endpoint: &'static str) {
        *self.requests_by_endpoint.entry(endpoint).or_insert(0) += 1;
    }
}

/// Everything that changes while the simulator runs.
#[derive(Debug)]
pub(crate) struct World {
    pub(crate) org: Org,
    pub(crate) tokens: TokenStore,
    pub(crate) throttle: Throttle,
    pub(crate) counters: Counters,
    pub(crate) faults: FaultDice,
    pub(crate) sessions: Sessions,
    /// Action requests handled so far (numbers each one's run plan).
    pub(crate) actions: u64,
    /// Token requests received so far (numbers each one's fault decision).
    pub(crate) token_arrivals: u64,
}

/// The state behind one simulator.
pub(crate) struct Shared {
    pub(crate) settings: Settings,
    pub(crate) clients: ClientRegistry,
    world: Mutex<World>,
    log: Option<LogSink>,
}

impl Shared {
    /// Wraps a world.
    pub(crate) fn new(settings: Settings, clients: ClientRegistry, world: World, log: Option<LogSink>) -> Self {
        Self { settings, clients, world: Mutex::new(world), log }
    }

    /// Locks the world. A handler that panicked while holding the lock cannot leave it half
    /// changed in a way later requests could not live with, so a poisoned lock is taken over.
    pub(crate) fn world(&self) -> MutexGuard<'_, World> {
        self.world.lock().unwrap_or_else(std::sync::PoisonError::into_inner)
    }

    /// Writes one log line (no tokens, no secrets).
    pub(crate) fn log(&self, line: &str) {
        if let Some(sink) = &self.log {
            sink(line);
        }
    }

    /// The throttle limits in force.
    pub(crate) fn limits(&self) -> Limits {
        self.world().throttle.limits()
    }
}
