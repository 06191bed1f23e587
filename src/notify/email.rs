//! The end-of-run email: one plain-text message (UTF-8) from [`RunNotice`] to every configured
//! recipient, through `lettre`'s SMTP client on tokio.
//!
//! TLS is rustls with the `ring` provider (lettre's `tokio1-rustls` + `ring` features; no OpenSSL)
//! and the operating system's trust store (`rustls-native-certs`), plus an optional extra CA
//! certificate (the config's `ca_file`, for a company relay). `starttls` (port 587) upgrades the
//! connection and refuses a server that cannot; `tls` (port 465) speaks TLS from the first byte;
//! `none` is plain text and is allowed only to a loopback host (a local relay or a test server),
//! because it would carry the password in clear. The whole conversation has one deadline. An
//! error's text is the server's or lettre's, with the password (and the base64 forms AUTH PLAIN
//! and LOGIN send) removed in case a server echoes them.

use std::net::IpAddr;
use std::time::Duration;

use base64::Engine;
use base64::engine::general_purpose::STANDARD;
use lettre::message::header::ContentType;
use lettre::message::{Mailbox, Message};
use lettre::transport::smtp::authentication::Credentials;
use lettre::transport::smtp::client::{Certificate, Tls, TlsParameters};
use lettre::{AsyncSmtpTransport, AsyncTransport, Tokio1Executor};

use crate::notify::{DEFAULT_TIMEOUT, NotifyError, RunNotice, error_chain, redact};
use crate::secret::Secret;

/// How the connection to the SMTP server is protected.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum SmtpSecurity {
    /// Plain connection upgraded with STARTTLS (required); port 587 by default.
    StartTls,
    /// TLS from the first byte ("SMTPS"); port 465 by default.
    Tls,
    /// No encryption; only to a loopback host; port 25 by default.
    None,
}

impl SmtpSecurity {
    /// The usual port for this security.
    pub fn default_port(self) -> u16 {
        match self {
            Self::StartTls => 587,
            Self::Tls => 465,
            Self::None => 25,
        }
    }
}

/// Where and how to send the email. `Debug` shows the password as `[redacted]`.
#[derive(Clone, Debug)]
pub struct EmailConfig {
    /// SMTP server host name or IP address.
    pub host: String,
    /// Port; `None` for the security's usual one.
    pub port: Option<u16>,
    /// Connection security.
    pub security: SmtpSecurity,
    /// Login, when the server wants one.
    pub username: Option<String>,
    /// Password for `username`.
    pub password: Option<Secret>,
    /// Sender (`umapi-bulk <it-admin@example.com>` or a bare address).
    pub from: String,
    /// Recipients.
    pub to: Vec<String>,
    /// An extra trusted CA certificate in PEM (besides the system's), e.g. a company relay's.
    pub extra_ca_pem: Option<Vec<u8>>,
    /// Deadline for the whole conversation.
    pub timeout: Duration,
}

impl EmailConfig {
    /// A config with the usual port, no login, no extra CA and [`DEFAULT_TIMEOUT`].
    pub fn new(host: impl Into<String>, security: SmtpSecurity, from: impl Into<String>, to: Vec<String>) -> Self {
        Self {
            host: host.into(),
            port: None,
            security,
            username: None,
            password: None,
            from: from.into(),
            to,
            extra_ca_pem: None,
            timeout: DEFAULT_TIMEOUT,
        }
    }

    /// `host:port`, as errors name the server.
    pub fn server(&self) -> String {
        format!("{}:{}", self.host, self.port.unwrap_or(self.security.default_port()))
    }
}

/// Builds the message (subject and body from `notice`) without sending it.
pub fn build_message(config: &EmailConfig, notice: &RunNotice) -> Result<Message, NotifyError> {
    let from: Mailbox =
        config.from.parse().map_err(|_| NotifyError::Address { field: "from", value: config.from.clone() })?;
    if config.to.is_empty() {
        return Err(NotifyError::NoRecipient);
    }
    let mut builder = Message::builder().from(from).subject(notice.subject());
    for recipient in &config.to {
        let mailbox: Mailbox =
            recipient.parse().map_err(|_| NotifyError::Address { field: "to", value: recipient.clone() })?;
        builder = builder.to(mailbox);
    }
    builder
        .header(ContentType::TEXT_PLAIN)
        .body(notice.text())
        .map_err(|error| NotifyError::Smtp { server: config.server(), message: error.to_string() })
}

/// Sends the notice by email; returns once the server accepted the message.
pub async fn send(config: &EmailConfig, notice: &RunNotice) -> Result<(), NotifyError> {
    let message = build_message(config, notice)?;
    let transport = transport(config)?;
    let secrets = secret_forms(config);
    let secrets: Vec<&str> = secrets.iter().map(String::as_str).collect();
    let server = config.server();
    match tokio::time::timeout(config.timeout, transport.send(message)).await {
        Err(_) => Err(NotifyError::Timeout { channel: "email", server, timeout: config.timeout }),
        Ok(Err(error)) => Err(NotifyError::Smtp { server, message: redact(&error_chain(&error), &secrets) }),
        Ok(Ok(_response)) => Ok(()),
    }
}

