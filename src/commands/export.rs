//! `umapi-bulk export users`: every user of the org, paged through `GET /users/{orgId}/{page}`,
//! written in the Console's user CSV format with memberships split back into Product
//! Configurations, User Groups and Admin Roles (+ the "… Administered" columns), so that the file
//! can be edited and fed back to `plan`/`apply --op edit` (SPEC 3: the round trip of an unchanged
//! export plans no change).

use std::io::Write;
use std::path::Path;
use std::sync::Arc;

use anyhow::Context as _;

use crate::Context;
use crate::cli::{ExportCommand, ExportUsersArgs};
use crate::commands::target;
use crate::execute::CancelToken;
use crate::exit_status::ExitStatus;
use crate::plan::catalogue::Catalogue;
use crate::progress::Progress;
use crate::report::console_user::{USER_COLUMNS, user_cells};
use crate::report::csv_safe::ReportWriter;
use crate::umapi::wire::User;

/// Runs `export`.
pub fn run(context: &Context, command: ExportCommand) -> anyhow::Result<ExitStatus> {
    match command {
        ExportCommand::Users(args) => target::runtime()?.block_on(export_users(context, args)),
    }
}

async fn export_users(context: &Context, args: ExportUsersArgs) -> anyhow::Result<ExitStatus> {
    let target = target::connect(context, &args.target).await?;
    let result = async {
        let progress = Arc::new(Progress::new(&context.printer));
        let client = target.client(progress.clone())?;
        let cancel = CancelToken::new();
        progress.start_phase("reading groups");
        let groups = client.all_groups(&cancel).await.map_err(|error| error.into_anyhow())?;
        progress.start_phase("reading users");
        let users = client.all_users(&cancel).await.map_err(|error| error.into_anyhow())?;
        progress.finish_phase();
        drop(progress);
        let catalogue = Catalogue::from_groups(&groups.items);
        let mut users = users.items;
        users.sort_by_key(|user| user.email.to_lowercase());
        let bytes = render(&users, &catalogue)?;
        write_output(&args.output, &bytes)?;
        if args.output.as_os_str() != "-" {
            context.printer.info(&format!(
                "exported {} users ({} groups and product configurations) to {}",
                users.len(),
                groups.items.len(),
                args.output.display()
            ));
        }
        Ok(ExitStatus::Success)
    }
    .await;
    target.shutdown().await;
    result
}

/// The export as bytes: BOM, CRLF, the Console's columns, one row per user.
pub fn render(users: &[User], catalogue: &Catalogue) -> anyhow::Result<Vec<u8>> {
    let mut writer = ReportWriter::new(Vec::new())?;
    writer.row(USER_COLUMNS)?;
    for user in users {
        writer.row(user_cells(user, catalogue, true))?;
    }
    Ok(writer.finish()?)
}

fn write_output(path: &Path, bytes: &[u8]) -> anyhow::Result<()> {
    if path.as_os_str() == "-" {
        let mut stdout = std::io::stdout().lock();
        stdout.write_all(bytes)?;
        stdout.flush()?;
        return Ok(());
    }
    let temporary = path.with_extension("csv.partial");
    fs_err::write(&temporary, bytes).context("cannot write the export")?;
    fs_err::rename(&temporary, path).context("cannot write the export")?;
    Ok(())
}
