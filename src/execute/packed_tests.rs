//! What a packed command's answer says about each of its users, and the outcome each user's row
//! gets.

use super::*;
use crate::execute::outcome::{BatchResult, RunEnd, RunReport, RunStatistics};
use crate::plan::batch::Batch;
use crate::umapi::wire::Membership;

fn users(rows: std::ops::Range<usize>) -> Vec<String> {
    rows.map(|row| format!("user{row}@example.com")).collect()
}

/// A packed command on Designers: step 0 removes rows 0–9, step 1 adds rows 10–19, step 2 adds row 20.
fn packed_command() -> (Command, CommandSource) {
    let list = |rows: std::ops::Range<usize>| Membership { user: Some(users(rows)), ..Membership::default() };
    let command = Command {
        usergroup: Some("Designers".into()),
        steps: vec![
            Step::Remove(RemoveMembership::List(list(0..10))),
            Step::Add(list(10..20)),
            Step::Add(list(20..21)),
        ],
        ..Command::default()
    };
    let sources = |rows: std::ops::Range<usize>| {
        rows.map(|row| MemberSource { row_index: row, line: row as u64 + 2 }).collect::<Vec<_>>()
    };
    let source =
        CommandSource { row_index: 0, line: 2, members: vec![sources(0..10), sources(10..20), sources(20..21)] };
    (command, source)
}

fn failed(code: &str, step: usize) -> CommandOutcome {
    CommandOutcome::Failed {
        code: code.into(),
        message: "refused".into(),
        step: Some(step),
        x_request_id: Some("rid".into()),
        transient: false,
    }
}

fn doubts(pending: &[Pending]) -> Vec<(usize, usize, Doubt)> {
    pending.iter().map(|pending| (pending.member.step, pending.source.row_index, pending.doubt.clone())).collect()
}

#[test]
fn a_step_that_failed_leaves_its_users_and_the_later_steps_open_and_the_earlier_done() {
    let (command, source) = packed_command();
    let (open, answered) = pending("b00001", 3, &command, &source, &failed("error.user.nonexistent", 1), false);
    assert!(answered.is_empty());
    let mut expected: Vec<(usize, usize, Doubt)> = (10..20).map(|row| (1, row, Doubt::Refused)).collect();
    expected.push((2, 20, Doubt::Refused));
    // Step 2 names one user; its only refusal would be its own, but step 2 did not run: not run.
    expected[10].2 = Doubt::NotRun;
    assert_eq!(doubts(&open), expected);
    assert_eq!(open[0].member, MemberRef { batch: "b00001".into(), command: 3, step: 1, user: 0 });
    assert_eq!((open[0].group.as_str(), open[0].add, open[0].user.as_str()), ("Designers", true, "user10@example.com"));
    // The row outcomes before anything is settled: step 0 ran; the rest are not known yet.
    let outcome = failed("error.user.nonexistent", 1);
    assert!(member_outcome(&outcome, 0, None).is_some_and(|outcome| outcome.is_success()));
    assert!(matches!(member_outcome(&outcome, 1, None), Some(CommandOutcome::Unknown { .. })));
}

#[test]
fn after_an_attempt_that_may_have_applied_refusals_and_unanswered_commands_are_in_doubt() {
    let (command, source) = packed_command();
    let (open, _) = pending("b00001", 0, &command, &source, &failed("error.user.already_exists", 1), true);
    assert!(open.iter().all(|pending| pending.doubt == Doubt::InDoubt));
    assert_eq!(open.len(), 11);
    let unknown = CommandOutcome::Unknown { reason: "timed out".into(), x_request_id: None };
    let (open, answered) = pending("b00001", 0, &command, &source, &unknown, false);
    assert_eq!(open.len(), 21, "every user of every step");
    assert!(answered.is_empty() && open.iter().all(|pending| pending.doubt == Doubt::InDoubt));
}

