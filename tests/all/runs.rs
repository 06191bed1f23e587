//! `runs list|show|prune` over fabricated run folders, and `apply --resume` by run name.

use std::path::Path;

use crate::harness::{temp_dir, umapi_bulk};

fn fake_run(out_dir: &Path, name: &str, status: &str) {
    fake_run_of(out_dir, name, status, "DEMO0000000000000000000@AdobeOrg", true, false);
}

fn fake_run_of(out_dir: &Path, name: &str, status: &str, org: &str, simulator: bool, test_mode: bool) {
    let folder = out_dir.join(name);
    std::fs::create_dir_all(&folder).unwrap_or_else(|error| panic!("{error}"));
    let summary = serde_json::json!({
        "tool": "umapi-bulk", "version": "0.1.0", "operation": "add", "file": "users.csv",
        "test_mode": test_mode, "simulator": simulator, "started_at": "2020-01-01T00:00:00Z",
        "finished_at": "2020-01-01T00:01:00Z", "wall_time_secs": 60.0, "status": status, "rows": 3,
        "results": {"Success": 2, "Failed": 1, "Invalid": 0, "Skipped": 0, "Not Attempted": 0},
        "requests": {"action_requests": 1, "action_attempts": 2, "read_requests": 3, "retries": 1,
                     "throttled": 1, "waited_ms": 1500},
        "deficit": {}, "exit_code": 1, "config": {"org_id": org}
    });
    std::fs::write(folder.join("summary.json"), summary.to_string()).unwrap_or_else(|error| panic!("{error}"));
    std::fs::write(folder.join("results.csv"), "x").unwrap_or_else(|error| panic!("{error}"));
}

#[test]
fn runs_list_shows_newest_first_with_counts() {
    let dir = temp_dir();
    let runs = dir.path().join("runs");
    fake_run(&runs, "20200101T000000Z-add-old", "finished");
    fake_run(&runs, "20261101T120000Z-add-new", "parked");
    std::fs::create_dir_all(runs.join("notes")).unwrap_or_else(|error| panic!("{error}"));
    let output = umapi_bulk(dir.path()).args(["runs", "list"]).output().unwrap_or_else(|error| panic!("{error}"));
    assert!(output.status.success());
    let text = String::from_utf8_lossy(&output.stdout);
    let new_at = text.find("20261101T120000Z-add-new").unwrap_or(usize::MAX);
    let old_at = text.find("20200101T000000Z-add-old").unwrap_or(usize::MAX);
    assert!(new_at < old_at, "newest first:\n{text}");
    assert!(text.contains("parked"));
    assert!(!text.contains("notes"), "non-run folders are not listed:\n{text}");
}

#[test]
fn runs_list_and_show_name_the_org_and_whether_it_was_the_simulator_or_test_mode() {
    let dir = temp_dir();
    let runs = dir.path().join("runs");
    let real = "0123456789ABCDEF01234567@AdobeOrg";
    fake_run_of(&runs, "20261101T120000Z-add-live", "finished", real, false, false);
    fake_run_of(&runs, "20261102T120000Z-add-rehearsal", "finished", real, false, true);
    fake_run_of(&runs, "20261103T120000Z-add-demo", "finished", "DEMO0000000000000000000@AdobeOrg", true, false);
    fake_run_of(&runs, "20261104T120000Z-add-demo-test", "finished", "DEMO0000000000000000000@AdobeOrg", true, true);
    let output = umapi_bulk(dir.path()).args(["runs", "list"]).output().unwrap_or_else(|error| panic!("{error}"));
    assert!(output.status.success());
    let text = String::from_utf8_lossy(&output.stdout).to_string();
    let line = |name: &str| text.lines().find(|line| line.starts_with(name)).unwrap_or_default().to_string();
    let header = text.lines().next().unwrap_or_default();
    assert!(header.contains("MODE") && header.contains("ORG"), "{text}");
    let cells = |name: &str| line(name).split_whitespace().map(str::to_string).collect::<Vec<_>>();
    assert!(cells("20261101T120000Z-add-live").ends_with(&["live".into(), "finished".into(), real.into()]), "{text}");
    assert!(cells("20261102T120000Z-add-rehearsal").ends_with(&["test".into(), "finished".into(), real.into()]));
    assert!(
        line("20261103T120000Z-add-demo ").contains(" sim ") && line("20261103T120000Z-add-demo ").contains("DEMO")
    );
    assert!(line("20261104T120000Z-add-demo-test").contains(" sim+test "), "{text}");
    assert!(text.contains("test = UMAPI's test mode (nothing changed)"), "the legend: {text}");

    let shown = umapi_bulk(dir.path())
        .args(["runs", "show", "20261102T120000Z-add-rehearsal"])
        .output()
        .unwrap_or_else(|error| panic!("{error}"));
    let text = String::from_utf8_lossy(&shown.stdout);
    assert!(text.contains(&format!("org: {real}")) && text.contains("test mode: yes"), "{text}");
}

