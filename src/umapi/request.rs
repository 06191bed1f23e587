//! The request loop ([`UmapiClient::call`]), the only place a request is sent: it waits out the
//! shared 429 pause and for a slot of the family's window, takes a token, stamps a fresh
//! `X-Request-Id`, lets the caller journal the attempt ([`AttemptHook`]), sends, classifies the
//! result with the one retry policy, and retries, parks or gives up ([`CallError`]).
//!
//! A 401 renews the token once and re-sends; a second 401 or a 403 is an authentication failure.
//! A 429 pauses every worker before anything else is done with it, and each attempt looks at the
//! pause once more just before it goes on the wire. The `Pragma` sync signals are the session's
//! (`session.rs`); once the client parks it sends nothing more. This file must not know about
//! batches, journals or outcomes beyond the hook it calls.

use std::sync::atomic::Ordering;
use std::time::{Duration, SystemTime};

use reqwest::Method;
use reqwest::header::{HeaderMap, HeaderValue};
use time::OffsetDateTime;
use tokio::time::Instant;

use crate::secret::Secret;
use crate::umapi::cancel::CancelToken;
use crate::umapi::client::{UmapiClient, body_message, clip_server_text};
use crate::umapi::error::AuthError;
use crate::umapi::observe::{Family, PacingWait, RequestInfo, RetryInfo, RetryReason};
use crate::umapi::request_id::new_request_id;
use crate::umapi::retry::{AttemptResult, Decision, Verdict, classify, instant_after, moment_after, parse_retry_after};
use crate::umapi::session::{Parking, Signals};
use crate::umapi::stats::ClientStatistics;
use crate::umapi::throttle::Permit;

/// Called by the request loop around each attempt; the executor journals through it.
pub trait AttemptHook: Send {
    /// Before attempt `attempt` (1-based, counting every send) goes on the wire with `x_request_id`.
    /// An error stops the call without sending.
    fn before_send(&mut self, attempt: u32, x_request_id: &str) -> Result<(), HookError>;

    /// After an attempt failed transiently (or with a 401 that is replayed): `status` when an HTTP
    /// answer came.
    fn after_failure(
        &mut self,
        attempt: u32,
        x_request_id: &str,
        status: Option<u16>,
        reason: &RetryReason,
    ) -> Result<(), HookError>;

    /// Attempt `attempt`, journaled by [`before_send`](Self::before_send), was not sent after all:
    /// a 429 paused every request (or the client parked) in the meantime. The next attempt gets a
    /// new number.
    fn withdrawn(&mut self, _attempt: u32, _x_request_id: &str) -> Result<(), HookError> {
        Ok(())
    }
}

/// An error from an [`AttemptHook`] (the journal could not be written).
pub type HookError = Box<dyn std::error::Error + Send + Sync>;

/// A hook that records nothing (reads).
pub(crate) struct NoHook;

impl AttemptHook for NoHook {
    fn before_send(&mut self, _attempt: u32, _x_request_id: &str) -> Result<(), HookError> {
        Ok(())
    }

    fn after_failure(&mut self, _: u32, _: &str, _: Option<u16>, _: &RetryReason) -> Result<(), HookError> {
        Ok(())
    }
}

/// One logical request: sent once or more by [`UmapiClient::call`].
#[derive(Clone, Debug)]
pub(crate) struct Request<'a> {
    /// What it is for (batch id or read label), for events and errors.
    pub label: &'a str,
    /// Which limiter paces it.
    pub family: Family,
    /// GET or POST.
    pub method: Method,
    /// Path after the UMAPI base URL, segments already encoded.
    pub path: String,
    /// Query parameters.
    pub query: Vec<(&'static str, String)>,
    /// JSON body, re-sent verbatim on every attempt.
    pub body: Option<Vec<u8>>,
    /// The command's last request: it carries `Pragma: umapi-sync-end` (see `session.rs`).
    pub sync_end: bool,
}

