//! The client and executor against `umapi-bulk sim` on an ephemeral loopback port: token renewal
//! under short-lived tokens, the sliding window against the simulator's, 429s in both Retry-After
//! forms, 20 % injected faults, a parked run resumed, and a process killed mid-run (SIGKILL) and
//! resumed with nothing answered sent again. Windows are 2–3 s and retry delays milliseconds, so the
//! whole file runs in seconds.

use std::collections::HashSet;
use std::path::Path;
use std::sync::Arc;
use std::time::Duration;

use serde_json::Value;
use tokio::time::Instant;

use umapi_bulk::execute::{self, Batch, CommandOutcome, CommandSource, ExecuteOptions, RunEnd, RunReport};
use umapi_bulk::sim::{self, RetryAfterForm, SimHandle, SimOptions};
use umapi_bulk::umapi::CancelToken;
use umapi_bulk::umapi::Config;
use umapi_bulk::umapi::wire::{Command, CreateOption, CreateUser, Membership, Step};

use crate::client::{assert_no_secrets, client_for};
use crate::client_mock::Recorder;
use crate::harness::temp_dir as temp;
use crate::harness::{poll, wait_for};
use crate::sim_support::demo_state;

async fn start(options: SimOptions) -> SimHandle {
    sim::start(options).await.unwrap_or_else(|error| panic!("the simulator did not start: {error:#}"))
}

fn config_for(sim: &SimHandle, window: Duration) -> Config {
    let mut config = sim.client_config();
    config.limits.window = window;
    config.limits.request_timeout = Duration::from_secs(10);
    config
}

fn counter(sim: &SimHandle, name: &str) -> u64 {
    crate::harness::counter(&sim.snapshot(), name)
}

/// Batch `2j` creates five Enterprise users and adds them to Designers; batch `2j+1`, ordered after
/// it, adds the same users to Finance.
fn user_batches(prefix: &str, pairs: usize) -> Vec<Batch> {
    let mut batches = Vec::new();
    for pair in 0..pairs {
        let emails: Vec<String> = (0..5).map(|index| format!("{prefix}{pair:02}-{index}@example.com")).collect();
        let source = |index: usize| CommandSource::row(pair * 5 + index, (pair * 5 + index) as u64 + 2);
        let create = Batch {
            id: execute::batch_id(2 * pair + 1),
            commands: emails
                .iter()
                .map(|email| Command {
                    user: Some(email.clone()),
                    steps: vec![
                        Step::CreateEnterpriseId(CreateUser {
                            email: email.clone(),
                            firstname: Some("Test".into()),
                            lastname: Some("User".into()),
                            country: Some("US".into()),
                            option: Some(CreateOption::IgnoreIfAlreadyExists),
                        }),
                        Step::Add(Membership::groups(vec!["Designers".into()])),
                    ],
                    ..Command::default()
                })
                .collect(),
            sources: (0..5).map(source).collect(),
            after: Vec::new(),
        };
        let add = Batch {
            id: execute::batch_id(2 * pair + 2),
            commands: emails
                .iter()
                .map(|email| Command {
                    user: Some(email.clone()),
                    steps: vec![Step::Add(Membership::groups(vec!["Finance".into()]))],
                    ..Command::default()
                })
                .collect(),
            sources: (0..5).map(source).collect(),
            after: vec![create.id.clone()],
        };
        batches.push(create);
        batches.push(add);
    }
    batches
}

async fn run(config: &Config, batches: Vec<Batch>, dir: &Path, concurrency: usize) -> (RunReport, Arc<Recorder>) {
    run_echoing(config, batches, dir, concurrency, false).await
}

async fn run_echoing(
    config: &Config,
    batches: Vec<Batch>,
    dir: &Path,
    concurrency: usize,
    echo: bool,
) -> (RunReport, Arc<Recorder>) {
    let recorder = Arc::new(Recorder { echo, ..Recorder::default() });
    let client = client_for(config, &recorder);
    let options = ExecuteOptions { test_mode: false, concurrency, ends_session: true };
    let report = execute::execute(client, batches, dir, options, recorder.clone(), CancelToken::new())
        .await
        .unwrap_or_else(|error| panic!("{error}"));
    (report, recorder)
}

