//! `umapi-bulk doctor` through the binary against the simulator: every check passes (configured
//! org and `--sim`); a wrong IMS path is a wrong URL (HTTP 404), not refused credentials; nothing
//! listening fails at once with a hint about the URL and the network; a refused secret is IMS's
//! `invalid_client` with a hint about the secret; a wrong UMAPI URL names what was requested. The
//! secret never appears in the output.

use std::time::{Duration, Instant};

use crate::harness;

const SECRET: &str = "demo-secret";

async fn simulator() -> umapi_bulk::sim::SimHandle {
    let state = umapi_bulk::sim::demo_state().unwrap_or_else(|error| panic!("{error}"));
    umapi_bulk::sim::start(umapi_bulk::sim::SimOptions::unlimited(state))
        .await
        .unwrap_or_else(|error| panic!("the simulator did not start: {error:#}"))
}

/// Runs `doctor` in a temp dir whose umapi-bulk.toml points at `ims_url` and `umapi_url`, with
/// `secret` in the environment: (exit code, stdout, seconds taken).
fn doctor(ims_url: &str, umapi_url: &str, secret: &str) -> (Option<i32>, String, Duration) {
    let dir = harness::temp_dir();
    let config = format!(
        "org_id = \"DEMO0000000000000000000@AdobeOrg\"\nclient_id = \"demo-client\"\n\
         ims_url = \"{ims_url}\"\numapi_url = \"{umapi_url}\"\n"
    );
    std::fs::write(dir.path().join("umapi-bulk.toml"), config).unwrap_or_else(|error| panic!("{error}"));
    let started = Instant::now();
    let output = harness::command(dir.path())
        .env("UMAPI_CLIENT_SECRET", secret)
        .arg("doctor")
        .output()
        .unwrap_or_else(|error| panic!("cannot run umapi-bulk: {error}"));
    let stdout = String::from_utf8_lossy(&output.stdout).to_string();
    assert!(!stdout.contains(secret) || secret == "x", "the secret leaked: {stdout}");
    assert!(!String::from_utf8_lossy(&output.stderr).contains(secret), "the secret leaked");
    (output.status.code(), stdout, started.elapsed())
}

fn line<'a>(stdout: &'a str, name: &str) -> &'a str {
    stdout
        .lines()
        .find(|line| line.split_once(' ').is_some_and(|(_, rest)| rest.starts_with(name)))
        .unwrap_or_else(|| panic!("no {name:?} line in:\n{stdout}"))
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn every_check_passes_against_the_simulator() {
    let sim = simulator().await;
    let (code, stdout, _) = doctor(&sim.base_url(), &sim.umapi_url(), SECRET);
    assert_eq!(code, Some(0), "{stdout}");
    for name in ["configuration", "client secret", "IMS token", "UMAPI access"] {
        assert!(line(&stdout, name).starts_with('✓'), "{stdout}");
    }
    assert!(line(&stdout, "client secret").contains("UMAPI_CLIENT_SECRET"), "{stdout}");
    assert!(line(&stdout, "clock").starts_with('-') && line(&stdout, "clock").contains("OAuth"), "{stdout}");
    sim.shutdown().await;
}

