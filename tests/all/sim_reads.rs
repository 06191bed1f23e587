//! The read endpoints over HTTP: paging of users (2,000) and groups (400) with their edges and
//! headers, the `domain`, `directOnly`, `status` and `excludeGroups` parameters, single users and
//! the 404 shapes, and `/status`.

use reqwest::StatusCode;
use reqwest::header::HeaderMap;
use serde_json::{Value, json};
use umapi_bulk::model::IdentityType;
use umapi_bulk::sim::{OrgState, SimOptions, UserGroupSpec, UserSpec};

use crate::sim_support::{Api, ORG, demo_state, http, names};

fn header(headers: &HeaderMap, name: &str) -> String {
    headers.get(name).and_then(|value| value.to_str().ok()).unwrap_or_default().to_string()
}

fn paging(headers: &HeaderMap) -> [String; 4] {
    ["X-Total-Count", "X-Page-Count", "X-Current-Page", "X-Page-Size"].map(|name| header(headers, name))
}

fn emails(body: &Value) -> Vec<String> {
    body["users"]
        .as_array()
        .map(|users| users.iter().filter_map(|user| user["email"].as_str().map(str::to_string)).collect())
        .unwrap_or_default()
}

fn with_extra_users(count: usize) -> OrgState {
    let mut state = demo_state();
    for index in 0..count {
        state.users.push(UserSpec {
            identity_type: IdentityType::EnterpriseId,
            email: format!("bulk{index:05}@example.com"),
            username: None,
            domain: None,
            firstname: Some("Bulk".into()),
            lastname: Some(format!("{index}")),
            country: Some("US".into()),
            groups: vec!["Contractors".into()],
        });
    }
    state
}

#[tokio::test]
async fn the_users_list_shows_user_objects_in_order_of_arrival_with_paging_headers() {
    let api = Api::demo().await;
    let (status, headers, body) = api.get(&format!("/users/{ORG}/0")).await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!((body["lastPage"].as_bool(), body["result"].as_str()), (Some(true), Some("success")));
    assert_eq!(paging(&headers), ["20", "1", "0", "20"].map(String::from));
    let listed = emails(&body);
    assert_eq!(listed.len(), 20);
    assert_eq!(
        (listed[0].as_str(), listed[12].as_str(), listed[19].as_str()),
        ("user01@example.com", "fed01@fed.example.org", "adobe03@gmail.com")
    );
    let first = &body["users"][0];
    for key in ["id", "email", "username", "domain", "firstname", "lastname", "country", "type", "status", "groups"] {
        assert!(first.get(key).is_some(), "user objects carry {key}: {first}");
    }
    assert_eq!((first["type"].as_str(), first["status"].as_str()), (Some("enterpriseID"), Some("active")));
    let adobe = &body["users"][19];
    assert!(adobe.get("groups").is_none() && adobe.get("firstname").is_none(), "unset properties are omitted: {adobe}");
    assert_eq!(adobe["domain"], "gmail.com");
}

#[tokio::test]
async fn users_pages_hold_2000_and_a_page_past_the_end_is_the_last_page() {
    let api = Api::with(SimOptions::unlimited(with_extra_users(3981))).await;
    let (_, headers, page0) = api.get(&format!("/users/{ORG}/0")).await;
    assert_eq!(paging(&headers), ["4001", "3", "0", "2000"].map(String::from));
    assert_eq!((page0["lastPage"].as_bool(), emails(&page0).len()), (Some(false), 2000));
    let (_, headers, page1) = api.get(&format!("/users/{ORG}/1")).await;
    assert_eq!(paging(&headers), ["4001", "3", "1", "2000"].map(String::from));
    assert_eq!(page1["lastPage"], false);
    let (_, headers, page2) = api.get(&format!("/users/{ORG}/2")).await;
    assert_eq!(paging(&headers), ["4001", "3", "2", "1"].map(String::from));
    assert_eq!((page2["lastPage"].as_bool(), emails(&page2)), (Some(true), vec!["bulk03980@example.com".to_string()]));
    let (status, headers, past) = api.get(&format!("/users/{ORG}/9")).await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(header(&headers, "X-Current-Page"), "2");
    assert_eq!(past, page2, "beyond the last page is the last page");
    let mut all = emails(&page0);
    all.extend(emails(&page1));
    all.extend(emails(&page2));
    all.sort();
    all.dedup();
    assert_eq!(all.len(), 4001, "pages neither overlap nor skip");

    let exact = Api::with(SimOptions::unlimited(with_extra_users(3980))).await;
    let (_, headers, page1) = exact.get(&format!("/users/{ORG}/1")).await;
    assert_eq!(paging(&headers), ["4000", "2", "1", "2000"].map(String::from));
    assert_eq!(page1["lastPage"], true, "an exact multiple has no empty extra page");
}

