//! umapi-bulk: the Adobe Admin Console's bulk user operations (add, edit, remove, revoke
//! invitations) from the command line, through the User Management API.
//!
//! The crate is a library with a thin binary. [`run`] takes the parsed command line and returns
//! the exit status; it is callable in-process from tests. Dependencies point down:
//! `commands` → (`console_csv`, `validation`, `plan`, `execute`, `report`) → `umapi`; `sim` uses
//! `umapi`'s wire types but none of the client. Pure modules do no network I/O.

pub mod cli;
pub mod commands;
pub mod console_csv;
pub mod execute;
pub mod exit_status;
pub mod model;
pub mod notify;
pub mod plan;
pub mod printer;
pub mod progress;
pub mod report;
pub mod secret;
pub mod settings;
pub mod sim;
pub mod umapi;
pub mod validation;

use std::path::PathBuf;

use crate::cli::{Cli, Command};
use crate::exit_status::ExitStatus;
use crate::printer::{Printer, Verbosity};
use crate::settings::{Config, Environment};

/// What every command gets: where to print, and how to load the configuration when it needs one.
#[derive(Clone, Debug)]
pub struct Context {
    /// The process's printer.
    pub printer: Printer,
    /// `--config`, if given.
    pub config_path: Option<PathBuf>,
    /// Secrets from the environment.
    pub environment: Environment,
}

impl Context {
    /// Loads the configuration (file named by `--config`, else `./umapi-bulk.toml` if present).
    pub fn config(&self) -> anyhow::Result<Config> {
        settings::load(self.config_path.as_deref(), &self.environment)
    }
}

/// Runs one parsed command line and returns its exit status.
pub fn run(cli: Cli) -> anyhow::Result<ExitStatus> {
    let verbosity = if cli.quiet {
        Verbosity::Quiet
    } else if cli.verbose {
        Verbosity::Verbose
    } else {
        Verbosity::Normal
    };
    let context =
        Context { printer: Printer::new(verbosity), config_path: cli.config, environment: Environment::from_process() };
    run_with(&context, cli.command)
}

/// Runs one command with an explicit context (tests inject their own environment).
pub fn run_with(context: &Context, command: Command) -> anyhow::Result<ExitStatus> {
    match command {
        Command::Check(args) => commands::check::run(context, args),
        Command::Plan(args) => commands::plan::run(context, args),
        Command::Apply(args) => commands::apply::run(context, args),
        Command::Export(command) => commands::export::run(context, command),
        Command::Template(args) => commands::template::run(context, args),
        Command::Split(args) => commands::split::run(context, args),
        Command::Sim(args) => commands::sim::run(context, args),
        Command::Runs(command) => commands::runs::run(context, command),
    }
}
