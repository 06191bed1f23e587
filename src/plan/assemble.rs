//! Checked file + what was read of the org → the plan document: every input record with its fate
//! (planned, invalid with the first diagnostic, skipped with the reason), the executor's batches,
//! the catalogue, the before-images and the fingerprint. Shared by `plan` and `apply`: the step
//! between validation's [`CheckedFile`] and the [`PlanDocument`] that `execute` and `report` use.
//! Pure: the org was read before (`org::reads`), the clock is read once for `created_at`.

use std::collections::{BTreeSet, HashMap};

use time::OffsetDateTime;

use crate::model::{IdentityType, Operation};
use crate::plan::batching::to_batches;
use crate::plan::catalogue::GroupKind;
use crate::plan::document::{FORMAT_VERSION, PlanDocument, RowEntry, RowFate, SavedOptions};
use crate::plan::memberships::dimension_of;
use crate::plan::snapshot::{Lookup, OrgSnapshot};
use crate::plan::{self, Plan, PlanError, PlanOptions, RowAction};
use crate::text::rfc3339;
use crate::validation::{CheckedFile, RowStatus, ValidRow};

/// The users a file's valid rows name (for the reads of edit, remove and revoke).
pub fn lookups(checked: &CheckedFile) -> Vec<Lookup> {
    checked
        .valid()
        .map(|(_, row)| match row {
            ValidRow::User(user) => {
                Lookup { email: user.email.clone(), identity_type: user.identity_type, login: user.login() }
            }
            ValidRow::Invitation(invitation) => {
                Lookup { email: invitation.email.clone(), identity_type: Some(IdentityType::AdobeId), login: None }
            }
        })
        .collect()
}

/// Plans the valid rows of a checked file against what was read.
pub fn plan_rows(
    checked: &CheckedFile,
    operation: Operation,
    options: &PlanOptions,
    snapshot: &OrgSnapshot,
) -> Result<Plan, PlanError> {
    let mut users = Vec::new();
    let mut invitations = Vec::new();
    for (_, row) in checked.valid() {
        match row {
            ValidRow::User(user) => users.push(user.clone()),
            ValidRow::Invitation(invitation) => invitations.push(invitation.clone()),
        }
    }
    if operation == Operation::Revoke {
        Ok(plan::plan_invitations(&invitations, snapshot.directory.as_ref()))
    } else {
        plan::plan_users(operation, options, &users, &snapshot.catalogue, snapshot.directory.as_ref())
    }
}

/// A one-line description of a row's action (`create, + A, + B`; `- A, + B`).
pub fn describe(action: &RowAction) -> String {
    let list = |sign: &str, names: &[String]| names.iter().map(|name| format!("{sign} {name}")).collect::<Vec<_>>();
    match action {
        RowAction::Create { join } => {
            std::iter::once("create".to_string()).chain(list("+", join)).collect::<Vec<_>>().join(", ")
        }
        RowAction::Edit { leave, join } => {
            list("-", leave).into_iter().chain(list("+", join)).collect::<Vec<_>>().join(", ")
        }
        RowAction::Remove { delete_account: true } => "remove from the org and delete the account".into(),
        RowAction::Remove { delete_account: false } => "remove from the org".into(),
        RowAction::Revoke => "revoke the invitation".into(),
        RowAction::Skipped { reason } => format!("skip: {reason}"),
    }
}

/// Everything that describes a plan run, besides the rows.
pub struct DocumentContext<'a> {
    /// The input file as given.
    pub file: &'a str,
    /// The org.
    pub org_id: &'a str,
    /// Whether the org is the built-in simulator.
    pub simulator: bool,
    /// Options recorded in the document.
    pub options: SavedOptions,
}

