//! Identities over HTTP (issue 11, docs/simulator.md "Identities"): users of a username-login
//! Federated directory are named by username + domain only, and users of a trusted domain can be
//! added and removed but not updated or deleted. Each test names the UMAPI.md section it follows.

use reqwest::StatusCode;
use serde_json::json;
use umapi_bulk::sim::SimOptions;

use crate::sim_support::{Api, ORG, names, strict_state};

async fn strict() -> Api {
    Api::with(SimOptions::unlimited(strict_state())).await
}

/// UMAPI.md 2a, 6a, 6b: a Federated user whose username is not an email is found only by
/// `user: <username>` plus `domain`, in every command and in the single-user read; never by email.
#[tokio::test]
async fn username_login_users_are_found_only_by_username_and_domain() {
    let api = strict().await;
    let by_email = json!({"user": "john.smith@sso.example.net", "do": [{"add": {"group": ["Contractors"]}}]});
    assert_eq!(api.error_of(by_email).await.as_deref(), Some("error.user.nonexistent"));
    let by_login = json!({"user": "jsmith", "domain": "sso.example.net", "do": [{"add": {"group": ["Contractors"]}}]});
    assert_eq!(api.command(by_login).await["result"], "success");
    let user = api.user("john.smith@sso.example.net", "federatedID").unwrap_or_default();
    assert_eq!(names(&user["groups"]), vec!["Finance", "Contractors"]);

    for (path, why) in [
        ("john.smith@sso.example.net", "not by email"),
        ("john.smith@sso.example.net?domain=sso.example.net", "not by email with the domain either"),
        ("jsmith", "a username needs its domain"),
    ] {
        let (status, _, _) = api.get(&format!("/organizations/{ORG}/users/{path}")).await;
        assert_eq!(status, StatusCode::NOT_FOUND, "{why}");
    }
    let (status, _, body) = api.get(&format!("/organizations/{ORG}/users/jsmith?domain=sso.example.net")).await;
    assert_eq!((status, body["user"]["username"].as_str()), (StatusCode::OK, Some("jsmith")));

    // A usergroup command names its users by email (2c), so it cannot name this user.
    let listed = json!({"usergroup": "Contractors", "do": [{"remove": {"user": ["john.smith@sso.example.net"]}}]});
    assert_eq!(api.error_of(listed).await.as_deref(), Some("error.user.nonexistent"));
    // Creating by email in a username-login directory: the username would be an email.
    let create = json!({"user": "new.person@sso.example.net", "do": [{"createFederatedID": {
        "email": "new.person@sso.example.net", "firstname": "New", "lastname": "Person", "country": "US"}}]});
    assert_eq!(api.error_of(create).await.as_deref(), Some("error.user.name.contains.email"));
    let create = json!({"user": "nperson", "domain": "sso.example.net", "do": [{"createFederatedID": {
        "email": "new.person@sso.example.net", "firstname": "New", "lastname": "Person", "country": "US"}}]});
    assert_eq!(api.command(create).await["result"], "success");
    let rename =
        json!({"user": "nperson", "domain": "sso.example.net", "do": [{"update": {"username": "np@sso.example.net"}}]});
    assert_eq!(api.error_of(rename).await.as_deref(), Some("error.user.name.contains.email"));
    // By email with ignoreIfAlreadyExists does not reach the existing user either.
    let again = json!({"user": "john.smith@sso.example.net", "do": [{"createFederatedID": {
        "email": "john.smith@sso.example.net", "firstname": "J", "lastname": "S", "country": "US",
        "option": "ignoreIfAlreadyExists"}}, {"add": {"group": ["Designers"]}}]});
    assert_eq!(api.error_of(again).await.as_deref(), Some("error.user.already_in_org"));
    let user = api.user("john.smith@sso.example.net", "federatedID").unwrap_or_default();
    assert!(!names(&user["groups"]).contains(&"Designers".to_string()));
}

