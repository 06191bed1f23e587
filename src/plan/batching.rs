//! Commands → requests: at most 10 commands per request, input order kept, and the commands of one
//! user that must stay ordered placed in strictly later requests with a dependency on the request
//! that carries the previous one (UMAPI does not order commands within a request, UMAPI.md 2a).

use crate::plan::batch::{Batch, CommandSource, batch_id};
use crate::umapi::wire::MAX_COMMANDS_PER_REQUEST;

/// One command with the input row it came from.
#[derive(Clone, Debug, PartialEq)]
pub struct PlannedCommand {
    /// 0-based index of the source record (input order).
    pub row_index: usize,
    /// 1-based line of the source record.
    pub line: u64,
    /// The command as it will be sent.
    pub command: crate::umapi::wire::Command,
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

#[cfg(test)]
mod tests {
    use super::*;
    use crate::umapi::wire::Command;

    fn chain(row_index: usize, length: usize) -> Vec<PlannedCommand> {
        (0..length)
            .map(|part| PlannedCommand {
                row_index,
                line: row_index as u64 + 2,
                command: Command { request_id: Some(format!("{row_index}/{part}")), ..Command::default() },
            })
            .collect()
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
    requests
        .iter()
        .enumerate()
        .map(|(index, request)| Batch {
            id: batch_id(index + 1),
            commands: request.commands.iter().map(|planned| planned.command.clone()).collect(),
            sources: request
                .commands
                .iter()
                .map(|planned| CommandSource { row_index: planned.row_index, line: planned.line })
                .collect(),
            after: request.after.iter().map(|dependency| batch_id(dependency + 1)).collect(),
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
                    .map(|_| PlannedCommand {
                        row_index: row,
                        line: row as u64 + 2,
                        command: crate::umapi::wire::Command::default(),
                    })
                    .collect()
            })
            .collect();
        let batches = to_batches(&pack(chains));
        assert_eq!(crate::plan::batch::check_plan(&batches), Ok(()));
        assert_eq!(batches[0].id, "b00001");
        assert!(batches[1].after.contains(&"b00001".to_string()));
    }
}
