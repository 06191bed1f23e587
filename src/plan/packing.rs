//! Fewest requests for an edit: each membership change of a user group goes into whichever form
//! needs fewer commands, a `user` command (one user, up to 10 steps of 10 groups) or a `usergroup`
//! command (one group, up to 10 steps of 10 users: UMAPI.md 2c, 2d, 4d). At Adobe's 10 action
//! requests a minute the request count is the run's duration: moving 5,000 users between two
//! groups is 500 requests as `user` commands and 10 packed.
//!
//! [`pack_edit`] decides, per row of an edit:
//! - changes that only a `user` command can make (product configurations, admin roles) and every
//!   change of a user a `usergroup` list cannot name (an Adobe ID, which needs `useAdobeID`; a
//!   Federated ID named by username + domain: lists name users by email, 2c), or of a read-only
//!   group (refused from either root), stay in the row's `user` command. That command carries the
//!   row's user-group changes too, for free, when they fit the commands it needs anyway;
//! - a row whose changes are all packable starts packed; then, greedily in input order, a packed
//!   row moves back into a `user` command of its own when that does not add a command (its one
//!   command costs at most what taking its users out of the group commands saves): "rows whose
//!   changes are few" and groups that only one or two users join stay `user` commands;
//! - the packed changes become per-group commands: removals first, then additions (UMAPI.md 2a's
//!   guidance order), 10 users a step, 10 steps a command, users in input order. Each user of a
//!   step keeps its row ([`MemberSource`]), so outcomes stay per row.
//!
//! **The lower bound** ([`LowerBound`]): a row with a change only a `user` command can make needs
//! at least the commands of those changes (`user_commands`, unavoidable whatever else is done, and
//! they may carry the row's own group changes for free, so those are not counted again). Every
//! other change (`packable_changes`, of rows whose changes are all packable) takes one place of
//! the at most 100 a command has (10 steps × 10 groups or 10 users), and the users of different
//! rows never share a `user` command. So no plan has fewer than
//! `commands = user_commands + ceil(packable_changes / 100)` commands, nor fewer than
//! `requests = max(ceil(commands / 10), longest_chain)` requests (a user whose unavoidable changes
//! need several commands sends them in as many ordered requests). For a pure group workload this
//! is changes ÷ 1,000. `plan` prints the packing's requests beside it and beside the per-user
//! count; the benchmark (`bench/packing.py`) measures the ratio.
//!
//! [`resend_as_user_commands`] and [`resend_packed`] build the follow-ups the executor sends when
//! a packed step failed or its answer never came (`execute::resolution`). Pure: no I/O.

use std::collections::HashMap;

use serde::{Deserialize, Serialize};

use crate::plan::batch::MemberSource;
use crate::plan::batching::PlannedCommand;
use crate::plan::steps;
use crate::umapi::wire::{
    Command, MAX_COMMANDS_PER_REQUEST, MAX_LIST_ENTRIES, MAX_STEPS_PER_COMMAND, Membership, RemoveMembership, Step,
};

/// Membership changes one command carries at most: 10 steps of 10 names (a `user` command's
/// groups, or a `usergroup` command's users).
pub const CHANGES_PER_COMMAND: usize = MAX_STEPS_PER_COMMAND * MAX_LIST_ENTRIES;

/// One edited row's changes, as the planner computed them.
#[derive(Clone, Debug, PartialEq)]
pub struct RowChanges {
    /// 0-based row index.
    pub row_index: usize,
    /// 1-based line.
    pub line: u64,
    /// The root its `user` commands name the user by.
    pub root: Command,
    /// Groups the user leaves, in the order planned.
    pub remove: Vec<String>,
    /// Groups the user joins, in the order planned.
    pub add: Vec<String>,
}

/// The lower bound of a plan's commands and requests (see the module text).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct LowerBound {
    /// Commands that rows with changes only a `user` command can make need whatever is done.
    pub user_commands: usize,
    /// Membership changes of rows whose every change could be packed.
    pub packable_changes: usize,
    /// The most commands one row's unavoidable changes need (they go in as many requests).
    pub longest_chain: usize,
    /// `user_commands + ceil(packable_changes / 100)`.
    pub commands: usize,
    /// `max(ceil(commands / 10), longest_chain)`.
    pub requests: usize,
}

