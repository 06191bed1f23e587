//! Adobe's sync-session throttle and the page-0 rule over HTTP (UMAPI.md 4b; docs/simulator.md
//! "Session throttle"), both behind options (`--session-throttle`, `--page-zero-rule`): a session
//! started before the previous one ended, or a second read of page 0 within the window, draws a
//! 429 with a long `Retry-After`, and every call of that client is refused until it passes.

use std::time::Duration;

use reqwest::StatusCode;
use reqwest::header::HeaderMap;
use serde_json::{Value, json};
use umapi_bulk::secret::Secret;
use umapi_bulk::sim::{ApiClient, SessionThrottle, SimOptions};

use crate::harness::poll;
use crate::sim_support::{Api, ORG, demo_state};

fn options(sessions: bool, page_zero: bool, retry_after: (u64, u64)) -> SimOptions {
    let mut state = demo_state();
    state.clients.push(ApiClient {
        client_id: "second-client".to_string(),
        client_secret: Secret::new("second-secret".to_string()),
        tech_account: None,
    });
    let session = SessionThrottle {
        sessions,
        page_zero,
        window: Duration::from_secs(600),
        retry_after: (Duration::from_secs(retry_after.0), Duration::from_secs(retry_after.1)),
    };
    SimOptions { session, ..SimOptions::unlimited(state) }
}

/// One UMAPI call, with an optional `Pragma`: status, headers, body.
async fn call(api: &Api, method: reqwest::Method, path: &str, pragma: Option<&str>) -> (StatusCode, HeaderMap, Value) {
    let mut request = api.request(method.clone(), path);
    if method == reqwest::Method::POST {
        request = request.json(&json!([{"user": "user01@example.com", "do": [{"add": {"group": ["Contractors"]}}]}]));
    }
    if let Some(pragma) = pragma {
        request = request.header("Pragma", pragma);
    }
    let response = request.send().await.expect("sent");
    let status = response.status();
    let headers = response.headers().clone();
    (status, headers, response.json().await.unwrap_or(Value::Null))
}

fn retry_after(headers: &HeaderMap) -> u64 {
    headers.get("retry-after").and_then(|value| value.to_str().ok()).and_then(|text| text.parse().ok()).unwrap_or(0)
}

const GET: reqwest::Method = reqwest::Method::GET;
const POST: reqwest::Method = reqwest::Method::POST;

/// UMAPI.md 4b: a new session (`Pragma: umapi-sync-start`) while the previous one is open gets
/// 429 with a `Retry-After` of 2,000-3,600 s, nothing is applied, and every call of that client is
/// refused until it passes; other clients are not affected.
#[tokio::test]
async fn a_session_started_before_the_previous_one_ended_blocks_the_client() {
    let api = Api::with(options(true, false, (2_000, 3_600))).await;
    assert_eq!(call(&api, GET, &format!("/groups/{ORG}/0"), Some("umapi-sync-start")).await.0, StatusCode::OK);
    assert_eq!(call(&api, GET, &format!("/users/{ORG}/0"), None).await.0, StatusCode::OK, "inside the session");
    let (status, headers, body) = call(&api, POST, &format!("/action/{ORG}"), Some("umapi-sync-start")).await;
    assert_eq!(status, StatusCode::TOO_MANY_REQUESTS);
    assert_eq!(body, json!({"error_code": "429050", "message": "Too many requests"}));
    let wait = retry_after(&headers);
    assert!((2_000..=3_600).contains(&wait), "Retry-After {wait}");
    assert_eq!(api.counter("commands_applied"), 0, "the refused request changed nothing");
    let (status, headers, _) = call(&api, GET, &format!("/users/{ORG}/0"), None).await;
    assert_eq!(status, StatusCode::TOO_MANY_REQUESTS, "every call is blocked");
    assert!((1..=wait).contains(&retry_after(&headers)));
    let (status, headers, _) = call(&api, GET, &format!("/organizations/{ORG}/users/user01@example.com"), None).await;
    assert_eq!((status, retry_after(&headers) > 1_000), (StatusCode::TOO_MANY_REQUESTS, true));

    let form = [
        ("grant_type", "client_credentials"),
        ("client_id", "second-client"),
        ("client_secret", "second-secret"),
        ("scope", "openid,AdobeID,user_management_sdk"),
    ];
    let token: Value = api
        .http
        .post(format!("{}/ims/token/v2", api.sim.base_url()))
        .form(&form)
        .send()
        .await
        .expect("token")
        .json()
        .await
        .unwrap_or(Value::Null);
    let other = api
        .http
        .get(format!("{}/users/{ORG}/0", api.sim.umapi_url()))
        .bearer_auth(token["access_token"].as_str().unwrap_or_default())
        .header("X-Api-Key", "second-client")
        .header("Pragma", "umapi-sync-start")
        .send()
        .await
        .expect("other client");
    assert_eq!(other.status(), StatusCode::OK, "sessions and blocks are per client; IMS is never blocked");
    assert_eq!((api.counter("session_throttled"), api.counter("throttled")), (3, 3));
}

