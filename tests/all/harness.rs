//! What the integration tests share: the binary (its path, and a command run in isolation: temp
//! dir, cleared environment, no terminal), temporary directories, polling with a deadline instead
//! of sleeping, the simulator's counters read strictly, and paths to the project's samples and
//! fixtures.

#![allow(dead_code)]

use std::future::Future;
use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

use serde_json::Value;

/// The repository root (where Cargo.toml is).
pub fn root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

/// A file under `samples/`.
pub fn sample(name: &str) -> PathBuf {
    root().join("samples").join(name)
}

/// A file under `fixtures/`.
pub fn fixture(name: &str) -> PathBuf {
    root().join("fixtures").join(name)
}

/// The path of the built binary.
pub fn binary() -> PathBuf {
    PathBuf::from(env!("CARGO_BIN_EXE_umapi-bulk"))
}

/// The binary as a child process in `dir`, with a cleared environment (only PATH and HOME kept,
/// NO_COLOR set) and no stdin; for tests that signal or stream a running process.
pub fn command(dir: &Path) -> std::process::Command {
    let mut command = std::process::Command::new(binary());
    command.env_clear().current_dir(dir).env("NO_COLOR", "1").stdin(std::process::Stdio::null());
    for key in ["PATH", "HOME"] {
        if let Some(value) = std::env::var_os(key) {
            command.env(key, value);
        }
    }
    command
}

/// The binary run to completion in `dir`, isolated as [`command`] is.
pub fn umapi_bulk(dir: &Path) -> assert_cmd::Command {
    assert_cmd::Command::from_std(command(dir))
}

/// A fresh temporary directory.
pub fn temp_dir() -> tempfile::TempDir {
    tempfile::tempdir().unwrap_or_else(|error| panic!("cannot create a temp dir: {error}"))
}

/// A counter of a simulator state (`/_sim/state`): fails the test when the simulator has no counter
/// of that name, so that a renamed counter cannot read as 0 and let an `== 0` guard pass.
pub fn counter(state: &Value, name: &str) -> u64 {
    let counters = state["counters"].as_object().unwrap_or_else(|| panic!("the state has no counters: {state}"));
    match counters.get(name) {
        Some(value) => value.as_u64().unwrap_or_else(|| panic!("counter {name:?} is not a count: {value}")),
        None => {
            let names: Vec<&String> = counters.keys().collect();
            panic!("the simulator has no counter {name:?}; it has {names:?}")
        }
    }
}

/// Polls `check` until it returns `Some`, or fails the test at the deadline.
pub async fn poll<T, F, Fut>(deadline: Duration, check: F) -> T
where
    F: FnMut() -> Fut,
    Fut: Future<Output = Option<T>>,
{
    match wait_for(deadline, check).await {
        Some(value) => value,
        None => panic!("condition not met within {deadline:?}"),
    }
}

/// Polls `check` until it returns `Some`, or gives up at the deadline (`None`): for conditions a
/// test may settle without.
pub async fn wait_for<T, F, Fut>(deadline: Duration, mut check: F) -> Option<T>
where
    F: FnMut() -> Fut,
    Fut: Future<Output = Option<T>>,
{
    let until = Instant::now() + deadline;
    loop {
        if let Some(value) = check().await {
            return Some(value);
        }
        if Instant::now() >= until {
            return None;
        }
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
}

#[test]
fn an_unknown_counter_fails_instead_of_reading_zero() {
    let state = serde_json::json!({"counters": {"action_requests": 0}});
    assert_eq!(counter(&state, "action_requests"), 0);
    let renamed = std::panic::catch_unwind(|| counter(&state, "actions"));
    assert!(renamed.is_err(), "a counter the simulator does not have must fail the test");
}

#[test]
fn the_demo_simulator_has_every_counter_the_tests_read() {
    let dir = temp_dir();
    let output = umapi_bulk(dir.path()).args(["sim", "--dump", "--state"]).arg(sample("org.json")).output();
    let output = output.unwrap_or_else(|error| panic!("cannot run umapi-bulk: {error}"));
    let state: Value = serde_json::from_slice(&output.stdout).unwrap_or_else(|error| panic!("{error}"));
    for name in [
        "action_requests",
        "commands_applied",
        "throttled",
        "faults",
        "faults_before",
        "faults_after",
        "connections_dropped",
        "token_requests",
        "token_refusals",
        "unauthorized",
        "read_requests",
        "sync_start",
        "sync_end",
    ] {
        counter(&state, name);
    }
}
