//! The executor's efficiency under UMAPI's real limits, measured against the simulator: 200 action
//! requests (2,000 users) at 100 action requests per 60 s window with 50 ms latency. The first
//! hundred go in one burst; the second hundred must wait for the first to leave the window, so the
//! theoretical minimum is one window (60 s). Prints the wall time, its ratio to the minimum, and the
//! 429s drawn (goal: at most 1.05 × and none). Also prints the cost of a journal line with and
//! without fsync.
//!
//! Run: `cargo bench --bench executor` (about 65 s). `UMAPI_BULK_BENCH_WINDOW_SECS=6` shrinks the
//! window (and so the minimum) for a quick look. Loopback only; nothing leaves the machine.

use std::io::Write;
use std::sync::Arc;
use std::time::{Duration, Instant};

use umapi_bulk::execute::{self, Batch, CommandSource, ExecuteOptions, JOURNAL_FILE};
use umapi_bulk::sim::{self, SimOptions};
use umapi_bulk::umapi::wire::{Command, CreateOption, CreateUser, Membership, Step};
use umapi_bulk::umapi::{CancelToken, ClientOptions, UmapiClient};

const REQUESTS: usize = 200;
const COMMANDS_PER_REQUEST: usize = 10;
const RATE: u32 = 100;

fn batches() -> Vec<Batch> {
    (0..REQUESTS)
        .map(|request| Batch {
            id: execute::batch_id(request + 1),
            commands: (0..COMMANDS_PER_REQUEST)
                .map(|index| {
                    let email = format!("bench{request:03}-{index}@example.com");
                    Command {
                        user: Some(email.clone()),
                        steps: vec![
                            Step::CreateEnterpriseId(CreateUser {
                                email,
                                firstname: Some("Bench".into()),
                                lastname: Some("User".into()),
                                country: Some("US".into()),
                                option: Some(CreateOption::IgnoreIfAlreadyExists),
                            }),
                            Step::Add(Membership::groups(vec!["Contractors".into()])),
                        ],
                        ..Command::default()
                    }
                })
                .collect(),
            sources: (0..COMMANDS_PER_REQUEST)
                .map(|index| {
                    let row = request * COMMANDS_PER_REQUEST + index;
                    CommandSource::row(row, row as u64 + 2)
                })
                .collect(),
            after: Vec::new(),
        })
        .collect()
}

fn journal_line_cost(dir: &std::path::Path) -> anyhow::Result<(Duration, Duration)> {
    let line = format!(
        "{{\"type\":\"intent\",\"batch\":\"b00001\",\"attempt\":1,\"x_request_id\":\"{}\",\"test_mode\":false,\"at\":\"2026-11-24T10:00:00Z\"}}\n",
        uuid::Uuid::new_v4()
    );
    let lines = 300;
    let measure = |sync: bool| -> anyhow::Result<Duration> {
        let path = dir.join(if sync { "synced.jsonl" } else { "flushed.jsonl" });
        let mut file = std::fs::File::create(path)?;
        let started = Instant::now();
        for _ in 0..lines {
            file.write_all(line.as_bytes())?;
            file.flush()?;
            if sync {
                file.sync_data()?;
            }
        }
        Ok(started.elapsed() / lines)
    };
    Ok((measure(false)?, measure(true)?))
}

#[tokio::main]
async fn main() -> anyhow::Result<()> {
    let window = std::env::var("UMAPI_BULK_BENCH_WINDOW_SECS")
        .ok()
        .and_then(|value| value.parse().ok())
        .map(Duration::from_secs)
        .unwrap_or(Duration::from_secs(60));
    let options = SimOptions {
        action_rpm: RATE,
        global_rpm: RATE,
        window,
        latency: Duration::from_millis(50),
        ..SimOptions::demo(sim::demo_state()?)
    };
    let sim = sim::start(options).await?;
    let mut config = sim.client_config();
    config.limits.window = window;
    let client = Arc::new(UmapiClient::new(&config, ClientOptions::default())?);
    let dir = tempfile::tempdir()?;
    // The configuration file's default: four requests in flight.
    let options = ExecuteOptions { test_mode: false, concurrency: 4, ends_session: true };
    println!(
        "executor bench: {REQUESTS} action requests of {COMMANDS_PER_REQUEST} commands, {RATE} per {window:?} window, \
         50 ms latency, concurrency {}",
        options.concurrency
    );
    let started = Instant::now();
    let report = execute::execute(
        client,
        batches(),
        dir.path(),
        options,
        Arc::new(umapi_bulk::umapi::observe::NoObserver),
        CancelToken::new(),
    )
    .await?;
    let wall = started.elapsed();
    let counters = &sim.snapshot()["counters"];
    let (succeeded, failed, not_attempted) = report.counts();
    println!(
        "outcome: {:?}; commands succeeded {succeeded}, failed {failed}, not attempted {not_attempted}",
        report.end
    );
    println!(
        "wall time {:.2} s; theoretical minimum {:.0} s; ratio {:.3}",
        wall.as_secs_f64(),
        window.as_secs_f64(),
        wall.as_secs_f64() / window.as_secs_f64()
    );
    println!(
        "429s drawn: {} (client counted {}); action requests received by the simulator: {}",
        counters["throttled"], report.statistics.throttled, counters["action_requests"]
    );
    println!(
        "time paced by the limiter {:.2} s; journal {} bytes",
        report.statistics.paced.as_secs_f64(),
        std::fs::metadata(dir.path().join(JOURNAL_FILE)).map(|metadata| metadata.len()).unwrap_or(0)
    );
    let (flushed, synced) = journal_line_cost(dir.path())?;
    println!(
        "journal line: write+flush {:.1} µs, write+flush+fsync {:.1} µs (fsync ×{:.0})",
        flushed.as_secs_f64() * 1e6,
        synced.as_secs_f64() * 1e6,
        synced.as_secs_f64() / flushed.as_secs_f64().max(1e-9)
    );
    sim.shutdown().await;
    Ok(())
}
