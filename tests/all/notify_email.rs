//! The end-of-run email against a real SMTP server process on loopback: `aiosmtpd` (PyPI, installed
//! by `.ci/run`) run by `tests/support/smtp_receiver.py`, which writes each accepted message to a
//! file before it answers, so the message is there when `send` returns. Plain SMTP, AUTH (right and
//! wrong password — the server echoes a wrong one, and our error must not), STARTTLS and implicit
//! TLS with the test CA of `fixtures/tls/`, and a server that never answers.
//!
//! Without Python's aiosmtpd (a developer machine) the tests say they are skipped; with `CI=true`
//! they fail instead.

use std::io::{BufRead, BufReader};
use std::path::Path;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use base64::Engine;
use serde_json::Value;
use umapi_bulk::notify::email::{self, EmailConfig, SmtpSecurity};
use umapi_bulk::notify::{NotifyError, RunNotice};
use umapi_bulk::report::overview::ResultCounts;
use umapi_bulk::secret::Secret;

use crate::harness::{fixture, root, temp_dir};
use crate::report_support::demo_report;

/// The aiosmtpd process of one test; killed when dropped.
struct SmtpReceiver {
    child: Child,
    port: u16,
    folder: tempfile::TempDir,
}

impl SmtpReceiver {
    /// Starts the receiver with `options`, or says why the test is skipped (panics under CI).
    fn start(test: &str, options: &[&str]) -> Option<Self> {
        let available = Command::new("python3")
            .args(["-c", "import aiosmtpd"])
            .stdin(Stdio::null())
            .output()
            .is_ok_and(|output| output.status.success());
        if !available {
            if std::env::var("CI").is_ok_and(|value| value == "true") {
                panic!(
                    "{test}: python3 with aiosmtpd is missing, and CI must run the SMTP tests (.ci/run installs it)"
                );
            }
            eprintln!("SKIPPED {test}: python3 -m pip install aiosmtpd to run the SMTP tests");
            return None;
        }
        let folder = temp_dir();
        let script = root().join("tests").join("support").join("smtp_receiver.py");
        let mut child = Command::new("python3")
            .arg(&script)
            .arg("--out")
            .arg(folder.path())
            .args(options)
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::null())
            .spawn()
            .unwrap_or_else(|error| panic!("cannot start {}: {error}", script.display()));
        let stdout = child.stdout.take().unwrap_or_else(|| panic!("no stdout"));
        let (sender, receiver) = std::sync::mpsc::channel();
        std::thread::spawn(move || {
            let mut line = String::new();
            let _ = BufReader::new(stdout).read_line(&mut line);
            let _ = sender.send(line);
        });
        let mut receiver_process = Self { child, port: 0, folder };
        let line = receiver
            .recv_timeout(Duration::from_secs(30))
            .unwrap_or_else(|_| panic!("the SMTP receiver did not start"));
        receiver_process.port = line
            .trim()
            .strip_prefix("READY ")
            .and_then(|port| port.parse().ok())
            .unwrap_or_else(|| panic!("the SMTP receiver said {line:?}"));
        Some(receiver_process)
    }

    fn config(&self, security: SmtpSecurity) -> EmailConfig {
        let mut config = EmailConfig::new(
            "127.0.0.1",
            security,
            "umapi-bulk <it-admin@example.com>",
            vec!["lead@example.com".into(), "Manager <manager@example.org>".into()],
        );
        config.port = Some(self.port);
        config.timeout = Duration::from_secs(15);
        config
    }

    /// The messages received so far, in order.
    fn messages(&self) -> Vec<Value> {
        let mut messages = Vec::new();
        for number in 1.. {
            let path = self.folder.path().join(format!("message-{number}.json"));
            let Ok(text) = std::fs::read_to_string(&path) else { break };
            messages.push(serde_json::from_str(&text).unwrap_or_else(|error| panic!("{}: {error}", path.display())));
        }
        messages
    }
}

