//! A tiny scripted UMAPI + IMS stand-in on 127.0.0.1 for the client and executor tests that need
//! exact control (a 401 now, a 429 with this Retry-After, a dropped connection); behaviour as the
//! real simulator shows it is tested against `umapi-bulk sim` in `client_sim.rs`.
//!
//! Every request is recorded (method, path, query, headers, body, arrival time). Action requests
//! take the next scripted reply, or succeed; reads serve a fixed user list in pages. Also the
//! shared test helpers for these tests: configs, a recording observer.

#![allow(dead_code)]

use std::collections::{HashSet, VecDeque};
use std::net::SocketAddr;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use axum::body::Bytes;
use axum::http::{HeaderMap, Method, StatusCode, Uri};
use axum::response::{IntoResponse, Response};
use tokio::time::Instant;

use umapi_bulk::execute::{Batch, CommandOutcome, CommandSource, Observer};
use umapi_bulk::secret::Secret;
use umapi_bulk::umapi::observe::{ClientObserver, ReadProgress, RequestInfo, RetryInfo, RetryReason};
use umapi_bulk::umapi::wire::{self, Command};
use umapi_bulk::umapi::{Config, Limits};

/// The client secret every test config uses; tests search output for it.
pub const SECRET: &str = "mock-secret-6b1f0c";
/// The org id of the mock.
pub const ORG: &str = "MOCK0000@AdobeOrg";

