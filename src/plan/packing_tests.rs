//! Tests of the packing function: the step, command and request limits, what stays a `user`
//! command, the order inside a group command, the lower bound, and the follow-up builders.

use std::collections::BTreeMap;

use super::*;
use crate::plan::batching::{pack, pack_with_groups};

fn root(email: &str) -> Command {
    Command { user: Some(email.to_string()), ..Command::default() }
}

fn row(index: usize, remove: &[&str], add: &[&str]) -> RowChanges {
    RowChanges {
        row_index: index,
        line: index as u64 + 2,
        root: root(&format!("user{index:05}@example.com")),
        remove: remove.iter().map(|name| name.to_string()).collect(),
        add: add.iter().map(|name| name.to_string()).collect(),
    }
}

/// User groups of the tests: `G…` names and `Designers`/`Finance`; `Shared` is read-only;
/// everything else (`Photoshop - Default`, `_admin_*`) is not a user group.
fn packable(name: &str) -> bool {
    name.starts_with('G') || name == "Designers" || name == "Finance"
}

fn requests(packed: &Packed) -> usize {
    pack_with_groups(packed.chains.clone(), packed.group_commands.clone()).len()
}

/// Every (user, group, add) the plan sends, from both kinds of command.
fn sent_changes(packed: &Packed) -> BTreeMap<(String, String, bool), usize> {
    let mut sent = BTreeMap::new();
    let mut count = |user: &str, group: &str, add: bool| {
        *sent.entry((user.to_lowercase(), group.to_string(), add)).or_insert(0) += 1;
    };
    for planned in packed.chains.iter().flatten() {
        let user = planned.command.user.clone().unwrap_or_default();
        for step in &planned.command.steps {
            match step {
                Step::Add(membership) => membership.group.iter().flatten().for_each(|group| count(&user, group, true)),
                Step::Remove(RemoveMembership::List(membership)) => {
                    membership.group.iter().flatten().for_each(|group| count(&user, group, false))
                }
                _ => {}
            }
        }
    }
    for planned in &packed.group_commands {
        let group = planned.command.usergroup.clone().unwrap_or_default();
        for step in &planned.command.steps {
            match step {
                Step::Add(membership) => membership.user.iter().flatten().for_each(|user| count(user, &group, true)),
                Step::Remove(RemoveMembership::List(membership)) => {
                    membership.user.iter().flatten().for_each(|user| count(user, &group, false))
                }
                _ => {}
            }
        }
    }
    sent
}

fn wanted_changes(rows: &[RowChanges]) -> BTreeMap<(String, String, bool), usize> {
    let mut wanted = BTreeMap::new();
    for row in rows {
        let user = row.root.user.clone().unwrap_or_default().to_lowercase();
        for group in &row.remove {
            wanted.insert((user.clone(), group.clone(), false), 1);
        }
        for group in &row.add {
            wanted.insert((user.clone(), group.clone(), true), 1);
        }
    }
    wanted
}

/// The limits of UMAPI.md 2c/2d hold and every member source matches its user.
fn check_limits(rows: &[RowChanges], packed: &Packed) {
    for planned in &packed.group_commands {
        assert!(planned.command.steps.len() <= MAX_STEPS_PER_COMMAND);
        assert_eq!(planned.members.len(), planned.command.steps.len());
        for (step, sources) in planned.command.steps.iter().zip(&planned.members) {
            let users = match step {
                Step::Add(membership) | Step::Remove(RemoveMembership::List(membership)) => {
                    membership.user.clone().unwrap_or_default()
                }
                other => panic!("unexpected step {other:?}"),
            };
            assert!(!users.is_empty() && users.len() <= MAX_LIST_ENTRIES);
            assert_eq!(users.len(), sources.len());
            for (user, source) in users.iter().zip(sources) {
                assert_eq!(rows[source.row_index].root.user.as_deref(), Some(user.as_str()));
                assert_eq!(rows[source.row_index].line, source.line);
            }
        }
    }
    for request in pack_with_groups(packed.chains.clone(), packed.group_commands.clone()) {
        assert!(request.commands.len() <= MAX_COMMANDS_PER_REQUEST);
    }
}

#[test]
fn a_move_of_5000_users_between_two_groups_is_100_commands_in_10_requests() {
    let rows: Vec<RowChanges> = (0..5000).map(|index| row(index, &["Designers"], &["Finance"])).collect();
    let packed = pack_edit(&rows, packable);
    assert_eq!(packed.group_commands.len(), 100);
    assert!(packed.chains.iter().all(Vec::is_empty), "no user commands");
    assert_eq!(packed.packed_changes, 10_000);
    assert_eq!(requests(&packed), 10);
    assert_eq!(
        packed.bound,
        LowerBound { user_commands: 0, packable_changes: 10_000, longest_chain: 0, commands: 100, requests: 10 }
    );
    check_limits(&rows, &packed);
    assert_eq!(sent_changes(&packed), wanted_changes(&rows));
    // Per user, the same move is 500 requests.
    let per_user: Vec<Vec<PlannedCommand>> = rows
        .iter()
        .map(|row| {
            let mut row_steps = steps::remove_steps(&row.remove);
            row_steps.extend(steps::add_steps(&row.add));
            steps::into_commands(&row.root, row.line, row_steps)
                .into_iter()
                .map(|command| PlannedCommand::for_row(row.row_index, row.line, command))
                .collect()
        })
        .collect();
    assert_eq!(pack(per_user).len(), 500);
}

