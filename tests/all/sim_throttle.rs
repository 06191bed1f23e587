//! Throttling over HTTP with short windows: the N+1-th request in a window gets 429 with
//! `Retry-After` (seconds or HTTP date) and body `{"error_code":"429050",...}`, changes nothing,
//! and is not counted as accepted; families, clients and the global window are separate.

use std::time::{Duration, SystemTime};

use reqwest::StatusCode;
use reqwest::header::HeaderMap;
use serde_json::{Value, json};
use umapi_bulk::secret::Secret;
use umapi_bulk::sim::{ApiClient, RetryAfterForm, SimOptions};

use crate::harness::{counter, poll};
use crate::sim_support::{Api, ORG, demo_state};

/// The window of the test that waits for it to move: short, so the test is quick.
const SHORT_WINDOW: Duration = Duration::from_secs(2);
/// The window of tests that never wait: long, so a slow machine cannot let it move mid-test.
const LONG_WINDOW: Duration = Duration::from_secs(120);

fn options(action: u32, read: u32, groups: u32, global: u32) -> SimOptions {
    SimOptions {
        action_rpm: action,
        read_rpm: read,
        groups_rpm: groups,
        global_rpm: global,
        window: LONG_WINDOW,
        ..SimOptions::demo(demo_state())
    }
}

fn create(email: &str) -> Value {
    json!([{"user": email, "do": [{"createEnterpriseID": {"email": email, "firstname": "T", "lastname": "H", "country": "US"}}]}])
}

async fn post(api: &Api, body: &Value) -> (StatusCode, HeaderMap, Value) {
    let response = api.request(reqwest::Method::POST, &format!("/action/{ORG}")).json(body).send().await.expect("sent");
    let status = response.status();
    let headers = response.headers().clone();
    (status, headers, response.json().await.unwrap_or(Value::Null))
}

fn retry_after(headers: &HeaderMap) -> String {
    headers.get("retry-after").and_then(|value| value.to_str().ok()).unwrap_or_default().to_string()
}

#[tokio::test]
async fn the_request_after_the_limit_gets_429_changes_nothing_and_passes_once_the_window_moves() {
    let api = Api::with(SimOptions { window: SHORT_WINDOW, ..options(2, 0, 0, 0) }).await;
    for index in 0..2 {
        let (status, _, _) = post(&api, &create(&format!("ok{index}@example.com"))).await;
        assert_eq!(status, StatusCode::OK);
    }
    let (status, headers, body) = post(&api, &create("late@example.com")).await;
    assert_eq!(status, StatusCode::TOO_MANY_REQUESTS);
    assert_eq!(body, json!({"error_code": "429050", "message": "Too many requests"}));
    let seconds: u64 = retry_after(&headers).parse().expect("Retry-After in whole seconds");
    assert!((1..=SHORT_WINDOW.as_secs()).contains(&seconds), "{seconds}");
    assert!(api.user("late@example.com", "enterpriseID").is_none(), "a refused request changes nothing");
    let accepted = poll(Duration::from_secs(10), || async {
        let (status, _, _) = post(&api, &create("late@example.com")).await;
        (status == StatusCode::OK).then_some(())
    })
    .await;
    assert_eq!(accepted, ());
    assert!(api.user("late@example.com", "enterpriseID").is_some());
    let state = api.sim.snapshot();
    let throttled = counter(&state, "throttled");
    assert!(throttled >= 1);
    assert_eq!(counter(&state, "action_requests"), 3 + throttled, "refused ones are counted as received");
}

