//! `--resume` rebuilds every report from the journal before it sends anything. A run is stopped
//! (Ctrl-C), its resume killed with SIGKILL mid-run, and the next resume is caught after it started
//! sending: its UMAPI is a black hole (a loopback port that accepts and never answers), so nothing
//! more can settle while the test reads the folder. results.csv must already tell the truth: every
//! row whose user the org now has is Success (or Unknown, for a request the killed resume had on the
//! wire), no such row is "Not Attempted", and summary.json says the run is running and counts every
//! request of every segment. A last resume, against the real UMAPI, completes the run exactly.

use std::collections::BTreeSet;
use std::time::Duration;

use umapi_bulk::sim::SimOptions;

use crate::apply_support::{Org, column, enterprise_add_file, read_csv, summary, texts};
use crate::harness::poll;
use crate::run_support::Running;

const ROWS: usize = 200;

/// The journal's text after its `n`-th `resume` line (the whole journal for n = 0).
fn after_resume(run: &std::path::Path, n: usize) -> Option<String> {
    let journal = std::fs::read_to_string(run.join("journal.jsonl")).ok()?;
    if n == 0 {
        return Some(journal);
    }
    journal.split("\"type\":\"resume\"").nth(n).map(str::to_string)
}

/// A loopback port that accepts connections and never answers.
async fn black_hole() -> (String, tokio::task::JoinHandle<()>) {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap_or_else(|error| panic!("{error}"));
    let address = listener.local_addr().unwrap_or_else(|error| panic!("{error}"));
    let task = tokio::spawn(async move {
        let mut held = Vec::new();
        while let Ok((socket, _)) = listener.accept().await {
            held.push(socket);
        }
    });
    (format!("http://{address}/v2/usermanagement"), task)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_killed_resume_leaves_no_stale_row_once_the_next_resume_starts() {
    let options =
        SimOptions { latency: Duration::from_millis(150), ..SimOptions::unlimited(crate::sim_support::demo_state()) };
    let org = Org::with(options, true).await;
    org.edit_config(|config| config.replace("[limits]", "[limits]\nconcurrency = 1"));
    let file = org.write("users.csv", &enterprise_add_file("k", ROWS, None)).display().to_string();

    // 1. The run, stopped by Ctrl-C after a few answers.
    let first = Running::start(org.path(), &["apply", &file, "--op", "add"]);
    poll(Duration::from_secs(30), || async {
        let answered = org
            .run_dirs()
            .first()
            .and_then(|run| after_resume(run, 0))
            .map_or(0, |text| text.matches("\"type\":\"outcome\"").count());
        (answered >= 3).then_some(())
    })
    .await;
    first.signal("INT");
    let (status, stderr) = first.exit(Duration::from_secs(30)).await;
    assert_eq!(status.code(), Some(130), "{stderr}");
    let run = org.last_run();
    let run_arg = run.display().to_string();

    // 2. Its resume, killed with SIGKILL after a few more answers.
    let mut killed = Running::start(org.path(), &["apply", "--resume", &run_arg]);
    poll(Duration::from_secs(30), || async {
        let answered = after_resume(&run, 1).map_or(0, |text| text.matches("\"type\":\"outcome\"").count());
        (answered >= 3).then_some(())
    })
    .await;
    killed.child.kill().unwrap_or_else(|error| panic!("cannot kill the resume: {error}"));
    let (status, _) = killed.exit(Duration::from_secs(30)).await;
    assert_eq!(status.code(), None, "killed by a signal");

    // 3. The next resume, against a black hole: it rebuilds the reports, then hangs on its first send.
    let (hole, hole_task) = black_hole().await;
    let real = org.sim.umapi_url();
    org.edit_config(|config| config.replace(&real, &hole));
    let mut hanging = Running::start(org.path(), &["apply", "--resume", &run_arg]);
    poll(Duration::from_secs(30), || async {
        let sent = after_resume(&run, 2).is_some_and(|text| text.contains("\"type\":\"intent\""));
        sent.then_some(())
    })
    .await;
    let results = read_csv(&run.join("results.csv"));
    assert_eq!(results.len(), ROWS + 1, "every row once");
    let state = org.state();
    let created: BTreeSet<String> = state["users"]
        .as_array()
        .map(|users| users.iter().filter_map(|user| user["email"].as_str().map(str::to_string)).collect())
        .unwrap_or_default();
    let emails = column(&results, "Email");
    let kinds = column(&results, "Result");
    let mut stale = Vec::new();
    for (email, kind) in emails.iter().zip(&kinds) {
        match kind.as_str() {
            "Success" => assert!(created.contains(email), "{email} is Success but not in the org"),
            "Not Attempted" if created.contains(email) => stale.push(email.clone()),
            "Not Attempted" | "Unknown" => {}
            other => panic!("{email}: unexpected result {other}"),
        }
    }
    assert!(stale.is_empty(), "rows created by the killed resume still read Not Attempted: {stale:?}");
    let succeeded = kinds.iter().filter(|kind| kind.as_str() == "Success").count();
    assert!(succeeded >= 60, "the first run and the killed resume each settled 3 requests or more: {succeeded}");
    let interim = summary(&run);
    assert_eq!(interim["status"], "running", "{interim}");
    assert_eq!(interim["results"]["Success"], succeeded, "{interim}");
    assert_eq!(interim["segments"].as_array().map(Vec::len), Some(2), "the run and the killed resume: {interim}");
    hanging.child.kill().unwrap_or_else(|error| panic!("cannot kill the hanging resume: {error}"));
    let _ = hanging.exit(Duration::from_secs(30)).await;
    hole_task.abort();

    // 4. The last resume completes the run exactly.
    org.edit_config(|config| config.replace(&hole, &real));
    let output = org.run(&["apply", "--resume", &run_arg]).await;
    assert_eq!(output.status.code(), Some(0), "{}", texts(&output).1);
    let results = read_csv(&run.join("results.csv"));
    assert!(column(&results, "Result").iter().all(|kind| kind == "Success"), "{results:?}");
    let users = org.state()["users"].as_array().cloned().unwrap_or_default();
    assert_eq!(users.len(), 20 + ROWS, "every user once");
    let done = summary(&run);
    assert_eq!(done["status"], "finished");
    assert_eq!(done["segments"].as_array().map(Vec::len), Some(4), "{done}");
    let per_segment: u64 = done["segments"]
        .as_array()
        .map(|segments| segments.iter().filter_map(|segment| segment["action_requests"].as_u64()).sum())
        .unwrap_or_default();
    assert_eq!(done["requests"]["action_requests"].as_u64(), Some(per_segment), "{done}");
    assert!(per_segment >= (ROWS / 10) as u64, "every request of every segment is counted: {done}");
}
