//! The reads a plan needs, chosen by cost (UMAPI.md D "catalogue pre-flight", "edit"): the group
//! catalogue always; for edit, remove and revoke the users the rows name — from the first users
//! page, then either the remaining pages or one GET per missing user, whichever sends fewer
//! requests under the read limit.

use crate::execute::CancelToken;
use crate::model::{IdentityType, Operation};
use crate::plan::catalogue::Catalogue;
use crate::plan::directory::{Directory, ReadStrategy, choose_read_strategy};
use crate::plan::document::Fingerprint;
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
    /// The fingerprint of what was read.
    pub fn fingerprint(&self) -> Fingerprint {
        Fingerprint::compute(&self.groups, self.lookups.iter().map(|(key, user)| (key.clone(), user.as_ref())))
    }
}

fn key_of(lookup: &Lookup, found: Option<&User>) -> String {
    let kind = lookup
        .identity_type
        .map(|kind| kind.wire_name().to_string())
        .or_else(|| found.map(|user| user.user_type.clone()))
        .unwrap_or_else(|| "any".to_string());
    Fingerprint::user_key(&lookup.email, &kind)
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
            (key_of(lookup, found.as_ref()), found)
        })
        .collect();
    snapshot.strategy = Some(strategy);
    snapshot.directory = Some(directory);
    Ok(snapshot)
}
