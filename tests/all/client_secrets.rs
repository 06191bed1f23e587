//! Secrets never reach output: a whole `apply --sim --verbose` run with `RUST_LOG=trace`, its
//! stdout, stderr and every file of its run folder, searched for the demo client secret and for
//! anything shaped like an access token.

use crate::harness;

fn files_under(dir: &std::path::Path) -> Vec<std::path::PathBuf> {
    let mut files = Vec::new();
    for entry in std::fs::read_dir(dir).into_iter().flatten().flatten() {
        let path = entry.path();
        if path.is_dir() {
            files.extend(files_under(&path));
        } else {
            files.push(path);
        }
    }
    files
}

fn assert_clean(what: &str, text: &str) {
    assert!(!text.contains("demo-secret"), "the client secret leaked into {what}");
    let bytes = text.as_bytes();
    for start in 0..bytes.len().saturating_sub(66) {
        if &bytes[start..start + 2] == b"ey" && bytes[start + 2..start + 66].iter().all(u8::is_ascii_hexdigit) {
            panic!("an access token leaked into {what}");
        }
    }
}

#[test]
fn a_verbose_traced_run_shows_no_secret_anywhere() {
    let dir = harness::temp_dir();
    let output = harness::umapi_bulk(dir.path())
        .env("RUST_LOG", "trace")
        .args(["apply", "--op", "add", "--sim", "--verbose"])
        .arg(harness::sample("bulk-add.csv"))
        .output()
        .unwrap_or_else(|error| panic!("cannot run umapi-bulk: {error}"));
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert_eq!(output.status.code(), Some(0), "{stderr}");
    assert_clean("stdout", &String::from_utf8_lossy(&output.stdout));
    assert_clean("stderr", &stderr);
    let files = files_under(&dir.path().join("runs"));
    assert!(files.iter().any(|file| file.ends_with("journal.jsonl")), "{files:?}");
    for file in files {
        let text = String::from_utf8_lossy(&std::fs::read(&file).unwrap_or_default()).to_string();
        assert_clean(&file.display().to_string(), &text);
    }
}
