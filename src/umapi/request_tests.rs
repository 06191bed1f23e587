//! Tests of the request loop: the shared 429 pause under tokio's paused clock (no real waiting,
//! exact instants), and against a loopback stand-in for IMS and UMAPI, the order in which a 429 is
//! acted on (the pause before the journal; an attempt journaled meanwhile withdrawn).

use super::*;
use crate::umapi::client::ClientOptions;
use crate::umapi::config::{Config, Limits};

/// A client that never sends here (nothing listens on port 9); only its waits are exercised.
fn client(max_wait: Duration) -> UmapiClient {
    let config = Config {
        org_id: "TEST0000@AdobeOrg".into(),
        client_id: "client".into(),
        client_secret: Some(Secret::new("secret")),
        ims_url: "http://127.0.0.1:9".into(),
        umapi_url: "http://127.0.0.1:9/v2/usermanagement".into(),
        limits: Limits { action_rpm: 0, read_rpm: 0, groups_rpm: 0, max_wait, ..Limits::default() },
        ..Config::default()
    };
    UmapiClient::new(&config, ClientOptions::default()).unwrap_or_else(|error| panic!("{error}"))
}

#[tokio::test(start_paused = true)]
async fn a_429_pause_holds_every_worker_until_the_server_said() {
    let client = client(Duration::from_secs(15 * 60));
    let stop = CancelToken::new();
    let start = Instant::now();
    client.pause.extend(start + Duration::from_secs(38));
    let slot = || async {
        let permit = client.wait_for_slot(Family::Action, &stop, false).await;
        (permit.is_ok(), Instant::now() - start)
    };
    let (first, second, third, fourth) = tokio::join!(slot(), slot(), slot(), slot());
    for (granted, waited) in [first, second, third, fourth] {
        assert!(granted);
        assert_eq!(waited, Duration::from_secs(38), "each worker waited exactly the pause");
    }
    // Another family is paused too: a 429 stops every request of the client.
    client.pause.extend(Instant::now() + Duration::from_secs(5));
    let (granted, waited) = {
        let before = Instant::now();
        (client.wait_for_slot(Family::Users, &stop, false).await.is_ok(), Instant::now() - before)
    };
    assert!(granted);
    assert_eq!(waited, Duration::from_secs(5));
}

#[tokio::test(start_paused = true)]
async fn a_pause_longer_than_max_wait_parks_at_once_and_stop_ends_a_pause() {
    let client = client(Duration::from_secs(15 * 60));
    let stop = CancelToken::new();
    let start = Instant::now();
    client.pause.extend(start + Duration::from_secs(20 * 60));
    let parked = client.wait_for_slot(Family::Action, &stop, true).await;
    assert!(matches!(parked, Err(CallError::Parked { wait, .. }) if wait == Duration::from_secs(20 * 60)));
    assert_eq!(Instant::now(), start, "parking does not wait");

    let client = self::client(Duration::from_secs(15 * 60));
    client.pause.extend(Instant::now() + Duration::from_secs(60));
    let stopper = stop.clone();
    let (stopped, ()) = tokio::join!(client.wait_for_slot(Family::Action, &stop, true), async move {
        tokio::time::sleep(Duration::from_secs(10)).await;
        stopper.cancel();
    });
    assert!(matches!(stopped, Err(CallError::Stopped { sent: true })));
    assert_eq!(Instant::now() - start, Duration::from_secs(10), "a stop ends the wait at once");
}

/// A hook that looks at the client's pause when the request loop calls it.
struct Watcher {
    client: std::sync::Arc<UmapiClient>,
    /// Whether the pause was in force when `after_failure` heard of a 429.
    paused_when_told: Option<bool>,
    /// Pause everyone from `before_send`, as a 429 of another worker landing meanwhile would.
    pause_while_journaling: bool,
    withdrawn: Vec<u32>,
}

impl AttemptHook for Watcher {
    fn before_send(&mut self, _attempt: u32, _x_request_id: &str) -> Result<(), HookError> {
        if self.pause_while_journaling {
            self.client.pause.extend(Instant::now() + Duration::from_secs(60));
        }
        Ok(())
    }

    fn after_failure(&mut self, _: u32, _: &str, status: Option<u16>, _: &RetryReason) -> Result<(), HookError> {
        if status == Some(429) {
            self.paused_when_told = Some(self.client.pause.remaining(Instant::now()).is_some());
        }
        Ok(())
    }