fn transport(config: &EmailConfig) -> Result<AsyncSmtpTransport<Tokio1Executor>, NotifyError> {
    let port = config.port.unwrap_or(config.security.default_port());
    let mut builder = AsyncSmtpTransport::<Tokio1Executor>::builder_dangerous(config.host.as_str())
        .port(port)
        .timeout(Some(config.timeout));
    builder = match config.security {
        SmtpSecurity::StartTls => builder.tls(Tls::Required(tls_parameters(config)?)),
        SmtpSecurity::Tls => builder.tls(Tls::Wrapper(tls_parameters(config)?)),
        SmtpSecurity::None if is_loopback(&config.host) => builder.tls(Tls::None),
        SmtpSecurity::None => return Err(NotifyError::PlainNotLoopback { host: config.host.clone() }),
    };
    match (&config.username, &config.password) {
        (Some(username), Some(password)) => {
            builder = builder.credentials(Credentials::new(username.clone(), password.expose().to_string()))
        }
        (Some(_), None) => return Err(NotifyError::MissingPassword),
        (None, _) => {}
    }
    Ok(builder.build())
}

fn tls_parameters(config: &EmailConfig) -> Result<TlsParameters, NotifyError> {
    let mut builder = TlsParameters::builder(config.host.clone());
    if let Some(pem) = &config.extra_ca_pem {
        let certificate =
            Certificate::from_pem(pem).map_err(|error| NotifyError::Certificate { message: error.to_string() })?;
        builder = builder.add_root_certificate(certificate);
    }
    builder.build_rustls().map_err(|error| NotifyError::Certificate { message: error_chain(&error) })
}

/// `localhost`, `127.0.0.0/8` or `::1`.
fn is_loopback(host: &str) -> bool {
    let host = host.trim_start_matches('[').trim_end_matches(']');
    host.eq_ignore_ascii_case("localhost") || host.parse::<IpAddr>().is_ok_and(|address| address.is_loopback())
}

/// The password as it may travel: as is, base64 alone (AUTH LOGIN) and in the AUTH PLAIN token.
fn secret_forms(config: &EmailConfig) -> Vec<String> {
    let Some(password) = &config.password else {
        return Vec::new();
    };
    let password = password.expose();
    let username = config.username.as_deref().unwrap_or_default();
    let plain = STANDARD.encode(format!("\u{0}{username}\u{0}{password}"));
    vec![password.to_string(), STANDARD.encode(password), plain.trim_end_matches('=').to_string()]
}

#[cfg(test)]
mod tests {
    use super::*;

    fn config() -> EmailConfig {
        let mut config = EmailConfig::new(
            "smtp.example.com",
            SmtpSecurity::StartTls,
            "umapi-bulk <it@example.com>",
            vec!["admin@example.com".into()],
        );
        config.username = Some("it@example.com".into());
        config.password = Some(Secret::new("hunter2-smtp"));
        config
    }

    #[test]
    fn the_password_never_shows_in_debug_output() {
        let text = format!("{:?}", config());
        assert!(!text.contains("hunter2"), "{text}");
        assert!(text.contains("[redacted]"));
    }

    #[test]
    fn plain_smtp_is_refused_towards_a_remote_host() {
        let mut config = config();
        config.security = SmtpSecurity::None;
        assert!(matches!(transport(&config), Err(NotifyError::PlainNotLoopback { .. })));
        for host in ["127.0.0.1", "localhost", "::1", "[::1]", "127.8.9.10"] {
            config.host = host.into();
            assert!(transport(&config).is_ok(), "{host}");
        }
        config.username = Some("someone".into());
        config.password = None;
        assert!(matches!(transport(&config), Err(NotifyError::MissingPassword)));
    }

    #[test]
    fn bad_addresses_are_named() {
        let mut config = config();
        config.to = vec!["admin@example.com".into(), "not an address".into()];
        let notice_error = build_message(&config, &crate::notify::message::tests_support::notice());
        let error = notice_error.err().map(|error| error.to_string()).unwrap_or_default();
        assert_eq!(error, "email notification: to \"not an address\" is not an email address");
        config.to.clear();
        assert!(matches!(
            build_message(&config, &crate::notify::message::tests_support::notice()),
            Err(NotifyError::NoRecipient)
        ));
    }

    #[test]
    fn every_form_of_the_password_is_redacted() {
        let config = config();
        let forms = secret_forms(&config);
        let forms: Vec<&str> = forms.iter().map(String::as_str).collect();
        let echoed = format!(
            "535 rejected hunter2-smtp / {} / {}",
            STANDARD.encode("hunter2-smtp"),
            STANDARD.encode("\u{0}it@example.com\u{0}hunter2-smtp")
        );
        let redacted = redact(&echoed, &forms);
        assert!(!redacted.contains("hunter2"), "{redacted}");
        assert!(!redacted.contains(&STANDARD.encode("hunter2-smtp")), "{redacted}");
        assert!(!redacted.contains(STANDARD.encode("\u{0}it@example.com\u{0}hunter2-smtp").trim_end_matches('=')));
        assert_eq!(redacted.matches("[redacted]").count(), 3, "{redacted}");
    }
}
