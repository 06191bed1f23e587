//! The simulator's view of errors, end to end through `apply`: codes UMAPI returns for rows that
//! look valid offline land in results.csv and retry.csv with their hints, and a run parked by a
//! long Retry-After reports its unsent rows as `Not Attempted`, exit 1, resumable.
//! (Every documented code's mapping is pinned in `src/commands/outcomes_tests.rs`.)

use std::time::Duration;

use umapi_bulk::sim::SimOptions;

use crate::apply_support::{Org, column, enterprise_add_file, read_csv, summary, texts};

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn umapi_refusals_reach_results_with_code_message_and_hint() {
    // No claimed domains in the config: `check` cannot know the directories, UMAPI does.
    let org = Org::with(SimOptions::unlimited(crate::sim_support::demo_state()), false).await;
    let file = org.write(
        "refused.csv",
        "Identity Type,Username,Domain,Email,First Name,Last Name,Country Code\n\
         Enterprise ID,a@unclaimed.example,unclaimed.example,a@unclaimed.example,Ann,One,GB\n\
         Enterprise ID,b@fed.example.org,fed.example.org,b@fed.example.org,Bob,Two,GB\n\
         Federated ID,c@example.com,example.com,c@example.com,Cid,Three,GB\n\
         Enterprise ID,d@example.com,example.com,d@example.com,Dee,Four,GB\n",
    );
    let output = org.run(&["apply", &file.display().to_string(), "--op", "add"]).await;
    assert_eq!(output.status.code(), Some(1), "{}", texts(&output).1);
    let run = org.last_run();
    let results = read_csv(&run.join("results.csv"));
    assert_eq!(column(&results, "Result"), vec!["Failed", "Failed", "Failed", "Success"]);
    assert_eq!(
        column(&results, "Error Code"),
        vec!["error.domain.trust.nonexistent", "error.user.type_mismatch", "error.user.type_mismatch", ""]
    );
    assert!(column(&results, "Error Message").iter().take(3).all(|message| !message.is_empty()));
    assert!(column(&results, "Request ID").iter().all(|id| !id.is_empty()));
    let retry = read_csv(&run.join("retry.csv"));
    let hints = column(&retry, "Hint");
    assert_eq!(hints.len(), 3);
    assert!(hints[0].contains("not claimed"), "{hints:?}");
    assert!(hints[1].contains("Identity Type"), "{hints:?}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_long_retry_after_parks_the_run_with_unsent_rows_not_attempted() {
    let options = SimOptions {
        action_rpm: 2,
        window: Duration::from_secs(120),
        read_rpm: 0,
        groups_rpm: 0,
        global_rpm: 0,
        ..SimOptions::demo(crate::sim_support::demo_state())
    };
    let org = Org::with(options, true).await;
    org.edit_config(|config| {
        config.replace("action_rpm = 2", "action_rpm = 0").replace("max_wait = \"30s\"", "max_wait = \"5s\"")
    });
    let text = enterprise_add_file("p", 30, None);
    let file = org.write("park.csv", &text);
    let output = org.run(&["apply", &file.display().to_string(), "--op", "add", "--max-wait", "5s"]).await;
    let (_, stderr) = texts(&output);
    assert_eq!(output.status.code(), Some(1), "{stderr}");
    assert!(stderr.contains("parked") && stderr.contains("--resume"), "{stderr}");
    let run = org.last_run();
    let results = read_csv(&run.join("results.csv"));
    let kinds = column(&results, "Result");
    assert_eq!(kinds.iter().filter(|kind| kind.as_str() == "Success").count(), 20);
    assert_eq!(kinds.iter().filter(|kind| kind.as_str() == "Not Attempted").count(), 10);
    assert_eq!(summary(&run)["status"], "parked");
    assert!(summary(&run)["resume_after"].is_string());
    let retry = read_csv(&run.join("retry.csv"));
    assert_eq!(retry.len(), 11, "the ten unsent rows");
    assert!(column(&retry, "Hint").iter().all(|hint| hint.contains("not sent")));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_parked_run_resumes_to_the_end_without_resending_answered_requests() {
    let options = SimOptions {
        action_rpm: 2,
        window: Duration::from_secs(3),
        read_rpm: 0,
        groups_rpm: 0,
        global_rpm: 0,
        ..SimOptions::demo(crate::sim_support::demo_state())
    };
    let org = Org::with(options, true).await;
    org.edit_config(|config| config.replace("action_rpm = 2", "action_rpm = 0"));
    let text = enterprise_add_file("r", 30, Some("Contractors"));
    let file = org.write("resume.csv", &text);
    let output = org.run(&["apply", &file.display().to_string(), "--op", "add", "--max-wait", "1s"]).await;
    assert_eq!(output.status.code(), Some(1), "{}", texts(&output).1);
    let run = org.last_run();
    assert_eq!(summary(&run)["status"], "parked");
    let applied_before = org.counter("commands_applied");
    assert_eq!(applied_before, 20, "two requests of ten were answered before the park");

    let run_text = run.display().to_string();
    let output = org.run(&["apply", "--resume", &run_text, "--max-wait", "30s"]).await;
    let (_, stderr) = texts(&output);
    assert_eq!(output.status.code(), Some(0), "{stderr}");
    assert!(stderr.contains("1 of 3 requests still to send"), "{stderr}");
    assert_eq!(org.counter("commands_applied"), 30, "the answered requests were not sent again");
    let results = read_csv(&run.join("results.csv"));
    assert_eq!(results.len(), 31);
    assert!(column(&results, "Result").iter().all(|kind| kind == "Success"));
    assert_eq!(summary(&run)["status"], "finished");
    assert_eq!(org.run_dirs().len(), 1, "resume writes into the same run folder");
}
