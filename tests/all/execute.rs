//! The executor against the scripted mock: retries and exhaustion, the shared 429 pause (both
//! Retry-After forms), parking and resume, cancellation, refused connections, whole-request and
//! per-command errors, ordering, and the journal's torn last line.

use std::sync::Arc;
use std::time::{Duration, SystemTime};

use tokio::time::Instant;

use umapi_bulk::execute::{
    self, AbortKind, Batch, CommandOutcome, ExecuteOptions, NotAttemptedReason, RunEnd, RunReport,
};
use umapi_bulk::umapi::CancelToken;
use umapi_bulk::umapi::Config;

use crate::client::{assert_no_secrets, client_for};
use crate::client_mock::{Mock, Recorder, Reply, batch};
use crate::harness::{temp_dir as temp, wait_for};

/// A consistent success for the two-command batches of these tests (the client checks the counts).
fn ok() -> Reply {
    Reply::Status(200, vec![], r#"{"result":"success","completed":2,"notCompleted":0,"completedInTestMode":0}"#.into())
}

fn status(code: u16) -> Reply {
    Reply::Status(code, vec![], String::new())
}

fn throttled(retry_after: String) -> Reply {
    Reply::Status(
        429,
        vec![("Retry-After", retry_after)],
        r#"{"error_code":"429050","message":"Too many requests"}"#.into(),
    )
}

async fn run(
    config: &Config,
    batches: Vec<Batch>,
    dir: &std::path::Path,
    concurrency: usize,
    cancel: CancelToken,
) -> (RunReport, Arc<Recorder>) {
    let recorder = Arc::new(Recorder::default());
    let client = client_for(config, &recorder);
    let options = ExecuteOptions { test_mode: false, concurrency, ends_session: true };
    let report = execute::execute(client, batches, dir, options, recorder.clone(), cancel)
        .await
        .unwrap_or_else(|error| panic!("{error}"));
    (report, recorder)
}

async fn resume(config: &Config, dir: &std::path::Path) -> (execute::ResumedRun, Arc<Recorder>) {
    let recorder = Arc::new(Recorder::default());
    let client = client_for(config, &recorder);
    let options = ExecuteOptions { test_mode: false, concurrency: 2, ends_session: true };
    let resumed = execute::resume(client, dir, options, recorder.clone(), CancelToken::new())
        .await
        .unwrap_or_else(|error| panic!("{error}"));
    (resumed, recorder)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn transient_failures_are_retried_and_exhaustion_leaves_the_batch_unknown() {
    let mock = Mock::start().await;
    for reply in [status(503), status(502), status(504), ok(), status(503), status(503), status(503), status(503)] {
        mock.push(reply);
    }
    let dir = temp();
    let (report, recorder) =
        run(&mock.config(), vec![batch(1, 2, &[]), batch(2, 2, &[])], dir.path(), 1, CancelToken::new()).await;
    assert_eq!(report.end, RunEnd::Finished);
    assert!(report.batches[0].outcomes.iter().all(CommandOutcome::is_success));
    // A gateway error may come after UMAPI applied the request: after the last attempt nobody knows.
    for outcome in &report.batches[1].outcomes {
        let CommandOutcome::Unknown { reason, x_request_id } = outcome else { panic!("not unknown: {outcome:?}") };
        assert!(reason.contains("4 attempts") && reason.contains("HTTP 503"), "{reason}");
        assert!(x_request_id.is_some());
    }
    assert_eq!(report.unknown_count(), 2);
    assert_eq!(mock.actions().len(), 8);
    assert_eq!(report.statistics.requests_sent, 8);
    assert_eq!(report.statistics.batches_sent, 2);
    assert_eq!(report.statistics.retries, 6);
    assert_eq!(report.statistics.transient_failures, 7);
    assert_eq!(recorder.count("retry "), 6);
    let state = execute::read_journal(dir.path()).unwrap_or_else(|error| panic!("{error}"));
    assert!(state.is_complete(), "an exhausted batch is settled: resume does not resend it");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn exhaustion_on_429s_alone_is_a_transient_failure_not_an_unknown() {
    // UMAPI answers 429 before doing anything: four of them leave no doubt that nothing was applied.
    let mock = Mock::start().await;
    for _ in 0..4 {
        mock.push(throttled("0".into()));
    }
    let dir = temp();
    let (report, _) = run(&mock.config(), vec![batch(1, 2, &[])], dir.path(), 1, CancelToken::new()).await;
    assert_eq!(report.end, RunEnd::Finished);
    assert_eq!(report.unknown_count(), 0);
    for outcome in &report.batches[0].outcomes {
        let CommandOutcome::Failed { code, transient, .. } = outcome else { panic!("not failed: {outcome:?}") };
        assert_eq!(code, execute::outcome::CODE_TRANSIENT_EXHAUSTED);
        assert!(*transient);
    }
}

async fn a_429_pauses_every_worker(retry_after: String, at_least: Duration) {
    let mock = Mock::start().await;
    // 800 ms for the other requests leaves the client that much time to act on the 429 before a
    // worker could start another request, even on a loaded machine.
    mock.state.latency_ms.store(800, std::sync::atomic::Ordering::SeqCst);
    mock.push(throttled(retry_after));
    let dir = temp();
    let batches: Vec<_> = (1..=8).map(|number| batch(number, 1, &[])).collect();
    let (report, recorder) = run(&mock.config(), batches, dir.path(), 4, CancelToken::new()).await;
    assert_eq!(report.end, RunEnd::Finished);
    assert_eq!(report.counts(), (8, 0, 0));
    assert_eq!(report.statistics.throttled, 1);
    assert_eq!(recorder.count("wait "), 1, "one countdown for the one 429");
    let actions = mock.actions();
    assert_eq!(actions.len(), 9);
    // The first wave (4 requests) goes out at once; the 429 answers at once while the others take
    // 800 ms, so every worker is paused before it could start another request: everything after
    // the first wave arrives no earlier than the Retry-After.
    let first = actions[0].at;
    let mut arrivals: Vec<Instant> = actions.iter().map(|seen| seen.at).collect();
    arrivals.sort();
    let early: Vec<Duration> =
        arrivals[4..].iter().filter(|at| **at < first + at_least).map(|at| *at - first).collect();
    assert!(early.is_empty(), "requests arrived during the pause: {early:?}");
    assert!(report.statistics.waited >= at_least);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_429_with_retry_after_seconds_pauses_every_worker() {
    a_429_pauses_every_worker("2".into(), Duration::from_secs(2)).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_429_with_an_http_date_pauses_every_worker() {
    let date = httpdate::fmt_http_date(SystemTime::now() + Duration::from_secs(3));
    a_429_pauses_every_worker(date, Duration::from_secs(2)).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_wait_longer_than_max_wait_parks_the_run_and_resume_sends_only_the_rest() {
    let mock = Mock::start().await;
    for reply in [ok(), ok(), throttled("3600".into())] {
        mock.push(reply);
    }
    let dir = temp();
    let batches: Vec<_> = (1..=5).map(|number| batch(number, 2, &[])).collect();
    let (report, recorder) = run(&mock.config(), batches.clone(), dir.path(), 1, CancelToken::new()).await;
    let RunEnd::Parked { resume_after } = report.end else { panic!("not parked: {:?}", report.end) };
    assert!(resume_after > time::OffsetDateTime::now_utc() + Duration::from_secs(3500));
    assert_eq!(recorder.count("parked "), 1);
    assert_eq!(report.counts(), (4, 0, 6));
    assert!(
        report.batches[2..]
            .iter()
            .flat_map(|batch| &batch.outcomes)
            .all(|outcome| { *outcome == CommandOutcome::NotAttempted { reason: NotAttemptedReason::Parked } })
    );
    let first_run = mock.actions();
    assert_eq!(first_run.len(), 3, "nothing is sent after the long 429");

    let state = execute::read_journal(dir.path()).unwrap_or_else(|error| panic!("{error}"));
    let answered = state.answered_request_ids.clone();
    let (resumed, _) = resume(&mock.config(), dir.path()).await;
    assert_eq!(resumed.report.end, RunEnd::Finished);
    assert_eq!(resumed.report.counts(), (10, 0, 0));
    assert_eq!(resumed.batches, batches);
    let resent = &mock.actions()[first_run.len()..];
    assert_eq!(resent.len(), 3, "batches 3 to 5, once each");
    for seen in resent {
        assert!(!answered.contains(&seen.header("x-request-id").unwrap_or_default()));
    }
    let mut bodies: Vec<&str> = resent.iter().map(|seen| seen.body.as_str()).collect();
    bodies.sort();
    let mut expected: Vec<String> =
        batches[2..].iter().map(|batch| serde_json::to_string(&batch.commands).unwrap_or_default()).collect();
    expected.sort();
    assert_eq!(bodies, expected, "resume sends exactly the planned requests");
    assert_eq!(
        first_run[2].body,
        expected.iter().find(|body| **body == first_run[2].body).cloned().unwrap_or_default()
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn cancellation_lets_in_flight_requests_finish_and_starts_nothing_new() {
    let mock = Mock::start().await;
    mock.state.latency_ms.store(800, std::sync::atomic::Ordering::SeqCst);
    let dir = temp();
    let cancel = CancelToken::new();
    let batches: Vec<_> = (1..=6).map(|number| batch(number, 1, &[])).collect();
    let config = mock.config();
    let running = {
        let cancel = cancel.clone();
        let dir = dir.path().to_path_buf();
        let config = config.clone();
        tokio::spawn(async move { run(&config, batches, &dir, 2, cancel).await })
    };
    // The first request opens the sync session alone (docs/sessions.md); once it is answered the
    // two workers send the next two, which take 800 ms: cancel while they are in flight.
    wait_for(Duration::from_secs(10), || async { (mock.actions().len() >= 3).then_some(()) }).await;
    cancel.cancel();
    let (report, recorder) = running.await.unwrap_or_else(|error| panic!("{error}"));
    assert_eq!(report.end, RunEnd::Cancelled);
    assert_eq!(report.counts(), (3, 0, 3), "the two in flight finished; nothing new started");
    assert_eq!(mock.actions().len(), 3);
    assert_eq!(recorder.count("stopping cancelled"), 1);
    let (resumed, _) = resume(&config, dir.path()).await;
    assert_eq!(resumed.report.counts(), (6, 0, 0));
    assert_eq!(mock.actions().len(), 6);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_refused_connection_after_every_attempt_aborts_with_exit_3() {
    let mock = Mock::start().await;
    let closed = std::net::TcpListener::bind("127.0.0.1:0").and_then(|listener| listener.local_addr());
    let closed = closed.unwrap_or_else(|error| panic!("{error}"));
    let mut config = mock.config();
    config.umapi_url = format!("http://{closed}/v2/usermanagement");
    let dir = temp();
    let (report, _) = run(&config, vec![batch(1, 1, &[]), batch(2, 1, &[])], dir.path(), 1, CancelToken::new()).await;
    let RunEnd::Aborted { error } = &report.end else { panic!("not aborted: {:?}", report.end) };
    assert_eq!(error.kind, AbortKind::Connection);
    assert_eq!(umapi_bulk::exit_status::ExitStatus::from(error), umapi_bulk::exit_status::ExitStatus::AuthOrConnection);
    assert!(error.message.contains(&closed.to_string()), "{}", error.message);
    assert_eq!(report.counts(), (0, 0, 2));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn answers_map_back_to_commands_and_a_refused_request_fails_only_its_batch() {
    let mock = Mock::start().await;
    mock.push(Reply::Status(200, vec![], r#"{"result":"partial","completed":2,"notCompleted":1,"completedInTestMode":0,
        "errors":[{"index":1,"step":0,"requestID":"r","user":"user1-1@example.com","errorCode":"error.group.not_found","message":"Group Designers was not found"}]}"#.into()));
    mock.push(Reply::Status(
        400,
        vec![],
        r#"{"result":"error.command.malformed","message":"more than 10 commands"}"#.into(),
    ));
    let dir = temp();
    let batches = vec![batch(1, 3, &[]), batch(2, 2, &["b00001"]), batch(3, 1, &["b00002"])];
    let (report, _) = run(&mock.config(), batches, dir.path(), 4, CancelToken::new()).await;
    assert_eq!(report.end, RunEnd::Finished);
    let first = &report.batches[0].outcomes;
    assert!(first[0].is_success() && first[2].is_success());
    assert!(
        matches!(&first[1], CommandOutcome::Failed { code, step: Some(0), transient: false, .. } if code == "error.group.not_found")
    );
    assert!(report.batches[1].outcomes.iter().all(|outcome| outcome.error_code() == Some("error.command.malformed")));
    assert!(report.batches[2].outcomes.iter().all(CommandOutcome::is_success), "a later batch still runs");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn dependent_batches_are_never_in_flight_together() {
    let mock = Mock::start().await;
    mock.state.latency_ms.store(150, std::sync::atomic::Ordering::SeqCst);
    let dir = temp();
    let batches = vec![batch(1, 1, &[]), batch(2, 1, &["b00001"]), batch(3, 1, &["b00002"]), batch(4, 1, &[])];
    let (report, recorder) = run(&mock.config(), batches, dir.path(), 4, CancelToken::new()).await;
    assert_eq!(report.counts(), (4, 0, 0));
    let arrival = |user: &str| {
        mock.actions()
            .iter()
            .find(|seen| seen.body.contains(user))
            .map(|seen| seen.at)
            .unwrap_or_else(|| panic!("{user}"))
    };
    let latency = Duration::from_millis(150);
    assert!(arrival("user2-0@") >= arrival("user1-0@") + latency);
    assert!(arrival("user3-0@") >= arrival("user2-0@") + latency);
    let lines = recorder.lines.lock().unwrap_or_else(|poisoned| poisoned.into_inner()).clone();
    let position = |prefix: &str| lines.iter().position(|line| line.starts_with(prefix)).unwrap_or(usize::MAX);
    assert!(position("start b00004") < position("finish b00001"), "an independent batch does not wait");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_torn_last_line_is_tolerated_and_settled_batches_are_not_resent() {
    let mock = Mock::start().await;
    let dir = temp();
    let batches: Vec<_> = (1..=3).map(|number| batch(number, 1, &[])).collect();
    let (report, recorder) = run(&mock.config(), batches, dir.path(), 2, CancelToken::new()).await;
    assert_eq!(report.counts(), (3, 0, 0));
    let path = dir.path().join(execute::JOURNAL_FILE);
    let mut text = std::fs::read_to_string(&path).unwrap_or_default();
    text.push_str("{\"type\":\"intent\",\"batch\":\"b000");
    std::fs::write(&path, &text).unwrap_or_else(|error| panic!("{error}"));
    let (resumed, _) = resume(&mock.config(), dir.path()).await;
    assert_eq!(resumed.report.counts(), (3, 0, 0));
    assert_eq!(resumed.report.warnings.len(), 1, "{:?}", resumed.report.warnings);
    assert_eq!(mock.actions().len(), 3, "nothing answered is sent again");
    let after = std::fs::read_to_string(&path).unwrap_or_default();
    assert!(
        execute::read_journal(dir.path()).is_ok_and(|state| state.warnings.is_empty()),
        "the torn tail was cut:\n{after}"
    );
    assert_no_secrets(&after);
    assert_no_secrets(&recorder.text());
}
