//! The end-to-end scenarios of `apply.rs` and `beyond.rs` against `samples/org-realistic.json`
//! instead of the demo org: Adobe's product names with commas (in cells and in
//! `_product_admin_<product>`), a username-login Federated directory whose users are named by
//! username + domain (UMAPI.md 2a, 6a), a trusted domain, a read-only group. An export applies
//! back as an edit that changes nothing; add, edit and remove reach every kind of user.

use serde_json::Value;
use umapi_bulk::sim::SimOptions;

use crate::apply_support::{Org, column, groups_of, read_csv, summary, texts};
use crate::harness::sample;
use crate::proxy::Proxy;

/// The realistic org's claimed domains (its trusted `partner.example` is not claimed).
const CLAIMED: [&str; 3] = ["example.com", "fed.example.org", "sso.example.net"];
const HEADER: &str = "Identity Type,Username,Domain,Email,First Name,Last Name,Country Code,Product Configurations,\
                      Admin Roles,Product Configurations Administered,User Groups,User Groups Administered,\
                      Products Administered";
const PHOTOSHOP: &str = "Photoshop (<CCE,Single App - Enterprise,PHSP>)";

async fn realistic(options: impl FnOnce(SimOptions) -> SimOptions) -> Org {
    let state = umapi_bulk::sim::load_state(&sample("org-realistic.json")).unwrap_or_else(|error| panic!("{error}"));
    Org::with_domains(options(SimOptions::unlimited(state)), &CLAIMED).await
}

