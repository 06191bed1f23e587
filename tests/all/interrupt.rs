//! Ctrl-C during `apply`: requests in flight finish, nothing new starts, the journal and the reports
//! are written, the exit code is 130, and `--resume` finishes the run. A second Ctrl-C abandons the
//! requests in flight too, and the run still ends through its normal path.

use std::io::{BufRead, BufReader};
use std::process::Stdio;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use umapi_bulk::sim::SimOptions;

use crate::apply_support::{Org, column, enterprise_add_file, read_csv, summary, texts};
use crate::harness::poll;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn ctrl_c_stops_cleanly_with_exit_130_and_the_run_resumes() {
    let options =
        SimOptions { latency: Duration::from_millis(150), ..SimOptions::unlimited(crate::sim_support::demo_state()) };
    let org = Org::with(options, true).await;
    org.edit_config(|config| config.replace("[limits]", "[limits]\nconcurrency = 1"));
    let text = enterprise_add_file("i", 300, None);
    let file = org.write("interrupt.csv", &text).display().to_string();

    let mut command = crate::harness::command(org.path());
    command.args(["apply", &file, "--op", "add"]).stdout(Stdio::piped()).stderr(Stdio::piped());
    let child = command.spawn().unwrap_or_else(|error| panic!("cannot start umapi-bulk: {error}"));
    let pid = child.id().to_string();

    // Wait until some requests were answered (the journal holds outcomes), then press Ctrl-C.
    poll(Duration::from_secs(30), || async {
        let answered = org
            .run_dirs()
            .first()
            .and_then(|run| std::fs::read_to_string(run.join("journal.jsonl")).ok())
            .map_or(0, |journal| journal.matches("\"type\":\"outcome\"").count());
        (answered >= 3).then_some(())
    })
    .await;
    let signal = std::process::Command::new("kill").args(["-INT", &pid]).status();
    assert!(signal.is_ok_and(|status| status.success()), "kill -INT failed");
    let output = tokio::task::spawn_blocking(move || child.wait_with_output())
        .await
        .unwrap_or_else(|error| panic!("{error}"))
        .unwrap_or_else(|error| panic!("{error}"));
    let (_, stderr) = texts(&output);
    assert_eq!(output.status.code(), Some(130), "{stderr}");
    assert!(stderr.contains("interrupted"), "{stderr}");

    let run = org.last_run();
    assert_eq!(summary(&run)["status"], "cancelled");
    let results = read_csv(&run.join("results.csv"));
    assert_eq!(results.len(), 301, "every row is reported, sent or not");
    let kinds = column(&results, "Result");
    let succeeded = kinds.iter().filter(|kind| kind.as_str() == "Success").count();
    assert!((30..300).contains(&succeeded), "{succeeded} succeeded");
    assert_eq!(succeeded + kinds.iter().filter(|kind| kind.as_str() == "Not Attempted").count(), 300);
    assert_eq!(org.counter("commands_applied") as usize, succeeded, "in-flight requests finished and were recorded");

    let output = org.run(&["apply", "--resume", &run.display().to_string()]).await;
    assert_eq!(output.status.code(), Some(0), "{}", texts(&output).1);
    assert_eq!(org.counter("commands_applied"), 300);
    assert!(column(&read_csv(&run.join("results.csv")), "Result").iter().all(|kind| kind == "Success"));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_second_ctrl_c_abandons_requests_in_flight_and_still_writes_the_reports() {
    // Every answer takes 5 s; one request is on the wire when Ctrl-C comes. The first Ctrl-C would
    // wait for it; the second abandons it, and the run ends through its normal path: exit 130, the
    // journal's end, every row in results.csv, and summary.json.
    let latency = Duration::from_secs(5);
    let options = SimOptions { latency, ..SimOptions::unlimited(crate::sim_support::demo_state()) };
    let org = Org::with(options, true).await;
    org.edit_config(|config| config.replace("[limits]", "[limits]\nconcurrency = 1"));
    let file = org.write("force.csv", &enterprise_add_file("f", 20, None)).display().to_string();
    let mut command = crate::harness::command(org.path());
    command.args(["apply", &file, "--op", "add"]).stdout(Stdio::piped()).stderr(Stdio::piped());
    let mut child = command.spawn().unwrap_or_else(|error| panic!("cannot start umapi-bulk: {error}"));
    let pid = child.id().to_string();
    let stderr = Arc::new(Mutex::new(String::new()));
    let reader = {
        let stderr = stderr.clone();
        let pipe = child.stderr.take().unwrap_or_else(|| panic!("no stderr"));
        std::thread::spawn(move || {
            for line in BufReader::new(pipe).lines().map_while(Result::ok) {
                if let Ok(mut text) = stderr.lock() {
                    text.push_str(&line);
                    text.push('\n');
                }
            }
        })
    };
    let stderr_has = |needle: &'static str| {
        let stderr = stderr.clone();
        move || {
            let found = stderr.lock().is_ok_and(|text| text.contains(needle));
            async move { found.then_some(()) }
        }
    };
    // A request is on the wire once the journal holds its intent.
    poll(Duration::from_secs(30), || async {
        let journal = org.run_dirs().first().and_then(|run| std::fs::read_to_string(run.join("journal.jsonl")).ok());
        journal.is_some_and(|journal| journal.contains("\"type\":\"intent\"")).then_some(())
    })
    .await;
    let interrupt = || {
        let signal = std::process::Command::new("kill").args(["-INT", &pid]).status();
        assert!(signal.is_ok_and(|status| status.success()), "kill -INT failed");
    };
    interrupt();
    poll(Duration::from_secs(10), stderr_has("interrupted: letting requests in flight finish")).await;
    interrupt();
    // Well before the request on the wire could have been answered.
    let status = poll(latency / 2, || {
        let exited = child.try_wait().ok().flatten();
        async move { exited }
    })
    .await;
    let _ = reader.join();
    let stderr = stderr.lock().map(|text| text.clone()).unwrap_or_default();
    assert_eq!(status.code(), Some(130), "{stderr}");
    assert!(stderr.contains("forced: abandoning the requests in flight"), "{stderr}");
    assert!(stderr.contains("interrupted; continue with `umapi-bulk apply --resume"), "{stderr}");

    let run = org.last_run();
    assert_eq!(summary(&run)["status"], "cancelled");
    assert_eq!(summary(&run)["exit_code"], 130);
    let results = read_csv(&run.join("results.csv"));
    assert_eq!(results.len(), 21, "every row is reported");
    // The request abandoned on the wire may still be applied by UMAPI: its rows are Unknown (and in
    // retry.csv); nothing else was sent.
    let kinds = column(&results, "Result");
    let unknown = kinds.iter().filter(|kind| kind.as_str() == "Unknown").count();
    assert!(unknown > 0 && unknown <= 10, "the rows of the abandoned request are Unknown: {kinds:?}");
    assert!(kinds.iter().all(|kind| kind == "Unknown" || kind == "Not Attempted"), "nothing was answered: {kinds:?}");
    assert_eq!(column(&read_csv(&run.join("retry.csv")), "Hint").len(), 20, "every row is worth running again");
    let journal = std::fs::read_to_string(run.join("journal.jsonl")).unwrap_or_default();
    assert!(journal.lines().last().is_some_and(|line| line.contains("\"type\":\"end\"")), "{journal}");
}