#[test]
fn a_refused_one_user_step_is_that_users_own_answer() {
    let (command, source) = packed_command();
    let (open, answered) = pending("b00001", 0, &command, &source, &failed("error.user.already_exists", 2), false);
    assert!(open.is_empty());
    assert_eq!(
        answered,
        vec![MemberSettlement {
            member: MemberRef { batch: "b00001".into(), command: 0, step: 2, user: 0 },
            how: Settled::Answer { in_place: true },
        }]
    );
    let outcome = failed("error.user.already_exists", 2);
    let row = member_outcome(&outcome, 2, Some(&Settled::Answer { in_place: true }));
    assert!(
        matches!(&row, Some(CommandOutcome::Succeeded { warnings, .. }) if warnings[0].code == CODE_ALREADY_IN_PLACE)
    );
    // Any other refusal of a one-user step is the row's own error.
    let (_, answered) = pending("b00001", 0, &command, &source, &failed("error.user.nonexistent", 2), false);
    assert_eq!(answered[0].how, Settled::Answer { in_place: false });
    let outcome = failed("error.user.nonexistent", 2);
    assert_eq!(member_outcome(&outcome, 2, Some(&answered[0].how)), Some(outcome.clone()));
    // After a doubtful attempt, a refusal other than a no-op may hide applied work: in doubt.
    let (open, answered) = pending("b00001", 0, &command, &source, &outcome, true);
    assert!(answered.is_empty() && open.len() == 1 && open[0].doubt == Doubt::InDoubt);
}

#[test]
fn succeeded_whole_request_failures_and_user_commands_leave_nothing_open() {
    let (command, source) = packed_command();
    let success = CommandOutcome::Succeeded { x_request_id: "rid".into(), warnings: Vec::new() };
    let whole = CommandOutcome::Failed {
        code: "umapi-bulk.transient.exhausted".into(),
        message: "429".into(),
        step: None,
        x_request_id: None,
        transient: true,
    };
    for outcome in [&success, &whole] {
        let (open, answered) = pending("b00001", 0, &command, &source, outcome, true);
        assert!(open.is_empty() && answered.is_empty(), "{outcome:?}");
    }
    assert_eq!(member_outcome(&whole, 1, None), Some(whole.clone()), "the request's own failure is the row's");
    let user_command = Command { user: Some("a@example.com".into()), ..Command::default() };
    let (open, _) = pending("b00001", 0, &user_command, &CommandSource::row(0, 2), &failed("x", 0), false);
    assert!(open.is_empty());
}

#[test]
fn rows_get_the_outcome_of_their_own_change_read_confirmed_or_followed_up() {
    let (command, source) = packed_command();
    let follow_up = Batch {
        id: "f00001".into(),
        commands: vec![Command { user: Some("user15@example.com".into()), ..Command::default() }],
        sources: vec![CommandSource::row(15, 17)],
        after: Vec::new(),
    };
    let plan = vec![Batch { id: "b00001".into(), commands: vec![command], sources: vec![source], after: Vec::new() }];
    let member = |user: usize| MemberRef { batch: "b00001".into(), command: 0, step: 1, user };
    let mut settlements: Vec<MemberSettlement> = (0..10)
        .filter(|user| *user != 5)
        .map(|user| MemberSettlement { member: member(user), how: Settled::Read { group: "Designers".into() } })
        .collect();
    settlements.push(MemberSettlement { member: member(5), how: Settled::FollowUp { batch: "f00001".into() } });
    let follow_up_failed = failed("error.user.nonexistent", 0);
    let report = RunReport {
        batches: vec![
            BatchResult { batch_id: "b00001".into(), outcomes: vec![failed("error.user.already_exists", 1)] },
            BatchResult { batch_id: "f00001".into(), outcomes: vec![follow_up_failed.clone()] },
        ],
        follow_ups: vec![follow_up],
        settlements,
        statistics: RunStatistics::default(),
        end: RunEnd::Finished,
        test_mode: false,
        warnings: Vec::new(),
    };
    let rows = report.row_outcomes(&plan);
    let of =
        |row: usize| rows.iter().filter(|(index, _)| *index == row).map(|(_, outcome)| outcome).collect::<Vec<_>>();
    assert!(of(0)[0].is_success(), "step 0 ran before the failure");
    assert!(
        matches!(of(12)[..], [CommandOutcome::Succeeded { warnings, .. }] if warnings[0].code == CODE_CONFIRMED_BY_READ)
    );
    assert_eq!(of(15), vec![&follow_up_failed], "the follow-up's outcome, not the packed step's");
    assert!(matches!(of(20)[..], [CommandOutcome::Unknown { .. }]), "step 2 was not settled");
    assert_eq!(rows.len(), 21, "one outcome per user, the follow-up's instead of the packed one");
}
