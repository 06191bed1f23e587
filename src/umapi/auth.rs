//! Authentication against IMS: OAuth Server-to-Server (the default) and the legacy JWT service
//! account, with a token cache (UMAPI.md 1, D "auth").
//!
//! - OAuth S2S: `POST {ims_url}/ims/token/v3`, form `grant_type=client_credentials`, `client_id`,
//!   `client_secret`, `scope=openid,AdobeID,user_management_sdk`; `expires_in` in seconds.
//! - JWT: an RS256 JWT (claims `exp` = now + 1 h, `iss` = org id, `sub` = technical account,
//!   `aud` = `{ims_url}/c/{client_id}`, `{ims_url}/s/ent_user_sdk: true`) exchanged at
//!   `POST {ims_url}/ims/exchange/jwt` with `client_id`, `client_secret`, `jwt_token`;
//!   `expires_in` in milliseconds.
//!
//! The token is cached and renewed ahead of expiry: 5 minutes before it, or half-way through its
//! life for tokens shorter than 10 minutes (the simulator's short test tokens), so that a token never
//! expires between being taken and being checked by UMAPI. After a 401 the caller asks for one
//! renewal ([`Authenticator::renew_after_rejection`]); concurrent 401s for the same token share one
//! fetch. IMS 429/5xx, timeouts and connection errors are retried by the one retry policy; any other
//! IMS answer is a rejection. Secrets (client secret, private key, token) are held in
//! [`Secret`]/opaque types and leave this file only as request bodies and the bearer header; the
//! authenticator's [`Scrubber`] knows them all (tokens as they are fetched) and removes them from
//! whatever IMS or UMAPI sends back.

use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::{Duration, SystemTime};

use jsonwebtoken::{Algorithm, EncodingKey, Header};
use tokio::sync::Mutex;
use tokio::time::Instant;

use crate::secret::{Scrubber, Secret};
use crate::umapi::cancel::CancelToken;
use crate::umapi::client::clip_server_text;
use crate::umapi::config::{AuthMethod, Config};
use crate::umapi::error::{AuthError, ConfigError};
use crate::umapi::observe::ClientObserver;
use crate::umapi::retry::{AttemptResult, Decision, RetryPolicy, Verdict, classify, instant_after, moment_after};
use crate::umapi::stats::ClientStatistics;
use crate::umapi::wire::{ImsError, JWT_METASCOPE, OAUTH_SCOPE, TokenResponse};

/// Renew this long before expiry (or at half-life for shorter tokens).
pub const RENEW_BEFORE_EXPIRY: Duration = Duration::from_secs(5 * 60);
/// Lifetime written into the JWT's `exp` claim.
pub const JWT_LIFETIME: Duration = Duration::from_secs(3600);

/// A JWT signing key and its PEM text (kept only to scrub it from server text); never printed.
#[derive(Clone)]
pub struct SigningKey(EncodingKey, Secret);

impl std::fmt::Debug for SigningKey {
    fn fmt(&self, formatter: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        formatter.write_str("SigningKey([redacted])")
    }
}

/// What the client authenticates with.
#[derive(Clone, Debug)]
pub enum Credentials {
    /// OAuth Server-to-Server client credentials.
    OAuth {
        /// The client id (also the API key).
        client_id: String,
        /// The client secret.
        client_secret: Secret,
    },
    /// Legacy JWT service account.
    Jwt {
        /// The client id (also the API key).
        client_id: String,
        /// The client secret.
        client_secret: Secret,
        /// The org id (`iss`).
        org_id: String,
        /// The technical account (`sub`).
        tech_account_id: String,
        /// The RS256 key.
        key: SigningKey,
    },
}

