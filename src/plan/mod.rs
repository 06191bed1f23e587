//! Valid rows (+ what was read of the org) → ordered UMAPI commands → request batches → the plan
//! document. [`plan_users`] / [`plan_invitations`] plan rows; [`assemble`] takes validation's
//! checked file and the [`snapshot`] that `org::reads` filled to the [`document`] that `execute`
//! runs and `report` reports on; [`render`] shows a plan, [`file`] saves and loads `plan.json`.
//! Pure but for `file` (the one file that does I/O) and the clock read for a document's date; it
//! never reads the org itself and must not import `execute`: the executor takes this module's
//! [`batch::Batch`]es.
//!
//! Every command carries its source row; rows that cannot be planned (unknown names, a user the
//! edit cannot find) become [`PlanIssue`]s with a code, the column and a did-you-mean; rows that need
//! nothing sent (an edit that changes nothing, a remove of someone not in the org) are
//! [`RowAction::Skipped`] with the reason.

pub mod assemble;
pub mod batch;
pub mod batching;
pub mod catalogue;
pub mod directory;
pub mod document;
pub mod estimate;
pub mod file;
pub mod licences;
pub mod memberships;
pub mod packing;
pub mod render;
pub mod snapshot;
pub mod steps;

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

use crate::model::{IdentityType, InvitationRow, Login, Operation, UserRow};
use crate::plan::batching::{PlannedCommand, PlannedRequest};
use crate::plan::catalogue::Catalogue;
use crate::plan::directory::Directory;
use crate::plan::licences::{Join, LicenceForecast};
use crate::plan::memberships::MembershipDiff;
use crate::validation::{Code, Diagnostic};

/// What shapes a plan besides the operation (SPEC 3, UMAPI.md D): the planning flags of `plan` and
/// `apply`, as the settings step resolves them and as plan documents record them.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct PlanOptions {
    /// add: `updateIfAlreadyExists` instead of `ignoreIfAlreadyExists`.
    pub update_existing: bool,
    /// edit: only add.
    pub additive: bool,
    /// edit: refuse plans removing more memberships than this.
    pub max_removals: usize,
    /// remove: delete Enterprise/Federated accounts too.
    pub delete_accounts: bool,
}

impl Default for PlanOptions {
    /// The command line's defaults.
    fn default() -> Self {
        Self { update_existing: false, additive: false, max_removals: DEFAULT_MAX_REMOVALS, delete_accounts: false }
    }
}

/// `--max-removals` when not given.
pub const DEFAULT_MAX_REMOVALS: usize = 500;

/// A row the planner cannot plan.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct PlanIssue {
    /// Stable code (`E1xx`: plan-time, needs the org).
    pub code: Code,
    /// Source row (0-based).
    pub row_index: usize,
    /// Source line.
    pub line: u64,
    /// Column the problem is in.
    pub column: String,
    /// The offending value.
    pub value: String,
    /// What is wrong.
    pub message: String,
    /// How to fix it.
    pub hint: Option<String>,
}

impl PlanIssue {
    /// E101–E103: a name the org does not have.
    pub fn unknown_name(row: &UserRow, column: &str, name: &str, suggestions: &[String]) -> Self {
        let (code, what) = match column {
            "Product Configurations" | "Product Configurations Administered" => {
                (Code::ProductConfigurationNotInOrg, "product configuration")
            }
            "User Groups" | "User Groups Administered" => (Code::UserGroupNotInOrg, "user group"),
            _ => (Code::ProductNotInOrg, "product"),
        };
        let hint = match suggestions {
            [] => format!("the org has no {what} by that name; `umapi-bulk export users` lists the names in use"),
            [only] => format!("did you mean \"{only}\"?"),
            several => format!(
                "did you mean one of: {}?",
                several.iter().map(|name| format!("\"{name}\"")).collect::<Vec<_>>().join(", ")
            ),
        };
        Self {
            code,
            row_index: row.index,
            line: row.line,
            column: column.to_string(),
            value: name.to_string(),
            message: format!("the org has no {what} \"{name}\""),
            hint: Some(hint),
        }
    }

