//! The run folder's lock between processes: two processes trying to lock one folder at the same
//! moment never both get it (25 trials), a lock file naming a dead or an unrelated live process
//! blocks nobody, and a second `apply --resume` of a folder in use is refused, naming the holder,
//! while the journal stays whole.
//!
//! The contenders are this test binary run again as a child (`lock_child`, ignored on its own),
//! which locks the folder named in its environment when told to on stdin and reports on stdout.

use std::io::{BufRead, BufReader, Write};
use std::path::Path;
use std::process::{Child, ChildStdin, ChildStdout, Command, Stdio};
use std::time::{Duration, Instant};

use umapi_bulk::report::run_folder::{LOCK, RunLock};
use umapi_bulk::sim::SimOptions;

use crate::apply_support::{Org, column, enterprise_add_file, read_csv, texts};
use crate::harness;

const CHILD_DIR: &str = "UMAPI_BULK_TEST_LOCK_DIR";

/// The child: waits for `go` on stdin, tries the lock once, prints `LOCK:won` or `LOCK:lost …`,
/// then holds what it got until stdin closes. Does nothing when run on its own.
#[test]
#[ignore = "the child process of two_processes_never_both_hold_one_run_folder"]
fn lock_child() {
    let Ok(dir) = std::env::var(CHILD_DIR) else { return };
    let mut stdout = std::io::stdout();
    let _ = writeln!(stdout, "LOCK:ready");
    let _ = stdout.flush();
    let mut line = String::new();
    let _ = std::io::stdin().read_line(&mut line);
    let lock = RunLock::acquire(Path::new(&dir));
    let _ = match &lock {
        Ok(_) => writeln!(stdout, "LOCK:won"),
        Err(error) => writeln!(stdout, "LOCK:lost {error:#}"),
    };
    let _ = stdout.flush();
    // Hold the lock (if won) until the parent closes stdin.
    let _ = std::io::stdin().read_line(&mut line);
    drop(lock);
}

struct Contender {
    child: Child,
    stdin: Option<ChildStdin>,
    stdout: BufReader<ChildStdout>,
}

impl Contender {
    fn start(dir: &Path) -> Self {
        let mut child = Command::new(std::env::current_exe().unwrap_or_default())
            .args(["--exact", "run_lock::lock_child", "--ignored", "--nocapture", "--test-threads=1"])
            .env(CHILD_DIR, dir)
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::null())
            .spawn()
            .unwrap_or_else(|error| panic!("cannot start the child: {error}"));
        let stdin = child.stdin.take();
        let stdout = BufReader::new(child.stdout.take().unwrap_or_else(|| panic!("no stdout")));
        Self { child, stdin, stdout }
    }

    /// The next line of ours (`LOCK:…`), skipping the test harness's own lines.
    fn next(&mut self) -> String {
        let mut line = String::new();
        loop {
            line.clear();
            let read = self.stdout.read_line(&mut line).unwrap_or_else(|error| panic!("{error}"));
            assert!(read > 0, "the child ended without a word");
            // The harness prints `test run_lock::lock_child ... ` before the first line of ours.
            if let Some(start) = line.find("LOCK:") {
                return line[start + 5..].trim_end().to_string();
            }
        }
    }

    fn say(&mut self, text: &str) {
        if let Some(stdin) = self.stdin.as_mut() {
            stdin.write_all(text.as_bytes()).unwrap_or_else(|error| panic!("{error}"));
            stdin.flush().unwrap_or_else(|error| panic!("{error}"));
        }
    }

    fn finish(mut self) {
        drop(self.stdin.take());
        let status = self.child.wait().unwrap_or_else(|error| panic!("{error}"));
        assert!(status.success(), "the child failed: {status}");
    }
}

#[test]
fn two_processes_never_both_hold_one_run_folder() {
    let root = harness::temp_dir();
    let mut double = 0;
    let mut none = 0;
    for trial in 0..25 {
        let dir = root.path().join(format!("trial-{trial}"));
        std::fs::create_dir(&dir).unwrap_or_else(|error| panic!("{error}"));
        let mut contenders = [Contender::start(&dir), Contender::start(&dir)];
        for contender in &mut contenders {
            assert_eq!(contender.next(), "ready");
        }
        for contender in &mut contenders {
            contender.say("go\n");
        }
        let answers: Vec<String> = contenders.iter_mut().map(Contender::next).collect();
        let won = answers.iter().filter(|answer| answer.as_str() == "won").count();
        match won {
            2 => double += 1,
            0 => none += 1,
            _ => {
                let lost = answers.iter().find(|answer| answer.starts_with("lost")).cloned().unwrap_or_default();
                assert!(lost.contains("another umapi-bulk apply"), "{lost}");
            }
        }
        for contender in contenders {
            contender.finish();
        }
    }
    assert_eq!((double, none), (0, 0), "trials where both or neither process held the lock, of 25");
}