#[test]
fn a_group_command_leaves_before_it_joins_and_keeps_input_order() {
    let mut rows: Vec<RowChanges> = (0..15).map(|index| row(index, &[], &["Designers"])).collect();
    rows.extend((15..27).map(|index| row(index, &["Designers"], &[])));
    let packed = pack_edit(&rows, packable);
    assert_eq!(packed.group_commands.len(), 1);
    let command = &packed.group_commands[0];
    assert_eq!(command.command.usergroup.as_deref(), Some("Designers"));
    assert_eq!(command.command.request_id.as_deref(), Some("usergroup-1"));
    let kinds: Vec<&str> = command.command.steps.iter().map(Step::name).collect();
    assert_eq!(kinds, ["remove", "remove", "add", "add"]);
    let rows_named: Vec<usize> = command.members.iter().flatten().map(|source| source.row_index).collect();
    assert_eq!(rows_named, (15..27).chain(0..15).collect::<Vec<_>>());
    assert_eq!(command.members.iter().map(Vec::len).collect::<Vec<_>>(), [10, 2, 10, 5]);
    check_limits(&rows, &packed);
}

#[test]
fn group_changes_ride_free_in_the_user_command_a_row_needs_anyway() {
    // Each row changes a product configuration (only a user command can) and joins one of 20 groups.
    let rows: Vec<RowChanges> = (0..5000)
        .map(|index| {
            let group = format!("G{:02}", index % 20);
            row(index, &[], &["Photoshop - Default", group.as_str()])
        })
        .collect();
    let packed = pack_edit(&rows, packable);
    assert!(packed.group_commands.is_empty());
    assert!(packed.chains.iter().all(|chain| chain.len() == 1));
    assert_eq!(requests(&packed), 500);
    assert_eq!(packed.bound.user_commands, 5000);
    assert_eq!(packed.bound.packable_changes, 0);
    assert_eq!(packed.bound.requests, 500);
    assert_eq!(sent_changes(&packed), wanted_changes(&rows));
}

#[test]
fn group_changes_that_do_not_fit_the_users_command_are_packed() {
    // 10 product configurations fill one step; 95 more admin groups fill the command's other nine
    // steps; the group join would need a second command, so it is packed instead.
    let fixed: Vec<String> = (0..100).map(|index| format!("_admin_P{index}")).collect();
    let mut add: Vec<&str> = fixed.iter().map(String::as_str).collect();
    add.push("Designers");
    let rows = vec![row(0, &[], &add)];
    let packed = pack_edit(&rows, packable);
    assert_eq!(packed.chains[0].len(), 1);
    assert_eq!(packed.group_commands.len(), 1);
    assert_eq!(
        packed.bound,
        LowerBound { user_commands: 1, packable_changes: 0, longest_chain: 1, commands: 1, requests: 1 }
    );
    assert_eq!(sent_changes(&packed), wanted_changes(&rows));
}

#[test]
fn rows_whose_changes_are_few_stay_user_commands() {
    // Two rows join groups nobody else joins; forty rows share Designers.
    let mut rows = vec![row(0, &[], &["G01", "G02"]), row(1, &["G03"], &[])];
    rows.extend((2..42).map(|index| row(index, &[], &["Designers"])));
    let packed = pack_edit(&rows, packable);
    assert_eq!(packed.chains[0].len(), 1, "two singleton groups: one user command beats two group commands");
    assert_eq!(packed.chains[1].len(), 1, "a tie goes to the user command");
    assert_eq!(packed.group_commands.len(), 1);
    assert_eq!(packed.group_commands[0].command.usergroup.as_deref(), Some("Designers"));
    assert_eq!(sent_changes(&packed), wanted_changes(&rows));
    // The greedy result: 3 commands, 1 request; the bound: ceil(44 / 100) = 1 command.
    assert_eq!(requests(&packed), 1);
    assert_eq!(packed.bound.commands, 1);
}

