//! Packed `usergroup` commands after their answer: what the answer says about each user of each
//! step ([`pending`]), how the users a run settled afterwards are recorded ([`MemberRef`],
//! [`Settled`]), and the outcome each user's row gets ([`member_outcome`]).
//!
//! UMAPI answers per command and step, not per user (UMAPI.md 3a: an error names the command's
//! index and step, and its `user` is the group's name): a command that failed at step k ran its
//! steps before k, did not run the ones after it, and says nothing about which users of step k it
//! reached. When the answer never came, or an earlier attempt may have applied the command (a
//! lost answer, a 5xx, a kill before the answer was journaled), a refusal may be UMAPI saying the
//! work is already done: adding a member is `error.user.already_exists`, removing a non-member
//! `error.usergroup.user_list.invalid` (2c, 3b). Each user of such steps is [`Pending`] until the
//! executor settles it (`resolution.rs`): a read of the group's direct members shows the change
//! in place, or the change is sent again in a follow-up batch whose own outcome counts. A refused
//! step that names a single user is settled by the refusal itself when it is a no-op refusal: it
//! says that user's change is in place.
//!
//! Pure: no I/O. The report asks [`member_outcome`] for the outcome of every user of every packed
//! step, so `results.csv` keeps one result per row, with its own code and request id.

use serde::{Deserialize, Serialize};

use crate::execute::no_ops;
use crate::execute::outcome::{CommandOutcome, CommandWarning};
use crate::plan::batch::{CommandSource, MemberSource};
use crate::umapi::wire::{Command, RemoveMembership, Step};

/// Warning code of a user of a packed step whose change a read of the group confirmed.
pub const CODE_CONFIRMED_BY_READ: &str = "umapi-bulk.confirmed_by_read";
/// Warning code of a user whose one-user step UMAPI refused as a no-op: the change was in place.
pub const CODE_ALREADY_IN_PLACE: &str = "umapi-bulk.already_in_place";

/// One user of one step of a packed command in a run's plan. Written `[batch, command, step,
/// user]` (0-based indexes; `user` is the position in the step's list).
#[derive(Clone, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(from = "(String, usize, usize, usize)", into = "(String, usize, usize, usize)")]
pub struct MemberRef {
    /// The batch id.
    pub batch: String,
    /// The command's index in the batch.
    pub command: usize,
    /// The step's index in the command.
    pub step: usize,
    /// The user's position in the step's list.
    pub user: usize,
}

impl From<(String, usize, usize, usize)> for MemberRef {
    fn from((batch, command, step, user): (String, usize, usize, usize)) -> Self {
        Self { batch, command, step, user }
    }
}

impl From<MemberRef> for (String, usize, usize, usize) {
    fn from(member: MemberRef) -> Self {
        (member.batch, member.command, member.step, member.user)
    }
}

/// How a user of a packed step was settled after its command did not simply succeed.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "by", rename_all = "snake_case")]
pub enum Settled {
    /// A read of the group's direct members showed the change in place.
    Read {
        /// The group read.
        group: String,
    },
    /// UMAPI refused the user's one-user step: the refusal is that user's own answer. A no-op
    /// refusal (`in_place`) says the change was already there; any other is the row's error.
    Answer {
        /// The refusal was a no-op refusal.
        in_place: bool,
    },
    /// The change was sent again in this follow-up batch, whose outcome is the row's.
    FollowUp {
        /// The follow-up batch's id.
        batch: String,
    },
}

/// A settled user of a packed step.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct MemberSettlement {
    /// The user.
    pub member: MemberRef,
    /// How.
    pub how: Settled,
}

/// Why a user of a packed step is not known to be done.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Doubt {
    /// The step failed on this attempt, and no earlier one may have applied it.
    Refused,
    /// The step came after the one that failed: it did not run, and no earlier attempt ran it.
    NotRun,
    /// It may have been applied: the answer never came, or an earlier attempt may have applied
    /// the command before this answer's refusal.
    InDoubt,
}

/// One user of a packed step whose fate the answer left open.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Pending {
    /// Where it is in the plan.
    pub member: MemberRef,
    /// The group.
    pub group: String,
    /// Joining (else leaving).
    pub add: bool,
    /// The user as the step names them.
    pub user: String,
    /// The user's row.
    pub source: MemberSource,
    /// Why it is open.
    pub doubt: Doubt,
}

