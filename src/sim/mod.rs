//! The built-in UMAPI + IMS simulator (SPEC 6, UMAPI.md D): an in-memory org loaded from a state
//! file, served with axum on loopback with UMAPI's URL paths, JSON shapes, error codes, licence
//! allocation, sliding-window throttling and seeded fault injection.
//!
//! This module is the simulator's public face: [`SimOptions`], [`start`] and [`SimHandle`] for
//! in-process use (the `--sim` flag, tests), [`load_state`] / [`demo_state`] for the org, and
//! [`dump_state`] for `sim --dump`. It uses `umapi::wire`'s types and nothing of the client.
//! Its files, one concern each:
//! state_file (format and read), build (rules of an org), org + catalogue + licences (the live
//! org), rules (field rules), validate + steps (command syntax), commands (command semantics),
//! action (the action endpoint), reads (the read endpoints), ims (token endpoints), auth,
//! throttle, faults, gate (the request pipeline), server (routes, connections), snapshot
//! (`/_sim/state`), shared (the lock and counters).

mod action;
mod auth;
mod build;
mod catalogue;
mod commands;
mod faults;
mod gate;
mod ims;
mod licences;
mod org;
mod reads;
mod rules;
mod server;
mod shared;
mod snapshot;
mod state_file;
mod steps;
mod throttle;
mod validate;

use std::fmt;
use std::net::SocketAddr;
use std::path::Path;
use std::sync::Arc;
use std::time::Duration;

use anyhow::Context as _;
use tokio::net::TcpListener;
use tokio::sync::watch;
use tokio::task::JoinHandle;

use crate::umapi::config::{AuthMethod, Config, Limits as ClientLimits};

pub use shared::LogSink;
pub use state_file::{
    ApiClient, ClaimedDomain, Directory, OrgState, ProductConfiguration, StateFileError, TechAccount, UserGroupSpec,
    UserSpec,
};

/// How the `Retry-After` header of a 429 is written.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum RetryAfterForm {
    /// Delta seconds, e.g. `Retry-After: 38`.
    #[default]
    Seconds,
    /// An HTTP date, e.g. `Retry-After: Tue, 24 Nov 2026 10:15:00 GMT`.
    HttpDate,
}

/// Everything a simulator is started with.
#[derive(Clone)]
pub struct SimOptions {
    /// Where to listen; must be a loopback address. Port 0 picks a free port.
    pub listen: SocketAddr,
    /// The org.
    pub state: OrgState,
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
    /// Share of UMAPI requests that get a fault (0.0–1.0).
    pub fault_rate: f64,
    /// Form of `Retry-After` on 429 answers.
    pub retry_after: RetryAfterForm,
    /// Seed of the fault decisions.
    pub seed: u64,
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
            .field("action_rpm", &self.action_rpm)
            .field("read_rpm", &self.read_rpm)
            .field("groups_rpm", &self.groups_rpm)
            .field("global_rpm", &self.global_rpm)
            .field("window", &self.window)
            .field("latency", &self.latency)
            .field("fault_rate", &self.fault_rate)
            .field("retry_after", &self.retry_after)
            .field("seed", &self.seed)
            .field("token_ttl", &self.token_ttl)
            .field("log", &self.log.is_some())
            .finish()
    }
}

impl SimOptions {
    /// Adobe's documented limits (action 10, users reads 25, groups 5, global 100 per 60 s), no
    /// latency, no faults, seed 1, tokens living 86,399 s, on `127.0.0.1:0`.
    pub fn demo(state: OrgState) -> Self {
        Self {
            listen: SocketAddr::from(([127, 0, 0, 1], 0)),
            state,
            action_rpm: 10,
            read_rpm: 25,
            groups_rpm: 5,
            global_rpm: 100,
            window: Duration::from_secs(60),
            latency: Duration::ZERO,
            fault_rate: 0.0,
            retry_after: RetryAfterForm::Seconds,
            seed: 1,
            token_ttl: Duration::from_secs(86_399),
            log: None,
        }
    }

    /// Like [`SimOptions::demo`] with every throttle limit off (for tests and benchmarks).
    pub fn unlimited(state: OrgState) -> Self {
        Self { action_rpm: 0, read_rpm: 0, groups_rpm: 0, global_rpm: 0, ..Self::demo(state) }
    }
}

/// Reads and checks an org state file (format: samples/README.md, "The org state file").
/// `public_key_file` paths are relative to the state file.
pub fn load_state(path: &Path) -> anyhow::Result<OrgState> {
    let state = state_file::read(path)?;
    check_state(&state, &path.display().to_string())?;
    Ok(state)
}

/// The demo org of `samples/org.json` (SPEC 6.1), built into the binary so that `--sim` works
/// from any directory.
pub fn demo_state() -> anyhow::Result<OrgState> {
    const ORG: &str = include_str!("../../samples/org.json");
    const PUBLIC_KEY: &str = include_str!("../../samples/demo-jwt.pub");
    let origin = Path::new("samples/org.json (built in)");
    let state = state_file::parse(ORG, origin, &|_: &Path| Ok(PUBLIC_KEY.to_string()))?;
    check_state(&state, &origin.display().to_string())?;
    Ok(state)
}

fn check_state(state: &OrgState, origin: &str) -> Result<(), StateFileError> {
    build::build(state).map(|_| ()).map_err(|problems| StateFileError::Invalid { origin: origin.to_string(), problems })
}

