//! `umapi-bulk check FILE --op OP [--format human|json]`: validate a bulk CSV offline and print
//! every diagnostic at once (SPEC 3). Human output goes to stderr (stdout stays clean), JSON to
//! stdout. Exit 0 when there is no error (warnings allowed), 1 when the file or any row is
//! invalid (a file-level problem such as UTF-16 or an empty file is about the input, so it is 1
//! too, and the diagnostic says why), 2 when the file cannot be read or the options or the
//! configuration are wrong.
//!
//! Owns printing only; reading and rules are `validation`'s. It asks for the report alone
//! (`check_file_report`): the diagnostics of `check_file` without owning any record or row.

use crate::exit_status::ExitStatus;
use crate::hint::with_hint;
use crate::printer::Printer;
use crate::settings::{CheckFormat, CheckSettings};
use crate::validation::{self, CheckOptions, Checked as _, render};

/// Runs `check`.
pub fn run(printer: &Printer, settings: CheckSettings) -> anyhow::Result<ExitStatus> {
    let options = CheckOptions { operation: settings.operation, claimed_domains: settings.claimed_domains };
    let checked = validation::check_file_report(&settings.file, &options)
        .map_err(|error| with_hint(error, "check the path; the file must be readable"))?;
    match settings.format {
        CheckFormat::Json => printer.data(&render::json(&checked))?,
        CheckFormat::Human => {
            printer.diagnostics(&checked.diagnostics, checked.omitted());
            printer.info(&render::summary(&checked));
        }
    }
    Ok(if checked.has_errors() { ExitStatus::RowsFailed } else { ExitStatus::Success })
}
