//! `umapi-bulk check FILE --op OP [--format human|json]`: validate a bulk CSV offline and print
//! every diagnostic at once (SPEC 3). Human output goes to stderr (stdout stays clean), JSON to
//! stdout. Exit 0 when there is no error (warnings allowed), 1 when the file or any row is
//! invalid (a file-level problem such as UTF-16 or an empty file is about the input, so it is 1
//! too, and the diagnostic says why), 2 when the file cannot be read or the options or the
//! configuration are wrong.
//!
//! Owns printing only; reading and rules are `validation`'s. It asks for the report alone
//! (`check_file_report`): the diagnostics of `check_file` without owning any record or row.

use std::io::Write;

use anyhow::Context as _;

use crate::Context;
use crate::cli::{CheckArgs, Format};
use crate::exit_status::ExitStatus;
use crate::printer::{Verbosity, with_hint};
use crate::validation::{self, CheckOptions, Checked as _, render};

/// Runs `check`.
pub fn run(context: &Context, args: CheckArgs) -> anyhow::Result<ExitStatus> {
    let config = context.config()?;
    let options = CheckOptions { operation: args.op.into(), claimed_domains: config.claimed_domains };
    let checked = validation::check_file_report(&args.file, &options)
        .map_err(|error| with_hint(anyhow::Error::new(error), "check the path; the file must be readable"))?;
    let printer = &context.printer;
    match args.format {
        Format::Json => printer.data(&render::json(&checked)).context("cannot write to stdout")?,
        Format::Human if printer.verbosity() == Verbosity::Quiet => {
            let _ = std::io::stderr().lock().write_all(render::human_errors(&checked, printer.color()).as_bytes());
        }
        Format::Human => {
            let _ = std::io::stderr().lock().write_all(render::human(&checked, printer.color()).as_bytes());
        }
    }
    Ok(if checked.has_errors() { ExitStatus::RowsFailed } else { ExitStatus::Success })
}