/// What [`pack_edit`] made of the rows.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct Packed {
    /// Per row (aligned with the input) its `user` commands; empty when every change was packed.
    pub chains: Vec<Vec<PlannedCommand>>,
    /// The `usergroup` commands, group by group.
    pub group_commands: Vec<PlannedCommand>,
    /// Membership changes the `usergroup` commands carry.
    pub packed_changes: usize,
    /// The lower bound the result is measured against.
    pub bound: LowerBound,
}

/// Commands of `removes` leaving and `adds` joining steps, 10 names a step and 10 steps a command
/// (what `steps::remove_steps`, `add_steps` and `into_commands` make of them).
pub fn commands_for(removes: usize, adds: usize) -> usize {
    (removes.div_ceil(MAX_LIST_ENTRIES) + adds.div_ceil(MAX_LIST_ENTRIES)).div_ceil(MAX_STEPS_PER_COMMAND)
}

/// Whether a `usergroup` list can name the user a `user` root names: by email alone (no `domain`,
/// which marks a username sign-in, and no `useAdobeID`, which a list cannot carry).
pub fn list_can_name(root: &Command) -> bool {
    root.user.is_some() && root.usergroup.is_none() && root.domain.is_none() && root.use_adobe_id != Some(true)
}

/// How one row's changes are sent.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Form {
    /// Everything in the row's `user` commands.
    UserCommands,
    /// Unavoidable changes in `user` commands, group changes packed.
    Split,
    /// Everything packed.
    Packed,
}

/// Per group: the changes counted so far (for the greedy choice).
#[derive(Clone, Debug, Default)]
struct Count {
    removes: usize,
    adds: usize,
}

impl Count {
    fn commands(&self) -> usize {
        commands_for(self.removes, self.adds)
    }

    fn change(&mut self, add: bool, by: isize) {
        let slot = if add { &mut self.adds } else { &mut self.removes };
        *slot = slot.saturating_add_signed(by);
    }
}

/// The row's changes split into those a `usergroup` command can carry and the rest.
struct Split<'a> {
    flex: Vec<(&'a str, bool)>,
    fixed_remove: Vec<String>,
    fixed_add: Vec<String>,
}

fn split<'a>(row: &'a RowChanges, packable_group: &impl Fn(&str) -> bool) -> Split<'a> {
    let listable = list_can_name(&row.root);
    let mut result = Split { flex: Vec::new(), fixed_remove: Vec::new(), fixed_add: Vec::new() };
    for (names, add) in [(&row.remove, false), (&row.add, true)] {
        for name in names {
            if listable && packable_group(name) {
                result.flex.push((name.as_str(), add));
            } else if add {
                result.fixed_add.push(name.clone());
            } else {
                result.fixed_remove.push(name.clone());
            }
        }
    }
    result
}

/// Decides the form of every row's changes and builds the commands (see the module text).
/// `packable_group` says whether a group name is a user group that is not read-only.
pub fn pack_edit(rows: &[RowChanges], packable_group: impl Fn(&str) -> bool) -> Packed {
    let splits: Vec<Split<'_>> = rows.iter().map(|row| split(row, &packable_group)).collect();
    let mut bound = LowerBound::default();
    let mut forms = Vec::with_capacity(rows.len());
    let mut counts: HashMap<String, Count> = HashMap::new();
    for (row, split) in rows.iter().zip(&splits) {
        let fixed = commands_for(split.fixed_remove.len(), split.fixed_add.len());
        let form = if split.flex.is_empty() {
            Form::UserCommands
        } else if fixed == 0 {
            bound.packable_changes += split.flex.len();
            Form::Packed
        } else if commands_for(row.remove.len(), row.add.len()) == fixed {
            // The group changes ride in the command the row needs anyway.
            Form::UserCommands
        } else {
            Form::Split
        };
        if fixed > 0 {
            bound.user_commands += fixed;
            bound.longest_chain = bound.longest_chain.max(fixed);
        }
        if matches!(form, Form::Packed | Form::Split) {
            for (name, add) in &split.flex {
                counts.entry(name.to_lowercase()).or_default().change(*add, 1);
            }
        }
        forms.push(form);
    }
    bound.commands = bound.user_commands + bound.packable_changes.div_ceil(CHANGES_PER_COMMAND);
    bound.requests = bound.commands.div_ceil(MAX_COMMANDS_PER_REQUEST).max(bound.longest_chain);
    choose_user_commands(rows, &splits, &mut forms, &mut counts);
    build(rows, &splits, &forms, bound)
}

