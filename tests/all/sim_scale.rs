//! Large orgs at a small scale (issue 13, docs/simulator.md "Large orgs"): a generated org
//! (`--synthetic-users`) is the same for the same seed; paging the org, a domain or a group lists
//! every user once, in order, also after users left (pages are rank ranges of ordered lines, so a
//! page costs the page: the benchmark `bench/sim_scale.py` measures that); `/_sim/counters` is
//! the cheap read of the counters. UMAPI.md 5a, 5e (paging), SPEC 6 (`/_sim/state`).

use std::collections::HashSet;

use reqwest::StatusCode;
use serde_json::{Value, json};
use umapi_bulk::sim::{SimOptions, synthetic_catalogue};

use crate::sim_support::{Api, ORG, http};

const USERS: usize = 5_000;

async fn synthetic(users: usize, seed: u64) -> Api {
    Api::with(SimOptions { synthetic_users: users, seed, ..SimOptions::unlimited(synthetic_catalogue(users)) }).await
}

/// Every page of a users listing at `path` (`{page}` is replaced): the emails in order, and the
/// `X-Total-Count` of the first page.
async fn all_pages(api: &Api, path: &str) -> (Vec<String>, usize) {
    let mut emails = Vec::new();
    let mut total = 0;
    for page in 0.. {
        let (status, headers, body) = api.get(&path.replace("{page}", &page.to_string())).await;
        assert_eq!(status, StatusCode::OK, "{path} page {page}: {body}");
        if page == 0 {
            total = headers.get("x-total-count").and_then(|value| value.to_str().ok()?.parse().ok()).unwrap_or(0);
        }
        let users = body["users"].as_array().cloned().unwrap_or_default();
        assert!(users.len() <= 2_000);
        emails.extend(users.iter().filter_map(|user| user["email"].as_str().map(str::to_string)));
        if body["lastPage"] == true {
            break;
        }
    }
    (emails, total)
}

fn unique(emails: &[String]) -> bool {
    emails.iter().collect::<HashSet<_>>().len() == emails.len()
}

/// UMAPI.md 5a: 2,000 users a page, in order of arrival, every user once; a page past the end is
/// the last page; after users leave, the pages close up.
#[tokio::test]
async fn paging_a_generated_org_lists_every_user_once_in_order_also_after_removals() {
    let api = synthetic(USERS, 3).await;
    let path = format!("/users/{ORG}/{{page}}");
    let (emails, total) = all_pages(&api, &path).await;
    assert_eq!((emails.len(), total), (USERS, USERS));
    assert!(unique(&emails));
    let (_, headers, past_end) = api.get(&format!("/users/{ORG}/9")).await;
    assert_eq!(headers.get("x-current-page").and_then(|value| value.to_str().ok()), Some("2"));
    assert_eq!(past_end["users"][0]["email"].as_str(), Some(emails[4_000].as_str()));

    let leaving = [0, 1_999, 2_000, 2_001, 4_999];
    let commands: Vec<Value> = leaving
        .iter()
        .map(|index| {
            let email = &emails[*index];
            match email.split_once('@').map(|(_, domain)| domain) {
                Some("gmail.com" | "outlook.com" | "yahoo.com") => {
                    json!({"user": email, "useAdobeID": true, "do": [{"removeFromOrg": {}}]})
                }
                _ => json!({"user": email, "do": [{"removeFromOrg": {}}]}),
            }
        })
        .collect();
    let (status, _) = api.action(&Value::Array(commands)).await;
    assert_eq!(status, StatusCode::OK);
    let (after, total) = all_pages(&api, &path).await;
    let expected: Vec<String> = emails
        .iter()
        .enumerate()
        .filter(|(index, _)| !leaving.contains(index))
        .map(|(_, email)| email.clone())
        .collect();
    assert_eq!(total, USERS - leaving.len());
    assert_eq!(after, expected, "the pages close up in order");
}

