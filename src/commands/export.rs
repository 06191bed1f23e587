//! `umapi-bulk export users`.

use crate::Context;
use crate::cli::ExportCommand;
use crate::exit_status::ExitStatus;

/// Runs `export`.
pub fn run(_context: &Context, _command: ExportCommand) -> anyhow::Result<ExitStatus> {
    Err(super::not_built("export"))
}