/// A scripted reply to an action request.
#[derive(Clone, Debug)]
pub enum Reply {
    /// This status, these headers, this body.
    Status(u16, Vec<(&'static str, String)>, String),
    /// Close the connection without answering (after applying nothing).
    Drop,
}

/// One request the mock saw.
#[derive(Clone, Debug)]
pub struct Seen {
    pub method: String,
    pub path: String,
    pub query: String,
    pub headers: HeaderMap,
    pub body: String,
    pub at: Instant,
}

impl Seen {
    pub fn header(&self, name: &str) -> Option<String> {
        self.headers.get(name).and_then(|value| value.to_str().ok()).map(str::to_string)
    }
}

#[derive(Default)]
pub struct MockState {
    pub script: Mutex<VecDeque<Reply>>,
    pub seen: Mutex<Vec<Seen>>,
    pub token_requests: AtomicU64,
    pub tokens_issued: AtomicU64,
    pub valid_tokens: Mutex<HashSet<String>>,
    pub users: Mutex<Vec<wire::User>>,
    pub token_reply: Mutex<Option<(u16, String)>>,
    /// Headers added to `token_reply` (a `Retry-After`, say).
    pub token_headers: Mutex<Vec<(&'static str, String)>>,
    /// Replies to reads (any non-action UMAPI request), taken in order before the user list serves.
    pub read_script: Mutex<VecDeque<Reply>>,
    pub expires_in: AtomicU64,
    pub latency_ms: AtomicU64,
    /// Replaces `X-Page-Count` on users pages (a stale or zero count).
    pub page_count_header: Mutex<Option<String>>,
    /// Never says `lastPage` (a page past the end is the last page again, as UMAPI does).
    pub never_last_page: std::sync::atomic::AtomicBool,
}

/// A running mock.
pub struct Mock {
    pub addr: SocketAddr,
    pub state: Arc<MockState>,
    server: tokio::task::JoinHandle<()>,
}

impl Drop for Mock {
    fn drop(&mut self) {
        self.server.abort();
    }
}

impl Mock {
    pub async fn start() -> Mock {
        let state = Arc::new(MockState::default());
        state.expires_in.store(86_399, Ordering::SeqCst);
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap_or_else(|error| panic!("{error}"));
        let addr = listener.local_addr().unwrap_or_else(|error| panic!("{error}"));
        let shared = Arc::clone(&state);
        let app = axum::Router::new().fallback(move |method: Method, uri: Uri, headers: HeaderMap, body: Bytes| {
            let state = Arc::clone(&shared);
            async move { handle(state, method, uri, headers, body).await }
        });
        let server = tokio::spawn(async move {
            let _ = axum::serve(listener, app).await;
        });
        Mock { addr, state, server }
    }

    pub fn base(&self) -> String {
        format!("http://{}", self.addr)
    }

    /// A config pointing at the mock: OAuth, no rate limits, fast everything.
    pub fn config(&self) -> Config {
        Config {
            org_id: ORG.into(),
            client_id: "mock-client".into(),
            client_secret: Some(Secret::new(SECRET)),
            ims_url: self.base(),
            umapi_url: format!("{}/v2/usermanagement", self.base()),
            limits: Limits {
                action_rpm: 0,
                read_rpm: 0,
                groups_rpm: 0,
                request_timeout: Duration::from_secs(5),
                window: Duration::from_secs(2),
                ..Limits::default()
            },
            ..Config::default()
        }
    }

    pub fn push(&self, reply: Reply) {
        self.state.script.lock().unwrap_or_else(|poisoned| poisoned.into_inner()).push_back(reply);
    }

    pub fn seen(&self) -> Vec<Seen> {
        self.state.seen.lock().unwrap_or_else(|poisoned| poisoned.into_inner()).clone()
    }

    pub fn actions(&self) -> Vec<Seen> {
        self.seen().into_iter().filter(|seen| seen.path.contains("/action/")).collect()
    }

    /// Makes every issued token invalid (as if IMS revoked them).
    pub fn revoke_tokens(&self) {
        self.state.valid_tokens.lock().unwrap_or_else(|poisoned| poisoned.into_inner()).clear();
    }
}

async fn handle(state: Arc<MockState>, method: Method, uri: Uri, headers: HeaderMap, body: Bytes) -> Response {
    let seen = Seen {
        method: method.to_string(),
        path: uri.path().to_string(),
        query: uri.query().unwrap_or_default().to_string(),
        headers: headers.clone(),
        body: String::from_utf8_lossy(&body).to_string(),
        at: Instant::now(),
    };
    state.seen.lock().unwrap_or_else(|poisoned| poisoned.into_inner()).push(seen.clone());
    // A scripted reply is taken the moment its request arrives (by a request with a valid token),
    // so that of two requests arriving together exactly one gets it and the other the usual
    // answer, after the latency.
    let is_ims = seen.path.starts_with("/ims/");
    let is_action = seen.path.contains("/action/");
    let token = seen.header("authorization").unwrap_or_default().trim_start_matches("Bearer ").to_string();
    let token_valid = || state.valid_tokens.lock().unwrap_or_else(|poisoned| poisoned.into_inner()).contains(&token);
    let scripted = if !is_ims && token_valid() {
        let queue = if is_action { &state.script } else { &state.read_script };
        queue.lock().unwrap_or_else(|poisoned| poisoned.into_inner()).pop_front()
    } else {
        None
    };
    if let Some(reply) = scripted {
        // Scripted replies answer at once, so a test knows they arrive before any delayed answer.
        return scripted_reply(reply, &seen).await;
    }
    let latency = state.latency_ms.load(Ordering::SeqCst);
    if latency > 0 && !is_ims {
        tokio::time::sleep(Duration::from_millis(latency)).await;
    }
    if seen.path.starts_with("/ims/") {
        state.token_requests.fetch_add(1, Ordering::SeqCst);
        if let Some((status, body)) = state.token_reply.lock().unwrap_or_else(|poisoned| poisoned.into_inner()).clone()
        {
            // `{form}` in the scripted body echoes the request's form, as a misbehaving IMS might.
            let body = body.replace("{form}", &seen.body);
            let mut response = (StatusCode::from_u16(status).unwrap_or(StatusCode::BAD_REQUEST), body).into_response();
            for (name, value) in state.token_headers.lock().unwrap_or_else(|poisoned| poisoned.into_inner()).iter() {
                if let Ok(value) = value.parse() {
                    response.headers_mut().insert(*name, value);
                }
            }
            return response;
        }
        if !seen.body.contains(SECRET) && !seen.body.contains("jwt_token") {
            return (StatusCode::UNAUTHORIZED, r#"{"error":"invalid_client"}"#).into_response();
        }
        let number = state.tokens_issued.fetch_add(1, Ordering::SeqCst);
        let token = format!("eyMockToken{number}");
        state.valid_tokens.lock().unwrap_or_else(|poisoned| poisoned.into_inner()).insert(token.clone());
        let expires_in = state.expires_in.load(Ordering::SeqCst);
        let body = serde_json::json!({"access_token": token, "token_type": "bearer", "expires_in": expires_in});
        return axum::Json(body).into_response();
    }
    if !token_valid() {
        return (StatusCode::UNAUTHORIZED, [("WWW-Authenticate", "Bearer realm=\"JIL\"")]).into_response();
    }
    if is_action {
        // Counted as UMAPI.md 3a documents: in test mode `completedInTestMode` holds what
        // `completed` holds otherwise (the client checks the counts against what it sent).
        let commands: Vec<Command> = serde_json::from_str(&seen.body).unwrap_or_default();
        let test_mode = seen.query.contains("testOnly=true");
        let (completed, in_test_mode) = if test_mode { (0, commands.len()) } else { (commands.len(), 0) };
        return axum::Json(serde_json::json!({"result": "success", "completed": completed, "notCompleted": 0,
            "completedInTestMode": in_test_mode}))
        .into_response();
    }
    if seen.path.starts_with("/v2/usermanagement/organizations/") {
        let user = seen.path.rsplit('/').next().unwrap_or_default().replace("%40", "@");
        let users = state.users.lock().unwrap_or_else(|poisoned| poisoned.into_inner()).clone();
        return match users.into_iter().find(|candidate| candidate.email == user) {
            Some(found) => axum::Json(serde_json::json!({"result": "success", "user": found})).into_response(),
            None => (
                StatusCode::NOT_FOUND,
                axum::Json(serde_json::json!({"result": "error.user.not_found",
                "message": format!("User not found {user}")})),
            )
                .into_response(),
        };
    }
    if seen.path.starts_with("/v2/usermanagement/users/") {
        let page: usize = seen.path.split('/').nth(5).and_then(|page| page.parse().ok()).unwrap_or(0);
        let users = state.users.lock().unwrap_or_else(|poisoned| poisoned.into_inner()).clone();
        let page_size = 3;
        let page_count = users.len().div_ceil(page_size).max(1);
        let page = page.min(page_count - 1);
        let slice: Vec<_> = users.iter().skip(page * page_size).take(page_size).cloned().collect();
        let never_last = state.never_last_page.load(Ordering::SeqCst);
        let last_page = page + 1 == page_count && !never_last;
        let body = serde_json::json!({"lastPage": last_page, "result": "success", "users": slice});
        let mut response = axum::Json(body).into_response();
        let header_count = state.page_count_header.lock().unwrap_or_else(|poisoned| poisoned.into_inner()).clone();
        for (name, value) in [
            ("X-Total-Count", users.len().to_string()),
            ("X-Page-Count", header_count.unwrap_or_else(|| page_count.to_string())),
            ("X-Current-Page", page.to_string()),
            ("X-Page-Size", page_size.to_string()),
        ] {
            if let Ok(value) = value.parse() {
                response.headers_mut().insert(name, value);
            }
        }
        return response;
    }
    (StatusCode::NOT_FOUND, "no such endpoint in the mock").into_response()
}

/// A scripted reply; `{body}` and `{authorization}` in its body echo the request's, as a
/// misbehaving server might.
async fn scripted_reply(reply: Reply, seen: &Seen) -> Response {
    match reply {
        Reply::Status(status, headers, body) => {
            let body = body
                .replace("{body}", &seen.body)
                .replace("{authorization}", &seen.header("authorization").unwrap_or_default());
            let mut response = (StatusCode::from_u16(status).unwrap_or(StatusCode::OK), body).into_response();
            for (name, value) in headers {
                if let Ok(value) = value.parse() {
                    response.headers_mut().insert(name, value);
                }
            }
            response
        }
        Reply::Drop => {
            // Never answering makes the client's timeout fire; tests use a short timeout.
            tokio::time::sleep(Duration::from_secs(3600)).await;
            StatusCode::OK.into_response()
        }
    }
}

/// A batch of `count` commands for users `prefix-<n>@example.com`.
pub fn batch(number: usize, count: usize, after: &[&str]) -> Batch {
    Batch {
        id: umapi_bulk::execute::batch_id(number),
        commands: (0..count)
            .map(|index| Command {
                user: Some(format!("user{number}-{index}@example.com")),
                steps: vec![wire::Step::Add(wire::Membership::groups(vec!["Designers".into()]))],
                ..Command::default()
            })
            .collect(),
        sources: (0..count)
            .map(|index| CommandSource::row(number * 10 + index, (number * 10 + index) as u64 + 2))
            .collect(),
        after: after.iter().map(|id| id.to_string()).collect(),
    }
}

/// An observer that writes every event as a line, as a verbose UI would.
#[derive(Default)]
pub struct Recorder {
    pub lines: Mutex<Vec<String>>,
    /// Also print each line to stdout as it happens (a verbose UI).
    pub echo: bool,
}

impl Recorder {
    fn push(&self, line: String) {
        if self.echo {
            println!("{line}");
        }
        self.lines.lock().unwrap_or_else(|poisoned| poisoned.into_inner()).push(line);
    }

    pub fn text(&self) -> String {
        self.lines.lock().unwrap_or_else(|poisoned| poisoned.into_inner()).join("\n")
    }

    pub fn count(&self, prefix: &str) -> usize {
        self.lines
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner())
            .iter()
            .filter(|line| line.starts_with(prefix))
            .count()
    }
}

impl ClientObserver for Recorder {
    fn request_sent(&self, request: &RequestInfo<'_>) {
        self.push(format!("sent {request:?}"));
    }
    fn retry_scheduled(&self, retry: &RetryInfo<'_>) {
        self.push(format!("retry {retry:?} reason={}", retry.reason));
    }
    fn server_wait_started(&self, wait: Duration, reason: &RetryReason) {
        self.push(format!("wait {wait:?} reason={reason}"));
    }
    fn token_fetched(&self, renewal: bool) {
        self.push(format!("token renewal={renewal}"));
    }
    fn read_progress(&self, progress: &ReadProgress<'_>) {
        self.push(format!("read {progress:?}"));
    }
}

impl Observer for Recorder {
    fn run_started(&self, batches: usize, commands: usize, known: usize) {
        self.push(format!("run batches={batches} commands={commands} known={known}"));
    }
    fn batch_started(&self, batch: &Batch) {
        self.push(format!("start {}", batch.id));
    }
    fn batch_finished(&self, batch: &Batch, outcomes: &[CommandOutcome]) {
        self.push(format!("finish {} {outcomes:?}", batch.id));
    }
    fn stopping(&self, why: &str) {
        self.push(format!("stopping {why}"));
    }
    fn parked(&self, resume_after: time::OffsetDateTime, wait: Duration) {
        self.push(format!("parked {resume_after} {wait:?}"));
    }
}
