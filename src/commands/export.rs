//! `umapi-bulk export users`: every user of the org, paged through `GET /users/{orgId}/{page}`,
//! written in the Console's user CSV format with memberships split back into Product
//! Configurations, User Groups and Admin Roles (+ the "… Administered" columns), so that the file
//! can be edited and fed back to `plan`/`apply --op edit` (SPEC 3: the round trip of an unchanged
//! export plans no change). The format is `report::console_user`'s.

use std::path::Path;

use anyhow::Context as _;

use super::{Org, end_session, progress, watch_interrupts};
use crate::exit_status::ExitStatus;
use crate::plan::catalogue::Catalogue;
use crate::printer::Printer;
use crate::report::console_user;
use crate::settings::ExportSettings;
use crate::text::plural;
use crate::umapi::CancelToken;

/// Runs `export users`.
pub async fn run(printer: &Printer, settings: ExportSettings) -> anyhow::Result<ExitStatus> {
    let org = Org::connect(printer, &settings.target).await?;
    let result = async {
        let progress = progress(printer);
        let client = org.client(&progress)?;
        let cancel = CancelToken::new();
        watch_interrupts(cancel.clone(), progress.clone())?;
        let read = async {
            progress.start_phase("reading groups");
            let groups = client.all_groups(&cancel).await?;
            progress.start_phase("reading users");
            let users = client.all_users(&cancel).await?;
            Ok::<_, crate::umapi::ClientError>((groups, users))
        }
        .await;
        progress.finish_phase();
        // The session ends after the last read, on every path.
        end_session(printer, &client, &cancel).await;
        drop(progress);
        let (groups, users) = read.map_err(|error| error.into_anyhow())?;
        let catalogue = Catalogue::from_groups(&groups.items);
        let mut users = users.items;
        users.sort_by_key(|user| user.email.to_lowercase());
        let bytes = console_user::export(&users, &catalogue)?;
        match &settings.output {
            None => printer.data_bytes(&bytes)?,
            Some(path) => {
                write_file(path, &bytes)?;
                printer.info(&format!(
                    "exported {} ({}) to {}",
                    plural(users.len(), "user", "users"),
                    plural(groups.items.len(), "group or product configuration", "groups and product configurations"),
                    path.display()
                ));
            }
        }
        Ok(ExitStatus::Success)
    }
    .await;
    org.shutdown(printer).await;
    result
}

/// Writes the export beside its final name, then renames it: a half-written file never has it.
fn write_file(path: &Path, bytes: &[u8]) -> anyhow::Result<()> {
    let temporary = path.with_extension("csv.partial");
    fs_err::write(&temporary, bytes).context("cannot write the export")?;
    fs_err::rename(&temporary, path).context("cannot write the export")?;
    Ok(())
}