/// The greedy step: a packed row moves into a `user` command of its own when its commands cost no
/// more than what taking its changes out of the group commands saves. Passes repeat while a row
/// moves (a move can make another group's last users worth moving too).
fn choose_user_commands(
    rows: &[RowChanges],
    splits: &[Split<'_>],
    forms: &mut [Form],
    counts: &mut HashMap<String, Count>,
) {
    for _pass in 0..8 {
        let mut moved = false;
        for ((row, split), form) in rows.iter().zip(splits).zip(forms.iter_mut()) {
            if *form != Form::Packed {
                continue;
            }
            let own = commands_for(row.remove.len(), row.add.len());
            let mut saved = 0;
            for (name, add) in &split.flex {
                if let Some(count) = counts.get(&name.to_lowercase()) {
                    let mut without = count.clone();
                    without.change(*add, -1);
                    saved += count.commands() - without.commands();
                }
            }
            if own <= saved {
                for (name, add) in &split.flex {
                    if let Some(count) = counts.get_mut(&name.to_lowercase()) {
                        count.change(*add, -1);
                    }
                }
                *form = Form::UserCommands;
                moved = true;
            }
        }
        if !moved {
            break;
        }
    }
}

/// The changes of one group to pack: who leaves and who joins, in order, with their rows.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct GroupChanges {
    /// The group, as the org spells it.
    pub group: String,
    /// Users leaving (email, row).
    pub remove: Vec<(String, MemberSource)>,
    /// Users joining (email, row).
    pub add: Vec<(String, MemberSource)>,
}

fn build(rows: &[RowChanges], splits: &[Split<'_>], forms: &[Form], bound: LowerBound) -> Packed {
    let mut packed = Packed { bound, ..Packed::default() };
    let mut groups: Vec<GroupChanges> = Vec::new();
    let mut group_index: HashMap<String, usize> = HashMap::new();
    for ((row, split), form) in rows.iter().zip(splits).zip(forms) {
        let (removes, adds) = match form {
            Form::UserCommands => (row.remove.clone(), row.add.clone()),
            Form::Split => (split.fixed_remove.clone(), split.fixed_add.clone()),
            Form::Packed => (Vec::new(), Vec::new()),
        };
        let mut row_steps = steps::remove_steps(&removes);
        row_steps.extend(steps::add_steps(&adds));
        packed.chains.push(
            steps::into_commands(&row.root, row.line, row_steps)
                .into_iter()
                .map(|command| PlannedCommand::for_row(row.row_index, row.line, command))
                .collect(),
        );
        if *form == Form::UserCommands {
            continue;
        }
        let (Some(user), source) = (&row.root.user, MemberSource { row_index: row.row_index, line: row.line }) else {
            continue;
        };
        for (name, add) in &split.flex {
            let index = *group_index.entry(name.to_lowercase()).or_insert_with(|| {
                groups.push(GroupChanges { group: name.to_string(), ..GroupChanges::default() });
                groups.len() - 1
            });
            let list = if *add { &mut groups[index].add } else { &mut groups[index].remove };
            list.push((user.clone(), source));
            packed.packed_changes += 1;
        }
    }
    packed.group_commands = group_commands(&groups, 1);
    packed
}

/// `usergroup` commands for the changes of each group: removals first, then additions, 10 users a
/// step, 10 steps a command; `requestID` `usergroup-<n>` counting from `first_number`.
pub fn group_commands(groups: &[GroupChanges], first_number: usize) -> Vec<PlannedCommand> {
    let mut commands = Vec::new();
    for changes in groups {
        let mut group_steps: Vec<(Step, Vec<MemberSource>)> = Vec::new();
        for (list, add) in [(&changes.remove, false), (&changes.add, true)] {
            for chunk in list.chunks(MAX_LIST_ENTRIES) {
                let membership = Membership {
                    user: Some(chunk.iter().map(|(user, _)| user.clone()).collect()),
                    ..Membership::default()
                };
                let step = if add { Step::Add(membership) } else { Step::Remove(RemoveMembership::List(membership)) };
                group_steps.push((step, chunk.iter().map(|(_, source)| *source).collect()));
            }
        }
        for chunk in group_steps.chunks(MAX_STEPS_PER_COMMAND) {
            let members: Vec<Vec<MemberSource>> = chunk.iter().map(|(_, sources)| sources.clone()).collect();
            let first = members
                .first()
                .and_then(|sources| sources.first())
                .copied()
                .unwrap_or(MemberSource { row_index: 0, line: 0 });
            let command = Command {
                usergroup: Some(changes.group.clone()),
                request_id: Some(format!("usergroup-{}", first_number + commands.len())),
                steps: chunk.iter().map(|(step, _)| step.clone()).collect(),
                ..Command::default()
            };
            commands.push(PlannedCommand { row_index: first.row_index, line: first.line, command, members });
        }
    }
    commands
}

/// One membership change of a packed step to send again.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Resend {
    /// The group.
    pub group: String,
    /// Joining (else leaving).
    pub add: bool,
    /// The user, as the step named them (an email).
    pub user: String,
    /// The user's row.
    pub source: MemberSource,
}

