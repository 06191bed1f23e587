//! Input that would otherwise grow without end, through the binary: devices, FIFOs and pipes are read
//! only up to the 10 MB cap + 1 byte (E001), for `check` and for `apply`/`plan` (which share the
//! reader).

use std::path::Path;

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
        let _ = file.write_all(b"Identity Type,Username,Domain,Email,First Name,Last Name,Country Code\n");
        let row = b"Adobe ID,a@example.com,,a@example.com,A,B,GB\n".repeat(1000);
        let mut written = 0_u64;
        while file.write_all(&row).is_ok() {
            written += row.len() as u64;
        }
        written
    });
    let config = sample("umapi-bulk.toml").display().to_string();
    let fifo_text = fifo.display().to_string();
    let result = run_in(dir.path(), &["--config", &config, "check", &fifo_text, "--op", "add"]);
    assert_refused_at_the_cap("FIFO", &result);
    let written = writer.join().unwrap_or_else(|_| panic!("the writer panicked"));
    assert!(written >= 10_485_760, "the writer stopped after {written} bytes");
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
