//! A misbehaving UMAPI or IMS (the scripted mock): absurd `Retry-After` values park a run or end a
//! read cleanly (never a panic, never an authentication error), the wait is shown with the status
//! that asked for it, server text never carries a secret, and huge answers are not journaled whole.

use std::sync::Arc;

use umapi_bulk::execute::{self, CommandOutcome, ExecuteOptions, NotAttemptedReason, RunEnd, RunReport};
use umapi_bulk::umapi::CancelToken;
use umapi_bulk::umapi::Config;

use crate::client::client_for;
use crate::client_mock::{Mock, Recorder, Reply, SECRET, batch};
use crate::harness;

/// The `Retry-After` values of a hostile server that used to overflow the clocks.
const ABSURD: [&str; 5] =
    ["18446744073709551615", "1e19", "300000000000", "Fri, 31 Dec 9999 23:59:59 GMT", "99999999999999999999999"];

async fn run(config: &Config, dir: &std::path::Path) -> (RunReport, Arc<Recorder>) {
    let recorder = Arc::new(Recorder::default());
    let client = client_for(config, &recorder);
    // One request at a time: the first gets the scripted answer, the second waits behind it.
    let options = ExecuteOptions { test_mode: false, concurrency: 1, ends_session: true };
    let batches = vec![batch(1, 2, &[]), batch(2, 2, &[])];
    let report = execute::execute(client, batches, dir, options, recorder.clone(), CancelToken::new())
        .await
        .unwrap_or_else(|error| panic!("{error}"));
    (report, recorder)
}