impl Drop for SmtpReceiver {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

fn notice() -> RunNotice {
    let mut overview = demo_report().overview;
    overview.counts = ResultCounts { success: 45, failed: 3, invalid: 1, unknown: 1, ..ResultCounts::default() };
    RunNotice { overview, run_folder: "runs/20261124T105154Z-add-bulk-add".into(), resumed: false, has_report: true }
}

fn tls_ca() -> Vec<u8> {
    std::fs::read(fixture("tls/ca.pem")).unwrap_or_else(|error| panic!("fixtures/tls/ca.pem: {error}"))
}

fn tls_options<'a>(flag: &'a str, certificate: &'a Path, key: &'a Path) -> [&'a str; 3] {
    [flag, certificate.to_str().unwrap_or_default(), key.to_str().unwrap_or_default()]
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_email_arrives_with_the_counts_and_the_subject() {
    let Some(server) = SmtpReceiver::start("the_email_arrives_with_the_counts_and_the_subject", &[]) else { return };
    let notice = notice();
    let result = email::send(&server.config(SmtpSecurity::None), &notice).await;
    assert!(result.is_ok(), "{result:?}");
    let messages = server.messages();
    assert_eq!(messages.len(), 1, "one message for all recipients");
    let message = &messages[0];
    assert_eq!(message["mail_from"], "it-admin@example.com");
    assert_eq!(message["rcpt_tos"], serde_json::json!(["lead@example.com", "manager@example.org"]));
    assert_eq!(message["subject"], "umapi-bulk: Bulk add users finished, 5 rows to look at (bulk-add.csv)");
    assert_eq!(message["content_type"], "text/plain");
    let body = message["body"].as_str().unwrap_or_default().replace("\r\n", "\n");
    for expected in [
        "Bulk add users: samples/bulk-add.csv\n",
        "\n50 rows: 45 succeeded, 3 failed, 1 invalid, 0 skipped, 0 not attempted, 1 unknown\n",
        "\nno licence: 8 of 13 users joining \"Photoshop - Default\" (quota 5)\n",
        "\nRun folder: runs/20261124T105154Z-add-bulk-add\n",
    ] {
        assert!(body.contains(expected), "body lacks {expected:?}:\n{body}");
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn smtp_auth_logs_in_and_a_refused_password_never_shows_in_the_error() {
    let options = ["--user", "notifier@example.com", "--password", "right-horse-battery"];
    let Some(server) = SmtpReceiver::start("smtp_auth_logs_in_and_a_refused_password", &options) else { return };
    let mut config = server.config(SmtpSecurity::None);
    config.username = Some("notifier@example.com".into());
    config.password = Some(Secret::new("right-horse-battery"));
    let result = email::send(&config, &notice()).await;
    assert!(result.is_ok(), "{result:?}");
    assert_eq!(server.messages()[0]["login"], "notifier@example.com", "the server saw the login");

    let wrong = "wrong-Staple-42";
    config.password = Some(Secret::new(wrong));
    let error = match email::send(&config, &notice()).await {
        Err(error) => error,
        Ok(()) => panic!("a wrong password was accepted"),
    };
    let texts = [error.to_string(), format!("{error:?}"), format!("{config:?}")];
    let encoded = base64::engine::general_purpose::STANDARD.encode(wrong);
    for text in &texts {
        assert!(!text.contains(wrong) && !text.contains(&encoded), "the password leaked: {text}");
    }
    assert!(matches!(error, NotifyError::Smtp { .. }), "{error:?}");
    assert!(texts[0].contains("Bad password [redacted]"), "the server echoed it and we removed it: {}", texts[0]);
    assert_eq!(server.messages().len(), 1, "nothing sent without login");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn starttls_and_implicit_tls_verify_the_server_with_rustls() {
    let certificate = fixture("tls/server.pem");
    let key = fixture("tls/server.key");
    for (flag, security) in [("--starttls", SmtpSecurity::StartTls), ("--smtps", SmtpSecurity::Tls)] {
        let options = tls_options(flag, &certificate, &key);
        let Some(server) = SmtpReceiver::start("starttls_and_implicit_tls_verify_the_server", &options) else { return };
        let mut config = server.config(security);
        let untrusted = email::send(&config, &notice()).await;
        let hint = untrusted.as_ref().err().and_then(NotifyError::hint).unwrap_or_default();
        let error = untrusted.err().map(|error| error.to_string()).unwrap_or_default();
        assert!(error.contains("invalid peer certificate: UnknownIssuer"), "{flag}: {error}");
        assert!(!error.contains("Connection error: Connection error"), "each cause once: {error}");
        assert!(hint.contains("ca_file"), "{flag}: {hint}");
        assert!(server.messages().is_empty(), "{flag}: nothing is sent to an untrusted server");

        config.extra_ca_pem = Some(tls_ca());
        let result = email::send(&config, &notice()).await;
        assert!(result.is_ok(), "{flag}: {result:?}");
        assert_eq!(server.messages().len(), 1, "{flag}");
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_silent_smtp_server_cannot_hang_the_run() {
    // A listener that never accepts: the connection completes in the kernel, no greeting ever comes.
    let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap_or_else(|error| panic!("{error}"));
    let port = listener.local_addr().map(|address| address.port()).unwrap_or_else(|error| panic!("{error}"));
    let mut config =
        EmailConfig::new("127.0.0.1", SmtpSecurity::None, "it@example.com", vec!["lead@example.com".into()]);
    config.port = Some(port);
    config.timeout = Duration::from_millis(500);
    let started = Instant::now();
    let result = email::send(&config, &notice()).await;
    let elapsed = started.elapsed();
    assert!(elapsed < Duration::from_secs(5), "took {elapsed:?}");
    let message = match &result {
        Err(error @ (NotifyError::Timeout { .. } | NotifyError::Smtp { .. })) => error.to_string(),
        other => panic!("expected a timeout, got {other:?}"),
    };
    assert!(message.contains(&format!("127.0.0.1:{port}")), "{message}");
    assert!(message.contains("within 0.5 s") || message.contains("timed out"), "{message}");
    drop(listener);
}
