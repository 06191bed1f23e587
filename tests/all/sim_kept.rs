//! A simulated org across commands, as a newcomer tries the tool (docs/try-it.md): `--sim` alone is
//! a fresh demo org for one command and says so first; `--sim --sim-state FILE` loads FILE (the demo
//! org when it does not exist), saves the org back when the command ends (also after Ctrl-C) and
//! leaves an unchanged FILE alone; a FILE in use by another command is refused; and a running
//! `umapi-bulk sim` named in the configuration keeps its org across commands.

use std::io::{BufRead, BufReader};
use std::path::Path;
use std::process::{Child, Stdio};
use std::time::Duration;

use crate::apply_support::{column, enterprise_add_file, read_csv, summary, texts};
use crate::harness::{self, poll, sample, temp_dir, umapi_bulk};

fn run(dir: &Path, args: &[&str]) -> std::process::Output {
    umapi_bulk(dir).args(args).output().unwrap_or_else(|error| panic!("cannot run umapi-bulk: {error}"))
}

fn first_line(text: &str) -> &str {
    text.lines().next().unwrap_or_default()
}

/// The emails of an exported user CSV.
fn exported_emails(path: &Path) -> Vec<String> {
    column(&read_csv(path), "Email")
}

fn users_in_state_file(path: &Path) -> usize {
    let text = std::fs::read_to_string(path).unwrap_or_else(|error| panic!("{}: {error}", path.display()));
    let state: serde_json::Value = serde_json::from_str(&text).unwrap_or_else(|error| panic!("{error}"));
    state["users"].as_array().map_or(0, Vec::len)
}

#[test]
fn sim_alone_is_a_fresh_demo_org_and_says_so_first() {
    let dir = temp_dir();
    let add = sample("bulk-add.csv").display().to_string();
    let applied = run(dir.path(), &["apply", &add, "--op", "add", "--sim"]);
    let (_, stderr) = texts(&applied);
    assert_eq!(applied.status.code(), Some(0), "{stderr}");
    let line = first_line(&stderr);
    assert!(line.starts_with("using the built-in UMAPI simulator"), "{stderr}");
    assert!(line.contains("fresh demo org") && line.contains("this command only"), "{line}");
    assert!(line.contains("--sim-state"), "the first line says how to keep the changes: {line}");

    let exported = run(dir.path(), &["export", "users", "-o", "users.csv", "--sim"]);
    assert_eq!(exported.status.code(), Some(0), "{}", texts(&exported).1);
    let emails = exported_emails(&dir.path().join("users.csv"));
    assert_eq!(emails.len(), 20, "the demo org again, without the added users");
}

#[test]
fn a_sim_state_file_keeps_the_org_across_commands() {
    let dir = temp_dir();
    let add = sample("bulk-add.csv").display().to_string();
    let applied = run(dir.path(), &["apply", &add, "--op", "add", "--sim", "--sim-state", "org.json"]);
    let (_, stderr) = texts(&applied);
    assert_eq!(applied.status.code(), Some(0), "{stderr}");
    assert!(first_line(&stderr).contains("saved to org.json when this command ends"), "{stderr}");
    assert!(stderr.contains("saved the simulated org (70 users) to org.json"), "{stderr}");
    assert_eq!(users_in_state_file(&dir.path().join("org.json")), 70);

    let exported = run(dir.path(), &["export", "users", "-o", "users.csv", "--sim", "--sim-state", "org.json"]);
    let (_, stderr) = texts(&exported);
    assert_eq!(exported.status.code(), Some(0), "{stderr}");
    assert!(first_line(&stderr).contains("the org kept in org.json"), "{stderr}");
    let emails = exported_emails(&dir.path().join("users.csv"));
    let added = column(&read_csv(&sample("bulk-add.csv")), "Email");
    assert_eq!(emails.len(), 70);
    for email in &added {
        assert!(emails.iter().any(|exported| exported.eq_ignore_ascii_case(email)), "{email} was not kept");
    }

    // Applying the same file again changes nothing: every user exists. The file is left alone.
    let before = std::fs::read(dir.path().join("org.json")).unwrap_or_default();
    let again = run(dir.path(), &["apply", &add, "--op", "add", "--sim", "--sim-state", "org.json"]);
    let (_, stderr) = texts(&again);
    assert_eq!(again.status.code(), Some(0), "{stderr}");
    assert!(!stderr.contains("saved the simulated org"), "{stderr}");
    assert_eq!(std::fs::read(dir.path().join("org.json")).unwrap_or_default(), before);
}

