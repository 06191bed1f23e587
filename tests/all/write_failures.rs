//! A full disk, for real: `apply` runs in a private mount namespace (`unshare -m`, as root, which
//! CI is) with its run folders on a size-limited tmpfs, sized from a reference run of the same file
//! so that the disk fills exactly where the test wants it: at `plan.json`, at the journal's first
//! line, or at the reports after every request was sent. The run folder is copied out before the
//! namespace (and its tmpfs) goes away, so that the test can read it and resume it.
//!
//! What must hold: a run that could not start sent nothing, says so, exits 2 and leaves no folder
//! (never a truncated plan or journal a resume would then refuse); a run whose reports could not be
//! written after sending exits 1 (never 2), says how many requests went out and how to resume, and
//! leaves no truncated report; its resume, on a disk with room, writes every report and sends
//! nothing again.

use std::path::{Path, PathBuf};
use std::process::Output;

use crate::apply_support::{Org, column, read_csv, summary, texts};

/// tmpfs counts whole pages per file (directories are free).
const PAGE: u64 = 4096;

fn pages(bytes: u64) -> u64 {
    bytes.div_ceil(PAGE)
}

/// 20 new users, each row with a 3,000-character note (an extra column is kept and carried into
/// the reports): plan.json and results.csv are large, the journal is small.
fn bulky_file() -> String {
    let mut text = String::from("Identity Type,Username,Domain,Email,First Name,Last Name,Country Code,Notes\n");
    for index in 0..20 {
        let email = format!("full{index}@example.com");
        text.push_str(&format!("Enterprise ID,{email},example.com,{email},Full,Disk{index},GB,{}\n", "n".repeat(3000)));
    }
    text
}

/// Runs `apply users.csv --op add --out-dir full/runs` with `full` a tmpfs of `size` bytes in a
/// private mount namespace; copies `full/runs` to `copied/` afterwards.
async fn apply_on_tmpfs(org: &Org, size: u64) -> (Output, PathBuf) {
    let full = org.path().join("full");
    let copied = org.path().join("copied");
    for dir in [&full, &copied] {
        std::fs::create_dir_all(dir).unwrap_or_else(|error| panic!("{error}"));
    }
    let script = r#"mount -t tmpfs -o "size=$2" umapi-bulk-test full || exit 97
"$1" apply users.csv --op add --out-dir full/runs
code=$?
cp -a full/runs copied/ 2>/dev/null
exit $code"#;
    // The binary's isolated environment (`harness::command`), around `unshare`.
    let isolated = crate::harness::command(org.path());
    let mut command = std::process::Command::new("unshare");
    command.current_dir(org.path()).env_clear().stdin(std::process::Stdio::null());
    for (key, value) in isolated.get_envs() {
        if let Some(value) = value {
            command.env(key, value);
        }
    }
    command.args(["-m", "sh", "-c", script, "sh"]).arg(crate::harness::binary()).arg(size.to_string());
    let output = tokio::task::spawn_blocking(move || command.output())
        .await
        .unwrap_or_else(|error| panic!("{error}"))
        .unwrap_or_else(|error| panic!("cannot run unshare: {error}"));
    assert_ne!(
        output.status.code(),
        Some(97),
        "this test needs a private mount namespace with a tmpfs (`unshare -m`, run as root, as CI does): {}",
        texts(&output).1
    );
    (output, copied.join("runs"))
}

/// The run folders under `dir`.
fn folders(dir: &Path) -> Vec<PathBuf> {
    std::fs::read_dir(dir)
        .map(|entries| entries.filter_map(Result::ok).map(|entry| entry.path()).collect())
        .unwrap_or_default()
}

