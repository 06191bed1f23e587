//! `init` (flags without a terminal, the org id checked, no secret unless asked, no overwrite
//! without --force), `secret set|delete` (the kernel keyring where this machine has a session
//! keyring for the process), `client_secret_command` for real with a tiny script, and the
//! completion scripts and the man page generated from the clap definitions.

use crate::harness;

fn run(dir: &std::path::Path, args: &[&str]) -> (Option<i32>, String, String) {
    let output = harness::umapi_bulk(dir).args(args).output().unwrap_or_else(|error| panic!("{error}"));
    (
        output.status.code(),
        String::from_utf8_lossy(&output.stdout).to_string(),
        String::from_utf8_lossy(&output.stderr).to_string(),
    )
}

const ORG: &str = "0123456789ABCDEF01234567@AdobeOrg";

#[test]
fn init_writes_the_file_from_flags_without_the_secret() {
    let dir = harness::temp_dir();
    let (code, _, stderr) = run(dir.path(), &["init"]);
    assert_eq!(code, Some(2), "{stderr}");
    assert!(stderr.contains("give --org-id and --client-id"), "{stderr}");
    let (code, _, stderr) = run(dir.path(), &["init", "--org-id", "0123456789ABCDEF01234567", "--client-id", "c"]);
    assert_eq!(code, Some(2), "{stderr}");
    assert!(stderr.contains("@AdobeOrg") && !dir.path().join("umapi-bulk.toml").exists(), "{stderr}");

    let (code, _, stderr) =
        run(dir.path(), &["init", "--org-id", ORG, "--client-id", "abc123", "--claimed-domain", "Example.com"]);
    assert_eq!(code, Some(0), "{stderr}");
    assert!(stderr.contains("UMAPI_CLIENT_SECRET") && stderr.contains("client_secret_command"), "{stderr}");
    assert!(stderr.contains("umapi-bulk secret set") && stderr.contains("umapi-bulk doctor"), "{stderr}");
    let text = std::fs::read_to_string(dir.path().join("umapi-bulk.toml")).unwrap_or_default();
    assert!(text.contains(&format!("org_id = \"{ORG}\"")) && text.contains("client_id = \"abc123\""), "{text}");
    assert!(text.contains("claimed_domains = [\"example.com\"]") && text.contains("# client_secret = "), "{text}");
    assert!(!text.lines().any(|line| line.starts_with("client_secret =")), "{text}");

    // The file it wrote loads (check reads its claimed domains).
    let (code, _, stderr) =
        run(dir.path(), &["check", harness::sample("bulk-add.csv").to_str().unwrap_or_default(), "--op", "add"]);
    assert!(code.is_some_and(|code| code <= 1), "{stderr}");

    let (code, _, stderr) = run(dir.path(), &["init", "--org-id", ORG, "--client-id", "other"]);
    assert_eq!(code, Some(2), "{stderr}");
    assert!(stderr.contains("exists already") && stderr.contains("--force"), "{stderr}");
    let (code, _, stderr) = run(dir.path(), &["init", "--org-id", ORG, "--client-id", "other", "--force"]);
    assert_eq!(code, Some(0), "{stderr}");
}

#[test]
fn init_writes_the_secret_only_when_asked_and_warns() {
    let dir = harness::temp_dir();
    let output = harness::umapi_bulk(dir.path())
        .env("UMAPI_CLIENT_SECRET", "s3cret-value")
        .args(["init", "--org-id", ORG, "--client-id", "c", "--write-secret", "-o", "org.toml"])
        .output()
        .unwrap_or_else(|error| panic!("{error}"));
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert_eq!(output.status.code(), Some(0), "{stderr}");
    assert!(
        stderr.contains("warning:") && stderr.contains("plain text") && !stderr.contains("s3cret-value"),
        "{stderr}"
    );
    let path = dir.path().join("org.toml");
    let text = std::fs::read_to_string(&path).unwrap_or_default();
    assert!(text.contains("client_secret = \"s3cret-value\""), "{text}");
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        let mode = std::fs::metadata(&path).map(|metadata| metadata.permissions().mode() & 0o777).unwrap_or(0);
        assert_eq!(mode, 0o600);
    }
}

#[test]
fn client_secret_command_gives_the_secret_and_its_failure_shows_stderr_only() {
    let dir = harness::temp_dir();
    let script = dir.path().join("secret.sh");
    std::fs::write(&script, "#!/bin/sh\necho demo-secret\n").unwrap_or_else(|error| panic!("{error}"));
    let failing = dir.path().join("failing.sh");
    std::fs::write(&failing, "#!/bin/sh\necho partial-secret\necho 'vault is sealed' >&2\nexit 2\n")
        .unwrap_or_else(|error| panic!("{error}"));
    let config = |command: &std::path::Path| {
        format!(
            "org_id = \"DEMO0000000000000000000@AdobeOrg\"\nclient_id = \"demo-client\"\n\
             client_secret_command = \"sh {}\"\n",
            command.display()
        )
    };
    std::fs::write(dir.path().join("umapi-bulk.toml"), config(&script)).unwrap_or_else(|error| panic!("{error}"));
    let (code, stdout, _) = run(dir.path(), &["doctor"]);
    let secret_line = stdout.lines().find(|line| line.contains("client secret")).unwrap_or_default();
    assert!(secret_line.starts_with('✓') && secret_line.contains("client_secret_command"), "{stdout}");
    assert!(!stdout.contains("demo-secret"), "{stdout}");
    assert_eq!(code, Some(3), "the default URLs are Adobe's, which no test reaches: {stdout}");

    std::fs::write(dir.path().join("umapi-bulk.toml"), config(&failing)).unwrap_or_else(|error| panic!("{error}"));
    let (code, stdout, _) = run(dir.path(), &["doctor"]);
    assert_eq!(code, Some(3), "{stdout}");
    assert!(stdout.contains("vault is sealed") && !stdout.contains("partial-secret"), "{stdout}");
    let (code, _, stderr) = run(dir.path(), &["export", "users", "-o", "-"]);
    assert_eq!(code, Some(2), "{stderr}");
    assert!(stderr.contains("client_secret_command failed") && !stderr.contains("partial-secret"), "{stderr}");
}

