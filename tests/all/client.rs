//! The UMAPI client against the scripted mock: headers, token cache and 401 renewal, IMS failures,
//! reads with paging, the sliding-window pace. Simulator-based tests are in `client_sim.rs`.

use std::sync::Arc;
use std::sync::atomic::Ordering;
use std::time::Duration;

use umapi_bulk::execute::{self, CommandOutcome, ExecuteOptions, RunEnd};
use umapi_bulk::exit_status::{ExitStatus, status_of};
use umapi_bulk::umapi::retry::RetryPolicy;
use umapi_bulk::umapi::{AuthError, CancelToken, ClientError, ClientOptions, UmapiClient, wire};

use crate::client_mock::{Mock, Recorder, Reply, SECRET, batch};

pub fn fast_policy(config: &umapi_bulk::umapi::Config) -> RetryPolicy {
    RetryPolicy::from_limits(&config.limits).with_timing(Duration::from_millis(2), Duration::from_millis(10))
}

pub fn client_for(config: &umapi_bulk::umapi::Config, recorder: &Arc<Recorder>) -> Arc<UmapiClient> {
    let options = ClientOptions { observer: recorder.clone(), policy: Some(fast_policy(config)), renew_margin: None };
    Arc::new(UmapiClient::new(config, options).unwrap_or_else(|error| panic!("client: {error}")))
}