/// The state's user with this username in this domain.
fn by_login(org: &Org, username: &str, domain: &str) -> Option<Value> {
    org.state()["users"]
        .as_array()?
        .iter()
        .find(|user| user["username"] == username && user["domain"] == domain)
        .cloned()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_export_of_the_realistic_org_applies_back_as_an_edit_that_changes_nothing() {
    let org = realistic(|options| options).await;
    let output = org.run(&["export", "users", "-o", "users.csv"]).await;
    assert_eq!(output.status.code(), Some(0), "{}", texts(&output).1);
    let exported = read_csv(&org.path().join("users.csv"));
    assert_eq!(exported.len(), 301, "every user once");
    let usernames = column(&exported, "Username");
    assert!(usernames.iter().any(|name| !name.contains('@')), "sign-in names are exported as they are");
    let administered = column(&exported, "Products Administered");
    assert!(
        administered.iter().any(|cell| cell.contains("(<CCE,") && cell.contains(">)")),
        "product names keep their commas: {administered:?}"
    );

    let output = org.run(&["plan", "users.csv", "--op", "edit"]).await;
    let (stdout, stderr) = texts(&output);
    assert_eq!(output.status.code(), Some(0), "{stderr}");
    assert!(stdout.contains("300 rows: 0 to send, 300 with nothing to do, 0 invalid"), "{stdout}");
    assert!(!stderr.contains("error"), "{stderr}");

    let output = org.run(&["apply", "users.csv", "--op", "edit"]).await;
    assert_eq!(output.status.code(), Some(0), "{}", texts(&output).1);
    assert_eq!(org.counter("action_requests"), 0, "nothing to send");
    assert_eq!(summary(&org.last_run())["results"]["Skipped"], 300);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn add_edit_and_remove_name_each_kind_of_user_as_adobe_does() {
    let org = realistic(|options| options).await;
    let add = format!(
        "{HEADER}\n\
         Federated ID,kpark,sso.example.net,kim.park@sso.example.net,Kim,Park,KR,Photoshop - Default,Product,,All Staff,,\"{PHOTOSHOP}\"\n\
         Federated ID,lee.ng@fed.example.org,fed.example.org,lee.ng@fed.example.org,Lee,Ng,SG,,,,All Staff,,\n\
         Enterprise ID,max.roe@example.com,example.com,max.roe@example.com,Max,Roe,US,,,,All Staff,,\n"
    );
    org.write("add.csv", &add);
    let output = org.run(&["plan", "add.csv", "--op", "add"]).await;
    let (stdout, stderr) = texts(&output);
    assert_eq!(output.status.code(), Some(0), "{stderr}");
    assert!(stdout.contains("[as user kpark + domain sso.example.net] create"), "plan shows the form: {stdout}");
    assert!(stdout.contains("1 row is named by username + domain"), "{stdout}");
    let output = org.run(&["apply", "add.csv", "--op", "add"]).await;
    assert_eq!(output.status.code(), Some(0), "{}", texts(&output).1);
    let kim = by_login(&org, "kpark", "sso.example.net").unwrap_or_else(|| panic!("kpark was not created"));
    assert_eq!(kim["email"], "kim.park@sso.example.net");
    assert_eq!(
        groups_of(&kim),
        vec!["All Staff".to_string(), "Photoshop - Default".into(), format!("_product_admin_{PHOTOSHOP}")]
    );
    assert!(org.user("lee.ng@fed.example.org").is_some() && org.user("max.roe@example.com").is_some());

    // Edit: a user of the username directory, and one of the trusted domain.
    let partner = org.state()["users"]
        .as_array()
        .and_then(|users| users.iter().find(|user| user["domain"] == "partner.example").cloned())
        .unwrap_or_else(|| panic!("no partner user"));
    let partner_email = partner["email"].as_str().unwrap_or_default().to_string();
    // Only the User Groups column: the other memberships stay as they are (SPEC 2.1).
    let edit = format!(
        "Identity Type,Username,Domain,Email,User Groups\n\
         Federated ID,kpark,sso.example.net,kim.park@sso.example.net,\"All Staff, Design\"\n\
         Federated ID,{partner_email},partner.example,{partner_email},Research\n"
    );
    org.write("edit.csv", &edit);
    // Through a saved plan: its fingerprint reads kpark again by username + domain.
    let output = org.run(&["plan", "edit.csv", "--op", "edit", "--json", "-o", "edit-plan.json"]).await;
    let (stdout, stderr) = texts(&output);
    assert_eq!(output.status.code(), Some(0), "{stderr}");
    let plan: Value = serde_json::from_str(&stdout).unwrap_or_else(|error| panic!("{error}: {stdout}"));
    assert_eq!(plan["rows"][0]["login"], serde_json::json!({"username": "kpark", "domain": "sso.example.net"}));
    assert_eq!(plan["requests"][0]["body"][0]["user"], "kpark");
    assert_eq!(plan["requests"][0]["body"][0]["domain"], "sso.example.net");
    let output = org.run(&["apply", "--plan", "edit-plan.json"]).await;
    assert_eq!(output.status.code(), Some(0), "{}", texts(&output).1);
    let kim = by_login(&org, "kpark", "sso.example.net").unwrap_or_default();
    assert!(groups_of(&kim).contains(&"Design".to_string()), "{kim}");
    assert!(groups_of(&kim).contains(&"Photoshop - Default".to_string()), "User Groups only: the rest stays: {kim}");
    let partner = org.user(&partner_email).unwrap_or_default();
    assert_eq!(groups_of(&partner), vec!["Research"]);

    // Remove both, found by what the org read says of them.
    let output = org.run(&["apply", "edit.csv", "--op", "remove"]).await;
    assert_eq!(output.status.code(), Some(0), "{}", texts(&output).1);
    assert!(by_login(&org, "kpark", "sso.example.net").is_none(), "removed by username + domain");
    assert!(org.user(&partner_email).is_none(), "a trusted domain's user is removed from the org");
    assert_eq!(org.counter("commands_failed"), 0);
}

/// In an org of 4,500 users (3 pages), one user of the username directory who is not on the first
/// page is read with `GET /organizations/{org}/users/{username}?domain=` (UMAPI.md 5b, 6a), never
/// by email (the simulator, like Adobe, would not find them by email).
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_username_directory_user_beyond_the_first_page_is_read_by_username_and_domain() {
    // The generator behind the sample (`--synthetic-users 300 --seed 11`), here with 4,500 users.
    let state = umapi_bulk::sim::synthetic_state(4_500, 11);
    let org = Org::with_domains(SimOptions::unlimited(state), &CLAIMED).await;
    let http = crate::sim_support::http();
    let base = org.sim.base_url();
    let token = crate::sim_support::oauth_token(&http, &base).await;
    let page: Value = http
        .get(format!("{base}/v2/usermanagement/users/{}/0", crate::sim_support::ORG))
        .bearer_auth(&token)
        .header("X-Api-Key", crate::sim_support::CLIENT_ID)
        .send()
        .await
        .unwrap_or_else(|error| panic!("{error}"))
        .json()
        .await
        .unwrap_or_else(|error| panic!("{error}"));
    let on_first_page: Vec<String> = page["users"]
        .as_array()
        .map(|users| users.iter().filter_map(|user| user["email"].as_str().map(str::to_string)).collect())
        .unwrap_or_default();
    assert_eq!(on_first_page.len(), 2_000);
    let output = org.run(&["export", "users", "-o", "all.csv"]).await;
    assert_eq!(output.status.code(), Some(0), "{}", texts(&output).1);
    let exported = read_csv(&org.path().join("all.csv"));
    let emails = column(&exported, "Email");
    let usernames = column(&exported, "Username");
    let index = (0..emails.len())
        .find(|&index| {
            exported[index + 1][2] == "sso.example.net"
                && !usernames[index].contains('@')
                && !on_first_page.contains(&emails[index])
        })
        .unwrap_or_else(|| panic!("no username-directory user beyond the first page"));
    let username = usernames[index].clone();
    org.write("one.csv", &format!("{}\n{}\n", exported[0].join(","), quote(&exported[index + 1]).join(",")));

    let proxy = Proxy::start(&base).await;
    org.through(&proxy.base());
    let output = org.run(&["plan", "one.csv", "--op", "edit"]).await;
    let (stdout, stderr) = texts(&output);
    assert_eq!(output.status.code(), Some(0), "{stderr}");
    assert!(stdout.contains("0 to send, 1 with nothing to do"), "found, and nothing to change: {stdout}");
    let calls = proxy.umapi();
    let reads: Vec<String> = calls.iter().map(|call| format!("{}?{}", call.path, call.query)).collect();
    let single = format!("/users/{username}?domain=sso.example.net");
    assert_eq!(reads.len(), 3, "groups, users page 0 and the one user: {reads:#?}");
    assert!(reads[2].ends_with(&single), "read by username + domain: {reads:#?}");
    assert!(calls[2].ends(), "plan's known last read ends the session itself: {:?}", calls[2]);
}

/// CSV cells, quoted where they need it.
fn quote(record: &[String]) -> Vec<String> {
    record
        .iter()
        .map(|cell| {
            if cell.contains(',') || cell.contains('"') {
                format!("\"{}\"", cell.replace('"', "\"\""))
            } else {
                cell.clone()
            }
        })
        .collect()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn revoke_takes_the_realistic_orgs_adobe_ids_out() {
    let org = realistic(|options| options).await;
    let adobe_ids: Vec<String> = org.state()["users"]
        .as_array()
        .map(|users| {
            users
                .iter()
                .filter(|user| user["type"] == "adobeID")
                .filter_map(|user| user["email"].as_str().map(str::to_string))
                .take(3)
                .collect()
        })
        .unwrap_or_default();
    assert_eq!(adobe_ids.len(), 3);
    org.write("revoke.csv", &format!("Email\n{}\n", adobe_ids.join("\n")));
    let output = org.run(&["apply", "revoke.csv", "--op", "revoke"]).await;
    assert_eq!(output.status.code(), Some(0), "{}", texts(&output).1);
    for email in &adobe_ids {
        assert!(org.user(email).is_none(), "{email} is still in the org");
    }
    assert_eq!(summary(&org.last_run())["results"]["Success"], 3);
}