/// UMAPI.md 6a, 6b: a user of a trusted domain (another org owns the directory) can be added,
/// given memberships and removed from the org, but not updated or deleted
/// (`error.api.user.not.parent.org`); changes into a domain the org has not claimed are
/// `error.domain.trust.nonexistent`.
#[tokio::test]
async fn trusted_domain_users_can_be_added_and_removed_but_not_updated_or_deleted() {
    let api = strict().await;
    let pat = "pat@partner.example";
    assert_eq!(api.command(json!({"user": pat, "do": [{"add": {"group": ["Designers"]}}]})).await["result"], "success");
    for (command, code) in [
        (json!({"user": pat, "do": [{"update": {"firstname": "Patricia"}}]}), "error.api.user.not.parent.org"),
        (
            json!({"user": pat, "do": [{"createFederatedID": {"email": pat, "firstname": "P", "lastname": "Q",
                "country": "US", "option": "updateIfAlreadyExists"}}]}),
            "error.api.user.not.parent.org",
        ),
        (json!({"user": pat, "do": [{"removeFromOrg": {"deleteAccount": true}}]}), "error.api.user.not.parent.org"),
        (
            json!({"user": "user01@example.com", "do": [{"update": {"email": "user01@partner.example"}}]}),
            "error.domain.trust.nonexistent",
        ),
        (
            json!({"user": "x@unclaimed.example", "do": [{"createEnterpriseID": {"email": "x@unclaimed.example",
                "firstname": "X", "lastname": "Y"}}]}),
            "error.domain.trust.nonexistent",
        ),
        (
            json!({"user": "e@partner.example", "do": [{"createEnterpriseID": {"email": "e@partner.example",
                "firstname": "E", "lastname": "F"}}]}),
            "error.user.type_mismatch",
        ),
    ] {
        assert_eq!(api.error_of(command.clone()).await.as_deref(), Some(code), "{command}");
    }
    let user = api.user(pat, "federatedID").unwrap_or_default();
    assert_eq!(
        (user["firstname"].as_str(), names(&user["groups"])),
        (Some("Test"), vec!["Contractors".to_string(), "Designers".to_string()])
    );
    // Another user of the trusted directory is added to the org like a create.
    let add = json!({"user": "kim@partner.example", "do": [
        {"createFederatedID": {"email": "kim@partner.example", "firstname": "Kim", "lastname": "Lee", "country": "KR"}},
        {"add": {"group": ["Finance"]}}]});
    assert_eq!(api.command(add).await["result"], "success");
    let remove = json!({"user": pat, "do": [{"removeFromOrg": {"deleteAccount": false}}]});
    assert_eq!(api.command(remove).await["result"], "success");
    assert!(api.user(pat, "federatedID").is_none());
}

/// UMAPI.md 5a: the users list's `domain` parameter selects the users of one domain, a trusted
/// one included; a domain the org does not know is 404.
#[tokio::test]
async fn the_users_list_domain_parameter_selects_a_trusted_domain() {
    let api = strict().await;
    assert_eq!(api.emails(&format!("/users/{ORG}/0?domain=partner.example")).await, vec!["pat@partner.example"]);
    assert_eq!(api.emails(&format!("/users/{ORG}/0?domain=sso.example.net")).await, vec!["john.smith@sso.example.net"]);
    assert_eq!(api.emails(&format!("/users/{ORG}/0?domain=fed.example.org")).await.len(), 5);
    let (status, headers, _) = api.get(&format!("/users/{ORG}/0")).await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(headers.get("x-total-count").and_then(|value| value.to_str().ok()), Some("22"));
    let (status, _, body) = api.get(&format!("/users/{ORG}/0?domain=elsewhere.example")).await;
    assert_eq!((status, body["result"].as_str()), (StatusCode::NOT_FOUND, Some("error.domain.not_found")));
    let state = api.sim.snapshot();
    let trusted = state["domains"].as_array().into_iter().flatten().find(|domain| domain["name"] == "partner.example");
    assert_eq!(trusted.map(|domain| domain["trusted"].clone()), Some(json!(true)));
}