fn size_of(path: &Path) -> u64 {
    std::fs::metadata(path).map(|metadata| metadata.len()).unwrap_or_else(|error| panic!("{}: {error}", path.display()))
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_full_disk_never_turns_sent_requests_into_exit_2_nor_leaves_a_truncated_file() {
    // The reference: the same file on a disk with room, against its own org.
    let reference = Org::demo().await;
    reference.write("users.csv", &bulky_file());
    let output = reference.run(&["apply", "users.csv", "--op", "add"]).await;
    assert_eq!(output.status.code(), Some(0), "{}", texts(&output).1);
    let run = reference.last_run();
    let plan = pages(size_of(&run.join("plan.json")));
    let journal_text = std::fs::read_to_string(run.join("journal.jsonl")).unwrap_or_default();
    let first_line = pages(journal_text.lines().next().map_or(0, |line| line.len() as u64 + 1));
    let journal = pages(journal_text.len() as u64);
    let results = pages(size_of(&run.join("results.csv")));
    assert!(results >= 10 && journal < 4, "the file is shaped so: results {results} pages, journal {journal}");
    let lock = 1;

    // 1. No room for plan.json: nothing sent, exit 2, no folder left behind.
    let org = Org::demo().await;
    org.write("users.csv", &bulky_file());
    let (output, copied) = apply_on_tmpfs(&org, (lock + plan - 1) * PAGE).await;
    let (_, stderr) = texts(&output);
    assert_eq!(output.status.code(), Some(2), "no room for the plan:\n{stderr}");
    assert!(stderr.contains("nothing was sent") && stderr.contains("was removed"), "{stderr}");
    assert!(stderr.contains("No space left on device"), "{stderr}");
    assert_eq!(org.counter("action_requests"), 0);
    assert!(folders(&copied).is_empty(), "no half-made run folder: {:?}", folders(&copied));

    // 2. Room for the plan, not for the journal's first line: the same.
    let (output, copied) = apply_on_tmpfs(&org, (lock + plan + first_line - 1) * PAGE).await;
    let (_, stderr) = texts(&output);
    assert_eq!(output.status.code(), Some(2), "no room for the journal:\n{stderr}");
    assert!(stderr.contains("nothing was sent") && stderr.contains("journal"), "{stderr}");
    assert_eq!(org.counter("action_requests"), 0);
    assert!(folders(&copied).is_empty(), "no half-made run folder: {:?}", folders(&copied));

    // 3. Room for the plan and the whole journal, not for the reports: every request went out.
    let (output, copied) = apply_on_tmpfs(&org, (lock + plan + journal + 3) * PAGE).await;
    let (_, stderr) = texts(&output);
    assert_eq!(output.status.code(), Some(1), "sent, then no room for the reports:\n{stderr}");
    assert!(stderr.contains("2 action requests of this run went out"), "{stderr}");
    assert!(stderr.contains("umapi-bulk apply --resume full/runs/"), "{stderr}");
    assert!(stderr.contains("No space left on device"), "{stderr}");
    assert_eq!(org.counter("commands_applied"), 20, "the users were created");
    let sent = org.counter("action_requests");
    let run = folders(&copied).pop().unwrap_or_else(|| panic!("the run folder is kept: {stderr}"));
    assert!(!run.join("results.csv").exists(), "a report is whole or absent, never truncated");
    let leftovers: Vec<PathBuf> =
        folders(&run).into_iter().filter(|path| path.to_string_lossy().ends_with(".tmp")).collect();
    assert!(leftovers.is_empty(), "{leftovers:?}");

    // On a disk with room, the resume writes every report from the journal and sends nothing again.
    let output = org.run(&["apply", "--resume", &run.display().to_string()]).await;
    assert_eq!(output.status.code(), Some(0), "{}", texts(&output).1);
    assert_eq!(org.counter("action_requests"), sent, "nothing was sent again");
    let results = read_csv(&run.join("results.csv"));
    assert_eq!(results.len(), 21);
    assert!(column(&results, "Result").iter().all(|kind| kind == "Success"));
    assert_eq!(summary(&run)["requests"]["action_requests"], 2);
}