/// A successful answer.
#[derive(Clone, Debug)]
pub struct Answer<T> {
    /// HTTP status (2xx).
    pub status: u16,
    /// Response headers.
    pub headers: HeaderMap,
    /// The parsed body.
    pub body: T,
    /// The `X-Request-Id` of the attempt that was answered.
    pub x_request_id: String,
    /// Sends it took (retries and a 401 replay included).
    pub attempts: u32,
    /// Whether an earlier attempt reached the server without a usable answer (a timeout, a broken
    /// connection, a 5xx): it may have been applied, so this answer may report work as already done.
    pub earlier_attempt_unanswered: bool,
}

/// How a call ended without a successful answer.
#[derive(Debug)]
pub enum CallError {
    /// A non-retryable HTTP answer (4xx other than 401/429, 500, ...).
    Fatal {
        /// HTTP status.
        status: u16,
        /// The body.
        body: Vec<u8>,
        /// The answered attempt's id.
        x_request_id: String,
        /// Sends made.
        attempts: u32,
    },
    /// Every attempt failed transiently.
    Exhausted {
        /// Sends made.
        attempts: u32,
        /// The last failure.
        last: RetryReason,
        /// The last attempt's id.
        x_request_id: String,
        /// Every attempt was refused at connect time (nothing reached the server).
        never_connected: bool,
        /// Some attempt may have been applied: it timed out, its connection broke, a gateway
        /// answered 502/503/504, or its answer was unreadable or failed the checks. (Refused
        /// connections and 429s were not applied.)
        maybe_applied: bool,
        /// The last attempt's HTTP status, when one came.
        last_status: Option<u16>,
    },
    /// Authentication failed.
    Auth(AuthError),
    /// A wait longer than `max_wait` was required; the run should park.
    Parked {
        /// The wait.
        wait: Duration,
        /// When sending may resume.
        resume_after: OffsetDateTime,
    },
    /// The stop token fired at a wait; `sent` tells whether an earlier attempt went out.
    Stopped {
        /// Whether an attempt was sent before stopping.
        sent: bool,
    },
    /// The hook failed (journal write).
    Hook(HookError),
}

