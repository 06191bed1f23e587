//! The configuration file: the TOML file (`--config`, default `umapi-bulk.toml`), Adobe's sample
//! `usermanagement.config` accepted as it is, and the environment variables for secrets
//! (`UMAPI_CLIENT_SECRET`, `UMAPI_PRIVATE_KEY`), resolved into one [`Config`] (SPEC section 7).
//!
//! Precedence: environment over file over defaults (for the client secret, see `secret_source`). Secrets are held in [`Secret`] from the moment
//! they are read. A missing default file is not an error (offline commands need no config); a
//! missing file named with `--config` is. An invalid value names its key (`limits.max_wait`).
//!
//! `Config` is also what `summary.json` records of a run (secrets never serialise); the client gets
//! its own plain [`crate::umapi::Config`] from [`Config::client`].

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::time::Duration;

use anyhow::{Context, bail};
use serde::{Deserialize, Serialize};

use super::secret_source::SecretSource;
use crate::secret::Secret;
use crate::text::{format_duration, parse_duration};
pub use crate::umapi::config::{AuthMethod, DEFAULT_IMS_URL, DEFAULT_UMAPI_URL};

/// The default config file name, looked up in the current directory.
pub const DEFAULT_CONFIG_FILE: &str = "umapi-bulk.toml";
/// Environment variable holding the OAuth client secret.
pub const ENV_CLIENT_SECRET: &str = "UMAPI_CLIENT_SECRET";
/// Environment variable holding the path of the JWT private key.
pub const ENV_PRIVATE_KEY: &str = "UMAPI_PRIVATE_KEY";
/// `limits.concurrency` when not given.
const DEFAULT_CONCURRENCY: usize = 4;

/// Rate limits and retry policy (SPEC 7 `[limits]`; defaults are Adobe's documented limits).
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct Limits {
    /// Action requests per minute per client (0: no limit).
    pub action_rpm: u32,
    /// User read requests per minute per client (0: no limit).
    pub read_rpm: u32,
    /// Group read requests per minute per client (0: no limit).
    pub groups_rpm: u32,
    /// Attempts per request, first included.
    pub max_attempts: u32,
    /// Longest server-requested wait the run sleeps through; longer ones park the run.
    #[serde(serialize_with = "serialize_duration")]
    pub max_wait: Duration,
    /// Per-request timeout.
    #[serde(serialize_with = "serialize_duration")]
    pub request_timeout: Duration,
    /// Most requests in flight at once.
    pub concurrency: usize,
    /// Length of the rate-limit window the per-minute limits count in (60 s; `window` in the file,
    /// to rehearse against `umapi-bulk sim --window-secs N`).
    #[serde(serialize_with = "serialize_duration")]
    pub window: Duration,
    /// Ceiling of the first jittered backoff (doubles per attempt up to `backoff_cap`).
    #[serde(serialize_with = "serialize_duration")]
    pub backoff_base: Duration,
    /// Largest backoff ceiling.
    #[serde(serialize_with = "serialize_duration")]
    pub backoff_cap: Duration,
}

impl Default for Limits {
    /// The client's defaults (Adobe's documented limits) and four requests in flight.
    fn default() -> Self {
        Self::from_client(&crate::umapi::Limits::default(), DEFAULT_CONCURRENCY)
    }
}

impl Limits {
    /// The limits of a client, with `concurrency` requests in flight.
    pub fn from_client(limits: &crate::umapi::Limits, concurrency: usize) -> Self {
        Self {
            action_rpm: limits.action_rpm,
            read_rpm: limits.read_rpm,
            groups_rpm: limits.groups_rpm,
            max_attempts: limits.max_attempts,
            max_wait: limits.max_wait,
            request_timeout: limits.request_timeout,
            concurrency,
            window: limits.window,
            backoff_base: limits.backoff_base,
            backoff_cap: limits.backoff_cap,
        }
    }

    /// What the client paces and retries by.
    pub fn client(&self) -> crate::umapi::Limits {
        crate::umapi::Limits {
            action_rpm: self.action_rpm,
            read_rpm: self.read_rpm,
            groups_rpm: self.groups_rpm,
            max_attempts: self.max_attempts,
            max_wait: self.max_wait,
            request_timeout: self.request_timeout,
            window: self.window,
            backoff_base: self.backoff_base,
            backoff_cap: self.backoff_cap,
        }
    }
}

