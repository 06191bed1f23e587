//! The thin binary: parse the command line, run it, map the outcome to an exit code. The one exit
//! authority of the crate: it returns an [`ExitCode`]; nothing calls `process::exit`.

use std::process::ExitCode;

use clap::Parser;

use umapi_bulk::cli::Cli;
use umapi_bulk::exit_status::status_of;
use umapi_bulk::printer::{Printer, Verbosity, stdout_closed};

fn main() -> ExitCode {
    let cli = match Cli::try_parse() {
        Ok(cli) => cli,
        Err(error) => {
            // Usage errors (2) and --help/--version (0), rendered by clap.
            Printer::new(Verbosity::Normal).usage(&error);
            return ExitCode::from(u8::try_from(error.exit_code()).unwrap_or(2));
        }
    };
    let printer = umapi_bulk::printer_for(&cli);
    match umapi_bulk::run(cli, &printer) {
        Ok(status) => status.into(),
        // The reader of stdout had enough (`| head`): nothing went wrong.
        Err(error) if stdout_closed(&error) => ExitCode::SUCCESS,
        Err(error) => {
            printer.error(&error);
            status_of(&error).into()
        }
    }
}