/// Parked far ahead with nothing applied: every command not attempted, except that the commands
/// of a request answered by a gateway error (`in_doubt`: a 503 may come after UMAPI applied it) are
/// Unknown, not "not attempted".
fn assert_parked_far_ahead(report: &RunReport, what: &str, in_doubt: usize) {
    let RunEnd::Parked { resume_after } = report.end else { panic!("{what}: not parked: {:?}", report.end) };
    assert!(resume_after.year() >= 2100, "{what}: {resume_after}");
    let not_attempted = report
        .batches
        .iter()
        .flat_map(|batch| &batch.outcomes)
        .filter(|outcome| matches!(outcome, CommandOutcome::NotAttempted { reason: NotAttemptedReason::Parked }))
        .count();
    assert_eq!(report.counts(), (0, 0, 4 - in_doubt), "{what}");
    assert_eq!(report.unknown_count(), in_doubt, "{what}");
    assert_eq!(not_attempted, 4 - in_doubt, "{what}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_absurd_retry_after_on_an_action_parks_the_run_and_it_resumes() {
    for status in [429, 503] {
        for value in ABSURD {
            let mock = Mock::start().await;
            mock.push(Reply::Status(status, vec![("Retry-After", value.to_string())], String::new()));
            let dir = harness::temp_dir();
            let (report, _) = run(&mock.config(), dir.path()).await;
            let what = format!("HTTP {status}, Retry-After: {value}");
            assert_parked_far_ahead(&report, &what, if status == 429 { 0 } else { 2 });
            // The journal recorded the park (a moment in range) and the run resumes once allowed.
            let state = execute::read_journal(dir.path()).unwrap_or_else(|error| panic!("{what}: {error}"));
            assert!(matches!(state.ends.last(), Some(RunEnd::Parked { .. })), "{what}");
            let recorder = Arc::new(Recorder::default());
            let resumed = execute::resume(
                client_for(&mock.config(), &recorder),
                dir.path(),
                ExecuteOptions { test_mode: false, concurrency: 2, ends_session: true },
                recorder,
                CancelToken::new(),
            )
            .await
            .unwrap_or_else(|error| panic!("{what}: {error}"));
            assert_eq!(resumed.report.counts(), (4, 0, 0), "{what}");
        }
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_absurd_retry_after_from_ims_parks_the_run_instead_of_failing_authentication() {
    for value in ABSURD {
        let mock = Mock::start().await;
        *mock.state.token_reply.lock().unwrap_or_else(|poisoned| poisoned.into_inner()) =
            Some((429, r#"{"error":"too_many_requests"}"#.into()));
        *mock.state.token_headers.lock().unwrap_or_else(|poisoned| poisoned.into_inner()) =
            vec![("Retry-After", value.to_string())];
        let dir = harness::temp_dir();
        let (report, _) = run(&mock.config(), dir.path()).await;
        assert_parked_far_ahead(&report, &format!("IMS 429, Retry-After: {value}"), 0);
        assert!(mock.actions().is_empty(), "nothing was sent without a token");
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_503_with_retry_after_is_shown_as_503_not_as_a_throttle() {
    let mock = Mock::start().await;
    mock.push(Reply::Status(503, vec![("Retry-After", "1".to_string())], String::new()));
    let dir = harness::temp_dir();
    let (report, recorder) = run(&mock.config(), dir.path()).await;
    assert_eq!(report.counts(), (4, 0, 0));
    let text = recorder.text();
    assert!(text.contains("wait 1s reason=HTTP 503"), "{text}");
    assert!(!text.contains("429"), "{text}");
    assert_eq!(report.statistics.throttled, 0);
}

/// A working directory whose `umapi-bulk.toml` points at the mock.
fn configured_dir(mock: &Mock) -> tempfile::TempDir {
    let dir = harness::temp_dir();
    let text = format!(
        "org_id = \"{}\"\nclient_id = \"mock-client\"\nclient_secret = \"{SECRET}\"\nims_url = \"{}\"\n\
         umapi_url = \"{}/v2/usermanagement\"\n[limits]\naction_rpm = 0\nread_rpm = 0\ngroups_rpm = 0\n\
         request_timeout = \"5s\"\n",
        crate::client_mock::ORG,
        mock.base(),
        mock.base(),
    );
    std::fs::write(dir.path().join("umapi-bulk.toml"), text).unwrap_or_else(|error| panic!("{error}"));
    dir
}

async fn umapi_bulk(dir: &std::path::Path, args: &[&str]) -> (Option<i32>, String, String) {
    let dir = dir.to_path_buf();
    let args: Vec<String> = args.iter().map(|arg| arg.to_string()).collect();
    let output = tokio::task::spawn_blocking(move || harness::umapi_bulk(&dir).args(&args).output())
        .await
        .unwrap_or_else(|error| panic!("{error}"))
        .unwrap_or_else(|error| panic!("cannot run umapi-bulk: {error}"));
    (
        output.status.code(),
        String::from_utf8_lossy(&output.stdout).to_string(),
        String::from_utf8_lossy(&output.stderr).to_string(),
    )
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_read_told_to_wait_for_ever_ends_with_exit_3_and_the_time_to_try_again() {
    for value in ABSURD {
        let mock = Mock::start().await;
        for _ in 0..4 {
            let reply =
                Reply::Status(429, vec![("Retry-After", value.to_string())], r#"{"error_code":"429050"}"#.into());
            mock.state.read_script.lock().unwrap_or_else(|poisoned| poisoned.into_inner()).push_back(reply);
        }
        let dir = configured_dir(&mock);
        let (code, _, stderr) = umapi_bulk(dir.path(), &["export", "users", "-o", "users.csv"]).await;
        assert_eq!(code, Some(3), "Retry-After: {value}\n{stderr}");
        assert!(stderr.contains("UMAPI asked to wait") && stderr.contains("try again after"), "{value}: {stderr}");
        assert!(stderr.contains("hint:") && stderr.contains("--max-wait"), "{value}: {stderr}");
        assert!(!stderr.contains("panicked") && !stderr.contains("IMS"), "{value}: {stderr}");
    }
    // IMS asking for such a wait before it issues a token: the same, naming IMS.
    let mock = Mock::start().await;
    *mock.state.token_reply.lock().unwrap_or_else(|poisoned| poisoned.into_inner()) =
        Some((429, r#"{"error":"too_many_requests"}"#.into()));
    *mock.state.token_headers.lock().unwrap_or_else(|poisoned| poisoned.into_inner()) =
        vec![("Retry-After", ABSURD[0].to_string())];
    let dir = configured_dir(&mock);
    let (code, _, stderr) = umapi_bulk(dir.path(), &["export", "users", "-o", "users.csv"]).await;
    assert_eq!(code, Some(3), "{stderr}");
    assert!(stderr.contains("IMS at") && stderr.contains("asked to wait"), "{stderr}");
    assert!(stderr.contains("try again after") && stderr.contains("--max-wait"), "{stderr}");
    assert!(!stderr.contains("refused the credentials") && !stderr.contains("panicked"), "{stderr}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_ims_that_echoes_the_form_never_prints_the_secret() {
    let mock = Mock::start().await;
    *mock.state.token_reply.lock().unwrap_or_else(|poisoned| poisoned.into_inner()) =
        Some((400, r#"{"error":"invalid_request {form}","error_description":"cannot parse the form: {form}"}"#.into()));
    let dir = configured_dir(&mock);
    let (code, stdout, stderr) = umapi_bulk(dir.path(), &["export", "users", "-o", "users.csv"]).await;
    assert_eq!(code, Some(3), "{stderr}");
    assert!(stderr.contains("IMS refused the credentials") && stderr.contains("client_secret=[redacted]"), "{stderr}");
    assert!(!stderr.contains(SECRET) && !stdout.contains(SECRET), "{stderr}");
    // And the form really was echoed: the mock saw the secret we sent.
    assert!(mock.seen().iter().any(|seen| seen.body.contains(SECRET)));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn umapi_answers_that_echo_the_token_or_the_secret_are_scrubbed_everywhere() {
    let mock = Mock::start().await;
    let echo = format!("you sent {{authorization}} with secret {SECRET}");
    // A refused request (its body becomes the rows' message), then a 200 whose error messages echo.
    mock.push(Reply::Status(400, vec![], format!(r#"{{"result":"error.command.malformed","message":"{echo}"}}"#)));
    let answer = serde_json::json!({"result": "partial", "completed": 1, "notCompleted": 1, "errors": [
        {"index": 0, "step": 0, "errorCode": "error.user.nonexistent", "message": echo}]});
    mock.push(Reply::Status(200, vec![], answer.to_string()));
    let dir = harness::temp_dir();
    let (report, recorder) = run(&mock.config(), dir.path()).await;
    assert_eq!(report.counts(), (1, 3, 0));
    let outcomes = format!("{:?}", report.batches);
    assert!(outcomes.contains("you sent Bearer [redacted] with secret [redacted]"), "{outcomes}");
    let journal = std::fs::read_to_string(dir.path().join("journal.jsonl")).unwrap_or_default();
    for text in [outcomes.as_str(), journal.as_str(), &recorder.text()] {
        assert!(!text.contains(SECRET) && !text.contains("eyMockToken"), "{text}");
    }
    assert!(
        mock.actions().iter().all(|seen| seen.header("authorization").is_some_and(|value| value.contains("eyMock")))
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_huge_answer_is_not_journaled_whole() {
    let mock = Mock::start().await;
    let errors: Vec<serde_json::Value> = (0..20_000)
        .map(|index| serde_json::json!({"index": index % 2, "errorCode": "error.user.nonexistent", "message": "m".repeat(500)}))
        .collect();
    let huge = serde_json::json!({"result": "error", "completed": 0, "notCompleted": 2, "message": "x".repeat(5_000_000),
        "errors": errors});
    mock.push(Reply::Status(200, vec![], huge.to_string()));
    let dir = harness::temp_dir();
    let (report, _) = run(&mock.config(), dir.path()).await;
    assert_eq!(report.counts(), (2, 2, 0));
    let journal = std::fs::read_to_string(dir.path().join("journal.jsonl")).unwrap_or_default();
    let longest = journal.lines().map(str::len).max().unwrap_or_default();
    assert!(longest < 200_000, "a journal line of {longest} bytes");
    assert!(journal.contains("\"answer_truncated\":true"));
    let state = execute::read_journal(dir.path()).unwrap_or_else(|error| panic!("{error}"));
    assert!(state.is_complete(), "resume still knows every outcome");
    let messages: Vec<usize> = report
        .batches
        .iter()
        .flat_map(|batch| &batch.outcomes)
        .filter_map(|outcome| match outcome {
            CommandOutcome::Failed { message, .. } => Some(message.len()),
            _ => None,
        })
        .collect();
    assert_eq!(messages.len(), 2);
    assert!(messages.iter().all(|length| *length <= 4_000), "{messages:?}");
}
