//! User-group rules over HTTP (issue 11, docs/simulator.md "User groups"): membership no-ops are
//! errors in `usergroup` commands and not in `user` commands, read-only (shared) groups, and the
//! member cap of `usergroup` `add`. Each test names the UMAPI.md section it follows.

use serde_json::{Value, json};
use umapi_bulk::sim::SimOptions;

use crate::sim_support::{Api, ORG, names, strict_state};

fn members(api: &Api, group: &str) -> Vec<String> {
    let state = api.sim.snapshot();
    let mut found: Vec<String> = state["users"]
        .as_array()
        .into_iter()
        .flatten()
        .filter(|user| names(&user["groups"]).iter().any(|name| name == group))
        .filter_map(|user| user["email"].as_str().map(str::to_string))
        .collect();
    found.sort();
    found
}

fn usergroup(group: &str, step: &str, users: &[&str]) -> Value {
    json!({"usergroup": group, "do": [{step: {"user": users}}]})
}

/// UMAPI.md 3b ("Create": `error.user.already_exists`, already a member of the user group; "User
/// groups": `error.usergroup.user_list.invalid`) and 2c: a `usergroup` add of a member or remove of
/// a non-member fails, in test mode too, and the step changes nothing (not even for the other
/// users it lists).
#[tokio::test]
async fn user_group_membership_no_ops_are_refused_and_the_step_changes_nothing() {
    let api = Api::demo().await;
    let before = members(&api, "Finance");
    let add = usergroup("Finance", "add", &["user01@example.com", "fed01@fed.example.org"]);
    let body = api.command(add.clone()).await;
    assert_eq!(body["errors"][0]["errorCode"], "error.user.already_exists", "{body}");
    assert_eq!((body["errors"][0]["index"].as_u64(), body["errors"][0]["step"].as_u64()), (Some(0), Some(0)));
    assert!(body["errors"][0]["message"].as_str().is_some_and(|message| message.contains("fed01@fed.example.org")));
    assert_eq!(members(&api, "Finance"), before, "user01 was not added either");
    let (_, test_mode) = api.action_test_mode(&json!([add])).await;
    assert_eq!(test_mode["errors"][0]["errorCode"], "error.user.already_exists");

    let remove = usergroup("Finance", "remove", &["fed02@fed.example.org", "user01@example.com"]);
    let body = api.command(remove).await;
    assert_eq!(body["errors"][0]["errorCode"], "error.usergroup.user_list.invalid", "{body}");
    assert_eq!(members(&api, "Finance"), before, "fed02 stays");

    let good = usergroup("Finance", "add", &["user01@example.com"]);
    assert_eq!(api.command(good.clone()).await["result"], "success");
    assert_eq!(api.error_of(good).await.as_deref(), Some("error.user.already_exists"), "a retry is refused");
    let leave = usergroup("Finance", "remove", &["user01@example.com"]);
    assert_eq!(api.command(leave.clone()).await["result"], "success");
    assert_eq!(api.error_of(leave).await.as_deref(), Some("error.usergroup.user_list.invalid"));
    // Granting a configuration the group already grants is not a membership no-op.
    let grant = json!({"usergroup": "Finance", "do": [{"add": {"productConfiguration": ["Acrobat Pro - Default"]}}]});
    assert_eq!(api.command(grant).await["result"], "success");
}

/// UMAPI.md 2b and D ("add/remove are idempotent"): Adobe documents no no-op error for the `add`
/// and `remove` steps of a `user` command, so adding a membership the user has, or removing one it
/// lacks, succeeds.
#[tokio::test]
async fn user_command_membership_no_ops_succeed() {
    let api = Api::demo().await;
    let again = json!({"user": "user01@example.com", "do": [{"add": {"group": ["Designers"]}}]});
    assert_eq!(api.command(again).await["result"], "success");
    let absent = json!({"user": "user01@example.com", "do": [{"remove": {"group": ["Finance"]}}]});
    assert_eq!(api.command(absent).await["result"], "success");
    let user = api.user("user01@example.com", "enterpriseID").unwrap_or_default();
    assert_eq!(names(&user["groups"]), vec!["Designers"]);
}

