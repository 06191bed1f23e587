//! `umapi-bulk apply`.

use crate::Context;
use crate::cli::ApplyArgs;
use crate::exit_status::ExitStatus;

/// Runs `apply`.
pub fn run(_context: &Context, _args: ApplyArgs) -> anyhow::Result<ExitStatus> {
    Err(super::not_built("apply"))
}