impl Credentials {
    /// Reads the credentials of a configuration (the JWT key file included).
    pub fn from_config(config: &Config) -> Result<Self, ConfigError> {
        if config.client_id.trim().is_empty() {
            return Err(ConfigError::Missing { field: "client_id" });
        }
        let client_secret =
            config.client_secret.clone().filter(|secret| !secret.is_empty()).ok_or(ConfigError::MissingSecret)?;
        let client_id = config.client_id.trim().to_string();
        match config.auth {
            AuthMethod::Oauth => Ok(Self::OAuth { client_id, client_secret }),
            AuthMethod::Jwt => {
                let tech_account_id = config
                    .tech_account_id
                    .clone()
                    .filter(|value| !value.trim().is_empty())
                    .ok_or(ConfigError::Missing { field: "tech_account_id" })?;
                let path = config.private_key_file.clone().ok_or(ConfigError::Missing { field: "private_key_file" })?;
                let pem = Secret::new(
                    fs_err::read_to_string(&path)
                        .map_err(|source| ConfigError::PrivateKeyUnreadable { path: path.clone(), source })?,
                );
                let key = EncodingKey::from_rsa_pem(pem.expose().as_bytes())
                    .map_err(|error| ConfigError::PrivateKeyInvalid { path, detail: error.to_string() })?;
                Ok(Self::Jwt {
                    client_id,
                    client_secret,
                    org_id: config.org_id.clone(),
                    tech_account_id,
                    key: SigningKey(key, pem),
                })
            }
        }
    }

    /// The client id (the `X-Api-Key`).
    pub fn client_id(&self) -> &str {
        match self {
            Self::OAuth { client_id, .. } | Self::Jwt { client_id, .. } => client_id,
        }
    }
}

/// The claims of the JWT (UMAPI.md 1a), as a JSON object.
pub fn jwt_claims(
    ims_url: &str,
    client_id: &str,
    org_id: &str,
    tech_account_id: &str,
    now: SystemTime,
) -> serde_json::Value {
    let issued = now.duration_since(SystemTime::UNIX_EPOCH).unwrap_or_default().as_secs();
    let mut claims = serde_json::Map::new();
    claims.insert("exp".into(), (issued + JWT_LIFETIME.as_secs()).into());
    claims.insert("iss".into(), org_id.into());
    claims.insert("sub".into(), tech_account_id.into());
    claims.insert("aud".into(), format!("{ims_url}/c/{client_id}").into());
    claims.insert(format!("{ims_url}/s/{JWT_METASCOPE}"), true.into());
    serde_json::Value::Object(claims)
}

/// When to renew a token of `lifetime` fetched at `fetched`: [`RENEW_BEFORE_EXPIRY`] early, or at
/// half-life for short tokens; `margin` replaces the 5 minutes (tests use zero to provoke 401s).
/// `lifetime` comes from IMS's `expires_in`, so the sum saturates (an absurd lifetime means "renew
/// only when UMAPI refuses the token").
pub fn renewal_moment(fetched: Instant, lifetime: Duration, margin: Option<Duration>) -> Instant {
    let margin = margin.unwrap_or(RENEW_BEFORE_EXPIRY.min(lifetime / 2)).min(lifetime);
    instant_after(fetched, lifetime - margin)
}

#[derive(Debug)]
struct CachedToken {
    token: Secret,
    renew_at: Instant,
}

/// Fetches and caches access tokens.
#[derive(Debug)]
pub struct Authenticator {
    http: reqwest::Client,
    ims_url: String,
    credentials: Credentials,
    policy: RetryPolicy,
    timeout: Duration,
    renew_margin: Option<Duration>,
    cache: Mutex<Option<CachedToken>>,
    /// Whether IMS ever answered (until then a refused connection is not retried).
    contacted: AtomicBool,
    scrubber: Arc<Scrubber>,
}

impl Authenticator {
    /// An authenticator for `credentials` at `ims_url` (no trailing slash). `renew_margin`
    /// replaces the default renewal margin (see [`renewal_moment`]).
    pub fn new(
        http: reqwest::Client,
        ims_url: &str,
        credentials: Credentials,
        policy: RetryPolicy,
        timeout: Duration,
        renew_margin: Option<Duration>,
    ) -> Self {
        let scrubber = Arc::new(Scrubber::new());
        match &credentials {
            Credentials::OAuth { client_secret, .. } => scrubber.add(client_secret),
            Credentials::Jwt { client_secret, key, .. } => {
                scrubber.add(client_secret);
                scrubber.add_private_key(&key.1);
            }
        }
        Self {
            http,
            ims_url: ims_url.trim_end_matches('/').to_string(),
            credentials,
            policy,
            timeout,
            renew_margin,
            cache: Mutex::new(None),
            contacted: AtomicBool::new(false),
            scrubber,
        }
    }

