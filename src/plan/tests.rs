//! Planner tests over the demo catalogue: each operation, splitting, the removals guard, skips.

use super::*;
use crate::model::AdminRole;
use crate::plan::catalogue::tests::demo_groups;
use crate::umapi::wire::{Step, User};

fn options() -> PlanOptions {
    PlanOptions { update_existing: false, additive: false, max_removals: 500, delete_accounts: false }
}

fn enterprise_row(index: usize, email: &str) -> UserRow {
    UserRow {
        line: index as u64 + 2,
        index,
        identity_type: Some(IdentityType::EnterpriseId),
        username: email.into(),
        email: email.into(),
        first_name: "Ann".into(),
        last_name: "Lee".into(),
        country: "GB".into(),
        ..UserRow::default()
    }
}

fn demo_directory() -> Directory {
    Directory::from_users((1..=12).map(|number| User {
        email: format!("user{number:02}@example.com"),
        username: format!("user{number:02}@example.com"),
        user_type: "enterpriseID".into(),
        groups: vec!["Designers".into()],
        ..User::default()
    }))
}

#[test]
fn add_creates_then_joins_every_mapped_group() {
    let catalogue = Catalogue::from_groups(&demo_groups());
    let mut row = enterprise_row(0, "new@example.com");
    row.product_configurations = Some(vec!["Photoshop - Default".into()]);
    row.user_groups = Some(vec!["Contractors".into()]);
    row.admin_roles = Some(vec![AdminRole::UserGroup]);
    row.user_groups_administered = Some(vec!["Contractors".into()]);
    let plan = plan_users(Operation::Add, &options(), &[row], &catalogue, None).unwrap_or_default();
    assert_eq!(plan.requests.len(), 1);
    let command = &plan.requests[0].commands[0].command;
    assert!(matches!(command.steps[0], Step::CreateEnterpriseId(_)));
    let joined: Vec<&String> = steps::added_groups(command).collect();
    assert_eq!(joined, vec!["Photoshop - Default", "Contractors", "_admin_Contractors"]);
    assert_eq!(command.request_id.as_deref(), Some("line-2"));
    assert_eq!(plan.licences.len(), 1);
}

#[test]
fn fifty_adds_make_five_requests_in_input_order() {
    let catalogue = Catalogue::from_groups(&demo_groups());
    let rows: Vec<UserRow> = (0..50).map(|index| enterprise_row(index, &format!("n{index}@example.com"))).collect();
    let plan = plan_users(Operation::Add, &options(), &rows, &catalogue, None).unwrap_or_default();
    assert_eq!(plan.requests.len(), 5);
    assert_eq!(plan.command_count(), 50);
    assert_eq!(plan.requests[4].commands[9].row_index, 49);
}

#[test]
fn edit_of_unknown_user_is_an_issue_and_unchanged_user_is_skipped() {
    let catalogue = Catalogue::from_groups(&demo_groups());
    let mut unchanged = enterprise_row(0, "user01@example.com");
    unchanged.user_groups = Some(vec!["Designers".into()]);
    let mut moved = enterprise_row(1, "user02@example.com");
    moved.user_groups = Some(vec!["Contractors".into()]);
    let mut ghost = enterprise_row(2, "ghost@example.com");
    ghost.user_groups = Some(vec![]);
    let directory = demo_directory();
    let plan = plan_users(Operation::Edit, &options(), &[unchanged, moved, ghost], &catalogue, Some(&directory))
        .unwrap_or_default();
    assert!(matches!(plan.rows[0].action, RowAction::Skipped { .. }));
    assert_eq!(
        plan.rows[1].action,
        RowAction::Edit { leave: vec!["Designers".into()], join: vec!["Contractors".into()] }
    );
    assert_eq!(plan.issues.len(), 1);
    assert_eq!(plan.issues[0].code.as_str(), "E104");
    assert_eq!(plan.command_count(), 1);
    let steps = &plan.requests[0].commands[0].command.steps;
    assert!(matches!(steps[0], Step::Remove(_)) && matches!(steps[1], Step::Add(_)));
    assert_eq!(plan.removals, 1);
}

#[test]
fn removals_guard_refuses_the_plan_unless_additive() {
    let catalogue = Catalogue::from_groups(&demo_groups());
    let rows: Vec<UserRow> = (1..=3)
        .map(|number| {
            let mut row = enterprise_row(number, &format!("user{number:02}@example.com"));
            row.user_groups = Some(vec![]);
            row
        })
        .collect();
    let directory = demo_directory();
    let strict = PlanOptions { max_removals: 2, ..options() };
    let refused = plan_users(Operation::Edit, &strict, &rows, &catalogue, Some(&directory));
    assert_eq!(refused.err(), Some(PlanError::TooManyRemovals { count: 3, limit: 2 }));
    let additive = PlanOptions { additive: true, ..strict };
    let plan = plan_users(Operation::Edit, &additive, &rows, &catalogue, Some(&directory)).unwrap_or_default();
    assert_eq!(plan.command_count(), 0);
}

#[test]
fn remove_skips_users_not_in_the_org_and_revoke_targets_adobe_ids() {
    let catalogue = Catalogue::from_groups(&demo_groups());
    let directory = demo_directory();
    let rows = vec![enterprise_row(0, "user11@example.com"), enterprise_row(1, "nobody@example.com")];
    let plan = plan_users(Operation::Remove, &options(), &rows, &catalogue, Some(&directory)).unwrap_or_default();
    assert_eq!(plan.command_count(), 1);
    assert!(matches!(plan.rows[1].action, RowAction::Skipped { .. }));

    let invitations = vec![InvitationRow { line: 2, index: 0, email: "adobe01@gmail.com".into() }];
    let plan = plan_invitations(&invitations, None);
    let command = &plan.requests[0].commands[0].command;
    assert_eq!(command.use_adobe_id, Some(true));
    assert!(matches!(&command.steps[0], Step::RemoveFromOrg(fields) if !fields.delete_account));
}
