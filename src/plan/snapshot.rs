//! What the planner read of the org, as data: the groups and the catalogue built from them, the
//! users the rows name ([`Lookup`]) and what was found, how they were read, and the
//! [`Fingerprint`] of the facts a plan depends on ([`OrgSnapshot::fingerprint`]). `org::reads`
//! fills it; the planner and the plan document read it. Pure: no I/O.

use std::collections::BTreeSet;

use crate::model::{IdentityType, Login};
use crate::plan::catalogue::Catalogue;
use crate::plan::directory::{Directory, ReadStrategy};
use crate::plan::document::{Fingerprint, UserKey};
use crate::plan::memberships::dimension_of;
use crate::umapi::wire::{Group, User};

/// A user the plan looks up.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Lookup {
    /// Email as the row wrote it.
    pub email: String,
    /// Identity type, when the row gives one.
    pub identity_type: Option<IdentityType>,
    /// Username and domain, for a Federated ID that signs in with a username: UMAPI finds such a
    /// user only by them (UMAPI.md 6a).
    pub login: Option<Login>,
}

impl Lookup {
    /// The fingerprint key of the lookup.
    pub fn key(&self) -> UserKey {
        UserKey::new(&self.email, self.identity_type).with_login(self.login.as_ref())
    }
}

impl From<&UserKey> for Lookup {
    /// The lookup a saved plan's fingerprint key stands for (to read the same users again).
    fn from(key: &UserKey) -> Self {
        Self { email: key.email.clone(), identity_type: key.identity_type, login: key.login.clone() }
    }
}

/// What the planner read of the org.
#[derive(Clone, Debug, Default)]
pub struct OrgSnapshot {
    /// The groups endpoint's entries.
    pub groups: Vec<Group>,
    /// The catalogue built from them.
    pub catalogue: Catalogue,
    /// The users found (edit, remove, revoke).
    pub directory: Option<Directory>,
    /// Per looked-up user: the fingerprint key and what was found.
    pub lookups: Vec<(UserKey, Option<User>)>,
    /// How the users were read.
    pub strategy: Option<ReadStrategy>,
    /// Read requests sent (groups pages, users pages, single users).
    pub requests: u64,
}

impl OrgSnapshot {
    /// The fingerprint of what a plan depends on: the groups it names (`names`, matched without
    /// regard to case; a named group that is gone is recorded as missing) and, per looked-up user,
    /// the groups this tool manages (never `_org_admin`, `_developer_*` or names the org does not
    /// know), so that unrelated changes elsewhere in the org do not invalidate a saved plan.
    pub fn fingerprint(&self, names: &BTreeSet<String>) -> Fingerprint {
        let wanted: BTreeSet<String> = names.iter().map(|name| name.to_lowercase()).collect();
        let groups: Vec<Group> =
            self.groups.iter().filter(|group| wanted.contains(&group.group_name.to_lowercase())).cloned().collect();
        let users: Vec<(UserKey, Option<User>)> = self
            .lookups
            .iter()
            .map(|(key, user)| {
                let managed = user.as_ref().map(|user| User {
                    groups: user
                        .groups
                        .iter()
                        .filter(|group| dimension_of(group, &self.catalogue).is_some())
                        .cloned()
                        .collect(),
                    ..user.clone()
                });
                (key.clone(), managed)
            })
            .collect();
        let mut fingerprint =
            Fingerprint::compute(&groups, users.iter().map(|(key, user)| (key.clone(), user.as_ref())));
        for name in names {
            if !fingerprint.groups.keys().any(|known| known.eq_ignore_ascii_case(name)) {
                fingerprint.missing_groups.insert(name.clone());
            }
        }
        fingerprint.seal();
        fingerprint
    }
}
