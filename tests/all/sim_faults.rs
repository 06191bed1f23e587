//! Fault injection over HTTP: 502/503/504 and dropped connections, reproducible from the seed;
//! faults before applying change nothing, faults after applying keep the change; IMS, `/status`
//! and `/_sim/state` are never faulted; latency delays answers.

use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use serde_json::{Value, json};
use umapi_bulk::sim::{LogSink, SimOptions};

use crate::sim_support::{Api, ORG, demo_state, http};

fn faulty(seed: u64, rate: f64) -> SimOptions {
    SimOptions { fault_rate: rate, seed, ..SimOptions::unlimited(demo_state()) }
}

/// What the client saw: a status code, or "dropped" for a connection closed without an answer.
async fn outcome(api: &Api, path: &str) -> String {
    match api.request(reqwest::Method::GET, path).send().await {
        Ok(response) => response.status().as_u16().to_string(),
        Err(error) => {
            assert!(!error.is_status() && !error.is_timeout(), "a dropped connection is a connection error: {error}");
            "dropped".to_string()
        }
    }
}

async fn outcomes(seed: u64, rate: f64, count: usize) -> Vec<String> {
    let api = Api::with(faulty(seed, rate)).await;
    let mut seen = Vec::new();
    for _ in 0..count {
        seen.push(outcome(&api, &format!("/groups/{ORG}/0")).await);
    }
    seen
}

#[tokio::test]
async fn the_same_seed_gives_the_same_faults_in_the_same_order() {
    let first = outcomes(11, 0.5, 40).await;
    assert_eq!(first, outcomes(11, 0.5, 40).await);
    assert_ne!(first, outcomes(12, 0.5, 40).await);
    for expected in ["200", "dropped"] {
        assert!(first.iter().any(|seen| seen == expected), "{expected} in {first:?}");
    }
    assert!(first.iter().any(|seen| ["502", "503", "504"].contains(&seen.as_str())), "{first:?}");
}

#[tokio::test]
async fn a_dropped_connection_is_an_error_without_a_response_and_other_faults_are_5xx() {
    let api = Api::with(faulty(3, 1.0)).await;
    let mut seen = Vec::new();
    let mut retry_after_on_503 = false;
    for _ in 0..60 {
        match api.request(reqwest::Method::GET, &format!("/users/{ORG}/0")).header("X-Request-Id", "f").send().await {
            Ok(response) => {
                let status = response.status().as_u16();
                assert!([502, 503, 504].contains(&status), "every request faults at rate 1.0: {status}");
                retry_after_on_503 |=
                    status == 503 && response.headers().get("retry-after").is_some_and(|value| value == "1");
                assert_eq!(response.headers().get("x-request-id").map(|value| value.as_bytes()), Some(&b"f"[..]));
                seen.push(status.to_string());
            }
            Err(error) => {
                assert!(!error.is_status(), "{error}");
                seen.push("dropped".to_string());
            }
        }
    }
    assert!(seen.iter().any(|seen| seen == "dropped"), "{seen:?}");
    assert!(retry_after_on_503, "some 503s carry Retry-After: 1");
    let counters = api.sim.snapshot()["counters"].clone();
    assert_eq!(counters["faults"], 60);
    let dropped = seen.iter().filter(|seen| *seen == "dropped").count() as u64;
    assert_eq!(counters["connections_dropped"].as_u64(), Some(dropped));
}

#[tokio::test]
async fn faults_before_applying_change_nothing_and_faults_after_applying_keep_the_change() {
    let lines = Arc::new(Mutex::new(Vec::<String>::new()));
    let sink_lines = lines.clone();
    let sink: LogSink =
        Arc::new(move |line: &str| sink_lines.lock().map(|mut lines| lines.push(line.to_string())).unwrap_or(()));
    let api = Api::with(SimOptions { log: Some(sink), ..faulty(5, 1.0) }).await;
    for index in 0..30 {
        let email = format!("f{index:02}@example.com");
        let body = json!([{"user": email, "do": [{"createEnterpriseID": {"email": email, "firstname": "F", "lastname": "L"}}]}]);
        let answered = api.request(reqwest::Method::POST, &format!("/action/{ORG}")).json(&body).send().await;
        assert!(
            answered.map(|response| response.status().is_server_error()).unwrap_or(true),
            "no request succeeds at rate 1.0"
        );
    }
    let state = api.sim.snapshot();
    let counters = &state["counters"];
    let (before, after) =
        (crate::harness::counter(&state, "faults_before"), crate::harness::counter(&state, "faults_after"));
    assert_eq!(before + after, 30);
    assert!(before > 0 && after > 0, "both timings occur: {before} / {after}");
    let created = state["users"]
        .as_array()
        .map(|users| {
            users
                .iter()
                .filter(|user| {
                    user["email"]
                        .as_str()
                        .is_some_and(|email| email.starts_with('f') && email.ends_with("@example.com"))
                })
                .count()
        })
        .unwrap_or(0);
    assert_eq!(created as u64, after, "exactly the requests faulted after applying changed the org");
    assert_eq!(counters["commands_applied"].as_u64(), Some(after));
    let lines = lines.lock().map(|lines| lines.clone()).unwrap_or_default();
    let logged = |needle: &str| lines.iter().filter(|line| line.contains(needle)).count() as u64;
    assert_eq!((logged("BEFORE applying"), logged("AFTER applying")), (before, after), "the log says which");
    assert!(
        lines.iter().all(|line| !line.contains(&api.token) && !line.contains("demo-secret")),
        "no secrets in the log"
    );
}

#[tokio::test]
async fn ims_status_and_state_are_never_faulted() {
    let api = Api::with(faulty(9, 1.0)).await;
    let client = http();
    for _ in 0..10 {
        let form = [
            ("grant_type", "client_credentials"),
            ("client_id", "demo-client"),
            ("client_secret", "demo-secret"),
            ("scope", "openid,AdobeID,user_management_sdk"),
        ];
        let response =
            client.post(format!("{}/ims/token/v2", api.sim.base_url())).form(&form).send().await.expect("token");
        assert_eq!(response.status(), 200);
        assert_eq!(client.get(format!("{}/status", api.sim.base_url())).send().await.expect("status").status(), 200);
        let state: Value = client
            .get(format!("{}/_sim/state", api.sim.base_url()))
            .send()
            .await
            .expect("state")
            .json()
            .await
            .expect("json");
        assert_eq!(state["org_id"], ORG);
    }
    assert_eq!(api.counter("faults"), 0);
}

#[tokio::test]
async fn latency_delays_every_umapi_answer() {
    let api =
        Api::with(SimOptions { latency: Duration::from_millis(150), ..SimOptions::unlimited(demo_state()) }).await;
    let started = Instant::now();
    let (status, _, _) = api.get(&format!("/groups/{ORG}/0")).await;
    assert_eq!(status, 200);
    assert!(started.elapsed() >= Duration::from_millis(150), "the answer waited at least the latency");
}