#[test]
fn a_sim_state_file_in_use_or_unreadable_is_refused_with_a_hint() {
    let dir = temp_dir();
    let state = dir.path().join("org.json");
    std::fs::copy(sample("org.json"), &state).unwrap_or_else(|error| panic!("{error}"));
    let add = sample("bulk-add.csv").display().to_string();
    {
        let held = std::fs::File::open(&state).unwrap_or_else(|error| panic!("{error}"));
        assert!(fs4::fs_std::FileExt::try_lock_exclusive(&held).unwrap_or(false), "the test cannot lock the file");
        let refused = run(dir.path(), &["apply", &add, "--op", "add", "--sim", "--sim-state", "org.json"]);
        let (_, stderr) = texts(&refused);
        assert_eq!(refused.status.code(), Some(2), "{stderr}");
        assert!(stderr.contains("in use by another umapi-bulk command") && stderr.contains("hint:"), "{stderr}");
    }
    std::fs::write(&state, "{\"org_id\": ").unwrap_or_else(|error| panic!("{error}"));
    let broken = run(dir.path(), &["plan", &add, "--op", "add", "--sim", "--sim-state", "org.json"]);
    let (_, stderr) = texts(&broken);
    assert_eq!(broken.status.code(), Some(2), "{stderr}");
    assert!(stderr.contains("cannot use the simulated org kept in org.json"), "{stderr}");
    assert!(stderr.contains("delete it to start again from the demo org"), "{stderr}");
    assert_eq!(std::fs::read_to_string(&state).unwrap_or_default(), "{\"org_id\": ", "a broken file is not replaced");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn ctrl_c_saves_what_the_simulated_org_received() {
    // 120 rows are 12 requests; the demo limits send 10 in the first minute, then wait. Ctrl-C while
    // the run waits: the run ends through its normal path and the org keeps the 100 users it got.
    let dir = temp_dir();
    std::fs::write(dir.path().join("many.csv"), enterprise_add_file("kept", 120, None))
        .unwrap_or_else(|error| panic!("{error}"));
    let mut command = harness::command(dir.path());
    command
        .args(["apply", "many.csv", "--op", "add", "--sim", "--sim-state", "org.json"])
        .stdout(Stdio::piped())
        .stderr(Stdio::piped());
    let child = command.spawn().unwrap_or_else(|error| panic!("cannot start umapi-bulk: {error}"));
    let runs = dir.path().join("runs");
    poll(Duration::from_secs(60), || {
        let answered = std::fs::read_dir(&runs)
            .ok()
            .and_then(|mut entries| entries.next())
            .and_then(|entry| entry.ok())
            .and_then(|entry| std::fs::read_to_string(entry.path().join("journal.jsonl")).ok())
            .map_or(0, |journal| journal.matches("\"type\":\"outcome\"").count());
        async move { (answered >= 10).then_some(()) }
    })
    .await;
    let signal = std::process::Command::new("kill").args(["-INT", &child.id().to_string()]).status();
    assert!(signal.is_ok_and(|status| status.success()), "kill -INT failed");
    let output = tokio::task::spawn_blocking(move || child.wait_with_output())
        .await
        .unwrap_or_else(|error| panic!("{error}"))
        .unwrap_or_else(|error| panic!("{error}"));
    let (_, stderr) = texts(&output);
    assert_eq!(output.status.code(), Some(130), "{stderr}");
    assert!(stderr.contains("saved the simulated org (120 users) to org.json"), "{stderr}");
    assert_eq!(users_in_state_file(&dir.path().join("org.json")), 120, "20 demo users and the 100 sent");
}

/// A child process killed when the test ends.
struct Running(Child);

impl Drop for Running {
    fn drop(&mut self) {
        if self.0.try_wait().ok().flatten().is_none() {
            let _ = self.0.kill();
            let _ = self.0.wait();
        }
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_running_sim_named_in_the_configuration_keeps_its_org_across_commands() {
    // docs/try-it.md: `umapi-bulk sim --listen ...` in one terminal, umapi-bulk.toml pointing at it.
    let dir = temp_dir();
    let mut command = harness::command(dir.path());
    command.args(["sim", "--listen", "127.0.0.1:0"]).stdout(Stdio::piped()).stderr(Stdio::null());
    let mut running = Running(command.spawn().unwrap_or_else(|error| panic!("cannot start umapi-bulk sim: {error}")));
    let stdout = running.0.stdout.take().unwrap_or_else(|| panic!("no stdout"));
    let line = tokio::task::spawn_blocking(move || {
        let mut line = String::new();
        BufReader::new(stdout).read_line(&mut line).map(|_| line)
    })
    .await
    .unwrap_or_else(|error| panic!("{error}"))
    .unwrap_or_default();
    let base = line.trim().strip_prefix("listening on ").unwrap_or_else(|| panic!("{line:?}")).to_string();
    std::fs::write(
        dir.path().join("umapi-bulk.toml"),
        format!(
            "org_id = \"DEMO0000000000000000000@AdobeOrg\"\nclient_id = \"demo-client\"\n\
             client_secret = \"demo-secret\"\nims_url = \"{base}\"\numapi_url = \"{base}/v2/usermanagement\"\n"
        ),
    )
    .unwrap_or_else(|error| panic!("{error}"));
    let add = sample("bulk-add.csv").display().to_string();
    let dir_path = dir.path().to_path_buf();
    let (applied, exported) = tokio::task::spawn_blocking(move || {
        let applied = run(&dir_path, &["apply", &add, "--op", "add"]);
        let exported = run(&dir_path, &["export", "users", "-o", "users.csv"]);
        (applied, exported)
    })
    .await
    .unwrap_or_else(|error| panic!("{error}"));
    assert_eq!(applied.status.code(), Some(0), "{}", texts(&applied).1);
    assert_eq!(exported.status.code(), Some(0), "{}", texts(&exported).1);
    let run_dir = std::fs::read_dir(dir.path().join("runs"))
        .ok()
        .and_then(|mut entries| entries.next())
        .and_then(|entry| entry.ok())
        .map(|entry| entry.path())
        .unwrap_or_else(|| panic!("no run folder"));
    assert_eq!(summary(&run_dir)["simulator"], false, "a configured org, as far as the tool knows");
    let emails = exported_emails(&dir.path().join("users.csv"));
    assert_eq!(emails.len(), 70, "the 50 added users are still there for the next command");
}