/// UMAPI.md 2c: a read-only (shared) user group refuses member changes from either root, renames
/// and deletion, but its product configurations can be added and removed. The groups list marks
/// it `isReadOnly: true`, and `remove: "all"` leaves it alone.
#[tokio::test]
async fn read_only_groups_refuse_member_and_name_changes_but_not_configurations() {
    let api = Api::with(SimOptions::unlimited(strict_state())).await;
    let group = api.group("Shared Brand").unwrap_or_default();
    assert_eq!(group["isReadOnly"], true, "{group}");
    let (_, _, page) = api.get(&format!("/groups/{ORG}/0")).await;
    let listed = page["groups"].as_array().into_iter().flatten().find(|group| group["groupName"] == "Shared Brand");
    assert_eq!(listed.map(|group| group["isReadOnly"].clone()), Some(json!(true)));
    assert_eq!(api.group("Designers").map(|group| group.get("isReadOnly").is_none()), Some(true));

    for (command, code) in [
        (usergroup("Shared Brand", "add", &["user02@example.com"]), "error.usergroup.readonly.add_user_not_allowed"),
        (
            usergroup("Shared Brand", "remove", &["user01@example.com"]),
            "error.usergroup.readonly.remove_user_not_allowed",
        ),
        (
            json!({"user": "user02@example.com", "do": [{"add": {"group": ["Shared Brand"]}}]}),
            "error.usergroup.readonly.add_user_not_allowed",
        ),
        (
            json!({"user": "user01@example.com", "do": [{"remove": {"group": ["Shared Brand"]}}]}),
            "error.usergroup.readonly.remove_user_not_allowed",
        ),
        (
            json!({"usergroup": "Shared Brand", "do": [{"updateUserGroup": {"name": "Brand"}}]}),
            "error.usergroup.readonly.update_not_allowed",
        ),
        (
            json!({"usergroup": "Shared Brand", "do": [{"deleteUserGroup": {}}]}),
            "error.usergroup.readonly.remove_not_allowed",
        ),
    ] {
        assert_eq!(api.error_of(command.clone()).await.as_deref(), Some(code), "{command}");
    }
    assert_eq!(members(&api, "Shared Brand"), vec!["user01@example.com"]);
    let profiles = json!({"usergroup": "Shared Brand", "do": [
        {"add": {"productConfiguration": ["Acrobat Pro - Default"]}},
        {"remove": {"productConfiguration": ["Photoshop - Default"]}}
    ]});
    assert_eq!(api.command(profiles).await["result"], "success");
    let user01 = api.user("user01@example.com", "enterpriseID").unwrap_or_default();
    assert!(names(&user01["licences"]).contains(&"Acrobat Pro - Default".to_string()), "{user01}");
    let all = json!({"user": "user01@example.com", "do": [{"remove": "all"}]});
    assert_eq!(api.command(all).await["result"], "success");
    let user01 = api.user("user01@example.com", "enterpriseID").unwrap_or_default();
    assert_eq!(names(&user01["groups"]), vec!["Shared Brand"], "remove all cannot leave a read-only group");
}

/// UMAPI.md 2c, 2d: `add` cannot take a user group beyond its member cap (Adobe: 200,000; the
/// state file's `max_user_group_members` lowers it for the test):
/// `error.usergroup.exceeds_maximum_member_count`, and nothing of the step is applied.
#[tokio::test]
async fn usergroup_add_stops_at_the_member_cap() {
    let mut state = strict_state();
    state.max_user_group_members = 6;
    let api = Api::with(SimOptions::unlimited(state)).await;
    // Finance has fed01-05 and jsmith: 6, the cap.
    let over = usergroup("Finance", "add", &["user01@example.com"]);
    assert_eq!(api.error_of(over).await.as_deref(), Some("error.usergroup.exceeds_maximum_member_count"));
    assert_eq!(members(&api, "Finance").len(), 6);
    let two = usergroup("Contractors", "add", &["user01@example.com", "user02@example.com"]);
    assert_eq!(api.command(two).await["result"], "success", "Contractors has 1 member");
    let leave = usergroup("Finance", "remove", &["fed05@fed.example.org"]);
    assert_eq!(api.command(leave).await["result"], "success");
    assert_eq!(api.command(usergroup("Finance", "add", &["user01@example.com"])).await["result"], "success");
}