fn serialize_duration<S: serde::Serializer>(duration: &Duration, serializer: S) -> Result<S::Ok, S::Error> {
    serializer.serialize_str(&format_duration(*duration))
}

/// Everything a command needs to reach an org. Secrets are redacted when printed or serialised.
#[derive(Clone, Debug, Serialize)]
pub struct Config {
    /// The org id, `<hex>@AdobeOrg`.
    pub org_id: String,
    /// The API client id (also the `X-Api-Key`).
    pub client_id: String,
    /// The client secret; never serialised.
    #[serde(skip)]
    pub client_secret: Option<Secret>,
    /// Whether a client secret is configured (for `summary.json`).
    pub client_secret_set: bool,
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
    /// Domains the org has claimed; enables the claimed-domain rule offline.
    pub claimed_domains: Vec<String>,
    /// Rate limits and retry policy.
    pub limits: Limits,
    /// `client_secret_command`: a command that prints the client secret (not recorded in
    /// `summary.json`: only where the secret came from is).
    #[serde(skip)]
    pub client_secret_command: Option<String>,
    /// Where the client secret in force came from.
    pub secret_source: SecretSource,
    /// `ca_file`: an extra CA certificate (PEM) trusted beside the operating system's store.
    pub ca_file: Option<PathBuf>,
    /// The certificates of `ca_file`, read when the configuration was loaded.
    #[serde(skip)]
    pub extra_ca_pem: Option<Vec<u8>>,
    /// Where the configuration came from, if a file.
    pub source: Option<PathBuf>,
}

impl Default for Config {
    fn default() -> Self {
        Self::from_client(crate::umapi::Config::default(), Vec::new(), DEFAULT_CONCURRENCY)
    }
}

impl Config {
    /// The configuration of a client built elsewhere (the simulator's own), with the org's claimed
    /// domains and `concurrency` requests in flight.
    pub fn from_client(client: crate::umapi::Config, claimed_domains: Vec<String>, concurrency: usize) -> Self {
        Self {
            client_secret_set: client.client_secret.as_ref().is_some_and(|secret| !secret.is_empty()),
            limits: Limits::from_client(&client.limits, concurrency),
            org_id: client.org_id,
            client_id: client.client_id,
            client_secret: client.client_secret,
            auth: client.auth,
            tech_account_id: client.tech_account_id,
            private_key_file: client.private_key_file,
            ims_url: client.ims_url,
            umapi_url: client.umapi_url,
            claimed_domains,
            client_secret_command: None,
            secret_source: SecretSource::None,
            ca_file: None,
            extra_ca_pem: client.extra_ca_pem,
            source: None,
        }
    }

    /// What the UMAPI client needs of it.
    pub fn client(&self) -> crate::umapi::Config {
        crate::umapi::Config {
            org_id: self.org_id.clone(),
            client_id: self.client_id.clone(),
            client_secret: self.client_secret.clone(),
            auth: self.auth,
            tech_account_id: self.tech_account_id.clone(),
            private_key_file: self.private_key_file.clone(),
            ims_url: self.ims_url.clone(),
            umapi_url: self.umapi_url.clone(),
            limits: self.limits.client(),
            extra_ca_pem: self.extra_ca_pem.clone(),
        }
    }
}

/// The TOML file as written (SPEC 7).
#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
struct TomlFile {
    org_id: Option<String>,
    client_id: Option<String>,
    client_secret: Option<String>,
    auth: Option<AuthMethod>,
    tech_account_id: Option<String>,
    private_key_file: Option<PathBuf>,
    ims_url: Option<String>,
    umapi_url: Option<String>,
    claimed_domains: Option<Vec<String>>,
    client_secret_command: Option<String>,
    ca_file: Option<PathBuf>,
    limits: Option<TomlLimits>,
}

#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
struct TomlLimits {
    action_rpm: Option<u32>,
    read_rpm: Option<u32>,
    groups_rpm: Option<u32>,
    max_attempts: Option<u32>,
    max_wait: Option<String>,
    request_timeout: Option<String>,
    concurrency: Option<usize>,
    window: Option<String>,
    backoff_base: Option<String>,
    backoff_cap: Option<String>,
}

