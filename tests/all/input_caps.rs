//! Input that would otherwise grow without end, through the binary: devices, FIFOs and pipes are read
//! only up to the 10 MB cap + 1 byte (E001), for `check` and for `apply`/`plan` (which share the
//! reader); a header is refused past 1,000 columns (E014); and diagnostics are kept and printed up
//! to their caps, the rest counted per code.

use std::path::Path;

use umapi_bulk::model::Operation;
use umapi_bulk::validation::{CheckOptions, Code, MAX_COLUMNS, MAX_KEPT, MAX_PER_LINE, MAX_PRINTED, check_bytes};

use crate::harness::{sample, temp_dir, umapi_bulk};

fn run_in(dir: &Path, args: &[&str]) -> (Option<i32>, String, String) {
    let output = umapi_bulk(dir).args(args).output().unwrap_or_else(|error| panic!("{error}"));
    (
        output.status.code(),
        String::from_utf8_lossy(&output.stdout).into_owned(),
        String::from_utf8_lossy(&output.stderr).into_owned(),
    )
}

fn assert_refused_at_the_cap(what: &str, (code, stdout, stderr): &(Option<i32>, String, String)) {
    assert_eq!(*code, Some(1), "{what}: {stderr}");
    assert!(stderr.contains("error[E001]"), "{what}: {stderr}");
    assert!(stderr.contains("more than 10 MB (reading stopped after 10485761 bytes)"), "{what}: {stderr}");
    assert!(stdout.is_empty(), "{what}: {stdout}");
}

#[cfg(unix)]
#[test]
fn endless_devices_are_refused_at_the_cap() {
    let dir = temp_dir();
    let config = sample("umapi-bulk.toml").display().to_string();
    for device in ["/dev/zero", "/dev/urandom"] {
        if !Path::new(device).exists() {
            continue;
        }
        let result = run_in(dir.path(), &["--config", &config, "check", device, "--op", "add"]);
        assert_refused_at_the_cap(device, &result);
        // plan (and apply) read through the same reader: exit 2, the input is invalid, nothing sent.
        for command in ["plan", "apply"] {
            let result = run_in(dir.path(), &["--config", &config, command, device, "--op", "add", "--sim"]);
            assert_eq!(result.0, Some(2), "{command} {device}: {}", result.2);
            assert!(result.2.contains("error[E001]"), "{command} {device}: {}", result.2);
        }
        assert!(!dir.path().join("runs").exists(), "no run folder for input refused before planning");
    }
}

/// A FIFO fed by a writer that never stops: `check` reads 10 MB + 1 byte and refuses; the writer
/// then sees its reader gone.
#[cfg(unix)]
#[test]
fn an_endless_fifo_is_refused_at_the_cap() {
    let dir = temp_dir();
    let fifo = dir.path().join("endless.csv");
    let made = std::process::Command::new("mkfifo").arg(&fifo).status();
    if !made.is_ok_and(|status| status.success()) {
        eprintln!("mkfifo is not available; skipped");
        return;
    }
    let writer_path = fifo.clone();
    let writer = std::thread::spawn(move || {
        use std::io::Write as _;
        // Blocks until `check` opens the FIFO; ends when `check` closes it (EPIPE: Rust ignores
        // SIGPIPE, so the write fails instead of killing the test).
        let Ok(mut file) = std::fs::OpenOptions::new().write(true).open(&writer_path) else { return 0_u64 };
        let header = b"Identity Type,Username,Domain,Email,First Name,Last Name,Country Code\n";
        let _ = file.write_all(header);
        let row = b"Adobe ID,a@example.com,,a@example.com,A,B,GB\n".repeat(1000);
        // Bytes offered to the reader: the header and every chunk, the last one (which the reader
        // may have read only in part before closing) included.
        let mut offered = header.len() as u64;
        loop {
            offered += row.len() as u64;
            if file.write_all(&row).is_err() {
                break;
            }
        }
        offered
    });
    let config = sample("umapi-bulk.toml").display().to_string();
    let fifo_text = fifo.display().to_string();
    let result = run_in(dir.path(), &["--config", &config, "check", &fifo_text, "--op", "add"]);
    assert_refused_at_the_cap("FIFO", &result);
    let offered = writer.join().unwrap_or_else(|_| panic!("the writer panicked"));
    assert!(offered > 10_485_760, "the writer stopped after offering {offered} bytes: check read less than the cap");
}