/// Assembles the plan document.
pub fn document(
    checked: &CheckedFile,
    plan: &Plan,
    snapshot: &OrgSnapshot,
    operation: Operation,
    context: DocumentContext<'_>,
) -> PlanDocument {
    let planned: HashMap<usize, &plan::RowPlan> = plan.rows.iter().map(|row| (row.row_index, row)).collect();
    let issues: HashMap<usize, &plan::PlanIssue> =
        plan.issues.iter().rev().map(|issue| (issue.row_index, issue)).collect();
    let mut before = Vec::new();
    let rows = checked
        .records
        .iter()
        .zip(&checked.rows)
        .enumerate()
        .map(|(index, (record, status))| {
            let user = match status {
                RowStatus::Valid(ValidRow::User(row)) => row.email.clone(),
                RowStatus::Valid(ValidRow::Invitation(row)) => row.email.clone(),
                RowStatus::Invalid => String::new(),
            };
            let mut joins = Vec::new();
            let mut group_joins = Vec::new();
            let mut login = None;
            let fate = if let RowStatus::Invalid = status {
                let (code, message) = checked.first_error_for_line(record.line).map_or_else(
                    || ("E000".to_string(), "the file cannot be used".to_string()),
                    |diagnostic| {
                        let column = diagnostic
                            .column
                            .as_ref()
                            .map(|column| format!("column \"{column}\": "))
                            .unwrap_or_default();
                        (diagnostic.code.as_str().to_string(), format!("{column}{}", diagnostic.message))
                    },
                );
                RowFate::Invalid { code, message }
            } else if let Some(issue) = issues.get(&index) {
                let hint = issue.hint.as_ref().map(|hint| format!(" ({hint})")).unwrap_or_default();
                RowFate::Invalid {
                    code: issue.code.as_str().to_string(),
                    message: format!("column \"{}\": {}{hint}", issue.column, issue.message),
                }
            } else if let Some(row_plan) = planned.get(&index) {
                if let RowAction::Create { join } | RowAction::Edit { join, .. } = &row_plan.action {
                    group_joins = join
                        .iter()
                        .filter(|name| snapshot.catalogue.kind_of(name) == Some(GroupKind::UserGroup))
                        .cloned()
                        .collect();
                    joins =
                        join.iter().filter(|name| snapshot.catalogue.configuration(name).is_some()).cloned().collect();
                }
                if let (Some(directory), false) =
                    (&snapshot.directory, matches!(row_plan.action, RowAction::Skipped { .. }))
                    && let Some(found) =
                        directory.find_named(&row_plan.user, row_plan.identity_type, row_plan.login.as_ref())
                {
                    before.push(found.clone());
                }
                if !matches!(row_plan.action, RowAction::Skipped { .. }) {
                    login.clone_from(&row_plan.login);
                }
                match &row_plan.action {
                    RowAction::Skipped { reason } => RowFate::Skipped { reason: reason.clone() },
                    action => RowFate::Planned { description: describe(action) },
                }
            } else {
                RowFate::Invalid { code: "E000".into(), message: "the row was not planned".into() }
            };
            RowEntry { line: record.line, fields: record.fields.clone(), user, login, fate, joins, group_joins }
        })
        .collect();
    PlanDocument {
        format: FORMAT_VERSION,
        tool_version: env!("CARGO_PKG_VERSION").to_string(),
        created_at: rfc3339(OffsetDateTime::now_utc()),
        operation,
        file: context.file.to_string(),
        org_id: context.org_id.to_string(),
        simulator: context.simulator,
        options: context.options,
        header: checked.header.clone(),
        delimiter: char::from(checked.delimiter),
        rows,
        batches: to_batches(&plan.requests),
        catalogue: snapshot.groups.clone(),
        before,
        fingerprint: snapshot.fingerprint(&referenced_groups(plan, snapshot)),
        licences: plan.licences.clone(),
        packing: plan.packing,
    }
}

/// The group names a plan depends on: every name its rows join or leave, and every managed group of
/// the users it looked up (an edit's diff was computed from them).
fn referenced_groups(plan: &Plan, snapshot: &OrgSnapshot) -> BTreeSet<String> {
    let mut names = BTreeSet::new();
    for row in &plan.rows {
        match &row.action {
            RowAction::Create { join } => names.extend(join.iter().cloned()),
            RowAction::Edit { leave, join } => names.extend(leave.iter().chain(join).cloned()),
            _ => {}
        }
    }
    for user in snapshot.lookups.iter().filter_map(|(_, user)| user.as_ref()) {
        names.extend(user.groups.iter().filter(|group| dimension_of(group, &snapshot.catalogue).is_some()).cloned());
    }
    // Admin groups exist implicitly with their profile, group or product (the groups endpoint lists
    // them only while they have members), so their listing is no fact the plan depends on.
    names.retain(|name| !name.starts_with('_'));
    names
}
