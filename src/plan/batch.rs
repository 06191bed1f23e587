//! The plan's requests as the executor takes them: request batches ([`Batch`], [`CommandSource`]),
//! and the check that a list of them can be executed ([`check_plan`]).
//!
//! A batch is one action request (at most ten commands, UMAPI.md D "batching"), with the CSV row
//! each command came from and the batches that must be answered before it may be sent. A `user`
//! command comes from one row; a `usergroup` command packs the membership changes of up to 100
//! users (`plan::packing`), so its source also names the row of every user of every step
//! ([`CommandSource::members`]), and outcomes stay per row. These types
//! are serialisable because `apply` writes them to the run folder (`plan.json`) and the journal
//! records them before anything is sent; resume reads them back and sends exactly the same requests.
//! This file owns only the data and its checks; it must not do I/O or know about HTTP. A batch list
//! that fails the check is a [`PlanError`] (with the removals guard, the one error of a plan).

use std::collections::HashSet;

use serde::{Deserialize, Serialize};

use crate::plan::PlanError;
use crate::umapi::wire;

/// One action request to send: its commands, where each came from, and what must be answered first.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Batch {
    /// Stable id, unique in the run (`"b00001"`); journal records and reports refer to it.
    pub id: String,
    /// The commands of the request body, in order (at most [`wire::MAX_COMMANDS_PER_REQUEST`]).
    pub commands: Vec<wire::Command>,
    /// The source of each command; aligned with `commands` (same length, same order).
    pub sources: Vec<CommandSource>,
    /// Ids of batches that must be answered (successfully or not) before this one is sent. Each must
    /// name a batch that comes earlier in the plan. Commands that must stay ordered (a user whose
    /// steps did not fit one command) are linked this way, so they are never in flight at once.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub after: Vec<String>,
}

/// Where a command came from: the input row it was planned from, and for a `usergroup` command the
/// row of each user its steps name.
#[derive(Clone, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct CommandSource {
    /// 0-based index of the data row in the input file (the report's row order). For a
    /// `usergroup` command: its first user's row (`members` names them all).
    pub row_index: usize,
    /// 1-based physical line of the row in the input file (for messages).
    pub line: u64,
    /// `usergroup` commands only: per step, the row of each user of the step's `user` list (aligned
    /// with the steps and with each list). Empty for a `user` command, and in plans and journals
    /// written before packing existed, which read as they always did.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub members: Vec<Vec<MemberSource>>,
}

impl CommandSource {
    /// The source of a `user` command planned from one row.
    pub fn row(row_index: usize, line: u64) -> Self {
        Self { row_index, line, members: Vec::new() }
    }

    /// Whether the command is a packed `usergroup` command (its users have sources of their own).
    pub fn is_packed(&self) -> bool {
        !self.members.is_empty()
    }
}

/// The row one user of a packed `usergroup` step came from. Written `[row_index, line]` (a plan of
/// 10,000 membership changes names 10,000 of them).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(from = "(usize, u64)", into = "(usize, u64)")]
pub struct MemberSource {
    /// 0-based index of the data row.
    pub row_index: usize,
    /// 1-based line of the row.
    pub line: u64,
}

impl From<(usize, u64)> for MemberSource {
    fn from((row_index, line): (usize, u64)) -> Self {
        Self { row_index, line }
    }
}

impl From<MemberSource> for (usize, u64) {
    fn from(source: MemberSource) -> Self {
        (source.row_index, source.line)
    }
}

/// Checks that a plan can be executed: unique ids, aligned sources (a packed command's member
/// sources aligned with its steps and their user lists), 1–10 commands per batch, and every
/// `after` naming an earlier batch (which also rules out cycles).
pub fn check_plan(batches: &[Batch]) -> Result<(), PlanError> {
    let mut seen: HashSet<&str> = HashSet::with_capacity(batches.len());
    for batch in batches {
        if batch.commands.len() != batch.sources.len() {
            return Err(PlanError::Misaligned {
                id: batch.id.clone(),
                commands: batch.commands.len(),
                sources: batch.sources.len(),
            });
        }
        for (index, (command, source)) in batch.commands.iter().zip(&batch.sources).enumerate() {
            if source.is_packed() && !members_aligned(command, &source.members) {
                return Err(PlanError::MembersMisaligned { id: batch.id.clone(), command: index });
            }
        }
        if batch.commands.is_empty() || batch.commands.len() > wire::MAX_COMMANDS_PER_REQUEST {
            return Err(PlanError::BadSize { id: batch.id.clone(), commands: batch.commands.len() });
        }
        if let Some(after) = batch.after.iter().find(|after| !seen.contains(after.as_str())) {
            return Err(PlanError::UnknownDependency { id: batch.id.clone(), after: after.clone() });
        }
        if !seen.insert(batch.id.as_str()) {
            return Err(PlanError::DuplicateId { id: batch.id.clone() });
        }
    }
    Ok(())
}

