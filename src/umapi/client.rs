//! The UMAPI HTTP client: one [`UmapiClient`] per run, holding the HTTP connection pool, the token
//! cache, the three family limiters, the shared 429 pause and the counters; built from the
//! configuration, which it checks before anything is sent.
//!
//! Headers on every call: `Authorization: Bearer`, `X-Api-Key`, `X-Request-Id` (fresh UUID per
//! attempt), `Content-Type`/`Accept: application/json`, `User-Agent: umapi-bulk/<version>`, and the
//! `Pragma` sync signals. The request loop lives in `request.rs`, the reads in `reads.rs`; the
//! executor sends actions through [`UmapiClient::send_action`]. This file must not know about
//! batches, journals or outcomes.

use std::sync::Arc;
use std::sync::atomic::AtomicBool;
use std::time::Duration;

use percent_encoding::{AsciiSet, NON_ALPHANUMERIC, utf8_percent_encode};
use reqwest::Method;

use crate::secret::Scrubber;
use crate::umapi::auth::{Authenticator, Credentials};
use crate::umapi::cancel::CancelToken;
use crate::umapi::config::{Config, Limits};
use crate::umapi::error::{ClientError, ConfigError};
use crate::umapi::observe::{ClientObserver, Family, NoObserver};
use crate::umapi::retry::{AttemptResult, RetryPolicy};
use crate::umapi::session::{Parking, Session, SessionPhase};
use crate::umapi::stats::{ClientStatistics, StatisticsSnapshot};
use crate::umapi::throttle::{Pause, SlidingWindow};
use crate::umapi::wire::ActionResponse;

pub use crate::umapi::request::{Answer, AttemptHook, CallError, HookError};
pub(crate) use crate::umapi::request::{NoHook, Request};

/// Characters escaped in a URL path segment: everything but RFC 3986 unreserved characters and
/// `@` (user emails keep their `@`, as umapi-client does; a space becomes `%20`).
const PATH_SEGMENT: &AsciiSet = &NON_ALPHANUMERIC.remove(b'-').remove(b'.').remove(b'_').remove(b'~').remove(b'@');

/// Percent-encodes one URL path segment.
pub fn encode_segment(segment: &str) -> String {
    utf8_percent_encode(segment, PATH_SEGMENT).to_string()
}

/// How a client is built beyond the configuration.
#[derive(Clone)]
pub struct ClientOptions {
    /// Where request, retry, wait and read events go.
    pub observer: Arc<dyn ClientObserver>,
    /// Replaces the policy derived from `Limits` (tests shrink the backoff).
    pub policy: Option<RetryPolicy>,
    /// Replaces the token renewal margin (5 minutes; tests use zero to provoke 401s).
    pub renew_margin: Option<Duration>,
}

impl Default for ClientOptions {
    fn default() -> Self {
        Self { observer: Arc::new(NoObserver), policy: None, renew_margin: None }
    }
}

impl std::fmt::Debug for ClientOptions {
    fn fmt(&self, formatter: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        formatter.debug_struct("ClientOptions").field("policy", &self.policy).finish_non_exhaustive()
    }
}

/// The UMAPI client.
pub struct UmapiClient {
    pub(super) http: reqwest::Client,
    pub(super) base: String,
    org_id: String,
    pub(super) auth: Authenticator,
    action: Arc<SlidingWindow>,
    users: Arc<SlidingWindow>,
    groups: Arc<SlidingWindow>,
    pub(super) pause: Pause,
    pub(super) policy: RetryPolicy,
    pub(super) timeout: Duration,
    pub(super) observer: Arc<dyn ClientObserver>,
    pub(super) statistics: ClientStatistics,
    pub(super) session: Session,
    pub(super) parking: Parking,
    /// Whether UMAPI ever answered this client (until then a refused connection is not retried).
    pub(super) reached: AtomicBool,
}

impl std::fmt::Debug for UmapiClient {
    fn fmt(&self, formatter: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        formatter.debug_struct("UmapiClient").field("base", &self.base).field("org_id", &self.org_id).finish()
    }
}

fn check_url(field: &'static str, value: &str) -> Result<String, ConfigError> {
    let trimmed = value.trim().trim_end_matches('/');
    url::Url::parse(trimmed).map_err(|error| ConfigError::BadUrl {
        field,
        value: value.to_string(),
        detail: error.to_string(),
    })?;
    Ok(trimmed.to_string())
}