    /// E104: the user an edit names is not in the org.
    pub fn user_not_found(row: &UserRow) -> Self {
        let kind = row.identity_type.map_or("user".to_string(), |kind| format!("{kind} user"));
        Self {
            code: Code::UserNotInOrg,
            row_index: row.index,
            line: row.line,
            column: "Email".into(),
            value: row.email.clone(),
            message: format!("no {kind} with email \"{}\" in the org", row.email),
            hint: Some("add the user first (--op add), or check the Email and Identity Type".into()),
        }
    }

    /// The issue as a diagnostic, for the one diagnostic renderer (`validation::render`).
    pub fn diagnostic(&self) -> Diagnostic {
        let mut diagnostic =
            Diagnostic::new(self.code, self.message.clone()).at_line(self.line).in_column(&self.column, None);
        diagnostic = diagnostic.with_value(&self.value);
        match &self.hint {
            Some(hint) => diagnostic.with_hint(hint.clone()),
            None => diagnostic,
        }
    }
}

/// What the plan does for one row.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
#[serde(tag = "action", rename_all = "snake_case")]
pub enum RowAction {
    /// add: create the user (if absent) and join groups.
    Create {
        /// Groups joined.
        join: Vec<String>,
    },
    /// edit: leave and join groups.
    Edit {
        /// Groups left.
        leave: Vec<String>,
        /// Groups joined.
        join: Vec<String>,
    },
    /// remove: remove from the org.
    Remove {
        /// Whether the account is deleted too.
        delete_account: bool,
    },
    /// revoke: remove the pending invitation.
    Revoke,
    /// Nothing is sent for this row.
    Skipped {
        /// Why.
        reason: String,
    },
}

/// One planned row.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct RowPlan {
    /// Source row (0-based).
    pub row_index: usize,
    /// Source line.
    pub line: u64,
    /// The user's email.
    pub user: String,
    /// Identity type, when known.
    pub identity_type: Option<IdentityType>,
    /// The username and domain the commands name the user by, for a Federated ID that signs in
    /// with a username (otherwise the commands name the user by email).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub login: Option<Login>,
    /// What happens.
    #[serde(flatten)]
    pub action: RowAction,
}

/// A whole plan.
#[derive(Clone, Debug, Default)]
pub struct Plan {
    /// Planned rows, in input order (rows with issues are absent).
    pub rows: Vec<RowPlan>,
    /// Rows that cannot be planned.
    pub issues: Vec<PlanIssue>,
    /// Action requests, in send order.
    pub requests: Vec<PlannedRequest>,
    /// Memberships the plan removes (edit).
    pub removals: usize,
    /// Licence forecast per product configuration the plan joins.
    pub licences: Vec<LicenceForecast>,
    /// Edit: how the membership changes were packed, against the per-user plan and the lower bound.
    pub packing: Option<PackingSummary>,
}

/// What packing made of an edit's membership changes (`plan` shows it; SPEC 9 "planning").
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct PackingSummary {
    /// Membership changes the plan makes (groups left and joined, every kind).
    pub membership_changes: usize,
    /// Of those, carried by `usergroup` commands.
    pub packed_changes: usize,
    /// `usergroup` commands.
    pub usergroup_commands: usize,
    /// Action requests of the plan.
    pub requests: usize,
    /// Action requests of the same changes as one `user` command per user (what Adobe's client
    /// and the User Sync Tool send).
    pub per_user_requests: usize,
    /// The lower bound the plan is measured against (`packing`).
    pub lower_bound: packing::LowerBound,
}

impl Plan {
    /// Commands across all requests.
    pub fn command_count(&self) -> usize {
        self.requests.iter().map(|request| request.commands.len()).sum()
    }
}