/// The changes as `user` commands, one chain per user (row) in first-seen order: every change of
/// the user in one command (or a chain when they do not fit), leaving before joining. `user`-rooted
/// `add` and `remove` are idempotent (UMAPI.md 2b), so each answer is that user's own truth.
pub fn resend_as_user_commands(resends: &[Resend]) -> Vec<Vec<PlannedCommand>> {
    let mut order: Vec<(MemberSource, String)> = Vec::new();
    let mut by_row: HashMap<usize, (Vec<String>, Vec<String>)> = HashMap::new();
    for resend in resends {
        let entry = by_row.entry(resend.source.row_index).or_insert_with(|| {
            order.push((resend.source, resend.user.clone()));
            (Vec::new(), Vec::new())
        });
        let list = if resend.add { &mut entry.1 } else { &mut entry.0 };
        if !list.iter().any(|name| name.eq_ignore_ascii_case(&resend.group)) {
            list.push(resend.group.clone());
        }
    }
    order
        .into_iter()
        .map(|(source, user)| {
            let (removes, adds) = by_row.remove(&source.row_index).unwrap_or_default();
            let mut row_steps = steps::remove_steps(&removes);
            row_steps.extend(steps::add_steps(&adds));
            let root = Command { user: Some(user), ..Command::default() };
            steps::into_commands(&root, source.line, row_steps)
                .into_iter()
                .map(|command| PlannedCommand::for_row(source.row_index, source.line, command))
                .collect()
        })
        .collect()
}

/// The changes packed again, group by group in first-seen order (for steps that were not run
/// because an earlier step of their command failed).
pub fn resend_packed(resends: &[Resend], first_number: usize) -> Vec<PlannedCommand> {
    let mut groups: Vec<GroupChanges> = Vec::new();
    let mut index: HashMap<String, usize> = HashMap::new();
    for resend in resends {
        let slot = *index.entry(resend.group.to_lowercase()).or_insert_with(|| {
            groups.push(GroupChanges { group: resend.group.clone(), ..GroupChanges::default() });
            groups.len() - 1
        });
        let list = if resend.add { &mut groups[slot].add } else { &mut groups[slot].remove };
        list.push((resend.user.clone(), resend.source));
    }
    group_commands(&groups, first_number)
}

#[cfg(test)]
#[path = "packing_tests.rs"]
mod tests;
