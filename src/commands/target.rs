//! Where a command's org is: the configured UMAPI, or the built-in simulator started in-process
//! (`--sim`, SPEC 7) with `samples/org.json` or `--sim-state FILE`. Also builds the UMAPI client
//! with the command's progress observer. A run against the simulator says so first.

use std::path::Path;
use std::sync::Arc;

use anyhow::Context as _;

use crate::Context;
use crate::cli::TargetArgs;
use crate::exit_status::{ExitStatus, Failure};
use crate::printer::with_hint;
use crate::settings::Config;
use crate::sim::{self, SimHandle, SimOptions};
use crate::umapi::client::{ClientOptions, UmapiClient};
use crate::umapi::observe::ClientObserver;

/// The default state file of `--sim`.
pub const DEFAULT_SIM_STATE: &str = "samples/org.json";

/// The org a command works on.
pub struct Target {
    /// The configuration (for `--sim`: the simulator's org, client and URLs).
    pub config: Config,
    /// The in-process simulator, kept alive while the command runs.
    pub simulator: Option<SimHandle>,
}

impl Target {
    /// Whether this is the built-in simulator.
    pub fn is_simulator(&self) -> bool {
        self.simulator.is_some()
    }

    /// A UMAPI client for this target.
    pub fn client(&self, observer: Arc<dyn ClientObserver>) -> anyhow::Result<Arc<UmapiClient>> {
        let options = ClientOptions { observer, ..ClientOptions::default() };
        UmapiClient::new(&self.config, options).map(Arc::new).map_err(|error| error.into_anyhow())
    }

    /// Stops the simulator, if any.
    pub async fn shutdown(self) {
        if let Some(simulator) = self.simulator {
            simulator.shutdown().await;
        }
    }
}

/// The configuration alone (offline commands and the claimed domains for validation).
pub fn offline_config(context: &Context) -> anyhow::Result<Config> {
    context.config().map_err(|error| Failure::new(ExitStatus::InvalidInput, error))
}

/// Connects: starts the simulator for `--sim`, else loads the configuration and checks that it can
/// reach an org. Prints the first line that says which.
pub async fn connect(context: &Context, target: &TargetArgs) -> anyhow::Result<Target> {
    if target.sim {
        let state = match &target.sim_state {
            Some(path) => sim::load_state(path),
            None if Path::new(DEFAULT_SIM_STATE).is_file() => sim::load_state(Path::new(DEFAULT_SIM_STATE)),
            None => sim::demo_state(),
        }
        .map_err(|error| Failure::new(ExitStatus::InvalidInput, error))?;
        let org_id = state.org_id.clone();
        let handle = sim::start(SimOptions::demo(state)).await.context("cannot start the built-in simulator")?;
        let mut config = handle.client_config();
        if let Ok(file) = context.config() {
            config.limits.max_attempts = file.limits.max_attempts;
            config.limits.max_wait = file.limits.max_wait;
            config.limits.concurrency = file.limits.concurrency;
        }
        context.printer.info(&format!(
            "using the built-in UMAPI simulator at {} (org {org_id}); nothing leaves this machine",
            handle.base_url()
        ));
        return Ok(Target { config, simulator: Some(handle) });
    }
    let config = offline_config(context)?;
    if config.org_id.trim().is_empty() || config.client_id.trim().is_empty() {
        let source = config.source.as_ref().map_or_else(
            || "no configuration file (./umapi-bulk.toml not found)".to_string(),
            |path| format!("the configuration file {}", path.display()),
        );
        return Err(Failure::new(
            ExitStatus::InvalidInput,
            with_hint(
                anyhow::anyhow!("{source} does not name an org and an API client (org_id, client_id)"),
                "write umapi-bulk.toml as in samples/umapi-bulk.toml (secret in UMAPI_CLIENT_SECRET), \
                 or add --sim to try the built-in simulator",
            ),
        ));
    }
    context.printer.detail(&format!("org {} at {}", config.org_id, config.umapi_url));
    Ok(Target { config, simulator: None })
}

/// A tokio runtime for one command.
pub fn runtime() -> anyhow::Result<tokio::runtime::Runtime> {
    tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .context("cannot start the async runtime")
}
