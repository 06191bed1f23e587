//! User-group steps sent again after an earlier attempt may have been applied: Adobe refuses them
//! as no-ops (`error.user.already_exists` on `add`, `error.usergroup.user_list.invalid` on
//! `remove`; UMAPI.md 2c, 3b; docs/simulator.md "User groups"), and the client recognises them as
//! already done (`execute::no_ops`): against the simulator's real answers, on a resume of a batch
//! sent without an answer, and on a retry after a lost answer.

use std::sync::Arc;

use serde_json::json;
use umapi_bulk::execute::no_ops::{self, CODE_ALREADY_DONE};
use umapi_bulk::execute::{self, Batch, CommandOutcome, CommandSource, ExecuteOptions, RunEnd};
use umapi_bulk::sim::SimOptions;
use umapi_bulk::umapi::observe::RetryReason;
use umapi_bulk::umapi::wire::{Command, Membership, RemoveMembership, Step};
use umapi_bulk::umapi::{AttemptHook, CancelToken, ClientOptions, HookError, UmapiClient};

use crate::client::client_for;
use crate::client_mock::{Mock, Recorder, Reply};
use crate::harness::temp_dir;

/// Journals nothing.
struct Silent;

impl AttemptHook for Silent {
    fn before_send(&mut self, _: u32, _: &str) -> Result<(), HookError> {
        Ok(())
    }

    fn after_failure(&mut self, _: u32, _: &str, _: Option<u16>, _: &RetryReason) -> Result<(), HookError> {
        Ok(())
    }
}

fn add_to_contractors(email: &str) -> Command {
    Command {
        usergroup: Some("Contractors".into()),
        request_id: Some("line-2".into()),
        steps: vec![Step::Add(Membership { user: Some(vec![email.into()]), ..Membership::default() })],
        ..Command::default()
    }
}

fn remove_from_designers(email: &str) -> Command {
    Command {
        usergroup: Some("Designers".into()),
        request_id: Some("line-3".into()),
        steps: vec![Step::Remove(RemoveMembership::List(Membership {
            user: Some(vec![email.into()]),
            ..Membership::default()
        }))],
        ..Command::default()
    }
}

fn one_batch(commands: Vec<Command>) -> Batch {
    let sources = (0..commands.len()).map(|index| CommandSource::row(index, index as u64 + 2)).collect();
    Batch { id: execute::batch_id(1), commands, sources, after: Vec::new() }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_user_group_command_sent_twice_is_refused_the_second_time_and_recognised_as_done() {
    let sim = crate::sim_support::start(SimOptions::unlimited(crate::sim_support::demo_state())).await;
    let client =
        UmapiClient::new(&sim.client_config(), ClientOptions::default()).unwrap_or_else(|error| panic!("{error}"));
    let commands = vec![add_to_contractors("user01@example.com"), remove_from_designers("user02@example.com")];
    let body = serde_json::to_vec(&commands).unwrap_or_default();
    let stop = CancelToken::new();
    let mut hook = Silent;
    let first = client.send_action("b1", body.clone(), &[1, 1], false, false, &mut hook, &stop).await;
    let first = first.unwrap_or_else(|error| panic!("{error:?}"));
    assert_eq!(first.body.result, "success");
    let second = client.send_action("b1", body, &[1, 1], false, false, &mut hook, &stop).await;
    let second = second.unwrap_or_else(|error| panic!("{error:?}"));
    let codes: Vec<&str> = second.body.errors.iter().map(|error| error.error_code.as_str()).collect();
    assert_eq!(codes, ["error.user.already_exists", "error.usergroup.user_list.invalid"], "Adobe's no-op refusals");

    let mapped = execute::mapping::map_answer(2, &second.body, &second.x_request_id);
    let mut as_first_attempt = mapped.clone();
    no_ops::recognise(&commands, &mut as_first_attempt, false);
    assert!(as_first_attempt.iter().all(|outcome| !outcome.is_success()), "alone, a refusal is a failure");
    let mut as_resend = mapped;
    no_ops::recognise(&commands, &mut as_resend, true);
    for outcome in &as_resend {
        let CommandOutcome::Succeeded { warnings, .. } = outcome else { panic!("{outcome:?}") };
        assert_eq!(warnings[0].code, CODE_ALREADY_DONE);
    }
    sim.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_resume_that_resends_an_applied_user_group_step_reports_it_done() {
    let sim = crate::sim_support::start(SimOptions::unlimited(crate::sim_support::demo_state())).await;
    let config = sim.client_config();
    let dir = temp_dir();
    let batch = one_batch(vec![add_to_contractors("user03@example.com")]);
    let options = ExecuteOptions { test_mode: false, concurrency: 1, ends_session: true };
    let recorder = Arc::new(Recorder::default());
    let report = execute::execute(
        client_for(&config, &recorder),
        vec![batch],
        dir.path(),
        options,
        recorder,
        CancelToken::new(),
    )
    .await
    .unwrap_or_else(|error| panic!("{error}"));
    assert_eq!(report.counts(), (1, 0, 0));
    // The process died after sending, before it journaled the answer: keep the start and the intent.
    let path = dir.path().join(execute::JOURNAL_FILE);
    let journal = std::fs::read_to_string(&path).unwrap_or_else(|error| panic!("{error}"));
    let kept: String = journal.lines().take(2).map(|line| format!("{line}\n")).collect();
    assert!(kept.contains("\"type\":\"intent\""), "{kept}");
    std::fs::write(&path, kept).unwrap_or_else(|error| panic!("{error}"));

    let recorder = Arc::new(Recorder::default());
    let resumed = execute::resume(client_for(&config, &recorder), dir.path(), options, recorder, CancelToken::new())
        .await
        .unwrap_or_else(|error| panic!("{error}"));
    assert_eq!(resumed.report.end, RunEnd::Finished);
    let outcome = &resumed.report.batches[0].outcomes[0];
    let CommandOutcome::Succeeded { warnings, .. } = outcome else { panic!("not recognised as done: {outcome:?}") };
    assert_eq!(warnings[0].code, CODE_ALREADY_DONE);
    assert_eq!(sim.counters()["counters"]["commands_failed"], 1, "the simulator did refuse it");
    sim.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_retry_after_a_lost_answer_that_meets_the_no_op_refusal_reports_it_done() {
    let mock = Mock::start().await;
    // The first answer never comes (the client times out); the retry meets the refusal.
    mock.push(Reply::Drop);
    let refusal = json!({"result": "error", "completed": 0, "notCompleted": 1, "completedInTestMode": 0,
        "errors": [{"index": 0, "step": 0, "requestID": "line-2", "user": "Contractors",
                    "errorCode": "error.user.already_exists", "message": "already a member"}]});
    mock.push(Reply::Status(200, vec![], refusal.to_string()));
    let mut config = mock.config();
    config.limits.request_timeout = std::time::Duration::from_millis(300);
    let dir = temp_dir();
    let options = ExecuteOptions { test_mode: false, concurrency: 1, ends_session: true };
    let recorder = Arc::new(Recorder::default());
    let batch = one_batch(vec![add_to_contractors("user04@example.com")]);
    let report = execute::execute(
        client_for(&config, &recorder),
        vec![batch],
        dir.path(),
        options,
        recorder,
        CancelToken::new(),
    )
    .await
    .unwrap_or_else(|error| panic!("{error}"));
    assert_eq!(mock.actions().len(), 2);
    let outcome = &report.batches[0].outcomes[0];
    assert!(
        matches!(outcome, CommandOutcome::Succeeded { warnings, .. } if warnings[0].code == CODE_ALREADY_DONE),
        "{outcome:?}"
    );
}
