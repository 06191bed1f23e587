//! `umapi-bulk sim`.

use crate::Context;
use crate::cli::SimArgs;
use crate::exit_status::ExitStatus;

/// Runs `sim`.
pub fn run(_context: &Context, _args: SimArgs) -> anyhow::Result<ExitStatus> {
    Err(super::not_built("sim"))
}
