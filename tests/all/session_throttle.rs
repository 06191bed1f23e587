//! The sequences an administrator runs, under Adobe's session throttle (`--session-throttle` with a
//! short window; UMAPI.md 4b, docs/sessions.md): check → plan -o → apply --plan, export → edit →
//! apply, and a parked run resumed. Each finishes, or parks with a clear message and a resume
//! time, and never sends into a throttled window: the simulator refuses no request for the
//! session rule (but the one that made a run wait), and nothing is sent after a park.

use std::time::Duration;

use umapi_bulk::sim::SimOptions;

use crate::apply_support::{Org, enterprise_add_file, read_csv, summary, texts};
use crate::harness::sample;
use crate::proxy::{Exchange, Proxy};
use crate::sessions::{one_session, strict_sessions};

/// The short windows of these tests: a session left open blocks the next start for 20–40 s.
fn throttled() -> SimOptions {
    strict_sessions(Duration::from_secs(5), (20, 40))
}

async fn org_through_proxy(options: SimOptions) -> (Org, Proxy) {
    let org = Org::with(options, true).await;
    let proxy = Proxy::start(&org.sim.base_url()).await;
    org.through(&proxy.base());
    (org, proxy)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn check_then_plan_to_a_file_then_apply_the_plan_finishes_without_a_refusal() {
    let (org, proxy) = org_through_proxy(throttled()).await;
    let file = sample("bulk-edit.csv").display().to_string();
    let output = org.run(&["check", &file, "--op", "edit"]).await;
    assert_eq!(output.status.code(), Some(0), "{}", texts(&output).1);
    assert!(proxy.exchanges().is_empty(), "check is offline");

    let output = org.run(&["plan", &file, "--op", "edit", "-o", "plan.json"]).await;
    assert_eq!(output.status.code(), Some(0), "{}", texts(&output).1);
    one_session("plan -o", &proxy.umapi());
    proxy.clear();
    // At once: plan's session ended on its last request, so this one may start.
    let output = org.run(&["apply", "--plan", "plan.json"]).await;
    assert_eq!(output.status.code(), Some(0), "{}", texts(&output).1);
    one_session("apply --plan", &proxy.umapi());
    assert_eq!(summary(&org.last_run())["status"], "finished");
    assert_eq!(org.counter("session_throttled"), 0, "no request was refused for the session rule");
    assert_eq!((org.counter("sync_start"), org.counter("sync_end")), (2, 2), "two sessions, one after the other");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn export_then_edit_then_apply_finishes_without_a_refusal() {
    let (org, proxy) = org_through_proxy(throttled()).await;
    let output = org.run(&["export", "users", "-o", "users.csv"]).await;
    assert_eq!(output.status.code(), Some(0), "{}", texts(&output).1);
    one_session("export", &proxy.umapi());
    proxy.clear();
    // The administrator moves user03 from Designers to Finance and keeps everyone else as exported.
    let exported = std::fs::read_to_string(org.path().join("users.csv")).unwrap_or_else(|error| panic!("{error}"));
    let edited: String = exported
        .lines()
        .map(
            |line| if line.contains("user03@example.com") { line.replace("Designers", "Finance") } else { line.into() },
        )
        .map(|line| line + "\n")
        .collect();
    org.write("users.csv", &edited);
    let output = org.run(&["apply", "users.csv", "--op", "edit"]).await;
    assert_eq!(output.status.code(), Some(0), "{}", texts(&output).1);
    one_session("apply edit", &proxy.umapi());
    let user03 = org.user("user03@example.com").unwrap_or_default();
    assert_eq!(crate::apply_support::groups_of(&user03), vec!["Finance"]);
    let results = read_csv(&org.last_run().join("results.csv"));
    let planned: Vec<&Vec<String>> =
        results[1..].iter().filter(|record| record.contains(&"Success".to_string())).collect();
    assert_eq!(planned.len(), 1, "only the edited row was sent");
    assert_eq!(org.counter("session_throttled"), 0);
}

/// A run parks on a `Retry-After` longer than `--max-wait` (the simulator allows 2 action requests
/// in 3 s; the client does not pace itself): it sends nothing more, no licence read and no end
/// signal. Resumed with a `--max-wait` that covers the wait, it waits, goes on with the parked
/// run's session (a start inside it would draw the hour-long block) and finishes.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_parked_run_sends_nothing_more_and_its_resume_finishes_in_the_same_session() {
    let options = SimOptions { action_rpm: 2, window: Duration::from_secs(3), ..throttled() };
    let (org, proxy) = org_through_proxy(options).await;
    org.edit_config(|config| {
        config
            .replace("[limits]", "[limits]\nconcurrency = 1")
            .replace("action_rpm = 2", "action_rpm = 0")
            .replace("max_wait = \"30s\"", "max_wait = \"1s\"")
    });
    let file = org.write("park.csv", &enterprise_add_file("p", 50, Some("Designers"))).display().to_string();
    let output = org.run(&["apply", &file, "--op", "add"]).await;
    let (_, stderr) = texts(&output);
    assert_eq!(output.status.code(), Some(1), "{stderr}");
    assert!(stderr.contains("the run is parked: UMAPI asked to wait until"), "{stderr}");
    assert!(stderr.contains("--resume"), "the message says how to go on: {stderr}");
    let run = org.last_run();
    assert_eq!(summary(&run)["status"], "parked");
    assert!(summary(&run)["resume_after"].is_string());
    let first: Vec<Exchange> = proxy.umapi();
    let last = first.last().cloned().unwrap_or_else(|| panic!("no request"));
    assert_eq!((last.status, last.is_action()), (429, true), "the 429 was the last request: {last:?}");
    assert!(!first.iter().any(Exchange::ends), "no end signal into the throttled window");
    assert_eq!(first.iter().filter(|call| call.is_action()).count(), 3, "two accepted, the third refused");

    proxy.clear();
    let output = org.run(&["apply", "--resume", &run.display().to_string(), "--max-wait", "10s"]).await;
    assert_eq!(output.status.code(), Some(0), "{}", texts(&output).1);
    assert_eq!(summary(&run)["status"], "finished");
    let resumed = proxy.umapi();
    assert!(!resumed.iter().any(Exchange::starts), "the resume goes on with the parked run's session");
    assert!(resumed.last().is_some_and(Exchange::ends), "and ends it on its last request");
    assert_eq!(org.counter("commands_applied"), 50);
    assert_eq!(org.counter("session_throttled"), 0, "nothing was refused for the session rule");
}

/// With the page-0 rule too, `apply --plan` right after `plan -o` reads page 0 of the groups list a
/// second time within the window (the saved plan's check needs it) and draws the block: the client
/// waits it out (within `max_wait`) without sending anything into it, then finishes.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn with_the_page_zero_rule_apply_plan_waits_out_the_block_and_sends_nothing_into_it() {
    let mut options = strict_sessions(Duration::from_secs(60), (2, 3));
    options.session.page_zero = true;
    let (org, proxy) = org_through_proxy(options).await;
    let file = sample("bulk-edit.csv").display().to_string();
    let output = org.run(&["plan", &file, "--op", "edit", "-o", "plan.json"]).await;
    assert_eq!(output.status.code(), Some(0), "{}", texts(&output).1);
    proxy.clear();
    let output = org.run(&["apply", "--plan", "plan.json"]).await;
    assert_eq!(output.status.code(), Some(0), "{}", texts(&output).1);
    let calls = proxy.umapi();
    let refused: Vec<&Exchange> = calls.iter().filter(|call| call.status == 429).collect();
    assert_eq!(refused.len(), 1, "only the repeated page-0 read was refused");
    let block = refused[0];
    let wait: u64 = block.retry_after.as_deref().and_then(|value| value.parse().ok()).unwrap_or(0);
    let after = calls.iter().filter(|call| call.arrived > block.answered);
    for call in after {
        assert!(call.arrived >= block.answered + Duration::from_secs(wait), "sent into the block: {call:?}");
    }
    assert_eq!(org.counter("session_throttled"), 1);
    assert_eq!(summary(&org.last_run())["status"], "finished");
}