/// A step's users and whether it joins (`None`: not an add or remove of users).
pub fn step_users(step: &Step) -> Option<(&[String], bool)> {
    match step {
        Step::Add(membership) => membership.user.as_deref().map(|users| (users, true)),
        Step::Remove(RemoveMembership::List(membership)) => membership.user.as_deref().map(|users| (users, false)),
        _ => None,
    }
}

/// What one packed command's outcome leaves open, and the users its answer settles by itself.
/// `after_doubt`: an earlier attempt of the batch may have been applied.
pub fn pending(
    batch: &str,
    index: usize,
    command: &Command,
    source: &CommandSource,
    outcome: &CommandOutcome,
    after_doubt: bool,
) -> (Vec<Pending>, Vec<MemberSettlement>) {
    let mut open = Vec::new();
    let mut answered = Vec::new();
    let Some(group) = command.usergroup.as_deref() else { return (open, answered) };
    let (failed_step, code) = match outcome {
        CommandOutcome::Failed { step: Some(step), code, .. } if *step < command.steps.len() => (*step, Some(code)),
        CommandOutcome::Unknown { .. } => (0, None),
        _ => return (open, answered),
    };
    for (step_index, (step, sources)) in command.steps.iter().zip(&source.members).enumerate().skip(failed_step) {
        let Some((users, add)) = step_users(step) else { continue };
        let refused_here = step_index == failed_step && code.is_some();
        if let (true, Some(code), [_]) = (refused_here, code, users) {
            let in_place = no_ops::is_no_op_refusal(step, code);
            if in_place || !after_doubt {
                let member = MemberRef { batch: batch.to_string(), command: index, step: step_index, user: 0 };
                answered.push(MemberSettlement { member, how: Settled::Answer { in_place } });
                continue;
            }
        }
        let doubt = match (code, after_doubt, refused_here) {
            (None, _, _) | (Some(_), true, _) => Doubt::InDoubt,
            (Some(_), false, true) => Doubt::Refused,
            (Some(_), false, false) => Doubt::NotRun,
        };
        for (position, (user, member_source)) in users.iter().zip(sources).enumerate() {
            open.push(Pending {
                member: MemberRef { batch: batch.to_string(), command: index, step: step_index, user: position },
                group: group.to_string(),
                add,
                user: user.clone(),
                source: *member_source,
                doubt: doubt.clone(),
            });
        }
    }
    (open, answered)
}

/// The outcome of one user of step `step` of a packed command whose outcome is `outcome`, given
/// how it was settled; `None` when a follow-up batch carries the change (its outcome is the row's).
pub fn member_outcome(outcome: &CommandOutcome, step: usize, settled: Option<&Settled>) -> Option<CommandOutcome> {
    let confirmed = |code: &str, message: String| CommandOutcome::Succeeded {
        x_request_id: outcome.x_request_id().unwrap_or_default().to_string(),
        warnings: vec![CommandWarning { code: code.to_string(), message, step: Some(step) }],
    };
    let why = match outcome {
        CommandOutcome::Failed { code, .. } => format!("UMAPI answered {code}"),
        _ => "no usable answer came".to_string(),
    };
    match settled {
        Some(Settled::FollowUp { .. }) => return None,
        Some(Settled::Read { group }) => {
            return Some(confirmed(
                CODE_CONFIRMED_BY_READ,
                format!("{why} for the packed step; a read of {group}'s direct members shows the change in place"),
            ));
        }
        Some(Settled::Answer { in_place: true }) => {
            return Some(confirmed(
                CODE_ALREADY_IN_PLACE,
                format!("{why}: UMAPI refused the change as a no-op, so it was already in place"),
            ));
        }
        // The step named only this user: its refusal is the row's error, as for a `user` command.
        Some(Settled::Answer { in_place: false }) => return Some(outcome.clone()),
        None => {}
    }
    Some(match outcome {
        CommandOutcome::Failed { step: Some(failed), x_request_id, .. } if step < *failed => {
            CommandOutcome::Succeeded { x_request_id: x_request_id.clone().unwrap_or_default(), warnings: Vec::new() }
        }
        CommandOutcome::Failed { step: Some(failed), code, message, x_request_id, .. } => CommandOutcome::Unknown {
            reason: format!(
                "step {} of its packed usergroup command failed ({code}: {message}) and the run stopped before it \
                 found out which users the command reached; a resume settles it",
                failed + 1
            ),
            x_request_id: x_request_id.clone(),
        },
        other => other.clone(),
    })
}

#[cfg(test)]
#[path = "packed_tests.rs"]
mod tests;
