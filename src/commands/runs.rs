//! `umapi-bulk runs list|show|prune`.

use crate::Context;
use crate::cli::RunsCommand;
use crate::exit_status::ExitStatus;

/// Runs `runs`.
pub fn run(_context: &Context, _command: RunsCommand) -> anyhow::Result<ExitStatus> {
    Err(super::not_built("runs"))
}