impl UmapiClient {
    /// A client for the configured org. Checks the configuration (org id, client id, secret, URLs,
    /// JWT key) before anything is sent.
    pub fn new(config: &Config, options: ClientOptions) -> Result<Self, ClientError> {
        if config.org_id.trim().is_empty() {
            return Err(ConfigError::Missing { field: "org_id" }.into());
        }
        let base = check_url("umapi_url", &config.umapi_url)?;
        let ims_url = check_url("ims_url", &config.ims_url)?;
        let credentials = Credentials::from_config(config)?;
        let limits: &Limits = &config.limits;
        let policy = options.policy.unwrap_or_else(|| RetryPolicy::from_limits(limits));
        let loopback = is_loopback(&base) && is_loopback(&ims_url);
        let http = crate::tls::build(config.extra_ca_pem.as_deref(), |builder| {
            let builder = builder.connect_timeout(limits.request_timeout.min(crate::tls::CONNECT_TIMEOUT));
            // The simulator: never route loopback traffic through an HTTP(S)_PROXY of the environment.
            if loopback { builder.no_proxy() } else { builder }
        })
        .map_err(ConfigError::Tls)?;
        let auth = Authenticator::new(
            http.clone(),
            &ims_url,
            credentials,
            policy,
            limits.request_timeout,
            options.renew_margin,
        );
        Ok(Self {
            http,
            base,
            org_id: config.org_id.trim().to_string(),
            auth,
            action: SlidingWindow::new(limits.action_rpm, limits.window),
            users: SlidingWindow::new(limits.read_rpm, limits.window),
            groups: SlidingWindow::new(limits.groups_rpm, limits.window),
            pause: Pause::default(),
            policy,
            timeout: limits.request_timeout,
            observer: options.observer,
            statistics: ClientStatistics::default(),
            session: Session::default(),
            parking: Parking::default(),
            reached: AtomicBool::new(false),
        })
    }

    /// The org id, as configured.
    pub fn org_id(&self) -> &str {
        &self.org_id
    }

    /// The UMAPI base URL (no trailing slash).
    pub fn base_url(&self) -> &str {
        &self.base
    }

    /// The org id encoded for a URL path.
    pub(crate) fn org_segment(&self) -> String {
        encode_segment(&self.org_id)
    }

    /// The retry policy in force.
    pub fn policy(&self) -> &RetryPolicy {
        &self.policy
    }

    /// The observer the client reports to.
    pub fn observer(&self) -> &Arc<dyn ClientObserver> {
        &self.observer
    }

    /// The counters so far.
    pub fn statistics(&self) -> StatisticsSnapshot {
        self.statistics.snapshot()
    }

    /// The configured limit of a family: requests per window (0: none).
    pub fn limit(&self, family: Family) -> usize {
        self.window(family).limit()
    }

    /// Where the client's sync session is (UMAPI.md 4b).
    pub fn session_phase(&self) -> SessionPhase {
        self.session.phase()
    }

    /// Continues the sync session an earlier process opened and could not end (a parked run being
    /// resumed): no request carries the start signal; the end still rides on the last one.
    pub fn continue_session(&self) {
        self.session.continue_open();
    }

    /// When the client may send again, once it parked (a server asked for a wait longer than
    /// `max_wait`); from then on it sends nothing.
    pub fn parked_until(&self) -> Option<time::OffsetDateTime> {
        self.parking.resume_after()
    }

    pub(super) fn window(&self, family: Family) -> &Arc<SlidingWindow> {
        match family {
            Family::Action => &self.action,
            Family::Users => &self.users,
            Family::Groups => &self.groups,
        }
    }

    /// Sends one action request (`POST /action/{orgId}[?testOnly=true]`) with retries. `body` is the
    /// JSON array of commands, re-sent verbatim; `steps` holds each command's step count. An answer
    /// is believed only when it passes the checks of [`crate::umapi::answer::check`]; one that fails
    /// them is retried like an unreadable one. The hook journals each attempt. `sync_end`: this is
    /// the command's last request, so it carries `Pragma: umapi-sync-end`.
    #[expect(clippy::too_many_arguments, reason = "one call, each argument a different fact of the request")]
    pub async fn send_action(
        &self,
        label: &str,
        body: Vec<u8>,
        steps: &[usize],
        test_mode: bool,
        sync_end: bool,
        hook: &mut dyn AttemptHook,
        stop: &CancelToken,
    ) -> Result<Answer<ActionResponse>, CallError> {
        let request = Request {
            label,
            family: Family::Action,
            method: Method::POST,
            path: format!("/action/{}", self.org_segment()),
            query: if test_mode { vec![("testOnly", "true".to_string())] } else { Vec::new() },
            body: Some(body),
            sync_end,
        };
        let scrubber = Arc::clone(self.auth.scrubber());
        let parse = move |body: &[u8]| {
            let answer = serde_json::from_slice::<ActionResponse>(body)
                .map(|answer| clean_answer(answer, &scrubber))
                .map_err(|error| AttemptResult::BadBody(error.to_string()))?;
            crate::umapi::answer::check(&answer, steps, test_mode).map_err(AttemptResult::Inconsistent)?;
            Ok(answer)
        };
        self.call(&request, hook, stop, parse).await
    }
}

