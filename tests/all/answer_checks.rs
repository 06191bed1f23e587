//! Answers that parse but are wrong, through the binary: a hostile UMAPI (a loopback proxy in front
//! of the simulator that answers action requests with a scripted body and passes everything else
//! through) answers `{"result":"success","completed":0,"notCompleted":10}`, `{"result":"maybe"}`
//! or a `partial` whose error names a command the request did not carry. Each is re-sent (every
//! command is idempotent) and, when the attempts run out, its rows are Unknown, never Success:
//! exit 1, the rows in retry.csv with the hint, counted apart in summary.json and in the closing
//! line. An answer that is wrong once and right on the re-send ends in Success.

use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};

use axum::body::Bytes;
use axum::http::{HeaderMap, Method, StatusCode, Uri};
use axum::response::{IntoResponse, Response};

use crate::apply_support::{Org, column, enterprise_add_file, read_csv, summary, texts};

/// The hostile answers of issue 12, each for a request of 10 commands.
const HOSTILE: [&str; 3] = [
    r#"{"result":"success","completed":0,"notCompleted":10,"completedInTestMode":0}"#,
    r#"{"result":"maybe"}"#,
    r#"{"result":"partial","completed":9,"notCompleted":1,"completedInTestMode":0,
        "errors":[{"index":12,"step":0,"errorCode":"error.group.not_found","message":"Group X was not found"}]}"#,
];

/// A proxy that answers the first `hostile_answers` action requests with `body` and forwards the
/// rest, and every other request, to the simulator.
struct Proxy {
    base: String,
    actions: Arc<AtomicUsize>,
    server: tokio::task::JoinHandle<()>,
}

impl Drop for Proxy {
    fn drop(&mut self) {
        self.server.abort();
    }
}

impl Proxy {
    async fn start(upstream: String, body: &'static str, hostile_answers: usize) -> Self {
        let actions = Arc::new(AtomicUsize::new(0));
        let counter = actions.clone();
        let http = crate::sim_support::http();
        let app = axum::Router::new().fallback(move |method: Method, uri: Uri, headers: HeaderMap, bytes: Bytes| {
            let (http, upstream, counter) = (http.clone(), upstream.clone(), counter.clone());
            async move {
                if uri.path().contains("/action/") && counter.fetch_add(1, Ordering::SeqCst) < hostile_answers {
                    return (StatusCode::OK, [("content-type", "application/json")], body).into_response();
                }
                forward(&http, &upstream, method, &uri, headers, bytes).await
            }
        });
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap_or_else(|error| panic!("{error}"));
        let base = format!("http://{}", listener.local_addr().unwrap_or_else(|error| panic!("{error}")));
        let server = tokio::spawn(async move {
            let _ = axum::serve(listener, app).await;
        });
        Self { base, actions, server }
    }
}

async fn forward(
    http: &reqwest::Client,
    upstream: &str,
    method: Method,
    uri: &Uri,
    headers: HeaderMap,
    body: Bytes,
) -> Response {
    let path = uri.path_and_query().map(|path| path.as_str()).unwrap_or("/");
    let mut request = http.request(method, format!("{upstream}{path}")).body(body);
    for (name, value) in &headers {
        if name != "host" && name != "content-length" {
            request = request.header(name, value);
        }
    }
    match request.send().await {
        Ok(answer) => {
            let status = StatusCode::from_u16(answer.status().as_u16()).unwrap_or(StatusCode::BAD_GATEWAY);
            let mut copied = HeaderMap::new();
            for (name, value) in answer.headers() {
                if name != "content-length" && name != "transfer-encoding" && name != "connection" {
                    copied.insert(name.clone(), value.clone());
                }
            }
            let body = answer.bytes().await.unwrap_or_default();
            (status, copied, body).into_response()
        }
        Err(error) => (StatusCode::BAD_GATEWAY, error.to_string()).into_response(),
    }
}

/// The demo org behind the proxy: UMAPI through it, IMS directly; two attempts per request, fast.
async fn hostile_org(body: &'static str, hostile_answers: usize) -> (Org, Proxy) {
    let org = Org::demo().await;
    let proxy = Proxy::start(org.sim.base_url(), body, hostile_answers).await;
    let umapi = org.sim.umapi_url();
    let proxied = umapi.replace(&org.sim.base_url(), &proxy.base);
    org.edit_config(|config| {
        config
            .replace(&format!("umapi_url = \"{umapi}\""), &format!("umapi_url = \"{proxied}\""))
            .replace("[limits]", "[limits]\nmax_attempts = 2\nbackoff_base = \"10ms\"\nbackoff_cap = \"20ms\"")
    });
    (org, proxy)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn answers_that_fail_their_checks_leave_rows_unknown_never_success() {
    for body in HOSTILE {
        let (org, proxy) = hostile_org(body, usize::MAX).await;
        let file = org.write("users.csv", &enterprise_add_file("h", 20, None)).display().to_string();
        let output = org.run(&["apply", &file, "--op", "add"]).await;
        let (_, stderr) = texts(&output);
        let what = format!("answer {body}");
        assert_eq!(output.status.code(), Some(1), "{what}:\n{stderr}");
        let run = org.last_run();
        let results = read_csv(&run.join("results.csv"));
        assert!(column(&results, "Result").iter().all(|kind| kind == "Unknown"), "{what}: {results:?}");
        assert!(
            column(&results, "Error Message")
                .iter()
                .all(|message| message.starts_with("may or may not have been applied")),
            "{what}: {results:?}"
        );
        let retry = read_csv(&run.join("retry.csv"));
        assert_eq!(retry.len(), 21, "{what}: every Unknown row is in retry.csv");
        assert!(column(&retry, "Hint").iter().all(|hint| hint.contains("safe to apply again")), "{what}");
        let summary = summary(&run);
        assert_eq!(summary["results"]["Unknown"], 20, "{what}: {summary}");
        assert_eq!(summary["results"]["Success"], 0, "{what}: {summary}");
        assert_eq!(summary["exit_code"], 1, "{what}");
        assert!(stderr.contains("20 rows: 0 succeeded, 0 failed, 20 unknown"), "{what}:\n{stderr}");
        assert!(stderr.contains("may or may not have been applied"), "{what}:\n{stderr}");
        // Re-sent up to the attempt limit (2 requests of 10, 2 attempts each); nothing reached the org.
        assert_eq!(proxy.actions.load(Ordering::SeqCst), 4, "{what}");
        assert_eq!(org.counter("action_requests"), 0, "{what}");
        let journal = std::fs::read_to_string(run.join("journal.jsonl")).unwrap_or_default();
        assert!(journal.contains("an answer that fails its checks"), "{what}: the journal says why");
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_answer_that_fails_its_checks_once_is_re_sent_and_the_real_answer_counts() {
    let (org, proxy) = hostile_org(HOSTILE[0], 1).await;
    let file = org.write("users.csv", &enterprise_add_file("r", 20, None)).display().to_string();
    let output = org.run(&["apply", &file, "--op", "add"]).await;
    assert_eq!(output.status.code(), Some(0), "{}", texts(&output).1);
    let results = read_csv(&org.last_run().join("results.csv"));
    assert!(column(&results, "Result").iter().all(|kind| kind == "Success"));
    assert_eq!(proxy.actions.load(Ordering::SeqCst), 3, "one request was sent twice");
    assert_eq!(org.counter("commands_applied"), 20);
}
