//! The plan as a document: everything a run needs to send exactly the planned requests and to write
//! its reports later, without the input file or the org — the header and every record, each row's
//! planned fate, the request batches, the catalogue and the users' before-images, and a
//! [`Fingerprint`] of the org state the plan was computed from (SPEC 8 "saved plans").
//!
//! `plan -o plan.json` saves one; `apply` writes one into every run folder before sending, and
//! `apply --resume` and `apply --plan` read it back. Pure: no I/O.

use std::collections::{BTreeMap, BTreeSet};

use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};

use crate::execute::Batch;
use crate::model::Operation;
use crate::umapi::wire::{Group, User};

/// The format version of plan documents.
pub const FORMAT_VERSION: u32 = 1;

/// Options the plan was made with (recorded so that a saved plan says how it was made).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize, Default)]
pub struct SavedOptions {
    /// `--update-existing`.
    pub update_existing: bool,
    /// `--additive`.
    pub additive: bool,
    /// `--max-removals`.
    pub max_removals: usize,
    /// `--delete-accounts`.
    pub delete_accounts: bool,
    /// `--skip-invalid` (apply).
    #[serde(default)]
    pub skip_invalid: bool,
}

/// What happens to one input record.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "status", rename_all = "snake_case")]
pub enum RowFate {
    /// Commands are planned for the row (in `batches`).
    Planned {
        /// A one-line description (`create, + Photoshop - Default`).
        description: String,
    },
    /// The row failed validation or planning; nothing is sent.
    Invalid {
        /// Diagnostic code (`E012`, `E101`, ...).
        code: String,
        /// What is wrong (with column and value).
        message: String,
    },
    /// Nothing needs sending.
    Skipped {
        /// Why.
        reason: String,
    },
}

/// One input record and its fate.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct RowEntry {
    /// 1-based line.
    pub line: u64,
    /// Original cells, in file order.
    pub fields: Vec<String>,
    /// The row's email (empty when unreadable).
    pub user: String,
    /// What happens.
    #[serde(flatten)]
    pub fate: RowFate,
    /// Product configurations the row joins directly (for the deficit report).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub joins: Vec<String>,
    /// User groups the row joins (they may grant product configurations the deficit report reads).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub group_joins: Vec<String>,
}

/// The org facts a plan depends on, and their hash.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize, Default)]
pub struct Fingerprint {
    /// SHA-256 of the canonical JSON of `groups` and `users`.
    pub sha256: String,
    /// Group names and types of the catalogue.
    pub groups: BTreeMap<String, String>,
    /// Per user the plan read (`email|type`): its sorted groups, or `None` when absent.
    pub users: BTreeMap<String, Option<Vec<String>>>,
    /// Groups the plan names that the org did not have.
    #[serde(default, skip_serializing_if = "BTreeSet::is_empty")]
    pub missing_groups: BTreeSet<String>,
}

impl Fingerprint {
    /// Computes the fingerprint of a catalogue and of the users a plan looked up. `users` holds one
    /// entry per looked-up `(email, wire type)` with what was found.
    pub fn compute<'a>(groups: &[Group], users: impl IntoIterator<Item = (String, Option<&'a User>)>) -> Self {
        let groups: BTreeMap<String, String> =
            groups.iter().map(|group| (group.group_name.clone(), group.group_type.clone())).collect();
        let users: BTreeMap<String, Option<Vec<String>>> = users
            .into_iter()
            .map(|(key, user)| {
                let groups = user.map(|user| {
                    let mut names = user.groups.clone();
                    names.sort();
                    names
                });
                (key, groups)
            })
            .collect();
        let mut fingerprint = Self { sha256: String::new(), groups, users, missing_groups: BTreeSet::new() };
        fingerprint.seal();
        fingerprint
    }

    /// Recomputes the hash over the facts (after `missing_groups` changed).
    pub fn seal(&mut self) {
        let canonical = serde_json::to_vec(&(&self.groups, &self.users, &self.missing_groups)).unwrap_or_default();
        self.sha256 = hex::encode(Sha256::digest(&canonical));
    }

    /// The group names the fingerprint covers (present or missing), to re-check the same ones later.
    pub fn group_names(&self) -> BTreeSet<String> {
        self.groups.keys().chain(&self.missing_groups).cloned().collect()
    }

    /// The key of a looked-up user.
    pub fn user_key(email: &str, wire_type: &str) -> String {
        format!("{}|{wire_type}", email.to_lowercase())
    }

    /// What changed between the saved fingerprint and a fresh one, one line each, readable.
    pub fn diff(&self, now: &Fingerprint) -> Vec<String> {
        let mut changes = Vec::new();
        for (name, kind) in &self.groups {
            match now.groups.get(name) {
                None => changes.push(format!("- group \"{name}\" ({kind}) no longer exists")),
                Some(current) if current != kind => {
                    changes.push(format!("~ group \"{name}\" changed type from {kind} to {current}"))
                }
                Some(_) => {}
            }
        }
        for (name, kind) in &now.groups {
            if !self.groups.contains_key(name) {
                changes.push(format!("+ group \"{name}\" ({kind}) was created"));
            }
        }
        for name in &self.missing_groups {
            if !now.missing_groups.contains(name) && !now.groups.contains_key(name) {
                changes.push(format!("+ group \"{name}\" now exists"));
            }
        }
        for (key, before) in &self.users {
            let user = key.split('|').next().unwrap_or(key);
            let after = now.users.get(key).cloned().flatten();
            match (before, after) {
                (None, Some(_)) => changes.push(format!("+ user {user} now exists")),
                (Some(_), None) => changes.push(format!("- user {user} is no longer in the org")),
                (Some(before), Some(after)) if before != &after => {
                    let before_set: BTreeSet<&String> = before.iter().collect();
                    let after_set: BTreeSet<&String> = after.iter().collect();
                    let joined: Vec<&str> = after_set.difference(&before_set).map(|name| name.as_str()).collect();
                    let left: Vec<&str> = before_set.difference(&after_set).map(|name| name.as_str()).collect();
                    let mut parts = Vec::new();
                    if !joined.is_empty() {
                        parts.push(format!("joined {}", joined.join(", ")));
                    }
                    if !left.is_empty() {
                        parts.push(format!("left {}", left.join(", ")));
                    }
                    changes.push(format!("~ user {user} {}", parts.join("; ")));
                }
                _ => {}
            }
        }
        changes
    }
}

