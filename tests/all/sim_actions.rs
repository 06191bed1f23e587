//! The action endpoint over HTTP: every user step and user-group step, their effect on the org as
//! `/_sim/state` shows it, the answer's counts and errors, and test mode.

use reqwest::StatusCode;
use serde_json::json;

use crate::sim_support::{Api, names};

#[tokio::test]
async fn create_enterprise_id_with_groups_creates_the_user_and_its_memberships() {
    let api = Api::demo().await;
    let body = api
        .command(json!({"user": "new01@example.com", "requestID": "row-2", "do": [
            {"createEnterpriseID": {"email": "new01@example.com", "firstname": "New", "lastname": "One", "country": "US"}},
            {"add": {"group": ["Photoshop - Default", "Contractors"]}}
        ]}))
        .await;
    assert_eq!(body, json!({"result": "success", "completed": 1, "notCompleted": 0, "completedInTestMode": 0}));
    let user = api.user("new01@example.com", "enterpriseID").expect("the user exists");
    assert_eq!(user["username"], "new01@example.com");
    assert_eq!(user["domain"], "example.com");
    assert_eq!(
        (user["firstname"].as_str(), user["lastname"].as_str(), user["country"].as_str()),
        (Some("New"), Some("One"), Some("US"))
    );
    assert_eq!(names(&user["groups"]), vec!["Photoshop - Default", "Contractors"]);
    assert_eq!(names(&user["licences"]), vec!["Photoshop - Default"]);
    assert_eq!(api.counter("commands_applied"), 1);
}

#[tokio::test]
async fn create_federated_id_by_email_and_by_username_with_domain() {
    let api = Api::demo().await;
    let by_email = api
        .command(json!({"user": "fed10@fed.example.org", "do": [
            {"createFederatedID": {"email": "fed10@fed.example.org", "firstname": "F", "lastname": "Ten", "country": "DE"}}
        ]}))
        .await;
    assert_eq!(by_email["result"], "success");
    let by_username = api
        .command(json!({"user": "jdoe", "domain": "fed.example.org", "do": [
            {"createFederatedID": {"email": "john.doe@fed.example.org", "firstname": "John", "lastname": "Doe", "country": "FR"}},
            {"add": {"group": ["Finance"]}}
        ]}))
        .await;
    assert_eq!(by_username["result"], "success", "{by_username}");
    let user = api.user("john.doe@fed.example.org", "federatedID").expect("created");
    assert_eq!((user["username"].as_str(), user["domain"].as_str()), (Some("jdoe"), Some("fed.example.org")));
    assert_eq!(names(&user["licences"]), vec!["Acrobat Pro - Default"]);
    // A non-email username is found again by username + domain.
    let updated = api
        .command(json!({"user": "jdoe", "domain": "fed.example.org", "do": [{"update": {"firstname": "Johnny"}}]}))
        .await;
    assert_eq!(updated["result"], "success");
    assert_eq!(
        api.user("john.doe@fed.example.org", "federatedID").map(|user| user["firstname"].clone()),
        Some(json!("Johnny"))
    );
}

#[tokio::test]
async fn add_adobe_id_adds_an_active_adobe_id_user_of_the_org() {
    let api = Api::demo().await;
    let body = api
        .command(json!({"user": "someone@outlook.com", "useAdobeID": true, "do": [
            {"addAdobeID": {"email": "someone@outlook.com", "country": "GB"}},
            {"add": {"group": ["Acrobat Pro - Default"]}}
        ]}))
        .await;
    assert_eq!(body["result"], "success", "{body}");
    let user = api.user("someone@outlook.com", "adobeID").expect("added");
    assert_eq!(user["status"], "active");
    assert_eq!(names(&user["groups"]), vec!["Acrobat Pro - Default"]);
}

#[tokio::test]
async fn creating_an_existing_user_without_option_fails_and_options_skip_or_update() {
    let api = Api::demo().await;
    let create = |option: Option<&str>| {
        let mut step =
            json!({"email": "user01@example.com", "firstname": "Augusta", "lastname": "King", "country": "GB"});
        if let Some(option) = option {
            step["option"] = json!(option);
        }
        json!({"user": "user01@example.com", "requestID": "r1", "do": [{"createEnterpriseID": step}, {"add": {"group": ["Finance"]}}]})
    };
    let body = api.command(create(None)).await;
    assert_eq!(body["result"], "error");
    assert_eq!(body["errors"][0]["errorCode"], "error.user.already_in_org");
    assert_eq!((body["errors"][0]["index"].as_u64(), body["errors"][0]["step"].as_u64()), (Some(0), Some(0)));
    assert_eq!(body["errors"][0]["requestID"], "r1");
    assert_eq!(body["errors"][0]["user"], "user01@example.com");
    let user = api.user("user01@example.com", "enterpriseID").expect("exists");
    assert_eq!(names(&user["groups"]), vec!["Designers"], "a failed step stops its command");

    assert_eq!(api.command(create(Some("ignoreIfAlreadyExists"))).await["result"], "success");
    let user = api.user("user01@example.com", "enterpriseID").expect("exists");
    assert_eq!(user["firstname"], "Ada", "ignore leaves the names");
    assert_eq!(names(&user["groups"]), vec!["Designers", "Finance"], "ignore runs the remaining steps");

    assert_eq!(api.command(create(Some("updateIfAlreadyExists"))).await["result"], "success");
    let user = api.user("user01@example.com", "enterpriseID").expect("exists");
    assert_eq!((user["firstname"].as_str(), user["lastname"].as_str()), (Some("Augusta"), Some("King")));
}

