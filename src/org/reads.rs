//! The reads a plan needs, chosen by cost (UMAPI.md D "catalogue pre-flight", "edit"): the group
//! catalogue always; for edit, remove and revoke the users the rows name — from the first users
//! page, then either the remaining pages or one GET per missing user, whichever sends fewer
//! requests under the read limit. The result is a [`crate::plan::snapshot::OrgSnapshot`].

use crate::model::{IdentityType, Operation};
use crate::plan::catalogue::Catalogue;
use crate::plan::directory::{Directory, ReadStrategy, choose_read_strategy};
use crate::plan::snapshot::{Lookup, OrgSnapshot};
use crate::umapi::CancelToken;
use crate::umapi::client::UmapiClient;
use crate::umapi::error::ClientError;

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
            (lookup.key(), found)
        })
        .collect();
    snapshot.strategy = Some(strategy);
    snapshot.directory = Some(directory);
    Ok(snapshot)
}