/// Whether a `usergroup` command's member sources match its steps: one list per step, one source
/// per user the step names.
fn members_aligned(command: &wire::Command, members: &[Vec<MemberSource>]) -> bool {
    command.usergroup.is_some()
        && command.steps.len() == members.len()
        && command.steps.iter().zip(members).all(|(step, sources)| {
            let users = match step {
                wire::Step::Add(membership) | wire::Step::Remove(wire::RemoveMembership::List(membership)) => {
                    membership.user.as_ref().map_or(0, Vec::len)
                }
                _ => 0,
            };
            users == sources.len() && !sources.is_empty()
        })
}

/// The conventional batch id for the `number`th batch (1-based): `b00001`.
pub fn batch_id(number: usize) -> String {
    format!("b{number:05}")
}

#[cfg(test)]
mod tests {
    use super::*;

    fn batch(id: &str, commands: usize, after: &[&str]) -> Batch {
        Batch {
            id: id.to_string(),
            commands: (0..commands)
                .map(|index| wire::Command { user: Some(format!("u{index}@example.com")), ..wire::Command::default() })
                .collect(),
            sources: (0..commands).map(|index| CommandSource::row(index, index as u64 + 2)).collect(),
            after: after.iter().map(|id| id.to_string()).collect(),
        }
    }

    #[test]
    fn a_well_formed_plan_passes() {
        let plan = [batch("b00001", 10, &[]), batch("b00002", 1, &["b00001"])];
        assert_eq!(check_plan(&plan), Ok(()));
    }

    #[test]
    fn dependencies_must_point_backwards() {
        let plan = [batch("b00001", 1, &["b00002"]), batch("b00002", 1, &[])];
        assert!(matches!(check_plan(&plan), Err(PlanError::UnknownDependency { .. })));
        let plan = [batch("b00001", 1, &["b00001"])];
        assert!(matches!(check_plan(&plan), Err(PlanError::UnknownDependency { .. })));
    }

    #[test]
    fn sizes_ids_and_alignment_are_checked() {
        assert!(matches!(check_plan(&[batch("a", 11, &[])]), Err(PlanError::BadSize { commands: 11, .. })));
        assert!(matches!(check_plan(&[batch("a", 0, &[])]), Err(PlanError::BadSize { commands: 0, .. })));
        assert!(matches!(check_plan(&[batch("a", 1, &[]), batch("a", 1, &[])]), Err(PlanError::DuplicateId { .. })));
        let mut misaligned = batch("a", 2, &[]);
        misaligned.sources.pop();
        assert!(matches!(check_plan(&[misaligned]), Err(PlanError::Misaligned { .. })));
    }

    #[test]
    fn packed_members_must_match_the_steps_and_their_lists() {
        let users = |count: usize| (0..count).map(|index| format!("u{index}@example.com")).collect::<Vec<_>>();
        let command = wire::Command {
            usergroup: Some("Designers".into()),
            steps: vec![
                wire::Step::Add(wire::Membership { user: Some(users(2)), ..wire::Membership::default() }),
                wire::Step::Remove(wire::RemoveMembership::List(wire::Membership {
                    user: Some(users(1)),
                    ..wire::Membership::default()
                })),
            ],
            ..wire::Command::default()
        };
        let member = |row: usize| MemberSource { row_index: row, line: row as u64 + 2 };
        let packed = |members: Vec<Vec<MemberSource>>| Batch {
            id: "b00001".into(),
            commands: vec![command.clone()],
            sources: vec![CommandSource { row_index: 0, line: 2, members }],
            after: Vec::new(),
        };
        assert_eq!(check_plan(&[packed(vec![vec![member(0), member(1)], vec![member(2)]])]), Ok(()));
        for wrong in [vec![vec![member(0)], vec![member(2)]], vec![vec![member(0), member(1)]]] {
            assert!(matches!(check_plan(&[packed(wrong)]), Err(PlanError::MembersMisaligned { command: 0, .. })));
        }
        let text =
            serde_json::to_string(&packed(vec![vec![member(0), member(1)], vec![member(2)]])).unwrap_or_default();
        assert!(text.contains(r#""members":[[[0,2],[1,3]],[[2,4]]]"#), "{text}");
    }

    #[test]
    fn batches_round_trip_through_json() {
        let original = batch("b00007", 2, &[]);
        let text = serde_json::to_string(&original).unwrap_or_default();
        assert!(!text.contains("after"), "an empty after list is omitted: {text}");
        let back: Batch = serde_json::from_str(&text).unwrap_or_else(|error| panic!("{error}: {text}"));
        assert_eq!(back, original);
        assert_eq!(batch_id(7), "b00007");
    }
}