/// Why a plan cannot be used: the planner refuses it as a whole (the removals guard), or its
/// batches cannot be executed (a plan document that was edited or is corrupt).
#[derive(Debug, thiserror::Error, PartialEq, Eq)]
pub enum PlanError {
    /// The edit would remove more memberships than allowed.
    #[error("the plan removes {count} memberships, more than --max-removals {limit}")]
    TooManyRemovals {
        /// Memberships the plan removes.
        count: usize,
        /// The limit.
        limit: usize,
    },
    /// Two batches share an id.
    #[error("batch id {id:?} appears twice in the plan")]
    DuplicateId {
        /// The repeated id.
        id: String,
    },
    /// A batch's `sources` is not aligned with its `commands`.
    #[error("batch {id}: {commands} commands but {sources} sources (they must be aligned)")]
    Misaligned {
        /// The batch.
        id: String,
        /// Number of commands.
        commands: usize,
        /// Number of sources.
        sources: usize,
    },
    /// A packed command's member sources do not match its steps and their user lists.
    #[error("batch {id}: command {command} names other users than its member sources (they must be aligned)")]
    MembersMisaligned {
        /// The batch.
        id: String,
        /// The command's index in the batch.
        command: usize,
    },
    /// A batch has no commands or more than UMAPI accepts in one request.
    #[error("batch {id}: {commands} commands (a request carries 1 to {max})", max = crate::umapi::wire::MAX_COMMANDS_PER_REQUEST)]
    BadSize {
        /// The batch.
        id: String,
        /// Number of commands.
        commands: usize,
    },
    /// A batch waits for a batch that is not earlier in the plan.
    #[error("batch {id} waits for {after:?}, which is not an earlier batch of the plan")]
    UnknownDependency {
        /// The batch.
        id: String,
        /// The id it names.
        after: String,
    },
}

/// Plans user-CSV rows (add, edit, remove). `directory` holds the users the planner read (needed for
/// edit; for remove it lets absent users be skipped instead of "succeeding").
pub fn plan_users(
    operation: Operation,
    options: &PlanOptions,
    rows: &[UserRow],
    catalogue: &Catalogue,
    directory: Option<&Directory>,
) -> Result<Plan, PlanError> {
    let mut plan = Plan::default();
    let mut chains = Vec::new();
    let mut joins = Vec::new();
    let mut leaves: BTreeMap<String, u64> = BTreeMap::new();
    // Edited rows' changes (with the place of their chain), for packing.
    let mut edits: Vec<(usize, packing::RowChanges)> = Vec::new();
    for row in rows {
        // Add names the user as the row does; edit and remove as the org read found it (UMAPI.md 2a,
        // 6a: a Federated ID that signs in with a username is named by username + domain).
        let row_login = row.login();
        let found =
            directory.and_then(|directory| directory.find_named(&row.email, row.identity_type, row_login.as_ref()));
        let login = match operation {
            Operation::Add => row_login.clone(),
            _ => found.map_or_else(|| row_login.clone(), found_login),
        };
        let root = steps::root_for(&row.email, row.identity_type, login.as_ref());
        let (action, row_steps) = match operation {
            Operation::Add | Operation::Edit => {
                let wanted = match memberships::wanted_for_row(row, catalogue) {
                    Ok(wanted) => wanted,
                    Err(issues) => {
                        plan.issues.extend(issues);
                        continue;
                    }
                };
                if operation == Operation::Add {
                    let join = wanted.all_names();
                    let mut row_steps = vec![steps::create_step(row, options.update_existing)];
                    row_steps.extend(steps::add_steps(&join));
                    // Last: if setting the username fails, the memberships are in place already.
                    row_steps.extend(steps::username_step(row));
                    (RowAction::Create { join }, row_steps)
                } else {
                    let Some(current) = found else {
                        plan.issues.push(PlanIssue::user_not_found(row));
                        continue;
                    };
                    let MembershipDiff { remove, add } =
                        memberships::diff(&current.groups, &wanted, catalogue, options.additive);
                    if remove.is_empty() && add.is_empty() {
                        let reason = "no change needed: memberships already match the file".to_string();
                        (RowAction::Skipped { reason }, Vec::new())
                    } else {
                        plan.removals += remove.len();
                        for name in &remove {
                            if catalogue.configuration(name).is_some() {
                                *leaves.entry(name.clone()).or_default() += 1;
                            }
                        }
                        let mut row_steps = steps::remove_steps(&remove);
                        row_steps.extend(steps::add_steps(&add));
                        let changes = packing::RowChanges {
                            row_index: row.index,
                            line: row.line,
                            root: root.clone(),
                            remove: remove.clone(),
                            add: add.clone(),
                        };
                        edits.push((chains.len(), changes));
                        (RowAction::Edit { leave: remove, join: add }, row_steps)
                    }
                }
            }
            Operation::Remove | Operation::Revoke => {
                let absent = directory.is_some() && found.is_none();
                if absent {
                    let reason = "not in the org: nothing to remove".to_string();
                    (RowAction::Skipped { reason }, Vec::new())
                } else {
                    let step = steps::remove_from_org_step(row.identity_type, options.delete_accounts);
                    let delete_account =
                        matches!(&step, crate::umapi::wire::Step::RemoveFromOrg(fields) if fields.delete_account);
                    (RowAction::Remove { delete_account }, vec![step])
                }
            }
        };
        if let RowAction::Create { join } | RowAction::Edit { join, .. } = &action {
            for name in join.iter().filter(|name| catalogue.configuration(name).is_some()) {
                joins.push(Join {
                    configuration: name.clone(),
                    row_index: row.index,
                    line: row.line,
                    user: row.email.clone(),
                });
            }
        }
        chains.push(chain(row.index, row.line, steps::into_commands(&root, row.line, row_steps)));
        plan.rows.push(RowPlan {
            row_index: row.index,
            line: row.line,
            user: row.email.clone(),
            identity_type: row.identity_type,
            login,
            action,
        });
    }
    if operation == Operation::Edit && !options.additive && plan.removals > options.max_removals {
        return Err(PlanError::TooManyRemovals { count: plan.removals, limit: options.max_removals });
    }
    plan.licences = licences::forecast(catalogue, &joins, &leaves);
    if edits.is_empty() {
        plan.requests = batching::pack(chains);
    } else {
        let (slots, changes): (Vec<usize>, Vec<packing::RowChanges>) = edits.into_iter().unzip();
        let packed = packing::pack_edit(&changes, |name| catalogue.packable_user_group(name));
        let per_user_requests = batching::pack(chains.clone()).len();
        for (slot, chain) in slots.into_iter().zip(packed.chains) {
            chains[slot] = chain;
        }
        plan.requests = batching::pack_with_groups(chains, packed.group_commands.clone());
        plan.packing = Some(PackingSummary {
            membership_changes: changes.iter().map(|row| row.remove.len() + row.add.len()).sum(),
            packed_changes: packed.packed_changes,
            usergroup_commands: packed.group_commands.len(),
            requests: plan.requests.len(),
            per_user_requests,
            lower_bound: packed.bound,
        });
    }
    Ok(plan)
}

