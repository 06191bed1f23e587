//! The org a command works on ([`Target`]): the configured org, which must name an org and an API
//! client, or `--sim`, the built-in simulator, which keeps the configuration file's attempts,
//! longest wait and concurrency while its own URLs, credentials and rate limits win
//! ([`simulator_config`]). `--sim` alone is a fresh copy of the demo org built into the binary,
//! wherever the command runs; `--sim-state FILE` is an org kept in FILE across commands.

use std::path::PathBuf;
use std::time::Duration;

use super::{Config, Limits, Sources};
use crate::cli;
use crate::hint::with_hint;

/// The org a command works on.
#[derive(Debug)]
pub enum Target {
    /// `--sim`: the built-in simulator.
    Simulator {
        /// `--sim-state FILE`: the org is loaded from FILE (the demo org when FILE does not exist
        /// yet) and saved back to it when the command ends. `None`: a fresh demo org, forgotten
        /// when the command ends.
        state: Option<PathBuf>,
        /// The file's limits (or the defaults); attempts, longest wait and concurrency are used.
        limits: Limits,
    },
    /// The configured org.
    Org(Box<Config>),
}

impl Target {
    pub(super) fn set_max_wait(&mut self, max_wait: Duration) {
        match self {
            Self::Simulator { limits, .. } => limits.max_wait = max_wait,
            Self::Org(config) => config.limits.max_wait = max_wait,
        }
    }
}

/// The configuration of a run against the simulator: its org, client and rate limits, with the
/// configuration file's attempts, longest wait and concurrency.
pub fn simulator_config(client: crate::umapi::Config, claimed_domains: Vec<String>, file: &Limits) -> Config {
    let mut config = Config::from_client(client, claimed_domains, file.concurrency);
    if config.client_secret_set {
        config.secret_source = super::secret_source::SecretSource::Simulator;
    }
    config.limits.max_attempts = file.max_attempts;
    config.limits.max_wait = file.max_wait;
    config
}

/// The org of a command: `--sim`, or the configured org, which must name an org and a client.
pub(super) fn resolve(args: &cli::TargetArgs, sources: &Sources) -> anyhow::Result<Target> {
    if args.sim {
        let state = args.sim_state.clone();
        // A configuration file that does not load only loses its limits here: the simulator
        // brings its own org, client and URLs.
        let limits = sources.load().map(|config| config.limits).unwrap_or_default();
        return Ok(Target::Simulator { state, limits });
    }
    let mut config = sources.load()?;
    check_names_an_org(&config)?;
    super::secret_source::resolve(&mut config)?;
    Ok(Target::Org(Box::new(config)))
}

/// Refuses a configuration that names no org or no API client, saying which and what to do.
pub(super) fn check_names_an_org(config: &Config) -> anyhow::Result<()> {
    let missing: Vec<&str> = [("org_id", &config.org_id), ("client_id", &config.client_id)]
        .into_iter()
        .filter(|(_, value)| value.trim().is_empty())
        .map(|(key, _)| key)
        .collect();
    if missing.is_empty() {
        return Ok(());
    }
    Err(match &config.source {
        None => with_hint(
            anyhow::anyhow!("no configuration: ./umapi-bulk.toml does not exist and --config was not given"),
            "run `umapi-bulk init` to write one for your org, or add --sim to try the built-in simulator",
        ),
        Some(path) => with_hint(
            anyhow::anyhow!("the configuration file {} has no {}", path.display(), missing.join(" and no ")),
            "add them (the Adobe Developer Console shows both on the credential's page), or write the file \
             again with `umapi-bulk init --force`; --sim tries the built-in simulator instead",
        ),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_simulator_keeps_the_files_attempts_wait_and_concurrency_only() {
        let file = Limits {
            max_attempts: 7,
            max_wait: Duration::from_secs(30),
            concurrency: 2,
            action_rpm: 99,
            ..Limits::default()
        };
        let client = crate::umapi::Config {
            org_id: "SIM@AdobeOrg".into(),
            limits: crate::umapi::Limits { action_rpm: 3, ..crate::umapi::Limits::default() },
            ..crate::umapi::Config::default()
        };
        let config = simulator_config(client, vec!["example.com".into()], &file);
        assert_eq!(
            (config.limits.max_attempts, config.limits.max_wait, config.limits.concurrency),
            (7, Duration::from_secs(30), 2)
        );
        assert_eq!(config.limits.action_rpm, 3);
        assert_eq!(config.claimed_domains, vec!["example.com"]);
    }
}
