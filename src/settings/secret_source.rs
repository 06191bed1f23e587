//! Where the client secret comes from, decided once when a command reaches an org (never for
//! offline commands, so that `check` runs no command and asks no keychain). In order:
//!
//! 1. the environment: `UMAPI_CLIENT_SECRET`;
//! 2. `client_secret_command` in the configuration: a command whose standard output is the secret
//!    (`op read op://...`, `pass show ...`, `vault kv get -field=...`, PowerShell's `Get-Secret`);
//! 3. the operating system's keychain, where `umapi-bulk secret set` put it (`crate::keychain`);
//! 4. `client_secret` in the configuration file.
//!
//! The command runs through the platform's shell (`sh -c` on Unix, `cmd /C` on Windows), as
//! password managers document their commands (quotes, pipes); it is the configuration owner's own
//! command, run with their rights. Its standard input and the terminal stay attached (a password
//! manager may ask to be unlocked); its standard output is read, the trailing line end removed,
//! and never shown; its standard error is shown only when it fails. It has [`COMMAND_TIMEOUT`].

use std::io::Read;
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use serde::Serialize;

use super::Config;
use crate::hint::with_hint;
use crate::keychain;
use crate::secret::Secret;

/// Longest time `client_secret_command` may take (a password manager may wait to be unlocked).
pub const COMMAND_TIMEOUT: Duration = Duration::from_secs(60);

/// Where the secret in force came from.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum SecretSource {
    /// No secret (yet, or at all).
    #[default]
    None,
    /// `UMAPI_CLIENT_SECRET`.
    Environment,
    /// `client_secret_command`.
    Command,
    /// The OS keychain (`umapi-bulk secret set`).
    Keychain,
    /// `client_secret` in the configuration file.
    File,
    /// The built-in simulator's demo credential (`--sim`).
    Simulator,
}

impl SecretSource {
    /// For people.
    pub fn describe(self) -> &'static str {
        match self {
            Self::None => "nowhere",
            Self::Environment => "the environment (UMAPI_CLIENT_SECRET)",
            Self::Command => "client_secret_command",
            Self::Keychain => "the keychain (umapi-bulk secret set)",
            Self::File => "client_secret in the configuration file",
            Self::Simulator => "the built-in simulator's demo credential",
        }
    }
}

/// `client_secret_command` failed.
#[derive(Debug, thiserror::Error)]
pub enum CommandError {
    /// It could not be started.
    #[error("client_secret_command could not be started: {0}")]
    Start(String),
    /// It ran out of time and was stopped.
    #[error("client_secret_command did not finish within {} s and was stopped", .0.as_secs())]
    Timeout(Duration),
    /// It exited with a failure; its standard error (the end of it) is kept.
    #[error("client_secret_command failed ({status}){}", stderr_suffix(.stderr))]
    Failed {
        /// The exit status.
        status: String,
        /// The end of its standard error.
        stderr: String,
    },
    /// It succeeded but printed nothing.
    #[error("client_secret_command printed nothing on its standard output")]
    Empty,
}

fn stderr_suffix(stderr: &str) -> String {
    if stderr.is_empty() { String::new() } else { format!(": {stderr}") }
}

/// Runs `command` through the platform's shell and returns its standard output as the secret.
pub fn run_command(command: &str, timeout: Duration) -> Result<Secret, CommandError> {
    let mut shell = shell(command);
    shell.stdin(Stdio::inherit()).stdout(Stdio::piped()).stderr(Stdio::piped());
    let mut child = shell.spawn().map_err(|error| CommandError::Start(error.to_string()))?;
    let stdout = child.stdout.take().map(|mut pipe| {
        std::thread::spawn(move || {
            let mut bytes = Vec::new();
            let _ = pipe.read_to_end(&mut bytes);
            bytes
        })
    });
    let stderr = child.stderr.take().map(|mut pipe| {
        std::thread::spawn(move || {
            let mut bytes = Vec::new();
            let _ = pipe.read_to_end(&mut bytes);
            bytes
        })
    });
    let deadline = Instant::now() + timeout;
    let status = loop {
        match child.try_wait() {
            Ok(Some(status)) => break status,
            Ok(None) if Instant::now() >= deadline => {
                let _ = child.kill();
                let _ = child.wait();
                return Err(CommandError::Timeout(timeout));
            }
            Ok(None) => std::thread::sleep(Duration::from_millis(10)),
            Err(error) => return Err(CommandError::Start(error.to_string())),
        }
    };
    let output = Secret::new(
        String::from_utf8_lossy(&stdout.and_then(|reader| reader.join().ok()).unwrap_or_default()).into_owned(),
    );
    let stderr = String::from_utf8_lossy(&stderr.and_then(|reader| reader.join().ok()).unwrap_or_default())
        .replace(output.expose().trim(), "[redacted]");
    if !status.success() {
        let stderr = stderr.trim();
        let tail: Vec<&str> = stderr.lines().rev().take(5).collect();
        let tail: Vec<&str> = tail.into_iter().rev().collect();
        return Err(CommandError::Failed { status: status.to_string(), stderr: tail.join(" / ") });
    }
    let secret = output.expose().trim_end_matches(['\n', '\r']);
    if secret.is_empty() {
        return Err(CommandError::Empty);
    }
    Ok(Secret::new(secret))
}

