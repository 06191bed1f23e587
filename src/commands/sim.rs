//! `umapi-bulk sim`: runs the built-in UMAPI + IMS simulator on loopback until Ctrl-C, or prints
//! the org as `/_sim/state` would (`--dump`).
//!
//! stdout carries exactly one line, `listening on http://ADDR` (tests read the port from it), and
//! is then quiet; the simulator's log goes to stderr (silenced by `--quiet`). Turns the clap
//! arguments into [`SimOptions`]; everything else is `crate::sim`'s.

use std::net::SocketAddr;
use std::sync::Arc;
use std::time::Duration;

use anyhow::Context as _;

use crate::Context;
use crate::cli::{RetryAfterForm as CliRetryAfter, SimArgs};
use crate::exit_status::ExitStatus;
use crate::sim::{self, RetryAfterForm, SimOptions};

/// Runs `sim`.
pub fn run(context: &Context, args: SimArgs) -> anyhow::Result<ExitStatus> {
    let state = sim::load_state(&args.state).with_context(|| {
        format!("cannot use the org state file {}\nhint: the demo org is samples/org.json", args.state.display())
    })?;
    if args.dump {
        let snapshot = sim::dump_state(&state)?;
        let text = serde_json::to_string_pretty(&snapshot).context("cannot render the org state")?;
        context.printer.data(&format!("{text}\n")).context("cannot write to stdout")?;
        return Ok(ExitStatus::Success);
    }
    let options = options_from(&args, state, context)?;
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .context("cannot start the async runtime")?;
    runtime.block_on(async {
        let handle = sim::start(options).await?;
        context.printer.data(&format!("listening on {}\n", handle.base_url())).context("cannot write to stdout")?;
        context.printer.info(&format!(
            "sim: UMAPI at {}; IMS at {}/ims/token/v3; state at {}/_sim/state; Ctrl-C stops",
            handle.umapi_url(),
            handle.base_url(),
            handle.base_url()
        ));
        tokio::signal::ctrl_c().await.context("cannot wait for Ctrl-C")?;
        context.printer.info("sim: stopping");
        handle.shutdown().await;
        Ok(ExitStatus::Success)
    })
}

fn options_from(args: &SimArgs, state: sim::OrgState, context: &Context) -> anyhow::Result<SimOptions> {
    let listen: SocketAddr = args
        .listen
        .parse()
        .with_context(|| format!("--listen {:?} is not an address\nhint: use 127.0.0.1:PORT", args.listen))?;
    if !(0.0..=1.0).contains(&args.fault_rate) {
        anyhow::bail!("--fault-rate {} is not between 0.0 and 1.0", args.fault_rate);
    }
    if args.window_secs == 0 {
        anyhow::bail!("--window-secs must be at least 1");
    }
    let printer = context.printer.clone();
    let log: sim::LogSink = Arc::new(move |line: &str| printer.info(line));
    Ok(SimOptions {
        listen,
        state,
        action_rpm: args.action_rpm,
        read_rpm: args.read_rpm,
        groups_rpm: args.groups_rpm,
        global_rpm: args.global_rpm,
        window: Duration::from_secs(args.window_secs),
        latency: Duration::from_millis(args.latency_ms),
        fault_rate: args.fault_rate,
        retry_after: match args.retry_after {
            CliRetryAfter::Seconds => RetryAfterForm::Seconds,
            CliRetryAfter::Date => RetryAfterForm::HttpDate,
        },
        seed: args.seed,
        token_ttl: Duration::from_secs(args.token_ttl_secs),
        log: Some(log),
    })
}
