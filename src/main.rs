//! The thin binary: parse the command line, run it, map the outcome to an exit code. The only
//! place in the crate that exits.

use clap::Parser;

use umapi_bulk::cli::Cli;
use umapi_bulk::exit_status::status_of;
use umapi_bulk::printer::{Printer, Verbosity};

fn main() {
    let cli = Cli::parse();
    let quiet = cli.quiet;
    let code = match umapi_bulk::run(cli) {
        Ok(status) => status.code(),
        Err(error) => {
            let printer = Printer::new(if quiet { Verbosity::Quiet } else { Verbosity::Normal });
            printer.error(&error);
            status_of(&error).code()
        }
    };
    std::process::exit(code);
}
