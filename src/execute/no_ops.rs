//! User-group steps Adobe refuses as no-ops, recognised as already done when they are sent again.
//!
//! A `usergroup` command's `add` of a user who is already a member answers
//! `error.user.already_exists`, and a `remove` of a user who is not a member
//! `error.usergroup.user_list.invalid` (UMAPI.md 2c, 3b; docs/simulator.md "User groups"). When a
//! request is sent again after an earlier attempt may have been applied (a retry after a timeout,
//! a dropped connection or a 5xx; a resume of a request that was sent without an answer), those
//! refusals are what the earlier attempt left behind, not failures.
//!
//! The rule, since UMAPI stops a command at its first failing step (3a): a refused step that is
//! the command's last is done (its effect is what the refusal says is there). When steps follow
//! it, they did not run this time and may or may not have run the first time, so the command
//! stays failed, marked transient with that explanation: planning the row again sends only what is
//! still missing. Without an earlier attempt that may have been applied, a refusal is a failure.
//! `user`-rooted commands never get these refusals (their `add`/`remove` are idempotent, 2b).
//!
//! A packed step names up to 10 users (`plan::packing`), and its refusal names none of them: it
//! only says that one of them had the change already. Such a step is left as it failed here, and
//! `packed` settles each of its users (a read of the group, or sending them again); a step that
//! names one user is that user's own, and the rule above holds for it.
//!
//! Pure: no I/O; the executor calls [`recognise`] after mapping an answer.

use crate::execute::outcome::{CommandOutcome, CommandWarning};
use crate::umapi::wire::{Command, RemoveMembership, Step};

/// Warning code of a command whose no-op refusal was taken as "already done".
pub const CODE_ALREADY_DONE: &str = "umapi-bulk.already_done";

/// Whether `code` is Adobe's no-op refusal for `step` of a user-group command.
pub fn is_no_op_refusal(step: &Step, code: &str) -> bool {
    match step {
        Step::Add(_) => code == "error.user.already_exists",
        Step::Remove(_) => code == "error.usergroup.user_list.invalid",
        _ => false,
    }
}

/// Turns the no-op refusals of `commands` (aligned with `outcomes`) into what they mean, when
/// `earlier_attempt_may_have_applied`.
pub fn recognise(commands: &[Command], outcomes: &mut [CommandOutcome], earlier_attempt_may_have_applied: bool) {
    if !earlier_attempt_may_have_applied {
        return;
    }
    for (command, outcome) in commands.iter().zip(outcomes.iter_mut()) {
        let CommandOutcome::Failed { code, message, step: Some(step), x_request_id, transient } = outcome else {
            continue;
        };
        let Some(refused) = command.usergroup.as_ref().and(command.steps.get(*step)) else { continue };
        if !is_no_op_refusal(refused, code) || names_several_users(refused) {
            continue;
        }
        if *step + 1 == command.steps.len() {
            let warning = CommandWarning {
                code: CODE_ALREADY_DONE.to_string(),
                message: format!(
                    "UMAPI answered {code} to step {step} ({}), which an earlier attempt of this request had applied; \
                     nothing was left to do",
                    refused.name()
                ),
                step: Some(*step),
            };
            let x_request_id = x_request_id.clone().unwrap_or_default();
            *outcome = CommandOutcome::Succeeded { x_request_id, warnings: vec![warning] };
        } else {
            message.push_str(&format!(
                " (an earlier attempt of this request may have applied step {step} and the steps after it, which did \
                 not run this time: plan the row again to send what is still missing)"
            ));
            *transient = true;
        }
    }
}

/// Whether a step's user list names more than one user (a packed step: its refusal does not say
/// which of them had the change).
fn names_several_users(step: &Step) -> bool {
    match step {
        Step::Add(membership) | Step::Remove(RemoveMembership::List(membership)) => {
            membership.user.as_ref().is_some_and(|users| users.len() > 1)
        }
        _ => false,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::umapi::wire::Membership;

    fn group_command(steps: Vec<Step>) -> Command {
        Command { usergroup: Some("Designers".into()), steps, ..Command::default() }
    }

    fn add_users() -> Step {
        Step::Add(Membership { user: Some(vec!["a@example.com".into()]), ..Membership::default() })
    }

    fn remove_users() -> Step {
        Step::Remove(RemoveMembership::List(Membership {
            user: Some(vec!["b@example.com".into()]),
            ..Membership::default()
        }))
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

    #[test]
    fn a_packed_steps_refusal_is_left_for_the_packed_settlement() {
        let several = Step::Add(Membership {
            user: Some(vec!["a@example.com".into(), "c@example.com".into()]),
            ..Membership::default()
        });
        let commands = [group_command(vec![several])];
        let mut outcomes = vec![failed("error.user.already_exists", 0)];
        recognise(&commands, &mut outcomes, true);
        assert_eq!(outcomes[0], failed("error.user.already_exists", 0), "one of two users proves nothing of the other");
    }

    #[test]
    fn a_refused_last_step_after_a_maybe_applied_attempt_is_done() {
        let commands = [group_command(vec![add_users()]), group_command(vec![remove_users()])];
        let mut outcomes = vec![failed("error.user.already_exists", 0), failed("error.usergroup.user_list.invalid", 0)];
        recognise(&commands, &mut outcomes, true);
        for outcome in &outcomes {
            let CommandOutcome::Succeeded { warnings, x_request_id } = outcome else { panic!("{outcome:?}") };
            assert_eq!(x_request_id, "rid");
            assert_eq!(warnings[0].code, CODE_ALREADY_DONE);
        }
    }

    #[test]
    fn without_an_earlier_attempt_or_with_steps_after_it_a_refusal_stays_failed() {
        let commands = [group_command(vec![add_users()])];
        let mut outcomes = vec![failed("error.user.already_exists", 0)];
        recognise(&commands, &mut outcomes, false);
        assert_eq!(outcomes[0], failed("error.user.already_exists", 0), "a first attempt's refusal is a failure");

        let commands = [group_command(vec![add_users(), remove_users()])];
        let mut outcomes = vec![failed("error.user.already_exists", 0)];
        recognise(&commands, &mut outcomes, true);
        let CommandOutcome::Failed { transient, message, .. } = &outcomes[0] else { panic!("{:?}", outcomes[0]) };
        assert!(*transient && message.contains("plan the row again"), "{message}");
    }

    #[test]
    fn other_codes_steps_and_user_commands_are_left_alone() {
        let user_command = Command {
            user: Some("a@example.com".into()),
            steps: vec![Step::Add(Membership::groups(vec!["Designers".into()]))],
            ..Command::default()
        };
        let commands = [user_command, group_command(vec![add_users()]), group_command(vec![remove_users()])];
        let mut outcomes = vec![
            failed("error.user.already_exists", 0),
            failed("error.usergroup.exceeds_maximum_member_count", 0),
            failed("error.user.already_exists", 0),
        ];
        let before = outcomes.clone();
        recognise(&commands, &mut outcomes, true);
        assert_eq!(outcomes, before);
    }
}