#[tokio::test]
async fn the_users_list_filters_by_domain_and_shows_indirect_profiles_on_request() {
    let api = Api::demo().await;
    let (_, headers, body) = api.get(&format!("/users/{ORG}/0?domain=fed.example.org")).await;
    assert_eq!(emails(&body).len(), 5);
    assert_eq!(header(&headers, "X-Total-Count"), "5");
    let (_, _, body) = api.get(&format!("/users/{ORG}/0?domain=gmail.com")).await;
    assert_eq!(emails(&body), vec!["adobe01@gmail.com", "adobe02@gmail.com", "adobe03@gmail.com"]);
    let (status, _, body) = api.get(&format!("/users/{ORG}/0?domain=nowhere.example")).await;
    assert_eq!(status, StatusCode::NOT_FOUND, "{body}");

    let (_, _, direct) = api.get(&format!("/users/{ORG}/0")).await;
    assert_eq!(names(&direct["users"][0]["groups"]), vec!["Designers"], "directOnly defaults to true");
    let (_, _, indirect) = api.get(&format!("/users/{ORG}/0?directOnly=false")).await;
    assert_eq!(names(&indirect["users"][0]["groups"]), vec!["Designers", "Creative Cloud All Apps - Default"]);
    let (status, _, _) = api.get(&format!("/users/{ORG}/0?directOnly=maybe")).await;
    assert_eq!(status, StatusCode::BAD_REQUEST);
    let (status, _, _) = api.get(&format!("/users/{ORG}/first")).await;
    assert_eq!(status, StatusCode::BAD_REQUEST);
    let (status, _, body) = api.get("/users/OTHER@AdobeOrg/0").await;
    assert_eq!((status, body["result"].as_str()), (StatusCode::BAD_REQUEST, Some("error.organization.invalid_id")));
}

#[tokio::test]
async fn a_single_user_is_found_by_email_or_by_username_and_domain_and_404_otherwise() {
    let api = Api::demo().await;
    let (status, _, body) = api.get(&format!("/organizations/{ORG}/users/USER01@example.com")).await;
    assert_eq!((status, body["result"].as_str()), (StatusCode::OK, Some("success")));
    assert_eq!(body["user"]["email"], "user01@example.com", "case-insensitive");
    let (_, _, body) = api.get(&format!("/organizations/{ORG}/users/adobe02@gmail.com?domain=AdobeID")).await;
    assert_eq!(body["user"]["type"], "adobeID");
    api.command(json!({"user": "ada", "domain": "fed.example.org", "do": [
        {"createFederatedID": {"email": "ada@fed.example.org", "firstname": "Ada", "lastname": "L", "country": "GB"}}]}))
        .await;
    let (status, _, body) = api.get(&format!("/organizations/{ORG}/users/ada?domain=fed.example.org")).await;
    assert_eq!((status, body["user"]["email"].as_str()), (StatusCode::OK, Some("ada@fed.example.org")));
    let (status, _, body) = api.get(&format!("/organizations/{ORG}/users/ghost@example.com")).await;
    assert_eq!(status, StatusCode::NOT_FOUND);
    assert_eq!(body, json!({"result": "error.user.not_found", "message": "User not found: ghost@example.com"}));
    let (status, _, _) = api.get(&format!("/organizations/{ORG}/users/user01@example.com?domain=AdobeID")).await;
    assert_eq!(status, StatusCode::NOT_FOUND, "there is no Adobe ID with that email");
}

#[tokio::test]
async fn users_of_a_group_cover_user_groups_profiles_and_admin_groups() {
    let api = Api::demo().await;
    let (status, headers, body) = api.get(&format!("/users/{ORG}/0/Designers")).await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!((body["groupName"].as_str(), emails(&body).len()), (Some("Designers"), 12));
    assert_eq!(header(&headers, "X-Total-Count"), "12");
    let (_, _, body) =
        api.get(&format!("/users/{ORG}/0/Creative%20Cloud%20All%20Apps%20-%20Default?directOnly=false")).await;
    assert_eq!(emails(&body).len(), 12, "directOnly=false: members reached through a user group count too");
    for query in ["", "?directOnly=true"] {
        let (_, _, body) = api.get(&format!("/users/{ORG}/0/Creative%20Cloud%20All%20Apps%20-%20Default{query}")).await;
        assert_eq!(emails(&body).len(), 0, "direct members only ({query:?}; UMAPI.md 5e: the default is true)");
    }
    let (_, _, body) = api.get(&format!("/users/{ORG}/0/Finance?excludeGroups=true")).await;
    assert_eq!(emails(&body).len(), 5);
    assert!(body["users"][0].get("groups").is_none(), "excludeGroups omits groups");
    let (status, _, body) = api.get(&format!("/users/{ORG}/0/_admin_Finance")).await;
    assert_eq!((status, emails(&body).len()), (StatusCode::OK, 0), "an admin group without members is an empty list");
    let (status, _, body) = api.get(&format!("/users/{ORG}/0/Nope")).await;
    assert_eq!(status, StatusCode::NOT_FOUND);
    assert_eq!(body, json!({"lastPage": false, "result": "error.group.not_found", "message": "Not found: Group Nope"}));
    let (status, _, _) = api.get(&format!("/users/{ORG}/0/Finance?status=pending")).await;
    assert_eq!(status, StatusCode::BAD_REQUEST);
}

