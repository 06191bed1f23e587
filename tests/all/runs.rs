//! `runs list|show|prune` over fabricated run folders.

use std::path::Path;

use crate::harness::{temp_dir, umapi_bulk};

fn fake_run(out_dir: &Path, name: &str, status: &str) {
    let folder = out_dir.join(name);
    std::fs::create_dir_all(&folder).unwrap_or_else(|error| panic!("{error}"));
    let summary = serde_json::json!({
        "tool": "umapi-bulk", "version": "0.1.0", "operation": "add", "file": "users.csv",
        "test_mode": false, "simulator": true, "started_at": "2020-01-01T00:00:00Z",
        "finished_at": "2020-01-01T00:01:00Z", "wall_time_secs": 60.0, "status": status, "rows": 3,
        "results": {"Success": 2, "Failed": 1, "Invalid": 0, "Skipped": 0, "Not Attempted": 0},
        "requests": {"action_requests": 1, "action_attempts": 2, "read_requests": 3, "retries": 1,
                     "throttled": 1, "waited_ms": 1500},
        "deficit": {}, "exit_code": 1, "config": {}
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
    let output = umapi_bulk(dir.path())
        .args(["runs", "prune", "--older-than", "90d"])
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