#[tokio::test]
async fn update_changes_names_and_email_and_the_username_follows_the_email() {
    let api = Api::demo().await;
    let body = api
        .command(json!({"user": "user02@example.com", "do": [
            {"update": {"firstname": "Amazing", "lastname": "Grace", "email": "grace@example.com"}}
        ]}))
        .await;
    assert_eq!(body["result"], "success", "{body}");
    assert!(api.user("user02@example.com", "enterpriseID").is_none());
    let user = api.user("grace@example.com", "enterpriseID").expect("renamed");
    assert_eq!((user["username"].as_str(), user["firstname"].as_str()), (Some("grace@example.com"), Some("Amazing")));
    assert_eq!(names(&user["groups"]), vec!["Designers"]);
    let again = api.command(json!({"user": "grace@example.com", "do": [{"update": {"lastname": "Hopper"}}]})).await;
    assert_eq!(again["result"], "success");
}

#[tokio::test]
async fn remove_takes_named_groups_or_all_and_add_is_idempotent() {
    let api = Api::demo().await;
    let add = json!({"user": "user03@example.com", "do": [{"add": {"group": ["Finance", "_admin_Designers", "Photoshop - Default"]}}]});
    assert_eq!(api.command(add.clone()).await["result"], "success");
    assert_eq!(api.command(add).await["result"], "success", "adding again changes nothing and succeeds");
    let user = api.user("user03@example.com", "enterpriseID").expect("exists");
    assert_eq!(names(&user["groups"]), vec!["Designers", "Finance", "_admin_Designers", "Photoshop - Default"]);
    let body = api
        .command(json!({"user": "user03@example.com", "do": [{"remove": {"group": ["Finance", "Contractors"]}}]}))
        .await;
    assert_eq!(body["result"], "success", "removing a group the user is not in is fine");
    let user = api.user("user03@example.com", "enterpriseID").expect("exists");
    assert_eq!(names(&user["groups"]), vec!["Designers", "_admin_Designers", "Photoshop - Default"]);
    assert_eq!(
        api.command(json!({"user": "user03@example.com", "do": [{"remove": "all"}]})).await["result"],
        "success"
    );
    let user = api.user("user03@example.com", "enterpriseID").expect("still in the org");
    assert!(names(&user["groups"]).is_empty());
    assert!(names(&user["licences"]).is_empty());
}

#[tokio::test]
async fn remove_from_org_removes_the_user_and_always_succeeds() {
    let api = Api::demo().await;
    for (user, delete_account) in
        [("user04@example.com", false), ("fed01@fed.example.org", true), ("nobody@example.com", false)]
    {
        let body =
            api.command(json!({"user": user, "do": [{"removeFromOrg": {"deleteAccount": delete_account}}]})).await;
        assert_eq!(body["result"], "success", "{user}: {body}");
    }
    assert!(api.user("user04@example.com", "enterpriseID").is_none());
    assert!(api.user("fed01@fed.example.org", "federatedID").is_none());
    assert_eq!(api.group("Designers").map(|group| group["memberCount"].clone()), Some(json!(11)));
}

#[tokio::test]
async fn revoking_an_invitation_removes_the_adobe_id_and_keeps_a_same_email_enterprise_id() {
    let api = Api::demo().await;
    api.command(json!({"user": "user05@example.com", "useAdobeID": true, "do": [{"addAdobeID": {"email": "user05@example.com"}}]}))
        .await;
    assert!(api.user("user05@example.com", "adobeID").is_some());
    let body =
        api.command(json!({"user": "user05@example.com", "useAdobeID": true, "do": [{"removeFromOrg": {"deleteAccount": false}}]})).await;
    assert_eq!(body["result"], "success");
    assert!(api.user("user05@example.com", "adobeID").is_none());
    assert!(api.user("user05@example.com", "enterpriseID").is_some(), "useAdobeID targets only the Adobe ID");
    let revoke =
        json!({"user": "adobe01@gmail.com", "useAdobeID": true, "do": [{"removeFromOrg": {"deleteAccount": false}}]});
    assert_eq!(api.command(revoke).await["result"], "success");
    assert!(api.user("adobe01@gmail.com", "adobeID").is_none());
}

