//! Adobe's sync session as the client keeps it (UMAPI.md 4b; docs/sessions.md), end to end: every
//! command that talks to UMAPI (doctor included) opens one session and ends it on its last request,
//! on every path;
//! the start signal rides until a request carrying it is answered 2xx; a parked client sends
//! nothing more. Against the simulator with `--session-throttle` (a session left open blocks the
//! next command's start, so a leak fails the next command), through a recording proxy that shows
//! which request carried which signal.

use std::process::Stdio;
use std::sync::Arc;
use std::time::Duration;

use umapi_bulk::execute::{self, ExecuteOptions};
use umapi_bulk::sim::{SessionThrottle, SimOptions};
use umapi_bulk::umapi::{CancelToken, SessionPhase};

use crate::apply_support::{Org, enterprise_add_file, summary, texts};
use crate::client::client_for;
use crate::client_mock::{Mock, Recorder, Reply, batch};
use crate::harness::{poll, sample};
use crate::proxy::{Exchange, Proxy};

/// The demo org behind a simulator whose session throttle blocks a start inside an open session
/// for an hour, so a session a command leaves open makes the next command fail.
pub fn strict_sessions(window: Duration, retry_after: (u64, u64)) -> SimOptions {
    let session = SessionThrottle {
        sessions: true,
        page_zero: false,
        window,
        retry_after: (Duration::from_secs(retry_after.0), Duration::from_secs(retry_after.1)),
    };
    SimOptions { session, ..SimOptions::unlimited(crate::sim_support::demo_state()) }
}

