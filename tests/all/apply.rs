//! `apply` end to end through the binary against the simulator: each operation on its sample, the
//! reports, the refusals (invalid rows, the removals guard, unknown names, licence stop), test mode,
//! spreadsheet safety and exit codes.

use serde_json::Value;

use crate::apply_support::{Org, column, enterprise_add_file, groups_of, read_csv, summary, texts};
use crate::harness::sample;

fn path(sample_name: &str) -> String {
    sample(sample_name).display().to_string()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn add_sample_creates_fifty_users_and_reports_the_photoshop_deficit() {
    let org = Org::demo().await;
    let output = org.run(&["apply", &path("bulk-add.csv"), "--op", "add"]).await;
    let (_, stderr) = texts(&output);
    assert_eq!(output.status.code(), Some(0), "{stderr}");
    let state = org.state();
    assert_eq!(state["users"].as_array().map(Vec::len), Some(70));

    let run = org.last_run();
    let results = read_csv(&run.join("results.csv"));
    assert_eq!(results.len(), 51, "every input row once");
    let lines: Vec<u64> = column(&results, "Line").iter().map(|line| line.parse().unwrap_or(0)).collect();
    assert_eq!(lines, (2..=51).collect::<Vec<u64>>(), "input order, with line numbers");
    assert!(column(&results, "Result").iter().all(|result| result == "Success"));
    assert!(column(&results, "Request ID").iter().all(|id| id.len() >= 32), "every row names its request");
    let no_licence = column(&results, "No Licence");
    assert_eq!(no_licence.iter().filter(|cell| cell.as_str() == "Photoshop - Default").count(), 8);

    let deficit = read_csv(&run.join("deficit.csv"));
    let photoshop = deficit.iter().find(|record| record[0] == "Photoshop - Default").cloned().unwrap_or_default();
    assert_eq!(photoshop, vec!["Photoshop - Default", "5", "13", "5", "8"]);
    let listed = deficit.iter().filter(|record| record.len() == 3 && record[0] == "Photoshop - Default").count();
    assert_eq!(listed, 8, "the users without a licence are listed");
    let inactive: Vec<&Value> = state["users"]
        .as_array()
        .map(|users| {
            users
                .iter()
                .filter(|user| {
                    groups_of(user).contains(&"Photoshop - Default".to_string())
                        && !user["licences"]
                            .as_array()
                            .is_some_and(|licences| licences.iter().any(|name| name == "Photoshop - Default"))
                })
                .collect()
        })
        .unwrap_or_default();
    assert_eq!(inactive.len(), 8, "the simulator agrees: 8 members without a licence");

    let summary = summary(&run);
    assert_eq!(summary["results"]["Success"], 50);
    assert_eq!(summary["simulator"], false);
    assert_eq!(summary["test_mode"], false);
    assert_eq!(summary["requests"]["action_requests"], 5);
    assert_eq!(org.counter("action_requests"), 5, "50 commands in 5 requests of 10");
    assert!(stderr.contains("no licence: 8 of 13 users joining \"Photoshop - Default\""), "{stderr}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn edit_sample_moves_a_user_and_writes_an_undo_file() {
    let org = Org::demo().await;
    assert_eq!(groups_of(&org.user("user02@example.com").unwrap_or_default()), vec!["Designers"]);
    let output = org.run(&["apply", &path("bulk-edit.csv"), "--op", "edit"]).await;
    assert_eq!(output.status.code(), Some(0), "{}", texts(&output).1);
    assert_eq!(groups_of(&org.user("user02@example.com").unwrap_or_default()), vec!["Contractors"]);
    assert!(groups_of(&org.user("fed03@fed.example.org").unwrap_or_default()).contains(&"_support_admin".to_string()));
    let undo = read_csv(&org.last_run().join("undo.csv"));
    let user02 = undo.iter().find(|record| record[3] == "user02@example.com").cloned().unwrap_or_default();
    assert_eq!(user02.get(10).map(String::as_str), Some("Designers"), "the before-image: {user02:?}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn remove_and_revoke_samples_take_users_out_of_the_org() {
    let org = Org::demo().await;
    let output = org.run(&["apply", &path("bulk-remove.csv"), "--op", "remove"]).await;
    assert_eq!(output.status.code(), Some(0), "{}", texts(&output).1);
    let removed = read_csv(&org.last_run().join("results.csv"));
    for email in column(&removed, "Email") {
        assert!(org.user(&email).is_none(), "{email} is still in the org");
    }
    let output = org.run(&["apply", &path("revoke-invitations.csv"), "--op", "revoke"]).await;
    assert_eq!(output.status.code(), Some(0), "{}", texts(&output).1);
    for email in ["adobe01@gmail.com", "adobe02@gmail.com", "adobe03@gmail.com"] {
        assert!(org.user(email).is_none(), "{email} still has an invitation");
    }
    assert!(org.user("user01@example.com").is_some());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn removals_guard_refuses_before_sending_anything() {
    let org = Org::demo().await;
    let file = org.write(
        "strip.csv",
        "Identity Type,Username,Domain,Email,User Groups\n\
         Enterprise ID,user01@example.com,example.com,user01@example.com,\n\
         Enterprise ID,user02@example.com,example.com,user02@example.com,\n\
         Enterprise ID,user03@example.com,example.com,user03@example.com,\n",
    );
    let file = file.display().to_string();
    let output = org.run(&["apply", &file, "--op", "edit", "--max-removals", "2"]).await;
    let (_, stderr) = texts(&output);
    assert_eq!(output.status.code(), Some(2), "{stderr}");
    assert!(stderr.contains("removes 3 memberships") && stderr.contains("--max-removals 3"), "{stderr}");
    assert_eq!(org.counter("action_requests"), 0);
    let output = org.run(&["apply", &file, "--op", "edit", "--max-removals", "3"]).await;
    assert_eq!(output.status.code(), Some(0), "{}", texts(&output).1);
    assert!(groups_of(&org.user("user03@example.com").unwrap_or_default()).is_empty());
}

const WITH_INVALID_ROW: &str = "Identity Type,Username,Domain,Email,First Name,Last Name,Country Code,User Groups\n\
    Enterprise ID,new1@example.com,example.com,new1@example.com,Ann,One,GB,Contractors\n\
    Enterprise ID,new2@example.com,example.com,new2@example.com,Bob,Two,UK,Contractors\n\
    Enterprise ID,new3@example.com,example.com,new3@example.com,=1+2,Three,DE,Contractors\n";

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn invalid_rows_refuse_the_file_unless_skip_invalid() {
    let org = Org::demo().await;
    let file = org.write("mixed.csv", WITH_INVALID_ROW).display().to_string();
    let output = org.run(&["apply", &file, "--op", "add"]).await;
    let (_, stderr) = texts(&output);
    assert_eq!(output.status.code(), Some(2), "{stderr}");
    assert!(stderr.contains("line 3, column \"Country Code\""), "{stderr}");
    assert!(stderr.contains("nothing was sent"), "{stderr}");
    assert_eq!(org.counter("action_requests"), 0);
    assert!(org.run_dirs().is_empty(), "no run folder for a refused file");

    let output = org.run(&["apply", &file, "--op", "add", "--skip-invalid"]).await;
    assert_eq!(output.status.code(), Some(1), "some rows were invalid: {}", texts(&output).1);
    let results = read_csv(&org.last_run().join("results.csv"));
    assert_eq!(column(&results, "Result"), vec!["Success", "Invalid", "Success"]);
    assert!(column(&results, "Error Message")[1].contains("UK"), "{results:?}");
    assert_eq!(column(&results, "First Name")[2], "'=1+2", "formula cells are neutralised");
    assert!(org.user("new3@example.com").is_some() && org.user("new2@example.com").is_none());
    let retry = read_csv(&org.last_run().join("retry.csv"));
    assert_eq!(retry.len(), 2, "only the invalid row is worth retrying");
    assert_eq!(retry[0].last().map(String::as_str), Some("Hint"));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn unknown_names_are_refused_with_a_did_you_mean() {
    let org = Org::demo().await;
    let file = org.write(
        "typo.csv",
        "Identity Type,Username,Domain,Email,First Name,Last Name,Country Code,Product Configurations\n\
         Enterprise ID,new1@example.com,example.com,new1@example.com,Ann,One,GB,Photoshop Default\n",
    );
    let output = org.run(&["apply", &file.display().to_string(), "--op", "add"]).await;
    let (_, stderr) = texts(&output);
    assert_eq!(output.status.code(), Some(2), "{stderr}");
    assert!(stderr.contains("error[E101]") && stderr.contains("did you mean \"Photoshop - Default\"?"), "{stderr}");
    assert_eq!(org.counter("action_requests"), 0);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn test_mode_changes_nothing_and_says_so() {
    let org = Org::demo().await;
    let before = org.state()["users"].clone();
    let output = org.run(&["apply", &path("bulk-add.csv"), "--op", "add", "--test-mode"]).await;
    let (_, stderr) = texts(&output);
    assert_eq!(output.status.code(), Some(0), "{stderr}");
    assert_eq!(org.state()["users"], before);
    assert!(stderr.contains("TEST MODE") && stderr.contains("nothing was changed"), "{stderr}");
    let run = org.last_run();
    assert_eq!(summary(&run)["test_mode"], true);
    let results = read_csv(&run.join("results.csv"));
    assert!(column(&results, "Error Message").iter().all(|message| message.starts_with("test mode")));
    let deficit = read_csv(&run.join("deficit.csv"));
    assert!(deficit.iter().any(|record| record == &["Photoshop - Default", "5", "13", "5", "8"]), "{deficit:?}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn licence_stop_refuses_and_unreachable_org_exits_3() {
    let org = Org::demo().await;
    let output = org.run(&["apply", &path("bulk-add.csv"), "--op", "add", "--on-deficit", "stop"]).await;
    let (_, stderr) = texts(&output);
    assert_eq!(output.status.code(), Some(2), "{stderr}");
    assert!(stderr.contains("8 rows would end without a licence"), "{stderr}");
    assert_eq!(org.counter("action_requests"), 0);

    let port = org.sim.addr().port().to_string();
    org.edit_config(|config| config.replace(&port, "9").replace("[limits]", "[limits]\nmax_attempts = 1"));
    let output = org.run(&["apply", &path("bulk-add.csv"), "--op", "add"]).await;
    assert_eq!(output.status.code(), Some(3), "{}", texts(&output).1);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn sim_flag_runs_the_demo_in_process_and_says_so_first() {
    let org = Org::demo().await;
    std::fs::remove_file(org.path().join("umapi-bulk.toml")).unwrap_or_else(|error| panic!("{error}"));
    let output = org.run(&["apply", &path("bulk-add.csv"), "--op", "add", "--sim"]).await;
    let (_, stderr) = texts(&output);
    assert_eq!(output.status.code(), Some(0), "{stderr}");
    assert!(stderr.lines().next().unwrap_or_default().starts_with("using the built-in UMAPI simulator"), "{stderr}");
    assert_eq!(summary(&org.last_run())["simulator"], true);
    let missing = org.run(&["apply", &path("bulk-add.csv"), "--op", "add"]).await;
    let (_, stderr) = texts(&missing);
    assert_eq!(missing.status.code(), Some(2));
    assert!(stderr.contains("hint:") && stderr.contains("--sim"), "{stderr}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn names_from_the_file_cannot_forge_terminal_output() {
    let org = Org::demo().await;
    let file = org.write(
        "forge.csv",
        "Identity Type,Username,Domain,Email,First Name,Last Name,Country Code,User Groups\n\
         Enterprise ID,new1@example.com,example.com,new1@example.com,Ann,One,GB,\"Des\u{202e}igners\"\n",
    );
    let output = org.run(&["plan", &file.display().to_string(), "--op", "add"]).await;
    let (stdout, stderr) = texts(&output);
    assert_eq!(output.status.code(), Some(1), "{stderr}");
    assert!(!stderr.contains('\u{202e}') && !stdout.contains('\u{202e}'), "a raw bidi override reached the terminal");
    assert!(stderr.contains("Des\\u{202e}igners"), "{stderr}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn licences_granted_through_a_user_group_are_in_the_deficit_report() {
    let mut state = crate::sim_support::demo_state();
    for group in state.user_groups.iter_mut().filter(|group| group.name == "Contractors") {
        group.product_configurations.push("Photoshop - Default".into());
    }
    let org = Org::with(umapi_bulk::sim::SimOptions::unlimited(state), true).await;
    let text = enterprise_add_file("g", 7, Some("Contractors"));
    let file = org.write("groups.csv", &text);
    let output = org.run(&["apply", &file.display().to_string(), "--op", "add"]).await;
    let (_, stderr) = texts(&output);
    assert_eq!(output.status.code(), Some(0), "{stderr}");
    let run = org.last_run();
    let results = read_csv(&run.join("results.csv"));
    let without = column(&results, "No Licence").iter().filter(|cell| cell.as_str() == "Photoshop - Default").count();
    assert_eq!(without, 2, "quota 5: the last two through Contractors got none");
    let deficit = read_csv(&run.join("deficit.csv"));
    assert!(deficit.iter().any(|record| record == &["Photoshop - Default", "5", "7", "5", "2"]), "{deficit:?}");
    assert!(stderr.contains("no licence: 2 of 7 users joining \"Photoshop - Default\""), "{stderr}");
}

/// The demo run exactly as the README gives it (`apply samples/bulk-add.csv --op add --sim`, the
/// built-in demo org): Photoshop at 13 requested, 5 assigned, 8 without a licence, and Creative
/// Cloud All Apps counting the users who reach it only through Designers, since the licence reads
/// say `directOnly=false` (UMAPI.md 5e, 7): 11 rows ask for it directly, 9 join Designers, one does
/// both, so 19.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_demo_run_reports_photoshop_and_the_licences_reached_through_designers() {
    let dir = crate::harness::temp_dir();
    let output = crate::harness::umapi_bulk(dir.path())
        .args(["apply", &path("bulk-add.csv"), "--op", "add", "--sim"])
        .output()
        .unwrap_or_else(|error| panic!("{error}"));
    let (_, stderr) = texts(&output);
    assert_eq!(output.status.code(), Some(0), "{stderr}");
    let runs: Vec<_> = std::fs::read_dir(dir.path().join("runs"))
        .map(|entries| entries.filter_map(Result::ok).map(|entry| entry.path()).collect())
        .unwrap_or_default();
    let run = runs.first().cloned().unwrap_or_else(|| panic!("no run folder: {stderr}"));
    let deficit = read_csv(&run.join("deficit.csv"));
    let line = |name: &str| deficit.iter().find(|record| record[0] == name).cloned().unwrap_or_default();
    assert_eq!(line("Photoshop - Default"), ["Photoshop - Default", "5", "13", "5", "8"]);
    assert_eq!(line("Creative Cloud All Apps - Default"), ["Creative Cloud All Apps - Default", "50", "19", "19", "0"]);

    let input = read_csv(&sample("bulk-add.csv"));
    let direct = column(&input, "Product Configurations");
    let groups = column(&input, "User Groups");
    let through_designers_only = (0..direct.len())
        .filter(|&row| groups[row].contains("Designers") && !direct[row].contains("Creative Cloud All Apps"))
        .count();
    assert_eq!(through_designers_only, 8, "8 of the 19 reach it only through Designers");
    assert!(stderr.contains("no licence: 8 of 13 users joining \"Photoshop - Default\""), "{stderr}");
}
