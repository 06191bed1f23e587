//! `samples/org-realistic.json` (issue 11 item 10, samples/README.md): it is exactly what
//! `umapi-bulk sim --synthetic-users 300 --seed 11 --write-state` writes, and over HTTP it shows
//! what real orgs have and the demo org does not: product names with commas and the
//! `_product_admin_<product>` groups built from them (UMAPI.md 5d, 6c), a trusted domain (6a), a
//! read-only user group (2c) and a username-login Federated directory (6a).

use reqwest::StatusCode;
use serde_json::Value;
use umapi_bulk::sim::{self, SimOptions};

use crate::harness;
use crate::sim_support::{Api, ORG};

fn realistic() -> sim::OrgState {
    sim::load_state(&harness::sample("org-realistic.json")).unwrap_or_else(|error| panic!("{error:#}"))
}

#[test]
fn the_realistic_sample_is_what_the_generator_writes() {
    let written = sim::state_file_text(&sim::synthetic_state(300, 11)).expect("generated");
    let file = std::fs::read_to_string(harness::sample("org-realistic.json")).expect("sample");
    assert!(
        written == file,
        "regenerate with: umapi-bulk sim --synthetic-users 300 --seed 11 --write-state samples/org-realistic.json"
    );
    assert_eq!(realistic().users.len(), 300);
}

#[tokio::test]
async fn the_realistic_org_has_what_real_orgs_have() {
    let api = Api::with(SimOptions::unlimited(realistic())).await;
    let (status, _, page) = api.get(&format!("/groups/{ORG}/0")).await;
    assert_eq!(status, StatusCode::OK);
    let groups = page["groups"].as_array().cloned().unwrap_or_default();
    let photoshop =
        groups.iter().find(|group| group["groupName"] == "Photoshop - Default").cloned().unwrap_or_default();
    assert_eq!(photoshop["productName"], "Photoshop (<CCE,Single App - Enterprise,PHSP>)");
    assert_eq!(groups.iter().filter(|group| group["type"] == "PRODUCT_PROFILE").count(), 30);
    let read_only: Vec<&Value> = groups.iter().filter(|group| group["isReadOnly"] == true).collect();
    assert_eq!(read_only.len(), 1);
    assert!(groups.iter().any(|group| group["type"] == "PRODUCT_ADMIN_GROUP"
        && group["groupName"].as_str().is_some_and(|name| name.starts_with("_product_admin_") && name.contains(','))));
    let admins = "_product_admin_Photoshop%20(%3CCCE,Single%20App%20-%20Enterprise,PHSP%3E)";
    let (status, _, _) = api.get(&format!("/users/{ORG}/0/{admins}")).await;
    assert_eq!(status, StatusCode::OK, "the product admin group of a product with commas exists");
    let deficit =
        api.emails(&format!("/users/{ORG}/0/Acrobat%20Pro%20-%20Default?status=inactive&directOnly=false")).await;
    assert!(!deficit.is_empty(), "some configurations run short");
    let trusted = api.emails(&format!("/users/{ORG}/0?domain=partner.example")).await;
    assert!(trusted.len() > 5, "{trusted:?}");
    let (_, _, page) = api.get(&format!("/users/{ORG}/0?domain=sso.example.net")).await;
    let user = page["users"][0].clone();
    let (username, email) = (user["username"].as_str().unwrap_or_default(), user["email"].as_str().unwrap_or_default());
    assert!(!username.contains('@') && email.ends_with("@sso.example.net"), "{user}");
    let (status, _, _) = api.get(&format!("/organizations/{ORG}/users/{username}?domain=sso.example.net")).await;
    assert_eq!(status, StatusCode::OK);
    let (status, _, _) = api.get(&format!("/organizations/{ORG}/users/{email}")).await;
    assert_eq!(status, StatusCode::NOT_FOUND, "a username-login user is not found by email");
}
