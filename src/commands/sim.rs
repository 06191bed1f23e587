//! `umapi-bulk sim`: runs the built-in UMAPI + IMS simulator on loopback until Ctrl-C, or prints
//! the org as `/_sim/state` would (`--dump`).
//!
//! stdout carries exactly one line, `listening on http://ADDR` (tests read the port from it), and
//! is then quiet; the simulator's log goes to stderr (silenced by `--quiet`). Builds the
//! [`SimOptions`] from the settings (the flags were checked there); everything else is
//! `crate::sim`'s.

use std::sync::Arc;

use anyhow::Context as _;

use crate::exit_status::ExitStatus;
use crate::hint::with_hint;
use crate::printer::Printer;
use crate::settings::{ServeSettings, SimSettings};
use crate::sim::{self, SimOptions};

/// Runs `sim`.
pub fn run(printer: &Printer, settings: SimSettings) -> anyhow::Result<ExitStatus> {
    let state_file = match &settings {
        SimSettings::Dump { state } => state,
        SimSettings::Serve(serve) => &serve.state,
    };
    let state = sim::load_state(state_file).map_err(|error| {
        let error = error.context(format!("cannot use the org state file {}", state_file.display()));
        with_hint(error, "the demo org is samples/org.json")
    })?;
    let serve = match settings {
        SimSettings::Dump { .. } => {
            let snapshot = sim::dump_state(&state)?;
            let text = serde_json::to_string_pretty(&snapshot).context("cannot render the org state")?;
            printer.data(&format!("{text}\n"))?;
            return Ok(ExitStatus::Success);
        }
        SimSettings::Serve(serve) => serve,
    };
    let options = options(&serve, state, printer);
    super::runtime()?.block_on(async {
        let handle = sim::start(options).await?;
        printer.data(&format!("listening on {}\n", handle.base_url()))?;
        printer.info(&format!(
            "sim: UMAPI at {}; IMS at {}/ims/token/v3; state at {}/_sim/state; Ctrl-C stops",
            handle.umapi_url(),
            handle.base_url(),
            handle.base_url()
        ));
        tokio::signal::ctrl_c().await.context("cannot wait for Ctrl-C")?;
        printer.info("sim: stopping");
        handle.shutdown().await;
        Ok(ExitStatus::Success)
    })
}

fn options(serve: &ServeSettings, state: sim::OrgState, printer: &Printer) -> SimOptions {
    let printer = printer.clone();
    let log: sim::LogSink = Arc::new(move |line: &str| printer.info(line));
    SimOptions {
        listen: serve.listen,
        state,
        action_rpm: serve.action_rpm,
        read_rpm: serve.read_rpm,
        groups_rpm: serve.groups_rpm,
        global_rpm: serve.global_rpm,
        window: serve.window,
        latency: serve.latency,
        fault_rate: serve.fault_rate,
        retry_after: serve.retry_after,
        seed: serve.seed,
        token_ttl: serve.token_ttl,
        log: Some(log),
    }
}