impl UmapiClient {
    /// The request loop: session turn, pause, slot, token, hook, send, classify, and retry, park or
    /// give up. `parse` reads a 2xx body; its error says what the attempt amounted to (an
    /// unreadable body, or one that failed its checks), and the attempt is retried as a transient
    /// failure.
    pub(crate) async fn call<T>(
        &self,
        request: &Request<'_>,
        hook: &mut dyn AttemptHook,
        stop: &CancelToken,
        parse: impl Fn(&[u8]) -> Result<T, AttemptResult>,
    ) -> Result<Answer<T>, CallError> {
        let mut sends = 0_u32;
        let mut failures = 0_u32;
        let mut replayed_401 = false;
        let mut never_connected = true;
        let mut went_out = false;
        let mut maybe_applied = false;
        loop {
            // Parked: nothing more is sent, not even into a window that may have passed meanwhile.
            if let Some(resume_after) = self.parking.resume_after() {
                return Err(parked_until(resume_after));
            }
            let Some(signals) = self.session.admit(request.sync_end, stop).await else {
                return Err(CallError::Stopped { sent: went_out });
            };
            let permit = self.wait_for_slot(request.family, stop, went_out).await?;
            let token = tokio::select! {
                token = self.auth.token(stop, self.observer.as_ref(), &self.statistics) => token,
                () = stop.forced() => Err(AuthError::Cancelled),
            };
            let token = match token {
                Ok(token) => token,
                Err(error) => {
                    permit.release();
                    if let AuthError::Parked { resume_after, .. } = &error {
                        // IMS asked for a long wait: the client sends nothing more either.
                        self.parking.park(*resume_after);
                    }
                    return Err(if matches!(error, AuthError::Cancelled) {
                        CallError::Stopped { sent: went_out }
                    } else {
                        CallError::Auth(error)
                    });
                }
            };
            // The signal may have come while the token was fetched: nothing new starts after it.
            if stop.is_cancelled() {
                permit.release();
                return Err(CallError::Stopped { sent: went_out });
            }
            sends += 1;
            let x_request_id = new_request_id();
            if let Err(error) = hook.before_send(sends, &x_request_id) {
                permit.release();
                return Err(CallError::Hook(error));
            }
            // The last look before the wire: a 429 (or a park) of another request may have paused
            // everyone while this attempt was journaled. It is then withdrawn, not sent.
            if self.parking.resume_after().is_some() || self.pause.remaining(Instant::now()).is_some() {
                permit.release();
                hook.withdrawn(sends, &x_request_id).map_err(CallError::Hook)?;
                continue;
            }
            self.observer.request_sent(&RequestInfo {
                label: request.label,
                family: request.family,
                method: if request.method == Method::POST { "POST" } else { "GET" },
                path: &request.path,
                x_request_id: &x_request_id,
                attempt: sends,
            });
            went_out = true;
            // Forced (a second Ctrl-C), the request is abandoned: its answer is never read.
            let (result, headers, body) = tokio::select! {
                answer = self.send_once(request, &token, &x_request_id, &signals) => answer,
                () = stop.forced() => return Err(CallError::Stopped { sent: true }),
            };
            drop(permit);
            // An error body becomes our error text (messages, the journal, reports): scrub it of
            // our secrets now. A success body is data; the parser cleans the text it keeps.
            let success = matches!(result, AttemptResult::Status { status, .. } if (200..300).contains(&status));
            let body = if success { body } else { self.auth.scrubber().scrub_bytes(body) };
            if !matches!(result, AttemptResult::Refused(_)) {
                never_connected = false;
                self.reached.store(true, Ordering::SeqCst);
            }
            // A host this client has never reached, refusing its first connection (no network, a
            // wrong host name, nothing listening, a certificate we do not trust): retrying for
            // half a minute only delays the message.
            let unreachable = matches!(result, AttemptResult::Refused(_)) && !self.reached.load(Ordering::SeqCst);
            let result = match (&result, headers) {
                (AttemptResult::Status { status, .. }, Some(headers)) if (200..300).contains(status) => {
                    match parse(&body) {
                        Ok(parsed) => {
                            self.session.answered(&signals);
                            return Ok(Answer {
                                status: *status,
                                headers,
                                body: parsed,
                                x_request_id,
                                attempts: sends,
                                earlier_attempt_unanswered: maybe_applied,
                            });
                        }
                        // What the server wrote may echo a secret or be huge: scrubbed and cut.
                        Err(AttemptResult::BadBody(detail)) => {
                            AttemptResult::BadBody(clip_server_text(&self.auth.scrubber().scrub(&detail)))
                        }
                        Err(AttemptResult::Inconsistent(detail)) => {
                            AttemptResult::Inconsistent(clip_server_text(&self.auth.scrubber().scrub(&detail)))
                        }
                        Err(problem) => problem,
                    }
                }
                _ => result,
            };
            // No answer opened or closed anything: the next attempt carries the signals again, and
            // the turn passes on before any wait.
            drop(signals);
            let (reason, retry_after) = match classify(&result, SystemTime::now()) {
                // Only a 2xx is a success, and those returned above or became BadBody.
                Verdict::Success => (RetryReason::BadBody("answer without headers".to_string()), None),
                Verdict::Fatal { status: 403 } => {
                    return Err(CallError::Auth(AuthError::Forbidden { detail: body_message(&body) }));
                }
                Verdict::Fatal { status } => {
                    return Err(CallError::Fatal { status, body, x_request_id, attempts: sends });
                }
                Verdict::Unauthorized if !replayed_401 => {
                    replayed_401 = true;
                    let reason = RetryReason::Status(401);
                    hook.after_failure(sends, &x_request_id, Some(401), &reason).map_err(CallError::Hook)?;
                    let renewed =
                        self.auth.renew_after_rejection(&token, stop, self.observer.as_ref(), &self.statistics).await;
                    match renewed {
                        Ok(_) => continue,
                        Err(AuthError::Cancelled) => return Err(CallError::Stopped { sent: true }),
                        Err(error) => return Err(CallError::Auth(error)),
                    }
                }
                Verdict::Unauthorized => {
                    return Err(CallError::Auth(AuthError::TokenRefused { detail: body_message(&body) }));
                }
                Verdict::Transient { reason, retry_after } => (reason, retry_after),
            };
            let status = match &result {
                AttemptResult::Status { status, .. } => Some(*status),
                _ => None,
            };
            // A 429 stops every worker before anything else happens (journal, counters, events):
            // a request of another worker must not reach the server in the meantime.
            let decision = if unreachable {
                Decision::GiveUp
            } else {
                self.policy.decide(failures + 1, retry_after, rand::random::<f64>())
            };
            if status == Some(429) {
                self.pause_everyone(retry_after);
            }
            if let Decision::Park { wait } = decision {
                self.park(wait);
            }
            failures += 1;
            // A request that reached the server and got no usable answer may have been applied.
            maybe_applied |= !matches!(result, AttemptResult::Refused(_) | AttemptResult::Status { status: 429, .. });
            if status == Some(429) {
                ClientStatistics::bump(&self.statistics.throttled);
            } else {
                ClientStatistics::bump(&self.statistics.transient_failures);
            }
            hook.after_failure(sends, &x_request_id, status, &reason).map_err(CallError::Hook)?;
            match decision {
                Decision::GiveUp => {
                    return Err(CallError::Exhausted {
                        attempts: sends,
                        last: reason,
                        x_request_id,
                        never_connected,
                        maybe_applied,
                        last_status: status,
                    });
                }
                Decision::Park { wait } => {
                    let resume_after = self.parking.resume_after().unwrap_or_else(OffsetDateTime::now_utc);
                    return Err(CallError::Parked { wait, resume_after });
                }
                Decision::Retry { delay, server_requested } => {
                    if server_requested {
                        self.observer.server_wait_started(delay, &reason);
                    }
                    self.observer.retry_scheduled(&RetryInfo {
                        label: request.label,
                        failed_attempt: failures,
                        max_attempts: self.policy.max_attempts,
                        reason,
                        delay,
                        server_requested,
                    });
                    let _waiting = self.statistics.waited.enter();
                    let _server_waiting = server_requested.then(|| self.statistics.server_waited.enter());
                    tokio::select! {
                        () = tokio::time::sleep(delay) => {}
                        () = stop.cancelled() => return Err(CallError::Stopped { sent: true }),
                    }
                }
            }
        }
    }