/// What `GET /_sim/state` would answer for a fresh simulator of `state` (`sim --dump`).
pub fn dump_state(state: &OrgState) -> anyhow::Result<serde_json::Value> {
    let (org, _) = build::build(state)
        .map_err(|problems| StateFileError::Invalid { origin: "the org state".to_string(), problems })?;
    Ok(snapshot::snapshot(&org, &shared::Counters::default()))
}

/// A running simulator. Dropping it stops the server too; [`SimHandle::shutdown`] also waits.
pub struct SimHandle {
    addr: SocketAddr,
    shared: Arc<shared::Shared>,
    stop: watch::Sender<bool>,
    task: Option<JoinHandle<()>>,
}

/// Binds and spawns the server on the current tokio runtime; returns once it is listening.
pub async fn start(options: SimOptions) -> anyhow::Result<SimHandle> {
    if !options.listen.ip().is_loopback() {
        anyhow::bail!(
            "refusing to listen on {}: the simulator serves loopback only\nhint: use --listen 127.0.0.1:PORT (port 0 picks a free one)",
            options.listen
        );
    }
    let (org, clients) = build::build(&options.state)
        .map_err(|problems| StateFileError::Invalid { origin: "the org state".to_string(), problems })?;
    let limits = throttle::Limits {
        action: options.action_rpm,
        users_read: options.read_rpm,
        groups: options.groups_rpm,
        global: options.global_rpm,
        window: options.window,
    };
    let world = shared::World {
        org,
        tokens: ims::TokenStore::default(),
        throttle: throttle::Throttle::new(limits),
        counters: shared::Counters::default(),
        faults: faults::FaultDice::new(options.seed, options.fault_rate),
    };
    let settings = shared::Settings {
        org_id: options.state.org_id.clone(),
        latency: options.latency,
        retry_after: options.retry_after,
        token_ttl: options.token_ttl,
    };
    let shared = Arc::new(shared::Shared::new(settings, clients, world, options.log.clone()));
    let listener =
        TcpListener::bind(options.listen).await.with_context(|| format!("cannot listen on {}", options.listen))?;
    let addr = listener.local_addr().context("cannot read the simulator's address")?;
    let (stop, stopped) = watch::channel(false);
    let router = server::router(shared.clone());
    let task = tokio::spawn(server::accept_loop(listener, router, shared.clone(), stopped));
    shared.log(&format!(
        "sim: org {} with {} users; limits per {} s: action {}, users reads {}, groups {}, global {} (0 = off); \
         fault rate {}, seed {}",
        options.state.org_id,
        shared.world().org.user_count(),
        options.window.as_secs_f64(),
        options.action_rpm,
        options.read_rpm,
        options.groups_rpm,
        options.global_rpm,
        options.fault_rate,
        options.seed
    ));
    Ok(SimHandle { addr, shared, stop, task: Some(task) })
}

impl SimHandle {
    /// The address the simulator listens on.
    pub fn addr(&self) -> SocketAddr {
        self.addr
    }

    /// `http://127.0.0.1:PORT`; IMS lives here (`/ims/token/v3`, `/ims/exchange/jwt`).
    pub fn base_url(&self) -> String {
        format!("http://{}", self.addr)
    }

    /// `http://127.0.0.1:PORT/v2/usermanagement`.
    pub fn umapi_url(&self) -> String {
        format!("{}/v2/usermanagement", self.base_url())
    }

    /// A configuration pointing at this simulator: the org id, the first API client's id and
    /// secret (and its JWT technical account id, if any), OAuth, and the simulator's limits.
    pub fn client_config(&self) -> Config {
        let client = self.shared.clients.first();
        let limits = self.shared.limits();
        Config {
            org_id: self.shared.settings.org_id.clone(),
            client_id: client.map(|client| client.client_id.clone()).unwrap_or_default(),
            client_secret: client.map(|client| client.client_secret.clone()),
            auth: AuthMethod::Oauth,
            tech_account_id: client.and_then(|client| client.tech_account.as_ref().map(|(id, _)| id.clone())),
            private_key_file: None,
            ims_url: self.base_url(),
            umapi_url: self.umapi_url(),
            limits: ClientLimits {
                action_rpm: limits.action,
                read_rpm: limits.users_read,
                groups_rpm: limits.groups,
                ..ClientLimits::default()
            },
        }
    }

    /// The org's claimed domains (the claimed-domain rule of `check` uses them).
    pub fn claimed_domains(&self) -> Vec<String> {
        self.shared.world().org.domains.keys().cloned().collect()
    }

    /// The same JSON as `GET /_sim/state`, read in-process.
    pub fn snapshot(&self) -> serde_json::Value {
        let world = self.shared.world();
        snapshot::snapshot(&world.org, &world.counters)
    }

    /// Stops accepting, closes every connection and waits for the server task to end.
    pub async fn shutdown(mut self) {
        let _ = self.stop.send(true);
        if let Some(task) = self.task.take() {
            let _ = task.await;
        }
    }
}

impl Drop for SimHandle {
    fn drop(&mut self) {
        let _ = self.stop.send(true);
    }
}

impl fmt::Debug for SimHandle {
    fn fmt(&self, formatter: &mut fmt::Formatter<'_>) -> fmt::Result {
        formatter.debug_struct("SimHandle").field("addr", &self.addr).finish_non_exhaustive()
    }
}
