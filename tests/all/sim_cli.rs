//! `umapi-bulk sim` as a process: the first stdout line, a live server on the announced port, the
//! log on stderr, `--dump`, and the errors for a bad state file, a non-loopback address and bad
//! flags.

use std::io::{BufRead, BufReader, Read};
use std::process::{Child, Command, Stdio};
use std::time::Duration;

use serde_json::Value;

use crate::harness;
use crate::harness::poll;
use crate::sim_support::{ORG, http, oauth_token};

/// A child process that is killed if the test ends before it exits.
struct Running(Child);

impl Drop for Running {
    fn drop(&mut self) {
        if self.0.try_wait().ok().flatten().is_none() {
            let _ = self.0.kill();
            let _ = self.0.wait();
        }
    }
}

/// The binary as a child process in `dir`, environment cleared like the harness does.
fn spawn_sim(dir: &std::path::Path, args: &[&str]) -> Running {
    let mut command = harness::command(dir);
    command.arg("sim").args(args).stdout(Stdio::piped()).stderr(Stdio::piped());
    Running(command.spawn().unwrap_or_else(|error| panic!("cannot start umapi-bulk sim: {error}")))
}

#[tokio::test]
async fn sim_prints_its_address_first_and_serves_the_demo_org_there() {
    let dir = harness::temp_dir();
    let state = harness::sample("org.json");
    let mut running = spawn_sim(dir.path(), &["--listen", "127.0.0.1:0", "--state", &state.display().to_string()]);
    let child = &mut running.0;
    let stdout = child.stdout.take().expect("stdout");
    let first_line = tokio::task::spawn_blocking(move || {
        let mut line = String::new();
        BufReader::new(stdout).read_line(&mut line).map(|_| line)
    })
    .await
    .expect("reader")
    .unwrap_or_default();
    let base_url = first_line.trim().strip_prefix("listening on ").map(str::to_string);
    let Some(base_url) = base_url.filter(|url| url.starts_with("http://127.0.0.1:") && !url.ends_with(":0")) else {
        panic!("first stdout line: {first_line:?}");
    };
    let client = http();
    let token = oauth_token(&client, &base_url).await;
    let response = client
        .get(format!("{base_url}/v2/usermanagement/users/{ORG}/0"))
        .bearer_auth(&token)
        .header("X-Api-Key", "demo-client")
        .send()
        .await
        .expect("users");
    let body: Value = response.json().await.unwrap_or(Value::Null);
    assert_eq!(body["users"].as_array().map(Vec::len), Some(20));
    // Ctrl-C (SIGINT to the child we started) stops the server cleanly with exit code 0.
    let interrupted = Command::new("kill").args(["-INT", &child.id().to_string()]).status();
    assert!(interrupted.is_ok_and(|status| status.success()), "kill -INT");
    let code = poll(Duration::from_secs(10), || {
        let exited = child.try_wait().ok().flatten();
        async move { exited.map(|status| status.code()) }
    })
    .await;
    assert_eq!(code, Some(0));
    let mut stderr = String::new();
    let _ = child.stderr.take().map(|mut pipe| pipe.read_to_string(&mut stderr));
    assert!(stderr.contains("sim: org DEMO0000000000000000000@AdobeOrg with 20 users"), "{stderr}");
    assert!(stderr.contains("issued a token"), "{stderr}");
    assert!(stderr.contains("sim: stopping"), "{stderr}");
    assert!(!stderr.contains(&token) && !stderr.contains("demo-secret"), "no secrets in the log");
}

#[test]
fn dump_prints_the_org_state_as_json_and_exits() {
    let dir = harness::temp_dir();
    let state = harness::sample("org.json");
    let output = harness::umapi_bulk(dir.path()).args(["sim", "--dump", "--state"]).arg(&state).output().expect("ran");
    assert_eq!(output.status.code(), Some(0), "{}", String::from_utf8_lossy(&output.stderr));
    let dump: Value = serde_json::from_slice(&output.stdout).expect("JSON on stdout");
    assert_eq!(dump["org_id"], ORG);
    assert_eq!(dump["users"].as_array().map(Vec::len), Some(20));
    assert_eq!(dump["counters"]["action_requests"], 0);
    let first = &dump["users"][0];
    assert_eq!(first["email"], "adobe01@gmail.com", "users are sorted by email");
    assert!(first["licences"].is_array());
}