#[test]
fn runs_show_names_every_report_and_how_to_resume() {
    let dir = temp_dir();
    let runs = dir.path().join("runs");
    fake_run(&runs, "20261101T120000Z-add-new", "parked");
    std::fs::write(runs.join("20261101T120000Z-add-new/journal.jsonl"), "").unwrap_or_else(|error| panic!("{error}"));
    let output = umapi_bulk(dir.path())
        .args(["runs", "show", "20261101T120000Z-add-new"])
        .output()
        .unwrap_or_else(|error| panic!("{error}"));
    assert!(output.status.success());
    let text = String::from_utf8_lossy(&output.stdout);
    assert!(text.contains("results.csv") && text.contains("summary.json"), "{text}");
    assert!(text.contains("resume with: umapi-bulk apply --resume"), "{text}");
    let missing =
        umapi_bulk(dir.path()).args(["runs", "show", "nope"]).output().unwrap_or_else(|error| panic!("{error}"));
    assert_eq!(missing.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&missing.stderr).contains("hint:"));
}

#[test]
fn runs_prune_deletes_only_old_run_folders() {
    let dir = temp_dir();
    let runs = dir.path().join("runs");
    fake_run(&runs, "20200101T000000Z-add-old", "finished");
    fake_run(&runs, "29990101T000000Z-add-future", "finished");
    std::fs::create_dir_all(runs.join("20000101T000000Z-not-a-run")).unwrap_or_else(|error| panic!("{error}"));
    let dry = umapi_bulk(dir.path())
        .args(["runs", "prune", "--older-than", "90d", "--dry-run"])
        .output()
        .unwrap_or_else(|error| panic!("{error}"));
    assert!(dry.status.success());
    assert!(runs.join("20200101T000000Z-add-old").exists());
    let dry_text = String::from_utf8_lossy(&dry.stdout);
    assert!(dry_text.contains("would delete") && dry_text.contains("20200101T000000Z-add-old"), "{dry_text}");
    assert!(!dry_text.contains("future"), "{dry_text}");
    // Without a terminal to ask, and without --yes: refused, nothing deleted.
    let unasked = umapi_bulk(dir.path())
        .args(["runs", "prune", "--older-than", "90d"])
        .output()
        .unwrap_or_else(|error| panic!("{error}"));
    let stderr = String::from_utf8_lossy(&unasked.stderr);
    assert_eq!(unasked.status.code(), Some(2), "{stderr}");
    assert!(stderr.contains("would delete 1 run folder") && stderr.contains("nothing was deleted"), "{stderr}");
    assert!(stderr.contains("--dry-run") && stderr.contains("--yes"), "{stderr}");
    assert!(runs.join("20200101T000000Z-add-old").exists());
    let output = umapi_bulk(dir.path())
        .args(["runs", "prune", "--older-than", "90d", "--yes"])
        .output()
        .unwrap_or_else(|error| panic!("{error}"));
    assert!(output.status.success());
    assert!(!runs.join("20200101T000000Z-add-old").exists());
    assert!(runs.join("29990101T000000Z-add-future").exists());
    assert!(runs.join("20000101T000000Z-not-a-run").exists(), "folders without run files are never deleted");
    let bad = umapi_bulk(dir.path())
        .args(["runs", "prune", "--older-than", "soon"])
        .output()
        .unwrap_or_else(|error| panic!("{error}"));
    assert_eq!(bad.status.code(), Some(2));
}

#[test]
fn an_age_without_a_unit_deletes_nothing_and_says_how_to_write_it() {
    // `--older-than 90` once meant 90 seconds and deleted every run of the day, undo.csv included.
    let dir = temp_dir();
    let runs = dir.path().join("runs");
    let today = time::OffsetDateTime::now_utc() - time::Duration::hours(1);
    let name = format!(
        "{}-edit-users",
        today
            .format(&time::macros::format_description!("[year][month][day]T[hour][minute][second]Z"))
            .unwrap_or_default()
    );
    fake_run(&runs, &name, "finished");
    std::fs::write(runs.join(&name).join("undo.csv"), "x").unwrap_or_else(|error| panic!("{error}"));
    let output = umapi_bulk(dir.path())
        .args(["runs", "prune", "--older-than", "90", "--yes"])
        .output()
        .unwrap_or_else(|error| panic!("{error}"));
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert_eq!(output.status.code(), Some(2), "{stderr}");
    assert!(
        stderr.contains("--older-than 90 has no unit") && stderr.contains("hint: write 90d for 90 days"),
        "{stderr}"
    );
    assert!(runs.join(&name).join("undo.csv").exists());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn apply_resume_takes_a_run_name_as_runs_show_does() {
    let org = crate::apply_support::Org::demo().await;
    let file = org.write("few.csv", &crate::apply_support::enterprise_add_file("few", 3, None));
    let output = org.run(&["apply", &file.display().to_string(), "--op", "add"]).await;
    assert_eq!(output.status.code(), Some(0), "{}", crate::apply_support::texts(&output).1);
    let run = org.last_run();
    let name = run.file_name().map(|name| name.to_string_lossy().to_string()).unwrap_or_default();
    // The name alone, as `runs list` shows it, is found under --out-dir (default runs/).
    let resumed = org.run(&["apply", "--resume", &name]).await;
    let (_, stderr) = crate::apply_support::texts(&resumed);
    assert_eq!(resumed.status.code(), Some(0), "{stderr}");
    assert!(stderr.contains("every request was already answered"), "{stderr}");
    assert_eq!(org.counter("commands_applied"), 3, "nothing was sent again");
    let unknown = org.run(&["apply", "--resume", "20200101T000000Z-add-nope"]).await;
    let (_, stderr) = crate::apply_support::texts(&unknown);
    assert_eq!(unknown.status.code(), Some(2), "{stderr}");
    assert!(stderr.contains("no run folder 20200101T000000Z-add-nope") && stderr.contains("runs list"), "{stderr}");
}
