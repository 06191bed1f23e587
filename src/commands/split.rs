//! `umapi-bulk split`.

use crate::Context;
use crate::cli::SplitArgs;
use crate::exit_status::ExitStatus;

/// Runs `split`.
pub fn run(_context: &Context, _args: SplitArgs) -> anyhow::Result<ExitStatus> {
    Err(super::not_built("split"))
}