/// Runs a shell script in a fresh session keyring (as a login session has one), so that the
/// kernel keyring can hold keys for its processes; `None` when this machine refuses keyutils.
#[cfg(target_os = "linux")]
fn in_session_keyring(dir: &std::path::Path, script: &str) -> Option<std::process::Output> {
    use std::os::unix::process::CommandExt;
    let mut command = std::process::Command::new("sh");
    command.current_dir(dir).env_clear().env("UMAPI_BULK", harness::binary()).args(["-c", script]);
    command.env("PATH", std::env::var_os("PATH").unwrap_or_default()).env("NO_COLOR", "1");
    // SAFETY: keyctl(KEYCTL_JOIN_SESSION_KEYRING, NULL) is one system call, safe after fork.
    unsafe {
        command.pre_exec(|| {
            let joined = libc::syscall(libc::SYS_keyctl, 1, std::ptr::null::<libc::c_char>());
            if joined < 0 { Err(std::io::Error::last_os_error()) } else { Ok(()) }
        });
    }
    command.output().ok()
}

#[cfg(target_os = "linux")]
#[test]
fn secret_set_stores_in_the_kernel_keyring_and_delete_removes_it() {
    let dir = harness::temp_dir();
    let client = format!("test-client-{}", std::process::id());
    std::fs::write(dir.path().join("umapi-bulk.toml"), format!("org_id = \"{ORG}\"\nclient_id = \"{client}\"\n"))
        .unwrap_or_else(|error| panic!("{error}"));
    let script = "printf 'kernel-s3cret\\n' | \"$UMAPI_BULK\" secret set; echo \"set=$?\"; \
                  \"$UMAPI_BULK\" doctor; \"$UMAPI_BULK\" secret delete; \"$UMAPI_BULK\" secret delete";
    let Some(output) = in_session_keyring(dir.path(), script) else {
        eprintln!("this machine refuses keyutils; the store logic is unit-tested in src/keychain.rs");
        return;
    };
    let stdout = String::from_utf8_lossy(&output.stdout);
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(!stdout.contains("kernel-s3cret") && !stderr.contains("kernel-s3cret"), "{stdout}{stderr}");
    if !stdout.contains("set=0") {
        // No keyring at all here (keyutils forbidden): the error says so and names the alternatives.
        assert!(stderr.contains("no keychain is available") && stderr.contains("UMAPI_CLIENT_SECRET"), "{stderr}");
        return;
    }
    assert!(
        stderr.contains(&format!("stored the client secret of {client} in the kernel keyring (keyutils)")),
        "{stderr}"
    );
    assert!(stderr.contains("reboot"), "{stderr}");
    let secret_line = stdout.lines().find(|line| line.contains("client secret")).unwrap_or_default();
    assert!(secret_line.starts_with('✓') && secret_line.contains("keychain"), "{stdout}");
    assert!(stderr.contains(&format!("removed the client secret of {client} from the kernel keyring")), "{stderr}");
    assert!(stderr.contains("nothing to remove"), "{stderr}");
}

#[test]
fn secret_set_with_empty_input_stores_nothing() {
    let dir = harness::temp_dir();
    let output = harness::command(dir.path())
        .args(["secret", "set", "--client-id", "c"])
        .output()
        .unwrap_or_else(|error| panic!("{error}"));
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert_eq!(output.status.code(), Some(2), "{stderr}");
    assert!(stderr.contains("no secret was given"), "{stderr}");
}

#[test]
fn completions_and_the_man_page_come_from_the_clap_definitions() {
    let dir = harness::temp_dir();
    let (code, bash, _) = run(dir.path(), &["completions", "bash"]);
    assert_eq!(code, Some(0));
    for subcommand in ["check", "plan", "apply", "export", "doctor", "init", "secret", "completions", "man"] {
        assert!(bash.contains(subcommand), "bash completion lacks {subcommand}");
    }
    for shell in ["zsh", "fish", "powershell"] {
        let (code, script, _) = run(dir.path(), &["completions", shell]);
        assert_eq!(code, Some(0), "{shell}");
        assert!(script.contains("umapi-bulk") && script.contains("doctor"), "{shell}: {script}");
    }
    let (code, page, _) = run(dir.path(), &["man"]);
    assert_eq!(code, Some(0));
    assert!(page.starts_with(".ie") || page.contains(".TH umapi-bulk"), "{page}");
    assert!(page.contains(".SH NAME") && page.contains(".SH SYNOPSIS"), "{page}");
    assert!(page.contains("doctor") && page.contains("Exit codes"), "{page}");
}
