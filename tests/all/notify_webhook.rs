//! The end-of-run webhook against a loopback HTTP receiver (axum on an ephemeral port) that records
//! every POST: the JSON body carries Slack's `text` with the counts and the Teams Adaptive Card; an
//! error status is reported with the URL's secret path removed even when the receiver echoes it;
//! a receiver that never answers cannot hang the run.

use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use axum::Router;
use axum::body::Bytes;
use axum::extract::State;
use axum::http::{HeaderMap, StatusCode, Uri};
use axum::routing::post;
use serde_json::Value;
use umapi_bulk::notify::webhook::{self, WebhookConfig};
use umapi_bulk::notify::{NotifyError, RunNotice};
use umapi_bulk::report::overview::{ResultCounts, RunState};
use umapi_bulk::secret::Secret;

use crate::report_support::demo_report;

const SECRET_PATH: &str = "/services/T0001/B0002/s3cr3tT0k3n";

/// What the receiver saw: content type and parsed body of each POST.
type Seen = Arc<Mutex<Vec<(String, Value)>>>;

async fn record(State(seen): State<Seen>, uri: Uri, headers: HeaderMap, body: Bytes) -> (StatusCode, String) {
    let content_type = headers.get("content-type").and_then(|value| value.to_str().ok()).unwrap_or_default();
    let json = serde_json::from_slice(&body).unwrap_or(Value::Null);
    if let Ok(mut seen) = seen.lock() {
        seen.push((content_type.to_string(), json));
    }
    if uri.path() == SECRET_PATH {
        (StatusCode::OK, "ok".into())
    } else {
        // Like a careless service, the error echoes the path it was given.
        (StatusCode::NOT_FOUND, format!("no_service: {}", uri.path()))
    }
}

/// Starts the receiver; returns its base URL and what it saw.
async fn receiver() -> (String, Seen) {
    let seen: Seen = Arc::default();
    let app = Router::new().fallback(post(record)).with_state(seen.clone());
    let listener =
        tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap_or_else(|error| panic!("cannot listen: {error}"));
    let address = listener.local_addr().unwrap_or_else(|error| panic!("{error}"));
    tokio::spawn(async move {
        let _ = axum::serve(listener, app).await;
    });
    (format!("http://{address}"), seen)
}

fn notice() -> RunNotice {
    let mut overview = demo_report().overview;
    overview.counts = ResultCounts { success: 40, failed: 2, not_attempted: 8, ..ResultCounts::default() };
    overview.state = RunState::Cancelled;
    RunNotice { overview, run_folder: "runs/20261124T105154Z-add-bulk-add".into(), resumed: false, has_report: true }
}

fn config(url: String) -> WebhookConfig {
    let mut config = WebhookConfig::new(Secret::new(url));
    config.timeout = Duration::from_secs(10);
    config
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_webhook_posts_slack_text_and_a_teams_card_with_the_counts() {
    let (base, seen) = receiver().await;
    let result = webhook::send(&config(format!("{base}{SECRET_PATH}")), &notice()).await;
    assert!(result.is_ok(), "{result:?}");
    let seen = seen.lock().map(|seen| seen.clone()).unwrap_or_default();
    assert_eq!(seen.len(), 1, "one POST");
    let (content_type, body) = &seen[0];
    assert_eq!(content_type, "application/json");
    let text = body["text"].as_str().unwrap_or_else(|| panic!("Slack needs a top-level text: {body}"));
    assert!(text.starts_with("umapi-bulk: Bulk add users cancelled (bulk-add.csv)\n"), "{text}");
    assert!(
        text.contains("50 rows: 40 succeeded, 2 failed, 0 invalid, 0 skipped, 8 not attempted, 0 unknown"),
        "{text}"
    );
    assert!(text.contains("no licence: 8 of 13 users joining \"Photoshop - Default\" (quota 5)"), "{text}");
    assert!(text.contains("Continue with: umapi-bulk apply --resume runs/20261124T105154Z-add-bulk-add"), "{text}");
    assert_eq!(body["type"], "message");
    let card = &body["attachments"][0]["content"];
    assert_eq!(body["attachments"][0]["contentType"], "application/vnd.microsoft.card.adaptive");
    assert_eq!(card["type"], "AdaptiveCard");
    let facts = card["body"][2]["facts"].as_array().cloned().unwrap_or_default();
    let fact = |title: &str| facts.iter().find(|fact| fact["title"] == title).map(|fact| fact["value"].clone());
    assert_eq!(fact("Success"), Some(Value::from("40")));
    assert_eq!(fact("Not Attempted"), Some(Value::from("8")));
    assert_eq!(fact("Rows"), Some(Value::from("50")));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_refused_webhook_is_an_error_that_never_shows_the_url() {
    let (base, seen) = receiver().await;
    let wrong = format!("{base}/services/T0001/B0002/wr0ngT0k3n?key=also-secret");
    let error = match webhook::send(&config(wrong), &notice()).await {
        Err(error) => error,
        Ok(()) => panic!("a 404 was taken for a success"),
    };
    assert!(matches!(error, NotifyError::WebhookStatus { status: 404, .. }), "{error:?}");
    let text = error.to_string();
    assert!(text.starts_with("webhook notification to 127.0.0.1: HTTP 404: no_service: "), "{text}");
    for secret in ["wr0ngT0k3n", "also-secret", "/services/T0001"] {
        assert!(!text.contains(secret) && !format!("{error:?}").contains(secret), "{secret} leaked: {text}");
    }
    assert!(error.hint().is_some_and(|hint| hint.contains("URL")));
    assert_eq!(seen.lock().map(|seen| seen.len()).unwrap_or_default(), 1, "the POST was made once");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_webhook_that_never_answers_cannot_hang_the_run() {
    // Accepts connections (the kernel completes them) but never reads or answers.
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap_or_else(|error| panic!("{error}"));
    let address = listener.local_addr().unwrap_or_else(|error| panic!("{error}"));
    let mut config = config(format!("http://{address}/hook/secret-token"));
    config.timeout = Duration::from_millis(500);
    let started = Instant::now();
    let result = webhook::send(&config, &notice()).await;
    let elapsed = started.elapsed();
    assert!(elapsed < Duration::from_secs(5), "took {elapsed:?}");
    let error = match result {
        Err(error @ NotifyError::Timeout { .. }) => error,
        other => panic!("expected a timeout, got {other:?}"),
    };
    assert_eq!(error.to_string(), "webhook notification: no answer from 127.0.0.1 within 0.5 s");
    drop(listener);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_webhook_url_must_be_http_or_https() {
    for url in ["ftp://example.com/hook", "not a url", "file:///etc/passwd"] {
        let result = webhook::send(&config(url.to_string()), &notice()).await;
        assert!(matches!(result, Err(NotifyError::WebhookUrl)), "{url}: {result:?}");
    }
}
