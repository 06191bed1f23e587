//! The reads a plan needs, chosen by cost (UMAPI.md D "catalogue pre-flight", "edit"): the group
//! catalogue always; for edit, remove and revoke the users the rows name — from the first users
//! page, then either the remaining pages or one GET per missing user, whichever sends fewer
//! requests under the read limit.

use crate::execute::CancelToken;
use crate::model::{IdentityType, Operation};
use crate::plan::catalogue::Catalogue;
use std::collections::BTreeSet;

use crate::plan::directory::{Directory, ReadStrategy, choose_read_strategy};
use crate::plan::document::Fingerprint;
use crate::plan::memberships::dimension_of;
use crate::umapi::client::UmapiClient;
use crate::umapi::error::ClientError;
use crate::umapi::wire::{Group, User};

/// A user the plan looks up.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Lookup {
    /// Email as the row wrote it.
    pub email: String,
    /// Identity type, when the row gives one.
    pub identity_type: Option<IdentityType>,
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
    pub lookups: Vec<(String, Option<User>)>,
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
        let users: Vec<(String, Option<User>)> = self
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

/// The fingerprint key of a lookup: its email and the type the row asked for (`any` without one), never
/// what was found, so that the same file gives the same keys whatever the org holds.
fn key_of(lookup: &Lookup) -> String {
    let kind = lookup.identity_type.map_or("any", |kind| kind.wire_name());
    Fingerprint::user_key(&lookup.email, kind)
}

/// Whether an operation reads the users its rows name.
pub fn reads_users(operation: Operation) -> bool {
    !matches!(operation, Operation::Add)
}

/// Reads the catalogue and, when `lookups` is not empty, the users named.
pub async fn read(client: &UmapiClient, lookups: &[Lookup], stop: &CancelToken) -> Result<OrgSnapshot, ClientError> {
    let listing = client.all_groups(stop).await?;
    let mut snapshot = OrgSnapshot {
        catalogue: Catalogue::from_groups(&listing.items),
        requests: u64::from(listing.pages_read),
        groups: listing.items,
        ..OrgSnapshot::default()
    };
    if lookups.is_empty() {
        return Ok(snapshot);
    }
    let first = client.users_page(0, stop).await?;
    snapshot.requests += 1;
    let mut directory = Directory::from_users(first.body.users.iter().cloned());
    let missing: Vec<&Lookup> =
        lookups.iter().filter(|lookup| directory.find(&lookup.email, lookup.identity_type).is_none()).collect();
    let total = first.info.total_count.map_or(first.body.users.len(), |total| total as usize);
    let strategy = if first.body.last_page {
        ReadStrategy::SingleUsers { count: 0 }
    } else {
        choose_read_strategy(total, first.body.users.len(), missing.len())
    };
    match strategy {
        ReadStrategy::Pages { .. } => {
            let mut page = 1;
            loop {
                let next = client.users_page(page, stop).await?;
                snapshot.requests += 1;
                let last = next.body.last_page || next.body.users.is_empty();
                for user in next.body.users {
                    directory.insert(user);
                }
                if last {
                    break;
                }
                page += 1;
            }
        }
        ReadStrategy::SingleUsers { .. } => {
            for lookup in missing {
                let domain = (lookup.identity_type == Some(IdentityType::AdobeId)).then_some("AdobeID");
                let found = client.user(&lookup.email, domain, stop).await?;
                snapshot.requests += 1;
                if let Some(user) = found {
                    directory.insert(user);
                }
            }
        }
    }
    snapshot.lookups = lookups
        .iter()
        .map(|lookup| {
            let found = directory.find(&lookup.email, lookup.identity_type).cloned();
            (key_of(lookup), found)
        })
        .collect();
    snapshot.strategy = Some(strategy);
    snapshot.directory = Some(directory);
    Ok(snapshot)
}