#[test]
fn users_a_list_cannot_name_and_read_only_groups_stay_user_commands() {
    let mut adobe = row(0, &[], &["Designers"]);
    adobe.root.use_adobe_id = Some(true);
    let mut by_login = row(1, &[], &["Designers"]);
    by_login.root = Command { user: Some("jdoe".into()), domain: Some("sso.example.net".into()), ..Command::default() };
    let shared = row(2, &[], &["Shared"]);
    let mut rows = vec![adobe, by_login, shared];
    rows.extend((3..40).map(|index| row(index, &[], &["Designers", "Shared"])));
    let packed = pack_edit(&rows, packable);
    assert!(packed.chains[..3].iter().all(|chain| chain.len() == 1));
    // The others join Shared by user command, and Designers rides in it for free.
    assert!(packed.group_commands.is_empty());
    assert!(!list_can_name(&rows[0].root) && !list_can_name(&rows[1].root) && list_can_name(&rows[2].root));
    assert_eq!(packed.bound.user_commands, 40);
    assert_eq!(sent_changes(&packed), wanted_changes(&rows));
}

#[test]
fn a_large_group_spills_into_several_commands_and_the_rest_fills_requests() {
    // 2,000 users leave three groups: 20 commands a group, 6 requests.
    let rows: Vec<RowChanges> = (0..2000).map(|index| row(index, &["G1", "G2", "G3"], &[])).collect();
    let packed = pack_edit(&rows, packable);
    assert_eq!(packed.group_commands.len(), 60);
    assert_eq!(requests(&packed), 6);
    assert_eq!(packed.bound.requests, 6);
    check_limits(&rows, &packed);
}

#[test]
fn resends_become_one_user_command_per_user_or_group_commands_again() {
    let source = |row: usize| MemberSource { row_index: row, line: row as u64 + 2 };
    let resend = |group: &str, add: bool, row: usize| Resend {
        group: group.into(),
        add,
        user: format!("user{row}@example.com"),
        source: source(row),
    };
    let resends = vec![resend("Finance", true, 4), resend("Designers", false, 4), resend("Finance", true, 7)];
    let chains = resend_as_user_commands(&resends);
    assert_eq!(chains.len(), 2);
    let first = &chains[0][0];
    assert_eq!((first.row_index, first.command.user.as_deref()), (4, Some("user4@example.com")));
    assert_eq!(first.command.steps.iter().map(Step::name).collect::<Vec<_>>(), ["remove", "add"]);
    assert_eq!(first.command.request_id.as_deref(), Some("line-6"));
    let packed = resend_packed(&resends, 7);
    assert_eq!(packed.len(), 2);
    assert_eq!(packed[0].command.usergroup.as_deref(), Some("Finance"));
    assert_eq!(packed[0].members, vec![vec![source(4), source(7)]]);
    assert_eq!(packed[1].command.request_id.as_deref(), Some("usergroup-8"));
}

proptest::proptest! {
    #![proptest_config(proptest::prelude::ProptestConfig::with_cases(64))]

    /// Whatever the rows: every wanted change is sent exactly once, the limits hold, the result
    /// is never below the lower bound nor above the per-user count, and it stays within 1.2 × the
    /// bound plus one request.
    #[test]
    fn packing_sends_each_change_once_within_the_limits_and_the_bounds(
        shapes in proptest::collection::vec((0_u8..6, 0_u8..6, 0_u8..4, proptest::bool::ANY), 1..400),
    ) {
        let groups = ["G0", "G1", "G2", "G3", "G4", "G5"];
        let rows: Vec<RowChanges> = shapes
            .iter()
            .enumerate()
            .map(|(index, (leave, join, fixed, adobe))| {
                let mut add: Vec<&str> = vec![groups[usize::from(*join)]];
                add.extend(["Photoshop - Default", "_admin_G0", "_support_admin"].iter().take(usize::from(*fixed)));
                let remove: Vec<&str> = if leave != join { vec![groups[usize::from(*leave)]] } else { Vec::new() };
                let mut changes = row(index, &remove, &add);
                if *adobe && index % 7 == 0 {
                    changes.root.use_adobe_id = Some(true);
                }
                changes
            })
            .collect();
        let packed = pack_edit(&rows, packable);
        check_limits(&rows, &packed);
        proptest::prop_assert_eq!(sent_changes(&packed), wanted_changes(&rows));
        let ours = requests(&packed);
        let per_user = pack(
            rows.iter()
                .map(|row| {
                    let mut row_steps = steps::remove_steps(&row.remove);
                    row_steps.extend(steps::add_steps(&row.add));
                    steps::into_commands(&row.root, row.line, row_steps)
                        .into_iter()
                        .map(|command| PlannedCommand::for_row(row.row_index, row.line, command))
                        .collect()
                })
                .collect(),
        )
        .len();
        proptest::prop_assert!(packed.bound.requests <= ours, "bound {} > ours {ours}", packed.bound.requests);
        proptest::prop_assert!(ours <= per_user, "ours {ours} > per user {per_user}");
        proptest::prop_assert!(ours * 5 <= packed.bound.requests * 6 + 5, "ours {ours}, bound {}", packed.bound.requests);
    }
}
