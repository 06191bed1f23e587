//! Ctrl-C during `apply`: requests in flight finish, nothing new starts, the journal and the reports
//! are written, the exit code is 130, and `--resume` finishes the run.

use std::process::Stdio;
use std::time::{Duration, Instant};

use umapi_bulk::sim::SimOptions;

use crate::apply_support::{Org, column, enterprise_add_file, read_csv, summary, texts};

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn ctrl_c_stops_cleanly_with_exit_130_and_the_run_resumes() {
    let options =
        SimOptions { latency: Duration::from_millis(150), ..SimOptions::unlimited(crate::sim_support::demo_state()) };
    let org = Org::with(options, true).await;
    org.edit_config(|config| config.replace("[limits]", "[limits]\nconcurrency = 1"));
    let text = enterprise_add_file("i", 300, None);
    let file = org.write("interrupt.csv", &text).display().to_string();

    let mut command = std::process::Command::new(env!("CARGO_BIN_EXE_umapi-bulk"));
    command
        .args(["apply", &file, "--op", "add"])
        .current_dir(org.path())
        .env_clear()
        .env("NO_COLOR", "1")
        .stdout(Stdio::piped())
        .stderr(Stdio::piped());
    let child = command.spawn().unwrap_or_else(|error| panic!("cannot start umapi-bulk: {error}"));
    let pid = child.id().to_string();

    // Wait until some requests were answered (the journal holds outcomes), then press Ctrl-C.
    let deadline = Instant::now() + Duration::from_secs(30);
    loop {
        let answered = org
            .run_dirs()
            .first()
            .and_then(|run| std::fs::read_to_string(run.join("journal.jsonl")).ok())
            .map_or(0, |journal| journal.matches("\"type\":\"outcome\"").count());
        if answered >= 3 {
            break;
        }
        assert!(Instant::now() < deadline, "the run never answered three requests");
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
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