/// Checks one command's UMAPI calls: the first carries the start, the last the end, no other one
/// carries either. Returns the last call.
pub fn one_session(what: &str, calls: &[Exchange]) -> Exchange {
    let summary: Vec<String> =
        calls.iter().map(|call| format!("{} {} {:?} {}", call.method, call.path, call.pragma, call.status)).collect();
    let (Some(first), Some(last)) = (calls.first(), calls.last()) else { panic!("{what}: no UMAPI call") };
    assert!(first.starts(), "{what}: the first call opens the session: {summary:#?}");
    assert!(last.ends(), "{what}: the last call ends the session: {summary:#?}");
    assert_eq!(calls.iter().filter(|call| call.starts()).count(), 1, "{what}: one start: {summary:#?}");
    assert_eq!(calls.iter().filter(|call| call.ends()).count(), 1, "{what}: one end: {summary:#?}");
    assert!(calls.iter().all(|call| call.status < 400), "{what}: nothing refused: {summary:#?}");
    last.clone()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn every_command_opens_one_session_and_ends_it_on_its_last_request() {
    let org = Org::with(strict_sessions(Duration::from_secs(600), (2_000, 3_600)), true).await;
    let proxy = Proxy::start(&org.sim.base_url()).await;
    org.through(&proxy.base());
    let path = |name: &str| sample(name).display().to_string();
    let commands: Vec<(&str, Vec<String>, i32)> = vec![
        ("doctor", vec!["doctor".into()], 0),
        ("plan", vec!["plan".into(), path("bulk-edit.csv"), "--op".into(), "edit".into()], 0),
        (
            "plan -o",
            vec!["plan".into(), path("bulk-edit.csv"), "--op".into(), "edit".into(), "-o".into(), "p.json".into()],
            0,
        ),
        ("apply --plan", vec!["apply".into(), "--plan".into(), "p.json".into()], 0),
        ("export", vec!["export".into(), "users".into(), "-o".into(), "users.csv".into()], 0),
        ("apply add", vec!["apply".into(), path("bulk-add.csv"), "--op".into(), "add".into()], 0),
        ("apply remove", vec!["apply".into(), path("bulk-remove.csv"), "--op".into(), "remove".into()], 0),
        (
            "apply refused after the reads",
            vec![
                "apply".into(),
                path("bulk-add.csv"),
                "--op".into(),
                "add".into(),
                "--on-deficit".into(),
                "stop".into(),
            ],
            2,
        ),
    ];
    for (what, args, code) in commands {
        proxy.clear();
        let args: Vec<&str> = args.iter().map(String::as_str).collect();
        let output = org.run(&args).await;
        assert_eq!(output.status.code(), Some(code), "{what}: {}", texts(&output).1);
        let last = one_session(what, &proxy.umapi());
        match what {
            // doctor's one read opens and ends its session.
            "doctor" => assert!(last.starts() && proxy.umapi().len() == 1, "{what}: {last:?}"),
            // Nothing follows the last action request of a run without licence reads.
            "apply remove" => assert!(last.is_action(), "{what}: {last:?}"),
            // After reads and licence reads the command ends the session with one small read.
            "apply add" | "export" | "apply refused after the reads" => {
                assert!(last.path.ends_with("/0/_org_admin"), "{what}: {last:?}")
            }
            _ => {}
        }
    }
    assert_eq!(org.counter("session_throttled"), 0, "no command started inside another's session");
    assert_eq!(org.counter("sync_start"), org.counter("sync_end"));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn ctrl_c_ends_the_session_and_the_resume_starts_a_new_one() {
    let options =
        SimOptions { latency: Duration::from_millis(100), ..strict_sessions(Duration::from_secs(600), (2_000, 3_600)) };
    let org = Org::with(options, true).await;
    let proxy = Proxy::start(&org.sim.base_url()).await;
    org.through(&proxy.base());
    org.edit_config(|config| config.replace("[limits]", "[limits]\nconcurrency = 1"));
    let file = org.write("interrupt.csv", &enterprise_add_file("s", 200, None)).display().to_string();
    let mut command = crate::harness::command(org.path());
    command.args(["apply", &file, "--op", "add"]).stdout(Stdio::piped()).stderr(Stdio::piped());
    let child = command.spawn().unwrap_or_else(|error| panic!("cannot start umapi-bulk: {error}"));
    let pid = child.id().to_string();
    poll(Duration::from_secs(30), || async {
        (proxy.umapi().iter().filter(|call| call.is_action()).count() >= 3).then_some(())
    })
    .await;
    let signal = std::process::Command::new("kill").args(["-INT", &pid]).status();
    assert!(signal.is_ok_and(|status| status.success()), "kill -INT failed");
    let output = tokio::task::spawn_blocking(move || child.wait_with_output())
        .await
        .unwrap_or_else(|error| panic!("{error}"))
        .unwrap_or_else(|error| panic!("{error}"));
    assert_eq!(output.status.code(), Some(130), "{}", texts(&output).1);
    let last = one_session("apply interrupted", &proxy.umapi());
    assert!(last.path.ends_with("/0/_org_admin"), "the session ends with a small read after Ctrl-C: {last:?}");

    proxy.clear();
    let run = org.last_run();
    let output = org.run(&["apply", "--resume", &run.display().to_string()]).await;
    assert_eq!(output.status.code(), Some(0), "{}", texts(&output).1);
    one_session("apply --resume", &proxy.umapi());
    assert_eq!(summary(&run)["status"], "finished");
    assert_eq!(org.counter("session_throttled"), 0);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_start_signal_rides_on_every_attempt_until_one_is_answered() {
    let mock = Mock::start().await;
    // The first request of the run is answered 504 (it opened nothing), then 502, then 200.
    for status in [504, 502] {
        mock.push(Reply::Status(status, vec![], String::new()));
    }
    let recorder = Arc::new(Recorder::default());
    let client = client_for(&mock.config(), &recorder);
    assert_eq!(client.session_phase(), SessionPhase::NotStarted);
    let dir = crate::harness::temp_dir();
    let options = ExecuteOptions { test_mode: false, concurrency: 2, ends_session: true };
    let batches = vec![batch(1, 1, &[]), batch(2, 1, &[]), batch(3, 1, &[])];
    let report = execute::execute(client.clone(), batches, dir.path(), options, recorder, CancelToken::new())
        .await
        .unwrap_or_else(|error| panic!("{error}"));
    assert_eq!(report.counts(), (3, 0, 0));
    let pragmas: Vec<Option<String>> = mock.actions().iter().map(|seen| seen.header("pragma")).collect();
    assert_eq!(
        pragmas,
        [Some("umapi-sync-start"), Some("umapi-sync-start"), Some("umapi-sync-start"), None, Some("umapi-sync-end")]
            .map(|pragma| pragma.map(str::to_string)),
        "the retries of the first request carry the start; nothing else goes out until it is answered"
    );
    assert_eq!(client.session_phase(), SessionPhase::Ended);
    // Ended on the last batch: the closing read sends nothing more.
    assert_eq!(client.end_session(&CancelToken::new()).await.ok(), Some(false));
    assert_eq!(mock.seen().iter().filter(|seen| seen.path.contains("/v2/usermanagement/")).count(), 5);
}

/// C4: the first 429 stops every worker at once. The simulator allows 3 action requests in any
/// 2 s; the client does not pace itself (action_rpm 0) and runs 4 workers, so waves of 4 meet a
/// full window. The proxy holds successful answers back 250 ms, so when a 429 comes back the other
/// workers are waiting for theirs: none may send anything after the 429 was answered until its
/// Retry-After has passed (that the pause is set before the journal hears of the 429, and that an
/// attempt journaled meanwhile is withdrawn, is pinned in `umapi::request`'s unit tests).
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn after_a_429_no_request_reaches_the_simulator_until_its_retry_after_passed() {
    let state = crate::sim_support::demo_state();
    let options = SimOptions { action_rpm: 3, window: Duration::from_secs(2), ..SimOptions::unlimited(state) };
    let org = Org::with(options, true).await;
    let proxy = Proxy::start(&org.sim.base_url()).await;
    proxy.hold_successful_actions(Duration::from_millis(250));
    org.through(&proxy.base());
    org.edit_config(|config| {
        config
            .replace("[limits]", "[limits]\nconcurrency = 4\nmax_attempts = 20")
            .replace("action_rpm = 3", "action_rpm = 0")
    });
    let file = org.write("wave.csv", &enterprise_add_file("w", 160, None)).display().to_string();
    let output = org.run(&["apply", &file, "--op", "add"]).await;
    assert_eq!(output.status.code(), Some(0), "{}", texts(&output).1);
    assert_eq!(org.counter("commands_applied"), 160, "every batch got through in the end");
    let actions: Vec<Exchange> = proxy.umapi().into_iter().filter(Exchange::is_action).collect();
    let refusals: Vec<&Exchange> = actions.iter().filter(|call| call.status == 429).collect();
    assert!(!refusals.is_empty(), "the simulator never answered 429: {} action requests", actions.len());
    for refusal in refusals {
        let retry_after: u64 = refusal.retry_after.as_deref().and_then(|value| value.parse().ok()).unwrap_or(0);
        assert!(retry_after >= 1, "{refusal:?}");
        let resumes = refusal.answered + Duration::from_secs(retry_after);
        let early: Vec<Duration> = actions
            .iter()
            .filter(|call| call.arrived > refusal.answered && call.arrived < resumes)
            .map(|call| call.arrived - refusal.answered)
            .collect();
        assert!(early.is_empty(), "requests after a 429 ({} in all): {early:?}", actions.len());
    }
}
