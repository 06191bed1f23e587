//! `umapi-bulk plan`.

use crate::Context;
use crate::cli::PlanArgs;
use crate::exit_status::ExitStatus;

/// Runs `plan`.
pub fn run(_context: &Context, _args: PlanArgs) -> anyhow::Result<ExitStatus> {
    Err(super::not_built("plan"))
}
