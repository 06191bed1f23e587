//! `umapi-bulk template`.

use crate::Context;
use crate::cli::TemplateArgs;
use crate::exit_status::ExitStatus;

/// Runs `template`.
pub fn run(_context: &Context, _args: TemplateArgs) -> anyhow::Result<ExitStatus> {
    Err(super::not_built("template"))
}