    /// What removes this run's secrets (client secret, private key, tokens fetched so far) from
    /// server text.
    pub fn scrubber(&self) -> &Arc<Scrubber> {
        &self.scrubber
    }

    /// The client id (the `X-Api-Key`).
    pub fn client_id(&self) -> &str {
        self.credentials.client_id()
    }

    /// The token endpoint this authenticator asks.
    pub fn token_url(&self) -> String {
        self.endpoint()
    }

    /// The IMS base URL.
    pub fn ims_url(&self) -> &str {
        &self.ims_url
    }

    /// A valid token: the cached one, or a new one when it is missing or due for renewal.
    pub async fn token(
        &self,
        stop: &CancelToken,
        observer: &dyn ClientObserver,
        statistics: &ClientStatistics,
    ) -> Result<Secret, AuthError> {
        let mut cache = self.cache.lock().await;
        if let Some(cached) = cache.as_ref()
            && Instant::now() < cached.renew_at
        {
            return Ok(cached.token.clone());
        }
        let renewal = cache.is_some();
        let fresh = self.fetch(stop, statistics).await?;
        observer.token_fetched(renewal);
        let token = fresh.token.clone();
        *cache = Some(fresh);
        Ok(token)
    }

    /// After UMAPI refused `rejected` with a 401: a new token, unless another task already renewed
    /// it (then that one).
    pub async fn renew_after_rejection(
        &self,
        rejected: &Secret,
        stop: &CancelToken,
        observer: &dyn ClientObserver,
        statistics: &ClientStatistics,
    ) -> Result<Secret, AuthError> {
        let mut cache = self.cache.lock().await;
        if let Some(cached) = cache.as_ref()
            && &cached.token != rejected
            && Instant::now() < cached.renew_at
        {
            return Ok(cached.token.clone());
        }
        let fresh = self.fetch(stop, statistics).await?;
        observer.token_fetched(true);
        let token = fresh.token.clone();
        *cache = Some(fresh);
        Ok(token)
    }

    fn endpoint(&self) -> String {
        match self.credentials {
            Credentials::OAuth { .. } => format!("{}/ims/token/v3", self.ims_url),
            Credentials::Jwt { .. } => format!("{}/ims/exchange/jwt", self.ims_url),
        }
    }

    fn form(&self) -> Result<Vec<(&'static str, Secret)>, AuthError> {
        Ok(match &self.credentials {
            Credentials::OAuth { client_id, client_secret } => vec![
                ("grant_type", Secret::new("client_credentials")),
                ("client_id", Secret::new(client_id.clone())),
                ("client_secret", client_secret.clone()),
                ("scope", Secret::new(OAUTH_SCOPE)),
            ],
            Credentials::Jwt { client_id, client_secret, org_id, tech_account_id, key } => {
                let claims = jwt_claims(&self.ims_url, client_id, org_id, tech_account_id, SystemTime::now());
                let jwt = Secret::new(
                    jsonwebtoken::encode(&Header::new(Algorithm::RS256), &claims, &key.0)
                        .map_err(|error| AuthError::Signing(error.to_string()))?,
                );
                // The signed assertion is a credential for its hour: never echo it either.
                self.scrubber.add_token(&jwt);
                vec![
                    ("client_id", Secret::new(client_id.clone())),
                    ("client_secret", client_secret.clone()),
                    ("jwt_token", jwt),
                ]
            }
        })
    }

    fn lifetime(&self, expires_in: u64) -> Duration {
        match self.credentials {
            Credentials::OAuth { .. } => Duration::from_secs(expires_in),
            Credentials::Jwt { .. } => Duration::from_millis(expires_in),
        }
    }

