//! umapi-bulk: the Adobe Admin Console's bulk user operations (add, edit, remove, revoke
//! invitations) from the command line, through the User Management API.
//!
//! The crate is a library with a thin binary. [`run`] takes the parsed command line and returns
//! the exit status; it is callable in-process from tests. The command line resolves into one
//! settings type per command (`settings`), and the command (`commands`) calls the library layers:
//! `console_csv` → `validation` → `plan` (with what `org` read) → `execute` → `report`, all on
//! `umapi`. `sim` uses `umapi`'s wire types but none of the client. `docs/architecture.md` draws
//! the layers and the data path of `apply`.

pub mod atomic_file;
pub mod cli;
pub mod commands;
pub mod console_csv;
pub mod execute;
pub mod exit_status;
pub mod hint;
pub mod keychain;
pub mod model;
pub mod notify;
pub mod org;
pub mod plan;
pub mod printer;
pub mod progress;
pub mod report;
pub mod secret;
pub mod settings;
pub mod signals;
pub mod sim;
pub mod text;
pub mod tls;
pub mod umapi;
pub mod validation;

use crate::cli::{Cli, Command};
use crate::exit_status::ExitStatus;
use crate::printer::{Printer, Verbosity};
use crate::settings::{Environment, Settings, Sources};

/// The printer a command line asks for (`--quiet`, `--verbose`).
pub fn printer_for(cli: &Cli) -> Printer {
    Printer::new(if cli.quiet {
        Verbosity::Quiet
    } else if cli.verbose {
        Verbosity::Verbose
    } else {
        Verbosity::Normal
    })
}

/// Runs one parsed command line and returns its exit status.
pub fn run(cli: Cli, printer: &Printer) -> anyhow::Result<ExitStatus> {
    let sources = Sources { config_path: cli.config, environment: Environment::from_process() };
    run_with(printer, &sources, cli.command)
}

/// Runs one command with explicit configuration sources (tests inject their own environment):
/// the settings step, then the command.
pub fn run_with(printer: &Printer, sources: &Sources, command: Command) -> anyhow::Result<ExitStatus> {
    let settings = Settings::resolve(command, sources)?;
    commands::run(printer, settings)
}
