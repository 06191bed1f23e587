//! End-of-run notifications, the Console's "you will receive an email" (issue 16): when a run
//! ends — finished, some rows failed, parked, cancelled, or finished after a resume — a message
//! with the counts per result, the deficit headline and the run folder, by email over SMTP
//! (`email`, through `lettre` on rustls) and/or as a JSON POST that Slack and Microsoft Teams
//! incoming webhooks accept (`webhook`).
//!
//! Both take plain config structs defined here (the caller maps its settings onto them) and a
//! [`RunNotice`], and return a typed [`NotifyError`]. A failure to notify must never change a
//! run's outcome or exit code: the caller prints it as a warning. Every send has a deadline, so a
//! dead server cannot hang a run. Secrets (the SMTP password, the webhook URL, which is itself a
//! credential) never appear in an error, a `Debug` output or a log line, even when a server
//! echoes them back.

pub mod email;
mod message;
pub mod webhook;

use std::time::Duration;

pub use message::{RunNotice, one_line};

/// How long a notification may take, connection included, unless configured otherwise.
pub const DEFAULT_TIMEOUT: Duration = Duration::from_secs(20);

/// A notification could not be sent. The text names the server but never a secret.
#[derive(Debug, thiserror::Error)]
pub enum NotifyError {
    /// A `from` or `to` address does not parse.
    #[error("email notification: {field} {value:?} is not an email address")]
    Address {
        /// `from` or `to`.
        field: &'static str,
        /// The value as configured.
        value: String,
    },
    /// No recipient.
    #[error("email notification: no recipient (the `to` list is empty)")]
    NoRecipient,
    /// `security = "none"` towards a host that is not loopback.
    #[error(
        "email notification: security \"none\" would send the message and the password in clear; it is allowed only to a loopback host, not {host:?}"
    )]
    PlainNotLoopback {
        /// The configured host.
        host: String,
    },
    /// A username without a password.
    #[error("email notification: a username is set but no password")]
    MissingPassword,
    /// The extra CA certificate cannot be used.
    #[error("email notification: the CA certificate cannot be used: {message}")]
    Certificate {
        /// Why.
        message: String,
    },
    /// The SMTP conversation failed (connection, TLS, authentication, refusal).
    #[error("email notification through {server} failed: {message}")]
    Smtp {
        /// `host:port`.
        server: String,
        /// What lettre or the server said, secrets removed.
        message: String,
    },
    /// The webhook URL is not an http(s) URL.
    #[error("webhook notification: the URL is not an http:// or https:// URL")]
    WebhookUrl,
    /// The POST failed before an answer (connection, TLS).
    #[error("webhook notification to {host} failed: {message}")]
    Webhook {
        /// The URL's host (never its path, which holds the token).
        host: String,
        /// Why, secrets removed.
        message: String,
    },
    /// The webhook answered with an error status.
    #[error("webhook notification to {host}: HTTP {status}: {body}")]
    WebhookStatus {
        /// The URL's host.
        host: String,
        /// The HTTP status.
        status: u16,
        /// The start of the answer's body, secrets removed.
        body: String,
    },
    /// No answer within the deadline.
    #[error("{channel} notification: no answer from {server} within {} s", timeout.as_secs_f64())]
    Timeout {
        /// `email` or `webhook`.
        channel: &'static str,
        /// The server (host, or host:port).
        server: String,
        /// The deadline.
        timeout: Duration,
    },
}

impl NotifyError {
    /// What to do about it, where we know.
    pub fn hint(&self) -> Option<&'static str> {
        match self {
            Self::Address { .. } | Self::NoRecipient => Some("fix the addresses under [notify] email"),
            Self::PlainNotLoopback { .. } => Some("use security = \"starttls\" (port 587) or \"tls\" (port 465)"),
            Self::MissingPassword => Some("set the SMTP password the same way as the client secret"),
            Self::Timeout { .. } => Some("check the host and port, and that this machine may reach them"),
            Self::WebhookStatus { status: 404 | 410, .. } => Some("the webhook was deleted or its URL is wrong"),
            Self::Smtp { message, .. } if message.contains("certificate") => {
                Some("the server's certificate is not trusted here: add its CA certificate (ca_file)")
            }
            Self::Smtp { message, .. } if message.contains("(535)") => Some("check the SMTP username and password"),
            _ => None,
        }
    }
}

/// `text` with every non-empty secret in `secrets` replaced by `[redacted]`.
pub(crate) fn redact(text: &str, secrets: &[&str]) -> String {
    let mut text = text.to_string();
    for secret in secrets.iter().filter(|secret| !secret.is_empty()) {
        text = text.replace(secret, "[redacted]");
    }
    text
}

/// An error and its causes on one line, each said once (`Connection error: Connection error: x`
/// from nested layers becomes `Connection error: x`).
pub(crate) fn error_chain(error: &dyn std::error::Error) -> String {
    let mut text = error.to_string();
    let mut source = error.source();
    while let Some(cause) = source {
        let cause_text = cause.to_string();
        if !text.contains(&cause_text) {
            text.push_str(": ");
            text.push_str(&cause_text);
        }
        source = cause.source();
    }
    let mut parts: Vec<&str> = text.split(": ").collect();
    parts.dedup();
    one_line(&parts.join(": "))
}
