//! A recording proxy between the binary and a simulator, for tests of what reaches UMAPI and in
//! which order: every request (IMS and UMAPI) is passed on unchanged and recorded with its
//! `Pragma`, the status it got, when it arrived and when its answer left. The simulator's counters
//! say how many; this says which, and in what order (the sync signals on the first and last
//! request of a command, nothing after a park, nothing after a 429).

#![allow(dead_code)]

use std::net::SocketAddr;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use axum::body::Bytes;
use axum::http::{HeaderMap, Method, StatusCode, Uri};
use axum::response::{IntoResponse, Response};
use tokio::time::Instant;

/// One request and its answer, as the proxy saw them.
#[derive(Clone, Debug)]
pub struct Exchange {
    pub method: String,
    pub path: String,
    pub query: String,
    /// The `Pragma` header (`umapi-sync-start`, `umapi-sync-end`), if any.
    pub pragma: Option<String>,
    pub status: u16,
    pub retry_after: Option<String>,
    pub arrived: Instant,
    pub answered: Instant,
}

impl Exchange {
    /// Whether this is a UMAPI call (not IMS).
    pub fn is_umapi(&self) -> bool {
        self.path.starts_with("/v2/usermanagement/")
    }

    /// Whether the request carried the start signal.
    pub fn starts(&self) -> bool {
        self.pragma.as_deref().is_some_and(|pragma| pragma.contains("umapi-sync-start"))
    }

    /// Whether the request carried the end signal.
    pub fn ends(&self) -> bool {
        self.pragma.as_deref().is_some_and(|pragma| pragma.contains("umapi-sync-end"))
    }

    /// Whether this is an action request.
    pub fn is_action(&self) -> bool {
        self.path.contains("/action/")
    }
}

/// A running proxy.
pub struct Proxy {
    pub addr: SocketAddr,
    exchanges: Arc<Mutex<Vec<Exchange>>>,
    /// Milliseconds by which a successful action answer is held back (429s pass at once).
    hold_successes: Arc<AtomicU64>,
    server: tokio::task::JoinHandle<()>,
}

impl Drop for Proxy {
    fn drop(&mut self) {
        self.server.abort();
    }
}

impl Proxy {
    /// A proxy on an ephemeral loopback port passing everything to `upstream` (`http://host:port`).
    pub async fn start(upstream: &str) -> Proxy {
        let exchanges: Arc<Mutex<Vec<Exchange>>> = Arc::default();
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap_or_else(|error| panic!("{error}"));
        let addr = listener.local_addr().unwrap_or_else(|error| panic!("{error}"));
        let http = crate::sim_support::http();
        let upstream = upstream.trim_end_matches('/').to_string();
        let recorded = Arc::clone(&exchanges);
        let hold_successes: Arc<AtomicU64> = Arc::default();
        let hold = Arc::clone(&hold_successes);
        let app = axum::Router::new().fallback(move |method: Method, uri: Uri, headers: HeaderMap, body: Bytes| {
            let (http, upstream, recorded) = (http.clone(), upstream.clone(), Arc::clone(&recorded));
            let hold = Duration::from_millis(hold.load(Ordering::SeqCst));
            async move { pass_on(&http, (&upstream, hold), &recorded, method, uri, headers, body).await }
        });
        let server = tokio::spawn(async move {
            let _ = axum::serve(listener, app).await;
        });
        Proxy { addr, exchanges, hold_successes, server }
    }

    /// The proxy's base URL (stands for the simulator's).
    pub fn base(&self) -> String {
        format!("http://{}", self.addr)
    }

    /// Everything seen so far, in order of arrival.
    pub fn exchanges(&self) -> Vec<Exchange> {
        let mut all = self.exchanges.lock().unwrap_or_else(|poisoned| poisoned.into_inner()).clone();
        all.sort_by_key(|exchange| exchange.arrived);
        all
    }

    /// The UMAPI calls seen so far, in order of arrival.
    pub fn umapi(&self) -> Vec<Exchange> {
        self.exchanges().into_iter().filter(Exchange::is_umapi).collect()
    }

    /// Holds every successful action answer back by `hold` (429s and reads pass at once), so that
    /// when a 429 comes back the other workers are still waiting for their answers.
    pub fn hold_successful_actions(&self, hold: Duration) {
        self.hold_successes.store(u64::try_from(hold.as_millis()).unwrap_or(u64::MAX), Ordering::SeqCst);
    }

    /// Forgets what was seen (between the commands of one test).
    pub fn clear(&self) {
        self.exchanges.lock().unwrap_or_else(|poisoned| poisoned.into_inner()).clear();
    }
}

async fn pass_on(
    http: &reqwest::Client,
    (upstream, hold): (&str, Duration),
    recorded: &Mutex<Vec<Exchange>>,
    method: Method,
    uri: Uri,
    headers: HeaderMap,
    body: Bytes,
) -> Response {
    let arrived = Instant::now();
    let path_and_query = uri.path_and_query().map_or_else(|| uri.path().to_string(), ToString::to_string);
    let mut request = http.request(method.clone(), format!("{upstream}{path_and_query}")).body(body);
    for (name, value) in &headers {
        if name != "host" && name != "content-length" {
            request = request.header(name, value);
        }
    }
    let (status, answer_headers, answer) = match request.send().await {
        Ok(response) => {
            let status = response.status();
            let answer_headers = response.headers().clone();
            (status, answer_headers, response.bytes().await.unwrap_or_default())
        }
        // The simulator dropped the connection (a fault): drop this one too, by answering nothing
        // useful; tests that inject drops read the simulator's counters instead.
        Err(_) => (StatusCode::BAD_GATEWAY, HeaderMap::new(), Bytes::new()),
    };
    if status.is_success() && uri.path().contains("/action/") && !hold.is_zero() {
        tokio::time::sleep(hold).await;
    }
    let header = |name: &str| headers.get(name).and_then(|value| value.to_str().ok()).map(str::to_string);
    let retry_after = answer_headers.get("retry-after").and_then(|value| value.to_str().ok()).map(str::to_string);
    recorded.lock().unwrap_or_else(|poisoned| poisoned.into_inner()).push(Exchange {
        method: method.to_string(),
        path: uri.path().to_string(),
        query: uri.query().unwrap_or_default().to_string(),
        pragma: header("pragma"),
        status: status.as_u16(),
        retry_after,
        arrived,
        answered: Instant::now(),
    });
    let mut response = (status, answer).into_response();
    for (name, value) in &answer_headers {
        if name != "content-length" && name != "transfer-encoding" && name != "connection" {
            response.headers_mut().insert(name, value.clone());
        }
    }
    response
}
