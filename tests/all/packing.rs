//! Packed `usergroup` commands through the binary, against the simulator: a move of 300 users is
//! one request instead of 30 and `undo.csv` moves them back exactly; a packed step that fails for
//! one of its users fails that row alone, with its own error and request id; a packed request that
//! was applied but whose answer was lost is re-sent, refused as a no-op and confirmed by a read of
//! the group, never sent again user by user; under 20 % faults the org ends exact; test mode
//! changes nothing and says what would happen. (Resume after kill -9: `packing_resume.rs`.)

use std::time::Duration;

use umapi_bulk::sim::SimOptions;

use crate::apply_support::{Org, column, read_csv, summary, texts};
use crate::packing_support::{Proxy, Twist, memberships, move_file, mover, movers_state};

fn finance_only(org: &Org, range: std::ops::Range<usize>) -> bool {
    let now = memberships(org);
    range.into_iter().all(|index| now.get(&mover(index)).is_some_and(|groups| groups == &["Finance".to_string()]))
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_packed_move_is_one_request_instead_of_thirty_and_undo_moves_it_back_exactly() {
    let org = Org::with(SimOptions::unlimited(movers_state(300, "Designers")), true).await;
    // Adobe's 10 action requests a minute, for the plan's minutes (the simulator has no limit).
    org.edit_config(|config| config.replace("action_rpm = 0", "action_rpm = 10"));
    let before = memberships(&org);
    let file = org.write("move.csv", &move_file(0..300, "Finance")).display().to_string();

    let plan = org.run(&["plan", &file, "--op", "edit"]).await;
    let (stdout, stderr) = texts(&plan);
    assert_eq!(plan.status.code(), Some(0), "{stderr}");
    assert!(
        stdout.contains("600 membership changes in 1 request (per-user commands: 30; lower bound: 1); 600 of them in 6 usergroup commands"),
        "{stdout}"
    );
    assert!(stdout.contains("about 1 min sending, against 3 min with per-user commands"), "{stdout}");
    let json = org.run(&["plan", &file, "--op", "edit", "--json"]).await;
    let document: serde_json::Value = serde_json::from_slice(&json.stdout).unwrap_or_default();
    assert_eq!(document["packing"]["per_user_requests"], 30, "{document}");
    assert_eq!(document["packing"]["lower_bound"]["requests"], 1);
    let body = &document["requests"][0]["body"];
    assert_eq!(body.as_array().map(Vec::len), Some(6));
    assert_eq!(body[0]["usergroup"], "Designers");
    assert_eq!(body[0]["do"][0]["remove"]["user"][0], mover(0));
    assert_eq!(document["requests"][0]["lines"][0][0][0], 2, "the line of each user of each step");
    // The removals guard counts memberships, not commands.
    let guarded = org.run(&["plan", &file, "--op", "edit", "--max-removals", "299"]).await;
    assert_eq!(guarded.status.code(), Some(2));
    assert!(texts(&guarded).1.contains("the plan removes 300 memberships"), "{}", texts(&guarded).1);

    // A saved plan carries the packed commands, their users' rows and the fingerprint.
    let saved = org.run(&["plan", &file, "--op", "edit", "-o", "move.json"]).await;
    assert_eq!(saved.status.code(), Some(0), "{}", texts(&saved).1);
    let text = std::fs::read_to_string(org.path().join("move.json")).unwrap_or_default();
    let plan: serde_json::Value = serde_json::from_str(&text).unwrap_or_default();
    assert_eq!(plan["format"], 2);
    assert_eq!(plan["batches"][0]["commands"][0]["usergroup"], "Designers");
    assert_eq!(plan["batches"][0]["sources"][0]["members"][0][0], serde_json::json!([0, 2]));
    let output = org.run(&["apply", "--plan", "move.json"]).await;
    let (_, stderr) = texts(&output);
    assert_eq!(output.status.code(), Some(0), "{stderr}");
    assert_eq!(org.counter("action_requests"), 1);
    assert!(finance_only(&org, 0..300));
    let run = org.last_run();
    let results = read_csv(&run.join("results.csv"));
    assert_eq!(results.len(), 301);
    assert!(column(&results, "Result").iter().all(|result| result == "Success"), "{results:?}");
    assert!(column(&results, "Request ID").iter().all(|id| !id.is_empty()));
    // Finance grants Acrobat Pro - Default (quota 20, 5 used): the licence report still sees each row.
    let deficit = read_csv(&run.join("deficit.csv"));
    let acrobat = deficit.iter().find(|line| line[0] == "Acrobat Pro - Default").cloned().unwrap_or_default();
    assert_eq!(acrobat.get(2).map(String::as_str), Some("300"), "requested: {deficit:?}");
    let without = column(&results, "No Licence").iter().filter(|cell| cell.contains("Acrobat Pro")).count();
    assert_eq!(without.to_string(), acrobat.get(4).cloned().unwrap_or_default(), "deficit: {deficit:?}");
    assert_eq!(summary(&run)["results"]["Success"], 300);

    let undo = run.join("undo.csv").display().to_string();
    let output = org.run(&["apply", &undo, "--op", "edit"]).await;
    assert_eq!(output.status.code(), Some(0), "{}", texts(&output).1);
    assert_eq!(memberships(&org), before, "undo.csv restores the packed move exactly");
    assert_eq!(org.counter("action_requests"), 2, "the undo is packed too");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_packed_step_that_fails_for_one_user_fails_that_row_alone() {
    let org = Org::with(SimOptions::unlimited(movers_state(40, "Designers")), true).await;
    // Another admin removes mover 13 from the org after the plan read it, before the request lands.
    let proxy = Proxy::between(&org, Twist::RemoveFirst(mover(13))).await;
    let file = org.write("move.csv", &move_file(0..40, "Finance")).display().to_string();
    let output = org.run(&["apply", &file, "--op", "edit"]).await;
    let (_, stderr) = texts(&output);
    assert_eq!(output.status.code(), Some(1), "{stderr}");
    let run = org.last_run();
    let results = read_csv(&run.join("results.csv"));
    let (kinds, codes, ids) =
        (column(&results, "Result"), column(&results, "Error Code"), column(&results, "Request ID"));
    for (index, kind) in kinds.iter().enumerate() {
        if index == 13 {
            assert_eq!((kind.as_str(), codes[index].as_str()), ("Failed", "error.user.nonexistent"));
            assert!(column(&results, "Error Message")[index].contains(&mover(13)));
        } else {
            assert_eq!(kind, "Success", "row {index}: {:?}", results[index + 1]);
        }
        assert!(!ids[index].is_empty());
    }
    assert!(finance_only(&org, 0..13) && finance_only(&org, 14..40), "nothing applied is reported Failed");
    // One packed request (two commands, each failing at its second step); then the failed steps'
    // users as user commands (10, each with both of its changes) and the steps that did not run
    // packed again (two commands): 12 commands, two requests.
    assert_eq!(proxy.actions.load(std::sync::atomic::Ordering::SeqCst), 3);
    let journal = std::fs::read_to_string(run.join("journal.jsonl")).unwrap_or_default();
    assert!(journal.contains("\"type\":\"resolution\"") && journal.contains("\"by\":\"follow_up\""));
    assert_eq!(summary(&run)["results"]["Failed"], 1);
    let retry = read_csv(&run.join("retry.csv"));
    assert_eq!(retry.len(), 2, "only the failed row is worth running again: {retry:?}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_packed_request_applied_but_unanswered_is_confirmed_by_a_read_not_sent_again() {
    let org = Org::with(SimOptions::unlimited(movers_state(40, "Designers")), true).await;
    let proxy = Proxy::between(&org, Twist::LoseAnswers(1)).await;
    let file = org.write("move.csv", &move_file(0..40, "Finance")).display().to_string();
    let reads_before = org.counter("read_requests");
    let output = org.run(&["apply", &file, "--op", "edit"]).await;
    let (_, stderr) = texts(&output);
    assert_eq!(output.status.code(), Some(0), "{stderr}");
    assert!(finance_only(&org, 0..40));
    let results = read_csv(&org.last_run().join("results.csv"));
    assert!(column(&results, "Result").iter().all(|result| result == "Success"), "{results:?}");
    assert!(
        column(&results, "Error Message").iter().all(|message| message.contains("umapi-bulk.confirmed_by_read")),
        "{results:?}"
    );
    // The request and its retry (refused: the work was done); the two groups read; nothing re-sent.
    assert_eq!(proxy.actions.load(std::sync::atomic::Ordering::SeqCst), 2);
    assert_eq!(org.counter("commands_applied"), 2);
    let reads = org.counter("read_requests") - reads_before;
    assert!(reads >= 2 + 2, "the plan's reads and one page of each group: {reads}");
    assert!(stderr.contains("reading the members of \"Designers\""), "{stderr}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn under_twenty_percent_faults_a_packed_move_ends_exact_and_every_row_succeeds() {
    for seed in [3, 11] {
        let options = SimOptions { fault_rate: 0.2, seed, ..SimOptions::unlimited(movers_state(500, "Designers")) };
        let org = Org::with(options, true).await;
        org.edit_config(|config| {
            config.replace("[limits]", "[limits]\nmax_attempts = 8\nbackoff_base = \"10ms\"\nbackoff_cap = \"40ms\"")
        });
        let file = org.write("move.csv", &move_file(0..500, "Finance, Contractors")).display().to_string();
        let output = org.run(&["apply", &file, "--op", "edit"]).await;
        let (_, stderr) = texts(&output);
        assert_eq!(output.status.code(), Some(0), "seed {seed}:\n{stderr}");
        let now = memberships(&org);
        for index in 0..500 {
            assert_eq!(now.get(&mover(index)), Some(&vec!["Contractors".to_string(), "Finance".to_string()]));
        }
        let results = read_csv(&org.last_run().join("results.csv"));
        assert!(column(&results, "Result").iter().all(|result| result == "Success"), "seed {seed}");
        assert!(org.counter("faults") > 0, "seed {seed}: faults struck");
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn test_mode_sends_the_packed_commands_with_test_only_and_changes_nothing() {
    let org = Org::with(SimOptions::unlimited(movers_state(120, "Designers")), true).await;
    let before = memberships(&org);
    let file = org.write("move.csv", &move_file(0..120, "Finance")).display().to_string();
    let output = org.run(&["apply", &file, "--op", "edit", "--test-mode"]).await;
    assert_eq!(output.status.code(), Some(0), "{}", texts(&output).1);
    assert_eq!(memberships(&org), before);
    assert_eq!(org.counter("action_requests"), 1);
    assert_eq!(org.counter("commands_test_mode"), 4, "two commands a group, each checked");
    let results = read_csv(&org.last_run().join("results.csv"));
    assert!(column(&results, "Result").iter().all(|result| result == "Success"));
    assert!(column(&results, "Error Message").iter().all(|message| message == "test mode: would succeed"));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_packed_run_opens_one_session_and_ends_it_after_its_follow_ups() {
    // Strict sessions: a session left open would block the next command's start for an hour.
    let session = crate::sessions::strict_sessions(Duration::from_secs(600), (2_000, 3_600)).session;
    let org = Org::with(SimOptions { session, ..SimOptions::unlimited(movers_state(40, "Designers")) }, true).await;
    // The binary → a recording proxy → the proxy that removes mover 13 first → the simulator.
    let twist = Proxy::between(&org, Twist::RemoveFirst(mover(13))).await;
    let recorder = crate::proxy::Proxy::start(&twist.base).await;
    org.edit_config(|config| config.replace(&twist.base, &recorder.base()));
    let file = org.write("move.csv", &move_file(0..40, "Finance")).display().to_string();
    let output = org.run(&["apply", &file, "--op", "edit"]).await;
    assert_eq!(output.status.code(), Some(1), "{}", texts(&output).1);
    let calls = recorder.umapi();
    crate::sessions::one_session("a packed edit with follow-ups", &calls);
    let actions: Vec<usize> = (0..calls.len()).filter(|index| calls[*index].is_action()).collect();
    assert_eq!(actions.len(), 3, "the packed request and two follow-ups");
    assert!(actions.iter().all(|index| index + 1 < calls.len()), "the session ends after the follow-ups");

    // Test mode reads no licences, so a plan's action request would be its last; a packed plan
    // cannot know that before the answers come, and a closing read ends the session.
    recorder.clear();
    let back: String = move_file(0..40, "Designers")
        .lines()
        .filter(|line| !line.contains(&mover(13)))
        .map(|line| format!("{line}\n"))
        .collect();
    let file = org.write("back.csv", &back).display().to_string();
    let output = org.run(&["apply", &file, "--op", "edit", "--test-mode"]).await;
    assert_eq!(output.status.code(), Some(0), "{}", texts(&output).1);
    let calls = recorder.umapi();
    let last = crate::sessions::one_session("a packed test-mode edit", &calls);
    assert!(!last.is_action() && last.path.contains("/_org_admin"), "the closing read ends it: {last:?}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn mid_batch_500s_and_failing_steps_are_settled_in_rounds_and_nothing_unapplied_is_a_success() {
    // Half the action requests apply some of their commands and answer 500 (final: never re-sent);
    // a third of the commands fail at one of their steps inside a 200 (the steps before it
    // applied). Reads confirm what was applied, the rest is sent again, in rounds. A row is Success
    // only when its change is in the org; a follow-up user command a 500 cut stays Unknown, one a
    // step error struck is Failed with that error, and both are in retry.csv.
    let fault_menu =
        umapi_bulk::sim::FaultMenu { mid_batch_500: 0.5, command_error: 0.3, ..umapi_bulk::sim::FaultMenu::default() };
    let options = SimOptions { fault_menu, seed: 5, ..SimOptions::unlimited(movers_state(700, "Designers")) };
    let org = Org::with(options, true).await;
    // One request at a time: which request a fault strikes depends on the order they arrive.
    org.edit_config(|config| config.replace("[limits]", "[limits]\nconcurrency = 1"));
    let file = org.write("move.csv", &move_file(0..700, "Finance")).display().to_string();
    let output = org.run(&["apply", &file, "--op", "edit", "--max-removals", "700"]).await;
    let (_, stderr) = texts(&output);
    assert!(matches!(output.status.code(), Some(0 | 1)), "{stderr}");
    let run = org.last_run();
    let results = read_csv(&run.join("results.csv"));
    let (kinds, codes) = (column(&results, "Result"), column(&results, "Error Code"));
    let now = memberships(&org);
    for (index, kind) in kinds.iter().enumerate() {
        let moved = now.get(&mover(index)).is_some_and(|groups| groups == &["Finance".to_string()]);
        match kind.as_str() {
            "Success" => {
                assert!(moved, "row {index} is Success but {} holds {:?}", mover(index), now.get(&mover(index)))
            }
            "Unknown" => {}
            // A follow-up user command the fault struck: the row's own failure, worth running again.
            "Failed" => assert!(
                codes[index] == "error.throttled_by_external_service" || codes[index].starts_with("error.internal."),
                "row {index}: {:?}",
                results[index + 1]
            ),
            other => panic!("row {index}: {other}: {:?}", results[index + 1]),
        }
    }
    assert!(kinds.iter().filter(|kind| *kind == "Success").count() >= 600, "most rows settle: {kinds:?}");
    let retry = read_csv(&run.join("retry.csv"));
    assert_eq!(retry.len() - 1, kinds.iter().filter(|kind| *kind != "Success").count(), "the others are in retry.csv");
    let journal = std::fs::read_to_string(run.join("journal.jsonl")).unwrap_or_default();
    assert!(journal.contains("\"by\":\"read\"") && journal.contains("\"by\":\"follow_up\""), "both ways were used");
    assert!(org.counter("faults_mid_batch") > 0 && org.counter("faults_command_errors") > 0);
}