/// UMAPI.md 4b (signals on the first and the last call): an ended session lets the next one start
/// at once; once the block passes the client may start again; a start whose request was not
/// answered 2xx opened nothing (docs/simulator.md, a decision).
#[tokio::test]
async fn ended_sessions_and_passed_blocks_let_the_next_session_start() {
    let api =
        Api::with(SimOptions { groups_rpm: 1, window: Duration::from_secs(120), ..options(true, false, (1, 1)) }).await;
    let users = format!("/users/{ORG}/0");
    assert_eq!(call(&api, GET, &users, Some("umapi-sync-start")).await.0, StatusCode::OK);
    assert_eq!(call(&api, GET, &users, Some("umapi-sync-end")).await.0, StatusCode::OK);
    assert_eq!(call(&api, GET, &users, Some("umapi-sync-start")).await.0, StatusCode::OK, "the last one ended");
    let (status, headers, _) = call(&api, GET, &users, Some("umapi-sync-start")).await;
    assert_eq!((status, retry_after(&headers)), (StatusCode::TOO_MANY_REQUESTS, 1));
    poll(Duration::from_secs(10), || async { (call(&api, GET, &users, None).await.0 == StatusCode::OK).then_some(()) })
        .await;
    assert_eq!(call(&api, GET, &users, Some("umapi-sync-start")).await.0, StatusCode::OK, "the block closed it");
    assert_eq!(call(&api, GET, &users, Some("umapi-sync-end")).await.0, StatusCode::OK);
    // A start refused by the minute window (groups: 1 a window) opens no session.
    assert_eq!(call(&api, GET, &format!("/groups/{ORG}/0"), None).await.0, StatusCode::OK);
    let (status, _, _) = call(&api, GET, &format!("/groups/{ORG}/0"), Some("umapi-sync-start")).await;
    assert_eq!(status, StatusCode::TOO_MANY_REQUESTS);
    assert_eq!(call(&api, POST, &format!("/action/{ORG}"), Some("umapi-sync-start")).await.0, StatusCode::OK);
}

/// Without the options a session signal is only counted (ordinary tests are not throttled).
#[tokio::test]
async fn without_the_options_session_signals_are_only_counted() {
    let api = Api::demo().await;
    for _ in 0..3 {
        let (status, _, _) = call(&api, GET, &format!("/groups/{ORG}/0"), Some("umapi-sync-start")).await;
        assert_eq!(status, StatusCode::OK);
    }
    assert_eq!((api.counter("sync_start"), api.counter("session_throttled")), (3, 0));
}

/// UMAPI.md 4b (the page-0 rule, announced in a documentation change not yet published): a
/// second read of page 0 of the users list (per `domain`) or of the groups list within the session
/// window draws the same long 429 and block; later pages and other lists do not count.
#[tokio::test]
async fn a_second_read_of_page_zero_within_the_window_is_blocked_with_the_page_zero_rule() {
    let api = Api::with(options(false, true, (2_000, 3_600))).await;
    for path in [
        format!("/groups/{ORG}/0"),
        format!("/users/{ORG}/0"),
        format!("/users/{ORG}/1"),
        format!("/users/{ORG}/1"),
        format!("/users/{ORG}/0?domain=example.com"),
        format!("/users/{ORG}/0/Designers"),
        format!("/users/{ORG}/0/Designers"),
    ] {
        assert_eq!(call(&api, GET, &path, None).await.0, StatusCode::OK, "{path}");
    }
    let (status, headers, _) = call(&api, GET, &format!("/users/{ORG}/0"), None).await;
    assert_eq!(status, StatusCode::TOO_MANY_REQUESTS);
    assert!((2_000..=3_600).contains(&retry_after(&headers)));
    let (status, _, _) = call(&api, POST, &format!("/action/{ORG}"), None).await;
    assert_eq!(status, StatusCode::TOO_MANY_REQUESTS, "the block holds every call");
}