/// Longest server text (a message, a code) kept from an answer, in characters: enough for any
/// message UMAPI writes, and a 10 MB message cannot fill the journal and every row of a report.
pub const MAX_SERVER_TEXT: usize = 1_000;

/// Server text cut at [`MAX_SERVER_TEXT`] characters (with `…` when cut).
pub(crate) fn clip_server_text(text: &str) -> String {
    match text.char_indices().nth(MAX_SERVER_TEXT) {
        Some((cut, _)) => format!("{}…", &text[..cut]),
        None => text.to_string(),
    }
}

/// An action answer's text as we keep it: secrets scrubbed from the messages, every string cut at
/// [`MAX_SERVER_TEXT`]. Counts and indexes are untouched.
fn clean_answer(mut answer: ActionResponse, scrubber: &Scrubber) -> ActionResponse {
    let clean = |text: &str| clip_server_text(&scrubber.scrub(text));
    answer.result = clip_server_text(&answer.result);
    answer.message = answer.message.as_deref().map(clean);
    for error in &mut answer.errors {
        error.error_code = clip_server_text(&error.error_code);
        error.message = clean(&error.message);
        error.user = error.user.as_deref().map(clean);
        error.request_id = error.request_id.as_deref().map(clean);
    }
    for warning in &mut answer.warnings {
        warning.warning_code = clip_server_text(&warning.warning_code);
        warning.message = clean(&warning.message);
        warning.user = warning.user.as_deref().map(clean);
        warning.request_id = warning.request_id.as_deref().map(clean);
    }
    answer
}

/// Whether a URL names a loopback host (127.0.0.0/8, ::1, localhost).
pub fn is_loopback(url: &str) -> bool {
    url::Url::parse(url).ok().is_some_and(|url| match url.host() {
        Some(url::Host::Ipv4(address)) => address.is_loopback(),
        Some(url::Host::Ipv6(address)) => address.is_loopback(),
        Some(url::Host::Domain(name)) => name.eq_ignore_ascii_case("localhost"),
        None => false,
    })
}

/// UMAPI's message from an error body (`message`, `result`, or the text itself), short (at most
/// [`MAX_SERVER_TEXT`] characters of a message, 200 of raw text).
pub(crate) fn body_message(body: &[u8]) -> Option<String> {
    if body.is_empty() {
        return None;
    }
    if let Ok(value) = serde_json::from_slice::<serde_json::Value>(body) {
        for key in ["message", "errorMessage", "result", "error_code"] {
            if let Some(text) = value.get(key).and_then(|value| value.as_str()) {
                return Some(clip_server_text(text));
            }
        }
    }
    let text: String = String::from_utf8_lossy(body).chars().take(200).collect();
    Some(text.trim().to_string()).filter(|text| !text.is_empty())
}

/// UMAPI's `result` code from an error body, when it has one.
pub(crate) fn body_code(body: &[u8]) -> Option<String> {
    let value = serde_json::from_slice::<serde_json::Value>(body).ok()?;
    value.get("result").or_else(|| value.get("errorCode")).and_then(|code| code.as_str()).map(clip_server_text)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn path_segments_keep_at_signs_and_encode_spaces() {
        assert_eq!(encode_segment("jdoe+test@example.com"), "jdoe%2Btest@example.com");
        assert_eq!(encode_segment("Creative Cloud All Apps - Default"), "Creative%20Cloud%20All%20Apps%20-%20Default");
        assert_eq!(encode_segment("a/b?c#d"), "a%2Fb%3Fc%23d");
        assert_eq!(encode_segment("DEMO0000000000000000000@AdobeOrg"), "DEMO0000000000000000000@AdobeOrg");
    }

    #[test]
    fn error_bodies_give_their_message_and_code() {
        let body = br#"{"result":"error.command.malformed","message":"too many commands"}"#;
        assert_eq!(body_message(body).as_deref(), Some("too many commands"));
        assert_eq!(body_code(body).as_deref(), Some("error.command.malformed"));
        assert_eq!(body_message(b""), None);
        assert_eq!(body_message(b"Bad Gateway").as_deref(), Some("Bad Gateway"));
    }

    #[test]
    fn construction_checks_the_configuration_first() {
        let config = Config { client_id: "c".into(), ..Config::default() };
        let error = UmapiClient::new(&config, ClientOptions::default()).err();
        assert!(matches!(error, Some(ClientError::Config(ConfigError::Missing { field: "org_id" }))));
        let config = Config { org_id: "O@AdobeOrg".into(), umapi_url: "not a url".into(), ..config };
        let error = UmapiClient::new(&config, ClientOptions::default()).err();
        assert!(matches!(error, Some(ClientError::Config(ConfigError::BadUrl { field: "umapi_url", .. }))));
    }
}