/// A pipe as the file (`/dev/stdin` fed by this test): the same cap.
#[cfg(target_os = "linux")]
#[test]
fn an_endless_pipe_is_refused_at_the_cap() {
    use std::io::Write as _;
    use std::process::Stdio;

    let dir = temp_dir();
    let config = sample("umapi-bulk.toml").display().to_string();
    let mut child = std::process::Command::new(env!("CARGO_BIN_EXE_umapi-bulk"))
        .args(["--config", &config, "check", "/dev/stdin", "--op", "add"])
        .current_dir(dir.path())
        .env_clear()
        .env("NO_COLOR", "1")
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap_or_else(|error| panic!("cannot start umapi-bulk: {error}"));
    let mut stdin = child.stdin.take().unwrap_or_else(|| panic!("no stdin"));
    let writer = std::thread::spawn(move || {
        let chunk = b"Email\r\nx@example.com\r\n".repeat(4096);
        while stdin.write_all(&chunk).is_ok() {}
    });
    let output = child.wait_with_output().unwrap_or_else(|error| panic!("{error}"));
    let _ = writer.join();
    let result = (
        output.status.code(),
        String::from_utf8_lossy(&output.stdout).into_owned(),
        String::from_utf8_lossy(&output.stderr).into_owned(),
    );
    assert_refused_at_the_cap("pipe", &result);
}

const USER_HEADER: &str = "Identity Type,Username,Domain,Email,First Name,Last Name,Country Code";

fn write(dir: &Path, name: &str, text: &str) -> String {
    let path = dir.join(name);
    std::fs::write(&path, text).unwrap_or_else(|error| panic!("{error}"));
    path.display().to_string()
}

fn json_report(dir: &Path, config: &str, file: &str) -> serde_json::Value {
    let (code, stdout, stderr) = run_in(dir, &["--config", config, "check", file, "--op", "add", "--format", "json"]);
    assert!(code == Some(0) || code == Some(1), "{stderr}");
    serde_json::from_str(&stdout).unwrap_or_else(|error| panic!("{error}: {stdout}"))
}

#[test]
fn a_header_of_a_million_columns_is_refused_with_one_error() {
    let dir = temp_dir();
    let config = sample("umapi-bulk.toml").display().to_string();
    let mut text = String::from(USER_HEADER);
    for column in 7..1_000_000 {
        text.push_str(&format!(",x{column}"));
    }
    text.push_str("\nEnterprise ID,a@example.com,example.com,a@example.com,A,B,GB\n");
    let file = write(dir.path(), "wide.csv", &text);
    let (code, stdout, stderr) = run_in(dir.path(), &["--config", &config, "check", &file, "--op", "add"]);
    assert_eq!(code, Some(1), "{stderr}");
    assert!(stdout.is_empty());
    assert!(
        stderr.starts_with("error[E014]: line 1: the header has 1000000 columns; at most 1000 are read"),
        "{stderr}"
    );
    assert!(stderr.len() < 1_000, "one error, not a warning per column: {} bytes", stderr.len());
    let report = json_report(dir.path(), &config, &file);
    assert_eq!(report["diagnostics"].as_array().map(Vec::len), Some(1));
    assert_eq!(report["truncated"], false);
    for command in ["plan", "apply"] {
        let (code, _, stderr) = run_in(dir.path(), &["--config", &config, command, &file, "--op", "add", "--sim"]);
        assert_eq!(code, Some(2), "{command}: {stderr}");
        assert!(stderr.contains("error[E014]") && stderr.len() < 2_000, "{command}: {stderr}");
    }
    // At the cap itself the header is read (and its unknown columns are warnings, as always).
    let columns: Vec<String> = (7..MAX_COLUMNS).map(|column| format!("x{column}")).collect();
    let text = format!(
        "{USER_HEADER},{}\nEnterprise ID,a@example.com,example.com,a@example.com,A,B,GB{}\n",
        columns.join(","),
        ",".repeat(columns.len())
    );
    let file = write(dir.path(), "at-cap.csv", &text);
    let report = json_report(dir.path(), &config, &file);
    assert_eq!(report["errors"], 0, "{report}");
    assert_eq!(report["warnings"].as_u64(), Some((MAX_COLUMNS - 7) as u64));
}