/// Checks that the org holds exactly the users `batches` create, each in Designers and Finance.
fn assert_org_has(sim: &SimHandle, batches: &[Batch]) {
    let state = sim.snapshot();
    let users = state["users"].as_array().cloned().unwrap_or_default();
    let expected: HashSet<String> =
        batches.iter().flat_map(|batch| &batch.commands).filter_map(|command| command.user.clone()).collect();
    let found: Vec<&Value> =
        users.iter().filter(|user| user["email"].as_str().is_some_and(|email| expected.contains(email))).collect();
    assert_eq!(found.len(), expected.len(), "every user exists exactly once");
    for user in found {
        let groups: HashSet<&str> = user["groups"].as_array().into_iter().flatten().filter_map(Value::as_str).collect();
        assert!(groups.contains("Designers") && groups.contains("Finance"), "{user}");
        assert_eq!(user["type"], "enterpriseID");
    }
    assert_eq!(users.len(), 20 + expected.len(), "nothing else changed");
}

/// Fails if an access token of the simulator (`ey` + 64 hex digits) appears in `text`.
fn assert_no_sim_tokens(text: &str) {
    let bytes = text.as_bytes();
    for start in 0..bytes.len().saturating_sub(66) {
        if &bytes[start..start + 2] == b"ey" && bytes[start + 2..start + 66].iter().all(u8::is_ascii_hexdigit) {
            panic!("an access token leaked: {}", &text[start..start + 66]);
        }
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn sim_short_lived_tokens_are_renewed_without_failing_a_request() {
    let options = SimOptions {
        token_ttl: Duration::from_secs(1),
        latency: Duration::from_millis(300),
        ..SimOptions::unlimited(demo_state())
    };
    let sim = start(options).await;
    let dir = temp();
    let batches = user_batches("token", 8);
    let (report, recorder) = run(&config_for(&sim, Duration::from_secs(2)), batches.clone(), dir.path(), 2).await;
    assert_eq!(report.end, RunEnd::Finished);
    assert_eq!(report.counts(), (80, 0, 0));
    eprintln!(
        "token test: {} token requests, {} unauthorized",
        counter(&sim, "token_requests"),
        counter(&sim, "unauthorized")
    );
    assert!(
        counter(&sim, "token_requests") >= 3,
        "tokens of 1 s are renewed at half-life: {}",
        counter(&sim, "token_requests")
    );
    assert!(recorder.count("token renewal=true") >= 2);
    assert_org_has(&sim, &batches);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn sim_an_expired_token_is_renewed_once_on_401_and_the_request_resent() {
    // Tokens live 1 s and the client is told to use them to the last moment (no renewal margin);
    // with 300 ms latency a request sent late in a token's life is checked after it expired.
    let options = SimOptions {
        token_ttl: Duration::from_secs(1),
        latency: Duration::from_millis(300),
        ..SimOptions::unlimited(demo_state())
    };
    let sim = start(options).await;
    let config = config_for(&sim, Duration::from_secs(2));
    let recorder = Arc::new(Recorder::default());
    let client_options = umapi_bulk::umapi::ClientOptions {
        observer: recorder.clone(),
        policy: Some(crate::client::fast_policy(&config)),
        renew_margin: Some(Duration::ZERO),
    };
    let client = Arc::new(
        umapi_bulk::umapi::UmapiClient::new(&config, client_options).unwrap_or_else(|error| panic!("{error}")),
    );
    let dir = temp();
    let batches = user_batches("expired", 5);
    let options = ExecuteOptions { test_mode: false, concurrency: 1, ends_session: true };
    let report = execute::execute(client, batches.clone(), dir.path(), options, recorder.clone(), CancelToken::new())
        .await
        .unwrap_or_else(|error| panic!("{error}"));
    assert_eq!(report.end, RunEnd::Finished);
    assert_eq!(report.counts(), (50, 0, 0));
    let refused = counter(&sim, "unauthorized");
    assert!(refused >= 1, "some request was checked after its token expired");
    assert_eq!(counter(&sim, "action_requests"), 10 + refused, "each 401 cost exactly one replay");
    assert!(recorder.count("token renewal=true") >= 1);
    assert_org_has(&sim, &batches);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn sim_the_client_window_matches_the_simulators_so_no_429_is_drawn() {
    let window = Duration::from_secs(2);
    let options =
        SimOptions { action_rpm: 5, window, latency: Duration::from_millis(20), ..SimOptions::unlimited(demo_state()) };
    let sim = start(options).await;
    let config = config_for(&sim, window);
    assert_eq!(config.limits.action_rpm, 5);
    let dir = temp();
    let batches = user_batches("paced", 6);
    let started = Instant::now();
    let (report, _) = run(&config, batches.clone(), dir.path(), 4).await;
    assert_eq!(report.counts(), (60, 0, 0));
    assert_eq!(counter(&sim, "throttled"), 0);
    assert_eq!(counter(&sim, "action_requests"), 12);
    assert!(started.elapsed() >= 2 * window, "12 requests at 5 per window need two full windows");
    assert_eq!(counter(&sim, "sync_end"), 1, "the last request says umapi-sync-end");
    assert_org_has(&sim, &batches);
}

async fn sim_throttle_answers_are_obeyed(form: RetryAfterForm) {
    let window = Duration::from_secs(2);
    let options = SimOptions { action_rpm: 3, window, retry_after: form, ..SimOptions::unlimited(demo_state()) };
    let sim = start(options).await;
    let mut config = config_for(&sim, window);
    config.limits.action_rpm = 0;
    let dir = temp();
    let batches = user_batches("throttled", 4);
    let (report, recorder) = run(&config, batches.clone(), dir.path(), 4).await;
    assert_eq!(report.end, RunEnd::Finished);
    assert_eq!(report.counts(), (40, 0, 0));
    let throttled = counter(&sim, "throttled");
    assert!(throttled >= 1, "an unpaced client draws 429s here");
    assert_eq!(report.statistics.throttled, throttled);
    assert_eq!(counter(&sim, "action_requests"), 8 + throttled, "only refused requests were sent again");
    assert_eq!(recorder.count("wait "), throttled as usize, "each 429 starts a countdown");
    assert!(report.statistics.waited >= Duration::from_secs(1));
    assert_org_has(&sim, &batches);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn sim_429_with_retry_after_seconds_is_obeyed() {
    sim_throttle_answers_are_obeyed(RetryAfterForm::Seconds).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn sim_429_with_an_http_date_is_obeyed() {
    sim_throttle_answers_are_obeyed(RetryAfterForm::HttpDate).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn sim_20_percent_faults_leave_every_command_with_exactly_one_final_outcome() {
    let options = SimOptions { fault_rate: 0.2, seed: 7, ..SimOptions::unlimited(demo_state()) };
    let sim = start(options).await;
    let mut config = config_for(&sim, Duration::from_secs(2));
    config.limits.request_timeout = Duration::from_secs(2);
    let dir = temp();
    let batches = user_batches("faulty", 15);
    let (report, _) = run(&config, batches.clone(), dir.path(), 4).await;
    assert_eq!(report.end, RunEnd::Finished);
    assert!(counter(&sim, "faults") >= 3, "faults were injected: {}", counter(&sim, "faults"));
    let (succeeded, failed, not_attempted) = report.counts();
    assert_eq!(succeeded + failed, 150);
    assert_eq!(not_attempted, 0);
    for (batch, result) in batches.iter().zip(&report.batches) {
        assert_eq!(result.outcomes.len(), batch.commands.len());
        for outcome in &result.outcomes {
            if let CommandOutcome::Failed { code, .. } = outcome {
                assert_eq!(code, execute::outcome::CODE_TRANSIENT_EXHAUSTED, "only exhaustion may fail here");
            }
        }
    }
    let journal = std::fs::read_to_string(dir.path().join(execute::JOURNAL_FILE)).unwrap_or_default();
    for batch in &batches {
        let finals = journal
            .lines()
            .filter(|line| {
                line.contains("\"type\":\"outcome\"") && line.contains(&format!("\"batch\":\"{}\"", batch.id))
            })
            .filter(|line| line.contains("\"final\":true"))
            .count();
        assert_eq!(finals, 1, "batch {} has exactly one final outcome", batch.id);
    }
    assert_eq!(counter(&sim, "action_requests"), report.statistics.requests_sent);
    if failed == 0 {
        assert_org_has(&sim, &batches);
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn sim_a_parked_run_is_resumed_without_resending_answered_requests() {
    let window = Duration::from_secs(3);
    let options = SimOptions { action_rpm: 2, window, ..SimOptions::unlimited(demo_state()) };
    let sim = start(options).await;
    let mut config = config_for(&sim, window);
    config.limits.action_rpm = 0;
    config.limits.max_wait = Duration::from_secs(1);
    let dir = temp();
    let batches = user_batches("parked", 2);
    let (report, recorder) = run(&config, batches.clone(), dir.path(), 1).await;
    let RunEnd::Parked { resume_after } = report.end else { panic!("not parked: {:?}", report.end) };
    assert_eq!(report.counts(), (10, 0, 10));
    assert_eq!(recorder.count("parked "), 1);
    assert_eq!(counter(&sim, "action_requests"), 3, "two answered, one refused, nothing after");
    let answered = execute::read_journal(dir.path()).map(|state| state.settled.len()).unwrap_or_default();
    assert_eq!(answered, 2);

    let wait = resume_after - time::OffsetDateTime::now_utc();
    tokio::time::sleep(Duration::try_from(wait).unwrap_or_default()).await;
    let recorder = Arc::new(Recorder::default());
    let client = client_for(&config, &recorder);
    let options = ExecuteOptions { test_mode: false, concurrency: 1, ends_session: true };
    let resumed = execute::resume(client, dir.path(), options, recorder.clone(), CancelToken::new())
        .await
        .unwrap_or_else(|error| panic!("{error}"));
    assert_eq!(resumed.report.end, RunEnd::Finished);
    assert_eq!(resumed.report.counts(), (20, 0, 0));
    assert_eq!(resumed.report.statistics.batches_sent, 2, "only the two unanswered batches");
    assert_eq!(counter(&sim, "action_requests"), 3 + resumed.report.statistics.requests_sent);
    assert_org_has(&sim, &batches);
}

const CHILD_URL: &str = "UMAPI_BULK_TEST_CHILD_URL";
const CHILD_DIR: &str = "UMAPI_BULK_TEST_CHILD_DIR";

fn kill_batches() -> Vec<Batch> {
    user_batches("killed", 12)
}

/// The child process of the kill test: runs the kill plan against the simulator the parent
/// started, printing every event as a verbose UI would, until the parent kills it. Does nothing
/// when run on its own.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
#[ignore = "the child process of sim_a_run_killed_mid_run_resumes_without_resending_answered_requests"]
async fn kill_child() {
    let (Ok(url), Ok(dir)) = (std::env::var(CHILD_URL), std::env::var(CHILD_DIR)) else { return };
    let config = Config {
        org_id: "DEMO0000000000000000000@AdobeOrg".into(),
        client_id: "demo-client".into(),
        client_secret: Some(umapi_bulk::secret::Secret::new("demo-secret")),
        ims_url: url.clone(),
        umapi_url: format!("{url}/v2/usermanagement"),
        limits: umapi_bulk::umapi::Limits { action_rpm: 0, ..umapi_bulk::umapi::Limits::default() },
        ..Config::default()
    };
    let (report, _) = run_echoing(&config, kill_batches(), Path::new(&dir), 2, true).await;
    println!("{report:?}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn sim_a_run_killed_mid_run_resumes_without_resending_answered_requests() {
    let options = SimOptions { latency: Duration::from_millis(150), ..SimOptions::unlimited(demo_state()) };
    let sim = start(options).await;
    let dir = temp();
    let mut child = std::process::Command::new(std::env::current_exe().unwrap_or_default())
        .args(["--exact", "client_sim::kill_child", "--ignored", "--nocapture", "--test-threads=1"])
        .env(CHILD_URL, sim.base_url())
        .env(CHILD_DIR, dir.path())
        .env("RUST_LOG", "trace")
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .unwrap_or_else(|error| panic!("cannot start the child: {error}"));
    let journal_path = dir.path().join(execute::JOURNAL_FILE);
    poll(Duration::from_secs(30), || async {
        let text = std::fs::read_to_string(&journal_path).unwrap_or_default();
        (text.matches("\"final\":true").count() >= 6).then_some(())
    })
    .await;
    child.kill().unwrap_or_else(|error| panic!("cannot kill the child: {error}"));
    let output = child.wait_with_output().unwrap_or_else(|error| panic!("{error}"));
    assert!(!output.status.success(), "the child was killed, it did not finish");

    // Requests the child wrote to its socket just before dying may still be read by the simulator;
    // wait (with a deadline) until it has counted every journaled intent, or settle for what it has.
    let intents =
        std::fs::read_to_string(&journal_path).unwrap_or_default().matches("\"type\":\"intent\"").count() as u64;
    wait_for(Duration::from_secs(2), || async { (counter(&sim, "action_requests") >= intents).then_some(()) }).await;
    let before_resume = counter(&sim, "action_requests");
    let state = execute::read_journal(dir.path()).unwrap_or_else(|error| panic!("{error}"));
    let settled: HashSet<String> = state.settled.keys().cloned().collect();
    assert!(settled.len() >= 6 && settled.len() < 24, "killed mid-run: {} settled", settled.len());

    let mut config = config_for(&sim, Duration::from_secs(60));
    config.limits.action_rpm = 0;
    let recorder = Arc::new(Recorder::default());
    let client = client_for(&config, &recorder);
    let options = ExecuteOptions { test_mode: false, concurrency: 2, ends_session: true };
    let resumed = execute::resume(client, dir.path(), options, recorder.clone(), CancelToken::new())
        .await
        .unwrap_or_else(|error| panic!("{error}"));
    assert_eq!(resumed.report.end, RunEnd::Finished);
    assert_eq!(resumed.report.counts(), (120, 0, 0));
    let unsettled = 24 - settled.len() as u64;
    assert_eq!(resumed.report.statistics.batches_sent, unsettled);
    assert_eq!(resumed.report.statistics.requests_sent, unsettled, "each unanswered batch sent once");
    assert_eq!(counter(&sim, "action_requests") - before_resume, unsettled, "the simulator saw only those");
    let journal = std::fs::read_to_string(&journal_path).unwrap_or_default();
    let after_resume = journal.split("\"type\":\"resume\"").nth(1).unwrap_or_default();
    for line in after_resume.lines().filter(|line| line.contains("\"type\":\"intent\"")) {
        let resent: Value = serde_json::from_str(line).unwrap_or_default();
        let batch = resent["batch"].as_str().unwrap_or_default();
        assert!(!settled.contains(batch), "answered batch {batch} was sent again");
    }
    assert_org_has(&sim, &kill_batches());

    let printed = format!("{}{}", String::from_utf8_lossy(&output.stdout), String::from_utf8_lossy(&output.stderr));
    assert!(printed.contains("sent RequestInfo"), "the child printed its events:\n{printed}");
    for text in [printed.as_str(), journal.as_str(), &recorder.text(), &format!("{:?}", resumed.report)] {
        assert_no_secrets(text);
        assert_no_sim_tokens(text);
    }
}
