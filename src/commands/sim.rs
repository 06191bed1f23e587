//! `umapi-bulk sim`: runs the built-in UMAPI + IMS simulator on loopback until Ctrl-C, prints the
//! org as `/_sim/state` would (`--dump`), or writes it as a state file (`--write-state`).
//!
//! stdout carries exactly one line, `listening on http://ADDR` (tests read the port from it), and
//! is then quiet; the simulator's log goes to stderr (silenced by `--quiet`). The org is the demo
//! org built into the binary unless `--state FILE` or `--synthetic-users N` says otherwise. Builds
//! the [`SimOptions`] from the settings (the flags were checked there); everything else is
//! `crate::sim`'s (docs/simulator.md).

use std::sync::Arc;

use anyhow::Context as _;

use crate::exit_status::ExitStatus;
use crate::hint::with_hint;
use crate::printer::Printer;
use crate::settings::{ServeSettings, SimSettings, SimState};
use crate::sim::{self, SimOptions};

/// Runs `sim`.
pub fn run(printer: &Printer, settings: SimSettings) -> anyhow::Result<ExitStatus> {
    let serve = match settings {
        SimSettings::Dump { state } => {
            let text = sim::dump_state(&whole_org(&state)?)?;
            printer.data(&format!("{text}\n"))?;
            return Ok(ExitStatus::Success);
        }
        SimSettings::WriteState { state, path } => {
            let state = whole_org(&state)?;
            let text = sim::state_file_text(&state)?;
            fs_err::write(&path, text).context("cannot write the state file")?;
            printer.info(&format!(
                "wrote the org ({}) to {}",
                crate::text::plural(state.users.len(), "user", "users"),
                path.display()
            ));
            return Ok(ExitStatus::Success);
        }
        SimSettings::Serve(serve) => serve,
    };
    // A generated org is built user by user while it serves; --dump and --write-state need it whole.
    let (state, synthetic_users) = match &serve.state {
        SimState::Synthetic { users, .. } => (sim::synthetic_catalogue(*users), *users),
        other => (whole_org(other)?, 0),
    };
    let options = SimOptions { synthetic_users, ..options(&serve, state, printer) };
    super::runtime()?.block_on(async {
        let handle = sim::start(options).await?;
        printer.data(&format!("listening on {}\n", handle.base_url()))?;
        printer.info(&format!(
            "sim: UMAPI at {}; IMS at {}/ims/token/v3; state at {}/_sim/state, counters at {}/_sim/counters; \
             Ctrl-C stops",
            handle.umapi_url(),
            handle.base_url(),
            handle.base_url(),
            handle.base_url()
        ));
        for line in config_lines(&handle, &serve.state) {
            printer.info(&line);
        }
        tokio::signal::ctrl_c().await.context("cannot wait for Ctrl-C")?;
        printer.info("sim: stopping");
        handle.shutdown().await;
        Ok(ExitStatus::Success)
    })
}

/// How to point `umapi-bulk` at this simulator: the configuration file's lines (the secret is not
/// printed; docs/try-it.md has the demo org's whole file).
fn config_lines(handle: &sim::SimHandle, state: &SimState) -> Vec<String> {
    let config = handle.client_config();
    let secret = match state {
        SimState::Demo => "the demo org's is in `umapi-bulk sim --help` and docs/try-it.md",
        _ => "the first client's client_secret in the state file",
    };
    vec![
        "sim: to use it from another terminal, a umapi-bulk.toml with:".to_string(),
        format!("  org_id = \"{}\"", config.org_id),
        format!("  client_id = \"{}\"", config.client_id),
        format!("  ims_url = \"{}\"", config.ims_url),
        format!("  umapi_url = \"{}\"", config.umapi_url),
        format!("  # client_secret (or UMAPI_CLIENT_SECRET): {secret}"),
    ]
}

/// The whole org a [`SimState`] names.
fn whole_org(state: &SimState) -> anyhow::Result<sim::OrgState> {
    match state {
        SimState::Demo => sim::demo_state(),
        SimState::Synthetic { users, seed } => Ok(sim::synthetic_state(*users, *seed)),
        SimState::File(path) => sim::load_state(path).map_err(|error| {
            let error = error.context(format!("cannot use the org state file {}", path.display()));
            with_hint(error, "leave out --state for the built-in demo org")
        }),
    }
}

fn options(serve: &ServeSettings, state: sim::OrgState, printer: &Printer) -> SimOptions {
    let printer = printer.clone();
    let log: sim::LogSink = Arc::new(move |line: &str| printer.info(line));
    SimOptions {
        listen: serve.listen,
        state,
        synthetic_users: 0,
        action_rpm: serve.action_rpm,
        read_rpm: serve.read_rpm,
        groups_rpm: serve.groups_rpm,
        global_rpm: serve.global_rpm,
        window: serve.window,
        latency: serve.latency,
        fault_rate: serve.fault_rate,
        fault_menu: serve.fault_menu.clone(),
        retry_after: serve.retry_after,
        seed: serve.seed,
        command_order: serve.command_order,
        session: serve.session.clone(),
        token_ttl: serve.token_ttl,
        log: Some(log),
    }
}