#[test]
fn doctor_sim_passes_every_check() {
    let dir = harness::temp_dir();
    let output = harness::umapi_bulk(dir.path()).args(["doctor", "--sim"]).output();
    let output = output.unwrap_or_else(|error| panic!("{error}"));
    let stdout = String::from_utf8_lossy(&output.stdout);
    assert_eq!(output.status.code(), Some(0), "{stdout}");
    assert_eq!(stdout.lines().filter(|line| line.starts_with('✓')).count(), 4, "{stdout}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_wrong_ims_path_is_a_wrong_url_not_refused_credentials() {
    let sim = simulator().await;
    let (code, stdout, _) = doctor(&format!("{}/wrong/path", sim.base_url()), &sim.umapi_url(), SECRET);
    assert_eq!(code, Some(3), "{stdout}");
    let token = line(&stdout, "IMS token");
    assert!(
        token.starts_with('✗') && token.contains("HTTP 404") && token.contains("no IMS token endpoint"),
        "{stdout}"
    );
    assert!(!stdout.contains("refused the credentials"), "{stdout}");
    let hint = stdout.lines().find(|line| line.trim_start().starts_with("hint:")).unwrap_or_default();
    assert!(hint.contains("check ims_url") && !hint.contains("secret"), "{stdout}");
    assert!(line(&stdout, "UMAPI access").starts_with('-'), "{stdout}");
    sim.shutdown().await;
}

#[test]
fn nothing_listening_fails_within_seconds_with_a_hint() {
    // A port that was free a moment ago: nothing listens there.
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .and_then(|listener| listener.local_addr())
        .map(|address| address.port())
        .unwrap_or_else(|error| panic!("{error}"));
    let base = format!("http://127.0.0.1:{port}");
    let (code, stdout, took) = doctor(&base, &format!("{base}/v2/usermanagement"), SECRET);
    assert_eq!(code, Some(3), "{stdout}");
    assert!(took < Duration::from_secs(10), "took {took:?}");
    let token = line(&stdout, "IMS token");
    assert!(token.starts_with('✗') && token.contains("after 1 attempt:"), "{stdout}");
    assert!(stdout.contains("hint: check ims_url in umapi-bulk.toml and the network"), "{stdout}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_refused_secret_is_named_as_such() {
    let sim = simulator().await;
    let (code, stdout, _) = doctor(&sim.base_url(), &sim.umapi_url(), "not-the-secret");
    assert_eq!(code, Some(3), "{stdout}");
    let token = line(&stdout, "IMS token");
    assert!(
        token.starts_with('✗') && token.contains("refused the credentials") && token.contains("invalid_client"),
        "{stdout}"
    );
    assert!(stdout.contains("UMAPI_CLIENT_SECRET"), "{stdout}");
    sim.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_wrong_umapi_url_says_what_was_requested() {
    let sim = simulator().await;
    let (code, stdout, _) = doctor(&sim.base_url(), &format!("{}/v2/wrong", sim.base_url()), SECRET);
    assert_eq!(code, Some(3), "{stdout}");
    assert!(line(&stdout, "IMS token").starts_with('✓'), "{stdout}");
    let access = line(&stdout, "UMAPI access");
    assert!(access.starts_with('✗') && access.contains("HTTP 404"), "{stdout}");
    assert!(access.contains(&format!("{}/v2/wrong/groups/", sim.base_url())), "{stdout}");
    assert!(!access.ends_with("HTTP 404:"), "{stdout}");
    assert!(stdout.contains("hint:") && stdout.contains("check umapi_url"), "{stdout}");
    sim.shutdown().await;
}

#[test]
fn no_configuration_points_to_init_and_sim() {
    let dir = harness::temp_dir();
    let output = harness::umapi_bulk(dir.path()).args(["export", "users", "-o", "-"]).output();
    let output = output.unwrap_or_else(|error| panic!("{error}"));
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert_eq!(output.status.code(), Some(2), "{stderr}");
    assert!(stderr.contains("error: no configuration: ./umapi-bulk.toml does not exist"), "{stderr}");
    assert!(stderr.contains("umapi-bulk init") && stderr.contains("--sim"), "{stderr}");
    assert!(!stderr.contains("does not name an org"), "{stderr}");
}

#[test]
fn an_org_id_without_adobe_org_is_refused_wherever_it_is_read() {
    let dir = harness::temp_dir();
    std::fs::write(dir.path().join("umapi-bulk.toml"), "org_id = \"0123456789ABCDEF01234567\"\nclient_id = \"c\"\n")
        .unwrap_or_else(|error| panic!("{error}"));
    for args in [&["export", "users", "-o", "-"][..], &["check", "x.csv", "--op", "add"][..]] {
        let output = harness::umapi_bulk(dir.path()).args(args).output().unwrap_or_else(|error| panic!("{error}"));
        let stderr = String::from_utf8_lossy(&output.stderr);
        assert_eq!(output.status.code(), Some(2), "{stderr}");
        assert!(stderr.contains("does not end in @AdobeOrg") && stderr.contains("hint:"), "{stderr}");
    }
    let output = harness::umapi_bulk(dir.path()).arg("doctor").output().unwrap_or_else(|error| panic!("{error}"));
    let stdout = String::from_utf8_lossy(&output.stdout);
    assert_eq!(output.status.code(), Some(3), "{stdout}");
    assert!(line(&stdout, "configuration").starts_with('✗') && stdout.contains("@AdobeOrg"), "{stdout}");
}
