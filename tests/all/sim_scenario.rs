//! A realistic bulk run over plain HTTP against the demo org, the way a client would do it: token,
//! catalogue and user paging, then add 50 users (13 of them asking for Photoshop, which has 5
//! licences), edit memberships, remove users, revoke the three invitations, read the deficit,
//! and check the whole org through `GET /_sim/state`. Then the same run with faults and retries
//! must end in the same org, because every command is idempotent.

use std::time::Duration;

use reqwest::StatusCode;
use serde_json::{Value, json};
use umapi_bulk::sim::SimOptions;

use crate::sim_support::{Api, ORG, demo_state, http, names};

/// The 50 new users: 30 Enterprise, 15 Federated, 5 Adobe IDs; users 0..13 ask for Photoshop.
fn add_commands() -> Vec<Value> {
    (0..50)
        .map(|index| {
            let (email, create, use_adobe_id) = match index {
                0..30 => (format!("new{index:02}@example.com"), "createEnterpriseID", false),
                30..45 => (format!("new{index:02}@fed.example.org"), "createFederatedID", false),
                _ => (format!("new{index:02}@outlook.com"), "addAdobeID", true),
            };
            let mut groups = vec![if index % 2 == 0 { "Designers" } else { "Finance" }];
            if index < 13 {
                groups.push("Photoshop - Default");
            }
            if index % 10 == 3 {
                groups.push("Audience Manager - Default Access");
            }
            if index == 7 {
                groups.push("_admin_Designers");
            }
            let mut command = json!({"user": email, "requestID": format!("add-{}", index + 2), "do": [
                {create: {"email": email, "firstname": "New", "lastname": format!("User {index}"), "country": "US",
                          "option": "ignoreIfAlreadyExists"}},
                {"add": {"group": groups}}
            ]});
            if use_adobe_id {
                command["useAdobeID"] = json!(true);
            }
            command
        })
        .collect()
}

fn edit_commands() -> Vec<Value> {
    (0..10)
        .map(|index| {
            let email = format!("new{:02}@example.com", index + 20);
            let (from, to) = if index % 2 == 0 { ("Designers", "Finance") } else { ("Finance", "Contractors") };
            json!({"user": email, "requestID": format!("edit-{index}"), "do": [{"remove": {"group": [from]}}, {"add": {"group": [to]}}]})
        })
        .collect()
}

fn remove_and_revoke_commands() -> Vec<Value> {
    let mut commands: Vec<Value> =
        ["user11@example.com", "user12@example.com", "fed05@fed.example.org", "new44@fed.example.org"]
            .iter()
            .map(|user| json!({"user": user, "do": [{"removeFromOrg": {"deleteAccount": true}}]}))
            .collect();
    for user in ["adobe01@gmail.com", "adobe02@gmail.com", "adobe03@gmail.com"] {
        commands.push(json!({"user": user, "useAdobeID": true, "do": [{"removeFromOrg": {"deleteAccount": false}}]}));
    }
    commands
}

/// Every request of the run, in order: batches of at most 10 commands.
fn requests() -> Vec<Value> {
    let mut requests: Vec<Value> = add_commands().chunks(10).map(|chunk| Value::Array(chunk.to_vec())).collect();
    requests.push(Value::Array(edit_commands()));
    requests.push(Value::Array(remove_and_revoke_commands()));
    requests
}

/// Sends one action request, retrying on 429, 5xx and connection errors like a client must.
async fn send(api: &Api, body: &Value, pragma: Option<&str>) -> Value {
    for _ in 0..50 {
        let mut request = api.request(reqwest::Method::POST, &format!("/action/{ORG}")).json(body);
        if let Some(pragma) = pragma {
            request = request.header("Pragma", pragma);
        }
        match request.send().await {
            Ok(response) if response.status() == StatusCode::OK => return response.json().await.unwrap_or(Value::Null),
            Ok(response) => assert!(
                response.status() == StatusCode::TOO_MANY_REQUESTS || response.status().is_server_error(),
                "unexpected {}",
                response.status()
            ),
            Err(error) => assert!(!error.is_status(), "{error}"),
        }
    }
    panic!("the request never succeeded");
}

async fn run(api: &Api) -> Vec<Value> {
    let (status, _, groups) = api.get(&format!("/groups/{ORG}/0")).await;
    if status == StatusCode::OK {
        assert_eq!(groups["groups"].as_array().map(Vec::len), Some(7));
    }
    let requests = requests();
    let mut answers = Vec::new();
    for (index, body) in requests.iter().enumerate() {
        let pragma = match index {
            0 => Some("umapi-sync-start"),
            last if last + 1 == requests.len() => Some("umapi-sync-end"),
            _ => None,
        };
        answers.push(send(api, body, pragma).await);
    }
    answers
}

