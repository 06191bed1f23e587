//! The client's typed errors: configuration problems found before anything is sent
//! ([`ConfigError`]), authentication failures ([`AuthError`]), and everything that can end a read
//! ([`ClientError`]). Each knows, where we know the fix, a hint; which exit code each deserves is
//! decided at the top (`exit_status`), not here.
//!
//! Messages name the URL, the HTTP status and UMAPI's error code; they never contain a secret (the
//! client secret, private key and token travel only in request bodies and headers, which no error
//! here captures).

use std::path::PathBuf;
use std::time::Duration;

use time::OffsetDateTime;

use crate::hint::with_optional_hint;
use crate::text::{format_duration, rfc3339};
use crate::umapi::observe::RetryReason;

/// What to do when the server asked for a longer wait than `max_wait`.
const PARKED_HINT: &str = "nothing more was sent; run the command again after that time, or give --max-wait a longer \
                           duration to wait for it (docs/sessions.md: Adobe's session rule)";

/// The configuration cannot reach an org.
#[derive(Debug, thiserror::Error)]
pub enum ConfigError {
    /// A required setting is empty.
    #[error("the configuration has no {field}")]
    Missing {
        /// The setting's name in umapi-bulk.toml.
        field: &'static str,
    },
    /// No client secret in the file or the environment.
    #[error("no client secret is configured")]
    MissingSecret,
    /// The JWT private key file cannot be read.
    #[error("cannot read the JWT private key {path}")]
    PrivateKeyUnreadable {
        /// The file.
        path: PathBuf,
        /// Why.
        #[source]
        source: std::io::Error,
    },
    /// The JWT private key is not an RSA PEM key.
    #[error("the JWT private key {path} is not an RSA private key in PEM format: {detail}")]
    PrivateKeyInvalid {
        /// The file.
        path: PathBuf,
        /// The parser's complaint.
        detail: String,
    },
    /// A URL setting does not parse.
    #[error("{field} = {value:?} is not a URL: {detail}")]
    BadUrl {
        /// The setting.
        field: &'static str,
        /// Its value.
        value: String,
        /// Why.
        detail: String,
    },
    /// The HTTP client could not be built: the extra CA file (`ca_file`) or the TLS set-up.
    #[error(transparent)]
    Tls(#[from] crate::tls::TlsError),
}

impl ConfigError {
    /// What to do about it.
    pub fn hint(&self) -> Option<String> {
        Some(match self {
            Self::Missing { field } => format!("set {field} in umapi-bulk.toml (`umapi-bulk init` writes the file)"),
            Self::MissingSecret => "set the UMAPI_CLIENT_SECRET environment variable, name a command that prints \
                 it (client_secret_command in umapi-bulk.toml), or store it in the keychain with `umapi-bulk \
                 secret set`"
                .to_string(),
            Self::PrivateKeyUnreadable { .. } | Self::PrivateKeyInvalid { .. } => {
                "point private_key_file (or UMAPI_PRIVATE_KEY) at the private.key of the JWT credential".to_string()
            }
            Self::BadUrl { .. } => "URLs look like https://ims-na1.adobelogin.com".to_string(),
            Self::Tls(crate::tls::TlsError::BadCaFile(_)) => {
                "ca_file must name a PEM file with at least one -----BEGIN CERTIFICATE----- block".to_string()
            }
            Self::Tls(_) => return None,
        })
    }
}

/// Authentication failed: IMS refused or could not be reached, or UMAPI refused the token or key.
#[derive(Debug, thiserror::Error)]
pub enum AuthError {
    /// IMS answered with an error (bad client id/secret, bad JWT, wrong scope).
    #[error("IMS refused the credentials at {url}: HTTP {status} {error}{}", description.as_deref().map(|text| format!(" ({text})")).unwrap_or_default())]
    Rejected {
        /// The token endpoint.
        url: String,
        /// HTTP status.
        status: u16,
        /// IMS's `error` (`invalid_client`, ...), or the body's start.
        error: String,
        /// IMS's `error_description`.
        description: Option<String>,
    },
    /// The URL did not lead to IMS's token endpoint: HTTP 404/405, or an answer that is not IMS's
    /// JSON (a wrong `ims_url` or path, a proxy's page).
    #[error("no IMS token endpoint at {url}: HTTP {status} with {body}")]
    NotIms {
        /// The token endpoint asked.
        url: String,
        /// HTTP status.
        status: u16,
        /// The start of the body, quoted, or "an empty body".
        body: String,
    },
    /// IMS could not be reached or kept failing transiently.
    #[error("no access token from {url} after {}: {last}", crate::text::plural(*attempts as usize, "attempt", "attempts"))]
    Unavailable {
        /// The token endpoint.
        url: String,
        /// Attempts made.
        attempts: u32,
        /// The last failure.
        last: RetryReason,
    },
    /// The JWT could not be signed.
    #[error("cannot sign the JWT: {0}")]
    Signing(String),
    /// UMAPI answered 401 to a request made with a freshly renewed token.
    #[error("UMAPI refused a freshly issued access token (HTTP 401{})", detail.as_deref().map(|text| format!(": {text}")).unwrap_or_default())]
    TokenRefused {
        /// The `WWW-Authenticate` header, if any.
        detail: Option<String>,
    },
    /// UMAPI answered 403: API key missing or not permitted, or the org is migrating.
    #[error("UMAPI refused access (HTTP 403){}", detail.as_deref().map(|text| format!(": {text}")).unwrap_or_default())]
    Forbidden {
        /// The body's message, if any.
        detail: Option<String>,
    },
    /// IMS asked for a wait longer than `max_wait` (its `Retry-After`) before it issues a token.
    #[error("IMS at {url} asked to wait {} before issuing an access token (longer than max_wait); try again after {}", format_wait(*wait), rfc3339(*resume_after))]
    Parked {
        /// The token endpoint.
        url: String,
        /// The wait asked for.
        wait: Duration,
        /// When a token may be asked for again.
        resume_after: OffsetDateTime,
    },
    /// Stopped (cancelled) while fetching a token.
    #[error("cancelled while fetching an access token")]
    Cancelled,
}

/// A wait in whole seconds, as `format_duration` writes it (`15m`, `36600d`).
fn format_wait(wait: Duration) -> String {
    format_duration(Duration::from_secs(wait.as_secs()))
}

impl AuthError {
    /// What to do about it.
    pub fn hint(&self) -> Option<String> {
        match self {
            Self::Rejected { .. } | Self::TokenRefused { .. } => Some(
                "check org_id, client_id and the client secret (UMAPI_CLIENT_SECRET) of the OAuth Server-to-Server \
                 credential in the Adobe Developer Console; for auth = \"jwt\" also tech_account_id and the private key"
                    .to_string(),
            ),
            Self::NotIms { .. } => Some(
                "check ims_url in umapi-bulk.toml: Adobe's is https://ims-na1.adobelogin.com, with no path \
                 (umapi-bulk adds /ims/token/v3); `umapi-bulk doctor` checks each setting"
                    .to_string(),
            ),
            Self::Unavailable { last, .. } => Some(unreachable_hint("ims_url", &last.to_string())),
            Self::Forbidden { .. } => Some(
                "the API key (client_id) must belong to a credential with the User Management API; an org being \
                 migrated refuses changes until the migration ends"
                    .to_string(),
            ),
            Self::Parked { .. } => Some(PARKED_HINT.to_string()),
            Self::Signing(_) | Self::Cancelled => None,
        }
    }
}

/// What to do when a host could not be reached: a certificate problem names `ca_file`; anything
/// else the URL setting, the network and the proxy variables.
pub(crate) fn unreachable_hint(field: &str, detail: &str) -> String {
    let error = std::io::Error::other(detail.to_string());
    match crate::tls::certificate_problem(&error) {
        Some(problem) => crate::tls::certificate_hint(&problem),
        None => format!(
            "check {field} in umapi-bulk.toml and the network (a proxy goes in HTTPS_PROXY, exceptions in \
             NO_PROXY); `umapi-bulk doctor` checks each step"
        ),
    }
}

/// Why a read (or client set-up) failed.
#[derive(Debug, thiserror::Error)]
pub enum ClientError {
    /// The configuration cannot reach an org.
    #[error(transparent)]
    Config(#[from] ConfigError),
    /// Authentication failed.
    #[error(transparent)]
    Auth(#[from] AuthError),
    /// UMAPI refused every connection.
    #[error("cannot connect to UMAPI at {url} ({what}) after {}: {detail}", crate::text::plural(*attempts as usize, "attempt", "attempts"))]
    Unreachable {
        /// The request's label.
        what: String,
        /// The URL.
        url: String,
        /// Attempts made.
        attempts: u32,
        /// The transport error.
        detail: String,
    },
    /// Every attempt failed transiently.
    #[error("UMAPI gave no usable answer to {what} after {}; last: {last}", attempts_text(*attempts))]
    Exhausted {
        /// The request's label.
        what: String,
        /// Attempts made.
        attempts: u32,
        /// The last failure.
        last: RetryReason,
    },
    /// UMAPI answered with a non-retryable error.
    #[error("UMAPI answered {what} ({url}) with HTTP {status}{}: {}", code.as_deref().map(|code| format!(" {code}")).unwrap_or_default(), if message.is_empty() { "an empty body" } else { message })]
    Http {
        /// The request's label.
        what: String,
        /// The URL requested (query left out).
        url: String,
        /// HTTP status.
        status: u16,
        /// UMAPI's `result` code, when the body had one.
        code: Option<String>,
        /// UMAPI's message, or the start of the body.
        message: String,
    },
    /// UMAPI asked for a wait longer than `max_wait`.
    #[error("UMAPI asked to wait {} before {what} (longer than max_wait); try again after {}", format_wait(*wait), rfc3339(*resume_after))]
    Parked {
        /// The request's label.
        what: String,
        /// The wait asked for.
        wait: Duration,
        /// When requests may be sent again.
        resume_after: OffsetDateTime,
    },
    /// A paged read never reached its last page.
    #[error("UMAPI listed {what} for {pages} pages without a last page")]
    EndlessListing {
        /// What was listed.
        what: String,
        /// Pages read.
        pages: u32,
    },
    /// Stopped by the cancel token.
    #[error("cancelled")]
    Cancelled,
}

impl ClientError {
    /// Whether the error only says that the caller stopped (cancelled) the work.
    pub fn is_cancellation(&self) -> bool {
        matches!(self, Self::Cancelled | Self::Auth(AuthError::Cancelled))
    }

    /// What to do about it.
    pub fn hint(&self) -> Option<String> {
        match self {
            Self::Config(error) => error.hint(),
            Self::Auth(error) => error.hint(),
            Self::Unreachable { detail, .. } => Some(unreachable_hint("umapi_url", detail)),
            Self::Exhausted { .. } => Some("UMAPI is having trouble; run again later".to_string()),
            Self::Http { status: 404, code: None, .. } => Some(
                "a 404 without a UMAPI error code means the URL does not lead to UMAPI: check umapi_url in \
                 umapi-bulk.toml (Adobe's is https://usermanagement.adobe.io/v2/usermanagement); \
                 `umapi-bulk doctor` checks each setting"
                    .to_string(),
            ),
            Self::Http { code: Some(code), .. } if code == "error.organization.invalid_id" => Some(
                "check org_id in umapi-bulk.toml: the Organization ID on the credential's page in the Adobe \
                 Developer Console, e.g. 0123456789ABCDEF01234567@AdobeOrg"
                    .to_string(),
            ),
            Self::Parked { .. } => Some(PARKED_HINT.to_string()),
            Self::EndlessListing { .. } => Some("UMAPI is misbehaving; run again later".to_string()),
            Self::Http { .. } | Self::Cancelled => None,
        }
    }

    /// Converts into an `anyhow::Error` that carries the hint; the error stays findable in the
    /// chain (the exit status is read from it at the top).
    pub fn into_anyhow(self) -> anyhow::Error {
        let hint = self.hint();
        with_optional_hint(self, hint)
    }
}

/// `1 attempt`, `4 attempts`.
pub(crate) fn attempts_text(attempts: u32) -> String {
    crate::text::plural(usize::try_from(attempts).unwrap_or(usize::MAX), "attempt", "attempts")
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::hint::hint_of;

    #[test]
    fn errors_carry_their_hint_and_stay_typed_in_the_chain() {
        let error = ClientError::Config(ConfigError::MissingSecret).into_anyhow();
        assert!(hint_of(&error).is_some_and(|hint| hint.contains("UMAPI_CLIENT_SECRET")));
        assert!(error.chain().any(|cause| cause.downcast_ref::<ClientError>().is_some()));
        let error = ClientError::Auth(AuthError::Rejected {
            url: "http://127.0.0.1:1/ims/token/v3".into(),
            status: 401,
            error: "invalid_client".into(),
            description: Some("invalid client_secret parameter".into()),
        });
        assert!(!error.is_cancellation());
        assert!(error.to_string().contains("HTTP 401 invalid_client (invalid client_secret parameter)"));
        assert!(error.hint().is_some_and(|hint| hint.contains("UMAPI_CLIENT_SECRET")));
        assert!(ClientError::Cancelled.is_cancellation());
    }
}
