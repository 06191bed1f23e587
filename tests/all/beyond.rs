//! What no Console offers, end to end: the export round trip, saved plans with drift refusal,
//! retry.csv that re-runs to success once fixed, undo.csv that restores the exact prior state, and
//! the licence pre-flight in `plan`.

use serde_json::Value;

use crate::apply_support::{Org, column, groups_of, read_csv, texts};
use crate::harness::sample;

fn org_view(state: &Value) -> (Value, Value) {
    (state["users"].clone(), state["groups"].clone())
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn export_round_trip_plans_no_change_and_one_edit_plans_exactly_that() {
    let org = Org::demo().await;
    let output = org.run(&["export", "users", "-o", "users.csv"]).await;
    assert_eq!(output.status.code(), Some(0), "{}", texts(&output).1);
    let exported = read_csv(&org.path().join("users.csv"));
    assert_eq!(exported.len(), 21, "20 users and the header");
    assert_eq!(column(&exported, "User Groups").iter().filter(|cell| cell.as_str() == "Designers").count(), 12);

    let output = org.run(&["plan", "users.csv", "--op", "edit"]).await;
    let (stdout, stderr) = texts(&output);
    assert_eq!(output.status.code(), Some(0), "{stderr}");
    assert!(stdout.contains("0 commands in 0 action requests"), "{stdout}");

    let text = std::fs::read_to_string(org.path().join("users.csv")).unwrap_or_default();
    let edited = text.replacen(
        "user05@example.com,Linus,Torvalds,FI,,,,Designers,,",
        "user05@example.com,Linus,Torvalds,FI,Photoshop - Default,,,Designers,,",
        1,
    );
    assert_ne!(text, edited, "the export has the expected row");
    std::fs::write(org.path().join("users.csv"), edited).unwrap_or_else(|error| panic!("{error}"));
    let output = org.run(&["plan", "users.csv", "--op", "edit", "--json"]).await;
    let (stdout, stderr) = texts(&output);
    assert_eq!(output.status.code(), Some(0), "{stderr}");
    let plan: Value = serde_json::from_str(&stdout).unwrap_or_else(|error| panic!("{error}: {stdout}"));
    let requests = plan["requests"].as_array().cloned().unwrap_or_default();
    assert_eq!(requests.len(), 1);
    assert_eq!(
        requests[0]["body"],
        serde_json::json!([{"user": "user05@example.com", "requestID": "line-14", "do": [{"add": {"group": ["Photoshop - Default"]}}]}])
    );
    assert_eq!(org.counter("action_requests"), 0, "plan sends no action request");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn saved_plan_is_sent_exactly_and_refused_after_the_org_changed() {
    let org = Org::demo().await;
    let edit = sample("bulk-edit.csv").display().to_string();
    let output = org.run(&["plan", &edit, "--op", "edit", "-o", "plan.json"]).await;
    assert_eq!(output.status.code(), Some(0), "{}", texts(&output).1);
    let saved: Value = serde_json::from_str(&std::fs::read_to_string(org.path().join("plan.json")).unwrap_or_default())
        .unwrap_or_default();

    // Someone changes one of the planned users in the Admin Console.
    let api_change = org.write(
        "change.csv",
        "Identity Type,Username,Domain,Email,User Groups\nEnterprise ID,user02@example.com,example.com,user02@example.com,Finance\n",
    );
    let output = org.run(&["apply", &api_change.display().to_string(), "--op", "edit"]).await;
    assert_eq!(output.status.code(), Some(0), "{}", texts(&output).1);
    let before = org.counter("action_requests");
    let output = org.run(&["apply", "--plan", "plan.json"]).await;
    let (_, stderr) = texts(&output);
    assert_eq!(output.status.code(), Some(2), "{stderr}");
    assert!(stderr.contains("the org changed since plan.json was made"), "{stderr}");
    assert!(stderr.contains("~ user user02@example.com joined Finance; left Designers"), "{stderr}");
    assert_eq!(org.counter("action_requests"), before, "nothing sent");

    // A fresh org: the saved plan applies, sending exactly its requests.
    let fresh = Org::demo().await;
    std::fs::copy(org.path().join("plan.json"), fresh.path().join("plan.json"))
        .unwrap_or_else(|error| panic!("{error}"));
    let output = fresh.run(&["apply", "--plan", "plan.json"]).await;
    assert_eq!(output.status.code(), Some(0), "{}", texts(&output).1);
    let run_plan: Value =
        serde_json::from_str(&std::fs::read_to_string(fresh.last_run().join("plan.json")).unwrap_or_default())
            .unwrap_or_default();
    assert_eq!(run_plan["batches"], saved["batches"]);
    assert_eq!(fresh.counter("action_requests"), saved["batches"].as_array().map_or(0, |batches| batches.len() as u64));
    assert_eq!(groups_of(&fresh.user("user02@example.com").unwrap_or_default()), vec!["Contractors"]);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn retry_file_reruns_to_success_once_the_cause_is_fixed() {
    // Without claimed domains in the config, `check` cannot see that fed.example.org is a Federated
    // directory: UMAPI refuses those Enterprise IDs (error.user.type_mismatch).
    let org = Org::with(umapi_bulk::sim::SimOptions::unlimited(crate::sim_support::demo_state()), false).await;
    let file = org.write(
        "wrong-type.csv",
        "Identity Type,Username,Domain,Email,First Name,Last Name,Country Code,User Groups\n\
         Enterprise ID,ok1@example.com,example.com,ok1@example.com,Ann,One,GB,Contractors\n\
         Enterprise ID,bad1@fed.example.org,fed.example.org,bad1@fed.example.org,Bob,Two,DE,Contractors\n\
         Enterprise ID,ok2@example.com,example.com,ok2@example.com,Cid,Three,FR,\n\
         Enterprise ID,bad2@fed.example.org,fed.example.org,bad2@fed.example.org,Dee,Four,ES,\n",
    );
    let output = org.run(&["apply", &file.display().to_string(), "--op", "add"]).await;
    assert_eq!(output.status.code(), Some(1), "{}", texts(&output).1);
    let run = org.last_run();
    let results = read_csv(&run.join("results.csv"));
    assert_eq!(column(&results, "Result"), vec!["Success", "Failed", "Success", "Failed"]);
    assert_eq!(column(&results, "Error Code")[1], "error.user.type_mismatch");
    let retry_text = std::fs::read_to_string(run.join("retry.csv")).unwrap_or_default();
    let retry = read_csv(&run.join("retry.csv"));
    assert_eq!(column(&retry, "Email"), vec!["bad1@fed.example.org", "bad2@fed.example.org"]);
    assert!(column(&retry, "Hint")[0].contains("Identity Type"), "{retry:?}");

    let fixed = retry_text.replace("Enterprise ID", "Federated ID");
    let fixed_path = org.write("retry-fixed.csv", fixed.trim_start_matches('\u{feff}'));
    let output = org.run(&["apply", &fixed_path.display().to_string(), "--op", "add"]).await;
    let (_, stderr) = texts(&output);
    assert_eq!(output.status.code(), Some(0), "{stderr}");
    for email in ["bad1@fed.example.org", "bad2@fed.example.org"] {
        assert_eq!(org.user(email).map(|user| user["type"].clone()), Some(Value::from("federatedID")));
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn undo_after_edit_restores_the_exact_prior_state() {
    let org = Org::demo().await;
    let before = org_view(&org.state());
    let output = org.run(&["apply", &sample("bulk-edit.csv").display().to_string(), "--op", "edit"]).await;
    assert_eq!(output.status.code(), Some(0), "{}", texts(&output).1);
    assert_ne!(org_view(&org.state()), before, "the edit changed the org");
    let undo = org.last_run().join("undo.csv").display().to_string();
    let output = org.run(&["apply", &undo, "--op", "edit"]).await;
    assert_eq!(output.status.code(), Some(0), "{}", texts(&output).1);
    assert_eq!(org_view(&org.state()), before);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn undo_after_remove_restores_users_with_add() {
    let org = Org::demo().await;
    let before = org_view(&org.state());
    let output = org.run(&["apply", &sample("bulk-remove.csv").display().to_string(), "--op", "remove"]).await;
    assert_eq!(output.status.code(), Some(0), "{}", texts(&output).1);
    let undo = org.last_run().join("undo.csv").display().to_string();
    let output = org.run(&["apply", &undo, "--op", "add"]).await;
    assert_eq!(output.status.code(), Some(0), "{}", texts(&output).1);
    let (users, _) = org_view(&org.state());
    let emails = |users: &Value| -> Vec<(String, Vec<String>)> {
        users
            .as_array()
            .map(|users| users.iter().map(|user| (user["email"].to_string(), groups_of(user))).collect())
            .unwrap_or_default()
    };
    assert_eq!(emails(&users), emails(&before.0), "same users with the same memberships");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn plan_shows_the_licence_forecast_and_stops_on_deficit_when_asked() {
    let org = Org::demo().await;
    let add = sample("bulk-add.csv").display().to_string();
    let output = org.run(&["plan", &add, "--op", "add"]).await;
    let (stdout, stderr) = texts(&output);
    assert_eq!(output.status.code(), Some(0), "{stderr}");
    assert!(
        stdout.contains("Photoshop - Default: quota 5, 0 members, 5 free; 13 joins → 8 without a licence"),
        "{stdout}"
    );
    assert!(stderr.contains("8 rows would end without a licence (lines 7, 8, 9, 27, 28, 29, 42, 43)"), "{stderr}");
    let output = org.run(&["plan", &add, "--op", "add", "--on-deficit", "stop"]).await;
    assert_eq!(output.status.code(), Some(2));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn saved_plan_is_not_refused_for_changes_it_does_not_depend_on() {
    let org = Org::demo().await;
    let edit = sample("bulk-edit.csv").display().to_string();
    let output = org.run(&["plan", &edit, "--op", "edit", "-o", "plan.json"]).await;
    assert_eq!(output.status.code(), Some(0), "{}", texts(&output).1);
    // Elsewhere in the org: a user the plan does not touch changes groups and becomes an admin.
    let unrelated = org.write(
        "unrelated.csv",
        "Identity Type,Username,Domain,Email,User Groups,Admin Roles,User Groups Administered\n\
         Enterprise ID,user10@example.com,example.com,user10@example.com,\"Designers, Finance\",User Group,Finance\n",
    );
    let output = org.run(&["apply", &unrelated.display().to_string(), "--op", "edit"]).await;
    assert_eq!(output.status.code(), Some(0), "{}", texts(&output).1);
    let output = org.run(&["apply", "--plan", "plan.json"]).await;
    assert_eq!(output.status.code(), Some(0), "{}", texts(&output).1);
    assert_eq!(groups_of(&org.user("user02@example.com").unwrap_or_default()), vec!["Contractors"]);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn undo_of_a_removed_system_admin_restores_everything_but_the_system_role() {
    let mut state = crate::sim_support::demo_state();
    for user in state.users.iter_mut().filter(|user| user.email == "user11@example.com") {
        user.groups.push("_org_admin".into());
    }
    let org = Org::with(umapi_bulk::sim::SimOptions::unlimited(state), true).await;
    let output = org.run(&["apply", &sample("bulk-remove.csv").display().to_string(), "--op", "remove"]).await;
    assert_eq!(output.status.code(), Some(0), "{}", texts(&output).1);
    let undo = org.last_run().join("undo.csv").display().to_string();
    let output = org.run(&["apply", &undo, "--op", "add"]).await;
    assert_eq!(output.status.code(), Some(0), "{}", texts(&output).1);
    assert_eq!(groups_of(&org.user("user11@example.com").unwrap_or_default()), vec!["Designers"]);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn saved_plans_and_runs_are_refused_for_another_org_and_for_invalid_rows() {
    let org = Org::demo().await;
    let file = org.write(
        "half.csv",
        "Identity Type,Username,Domain,Email,User Groups\n\
         Enterprise ID,user01@example.com,example.com,user01@example.com,Contractors\n\
         Enterprise ID,user02@example.com,example.com,user02@example.com,Contractorz\n",
    );
    let output = org.run(&["plan", &file.display().to_string(), "--op", "edit", "-o", "plan.json"]).await;
    assert_eq!(output.status.code(), Some(1), "one row is invalid: {}", texts(&output).1);
    let output = org.run(&["apply", "--plan", "plan.json"]).await;
    assert_eq!(output.status.code(), Some(2), "{}", texts(&output).1);
    assert_eq!(org.counter("action_requests"), 0);
    let output = org.run(&["apply", "--plan", "plan.json", "--skip-invalid"]).await;
    assert_eq!(output.status.code(), Some(1), "{}", texts(&output).1);
    assert_eq!(groups_of(&org.user("user01@example.com").unwrap_or_default()), vec!["Contractors"]);

    let run = org.last_run().display().to_string();
    org.edit_config(|config| config.replace("DEMO0000000000000000000@AdobeOrg", "OTHER000000000000000000@AdobeOrg"));
    let output = org.run(&["apply", "--resume", &run]).await;
    let (_, stderr) = texts(&output);
    assert_eq!(output.status.code(), Some(2), "{stderr}");
    assert!(stderr.contains("was made for org DEMO0000000000000000000@AdobeOrg"), "{stderr}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn formula_safe_cells_go_back_in_unchanged() {
    let mut state = crate::sim_support::demo_state();
    state.user_groups.push(umapi_bulk::sim::UserGroupSpec {
        name: "-Remote".into(),
        description: None,
        product_configurations: Vec::new(),
        read_only: false,
    });
    for user in state.users.iter_mut().filter(|user| user.email == "user11@example.com") {
        user.groups.push("-Remote".into());
        user.firstname = Some("=Eve".into());
    }
    let org = Org::with(umapi_bulk::sim::SimOptions::unlimited(state), true).await;
    let output = org.run(&["export", "users", "-o", "users.csv"]).await;
    assert_eq!(output.status.code(), Some(0), "{}", texts(&output).1);
    let exported = std::fs::read_to_string(org.path().join("users.csv")).unwrap_or_default();
    assert!(exported.contains(",'=Eve,"), "the export is formula-safe: {exported}");
    let output = org.run(&["plan", "users.csv", "--op", "edit"]).await;
    let (stdout, stderr) = texts(&output);
    assert_eq!(output.status.code(), Some(0), "{stderr}");
    assert!(stdout.contains("0 commands in 0 action requests"), "{stdout}");

    let output = org.run(&["apply", &sample("bulk-remove.csv").display().to_string(), "--op", "remove"]).await;
    assert_eq!(output.status.code(), Some(0), "{}", texts(&output).1);
    let undo = org.last_run().join("undo.csv").display().to_string();
    let output = org.run(&["apply", &undo, "--op", "add"]).await;
    assert_eq!(output.status.code(), Some(0), "{}", texts(&output).1);
    let user = org.user("user11@example.com").unwrap_or_default();
    assert_eq!(user["firstname"], "=Eve");
    assert_eq!(groups_of(&user), vec!["-Remote", "Designers"]);
}