/// A whole plan document.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct PlanDocument {
    /// [`FORMAT_VERSION`].
    pub format: u32,
    /// Version of the tool that wrote it.
    pub tool_version: String,
    /// When the plan was made (RFC 3339, UTC).
    pub created_at: String,
    /// The operation.
    pub operation: Operation,
    /// The input file as given.
    pub file: String,
    /// The org the plan is for.
    pub org_id: String,
    /// Whether the plan was made against the built-in simulator.
    pub simulator: bool,
    /// Options used.
    pub options: SavedOptions,
    /// The input header, as written.
    pub header: Vec<String>,
    /// Every input record, in order.
    pub rows: Vec<RowEntry>,
    /// The requests, in send order.
    pub batches: Vec<Batch>,
    /// The catalogue read when planning.
    pub catalogue: Vec<Group>,
    /// Before-images of the users the plan touches (edit, remove, revoke).
    #[serde(default)]
    pub before: Vec<User>,
    /// The org facts the plan depends on.
    pub fingerprint: Fingerprint,
    /// The licence forecast made when planning (test-mode runs report it as their deficit).
    #[serde(default)]
    pub licences: Vec<crate::plan::licences::LicenceForecast>,
}

impl PlanDocument {
    /// Commands across all batches.
    pub fn command_count(&self) -> usize {
        self.batches.iter().map(|batch| batch.commands.len()).sum()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn user(email: &str, groups: &[&str]) -> User {
        User {
            email: email.into(),
            user_type: "enterpriseID".into(),
            groups: groups.iter().map(|name| name.to_string()).collect(),
            ..User::default()
        }
    }

    fn group(name: &str, kind: &str) -> Group {
        Group { group_name: name.into(), group_type: kind.into(), ..Group::default() }
    }

    #[test]
    fn fingerprint_ignores_order_and_names_what_changed() {
        let groups = vec![group("Designers", "USER_GROUP"), group("Finance", "USER_GROUP")];
        let before_user = user("a@example.com", &["Finance", "Designers"]);
        let key = Fingerprint::user_key("A@example.com", "enterpriseID");
        let saved = Fingerprint::compute(&groups, [(key.clone(), Some(&before_user))]);
        let reordered_user = user("a@example.com", &["Designers", "Finance"]);
        let mut reversed = groups.clone();
        reversed.reverse();
        let same = Fingerprint::compute(&reversed, [(key.clone(), Some(&reordered_user))]);
        assert_eq!(saved.sha256, same.sha256);
        assert!(saved.diff(&same).is_empty());

        let moved = user("a@example.com", &["Designers", "Contractors"]);
        let changed_groups = vec![group("Designers", "USER_GROUP"), group("Contractors", "USER_GROUP")];
        let now = Fingerprint::compute(&changed_groups, [(key, Some(&moved))]);
        assert_ne!(saved.sha256, now.sha256);
        let diff = saved.diff(&now);
        assert_eq!(
            diff,
            vec![
                "- group \"Finance\" (USER_GROUP) no longer exists",
                "+ group \"Contractors\" (USER_GROUP) was created",
                "~ user a@example.com joined Contractors; left Finance",
            ]
        );
    }

    #[test]
    fn a_user_appearing_or_vanishing_is_a_change() {
        let key = Fingerprint::user_key("b@example.com", "enterpriseID");
        let present = user("b@example.com", &[]);
        let saved = Fingerprint::compute(&[], [(key.clone(), None)]);
        let now = Fingerprint::compute(&[], [(key, Some(&present))]);
        assert_eq!(saved.diff(&now), vec!["+ user b@example.com now exists"]);
        assert_eq!(now.diff(&saved), vec!["- user b@example.com is no longer in the org"]);
    }
}
