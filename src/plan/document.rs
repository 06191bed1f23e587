//! The plan as a document: everything a run needs to send exactly the planned requests and to write
//! its reports later, without the input file or the org — the header and every record, each row's
//! planned fate, the request batches, the catalogue and the users' before-images, and a
//! [`Fingerprint`] of the org state the plan was computed from (SPEC 8 "saved plans").
//!
//! `plan -o plan.json` saves one; `apply` writes one into every run folder before sending, and
//! `apply --resume` and `apply --plan` read it back. Pure: no I/O.

use std::cmp::Ordering;
use std::collections::{BTreeMap, BTreeSet};
use std::fmt;
use std::str::FromStr;

use serde::{Deserialize, Deserializer, Serialize, Serializer};
use sha2::{Digest, Sha256};

use crate::model::{IdentityType, Login, Operation};
use crate::plan::PlanOptions;
use crate::plan::batch::Batch;
use crate::umapi::wire::{Group, User};

/// The format version of plan documents written by this version. Version 2 may hold packed
/// `usergroup` commands (their sources name a row per user, `plan::batch::CommandSource`), which
/// an older umapi-bulk would send with every user's outcome given to one row: it refuses a
/// version-2 plan by its number. This version reads [`OLDEST_FORMAT`] to [`FORMAT_VERSION`].
pub const FORMAT_VERSION: u32 = 2;
/// The oldest plan format this version reads (version 1: every command a `user` command).
pub const OLDEST_FORMAT: u32 = 1;

/// Options the plan was made with (recorded so that a saved plan says how it was made): the
/// planner's options and, for `apply`, `--skip-invalid`.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize, Default)]
pub struct SavedOptions {
    /// The options that shaped the plan.
    #[serde(flatten)]
    pub planning: PlanOptions,
    /// `--skip-invalid` (apply).
    #[serde(default)]
    pub skip_invalid: bool,
}

/// The key of a user a plan looked up: the email (lower-cased) and the identity type the row asked
/// for (`None`: any type), and for a Federated ID that signs in with a username its [`Login`]
/// (the user is looked up by that), never what was found, so that the same file gives the same keys
/// whatever the org holds. Written `email|type` in plan documents (`any` without a type), with
/// `|login:username@domain` after it for a login; ordered as that text, so that fingerprints hash as
/// they always did.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub struct UserKey {
    /// The email, lower-cased.
    pub email: String,
    /// The identity type the row named.
    pub identity_type: Option<IdentityType>,
    /// The username and domain the row named the user by (lower-cased), if it signs in with one.
    pub login: Option<Login>,
}

/// Marks the login part of a [`UserKey`]'s text.
const LOGIN_TAG: &str = "|login:";

impl UserKey {
    /// The key of a lookup of `email` (any case) as `identity_type`.
    pub fn new(email: &str, identity_type: Option<IdentityType>) -> Self {
        Self { email: email.to_lowercase(), identity_type, login: None }
    }

    /// The same key, naming the user by `login` (lower-cased) when given.
    pub fn with_login(self, login: Option<&Login>) -> Self {
        let login =
            login.map(|login| Login { username: login.username.to_lowercase(), domain: login.domain.to_lowercase() });
        Self { login, ..self }
    }

    fn type_name(&self) -> &'static str {
        self.identity_type.map_or("any", IdentityType::wire_name)
    }
}

impl fmt::Display for UserKey {
    fn fmt(&self, formatter: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(formatter, "{}|{}", self.email, self.type_name())?;
        match &self.login {
            Some(login) => write!(formatter, "{LOGIN_TAG}{}@{}", login.username, login.domain),
            None => Ok(()),
        }
    }
}

impl Ord for UserKey {
    fn cmp(&self, other: &Self) -> Ordering {
        self.to_string().cmp(&other.to_string())
    }
}

impl PartialOrd for UserKey {
    fn partial_cmp(&self, other: &Self) -> Option<Ordering> {
        Some(self.cmp(other))
    }
}

impl FromStr for UserKey {
    type Err = String;

    fn from_str(text: &str) -> Result<Self, Self::Err> {
        // A sign-in name has no `@`, so the login's `@` is the last one of the text.
        let (text, login) = match text.rsplit_once(LOGIN_TAG) {
            Some((head, login)) => {
                let (username, domain) =
                    login.rsplit_once('@').ok_or_else(|| format!("{login:?} is not `username@domain`"))?;
                (head, Some(Login { username: username.to_string(), domain: domain.to_string() }))
            }
            None => (text, None),
        };
        let (email, kind) = text.rsplit_once('|').ok_or_else(|| format!("{text:?} is not `email|type`"))?;
        let identity_type = match kind {
            "any" => None,
            kind => Some(IdentityType::from_wire(kind).ok_or_else(|| format!("unknown identity type in {text:?}"))?),
        };
        Ok(Self::new(email, identity_type).with_login(login.as_ref()))
    }
}