/// Fails if a secret (client secret, private key, token) appears in `text`.
pub fn assert_no_secrets(text: &str) {
    for secret in [SECRET, "eyMockToken", "BEGIN PRIVATE KEY", "BEGIN RSA PRIVATE KEY", "demo-secret"] {
        assert!(!text.contains(secret), "a secret ({secret}) leaked into:\n{text}");
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn client_sends_umapi_headers_and_caches_the_token() {
    let mock = Mock::start().await;
    let recorder = Arc::new(Recorder::default());
    let client = client_for(&mock.config(), &recorder);
    let dir = crate::harness::temp_dir();
    let batches = vec![batch(1, 2, &[]), batch(2, 1, &[]), batch(3, 3, &[])];
    let options = ExecuteOptions { test_mode: true, concurrency: 1, ends_session: true };
    let report = execute::execute(client, batches, dir.path(), options, recorder.clone(), CancelToken::new())
        .await
        .unwrap_or_else(|error| panic!("{error}"));
    assert_eq!(report.end, RunEnd::Finished);
    assert_eq!(report.counts(), (6, 0, 0));
    let actions = mock.actions();
    assert_eq!(actions.len(), 3);
    assert_eq!(mock.state.token_requests.load(Ordering::SeqCst), 1, "one token serves the whole run");
    let mut ids = std::collections::HashSet::new();
    for seen in &actions {
        assert_eq!(seen.method, "POST");
        assert_eq!(seen.path, "/v2/usermanagement/action/MOCK0000@AdobeOrg");
        assert_eq!(seen.query, "testOnly=true");
        assert_eq!(seen.header("authorization").as_deref(), Some("Bearer eyMockToken0"));
        assert_eq!(seen.header("x-api-key").as_deref(), Some("mock-client"));
        assert_eq!(seen.header("content-type").as_deref(), Some("application/json"));
        assert_eq!(seen.header("accept").as_deref(), Some("application/json"));
        assert!(seen.header("user-agent").is_some_and(|agent| agent.starts_with("umapi-bulk/")));
        let id = seen.header("x-request-id").unwrap_or_default();
        assert!(uuid::Uuid::parse_str(&id).is_ok(), "{id}");
        assert!(ids.insert(id));
    }
    assert_eq!(actions[0].header("pragma").as_deref(), Some("umapi-sync-start"));
    assert_eq!(actions[1].header("pragma"), None);
    assert_eq!(actions[2].header("pragma").as_deref(), Some("umapi-sync-end"));
    let journal = std::fs::read_to_string(dir.path().join(execute::JOURNAL_FILE)).unwrap_or_default();
    for id in &ids {
        assert!(journal.contains(&format!("\"x_request_id\":\"{id}\"")), "journal lacks {id}");
    }
    let body: Vec<wire::Command> = serde_json::from_str(&actions[0].body).unwrap_or_default();
    assert_eq!(body, batch(1, 2, &[]).commands, "the request body is the batch's commands");
    assert_no_secrets(&journal);
    assert_no_secrets(&recorder.text());
    assert_no_secrets(&format!("{report:?}"));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_401_renews_the_token_once_and_resends() {
    let mock = Mock::start().await;
    let recorder = Arc::new(Recorder::default());
    let client = client_for(&mock.config(), &recorder);
    let stop = CancelToken::new();
    mock.state
        .users
        .lock()
        .unwrap_or_else(|poisoned| poisoned.into_inner())
        .push(wire::User { email: "a@example.com".into(), ..wire::User::default() });
    assert!(client.user("a@example.com", None, &stop).await.is_ok_and(|user| user.is_some()));
    mock.revoke_tokens();
    assert!(client.user("a@example.com", None, &stop).await.is_ok_and(|user| user.is_some()));
    assert_eq!(mock.state.token_requests.load(Ordering::SeqCst), 2);
    let seen = mock.seen();
    let reads: Vec<_> = seen.iter().filter(|seen| seen.path.contains("/organizations/")).collect();
    assert_eq!(reads.len(), 3, "first read, the refused one, its replay");
    assert_eq!(reads[2].header("authorization").as_deref(), Some("Bearer eyMockToken1"));
    assert_ne!(reads[1].header("x-request-id"), reads[2].header("x-request-id"));
    assert_eq!(recorder.count("token renewal=true"), 1);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_second_401_aborts_the_run_as_an_authentication_failure() {
    let mock = Mock::start().await;
    let recorder = Arc::new(Recorder::default());
    let client = client_for(&mock.config(), &recorder);
    let refused = || Reply::Status(401, vec![], String::new());
    mock.push(refused());
    mock.push(refused());
    let dir = crate::harness::temp_dir();
    let batches = vec![batch(1, 2, &[]), batch(2, 2, &[])];
    let options = ExecuteOptions { test_mode: false, concurrency: 1, ends_session: true };
    let report = execute::execute(client, batches, dir.path(), options, recorder.clone(), CancelToken::new())
        .await
        .unwrap_or_else(|error| panic!("{error}"));
    let RunEnd::Aborted { error } = &report.end else { panic!("not aborted: {:?}", report.end) };
    assert_eq!(ExitStatus::from(error), ExitStatus::AuthOrConnection);
    assert!(error.message.contains("401"), "{}", error.message);
    assert_eq!(report.counts(), (0, 0, 4));
    assert_eq!(mock.actions().len(), 2, "one send and one replay, then nothing");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_ims_rejection_is_exit_3_with_a_hint_and_no_secret() {
    let mock = Mock::start().await;
    *mock.state.token_reply.lock().unwrap_or_else(|poisoned| poisoned.into_inner()) =
        Some((401, r#"{"error":"invalid_client","error_description":"invalid client_secret parameter"}"#.into()));
    let recorder = Arc::new(Recorder::default());
    let client = client_for(&mock.config(), &recorder);
    let error = client.all_users(&CancelToken::new()).await.err();
    assert!(matches!(error, Some(ClientError::Auth(AuthError::Rejected { status: 401, .. }))), "{error:?}");
    let error = error.map(ClientError::into_anyhow).unwrap_or_else(|| anyhow::anyhow!("none"));
    assert_eq!(status_of(&error), ExitStatus::AuthOrConnection);
    let text = format!("{error:#} {error:?}");
    assert!(text.contains("invalid_client"), "{text}");
    assert_eq!(mock.state.token_requests.load(Ordering::SeqCst), 1, "a rejection is not retried");
    assert_no_secrets(&text);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn reads_page_through_every_page_and_a_missing_user_is_none() {
    let mock = Mock::start().await;
    let users: Vec<wire::User> =
        (1..=7).map(|number| wire::User { email: format!("u{number}@example.com"), ..wire::User::default() }).collect();
    *mock.state.users.lock().unwrap_or_else(|poisoned| poisoned.into_inner()) = users.clone();
    let recorder = Arc::new(Recorder::default());
    let client = client_for(&mock.config(), &recorder);
    let stop = CancelToken::new();
    let listing = client.all_users(&stop).await.unwrap_or_else(|error| panic!("{error}"));
    assert_eq!(listing.items, users);
    assert_eq!(listing.pages_read, 3);
    assert_eq!(listing.first_page.total_count, Some(7));
    assert_eq!(recorder.count("read "), 3);
    let found = client.user("u5@example.com", None, &stop).await.unwrap_or_else(|error| panic!("{error}"));
    assert_eq!(found.map(|user| user.email).as_deref(), Some("u5@example.com"));
    let missing = client.user("nobody@example.com", None, &stop).await.unwrap_or_else(|error| panic!("{error}"));
    assert_eq!(missing, None);
    // A 404 that is not UMAPI's user-not-found (here: no such endpoint) is an error, never "absent".
    let error = client.groups_page(0, &stop).await.err();
    assert!(matches!(error, Some(ClientError::Http { status: 404, .. })), "{error:?}");
}

/// C5 (UMAPI.md 4d, 5a): paging ends on `lastPage` or an empty page, never on `X-Page-Count`; a
/// server that never says `lastPage` (a page past the end is the last one again) ends where a page
/// repeats the previous one, without listing anyone twice.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_stale_or_zero_page_count_never_cuts_a_listing_and_a_repeated_page_ends_it() {
    let mock = Mock::start().await;
    let users: Vec<wire::User> =
        (1..=7).map(|number| wire::User { email: format!("u{number}@example.com"), ..wire::User::default() }).collect();
    *mock.state.users.lock().unwrap_or_else(|poisoned| poisoned.into_inner()) = users.clone();
    let client = client_for(&mock.config(), &Arc::new(Recorder::default()));
    let stop = CancelToken::new();
    for stale in ["1", "0", "2", "not a number"] {
        *mock.state.page_count_header.lock().unwrap_or_else(|poisoned| poisoned.into_inner()) = Some(stale.into());
        let listing = client.all_users(&stop).await.unwrap_or_else(|error| panic!("{error}"));
        assert_eq!(listing.items, users, "X-Page-Count {stale:?}");
        assert_eq!(listing.pages_read, 3, "X-Page-Count {stale:?}");
    }
    mock.state.never_last_page.store(true, Ordering::SeqCst);
    let listing = client.all_users(&stop).await.unwrap_or_else(|error| panic!("{error}"));
    assert_eq!(listing.items, users, "the repeated last page is not listed twice");
    assert_eq!(listing.pages_read, 4, "page 3 repeats page 2 and ends the listing");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_limiter_never_lets_more_than_n_requests_into_a_window() {
    let mock = Mock::start().await;
    let mut config = mock.config();
    config.limits.action_rpm = 3;
    config.limits.window = Duration::from_millis(800);
    let recorder = Arc::new(Recorder::default());
    let client = client_for(&config, &recorder);
    let dir = crate::harness::temp_dir();
    let batches: Vec<_> = (1..=7).map(|number| batch(number, 1, &[])).collect();
    let options = ExecuteOptions { test_mode: false, concurrency: 4, ends_session: true };
    let report = execute::execute(client, batches, dir.path(), options, recorder.clone(), CancelToken::new())
        .await
        .unwrap_or_else(|error| panic!("{error}"));
    assert_eq!(report.counts(), (7, 0, 0));
    let arrivals: Vec<_> = mock.actions().iter().map(|seen| seen.at).collect();
    assert_eq!(arrivals.len(), 7);
    for index in 3..arrivals.len() {
        let gap = arrivals[index] - arrivals[index - 3];
        assert!(gap >= config.limits.window, "requests {} and {index} only {gap:?} apart", index - 3);
    }
    assert!(report.statistics.paced > Duration::ZERO);
    let outcomes: Vec<&CommandOutcome> = report.batches.iter().flat_map(|batch| &batch.outcomes).collect();
    assert!(outcomes.iter().all(|outcome| outcome.x_request_id().is_some()));
}
