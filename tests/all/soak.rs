//! The fault soak: a 2,000-row add through the binary against a simulator that injects 20 % faults
//! (502/503/504 and dropped connections, before and after applying) and refuses bursts with 429s.
//! Every row must appear exactly once in results.csv, succeeded, and the org must hold exactly the
//! users and memberships the file asked for. Short windows and backoffs keep it under a minute.

use std::collections::BTreeSet;
use std::time::Duration;

use umapi_bulk::sim::SimOptions;

use crate::apply_support::{Org, column, groups_of, read_csv, summary, texts};

const ROWS: usize = 2000;

fn soak_file() -> String {
    let mut text = String::from("Identity Type,Username,Domain,Email,First Name,Last Name,Country Code,User Groups\n");
    for index in 0..ROWS {
        let group = if index.is_multiple_of(2) { "Contractors" } else { "\"Contractors, Finance\"" };
        text.push_str(&format!(
            "Enterprise ID,soak{index:04}@example.com,example.com,soak{index:04}@example.com,Soak,User{index},DE,{group}\n"
        ));
    }
    text
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn two_thousand_rows_under_faults_and_429_bursts_end_exactly_once_and_exact() {
    let options = SimOptions {
        fault_rate: 0.2,
        seed: 20261124,
        action_rpm: 40,
        read_rpm: 0,
        groups_rpm: 0,
        global_rpm: 0,
        window: Duration::from_secs(1),
        ..SimOptions::demo(crate::sim_support::demo_state())
    };
    let org = Org::with(options, true).await;
    // The client is told there is no limit, so it overshoots and draws 429 bursts; retries are fast.
    org.edit_config(|config| {
        config.replace("action_rpm = 40", "action_rpm = 0").replace(
            "[limits]",
            "[limits]\nmax_attempts = 12\nbackoff_base = \"20ms\"\nbackoff_cap = \"200ms\"\nrequest_timeout = \"5s\"",
        )
    });
    let file = org.write("soak.csv", &soak_file()).display().to_string();

    let output = org.run(&["apply", &file, "--op", "add"]).await;
    let (_, stderr) = texts(&output);
    assert_eq!(output.status.code(), Some(0), "{stderr}");

    let run = org.last_run();
    let results = read_csv(&run.join("results.csv"));
    assert_eq!(results.len(), ROWS + 1, "every row exactly once");
    let lines: Vec<String> = column(&results, "Line");
    let distinct: BTreeSet<&String> = lines.iter().collect();
    assert_eq!(distinct.len(), ROWS);
    assert!(column(&results, "Result").iter().all(|result| result == "Success"), "{stderr}");

    let state = org.state();
    let users = state["users"].as_array().cloned().unwrap_or_default();
    assert_eq!(users.len(), 20 + ROWS, "no user lost, none created twice");
    for user in users.iter().filter(|user| user["email"].as_str().is_some_and(|email| email.starts_with("soak"))) {
        let number: usize =
            user["email"].as_str().and_then(|email| email.get(4..8)).and_then(|n| n.parse().ok()).unwrap_or(0);
        let expected: Vec<String> = if number.is_multiple_of(2) {
            vec!["Contractors".into()]
        } else {
            vec!["Contractors".into(), "Finance".into()]
        };
        assert_eq!(groups_of(user), expected, "{user}");
    }
    let counters = &state["counters"];
    let count = |name: &str| crate::harness::counter(&state, name);
    assert!(count("faults") >= 20, "faults were injected: {counters}");
    assert!(count("faults_after") > 0, "some faults struck after applying: {counters}");
    assert!(count("connections_dropped") > 0, "some connections were dropped: {counters}");
    assert!(count("throttled") > 0, "429 bursts were drawn: {counters}");
    let summary = summary(&run);
    assert!(summary["requests"]["retries"].as_u64().unwrap_or(0) > 0, "{summary}");
    assert_eq!(summary["requests"]["action_requests"], 200);
}
