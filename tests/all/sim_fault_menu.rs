//! The wider fault menu over HTTP (docs/simulator.md "Faults"; `--fault KIND=RATE`): a 500 in the
//! middle of a batch, 403 `error.organization.migrating`, a 200 carrying a service error for a
//! command, an answer that comes after the client stopped waiting, and 429 from IMS. Each test
//! names the UMAPI.md section it follows; `--fault-rate`'s own tests are in `sim_faults`.

use std::time::Duration;

use reqwest::StatusCode;
use serde_json::{Value, json};
use umapi_bulk::sim::{CommandOrder, FaultMenu, SimOptions};

use crate::harness::poll;
use crate::sim_support::{Api, CLIENT_ID, CLIENT_SECRET, ORG, demo_state, names};

fn with_menu(menu: FaultMenu) -> SimOptions {
    SimOptions { fault_menu: menu, ..SimOptions::unlimited(demo_state()) }
}

/// Ten commands, each adding one demo user to Contractors.
fn ten_adds() -> Value {
    let users = (1..=10).map(|number| format!("user{number:02}@example.com"));
    Value::Array(users.map(|user| json!({"user": user, "do": [{"add": {"group": ["Contractors"]}}]})).collect())
}

fn contractors(api: &Api) -> usize {
    api.group("Contractors").and_then(|group| group["memberCount"].as_u64()).unwrap_or(0) as usize
}

/// UMAPI.md 8 #5 (umapi-client #36) and 9 ("500 mid-batch, partial results"): the request answers
/// HTTP 500 after some, not all, of its commands were applied.
#[tokio::test]
async fn a_mid_batch_500_applies_some_commands_and_answers_500() {
    let api = Api::with(with_menu(FaultMenu { mid_batch_500: 1.0, ..FaultMenu::default() })).await;
    let (status, body) = api.action(&ten_adds()).await;
    assert_eq!(status, StatusCode::INTERNAL_SERVER_ERROR, "{body}");
    let applied = contractors(&api);
    assert!((1..10).contains(&applied), "{applied} of 10 applied");
    assert_eq!(api.counter("commands_applied") as usize, applied);
    assert_eq!((api.counter("faults_mid_batch"), api.counter("faults")), (1, 1));
    let (status, _) = api.action_test_mode(&ten_adds()).await;
    assert_eq!(status, StatusCode::OK, "test mode changes nothing, so it is never cut");
}

/// UMAPI.md 3a ("error.organization.migrating"), 3b, 3c (403 for a migrating org): the request is
/// refused with 403 and nothing is applied.
#[tokio::test]
async fn a_migrating_org_answers_403_and_changes_nothing() {
    let api = Api::with(with_menu(FaultMenu { migrating: 1.0, ..FaultMenu::default() })).await;
    let (status, body) = api.action(&ten_adds()).await;
    assert_eq!(status, StatusCode::FORBIDDEN);
    assert_eq!(body["result"], "error.organization.migrating");
    assert_eq!(contractors(&api), 0);
    let (status, _, body) = api.get(&format!("/groups/{ORG}/0")).await;
    assert_eq!((status, body["result"].as_str()), (StatusCode::FORBIDDEN, Some("error.organization.migrating")));
    assert_eq!(api.counter("faults_migrating"), 2);
}

/// UMAPI.md 3b (`error.throttled_by_external_service`, `error.internal.*`): a 200 answer in which
/// a command failed at one of its steps with a service error; the steps before it were applied.
#[tokio::test]
async fn a_command_error_fails_one_step_inside_a_200_answer() {
    let options = SimOptions {
        command_order: CommandOrder::AsSent,
        ..with_menu(FaultMenu { command_error: 1.0, ..FaultMenu::default() })
    };
    let api = Api::with(options).await;
    let command = json!({"user": "svc@example.com", "requestID": "r1", "do": [
        {"createEnterpriseID": {"email": "svc@example.com", "firstname": "S", "lastname": "E"}},
        {"add": {"group": ["Contractors"]}},
        {"add": {"group": ["Designers"]}}
    ]});
    let body = api.command(command).await;
    assert_eq!((body["result"].as_str(), body["notCompleted"].as_u64()), (Some("error"), Some(1)), "{body}");
    let error = &body["errors"][0];
    let code = error["errorCode"].as_str().unwrap_or_default();
    assert!(code == "error.throttled_by_external_service" || code.starts_with("error.internal."), "{error}");
    assert_eq!(error["requestID"], "r1");
    let step = error["step"].as_u64().unwrap_or(9);
    let user = api.user("svc@example.com", "enterpriseID");
    let groups = user.as_ref().map(|user| names(&user["groups"])).unwrap_or_default();
    match step {
        0 => assert!(user.is_none(), "nothing applied"),
        1 => assert!(groups.is_empty(), "created only: {groups:?}"),
        _ => assert_eq!(groups, vec!["Contractors"]),
    }
    assert_eq!(api.counter("faults_command_errors"), 1);
}

/// UMAPI.md 8 #6 and 9 ("slow responses > client timeout"): the request is applied, but the
/// answer comes later than the client waits, so the client cannot know the outcome.
#[tokio::test]
async fn a_slow_answer_comes_after_the_change_was_applied() {
    let menu = FaultMenu { slow_answer: 1.0, slow_by: Duration::from_secs(5), ..FaultMenu::default() };
    let api = Api::with(with_menu(menu)).await;
    let sent = api
        .request(reqwest::Method::POST, &format!("/action/{ORG}"))
        .json(&ten_adds())
        .timeout(Duration::from_millis(500))
        .send()
        .await;
    assert!(sent.as_ref().is_err_and(reqwest::Error::is_timeout), "{sent:?}");
    let applied = poll(Duration::from_secs(5), || async { (contractors(&api) == 10).then_some(()) }).await;
    assert_eq!(applied, (), "the change was applied though the client never saw the answer");
    assert_eq!(api.counter("faults_slow"), 1);
}

/// UMAPI.md 1b, 4c and 9: IMS itself can answer 429 with `Retry-After`.
#[tokio::test]
async fn ims_answers_429_with_retry_after() {
    let sim = crate::sim_support::start(with_menu(FaultMenu { ims_429: 1.0, ..FaultMenu::default() })).await;
    let form = [
        ("grant_type", "client_credentials"),
        ("client_id", CLIENT_ID),
        ("client_secret", CLIENT_SECRET),
        ("scope", "openid,AdobeID,user_management_sdk"),
    ];
    for path in ["/ims/token/v3", "/ims/exchange/jwt"] {
        let response = crate::sim_support::http()
            .post(format!("{}{path}", sim.base_url()))
            .form(&form)
            .send()
            .await
            .expect("sent");
        assert_eq!(response.status(), StatusCode::TOO_MANY_REQUESTS, "{path}");
        assert_eq!(response.headers().get("retry-after").map(|value| value.as_bytes()), Some(&b"1"[..]));
    }
    assert_eq!(sim.counters()["counters"]["ims_throttled"], 2);
}