/// Plans invitation-CSV rows (revoke): `removeFromOrg {deleteAccount: false}` with `useAdobeID: true`
/// (UMAPI.md D "revoke"). With a directory, emails that are not pending Adobe IDs are skipped.
pub fn plan_invitations(rows: &[InvitationRow], directory: Option<&Directory>) -> Plan {
    let mut plan = Plan::default();
    let mut chains = Vec::new();
    for row in rows {
        let pending =
            directory.is_none_or(|directory| directory.find(&row.email, Some(IdentityType::AdobeId)).is_some());
        let action = if pending {
            let root = steps::user_root(&row.email, Some(IdentityType::AdobeId));
            let step = steps::remove_from_org_step(Some(IdentityType::AdobeId), false);
            chains.push(chain(row.index, row.line, steps::into_commands(&root, row.line, vec![step])));
            RowAction::Revoke
        } else {
            RowAction::Skipped { reason: "no pending invitation for this email".into() }
        };
        plan.rows.push(RowPlan {
            row_index: row.index,
            line: row.line,
            user: row.email.clone(),
            identity_type: Some(IdentityType::AdobeId),
            login: None,
            action,
        });
    }
    plan.requests = batching::pack(chains);
    plan
}

/// The login of a user the org read found, when it signs in with a username.
fn found_login(user: &crate::umapi::wire::User) -> Option<Login> {
    Login::of(IdentityType::from_wire(&user.user_type), &user.username, &user.domain)
}

fn chain(row_index: usize, line: u64, commands: Vec<crate::umapi::wire::Command>) -> Vec<PlannedCommand> {
    commands.into_iter().map(|command| PlannedCommand::for_row(row_index, line, command)).collect()
}

#[cfg(test)]
mod tests;
