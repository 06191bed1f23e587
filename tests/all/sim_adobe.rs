//! Adobe's documented defaults over HTTP (issue 11, docs/simulator.md): `directOnly` is true on
//! the user listings, every error carries `step`, the commands of one request run in a seeded
//! order that is not the order sent, and IMS accepts the trailing slash Adobe's Python clients send.
//! Each test names the UMAPI.md section it follows.

use reqwest::StatusCode;
use serde_json::{Value, json};
use umapi_bulk::sim::{CommandOrder, SimOptions};

use crate::sim_support::{Api, CLIENT_ID, CLIENT_SECRET, ORG, demo_state, names};

const PHOTOSHOP: &str = "Photoshop%20-%20Default";

/// UMAPI.md 5e, 7: `directOnly` defaults to true; with `directOnly=false` members through a user
/// group that holds the configuration count, in the listing and in the `status` filter.
#[tokio::test]
async fn users_of_a_profile_are_its_direct_members_unless_direct_only_is_false() {
    let api = Api::demo().await;
    let group = json!({"usergroup": "Retouchers", "do": [
        {"createUserGroup": {}},
        {"add": {"productConfiguration": ["Photoshop - Default"], "user": ["fed01@fed.example.org", "fed02@fed.example.org"]}}
    ]});
    assert_eq!(api.command(group).await["result"], "success");
    for user in ["user01@example.com", "user02@example.com", "user03@example.com", "user04@example.com"] {
        api.command(json!({"user": user, "do": [{"add": {"group": ["Photoshop - Default"]}}]})).await;
    }
    // Quota 5: fed01, fed02 (through Retouchers) and user01-03 are licensed; user04 is not.
    let direct = api.emails(&format!("/users/{ORG}/0/{PHOTOSHOP}")).await;
    assert_eq!(direct, ["user01", "user02", "user03", "user04"].map(|user| format!("{user}@example.com")));
    assert_eq!(api.emails(&format!("/users/{ORG}/0/{PHOTOSHOP}?directOnly=true")).await, direct);
    let all = api.emails(&format!("/users/{ORG}/0/{PHOTOSHOP}?directOnly=false")).await;
    assert_eq!(all.len(), 6);
    assert_eq!(&all[..2], ["fed01@fed.example.org", "fed02@fed.example.org"]);
    let inactive = api.emails(&format!("/users/{ORG}/0/{PHOTOSHOP}?status=inactive")).await;
    assert_eq!(inactive, vec!["user04@example.com"], "direct members without a licence");
    let inactive = api.emails(&format!("/users/{ORG}/0/{PHOTOSHOP}?status=inactive&directOnly=false")).await;
    assert_eq!(inactive, vec!["user04@example.com"]);
    let active = api.emails(&format!("/users/{ORG}/0/{PHOTOSHOP}?status=active")).await;
    assert_eq!(active.len(), 3, "fed01 and fed02 hold theirs through the group: {active:?}");
    let active_all = api.emails(&format!("/users/{ORG}/0/{PHOTOSHOP}?status=active&directOnly=false")).await;
    assert_eq!(active_all.len(), 5);
    // directOnly=false also lists, in each user object, the configurations reached through groups.
    let (_, _, body) = api.get(&format!("/users/{ORG}/0/Retouchers?directOnly=false")).await;
    assert_eq!(
        names(&body["users"][0]["groups"]),
        vec!["Finance", "Retouchers", "Acrobat Pro - Default", "Photoshop - Default"]
    );
    let (_, _, body) = api.get(&format!("/users/{ORG}/0/Retouchers")).await;
    assert_eq!(names(&body["users"][0]["groups"]), vec!["Finance", "Retouchers"]);
}

/// UMAPI.md 3a: every entry of `errors` carries `index` and `step`, also when the problem is the
/// command as a whole (then `step` is 0).
#[tokio::test]
async fn every_command_error_carries_a_step() {
    let api =
        Api::with(SimOptions { command_order: CommandOrder::AsSent, ..SimOptions::unlimited(demo_state()) }).await;
    let (status, body) = api
        .action(&json!([
            {"user": "user01@example.com", "do": [{"add": {"group": ["Designers"]}}, {"add": {"group": ["Nope"]}}]},
            {"user": "jdoe", "requestID": "no-domain", "do": [{"add": {"group": ["Designers"]}}]},
            "not a command",
            {"usergroup": "Designers", "user": "user01@example.com", "do": []}
        ]))
        .await;
    assert_eq!(status, StatusCode::OK);
    let errors = body["errors"].as_array().cloned().unwrap_or_default();
    assert_eq!(errors.len(), 4, "{body}");
    let steps: Vec<(u64, u64, &str)> = errors
        .iter()
        .map(|error| {
            (
                error["index"].as_u64().unwrap_or(99),
                error["step"].as_u64().unwrap_or(99),
                error["errorCode"].as_str().unwrap_or_default(),
            )
        })
        .collect();
    assert_eq!(
        steps,
        vec![
            (0, 1, "error.group.not_found"),
            (1, 0, "error.command.domain.missing"),
            (2, 0, "error.command.malformed"),
            (3, 0, "error.command.user_usergroup.missing"),
        ]
    );
    assert_eq!(errors[1]["requestID"], "no-domain");
}

