//! The reads a plan needs, chosen by cost (UMAPI.md D "catalogue pre-flight", "edit"): the group
//! catalogue always; for edit, remove and revoke the users the rows name — from the first users
//! page, then either the remaining pages or one GET per missing user, whichever sends fewer
//! requests under the read limit. A Federated ID that signs in with a username is looked up by
//! username and domain (UMAPI.md 6a). The result is a [`crate::plan::snapshot::OrgSnapshot`].
//!
//! `last`: the reads are the command's last requests (`plan`), so the last single-user GET carries
//! the end of the sync session; where the last request is a page, the command ends the session
//! with `UmapiClient::end_session`.

use crate::model::{IdentityType, Operation};
use crate::plan::catalogue::Catalogue;
use crate::plan::directory::{Directory, ReadStrategy, choose_read_strategy};
use crate::plan::snapshot::{Lookup, OrgSnapshot};
use crate::umapi::CancelToken;
use crate::umapi::client::UmapiClient;
use crate::umapi::error::ClientError;
use crate::umapi::reads::{MAX_PAGES, repeats_previous_page};

/// Whether an operation reads the users its rows name.
pub fn reads_users(operation: Operation) -> bool {
    !matches!(operation, Operation::Add)
}

/// Reads the catalogue and, when `lookups` is not empty, the users named.
pub async fn read(
    client: &UmapiClient,
    lookups: &[Lookup],
    last: bool,
    stop: &CancelToken,
) -> Result<OrgSnapshot, ClientError> {
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
    let find = |directory: &Directory, lookup: &Lookup| {
        directory.find_named(&lookup.email, lookup.identity_type, lookup.login.as_ref()).cloned()
    };
    let missing: Vec<&Lookup> = lookups.iter().filter(|lookup| find(&directory, lookup).is_none()).collect();
    let total = first.info.total_count.map_or(first.body.users.len(), |total| total as usize);
    let strategy = if first.body.last_page {
        ReadStrategy::SingleUsers { count: 0 }
    } else {
        choose_read_strategy(total, first.body.users.len(), missing.len())
    };
    match strategy {
        ReadStrategy::Pages { .. } => {
            let mut previous = first.body.users;
            for page in 1..MAX_PAGES {
                let next = client.users_page(page, stop).await?;
                snapshot.requests += 1;
                // Paging ends on `lastPage` or an empty page; a page past the end repeats the last
                // one (UMAPI.md 5a), which ends it too.
                if repeats_previous_page(&previous, previous.len(), &next.body.users) {
                    break;
                }
                let last = next.body.last_page || next.body.users.is_empty();
                for user in &next.body.users {
                    directory.insert(user.clone());
                }
                if last {
                    break;
                }
                previous = next.body.users;
            }
        }
        ReadStrategy::SingleUsers { .. } => {
            let count = missing.len();
            for (index, lookup) in missing.into_iter().enumerate() {
                let (user, domain) = match &lookup.login {
                    Some(login) => (login.username.as_str(), Some(login.domain.as_str())),
                    None => (
                        lookup.email.as_str(),
                        (lookup.identity_type == Some(IdentityType::AdobeId)).then_some("AdobeID"),
                    ),
                };
                let found = if last && index + 1 == count {
                    client.user_as_last(user, domain, stop).await?
                } else {
                    client.user(user, domain, stop).await?
                };
                snapshot.requests += 1;
                if let Some(user) = found {
                    directory.insert(user);
                }
            }
        }
    }
    snapshot.lookups = lookups.iter().map(|lookup| (lookup.key(), find(&directory, lookup))).collect();
    snapshot.strategy = Some(strategy);
    snapshot.directory = Some(directory);
    Ok(snapshot)
}