    /// A 429 pauses every worker for its `Retry-After` (our first backoff when it has none).
    fn pause_everyone(&self, retry_after: Option<Duration>) {
        let wait = retry_after.filter(|wait| !wait.is_zero()).unwrap_or(self.policy.backoff(1, 1.0));
        self.pause.extend(instant_after(Instant::now(), wait));
    }

    /// Parks the client for `wait`: every worker stops, and nothing more is sent by this process.
    fn park(&self, wait: Duration) -> OffsetDateTime {
        self.pause.extend(instant_after(Instant::now(), wait));
        self.parking.park(moment_after(OffsetDateTime::now_utc(), wait))
    }

    /// Waits out the shared pause, then takes a slot of the family's window; parks when the pause
    /// is longer than `max_wait`.
    pub(super) async fn wait_for_slot(
        &self,
        family: Family,
        stop: &CancelToken,
        sent: bool,
    ) -> Result<Permit, CallError> {
        loop {
            if stop.is_cancelled() {
                return Err(CallError::Stopped { sent });
            }
            if let Some(left) = self.pause.remaining(Instant::now()) {
                if left > self.policy.max_wait {
                    return Err(CallError::Parked { wait: left, resume_after: self.park(left) });
                }
                let _waiting = self.statistics.waited.enter();
                let _server_waiting = self.statistics.server_waited.enter();
                tokio::select! {
                    () = tokio::time::sleep(left) => {}
                    () = stop.cancelled() => return Err(CallError::Stopped { sent }),
                }
            }
            let permit = {
                let _pacing = self.statistics.paced.enter();
                let window = self.window(family);
                let (limit, length) = (window.limit(), window.window());
                let observer = self.observer.as_ref();
                window
                    .acquire_reporting(stop, |wait| {
                        observer.pacing_wait(&PacingWait { family, wait, limit, window: length });
                    })
                    .await
            };
            let Some(permit) = permit else {
                return Err(CallError::Stopped { sent });
            };
            // A 429 may have paused everyone while this request waited for its slot.
            if self.pause.remaining(Instant::now()).is_some() {
                permit.release();
                continue;
            }
            return Ok(permit);
        }
    }

