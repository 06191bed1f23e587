//! The built-in UMAPI + IMS simulator (SPEC 6, UMAPI.md D): an in-memory org loaded from a state
//! file, served with axum on loopback with UMAPI's URL paths, JSON shapes, error codes, licence
//! allocation, sliding-window throttling and seeded fault injection.
//!
//! This module is the simulator's public face: [`SimOptions`], [`start`] and [`SimHandle`] for
//! in-process use (the `--sim` flag, tests), [`load_state`] / [`demo_state`] /
//! [`synthetic_state`] for the org, and [`dump_state`] / [`state_file_text`] for `sim --dump` and
//! `sim --write-state`. It uses `umapi::wire`'s types and nothing of the client. docs/simulator.md
//! describes every behaviour with the UMAPI.md section it follows. Its files, one concern each:
//! options (what a simulator starts with), state_file + state_format (the org description and its
//! JSON), save (the live org back as a state), synthetic (generated orgs), build (rules of an org), org + user_index + user_text + memberships +
//! ranked + catalogue (the live org, its indexes, lines and licences), rules (field rules),
//! validate + steps (command syntax), commands + group_commands (command semantics), action (the
//! action endpoint), reads (the read endpoints), ims (token endpoints), auth, throttle, session
//! (the sync-session throttle), faults + fault_menu + dice (seeded faults), gate (the request
//! pipeline), server (routes, connections), snapshot (`/_sim/state`, `/_sim/counters`), shared (the
//! lock and counters).

mod action;
mod auth;
mod build;
mod catalogue;
mod commands;
mod dice;
mod fault_menu;
mod faults;
mod gate;
mod group_commands;
mod ims;
mod memberships;
mod options;
mod org;
mod ranked;
mod reads;
mod rules;
mod save;
mod server;
mod session;
mod shared;
mod snapshot;
mod state_file;
mod state_format;
mod steps;
mod synthetic;
mod throttle;
mod user_index;
mod user_text;
mod validate;

use std::fmt;
use std::net::SocketAddr;
use std::path::Path;
use std::sync::Arc;

use anyhow::Context as _;
use tokio::net::TcpListener;
use tokio::sync::watch;
use tokio::task::JoinHandle;

use crate::umapi::config::{AuthMethod, Config, Limits as ClientLimits};

pub use options::{CommandOrder, FaultMenu, RetryAfterForm, SessionThrottle, SimOptions};
pub use shared::LogSink;
pub use state_file::{
    ApiClient, ClaimedDomain, Directory, Login, MAX_USER_GROUP_MEMBERS, OrgState, ProductConfiguration, StateFileError,
    TechAccount, TrustedDomain, UserGroupSpec, UserSpec,
};
pub use synthetic::{SYNTHETIC_ORG_ID, synthetic_catalogue, synthetic_state};

/// Reads and checks an org state file (format: docs/simulator.md, "The state file").
/// `public_key_file` paths are relative to the state file.
pub fn load_state(path: &Path) -> anyhow::Result<OrgState> {
    let state = state_format::read(path)?;
    check_state(&state, &path.display().to_string())?;
    Ok(state)
}

/// The demo org of `samples/org.json` (SPEC 6.1), built into the binary so that `--sim` works
/// from any directory.
pub fn demo_state() -> anyhow::Result<OrgState> {
    const ORG: &str = include_str!("../../samples/org.json");
    const PUBLIC_KEY: &str = include_str!("../../samples/demo-jwt.pub");
    let origin = Path::new("samples/org.json (built in)");
    let state = state_format::parse(ORG, origin, &|_: &Path| Ok(PUBLIC_KEY.to_string()))?;
    check_state(&state, &origin.display().to_string())?;
    Ok(state)
}

fn check_state(state: &OrgState, origin: &str) -> Result<(), StateFileError> {
    build::build(state).map(|_| ()).map_err(|problems| StateFileError::Invalid { origin: origin.to_string(), problems })
}

/// What `GET /_sim/state` would answer for a fresh simulator of `state` (`sim --dump`), as pretty
/// JSON.
pub fn dump_state(state: &OrgState) -> anyhow::Result<String> {
    let (org, _) = build::build(state)
        .map_err(|problems| StateFileError::Invalid { origin: "the org state".to_string(), problems })?;
    let text = snapshot::snapshot_text(&org, &shared::Counters::default(), true).context("cannot render the org")?;
    String::from_utf8(text).context("the org state is not UTF-8")
}

/// `state` as a state file (`sim --write-state`): pretty JSON, one user a line.
pub fn state_file_text(state: &OrgState) -> anyhow::Result<String> {
    state_format::write(state).context("cannot write the org state")
}

/// A running simulator. Dropping it stops the server too; [`SimHandle::shutdown`] also waits.
pub struct SimHandle {
    addr: SocketAddr,
    shared: Arc<shared::Shared>,
    /// What UMAPI cannot change of the org it started with (for [`SimHandle::org_state`]).
    fixed: OrgState,
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
    let generated = synthetic::synthetic_users(options.synthetic_users, options.seed);
    let (org, clients) = build::build_with(&options.state, generated)
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
        sessions: session::Sessions::new(options.session.clone(), options.seed),
        actions: 0,
        token_arrivals: 0,
    };
    let settings = shared::Settings {
        org_id: options.state.org_id.clone(),
        latency: options.latency,
        retry_after: options.retry_after,
        token_ttl: options.token_ttl,
        seed: options.seed,
        command_order: options.command_order,
        fault_menu: options.fault_menu.clone(),
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
         fault rate {}, fault menu {:?}, seed {}, commands {:?}, session throttle {}, page-0 rule {}",
        options.state.org_id,
        shared.world().org.user_count(),
        options.window.as_secs_f64(),
        options.action_rpm,
        options.read_rpm,
        options.groups_rpm,
        options.global_rpm,
        options.fault_rate,
        options.fault_menu,
        options.seed,
        options.command_order,
        if options.session.sessions { "on" } else { "off" },
        if options.session.page_zero { "on" } else { "off" },
    ));
    Ok(SimHandle { addr, shared, fixed: save::fixed_part(&options.state), stop, task: Some(task) })
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
            extra_ca_pem: None,
        }
    }

    /// The org's claimed domains (the claimed-domain rule of `check` uses them).
    pub fn claimed_domains(&self) -> Vec<String> {
        self.shared.world().org.claimed_domains().map(str::to_string).collect()
    }

    /// The same JSON as `GET /_sim/state`, read in-process.
    pub fn snapshot(&self) -> serde_json::Value {
        let world = self.shared.world();
        snapshot::snapshot(&world.org, &world.counters)
    }

    /// The org as it is now, as a state file describes it (`--sim-state` saves it with
    /// [`state_file_text`]): the users and user groups as UMAPI left them, the rest as it started.
    pub fn org_state(&self) -> OrgState {
        let world = self.shared.world();
        save::current(&self.fixed, &world.org)
    }

    /// The same JSON as `GET /_sim/counters` (the org id, the number of users and the counters),
    /// read in-process; cheap whatever the size of the org.
    pub fn counters(&self) -> serde_json::Value {
        let world = self.shared.world();
        snapshot::counters(&world.org, &world.counters)
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