#[test]
fn a_million_names_in_one_cell_give_bounded_output_with_exact_counts() {
    let dir = temp_dir();
    let config = sample("umapi-bulk.toml").display().to_string();
    let names = vec!["Designers"; 1_000_000].join(",");
    let text = format!(
        "{USER_HEADER},User Groups\nEnterprise ID,a@example.com,example.com,a@example.com,A,B,GB,\"{names}\"\n"
    );
    let file = write(dir.path(), "names.csv", &text);
    let (code, stdout, stderr) = run_in(dir.path(), &["--config", &config, "check", &file, "--op", "add"]);
    assert_eq!(code, Some(0), "{stderr}");
    assert!(stdout.is_empty());
    assert_eq!(stderr.matches("warning[W002]").count(), MAX_PER_LINE, "{stderr}");
    let rest = 999_999 - MAX_PER_LINE;
    assert!(stderr.contains(&format!("note: {rest} more diagnostics not shown (W002: {rest})")), "{stderr}");
    assert!(stderr.contains("(0 errors, 999999 warnings)"), "{stderr}");
    assert!(stderr.len() < 10_000, "{} bytes", stderr.len());
    let report = json_report(dir.path(), &config, &file);
    assert_eq!(report["warnings"].as_u64(), Some(999_999));
    assert_eq!(report["diagnostics"].as_array().map(Vec::len), Some(MAX_PER_LINE));
    assert_eq!(report["truncated"], true);
    assert_eq!(report["not_shown"]["W002"].as_u64(), Some(rest as u64));
}

#[test]
fn at_most_a_thousand_diagnostics_are_printed_and_the_rest_counted() {
    let dir = temp_dir();
    let config = sample("umapi-bulk.toml").display().to_string();
    let mut text = format!("{USER_HEADER}\n");
    for row in 0..3_000 {
        text.push_str(&format!("Enterprise ID,u{row}@example.com,example.com,u{row}@example.com,A,B,UK\n"));
    }
    let file = write(dir.path(), "countries.csv", &text);
    let (code, _, stderr) = run_in(dir.path(), &["--config", &config, "check", &file, "--op", "add"]);
    assert_eq!(code, Some(1));
    assert_eq!(stderr.matches("error[E012]").count(), MAX_PRINTED, "{stderr}");
    assert!(stderr.contains("note: 2000 more diagnostics not shown (E012: 2000)"), "{stderr}");
    assert!(stderr.contains("3000 invalid (3000 errors, 0 warnings)"), "{stderr}");
    let (_, _, quiet) = run_in(dir.path(), &["--config", &config, "--quiet", "check", &file, "--op", "add"]);
    assert_eq!(quiet.matches("error[E012]").count(), MAX_PRINTED, "{quiet}");
    assert!(quiet.contains("note: 2000 more diagnostics not shown (E012: 2000)"), "{quiet}");
    let report = json_report(dir.path(), &config, &file);
    assert_eq!(report["errors"].as_u64(), Some(3_000));
    assert_eq!(report["diagnostics"].as_array().map(Vec::len), Some(MAX_PRINTED));
    assert_eq!((report["truncated"].as_bool(), report["not_shown"]["E012"].as_u64()), (Some(true), Some(2_000)));
}

/// Past the in-memory caps every invalid row still knows its first error (results.csv quotes it).
#[test]
fn every_invalid_row_keeps_its_first_error_past_the_caps() {
    let mut text = format!("{USER_HEADER},User Groups\n");
    let repeats = vec!["Designers"; MAX_PER_LINE + 5].join(",");
    for row in 0..2_000 {
        text.push_str(&format!(
            "Enterprise ID,u{row}@example.com,example.com,u{row}@example.com,A,B,{},\"{repeats}\"\n",
            if row % 2 == 0 { "GB" } else { "UK" }
        ));
    }
    let options = CheckOptions { operation: Operation::Add, claimed_domains: Vec::new() };
    let checked = check_bytes("flood.csv", text.as_bytes(), &options);
    assert!(checked.diagnostics.len() <= MAX_KEPT + 2_000, "{} kept", checked.diagnostics.len());
    assert!(!checked.omitted.is_empty());
    assert_eq!(checked.counts(), (1_000, 2_000 * (MAX_PER_LINE + 4)));
    assert_eq!(checked.valid_rows(), 1_000);
    for record in checked.records.iter().skip(1).step_by(2) {
        let error = checked.first_error_for_line(record.line);
        assert_eq!(error.map(|error| error.code), Some(Code::CountryInvalid), "line {}", record.line);
    }
}
