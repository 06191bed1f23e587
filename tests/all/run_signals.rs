//! Signals through the binary against the simulator: Ctrl-C, SIGTERM or SIGHUP while the org is
//! read sends nothing at all; SIGTERM and SIGHUP stop a running apply exactly like Ctrl-C (requests
//! in flight finish, the journal's end, every report, exit 130, the lock released) and the resume
//! completes the run exactly; a second signal of another kind forces the stop.

use std::time::Duration;

use umapi_bulk::sim::SimOptions;

use crate::apply_support::{Org, column, enterprise_add_file, read_csv, summary};
use crate::harness::poll;
use crate::run_support::{Running, journal_lines};

fn slow_org_options(latency: Duration) -> SimOptions {
    SimOptions { latency, ..SimOptions::unlimited(crate::sim_support::demo_state()) }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_signal_while_the_org_is_read_sends_nothing() {
    // Every read takes 1.5 s, so each signal lands while the catalogue read is on the wire: the
    // read finishes, and then nothing may be sent. (Before the fix the run went on to send the
    // first request of 10 creates after "starting nothing new".)
    for (signal, operation) in [("INT", "add"), ("TERM", "add"), ("HUP", "add"), ("INT", "edit")] {
        let org = Org::with(slow_org_options(Duration::from_millis(1500)), true).await;
        let file = org.write("users.csv", &enterprise_add_file("quiet", 10, Some("Contractors"))).display().to_string();
        let running = Running::start(org.path(), &["apply", &file, "--op", operation]);
        running.wait_for_stderr("reading the org", Duration::from_secs(30)).await;
        running.signal(signal);
        let (status, stderr) = running.exit(Duration::from_secs(30)).await;
        let what = format!("SIG{signal} during `apply --op {operation}`");
        assert_eq!(status.code(), Some(130), "{what}:\n{stderr}");
        assert!(stderr.contains("nothing was sent"), "{what}:\n{stderr}");
        assert_eq!(org.counter("action_requests"), 0, "{what}: no action request may go out:\n{stderr}");
        assert_eq!(org.counter("commands_applied"), 0, "{what}");
        assert!(org.run_dirs().is_empty(), "{what}: no run folder is made for a run that never started");
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn sigterm_and_sighup_stop_a_run_like_ctrl_c_and_the_resume_completes_it_exactly() {
    for signal in ["TERM", "HUP"] {
        let org = Org::with(slow_org_options(Duration::from_millis(150)), true).await;
        org.edit_config(|config| config.replace("[limits]", "[limits]\nconcurrency = 1"));
        let file = org.write("signal.csv", &enterprise_add_file("s", 300, None)).display().to_string();
        // For SIGHUP the terminal is gone too: nobody reads stderr, and it is closed before the
        // signal, so every later write to it fails (a closed SSH session).
        let mut running = if signal == "HUP" {
            Running::start_unread(org.path(), &["apply", &file, "--op", "add"])
        } else {
            Running::start(org.path(), &["apply", &file, "--op", "add"])
        };
        poll(Duration::from_secs(30), || async {
            let answered = org.run_dirs().first().map_or(0, |run| journal_lines(run, "outcome"));
            (answered >= 3).then_some(())
        })
        .await;
        running.close_stderr();
        running.signal(signal);
        let (status, stderr) = running.exit(Duration::from_secs(30)).await;
        let what = format!("SIG{signal}");
        assert_eq!(status.code(), Some(130), "{what}:\n{stderr}");
        if signal == "TERM" {
            assert!(stderr.contains("interrupted by SIGTERM: letting requests in flight finish"), "{stderr}");
            assert!(stderr.contains("interrupted; continue with `umapi-bulk apply --resume"), "{stderr}");
        }

        let run = org.last_run();
        let first = summary(&run);
        assert_eq!(first["status"], "cancelled", "{what}");
        assert_eq!(first["exit_code"], 130, "{what}");
        let journal = std::fs::read_to_string(run.join("journal.jsonl")).unwrap_or_default();
        assert!(journal.lines().last().is_some_and(|line| line.contains("\"type\":\"end\"")), "{what}: {journal}");
        let results = read_csv(&run.join("results.csv"));
        assert_eq!(results.len(), 301, "{what}: every row is reported, sent or not");
        let kinds = column(&results, "Result");
        let succeeded = kinds.iter().filter(|kind| kind.as_str() == "Success").count();
        let not_attempted = kinds.iter().filter(|kind| kind.as_str() == "Not Attempted").count();
        assert!((30..300).contains(&succeeded), "{what}: {succeeded} succeeded");
        assert_eq!(succeeded + not_attempted, 300, "{what}: requests in flight finished, none is unknown");
        assert_eq!(org.counter("commands_applied") as usize, succeeded, "{what}: the reports say what happened");

        // The lock was released: the resume takes it and sends exactly the rest.
        let before = org.counter("action_requests");
        let output = org.run(&["apply", "--resume", &run.display().to_string()]).await;
        assert_eq!(output.status.code(), Some(0), "{what}: {}", String::from_utf8_lossy(&output.stderr));
        assert_eq!(org.counter("commands_applied"), 300, "{what}: every user once");
        assert_eq!(org.counter("action_requests") - before, (300 - succeeded as u64) / 10, "{what}: only the rest");
        assert!(column(&read_csv(&run.join("results.csv")), "Result").iter().all(|kind| kind == "Success"));
        // summary.json covers both segments: all 30 requests, the first start.
        let both = summary(&run);
        assert_eq!(both["requests"]["action_requests"], 30, "{what}: {both}");
        assert_eq!(both["started_at"], first["started_at"], "{what}");
        assert_eq!(both["segments"].as_array().map(Vec::len), Some(2), "{what}: {both}");
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_second_signal_of_another_kind_forces_the_stop() {
    // Every answer takes 5 s; SIGHUP then SIGTERM. The first would wait for the request on the wire,
    // the second abandons it: the run ends well before the answer could come, through its normal
    // path (journal end, every row reported, exit 130).
    let latency = Duration::from_secs(5);
    let org = Org::with(slow_org_options(latency), true).await;
    org.edit_config(|config| config.replace("[limits]", "[limits]\nconcurrency = 1"));
    let file = org.write("force.csv", &enterprise_add_file("f", 20, None)).display().to_string();
    let running = Running::start(org.path(), &["apply", &file, "--op", "add"]);
    // A request is on the wire once the journal holds its intent.
    poll(Duration::from_secs(30), || async {
        let sent = org.run_dirs().first().map_or(0, |run| journal_lines(run, "intent"));
        (sent >= 1).then_some(())
    })
    .await;
    running.signal("HUP");
    running.wait_for_stderr("interrupted by SIGHUP", Duration::from_secs(10)).await;
    running.signal("TERM");
    let (status, stderr) = running.exit(latency / 2).await;
    assert_eq!(status.code(), Some(130), "{stderr}");
    assert!(stderr.contains("forced: abandoning the requests in flight"), "{stderr}");
    let run = org.last_run();
    assert_eq!(summary(&run)["status"], "cancelled");
    assert_eq!(read_csv(&run.join("results.csv")).len(), 21, "every row is reported");
    let journal = std::fs::read_to_string(run.join("journal.jsonl")).unwrap_or_default();
    assert!(journal.lines().last().is_some_and(|line| line.contains("\"type\":\"end\"")), "{journal}");
}
