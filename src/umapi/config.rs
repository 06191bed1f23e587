//! What the client needs to reach an org, as plain data: the org and API client, the credential,
//! the IMS and UMAPI URLs, and the limits it paces and retries by ([`Config`], [`Limits`],
//! [`AuthMethod`]). The defaults are Adobe's production hosts and documented limits.
//!
//! The settings step builds a `Config` from the configuration file and the environment; the
//! simulator builds one that points at itself. This file reads nothing and checks nothing:
//! [`crate::umapi::UmapiClient::new`] checks a configuration before anything is sent.

use std::path::PathBuf;
use std::time::Duration;

use serde::{Deserialize, Serialize};

use crate::secret::Secret;
use crate::umapi::retry::{DEFAULT_BACKOFF_BASE, DEFAULT_BACKOFF_CAP};

/// Adobe's production IMS host.
pub const DEFAULT_IMS_URL: &str = "https://ims-na1.adobelogin.com";
/// Adobe's production UMAPI base URL.
pub const DEFAULT_UMAPI_URL: &str = "https://usermanagement.adobe.io/v2/usermanagement";

/// How the client authenticates (UMAPI.md D "auth").
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize, Default)]
#[serde(rename_all = "lowercase")]
pub enum AuthMethod {
    /// OAuth Server-to-Server client credentials (`/ims/token/v3`).
    #[default]
    Oauth,
    /// Legacy JWT service account (`/ims/exchange/jwt`).
    Jwt,
}

/// Rate limits and retry policy of one client (defaults: Adobe's documented limits).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Limits {
    /// Action requests per window (0: no limit).
    pub action_rpm: u32,
    /// User read requests per window (0: no limit).
    pub read_rpm: u32,
    /// Group read requests per window (0: no limit).
    pub groups_rpm: u32,
    /// Attempts per request, first included.
    pub max_attempts: u32,
    /// Longest server-requested wait to sleep through; longer ones park the run.
    pub max_wait: Duration,
    /// Per-request timeout.
    pub request_timeout: Duration,
    /// Length of the window the limits count in (UMAPI: a minute).
    pub window: Duration,
    /// Ceiling of the first jittered backoff (doubles per attempt up to `backoff_cap`).
    pub backoff_base: Duration,
    /// Largest backoff ceiling.
    pub backoff_cap: Duration,
}

impl Default for Limits {
    fn default() -> Self {
        Self {
            action_rpm: 10,
            read_rpm: 25,
            groups_rpm: 5,
            max_attempts: 4,
            max_wait: Duration::from_secs(15 * 60),
            request_timeout: Duration::from_secs(120),
            window: Duration::from_secs(60),
            backoff_base: DEFAULT_BACKOFF_BASE,
            backoff_cap: DEFAULT_BACKOFF_CAP,
        }
    }
}

/// Everything the client needs to reach one org. The secret is redacted when printed.
#[derive(Clone, Debug)]
pub struct Config {
    /// The org id, `<hex>@AdobeOrg`.
    pub org_id: String,
    /// The API client id (also the `X-Api-Key`).
    pub client_id: String,
    /// The client secret.
    pub client_secret: Option<Secret>,
    /// OAuth S2S or legacy JWT.
    pub auth: AuthMethod,
    /// JWT technical account id (`...@techacct.adobe.com`).
    pub tech_account_id: Option<String>,
    /// JWT private key file.
    pub private_key_file: Option<PathBuf>,
    /// IMS base URL.
    pub ims_url: String,
    /// UMAPI base URL (ending in `/v2/usermanagement`).
    pub umapi_url: String,
    /// Rate limits and retry policy.
    pub limits: Limits,
    /// An extra CA certificate (PEM) trusted beside the operating system's store (`ca_file`).
    pub extra_ca_pem: Option<Vec<u8>>,
}

impl Default for Config {
    fn default() -> Self {
        Self {
            org_id: String::new(),
            client_id: String::new(),
            client_secret: None,
            auth: AuthMethod::Oauth,
            tech_account_id: None,
            private_key_file: None,
            ims_url: DEFAULT_IMS_URL.to_string(),
            umapi_url: DEFAULT_UMAPI_URL.to_string(),
            limits: Limits::default(),
            extra_ca_pem: None,
        }
    }
}