    pub(super) async fn send_once(
        &self,
        request: &Request<'_>,
        token: &Secret,
        x_request_id: &str,
        signals: &Signals,
    ) -> (AttemptResult, Option<HeaderMap>, Vec<u8>) {
        let url = format!("{}{}", self.base, request.path);
        let mut builder = self
            .http
            .request(request.method.clone(), &url)
            .timeout(self.timeout)
            .bearer_auth(token.expose())
            .header("X-Api-Key", self.auth.client_id())
            .header("X-Request-Id", x_request_id)
            .header(reqwest::header::ACCEPT, "application/json")
            .header(reqwest::header::CONTENT_TYPE, "application/json");
        if !request.query.is_empty() {
            builder = builder.query(&request.query);
        }
        if let Some(pragma) = signals.pragma() {
            builder = builder.header(reqwest::header::PRAGMA, HeaderValue::from_static(pragma));
        }
        if let Some(body) = &request.body {
            builder = builder.body(body.clone());
        }
        ClientStatistics::bump(&self.statistics.requests_sent);
        if request.family == Family::Action {
            ClientStatistics::bump(&self.statistics.action_requests_sent);
        }
        let response = match builder.send().await {
            Ok(response) => response,
            Err(error) => return (transport_failure(&error), None, Vec::new()),
        };
        let status = response.status().as_u16();
        let headers = response.headers().clone();
        let retry_after =
            headers.get(reqwest::header::RETRY_AFTER).and_then(|value| value.to_str().ok()).map(str::to_string);
        if status == 429 {
            // Every worker stops as soon as the status is known, before the body is even read.
            self.pause_everyone(retry_after.as_deref().and_then(|value| parse_retry_after(value, SystemTime::now())));
        }
        match response.bytes().await {
            Ok(body) => (AttemptResult::Status { status, retry_after }, Some(headers), body.to_vec()),
            Err(error) if error.is_timeout() => (AttemptResult::Timeout, None, Vec::new()),
            Err(error) => (AttemptResult::Broken(describe_transport(&error)), None, Vec::new()),
        }
    }
}

/// The error of a parked client: the wait left until `resume_after`.
fn parked_until(resume_after: OffsetDateTime) -> CallError {
    CallError::Parked { wait: Parking::wait_left(resume_after), resume_after }
}

/// A transport error as an attempt result: timeout, refused (nothing sent) or broken.
pub(crate) fn transport_failure(error: &reqwest::Error) -> AttemptResult {
    // A connection never set up (name lookup, TCP, TLS handshake; its timeout included) sent
    // nothing: it is a refusal, not a timeout of a request that may have been applied.
    if error.is_connect() {
        AttemptResult::Refused(describe_transport(error))
    } else if error.is_timeout() {
        AttemptResult::Timeout
    } else {
        AttemptResult::Broken(describe_transport(error))
    }
}

/// A transport error with its causes, on one line.
pub(crate) fn describe_transport(error: &reqwest::Error) -> String {
    crate::tls::describe(error)
}

#[cfg(test)]
#[path = "request_tests.rs"]
mod tests;
