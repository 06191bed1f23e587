//! Licence allocation over HTTP: members of a product configuration, direct or through a user
//! group, get licences in order of arrival up to the quota; later members are `inactive`; a
//! leaver's licence goes to the next in line. Checked through the users-by-group `status` filter
//! and `/_sim/state`.

use serde_json::{Value, json};

use crate::sim_support::{Api, ORG, names};

const PHOTOSHOP: &str = "Photoshop%20-%20Default";

/// Members with this licence status, direct and through user groups (`directOnly=false`).
async fn members(api: &Api, status: &str) -> Vec<String> {
    let (_, _, body) = api.get(&format!("/users/{ORG}/0/{PHOTOSHOP}?status={status}&directOnly=false")).await;
    body["users"]
        .as_array()
        .map(|users| users.iter().filter_map(|user| user["email"].as_str().map(str::to_string)).collect())
        .unwrap_or_default()
}

fn add(user: &str, group: &str) -> Value {
    json!({"user": user, "do": [{"add": {"group": [group]}}]})
}

#[tokio::test]
async fn the_first_quota_members_are_active_and_the_rest_inactive_in_order_of_arrival() {
    let api = Api::demo().await;
    // One request each: the order of commands inside one request is not guaranteed (UMAPI.md 2a).
    for number in [8, 3, 11, 1, 5, 2, 12, 7] {
        let body = api.command(add(&format!("user{number:02}@example.com"), "Photoshop - Default")).await;
        assert_eq!(body["result"], "success", "adding beyond the quota succeeds: {body}");
    }
    let active = members(&api, "active").await;
    let inactive = members(&api, "inactive").await;
    assert_eq!(active, ["08", "03", "11", "01", "05"].map(|number| format!("user{number}@example.com")));
    assert_eq!(inactive, ["02", "12", "07"].map(|number| format!("user{number}@example.com")));
    assert_eq!(
        api.group("Photoshop - Default").map(|group| group["memberCount"].clone()),
        Some(json!(8)),
        "memberCount counts all members"
    );
    let user02 = api.user("user02@example.com", "enterpriseID").unwrap_or_default();
    assert_eq!(names(&user02["groups"]), vec!["Designers", "Photoshop - Default"]);
    assert_eq!(names(&user02["no_licence"]), vec!["Photoshop - Default"]);
    assert_eq!(names(&user02["licences"]), vec!["Creative Cloud All Apps - Default"]);

    let remove = json!({"user": "user11@example.com", "do": [{"remove": {"group": ["Photoshop - Default"]}}]});
    assert_eq!(api.command(remove).await["result"], "success");
    assert_eq!(
        members(&api, "active").await.last().map(String::as_str),
        Some("user02@example.com"),
        "the next in line moves up"
    );
    assert_eq!(members(&api, "inactive").await, vec!["user12@example.com", "user07@example.com"]);
    api.command(json!({"user": "user08@example.com", "do": [{"removeFromOrg": {}}]})).await;
    assert_eq!(members(&api, "inactive").await, vec!["user07@example.com"], "leaving the org frees the licence too");
    api.command(add("user11@example.com", "Photoshop - Default")).await;
    assert_eq!(
        members(&api, "inactive").await,
        vec!["user07@example.com", "user11@example.com"],
        "coming back queues at the end"
    );
}

#[tokio::test]
async fn members_through_a_user_group_queue_with_direct_members_and_keep_their_place() {
    let api = Api::demo().await;
    let group = json!({"usergroup": "Retouchers", "do": [
        {"createUserGroup": {"description": "Photo team"}},
        {"add": {"productConfiguration": ["Photoshop - Default"], "user": ["fed01@fed.example.org", "fed02@fed.example.org", "fed03@fed.example.org"]}}
    ]});
    assert_eq!(api.command(group).await["result"], "success");
    for user in ["user01@example.com", "user02@example.com", "user03@example.com"] {
        api.command(add(user, "Photoshop - Default")).await;
    }
    assert_eq!(members(&api, "active").await.len(), 5);
    assert_eq!(members(&api, "inactive").await, vec!["user03@example.com"]);
    // fed01 also joins directly, then leaves the group: still a member, same place in line.
    api.command(add("fed01@fed.example.org", "Photoshop - Default")).await;
    let leave = json!({"usergroup": "Retouchers", "do": [{"remove": {"user": ["fed01@fed.example.org"]}}]});
    assert_eq!(api.command(leave).await["result"], "success");
    assert_eq!(members(&api, "active").await[0], "fed01@fed.example.org");
    // Taking the profile away from the group drops fed02 and fed03 and frees two licences.
    let drop_profile =
        json!({"usergroup": "Retouchers", "do": [{"remove": {"productConfiguration": ["Photoshop - Default"]}}]});
    assert_eq!(api.command(drop_profile).await["result"], "success");
    assert_eq!(
        members(&api, "active").await,
        vec!["fed01@fed.example.org", "user01@example.com", "user02@example.com", "user03@example.com"]
    );
    assert!(members(&api, "inactive").await.is_empty());
    // Deleting a group that grants a profile frees its members' licences as well.
    let fill = json!({"usergroup": "Retouchers", "do": [{"add": {"productConfiguration": ["Photoshop - Default"], "user": ["user04@example.com", "user05@example.com"]}}]});
    api.command(fill).await;
    // The group's members queue in the order they joined the group once the profile is back.
    assert_eq!(
        members(&api, "inactive").await,
        vec!["fed03@fed.example.org", "user04@example.com", "user05@example.com"]
    );
    api.command(json!({"usergroup": "Retouchers", "do": [{"deleteUserGroup": {}}]})).await;
    assert_eq!(members(&api, "active").await.len(), 4);
    assert!(members(&api, "inactive").await.is_empty());
}

#[tokio::test]
async fn the_demo_org_starts_with_licences_through_its_user_groups() {
    let api = Api::demo().await;
    let state = api.sim.snapshot();
    let quota = |name: &str| api.group(name).map(|group| (group["licenseQuota"].clone(), group["memberCount"].clone()));
    assert_eq!(quota("Creative Cloud All Apps - Default"), Some((json!("50"), json!(12))));
    assert_eq!(quota("Acrobat Pro - Default"), Some((json!("20"), json!(5))));
    let fed = state["users"]
        .as_array()
        .and_then(|users| users.iter().find(|user| user["email"] == "fed05@fed.example.org"))
        .cloned()
        .unwrap_or_default();
    assert_eq!(names(&fed["licences"]), vec!["Acrobat Pro - Default"]);
    let (_, _, body) =
        api.get(&format!("/users/{ORG}/0/Acrobat%20Pro%20-%20Default?status=inactive&directOnly=false")).await;
    assert_eq!(body["users"], json!([]));
}