/// Environment values the configuration may take secrets from; injectable for tests.
#[derive(Clone, Debug, Default)]
pub struct Environment {
    /// `UMAPI_CLIENT_SECRET`.
    pub client_secret: Option<String>,
    /// `UMAPI_PRIVATE_KEY`.
    pub private_key: Option<PathBuf>,
}

impl Environment {
    /// Reads the process environment.
    pub fn from_process() -> Self {
        Self {
            client_secret: std::env::var(ENV_CLIENT_SECRET).ok().filter(|value| !value.is_empty()),
            private_key: std::env::var_os(ENV_PRIVATE_KEY).filter(|value| !value.is_empty()).map(PathBuf::from),
        }
    }
}

/// Loads the configuration: `explicit` (from `--config`) must exist; otherwise
/// `umapi-bulk.toml` in the current directory is used when present.
pub fn load(explicit: Option<&Path>, environment: &Environment) -> anyhow::Result<Config> {
    let mut config = match explicit {
        Some(path) => parse_file(path)?,
        None => {
            let default = Path::new(DEFAULT_CONFIG_FILE);
            if default.is_file() { parse_file(default)? } else { Config::default() }
        }
    };
    if config.client_secret.is_some() {
        config.secret_source = SecretSource::File;
    }
    if let Some(secret) = &environment.client_secret {
        config.client_secret = Some(Secret::new(secret.clone()));
        config.secret_source = SecretSource::Environment;
    }
    if let Some(path) = &environment.private_key {
        config.private_key_file = Some(path.clone());
    }
    config.client_secret_set = config.client_secret.as_ref().is_some_and(|secret| !secret.is_empty());
    Ok(config)
}

/// Parses one configuration file, TOML or Adobe's `usermanagement.config`.
pub fn parse_file(path: &Path) -> anyhow::Result<Config> {
    let text = fs_err::read_to_string(path).context("cannot read the configuration file")?;
    let mut config = parse_text(&text).with_context(|| format!("invalid configuration file {}", path.display()))?;
    if let (Some(parent), Some(key)) = (path.parent(), &config.private_key_file)
        && key.is_relative()
        && !parent.as_os_str().is_empty()
    {
        config.private_key_file = Some(parent.join(key));
    }
    if let (Some(parent), Some(ca_file)) = (path.parent(), &config.ca_file)
        && ca_file.is_relative()
        && !parent.as_os_str().is_empty()
    {
        config.ca_file = Some(parent.join(ca_file));
    }
    if let Some(ca_file) = &config.ca_file {
        let pem = fs_err::read(ca_file)
            .with_context(|| format!("invalid configuration file {}: ca_file cannot be read", path.display()))?;
        crate::tls::certificates(&pem)
            .with_context(|| format!("invalid configuration file {}: ca_file {}", path.display(), ca_file.display()))?;
        config.extra_ca_pem = Some(pem);
    }
    config.source = Some(path.to_path_buf());
    Ok(config)
}

/// The documented shape of an org id: letters and digits (24 hexadecimal digits in practice)
/// followed by `@AdobeOrg` (UMAPI.md 1a).
pub fn org_id_problem(value: &str) -> Option<String> {
    let Some(prefix) = value.strip_suffix("@AdobeOrg") else {
        return Some(format!("org_id = {value:?} does not end in @AdobeOrg"));
    };
    if prefix.is_empty() || prefix.len() > 64 || !prefix.bytes().all(|byte| byte.is_ascii_alphanumeric()) {
        return Some(format!("org_id = {value:?} is not letters and digits followed by @AdobeOrg"));
    }
    None
}

/// What to do about a wrong org id.
pub const ORG_ID_HINT: &str = "copy the Organization ID from the Adobe Developer Console (your project → the \
                               OAuth Server-to-Server credential → Credential details); it looks like \
                               0123456789ABCDEF01234567@AdobeOrg";

fn check_org_id(value: &str) -> anyhow::Result<()> {
    match org_id_problem(value) {
        Some(problem) => Err(crate::hint::with_hint(anyhow::anyhow!(problem), ORG_ID_HINT)),
        None => Ok(()),
    }
}

