//! The wider fault menu (`--fault KIND=RATE`, [`FaultMenu`]) and the run plan of one action
//! request: the order its commands run in, where a mid-batch 500 cuts it, and which commands fail
//! with a service error (UMAPI.md 2a, 3b, 3c, 8 #5, 9).
//!
//! The order is a seeded shuffle of the request's body (the same body, retried, runs the same way,
//! so a run with faults and retries ends where a clean run ends). Each fault draws from its own
//! stream of [`super::dice`] with the request's number (action requests, UMAPI requests or token
//! requests, counted in order of arrival), so a run is reproducible from `--seed`, and
//! `--fault-rate`'s sequence is the same with or without the menu.
//! - mid-batch 500: of `n` commands, `k` run (1 ≤ k < n; k = 1 when n = 1), then HTTP 500;
//! - a service error: one command fails at one of its steps (the steps before it applied) with
//!   `error.throttled_by_external_service` or the `error.internal.*` code of that step's kind;
//! - migrating: HTTP 403 `{"result":"error.organization.migrating"}`, nothing applied;
//! - slow answer: the request is applied, then answered late;
//! - IMS 429: a token request refused with `Retry-After: 1`.

use super::commands::Injected;
use super::dice::{Stream, permutation, roll, strikes};
use super::options::{CommandOrder, FaultMenu};
use super::steps::ParsedStep;
use super::validate::{Failure, Frame, ParsedCommand};

/// How one action request runs.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub(crate) struct RunPlan {
    /// Positions of the commands, in the order they run.
    pub(crate) order: Vec<usize>,
    /// A mid-batch 500: how many commands run before the answer is lost.
    pub(crate) cut_after: Option<usize>,
    /// Per position: a service error that strikes that command.
    pub(crate) injected: Vec<Option<Injected>>,
}

/// The run plan of action request `number`, whose body hashes to `content`, with these commands.
/// The order depends on the body (a retried request runs in the order it ran), the faults on the
/// request's number.
pub(crate) fn plan_action(
    seed: u64,
    (number, content): (u64, u64),
    menu: &FaultMenu,
    order: CommandOrder,
    commands: &[(Frame, Result<ParsedCommand, Failure>)],
    test_mode: bool,
) -> RunPlan {
    let count = commands.len();
    let order = match order {
        CommandOrder::Shuffled => permutation(seed, content, count),
        CommandOrder::AsSent => (0..count).collect(),
    };
    let cut_after =
        (!test_mode && count > 0 && strikes(seed, Stream::MidBatch, number, menu.mid_batch_500)).then(|| {
            if count == 1 {
                1
            } else {
                1 + (roll(seed, Stream::MidBatch, number ^ 0xFFFF) % (count as u64 - 1)) as usize
            }
        });
    let injected = commands
        .iter()
        .enumerate()
        .map(|(position, (_, command))| {
            let command = command.as_ref().ok()?;
            let draw = number.wrapping_mul(16).wrapping_add(position as u64);
            if test_mode || command.steps.is_empty() || !strikes(seed, Stream::CommandError, draw, menu.command_error) {
                return None;
            }
            let pick = roll(seed, Stream::CommandError, draw ^ 0xFFFF_FFFF);
            let step = (pick % command.steps.len() as u64) as usize;
            Some(Injected { step, code: service_error(pick >> 8, &command.steps[step]) })
        })
        .collect();
    RunPlan { order, cut_after, injected }
}

/// The code of a service failure for a step: half the time UMAPI's "a downstream service
/// throttled us", else the `error.internal.*` code Adobe lists for that kind of step (3b).
fn service_error(pick: u64, step: &ParsedStep) -> &'static str {
    if pick.is_multiple_of(2) {
        return "error.throttled_by_external_service";
    }
    match step {
        ParsedStep::Create { .. } => "error.internal.create_failed",
        ParsedStep::Update(_) => "error.internal.update_failed",
        ParsedStep::AddGroups(_) | ParsedStep::GroupMembers { add: true, .. } => "error.internal.add",
        ParsedStep::RemoveGroups(_) | ParsedStep::RemoveAll | ParsedStep::GroupMembers { add: false, .. } => {
            "error.internal.group.remove"
        }
        ParsedStep::RemoveFromOrg { .. } => "error.internal.removefromorg",
        _ => "error.internal.exceptionflys",
    }
}

/// Whether UMAPI request `number` is refused as migrating.
pub(crate) fn migrating(seed: u64, number: u64, menu: &FaultMenu) -> bool {
    strikes(seed, Stream::Migrating, number, menu.migrating)
}

/// Whether UMAPI request `number` is answered late.
pub(crate) fn slow(seed: u64, number: u64, menu: &FaultMenu) -> bool {
    !menu.slow_by.is_zero() && strikes(seed, Stream::SlowAnswer, number, menu.slow_answer)
}

/// Whether token request `number` gets 429 from IMS.
pub(crate) fn ims_throttled(seed: u64, number: u64, menu: &FaultMenu) -> bool {
    strikes(seed, Stream::ImsThrottle, number, menu.ims_429)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::sim::org::UserRef;
    use crate::sim::validate::Root;

    fn commands(count: usize) -> Vec<(Frame, Result<ParsedCommand, Failure>)> {
        (0..count)
            .map(|index| {
                let root = Root::User(UserRef { user: format!("u{index}@x.com"), domain: None, use_adobe_id: false });
                let steps = vec![ParsedStep::AddGroups(vec!["G".to_string()]), ParsedStep::RemoveAll];
                (Frame::default(), Ok(ParsedCommand { root, steps, warnings: Vec::new() }))
            })
            .collect()
    }

    #[test]
    fn a_mid_batch_cut_leaves_some_commands_run_and_some_not() {
        let menu = FaultMenu { mid_batch_500: 1.0, ..FaultMenu::default() };
        for number in 0..200 {
            let plan = plan_action(3, (number, number), &menu, CommandOrder::Shuffled, &commands(10), false);
            assert!(plan.cut_after.is_some_and(|cut| (1..10).contains(&cut)), "{plan:?}");
            let single = plan_action(3, (number, number), &menu, CommandOrder::AsSent, &commands(1), false);
            assert_eq!((single.order, single.cut_after), (vec![0], Some(1)));
        }
        let test_mode = plan_action(3, (0, 0), &menu, CommandOrder::AsSent, &commands(3), true);
        assert_eq!(test_mode.cut_after, None);
    }

    #[test]
    fn injected_errors_name_a_step_of_their_command_and_a_documented_code() {
        let menu = FaultMenu { command_error: 1.0, ..FaultMenu::default() };
        let plan = plan_action(5, (1, 1), &menu, CommandOrder::AsSent, &commands(10), false);
        assert_eq!(plan.order, (0..10).collect::<Vec<_>>());
        for injected in plan.injected.iter().flatten() {
            assert!(injected.step < 2);
            assert!(
                injected.code.starts_with("error.internal.") || injected.code == "error.throttled_by_external_service"
            );
        }
        assert_eq!(plan.injected.iter().flatten().count(), 10);
        let none = plan_action(5, (1, 1), &FaultMenu::default(), CommandOrder::AsSent, &commands(10), false);
        assert!(none.injected.iter().all(Option::is_none) && none.cut_after.is_none());
    }
}