    fn withdrawn(&mut self, attempt: u32, _x_request_id: &str) -> Result<(), HookError> {
        self.withdrawn.push(attempt);
        Ok(())
    }
}

/// A stand-in for IMS and UMAPI on loopback (the simulator is a layer above this one): tokens
/// for anyone, the first action request answered, every later one 429 with `Retry-After: 60`;
/// it counts the UMAPI requests it receives.
struct Server {
    umapi_requests: std::sync::Arc<std::sync::atomic::AtomicU32>,
    task: tokio::task::JoinHandle<()>,
}

async fn server_and_client() -> (Server, std::sync::Arc<UmapiClient>) {
    use axum::http::StatusCode;
    use axum::response::IntoResponse;
    let umapi_requests = std::sync::Arc::new(std::sync::atomic::AtomicU32::new(0));
    let counted = std::sync::Arc::clone(&umapi_requests);
    let app = axum::Router::new().fallback(move |uri: axum::http::Uri| {
        let counted = std::sync::Arc::clone(&counted);
        async move {
            if uri.path().starts_with("/ims/") {
                let token = serde_json::json!({"access_token": "eyTest", "token_type": "bearer", "expires_in": 86_399});
                return axum::Json(token).into_response();
            }
            if counted.fetch_add(1, Ordering::SeqCst) == 0 {
                let answer = serde_json::json!({"result": "success", "completed": 1, "notCompleted": 0, "completedInTestMode": 0});
                return axum::Json(answer).into_response();
            }
            let body = r#"{"error_code":"429050","message":"Too many requests"}"#;
            (StatusCode::TOO_MANY_REQUESTS, [("Retry-After", "60")], body).into_response()
        }
    });
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap_or_else(|error| panic!("{error}"));
    let address = listener.local_addr().unwrap_or_else(|error| panic!("{error}"));
    let task = tokio::spawn(async move {
        let _ = axum::serve(listener, app).await;
    });
    let config = Config {
        org_id: "TEST0000@AdobeOrg".into(),
        client_id: "client".into(),
        client_secret: Some(Secret::new("secret")),
        ims_url: format!("http://{address}"),
        umapi_url: format!("http://{address}/v2/usermanagement"),
        limits: Limits { action_rpm: 0, max_wait: Duration::from_secs(1), ..Limits::default() },
        ..Config::default()
    };
    let client = UmapiClient::new(&config, ClientOptions::default()).unwrap_or_else(|error| panic!("{error}"));
    (Server { umapi_requests, task }, std::sync::Arc::new(client))
}

const BODY: &[u8] = br#"[{"user":"user01@example.com","do":[{"add":{"group":["Contractors"]}}]}]"#;

#[tokio::test]
async fn a_429_pauses_every_worker_before_the_journal_hears_of_it() {
    let (server, client) = server_and_client().await;
    let stop = CancelToken::new();
    let mut watcher =
        Watcher { client: client.clone(), paused_when_told: None, pause_while_journaling: false, withdrawn: vec![] };
    let first = client.send_action("b1", BODY.to_vec(), &[1], false, false, &mut watcher, &stop).await;
    assert!(first.is_ok(), "{first:?}");
    let second = client.send_action("b2", BODY.to_vec(), &[1], false, false, &mut watcher, &stop).await;
    assert!(matches!(second, Err(CallError::Parked { .. })), "the window's 429 parks: {second:?}");
    assert_eq!(watcher.paused_when_told, Some(true), "the pause was set before the hook (the journal) ran");
    server.task.abort();
}

#[tokio::test]
async fn an_attempt_journaled_while_a_429_paused_everyone_is_withdrawn_not_sent() {
    let (server, client) = server_and_client().await;
    let mut watcher =
        Watcher { client: client.clone(), paused_when_told: None, pause_while_journaling: true, withdrawn: vec![] };
    let result = client.send_action("b1", BODY.to_vec(), &[1], false, false, &mut watcher, &CancelToken::new()).await;
    assert!(matches!(result, Err(CallError::Parked { .. })), "{result:?}");
    assert_eq!(watcher.withdrawn, vec![1], "the journaled attempt was withdrawn");
    assert_eq!(server.umapi_requests.load(Ordering::SeqCst), 0, "nothing reached the server");
    let later = client.user("user01@example.com", None, &CancelToken::new()).await;
    assert!(matches!(later, Err(crate::umapi::error::ClientError::Parked { .. })), "parked for good: {later:?}");
    assert_eq!(server.umapi_requests.load(Ordering::SeqCst), 0);
    server.task.abort();
}
