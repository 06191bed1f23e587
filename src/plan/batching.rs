//! Commands → requests: at most 10 commands per request, input order kept, and the commands of one
//! user that must stay ordered placed in strictly later requests with a dependency on the request
//! that carries the previous one (UMAPI does not order commands within a request, UMAPI.md 2a).
//!
//! Packed `usergroup` commands ([`pack_with_groups`]) fill the room the users' own commands leave,
//! then requests of their own. They are independent of each other and of the `user` commands of
//! an edit (each membership change is in exactly one command), with one order rule kept for any
//! plan: a `usergroup` command that names a user goes into a request strictly after every request
//! that creates that user, and waits for it (`after`).

use std::collections::HashMap;

use crate::plan::batch::{Batch, CommandSource, MemberSource, batch_id};
use crate::umapi::wire::{MAX_COMMANDS_PER_REQUEST, Step};

/// One command with the input row it came from.
#[derive(Clone, Debug, PartialEq)]
pub struct PlannedCommand {
    /// 0-based index of the source record (input order); a `usergroup` command's first user's.
    pub row_index: usize,
    /// 1-based line of the source record.
    pub line: u64,
    /// The command as it will be sent.
    pub command: crate::umapi::wire::Command,
    /// `usergroup` commands: the row of each user of each step (empty for `user` commands).
    pub members: Vec<Vec<MemberSource>>,
}

impl PlannedCommand {
    /// A `user` command planned from one row.
    pub fn for_row(row_index: usize, line: u64, command: crate::umapi::wire::Command) -> Self {
        Self { row_index, line, command, members: Vec::new() }
    }
}

/// One action request.
#[derive(Clone, Debug, PartialEq, Default)]
pub struct PlannedRequest {
    /// Up to 10 commands.
    pub commands: Vec<PlannedCommand>,
    /// Indices of earlier requests that must be answered before this one is sent.
    pub after: Vec<usize>,
}

/// Packs each user's command chain into requests. `chains` holds, per row, its commands in the
/// order they must run; chains are packed in input order, filling requests greedily.
pub fn pack(chains: Vec<Vec<PlannedCommand>>) -> Vec<PlannedRequest> {
    let mut requests: Vec<PlannedRequest> = Vec::new();
    // The first request that may still have room: everything before it is full.
    let mut first_open = 0;
    for chain in chains {
        let mut previous: Option<usize> = None;
        for command in chain {
            let start = previous.map_or(first_open, |index| (index + 1).max(first_open));
            let slot = (start..requests.len()).find(|&index| requests[index].commands.len() < MAX_COMMANDS_PER_REQUEST);
            let index = match slot {
                Some(index) => index,
                None => {
                    requests.push(PlannedRequest::default());
                    requests.len() - 1
                }
            };
            let request = &mut requests[index];
            request.commands.push(command);
            if let Some(dependency) = previous
                && !request.after.contains(&dependency)
            {
                request.after.push(dependency);
            }
            previous = Some(index);
            while first_open < requests.len() && requests[first_open].commands.len() >= MAX_COMMANDS_PER_REQUEST {
                first_open += 1;
            }
        }
    }
    requests
}

/// Packs the users' command chains ([`pack`]), then the packed `usergroup` commands into the room
/// left and into requests of their own, each after every request that creates a user it names.
pub fn pack_with_groups(chains: Vec<Vec<PlannedCommand>>, group_commands: Vec<PlannedCommand>) -> Vec<PlannedRequest> {
    let mut requests = pack(chains);
    // Where each user is created (by the lower-cased email of the create step).
    let mut created_in: HashMap<String, usize> = HashMap::new();
    for (index, request) in requests.iter().enumerate() {
        for planned in &request.commands {
            for step in &planned.command.steps {
                if let Step::AddAdobeId(fields) | Step::CreateEnterpriseId(fields) | Step::CreateFederatedId(fields) =
                    step
                {
                    let slot = created_in.entry(fields.email.to_lowercase()).or_default();
                    *slot = (*slot).max(index);
                }
            }
        }
    }
    let mut first_open =
        requests.iter().position(|request| request.commands.len() < MAX_COMMANDS_PER_REQUEST).unwrap_or(requests.len());
    for planned in group_commands {
        let creates: Vec<usize> = if created_in.is_empty() {
            Vec::new()
        } else {
            let mut creates: Vec<usize> = named_users(&planned.command)
                .filter_map(|user| created_in.get(&user.to_lowercase()).copied())
                .collect();
            creates.sort_unstable();
            creates.dedup();
            creates
        };
        let start = creates.last().map_or(first_open, |last| (last + 1).max(first_open));
        let slot = (start..requests.len()).find(|&index| requests[index].commands.len() < MAX_COMMANDS_PER_REQUEST);
        let index = slot.unwrap_or_else(|| {
            requests.push(PlannedRequest::default());
            requests.len() - 1
        });
        let request = &mut requests[index];
        request.commands.push(planned);
        for create in creates {
            if !request.after.contains(&create) {
                request.after.push(create);
            }
        }
        while first_open < requests.len() && requests[first_open].commands.len() >= MAX_COMMANDS_PER_REQUEST {
            first_open += 1;
        }
    }
    requests
}