    async fn fetch(&self, stop: &CancelToken, statistics: &ClientStatistics) -> Result<CachedToken, AuthError> {
        let url = self.endpoint();
        let mut attempt = 0;
        loop {
            attempt += 1;
            if stop.is_cancelled() {
                return Err(AuthError::Cancelled);
            }
            let form = self.form()?;
            let exposed: Vec<(&str, &str)> = form.iter().map(|(key, value)| (*key, value.expose())).collect();
            ClientStatistics::bump(&statistics.token_requests);
            let fetched = Instant::now();
            let sent = self
                .http
                .post(&url)
                .header(reqwest::header::CACHE_CONTROL, "no-cache")
                .header(reqwest::header::ACCEPT, "application/json")
                .timeout(self.timeout)
                .form(&exposed)
                .send()
                .await;
            let result = match sent {
                Ok(response) => {
                    let status = response.status().as_u16();
                    let retry_after = response
                        .headers()
                        .get(reqwest::header::RETRY_AFTER)
                        .and_then(|value| value.to_str().ok())
                        .map(str::to_string);
                    match response.bytes().await {
                        Err(error) => AttemptResult::Broken(super::request::describe_transport(&error)),
                        Ok(body) if (200..300).contains(&status) => {
                            match serde_json::from_slice::<TokenResponse>(&body) {
                                Ok(answer) => {
                                    let lifetime = self.lifetime(answer.expires_in);
                                    let token = Secret::new(answer.access_token);
                                    self.scrubber.add_token(&token);
                                    return Ok(CachedToken {
                                        token,
                                        renew_at: renewal_moment(fetched, lifetime, self.renew_margin),
                                    });
                                }
                                Err(error) => {
                                    AttemptResult::BadBody(self.scrubber.scrub(&error.to_string()).into_owned())
                                }
                            }
                        }
                        Ok(body) => {
                            let result = AttemptResult::Status { status, retry_after };
                            if let Verdict::Fatal { .. } | Verdict::Unauthorized = classify(&result, SystemTime::now())
                            {
                                // IMS's error text is shown: it must not echo the form we sent.
                                return Err(rejection(&url, status, &self.scrubber.scrub_bytes(body.to_vec())));
                            }
                            result
                        }
                    }
                }
                Err(error) => super::request::transport_failure(&error),
            };
            if let AttemptResult::Refused(detail) = &result {
                if !self.contacted.load(Ordering::SeqCst) {
                    // Never reached IMS: no network, a wrong host, a certificate we do not trust.
                    // Retrying for half a minute would only delay the message.
                    let last = super::observe::RetryReason::Connection(detail.clone());
                    return Err(AuthError::Unavailable { url, attempts: attempt, last });
                }
            } else {
                self.contacted.store(true, Ordering::SeqCst);
            }
            let Verdict::Transient { reason, retry_after } = classify(&result, SystemTime::now()) else {
                return Err(AuthError::Unavailable {
                    url,
                    attempts: attempt,
                    last: super::observe::RetryReason::Timeout,
                });
            };
            match self.policy.decide(attempt, retry_after, rand::random::<f64>()) {
                Decision::Retry { delay, server_requested } => {
                    let _waiting = statistics.waited.enter();
                    let _server_waiting = server_requested.then(|| statistics.server_waited.enter());
                    tokio::select! {
                        () = tokio::time::sleep(delay) => {}
                        () = stop.cancelled() => return Err(AuthError::Cancelled),
                    }
                }
                Decision::Park { wait } => {
                    let resume_after = moment_after(time::OffsetDateTime::now_utc(), wait);
                    return Err(AuthError::Parked { url, wait, resume_after });
                }
                Decision::GiveUp => {
                    return Err(AuthError::Unavailable { url, attempts: attempt, last: reason });
                }
            }
        }
    }
}

