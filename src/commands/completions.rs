//! `umapi-bulk completions SHELL` and `umapi-bulk man`: a shell completion script (clap_complete)
//! and the manual page in roff (clap_mangen), both generated from the clap definitions in `cli`,
//! on stdout.

use clap::CommandFactory;

use crate::cli::Cli;
use crate::exit_status::ExitStatus;
use crate::printer::Printer;

/// Prints the completion script for `shell`.
pub fn completions(printer: &Printer, shell: clap_complete::Shell) -> anyhow::Result<ExitStatus> {
    let mut command = Cli::command();
    let mut script = Vec::new();
    clap_complete::generate(shell, &mut command, "umapi-bulk", &mut script);
    printer.data_bytes(&script)?;
    Ok(ExitStatus::Success)
}

/// Prints the manual page (roff), the subcommands and the exit codes included.
pub fn man(printer: &Printer) -> anyhow::Result<ExitStatus> {
    let command = Cli::command();
    let mut page = Vec::new();
    clap_mangen::Man::new(command).render(&mut page)?;
    printer.data_bytes(&page)?;
    Ok(ExitStatus::Success)
}