#[test]
fn a_bad_state_file_is_refused_with_its_problems_and_exit_code_2() {
    let dir = harness::temp_dir();
    let path = dir.path().join("org.json");
    let text = r#"{"org_id": "X@AdobeOrg", "clients": [{"client_id": "c", "client_secret": "s"}],
        "domains": [{"name": "example.com", "directory": "enterprise"}],
        "users": [{"type": "federatedID", "email": "a@example.com", "country": "US"},
                  {"type": "enterpriseID", "email": "b@example.com", "groups": ["Designers"]}]}"#;
    std::fs::write(&path, text).expect("written");
    let output = harness::umapi_bulk(dir.path()).args(["sim", "--state", "org.json"]).output().expect("ran");
    assert_eq!(output.status.code(), Some(2));
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(stderr.contains("org.json has 2 problem(s)"), "{stderr}");
    assert!(stderr.contains("users[0] (\"a@example.com\"): domain \"example.com\" is attached to the Enterprise directory, so its users are Enterprise IDs, not Federated IDs"), "{stderr}");
    assert!(stderr.contains("users[1] (\"b@example.com\"): group \"Designers\" does not exist"), "{stderr}");
    let output = harness::umapi_bulk(dir.path()).args(["sim", "--state", "missing.json"]).output().expect("ran");
    assert_eq!(output.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&output.stderr).contains("missing.json"));
}

#[test]
fn sim_listens_on_loopback_only_and_checks_its_flags() {
    let dir = harness::temp_dir();
    let state = harness::sample("org.json");
    for (args, needle) in [
        (vec!["--listen", "0.0.0.0:0"], "loopback only"),
        (vec!["--listen", "localhost"], "is not an address"),
        (vec!["--fault-rate", "1.5"], "--fault-rate"),
        (vec!["--window-secs", "0"], "--window-secs"),
        (vec!["--fault", "gremlins=0.5"], "unknown kind \"gremlins\""),
        (vec!["--fault", "migrating=2"], "not a rate between 0.0 and 1.0"),
        (vec!["--fault", "migrating"], "has no ="),
        (vec!["--session-retry-after-secs", "10-5"], "--session-retry-after-secs"),
        (vec!["--session-window-secs", "0"], "--session-window-secs"),
        (vec!["--synthetic-users", "5"], "cannot be used with"),
    ] {
        let output =
            harness::umapi_bulk(dir.path()).arg("sim").args(&args).arg("--state").arg(&state).output().expect("ran");
        assert_eq!(output.status.code(), Some(2), "{args:?}");
        let stderr = String::from_utf8_lossy(&output.stderr);
        assert!(stderr.contains(needle), "{args:?}: {stderr}");
    }
}

/// Reads the first stdout line of a running simulator: its base URL.
async fn base_url_of(running: &mut Running) -> String {
    let stdout = running.0.stdout.take().expect("stdout");
    let first_line = tokio::task::spawn_blocking(move || {
        let mut line = String::new();
        BufReader::new(stdout).read_line(&mut line).map(|_| line)
    })
    .await
    .expect("reader")
    .unwrap_or_default();
    first_line.trim().strip_prefix("listening on ").map(str::to_string).unwrap_or_else(|| panic!("{first_line:?}"))
}

async fn user_count(base_url: &str) -> Value {
    let counters: Value =
        http().get(format!("{base_url}/_sim/counters")).send().await.expect("counters").json().await.expect("JSON");
    counters["user_count"].clone()
}

/// SPEC 9: the demo org is built into the binary, so `umapi-bulk sim` works from any directory.
#[tokio::test]
async fn sim_serves_the_built_in_demo_org_from_any_directory() {
    let dir = harness::temp_dir();
    let mut running = spawn_sim(dir.path(), &["--listen", "127.0.0.1:0"]);
    let base_url = base_url_of(&mut running).await;
    assert_eq!(user_count(&base_url).await, 20);
}

/// Issue 13: `--synthetic-users N` serves a generated org without a file; `--write-state` writes
/// the same org as a state file that loads back.
#[tokio::test]
async fn synthetic_users_serve_a_generated_org_and_write_state_writes_it() {
    let dir = harness::temp_dir();
    let mut running = spawn_sim(dir.path(), &["--synthetic-users", "2500", "--seed", "4"]);
    let base_url = base_url_of(&mut running).await;
    assert_eq!(user_count(&base_url).await, 2500);
    let output = harness::umapi_bulk(dir.path())
        .args(["sim", "--synthetic-users", "40", "--seed", "4", "--write-state", "org40.json"])
        .output()
        .expect("ran");
    assert_eq!(output.status.code(), Some(0), "{}", String::from_utf8_lossy(&output.stderr));
    let state = umapi_bulk::sim::load_state(&dir.path().join("org40.json")).expect("loads back");
    assert_eq!(state.users.len(), 40);
    assert_eq!(state.product_configurations.len(), 30);
}
