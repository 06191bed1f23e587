//! One file per verb. Each command turns its clap arguments into its own options, does its work
//! through the library layers, prints through the [`crate::printer::Printer`] and returns an
//! [`crate::exit_status::ExitStatus`].

pub mod apply;
pub mod check;
pub mod export;
pub(crate) mod finish;
pub(crate) mod org_reads;
pub(crate) mod outcomes;
pub mod plan;
pub(crate) mod prepare;
pub mod runs;
pub mod sim;
pub mod split;
pub(crate) mod target;
pub mod template;