#[tokio::test]
async fn a_failing_command_stops_only_itself_and_the_answer_is_partial() {
    let api = Api::demo().await;
    let (status, body) = api
        .action(&json!([
            {"user": "user06@example.com", "requestID": "a", "do": [{"add": {"group": ["Finance"]}}]},
            {"user": "ghost@example.com", "requestID": "b", "do": [{"add": {"group": ["Finance"]}}]},
            {"user": "user07@example.com", "requestID": "c", "do": [{"add": {"group": ["Finance"]}}, {"add": {"group": ["No Such Group"]}}, {"add": {"group": ["Contractors"]}}]}
        ]))
        .await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(body["result"], "partial");
    assert_eq!((body["completed"].as_u64(), body["notCompleted"].as_u64()), (Some(1), Some(2)));
    assert_eq!(
        body["errors"][0],
        json!({"index": 1, "step": 0, "requestID": "b", "user": "ghost@example.com",
        "errorCode": "error.user.nonexistent", "message": "User Id does not exist: ghost@example.com"})
    );
    assert_eq!(body["errors"][1]["index"], 2);
    assert_eq!(body["errors"][1]["step"], 1);
    assert_eq!(body["errors"][1]["errorCode"], "error.group.not_found");
    assert_eq!(body["errors"][1]["message"], "Group No Such Group was not found");
    let user = api.user("user07@example.com", "enterpriseID").expect("exists");
    assert_eq!(names(&user["groups"]), vec!["Designers", "Finance"], "steps before the failure stay applied");
}

#[tokio::test]
async fn user_group_commands_create_update_fill_and_delete_groups() {
    let api = Api::demo().await;
    let body = api
        .command(json!({"usergroup": "Marketing", "requestID": "g1", "do": [
            {"createUserGroup": {"description": "Marketing team", "option": "ignoreIfAlreadyExists"}},
            {"add": {"user": ["user08@example.com", "fed02@fed.example.org"], "productConfiguration": ["Photoshop - Default"]}}
        ]}))
        .await;
    assert_eq!(body["result"], "success", "{body}");
    let group = api.group("Marketing").expect("created");
    assert_eq!((group["type"].as_str(), group["memberCount"].as_u64()), (Some("USER_GROUP"), Some(2)));
    let user = api.user("user08@example.com", "enterpriseID").expect("exists");
    assert!(names(&user["licences"]).contains(&"Photoshop - Default".to_string()), "{user}");

    let body = api
        .command(json!({"usergroup": "Marketing", "do": [
            {"updateUserGroup": {"name": "Growth", "description": "Growth team"}},
            {"remove": {"user": ["user08@example.com"], "productConfiguration": ["Photoshop - Default"]}}
        ]}))
        .await;
    assert_eq!(body["result"], "success", "{body}");
    assert!(api.group("Marketing").is_none());
    assert_eq!(api.group("Growth").map(|group| group["memberCount"].clone()), Some(json!(1)));
    let fed = api.user("fed02@fed.example.org", "federatedID").expect("exists");
    assert_eq!(names(&fed["groups"]), vec!["Finance", "Growth"]);
    assert_eq!(names(&fed["licences"]), vec!["Acrobat Pro - Default"], "the profile left the group");

    let body = api.command(json!({"usergroup": "Growth", "do": [{"deleteUserGroup": {}}]})).await;
    assert_eq!(body["result"], "success");
    assert!(api.group("Growth").is_none());
    let fed = api.user("fed02@fed.example.org", "federatedID").expect("exists");
    assert_eq!(names(&fed["groups"]), vec!["Finance"]);
}

#[tokio::test]
async fn test_mode_changes_nothing_and_counts_completed_in_test_mode() {
    let api = Api::demo().await;
    let before = api.sim.snapshot()["users"].clone();
    let (status, body) = api
        .action_test_mode(&json!([
            {"user": "t1@example.com", "do": [{"createEnterpriseID": {"email": "t1@example.com", "firstname": "T", "lastname": "One"}}, {"add": {"group": ["Finance"]}}]},
            {"user": "t1@example.com", "do": [{"createEnterpriseID": {"email": "t1@example.com", "firstname": "T", "lastname": "One"}}]},
            {"user": "ghost@example.com", "do": [{"update": {"firstname": "Nobody"}}, {"add": {"group": ["Finance"]}}]},
            {"user": "user09@example.com", "do": [{"remove": "all"}, {"removeFromOrg": {"deleteAccount": true}}]},
            {"user": "ghost@example.com", "do": [{"add": {"group": ["Not A Profile"]}}]},
            {"user": "user10@example.com", "do": [{"createEnterpriseID": {"email": "user10@example.com", "firstname": "D", "lastname": "K"}}]}
        ]))
        .await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(body["result"], "partial", "{body}");
    assert_eq!(body["completed"], 0);
    assert_eq!(body["completedInTestMode"], 4, "two creates of the same new user pass, steps on missing users pass");
    assert_eq!(body["notCompleted"], 2);
    assert_eq!(body["errors"][0]["errorCode"], "error.group.not_found", "profile names are still checked");
    assert_eq!(body["errors"][1]["errorCode"], "error.user.already_in_org", "conflicting users are still reported");
    assert_eq!(api.sim.snapshot()["users"], before, "test mode changes nothing");
    assert_eq!(api.counter("commands_applied"), 0);
}