/// Parses configuration text: Adobe's key = value format when it uses Adobe's keys, else TOML.
pub fn parse_text(text: &str) -> anyhow::Result<Config> {
    if looks_like_adobe_config(text) {
        return parse_adobe_config(text);
    }
    let file: TomlFile = toml::from_str(text)?;
    let mut config = Config::default();
    if let Some(value) = file.org_id {
        check_org_id(&value)?;
        config.org_id = value;
    }
    if let Some(value) = file.client_id {
        config.client_id = value;
    }
    config.client_secret = file.client_secret.map(Secret::new);
    config.client_secret_command = file.client_secret_command.filter(|command| !command.trim().is_empty());
    config.ca_file = file.ca_file;
    if let Some(value) = file.auth {
        config.auth = value;
    }
    config.tech_account_id = file.tech_account_id;
    config.private_key_file = file.private_key_file;
    if let Some(value) = file.ims_url {
        config.ims_url = value.trim_end_matches('/').to_string();
    }
    if let Some(value) = file.umapi_url {
        config.umapi_url = value.trim_end_matches('/').to_string();
    }
    if let Some(value) = file.claimed_domains {
        config.claimed_domains = value.into_iter().map(|domain| domain.trim().to_ascii_lowercase()).collect();
    }
    if let Some(limits) = file.limits {
        let target = &mut config.limits;
        if let Some(value) = limits.action_rpm {
            target.action_rpm = value;
        }
        if let Some(value) = limits.read_rpm {
            target.read_rpm = value;
        }
        if let Some(value) = limits.groups_rpm {
            target.groups_rpm = value;
        }
        if let Some(value) = limits.max_attempts {
            if value == 0 {
                bail!("limits.max_attempts must be at least 1");
            }
            target.max_attempts = value;
        }
        if let Some(value) = limits.max_wait {
            target.max_wait = parse_duration(&value).context("limits.max_wait")?;
        }
        if let Some(value) = limits.request_timeout {
            target.request_timeout = parse_duration(&value).context("limits.request_timeout")?;
        }
        for (value, target, name) in [
            (&limits.window, &mut target.window, "limits.window"),
            (&limits.backoff_base, &mut target.backoff_base, "limits.backoff_base"),
            (&limits.backoff_cap, &mut target.backoff_cap, "limits.backoff_cap"),
        ] {
            if let Some(value) = value {
                let duration = parse_duration(value).context(name)?;
                if duration.is_zero() {
                    bail!("{name} must be more than zero");
                }
                *target = duration;
            }
        }
        if let Some(value) = limits.concurrency {
            if value == 0 {
                bail!("limits.concurrency must be at least 1");
            }
            target.concurrency = value;
        }
    }
    Ok(config)
}

const ADOBE_KEYS: [&str; 5] = ["api_key", "tech_acct", "priv_key_filename", "ims_endpoint_jwt", "ims_host"];

fn looks_like_adobe_config(text: &str) -> bool {
    adobe_pairs(text).keys().any(|key| ADOBE_KEYS.contains(&key.as_str()))
}

/// `key = value` lines of an INI-style file; `[section]` headers and `#`/`;` comments are skipped.
fn adobe_pairs(text: &str) -> BTreeMap<String, String> {
    text.lines()
        .map(str::trim)
        .filter(|line| !line.is_empty() && !line.starts_with('#') && !line.starts_with(';') && !line.starts_with('['))
        .filter_map(|line| line.split_once(['=', ':']))
        .map(|(key, value)| (key.trim().to_ascii_lowercase(), value.trim().trim_matches('"').to_string()))
        .collect()
}