#[test]
fn a_lock_file_naming_a_dead_or_an_unrelated_live_process_does_not_block_another_process() {
    let dir = harness::temp_dir();
    // A process that has ended, and a live one that is not umapi-bulk (this test process: a reused
    // PID looks exactly like this).
    let mut ended = Command::new(std::env::current_exe().unwrap_or_default())
        .arg("--list")
        .stdout(Stdio::null())
        .spawn()
        .unwrap_or_else(|error| panic!("{error}"));
    let dead = ended.id();
    let _ = ended.wait();
    for holder in [dead, std::process::id()] {
        std::fs::write(dir.path().join(LOCK), holder.to_string()).unwrap_or_else(|error| panic!("{error}"));
        let mut contender = Contender::start(dir.path());
        assert_eq!(contender.next(), "ready");
        contender.say("go\n");
        assert_eq!(contender.next(), "won", "a lock file naming process {holder} blocked");
        contender.finish();
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_second_resume_of_a_folder_in_use_is_refused_naming_the_holder_and_the_journal_stays_whole() {
    let options =
        SimOptions { latency: Duration::from_millis(200), ..SimOptions::unlimited(crate::sim_support::demo_state()) };
    let org = Org::with(options, true).await;
    org.edit_config(|config| config.replace("[limits]", "[limits]\nconcurrency = 1"));
    let file = org.write("locked.csv", &enterprise_add_file("l", 200, None)).display().to_string();
    let binary = env!("CARGO_BIN_EXE_umapi-bulk");
    let spawn = |args: &[&str]| {
        Command::new(binary)
            .args(args)
            .current_dir(org.path())
            .env_clear()
            .env("NO_COLOR", "1")
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .unwrap_or_else(|error| panic!("cannot start umapi-bulk: {error}"))
    };
    let journal_text = |run: &Path| std::fs::read_to_string(run.join("journal.jsonl")).unwrap_or_default();

    // A run interrupted after two answers leaves requests to resume.
    let first = spawn(&["apply", &file, "--op", "add"]);
    let pid = first.id().to_string();
    poll_until("two answers", || {
        org.run_dirs().first().is_some_and(|run| journal_text(run).matches("\"type\":\"outcome\"").count() >= 2)
    })
    .await;
    let signal = Command::new("kill").args(["-INT", &pid]).status();
    assert!(signal.is_ok_and(|status| status.success()), "kill -INT failed");
    let output = finished(first).await;
    assert_eq!(output.status.code(), Some(130), "{}", texts(&output).1);
    let run = org.last_run();
    let run_text = run.display().to_string();

    // Resume it, and while that resume is sending, resume it again.
    let holder = spawn(&["apply", "--resume", &run_text]);
    poll_until("the resume record", || journal_text(&run).contains("\"type\":\"resume\"")).await;
    let holder_pid = holder.id();
    let second = org.run(&["apply", "--resume", &run_text]).await;
    let (_, stderr) = texts(&second);
    assert_eq!(second.status.code(), Some(2), "{stderr}");
    let expected = format!("another umapi-bulk apply (process {holder_pid}) is working on");
    assert!(stderr.contains(&expected), "{stderr}");
    assert!(stderr.contains(&format!("ps -p {holder_pid}")), "{stderr}");
    let output = finished(holder).await;
    assert_eq!(output.status.code(), Some(0), "{}", texts(&output).1);

    let state = umapi_bulk::execute::read_journal(&run).unwrap_or_else(|error| panic!("{error}"));
    assert!(state.warnings.is_empty() && state.is_complete(), "{:?}", state.warnings);
    assert_eq!(journal_text(&run).matches("\"type\":\"resume\"").count(), 1, "the refused resume wrote nothing");
    assert_eq!(org.counter("commands_applied"), 200);
    let results = column(&read_csv(&run.join("results.csv")), "Result");
    assert_eq!(results.len(), 200);
    assert!(results.iter().all(|result| result == "Success"), "{results:?}");
    assert!(run.join(LOCK).is_file());
}

/// Polls `done` every 20 ms until it holds; fails after 30 s.
async fn poll_until(what: &str, done: impl Fn() -> bool) {
    let deadline = Instant::now() + Duration::from_secs(30);
    while !done() {
        assert!(Instant::now() < deadline, "{what} never happened");
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
}

/// Waits for a child without holding up the runtime (the simulator serves on it).
async fn finished(child: Child) -> std::process::Output {
    tokio::task::spawn_blocking(move || child.wait_with_output())
        .await
        .unwrap_or_else(|error| panic!("{error}"))
        .unwrap_or_else(|error| panic!("{error}"))
}