impl Serialize for UserKey {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.collect_str(self)
    }
}

impl<'de> Deserialize<'de> for UserKey {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        String::deserialize(deserializer)?.parse().map_err(serde::de::Error::custom)
    }
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
    /// The username and domain the commands name the user by (a Federated ID that signs in with a
    /// username); absent when they name the user by email.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub login: Option<Login>,
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
    pub users: BTreeMap<UserKey, Option<Vec<String>>>,
    /// Groups the plan names that the org did not have.
    #[serde(default, skip_serializing_if = "BTreeSet::is_empty")]
    pub missing_groups: BTreeSet<String>,
}

impl Fingerprint {
    /// Computes the fingerprint of a catalogue and of the users a plan looked up. `users` holds one
    /// entry per looked-up user with what was found.
    pub fn compute<'a>(groups: &[Group], users: impl IntoIterator<Item = (UserKey, Option<&'a User>)>) -> Self {
        let groups: BTreeMap<String, String> =
            groups.iter().map(|group| (group.group_name.clone(), group.group_type.clone())).collect();
        let users: BTreeMap<UserKey, Option<Vec<String>>> = users
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
            let user = &key.email;
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
    /// The input's field separator (`,` or `;`): the run's CSV reports use it too, so that they
    /// open in the same Excel as the input did. Absent from older plans: `,`.
    #[serde(default = "comma")]
    pub delimiter: char,
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
    /// Edit: how membership changes were packed into `usergroup` commands (absent in plans of
    /// other operations and of versions before packing).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub packing: Option<crate::plan::PackingSummary>,
}

fn comma() -> char {
    ','
}

impl PlanDocument {
    /// The input's field separator as a byte (`,` for anything but `;`).
    pub fn delimiter_byte(&self) -> u8 {
        if self.delimiter == ';' { b';' } else { b',' }
    }

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
        let key = UserKey::new("A@example.com", Some(IdentityType::EnterpriseId));
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
        let key = UserKey::new("b@example.com", Some(IdentityType::EnterpriseId));
        let present = user("b@example.com", &[]);
        let saved = Fingerprint::compute(&[], [(key.clone(), None)]);
        let now = Fingerprint::compute(&[], [(key, Some(&present))]);
        assert_eq!(saved.diff(&now), vec!["+ user b@example.com now exists"]);
        assert_eq!(now.diff(&saved), vec!["- user b@example.com is no longer in the org"]);
    }

    #[test]
    fn user_keys_read_and_write_as_email_bar_type_and_sort_as_that_text() {
        let key = UserKey::new("Ann@Example.com", Some(IdentityType::FederatedId));
        assert_eq!(key.to_string(), "ann@example.com|federatedID");
        assert_eq!("ann@example.com|federatedID".parse::<UserKey>(), Ok(key));
        assert_eq!("a@b.com|any".parse::<UserKey>().map(|key| key.identity_type), Ok(None));
        assert!("a@b.com|martian".parse::<UserKey>().is_err());
        assert!("no-bar".parse::<UserKey>().is_err());
        let login = Login { username: "KimNg".into(), domain: "sso.example.net".into() };
        let key = UserKey::new("kim@sso.example.net", Some(IdentityType::FederatedId)).with_login(Some(&login));
        assert_eq!(key.to_string(), "kim@sso.example.net|federatedID|login:kimng@sso.example.net");
        assert_eq!(key.to_string().parse::<UserKey>(), Ok(key));
        assert!("a@b.com|federatedID|login:nodomain".parse::<UserKey>().is_err());
        // "a.b@x|any" sorts before "a@x|any" as text ('.' < '@'), and so as keys.
        let mut keys =
            [UserKey::new("a@x", None), UserKey::new("a.b@x", None), UserKey::new("a@x", Some(IdentityType::AdobeId))];
        keys.sort();
        let texts: Vec<String> = keys.iter().map(ToString::to_string).collect();
        let mut sorted = texts.clone();
        sorted.sort();
        assert_eq!(texts, sorted);
        let json = serde_json::to_string(&BTreeMap::from([(UserKey::new("a@x", None), 1)])).unwrap_or_default();
        assert_eq!(json, r#"{"a@x|any":1}"#);
    }
}