fn parse_adobe_config(text: &str) -> anyhow::Result<Config> {
    let pairs = adobe_pairs(text);
    let get = |key: &str| pairs.get(key).filter(|value| !value.is_empty()).cloned();
    let tech_account_id = get("tech_acct");
    let private_key_file = get("priv_key_filename").map(PathBuf::from);
    let auth =
        if tech_account_id.is_some() || private_key_file.is_some() { AuthMethod::Jwt } else { AuthMethod::Oauth };
    let org_id = get("org_id").unwrap_or_default();
    if !org_id.is_empty() {
        check_org_id(&org_id)?;
    }
    let mut config = Config {
        org_id,
        client_id: get("api_key").or_else(|| get("client_id")).unwrap_or_default(),
        client_secret: get("client_secret").map(Secret::new),
        tech_account_id,
        private_key_file,
        auth,
        ..Config::default()
    };
    if let Some(host) = get("ims_host") {
        config.ims_url = with_scheme(&host);
    }
    if let Some(host) = get("host") {
        let endpoint = get("endpoint").unwrap_or_else(|| "/v2/usermanagement".to_string());
        config.umapi_url = format!("{}{}", with_scheme(&host), endpoint.trim_end_matches('/'));
    }
    let domains: Vec<String> = ["domain", "fed_domain"]
        .iter()
        .filter_map(|key| get(key))
        .filter(|value| !value.starts_with('<'))
        .map(|value| value.to_ascii_lowercase())
        .collect();
    config.claimed_domains = domains;
    Ok(config)
}

fn with_scheme(host: &str) -> String {
    let host = host.trim_end_matches('/');
    if host.starts_with("http://") || host.starts_with("https://") {
        host.to_string()
    } else {
        format!("https://{host}")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn toml_config_with_limits_parses() {
        let config = parse_text(
            r#"
org_id = "DEMO0000000000000000000@AdobeOrg"
client_id = "demo-client"
client_secret = "demo-secret"
auth = "oauth"
claimed_domains = ["Example.com"]
[limits]
action_rpm = 20
max_wait = "2m"
"#,
        )
        .unwrap_or_default();
        assert_eq!(config.org_id, "DEMO0000000000000000000@AdobeOrg");
        assert_eq!(config.claimed_domains, vec!["example.com"]);
        assert_eq!(config.limits.action_rpm, 20);
        assert_eq!(config.limits.read_rpm, 25);
        assert_eq!(config.limits.max_wait, Duration::from_secs(120));
        assert_eq!(config.client_secret.as_ref().map(Secret::expose), Some("demo-secret"));
    }

    #[test]
    fn adobe_usermanagement_config_is_accepted_as_is() {
        let config = parse_text(
            "[server]\nhost = usermanagement.adobe.io\nendpoint = /v2/usermanagement\nims_host = ims-na1.adobelogin.com\n\
             ims_endpoint_jwt = /ims/exchange/jwt\n\n[enterprise]\ndomain = example.com\norg_id = ABC@AdobeOrg\n\
             api_key = key123\nclient_secret = s3cret\ntech_acct = T@techacct.adobe.com\npriv_key_filename = private.key\n",
        )
        .unwrap_or_default();
        assert_eq!(config.client_id, "key123");
        assert_eq!(config.auth, AuthMethod::Jwt);
        assert_eq!(config.umapi_url, "https://usermanagement.adobe.io/v2/usermanagement");
        assert_eq!(config.ims_url, "https://ims-na1.adobelogin.com");
        assert_eq!(config.claimed_domains, vec!["example.com"]);
        assert_eq!(config.private_key_file, Some(PathBuf::from("private.key")));
    }

    #[test]
    fn window_and_backoff_can_be_shortened_for_rehearsals() {
        let config = parse_text("[limits]\nwindow = \"2s\"\nbackoff_base = \"50ms\"\nbackoff_cap = \"1s\"\n")
            .unwrap_or_default();
        assert_eq!(config.limits.window, Duration::from_secs(2));
        assert_eq!(config.limits.backoff_base, Duration::from_millis(50));
        assert_eq!(config.limits.backoff_cap, Duration::from_secs(1));
        assert!(parse_text("[limits]\nwindow = \"0s\"\n").is_err());
    }

    #[test]
    fn unknown_toml_keys_are_rejected() {
        assert!(parse_text("org = \"x\"").is_err());
    }

    #[test]
    fn environment_secret_wins_and_is_redacted() {
        let environment = Environment { client_secret: Some("from-env".into()), private_key: None };
        let config = load(None, &environment).unwrap_or_default();
        assert!(config.client_secret_set);
        let json = serde_json::to_string(&config).unwrap_or_default();
        assert!(!json.contains("from-env"));
        assert!(!format!("{config:?}").contains("from-env"));
    }
}