/// UMAPI.md 5a, 5e, 7: the users of each domain, of a user group and of a product configuration
/// (by licence status) page the same way and add up.
#[tokio::test]
async fn domains_groups_and_licence_statuses_page_and_add_up() {
    let api = synthetic(USERS, 3).await;
    let mut by_domain = 0;
    for domain in [
        "example.com",
        "fed.example.org",
        "sso.example.net",
        "partner.example",
        "gmail.com",
        "outlook.com",
        "yahoo.com",
    ] {
        let (emails, total) = all_pages(&api, &format!("/users/{ORG}/{{page}}?domain={domain}")).await;
        assert_eq!(emails.len(), total);
        assert!(emails.iter().all(|email| email.ends_with(&format!("@{domain}"))), "{domain}");
        by_domain += total;
    }
    assert_eq!(by_domain, USERS);
    let (staff, total) = all_pages(&api, &format!("/users/{ORG}/{{page}}/All%20Staff")).await;
    assert!(staff.len() > 2_000 && staff.len() == total && unique(&staff), "{}", staff.len());
    let profile = "Acrobat%20Pro%20-%20Default";
    let (all, total) = all_pages(&api, &format!("/users/{ORG}/{{page}}/{profile}?directOnly=false")).await;
    let group = api.group("Acrobat Pro - Default").unwrap_or_default();
    assert_eq!(Some(total as u64), group["memberCount"].as_u64());
    let quota: usize = group["licenseQuota"].as_str().and_then(|quota| quota.parse().ok()).unwrap_or(0);
    let (active, _) = all_pages(&api, &format!("/users/{ORG}/{{page}}/{profile}?directOnly=false&status=active")).await;
    let (inactive, _) =
        all_pages(&api, &format!("/users/{ORG}/{{page}}/{profile}?directOnly=false&status=inactive")).await;
    assert_eq!(active.len(), quota.min(all.len()));
    assert_eq!([active.clone(), inactive].concat(), all, "the first quota members are active, in line order");
}

/// Issue 13: the same seed makes the same org, user by user; another seed another one.
#[tokio::test]
async fn the_same_seed_makes_the_same_generated_org() {
    let first = synthetic(300, 7).await.emails(&format!("/users/{ORG}/0")).await;
    assert_eq!(first.len(), 300);
    assert_eq!(synthetic(300, 7).await.emails(&format!("/users/{ORG}/0")).await, first);
    assert_ne!(synthetic(300, 8).await.emails(&format!("/users/{ORG}/0")).await, first);
}

/// Issue 13, SPEC 6: `GET /_sim/counters` answers the counters and the number of users without
/// listing the org; they agree with `GET /_sim/state`, whose shape is unchanged.
#[tokio::test]
async fn the_counters_read_agrees_with_the_state_without_listing_users() {
    let api = synthetic(USERS, 3).await;
    api.get(&format!("/groups/{ORG}/0")).await;
    let client = http();
    let counters: Value = client
        .get(format!("{}/_sim/counters", api.sim.base_url()))
        .send()
        .await
        .expect("counters")
        .json()
        .await
        .unwrap_or(Value::Null);
    let state: Value = client
        .get(format!("{}/_sim/state", api.sim.base_url()))
        .send()
        .await
        .expect("state")
        .json()
        .await
        .unwrap_or(Value::Null);
    let keys: Vec<&String> = counters.as_object().map(|object| object.keys().collect()).unwrap_or_default();
    assert_eq!(keys, ["counters", "org_id", "user_count"]);
    assert_eq!(counters["user_count"], USERS);
    assert_eq!(counters["counters"], state["counters"]);
    assert_eq!(counters["counters"]["read_requests"], 1);
    assert_eq!(state["users"].as_array().map(Vec::len), Some(USERS));
    for key in ["org_id", "users", "groups", "counters"] {
        assert!(state.get(key).is_some(), "{key}");
    }
    let first = &state["users"][0];
    for key in ["email", "username", "domain", "type", "country", "status", "groups", "licences"] {
        assert!(first.get(key).is_some(), "{key} in {first}");
    }
}