fn racing_creates(email: &str) -> Value {
    let commands: Vec<Value> = (0..10)
        .map(|index| {
            json!({"user": email, "requestID": format!("c{index}"), "do": [
                {"createEnterpriseID": {"email": email, "firstname": "R", "lastname": "Ace", "country": "US"}}]})
        })
        .collect();
    Value::Array(commands)
}

/// The position of the one create that won, checking that every other failed under its own index.
fn winner(body: &Value) -> usize {
    let failed: Vec<u64> =
        body["errors"].as_array().into_iter().flatten().filter_map(|error| error["index"].as_u64()).collect();
    assert_eq!((body["completed"].as_u64(), failed.len()), (Some(1), 9), "{body}");
    for error in body["errors"].as_array().into_iter().flatten() {
        assert_eq!(error["errorCode"], "error.user.already_in_org");
        assert_eq!(error["requestID"], format!("c{}", error["index"]), "errors name the position sent: {error}");
    }
    (0..10).find(|index| !failed.contains(&(*index as u64))).unwrap_or(99)
}

/// UMAPI.md 2a: "order between commands in one request is not guaranteed". Ten creates of the
/// same new user without `option`: the one that runs first wins, the nine others fail. By default
/// the winner is often not the first sent; the order is reproducible from the seed; with
/// `CommandOrder::AsSent` (`--command-order sent`) the first sent always wins.
#[tokio::test]
async fn the_commands_of_one_request_run_in_a_seeded_shuffled_order() {
    let emails: Vec<String> = (0..8).map(|index| format!("race{index}@example.com")).collect();
    let shuffled = Api::with(SimOptions { seed: 5, ..SimOptions::unlimited(demo_state()) }).await;
    let mut winners = Vec::new();
    for email in &emails {
        let (_, body) = shuffled.action(&racing_creates(email)).await;
        winners.push(winner(&body));
    }
    assert!(winners.iter().any(|winner| *winner != 0), "some request ran in another order: {winners:?}");
    let again = Api::with(SimOptions { seed: 5, ..SimOptions::unlimited(demo_state()) }).await;
    for (email, expected) in emails.iter().zip(&winners) {
        let (_, body) = again.action(&racing_creates(email)).await;
        assert_eq!(winner(&body), *expected, "the same seed runs the same order");
    }
    let in_order =
        Api::with(SimOptions { command_order: CommandOrder::AsSent, ..SimOptions::unlimited(demo_state()) }).await;
    for email in &emails {
        let (_, body) = in_order.action(&racing_creates(email)).await;
        assert_eq!(winner(&body), 0);
    }
}

/// UMAPI.md 1b: Adobe's Python clients post to `/ims/token/v2/` with a trailing slash.
#[tokio::test]
async fn the_token_endpoints_accept_a_trailing_slash() {
    let api = Api::demo().await;
    let form = [
        ("grant_type", "client_credentials"),
        ("client_id", CLIENT_ID),
        ("client_secret", CLIENT_SECRET),
        ("scope", "openid,AdobeID,user_management_sdk"),
    ];
    for path in ["/ims/token/v2/", "/ims/token/v3/"] {
        let response =
            api.http.post(format!("{}{path}", api.sim.base_url())).form(&form).send().await.expect("token request");
        assert_eq!(response.status(), StatusCode::OK, "{path}");
        let body: Value = response.json().await.unwrap_or(Value::Null);
        let token = body["access_token"].as_str().unwrap_or_default();
        let read = api
            .http
            .get(format!("{}/groups/{ORG}/0", api.sim.umapi_url()))
            .bearer_auth(token)
            .header("X-Api-Key", CLIENT_ID)
            .send()
            .await
            .expect("groups read");
        assert_eq!(read.status(), StatusCode::OK, "the token from {path} works");
    }
    assert_eq!(api.counter("token_requests"), 3);
}