/// The users a `usergroup` command's `add` and `remove` steps name.
fn named_users(command: &crate::umapi::wire::Command) -> impl Iterator<Item = &String> {
    command.steps.iter().flat_map(|step| match step {
        Step::Add(membership) | Step::Remove(crate::umapi::wire::RemoveMembership::List(membership)) => {
            membership.user.iter().flatten().collect::<Vec<_>>()
        }
        _ => Vec::new(),
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::umapi::wire::{Command, CreateUser, Membership};

    fn chain(row_index: usize, length: usize) -> Vec<PlannedCommand> {
        (0..length)
            .map(|part| {
                PlannedCommand::for_row(
                    row_index,
                    row_index as u64 + 2,
                    Command { request_id: Some(format!("{row_index}/{part}")), ..Command::default() },
                )
            })
            .collect()
    }

    fn group_command(users: &[&str]) -> PlannedCommand {
        let names: Vec<String> = users.iter().map(|user| user.to_string()).collect();
        PlannedCommand {
            row_index: 0,
            line: 2,
            command: Command {
                usergroup: Some("Designers".into()),
                steps: vec![Step::Add(Membership { user: Some(names), ..Membership::default() })],
                ..Command::default()
            },
            members: vec![users.iter().enumerate().map(|(row, _)| MemberSource { row_index: row, line: 2 }).collect()],
        }
    }

    #[test]
    fn group_commands_fill_the_room_left_then_requests_of_their_own() {
        let requests =
            pack_with_groups((0..15).map(|row| chain(row, 1)).collect(), vec![group_command(&["a@x.com"]); 12]);
        assert_eq!(requests.iter().map(|request| request.commands.len()).collect::<Vec<_>>(), vec![10, 10, 7]);
        assert!(requests.iter().all(|request| request.after.is_empty()), "nothing to wait for in an edit");
    }

    #[test]
    fn a_user_is_created_before_any_group_command_names_them() {
        let create = |email: &str| {
            let step = Step::CreateEnterpriseId(CreateUser { email: email.into(), ..CreateUser::default() });
            vec![PlannedCommand::for_row(
                0,
                2,
                Command { user: Some(email.into()), steps: vec![step], ..Command::default() },
            )]
        };
        let mut chains: Vec<Vec<PlannedCommand>> = (0..15).map(|row| chain(row, 1)).collect();
        chains.push(create("New@x.com"));
        let requests = pack_with_groups(chains, vec![group_command(&["old@x.com"]), group_command(&["new@x.com"])]);
        // The create is in request 1; the command naming its user goes after it and waits for it.
        let position = |users: &str| {
            requests
                .iter()
                .position(|request| {
                    request.commands.iter().any(|planned| named_users(&planned.command).any(|user| user == users))
                })
                .unwrap_or(usize::MAX)
        };
        assert_eq!(position("old@x.com"), 1, "no create to wait for: the first room left");
        assert_eq!(position("new@x.com"), 2);
        assert_eq!(requests[2].after, vec![1]);
    }

    #[test]
    fn single_command_users_fill_requests_of_ten_in_input_order() {
        let requests = pack((0..25).map(|row| chain(row, 1)).collect());
        assert_eq!(requests.iter().map(|request| request.commands.len()).collect::<Vec<_>>(), vec![10, 10, 5]);
        let order: Vec<usize> =
            requests.iter().flat_map(|request| request.commands.iter().map(|command| command.row_index)).collect();
        assert_eq!(order, (0..25).collect::<Vec<_>>());
        assert!(requests.iter().all(|request| request.after.is_empty()));
    }

    #[test]
    fn a_users_later_commands_go_to_later_requests_that_depend_on_the_earlier() {
        let mut chains: Vec<Vec<PlannedCommand>> = (0..3).map(|row| chain(row, 1)).collect();
        chains.push(chain(3, 3));
        chains.extend((4..12).map(|row| chain(row, 1)));
        let requests = pack(chains);
        let position = |row: usize, part: usize| {
            requests
                .iter()
                .position(|request| {
                    request.commands.iter().any(|command| {
                        command.row_index == row
                            && command.command.request_id.as_deref() == Some(&format!("{row}/{part}"))
                    })
                })
                .unwrap_or(usize::MAX)
        };
        assert!(position(3, 0) < position(3, 1));
        assert!(position(3, 1) < position(3, 2));
        assert!(requests[position(3, 1)].after.contains(&position(3, 0)));
        assert!(requests[position(3, 2)].after.contains(&position(3, 1)));
        assert!(requests.iter().all(|request| request.commands.len() <= 10));
        let total: usize = requests.iter().map(|request| request.commands.len()).sum();
        assert_eq!(total, 14);
    }
}

/// The executor's batches for packed requests: ids `b00001`…, sources aligned with commands, and
/// dependencies by id.
pub fn to_batches(requests: &[PlannedRequest]) -> Vec<Batch> {
    to_batches_named(requests, batch_id)
}

/// [`to_batches`] with ids from `id` (1-based request number → id).
pub fn to_batches_named(requests: &[PlannedRequest], id: impl Fn(usize) -> String) -> Vec<Batch> {
    requests
        .iter()
        .enumerate()
        .map(|(index, request)| Batch {
            id: id(index + 1),
            commands: request.commands.iter().map(|planned| planned.command.clone()).collect(),
            sources: request
                .commands
                .iter()
                .map(|planned| CommandSource {
                    row_index: planned.row_index,
                    line: planned.line,
                    members: planned.members.clone(),
                })
                .collect(),
            after: request.after.iter().map(|dependency| id(dependency + 1)).collect(),
        })
        .collect()
}

#[cfg(test)]
mod batch_tests {
    use super::*;

    #[test]
    fn packed_requests_become_a_valid_executor_plan() {
        let chains: Vec<Vec<PlannedCommand>> = (0..13)
            .map(|row| {
                (0..if row == 3 { 2 } else { 1 })
                    .map(|_| PlannedCommand::for_row(row, row as u64 + 2, crate::umapi::wire::Command::default()))
                    .collect()
            })
            .collect();
        let batches = to_batches(&pack(chains));
        assert_eq!(crate::plan::batch::check_plan(&batches), Ok(()));
        assert_eq!(batches[0].id, "b00001");
        assert!(batches[1].after.contains(&"b00001".to_string()));
    }
}
