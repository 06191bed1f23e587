//! `umapi-bulk sim`: runs the built-in UMAPI + IMS simulator on loopback until Ctrl-C, prints the
//! org as `/_sim/state` would (`--dump`), or writes it as a state file (`--write-state`).
//!
//! stdout carries exactly one line, `listening on http://ADDR` (tests read the port from it), and
//! is then quiet; the simulator's log goes to stderr (silenced by `--quiet`). The org is the demo
//! org built into the binary unless `--state FILE` or `--synthetic-users N` says otherwise. Turns
//! the clap arguments into [`SimOptions`]; everything else is `crate::sim`'s (docs/simulator.md).

use std::net::SocketAddr;
use std::sync::Arc;
use std::time::Duration;

use anyhow::Context as _;

use crate::Context;
use crate::cli::{RetryAfterForm as CliRetryAfter, SimArgs, SimCommandOrder};
use crate::exit_status::ExitStatus;
use crate::sim::{self, CommandOrder, FaultMenu, RetryAfterForm, SessionThrottle, SimOptions};

/// Runs `sim`.
pub fn run(context: &Context, args: SimArgs) -> anyhow::Result<ExitStatus> {
    let (state, synthetic_users) = match (&args.state, args.synthetic_users) {
        (Some(path), _) => (
            sim::load_state(path).with_context(|| {
                format!(
                    "cannot use the org state file {}\nhint: leave out --state for the built-in demo org",
                    path.display()
                )
            })?,
            0,
        ),
        // A generated org is built user by user when it serves; --dump and --write-state need it whole.
        (None, Some(users)) if args.dump || args.write_state.is_some() => (sim::synthetic_state(users, args.seed), 0),
        (None, Some(users)) => (sim::synthetic_catalogue(users), users),
        (None, None) => (sim::demo_state()?, 0),
    };
    if let Some(path) = &args.write_state {
        let text = sim::state_file_text(&state)?;
        fs_err::write(path, text)?;
        context.printer.info(&format!("wrote the org ({} users) to {}", state.users.len(), path.display()));
        return Ok(ExitStatus::Success);
    }
    if args.dump {
        let text = sim::dump_state(&state)?;
        context.printer.data(&format!("{text}\n")).context("cannot write to stdout")?;
        return Ok(ExitStatus::Success);
    }
    let options = SimOptions { synthetic_users, ..options_from(&args, state, context)? };
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .context("cannot start the async runtime")?;
    runtime.block_on(async {
        let handle = sim::start(options).await?;
        context.printer.data(&format!("listening on {}\n", handle.base_url())).context("cannot write to stdout")?;
        context.printer.info(&format!(
            "sim: UMAPI at {}; IMS at {}/ims/token/v3; state at {}/_sim/state, counters at {}/_sim/counters; \
             Ctrl-C stops",
            handle.umapi_url(),
            handle.base_url(),
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
    if args.session_window_secs == 0 {
        anyhow::bail!("--session-window-secs must be at least 1");
    }
    let printer = context.printer.clone();
    let log: sim::LogSink = Arc::new(move |line: &str| printer.info(line));
    Ok(SimOptions {
        listen,
        state,
        synthetic_users: 0,
        action_rpm: args.action_rpm,
        read_rpm: args.read_rpm,
        groups_rpm: args.groups_rpm,
        global_rpm: args.global_rpm,
        window: Duration::from_secs(args.window_secs),
        latency: Duration::from_millis(args.latency_ms),
        fault_rate: args.fault_rate,
        fault_menu: fault_menu(&args.faults, args.slow_answer_ms)?,
        retry_after: match args.retry_after {
            CliRetryAfter::Seconds => RetryAfterForm::Seconds,
            CliRetryAfter::Date => RetryAfterForm::HttpDate,
        },
        seed: args.seed,
        command_order: match args.command_order {
            SimCommandOrder::Shuffled => CommandOrder::Shuffled,
            SimCommandOrder::Sent => CommandOrder::AsSent,
        },
        session: SessionThrottle {
            sessions: args.session_throttle,
            page_zero: args.page_zero_rule,
            window: Duration::from_secs(args.session_window_secs),
            retry_after: seconds_range(&args.session_retry_after_secs)?,
        },
        token_ttl: Duration::from_secs(args.token_ttl_secs),
        log: Some(log),
    })
}

/// `--fault KIND=RATE` values into the fault menu.
fn fault_menu(entries: &[String], slow_answer_ms: u64) -> anyhow::Result<FaultMenu> {
    let mut menu = FaultMenu { slow_by: Duration::from_millis(slow_answer_ms), ..FaultMenu::default() };
    for entry in entries {
        let hint = "hint: use KIND=RATE with KIND one of mid-batch-500, migrating, command-error, slow-answer, \
                    ims-429 and RATE between 0.0 and 1.0";
        let Some((kind, rate)) = entry.split_once('=') else {
            anyhow::bail!("--fault {entry:?} has no =\n{hint}");
        };
        let rate: f64 = rate
            .trim()
            .parse()
            .ok()
            .filter(|rate| (0.0..=1.0).contains(rate))
            .with_context(|| format!("--fault {entry:?}: {rate:?} is not a rate between 0.0 and 1.0\n{hint}"))?;
        let slot = match kind.trim() {
            "mid-batch-500" => &mut menu.mid_batch_500,
            "migrating" => &mut menu.migrating,
            "command-error" => &mut menu.command_error,
            "slow-answer" => &mut menu.slow_answer,
            "ims-429" => &mut menu.ims_429,
            other => anyhow::bail!("--fault {entry:?}: unknown kind {other:?}\n{hint}"),
        };
        *slot = rate;
    }
    Ok(menu)
}

/// `N` or `MIN-MAX` seconds.
fn seconds_range(text: &str) -> anyhow::Result<(Duration, Duration)> {
    let parse = |part: &str| part.trim().parse::<u64>().ok();
    let range = match text.split_once('-') {
        Some((low, high)) => parse(low).zip(parse(high)),
        None => parse(text).map(|seconds| (seconds, seconds)),
    };
    match range {
        Some((low, high)) if low >= 1 && low <= high => Ok((Duration::from_secs(low), Duration::from_secs(high))),
        _ => anyhow::bail!(
            "--session-retry-after-secs {text:?} is not N or MIN-MAX whole seconds (at least 1)\nhint: Adobe's \
             observed range is 2000-3600"
        ),
    }
}