fn rejection(url: &str, status: u16, body: &[u8]) -> AuthError {
    // IMS refuses credentials with a JSON error; a 404/405, or an answer that is not IMS's JSON,
    // means the URL does not lead to IMS's token endpoint (a wrong ims_url or path, a proxy page).
    match serde_json::from_slice::<ImsError>(body) {
        Ok(error) if !matches!(status, 404 | 405) => AuthError::Rejected {
            url: url.to_string(),
            status,
            error: clip_server_text(&error.error),
            description: error.error_description.as_deref().map(clip_server_text),
        },
        _ => {
            let text: String = String::from_utf8_lossy(body).chars().take(200).collect();
            let text = text.trim();
            AuthError::NotIms {
                url: url.to_string(),
                status,
                body: if text.is_empty() { "an empty body".to_string() } else { format!("{text:?}") },
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn jwt_claims_follow_umapi_md() {
        let now = SystemTime::UNIX_EPOCH + Duration::from_secs(1_000);
        let claims = jwt_claims("https://ims-na1.adobelogin.com", "cid", "ORG@AdobeOrg", "T@techacct.adobe.com", now);
        assert_eq!(
            claims,
            serde_json::json!({
                "exp": 4_600,
                "iss": "ORG@AdobeOrg",
                "sub": "T@techacct.adobe.com",
                "aud": "https://ims-na1.adobelogin.com/c/cid",
                "https://ims-na1.adobelogin.com/s/ent_user_sdk": true
            })
        );
    }

    #[test]
    fn tokens_renew_five_minutes_early_or_at_half_life() {
        let fetched = Instant::now();
        assert_eq!(renewal_moment(fetched, Duration::from_secs(86_399), None), fetched + Duration::from_secs(86_099));
        assert_eq!(renewal_moment(fetched, Duration::from_secs(4), None), fetched + Duration::from_secs(2));
        assert_eq!(
            renewal_moment(fetched, Duration::from_secs(4), Some(Duration::ZERO)),
            fetched + Duration::from_secs(4)
        );
        // IMS's `expires_in` is server text: an absurd lifetime saturates instead of overflowing.
        for lifetime in [Duration::from_secs(u64::MAX), Duration::from_millis(u64::MAX), Duration::MAX] {
            assert!(renewal_moment(fetched, lifetime, None) > fetched + Duration::from_secs(365 * 86_400));
        }
    }

    #[test]
    fn credentials_need_a_secret_and_for_jwt_a_key() {
        let config = Config { client_id: "cid".into(), ..Config::default() };
        assert!(matches!(Credentials::from_config(&config), Err(ConfigError::MissingSecret)));
        let config = Config { client_secret: Some(Secret::new("s")), ..config };
        assert!(matches!(Credentials::from_config(&config), Ok(Credentials::OAuth { .. })));
        let jwt = Config { auth: AuthMethod::Jwt, tech_account_id: Some("T@techacct.adobe.com".into()), ..config };
        assert!(matches!(Credentials::from_config(&jwt), Err(ConfigError::Missing { field: "private_key_file" })));
        let missing = Config { private_key_file: Some("/nonexistent/private.key".into()), ..jwt };
        let error = Credentials::from_config(&missing).err().map(|error| error.to_string()).unwrap_or_default();
        assert!(error.contains("/nonexistent/private.key"), "{error}");
    }

    #[test]
    fn ims_rejections_are_read_from_the_body() {
        let error = rejection("u", 401, br#"{"error":"invalid_client","error_description":"bad secret"}"#);
        assert!(matches!(error, AuthError::Rejected { status: 401, ref error, .. } if error == "invalid_client"));
        let error = rejection("u", 400, b"<html>nope</html>");
        assert!(matches!(error, AuthError::NotIms { status: 400, ref body, .. } if body == "\"<html>nope</html>\""));
        let error = rejection("u", 404, br#"{"error":"not_found"}"#);
        assert!(matches!(error, AuthError::NotIms { status: 404, .. }), "{error:?}");
        let error = rejection("u", 404, b"");
        assert!(error.to_string().contains("an empty body"), "{error}");
        assert!(error.hint().is_some_and(|hint| hint.contains("ims_url") && !hint.contains("secret")));
    }
}