#[tokio::test]
async fn retry_after_can_be_an_http_date_in_the_window() {
    let api = Api::with(SimOptions { retry_after: RetryAfterForm::HttpDate, ..options(0, 0, 1, 0) }).await;
    let before = SystemTime::now();
    let (status, _, _) = api.get(&format!("/groups/{ORG}/0")).await;
    assert_eq!(status, StatusCode::OK);
    let (status, headers, body) = api.get(&format!("/groups/{ORG}/0")).await;
    assert_eq!(status, StatusCode::TOO_MANY_REQUESTS);
    assert_eq!(body["error_code"], "429050");
    let date = httpdate::parse_http_date(&retry_after(&headers)).expect("an HTTP date");
    // The oldest accepted request was sent after `before`, so it leaves the window after
    // `before + LONG_WINDOW` (the date has whole seconds, hence one second of slack).
    let earliest = before + LONG_WINDOW - Duration::from_secs(1);
    assert!(date >= earliest && date <= SystemTime::now() + LONG_WINDOW + Duration::from_secs(2), "{date:?}");
}

#[tokio::test]
async fn families_have_their_own_windows_and_the_global_window_spans_them() {
    let api = Api::with(options(1, 2, 1, 0)).await;
    assert_eq!(post(&api, &create("a@example.com")).await.0, StatusCode::OK);
    assert_eq!(post(&api, &create("b@example.com")).await.0, StatusCode::TOO_MANY_REQUESTS);
    assert_eq!(api.get(&format!("/groups/{ORG}/0")).await.0, StatusCode::OK, "groups have their own window");
    assert_eq!(api.get(&format!("/groups/{ORG}/0")).await.0, StatusCode::TOO_MANY_REQUESTS);
    // Users list, single user and users by group share the users-read window.
    assert_eq!(api.get(&format!("/users/{ORG}/0")).await.0, StatusCode::OK);
    assert_eq!(api.get(&format!("/organizations/{ORG}/users/user01@example.com")).await.0, StatusCode::OK);
    assert_eq!(api.get(&format!("/users/{ORG}/0/Finance")).await.0, StatusCode::TOO_MANY_REQUESTS);

    let global = Api::with(options(0, 0, 0, 3)).await;
    assert_eq!(post(&global, &create("c@example.com")).await.0, StatusCode::OK);
    assert_eq!(global.get(&format!("/users/{ORG}/0")).await.0, StatusCode::OK);
    assert_eq!(global.get(&format!("/groups/{ORG}/0")).await.0, StatusCode::OK);
    assert_eq!(
        global.get(&format!("/groups/{ORG}/0")).await.0,
        StatusCode::TOO_MANY_REQUESTS,
        "the global window is full"
    );
}

#[tokio::test]
async fn clients_have_their_own_windows_and_zero_turns_a_limit_off() {
    let mut state = demo_state();
    state.clients.push(ApiClient {
        client_id: "second".into(),
        client_secret: Secret::new("second-secret"),
        tech_account: None,
    });
    let api = Api::with(SimOptions { state, ..options(1, 0, 0, 0) }).await;
    let form = [
        ("grant_type", "client_credentials"),
        ("client_id", "second"),
        ("client_secret", "second-secret"),
        ("scope", "openid,AdobeID,user_management_sdk"),
    ];
    let token: Value = api
        .http
        .post(format!("{}/ims/token/v3", api.sim.base_url()))
        .form(&form)
        .send()
        .await
        .expect("token")
        .json()
        .await
        .expect("json");
    let second_token = token["access_token"].as_str().unwrap_or_default().to_string();
    assert_eq!(post(&api, &create("a@example.com")).await.0, StatusCode::OK);
    assert_eq!(post(&api, &create("b@example.com")).await.0, StatusCode::TOO_MANY_REQUESTS);
    let response = api
        .http
        .post(format!("{}/action/{ORG}", api.sim.umapi_url()))
        .bearer_auth(&second_token)
        .header("X-Api-Key", "second")
        .json(&create("b@example.com"))
        .send()
        .await
        .expect("second client");
    assert_eq!(response.status(), StatusCode::OK, "another client has its own window");
    for _ in 0..30 {
        assert_eq!(api.get(&format!("/users/{ORG}/0")).await.0, StatusCode::OK, "read limit 0 is off");
    }
}