/// The org as a comparable value: users with their groups and licences, and the groups.
fn org_view(state: &Value) -> Value {
    let users: Vec<Value> = state["users"]
        .as_array()
        .map(|users| {
            users
                .iter()
                .map(|user| json!([user["email"], user["type"], user["groups"], user["licences"], user["no_licence"]]))
                .collect()
        })
        .unwrap_or_default();
    let groups: Vec<Value> = state["groups"]
        .as_array()
        .map(|groups| groups.iter().map(|group| json!([group["groupName"], group["memberCount"]])).collect())
        .unwrap_or_default();
    json!({"users": users, "groups": groups})
}

#[tokio::test]
async fn a_bulk_run_against_the_demo_org_ends_in_the_expected_state() {
    let api = Api::with(SimOptions::demo(demo_state())).await;
    let answers = run(&api).await;
    for answer in &answers {
        assert_eq!(answer["result"], "success", "{answer}");
    }
    let completed: u64 = answers.iter().filter_map(|answer| answer["completed"].as_u64()).sum();
    assert_eq!(completed, 50 + 10 + 7);

    let (_, _, deficit) = api.get(&format!("/users/{ORG}/0/Photoshop%20-%20Default?status=inactive")).await;
    let deficit: Vec<String> = deficit["users"]
        .as_array()
        .map(|users| users.iter().filter_map(|user| user["email"].as_str().map(str::to_string)).collect())
        .unwrap_or_default();
    assert_eq!(deficit.len(), 8, "13 asked for Photoshop, 5 got it: {deficit:?}");
    // Licences go in order of arrival: requests in the order sent, the commands of one request in
    // an order Adobe does not promise (UMAPI.md 2a). new00-09 came in the first request, new10-12
    // in the second, so all five licences went to the first request and its last three queue.
    for late in ["new10@example.com", "new11@example.com", "new12@example.com"] {
        assert!(deficit[5..].contains(&late.to_string()), "{late} queues last: {deficit:?}");
    }

    let state: Value = http()
        .get(format!("{}/_sim/state", api.sim.base_url()))
        .send()
        .await
        .expect("state")
        .json()
        .await
        .expect("json");
    let users = state["users"].as_array().cloned().unwrap_or_default();
    assert_eq!(users.len(), 20 + 50 - 4 - 3);
    let find = |email: &str| users.iter().find(|user| user["email"] == email).cloned().unwrap_or_default();
    assert_eq!(names(&find("new07@example.com")["groups"]), vec!["Finance", "Photoshop - Default", "_admin_Designers"]);
    let new07 = find("new07@example.com");
    let held = [names(&new07["licences"]), names(&new07["no_licence"])].concat();
    assert!(held.contains(&"Photoshop - Default".to_string()), "with or without a licence: {new07}");
    assert_eq!(names(&find("new20@example.com")["groups"]), vec!["Finance"], "edited: Designers -> Finance");
    assert_eq!(names(&find("new21@example.com")["groups"]), vec!["Contractors"], "edited: Finance -> Contractors");
    assert_eq!(find("new47@outlook.com")["type"], "adobeID");
    assert!(find("adobe01@gmail.com").is_null() && find("user12@example.com").is_null(), "removed and revoked");
    let group = |name: &str| {
        state["groups"]
            .as_array()
            .and_then(|groups| groups.iter().find(|group| group["groupName"] == name))
            .cloned()
            .unwrap_or_default()
    };
    assert_eq!(group("Photoshop - Default")["memberCount"], 13);
    assert_eq!(group("Designers")["memberCount"], 10 + 25 - 5 - 1, "new44 was removed");
    let counters = &state["counters"];
    assert_eq!(counters["action_requests"], 7);
    assert_eq!(counters["commands_applied"], 67);
    assert_eq!((counters["sync_start"].as_u64(), counters["sync_end"].as_u64()), (Some(1), Some(1)));
    assert_eq!(counters["throttled"], 0, "7 action requests fit Adobe's 10 a minute");
}

#[tokio::test]
async fn the_same_run_with_faults_and_retries_ends_in_the_same_org() {
    // The same seed: the commands of a request run in the same (seeded) order in both runs.
    let clean = Api::with(SimOptions { seed: 2024, ..SimOptions::unlimited(demo_state()) }).await;
    run(&clean).await;
    let options = SimOptions {
        fault_rate: 0.35,
        seed: 2024,
        window: Duration::from_secs(60),
        ..SimOptions::unlimited(demo_state())
    };
    let faulty = Api::with(options).await;
    run(&faulty).await;
    let counters = faulty.sim.snapshot()["counters"].clone();
    assert!(
        counters["faults_after"].as_u64().is_some_and(|after| after > 0),
        "some requests were applied and faulted: {counters}"
    );
    assert_eq!(org_view(&faulty.sim.snapshot()), org_view(&clean.sim.snapshot()));
}
