//! The licence reads after a run (UMAPI.md D "deficit"): per product configuration the run reached,
//! its members and its members without a licence (`status=inactive`), counting those who hold it
//! through a user group (`directOnly=false`, UMAPI.md 5e, 7), as a
//! [`crate::report::outcomes::LicenceStatus`] for the deficit report. Which configurations to read
//! is `report::finish`'s decision.

use std::collections::BTreeSet;

use crate::report::outcomes::LicenceStatus;
use crate::umapi::CancelToken;
use crate::umapi::client::UmapiClient;
use crate::umapi::error::ClientError;
use crate::umapi::reads::{MemberStatus, Reach};
use crate::umapi::wire::User;

/// Reads, per configuration, its members and its members without a licence; returns them with
/// the number of read requests sent.
pub async fn read(
    client: &UmapiClient,
    configurations: &BTreeSet<String>,
    stop: &CancelToken,
) -> Result<(LicenceStatus, u64), ClientError> {
    let mut status = LicenceStatus { read: true, ..LicenceStatus::default() };
    let mut requests = 0_u64;
    let emails = |users: &[User]| users.iter().map(|user| user.email.to_lowercase()).collect::<BTreeSet<_>>();
    for configuration in configurations {
        let members = client.all_users_in_group(configuration, Reach::Indirect, None, stop).await?;
        let inactive =
            client.all_users_in_group(configuration, Reach::Indirect, Some(MemberStatus::Inactive), stop).await?;
        requests += u64::from(members.pages_read) + u64::from(inactive.pages_read);
        status.members.insert(configuration.clone(), emails(&members.items));
        status.inactive.insert(configuration.clone(), emails(&inactive.items));
    }
    Ok((status, requests))
}
