//! `umapi-bulk check`.

use crate::Context;
use crate::cli::CheckArgs;
use crate::exit_status::ExitStatus;

/// Runs `check`.
pub fn run(_context: &Context, _args: CheckArgs) -> anyhow::Result<ExitStatus> {
    Err(super::not_built("check"))
}