/// Settles the client secret of a configuration that will reach an org, by the order above, and
/// records where it came from. A keychain that cannot be asked counts as one without the secret.
pub fn resolve(config: &mut Config) -> anyhow::Result<()> {
    if config.secret_source == SecretSource::Environment {
        return Ok(());
    }
    if let Some(command) = &config.client_secret_command {
        let secret = run_command(command, COMMAND_TIMEOUT).map_err(|error| {
            with_hint(
                error,
                "run the command yourself to see what it says; client_secret_command runs through sh -c \
                 (cmd /C on Windows) and must print only the secret",
            )
        })?;
        config.client_secret = Some(secret);
        config.secret_source = SecretSource::Command;
    } else if let Some((secret, _)) = keychain_secret(&config.client_id) {
        config.client_secret = Some(secret);
        config.secret_source = SecretSource::Keychain;
    }
    config.client_secret_set = config.client_secret.as_ref().is_some_and(|secret| !secret.is_empty());
    if !config.client_secret_set {
        config.secret_source = SecretSource::None;
    }
    Ok(())
}

/// The keychain's secret for `client_id`, and where it was found; `None` when there is none or
/// no keychain could be asked.
pub fn keychain_secret(client_id: &str) -> Option<(Secret, keychain::Found)> {
    let client_id = client_id.trim();
    if client_id.is_empty() {
        return None;
    }
    keychain::get(&keychain::platform_stores(), client_id).ok().flatten()
}

#[cfg(windows)]
fn shell(command: &str) -> Command {
    let mut shell = Command::new("cmd");
    shell.arg("/C").arg(command);
    shell
}

#[cfg(not(windows))]
fn shell(command: &str) -> Command {
    let mut shell = Command::new("sh");
    shell.arg("-c").arg(command);
    shell
}

#[cfg(all(test, unix))]
mod tests {
    use super::*;

    #[test]
    fn the_secret_is_stdout_without_its_line_end() {
        let secret = run_command("printf 'p@ss word\\n'", COMMAND_TIMEOUT).ok();
        assert_eq!(secret.as_ref().map(Secret::expose), Some("p@ss word"));
        let secret = run_command("printf 'crlf\\r\\n'", COMMAND_TIMEOUT).ok();
        assert_eq!(secret.as_ref().map(Secret::expose), Some("crlf"));
    }

    #[test]
    fn a_failure_shows_stderr_and_never_stdout() {
        let error = run_command("echo hunter2; echo 'vault is sealed' >&2; exit 3", COMMAND_TIMEOUT).err();
        let text = error.map(|error| error.to_string()).unwrap_or_default();
        assert!(text.contains("vault is sealed") && text.contains("exit status: 3"), "{text}");
        assert!(!text.contains("hunter2"), "{text}");
        assert!(matches!(run_command("true", COMMAND_TIMEOUT), Err(CommandError::Empty)));
    }

    #[test]
    fn a_command_that_hangs_is_stopped_at_the_timeout() {
        let started = Instant::now();
        let error = run_command("sleep 30", Duration::from_millis(200)).err();
        assert!(matches!(error, Some(CommandError::Timeout(_))), "{error:?}");
        assert!(started.elapsed() < Duration::from_secs(10));
    }
}