#[tokio::test]
async fn groups_list_profiles_and_user_groups_with_their_fields_and_admin_groups_once_they_have_members() {
    let api = Api::demo().await;
    let (status, headers, body) = api.get(&format!("/groups/{ORG}/0")).await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!((body["lastPage"].as_bool(), body["result"].as_str()), (Some(true), Some("success")));
    let groups = body["groups"].as_array().cloned().unwrap_or_default();
    assert_eq!(groups.len(), 7, "4 profiles and 3 user groups: {body}");
    assert_eq!(paging(&headers), ["7", "1", "0", "7"].map(String::from));
    let photoshop =
        groups.iter().find(|group| group["groupName"] == "Photoshop - Default").cloned().unwrap_or_default();
    assert_eq!(photoshop["type"], "PRODUCT_PROFILE");
    assert_eq!(photoshop["licenseQuota"], "5", "licenseQuota is a string");
    assert_eq!(photoshop["productName"], "Photoshop");
    assert_eq!(photoshop["memberCount"], 0);
    assert!(photoshop["groupId"].is_i64());
    let designers = groups.iter().find(|group| group["groupName"] == "Designers").cloned().unwrap_or_default();
    assert_eq!((designers["type"].as_str(), designers["memberCount"].as_u64()), (Some("USER_GROUP"), Some(12)));
    assert!(designers.get("adminGroupName").is_none());

    api.command(json!({"user": "user01@example.com", "do": [{"add": {"group": ["_admin_Designers", "_product_admin_Photoshop"]}}]})).await;
    let (_, _, body) = api.get(&format!("/groups/{ORG}/0")).await;
    let groups = body["groups"].as_array().cloned().unwrap_or_default();
    assert_eq!(groups.len(), 9);
    let find = |name: &str| groups.iter().find(|group| group["groupName"] == name).cloned().unwrap_or_default();
    assert_eq!(find("Designers")["adminGroupName"], "_admin_Designers");
    assert_eq!(
        (find("_admin_Designers")["type"].as_str(), find("_admin_Designers")["userGroupName"].as_str()),
        (Some("USER_ADMIN_GROUP"), Some("Designers"))
    );
    assert_eq!(find("_product_admin_Photoshop")["type"], "PRODUCT_ADMIN_GROUP");

    let (status, _, body) = api.get(&format!("/groups/{ORG}/1")).await;
    assert_eq!(status, StatusCode::NOT_FOUND);
    assert_eq!(body, json!({"lastPage": true, "result": "Not found", "groups": []}));
}

#[tokio::test]
async fn groups_pages_hold_400() {
    let mut state = demo_state();
    for index in 0..450 {
        state.user_groups.push(UserGroupSpec {
            name: format!("Team {index:03}"),
            description: None,
            product_configurations: vec![],
            read_only: false,
        });
    }
    let api = Api::with(SimOptions::unlimited(state)).await;
    let (_, headers, page0) = api.get(&format!("/groups/{ORG}/0")).await;
    assert_eq!(paging(&headers), ["457", "2", "0", "400"].map(String::from));
    assert_eq!(page0["lastPage"], false);
    let (_, headers, page1) = api.get(&format!("/groups/{ORG}/1")).await;
    assert_eq!(paging(&headers), ["457", "2", "1", "57"].map(String::from));
    assert_eq!(page1["lastPage"], true);
}

#[tokio::test]
async fn status_answers_without_auth() {
    let api = Api::demo().await;
    let response = http().get(format!("{}/status", api.sim.base_url())).send().await.expect("status");
    assert_eq!(response.status(), StatusCode::OK);
    let body: Value = response.json().await.unwrap_or(Value::Null);
    assert_eq!(body["state"], "LIVE");
    assert!(body["version"].is_string() && body["build"].is_string());
}
