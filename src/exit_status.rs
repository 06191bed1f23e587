//! The exit-code contract (SPEC section 3), the one place that gives each outcome its number.
//!
//! Commands return `Ok(ExitStatus)` for outcomes that are not errors (clean, some rows failed) and
//! `Err` for everything else; an error that carries an `ExitStatus` (see [`Failure`]) picks its own
//! code, any other error is a usage or configuration problem (2). Only `main` turns this into a
//! process exit code.

use std::fmt;

/// How a run ended, as a script sees it.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ExitStatus {
    /// 0: every row succeeded (check: no errors; warnings allowed).
    Success,
    /// 1: some rows failed (check: some rows are invalid).
    RowsFailed,
    /// 2: the input or the configuration is invalid; nothing was sent.
    InvalidInput,
    /// 3: authentication or connection failure.
    AuthOrConnection,
    /// 130: interrupted (Ctrl-C); the run folder is written and resumable.
    Interrupted,
}

impl ExitStatus {
    /// The process exit code.
    pub fn code(self) -> i32 {
        match self {
            Self::Success => 0,
            Self::RowsFailed => 1,
            Self::InvalidInput => 2,
            Self::AuthOrConnection => 3,
            Self::Interrupted => 130,
        }
    }
}

/// An error that knows which exit code it deserves. Wrap with [`Failure::new`] and return it
/// through `anyhow`; `main` downcasts to find the code.
#[derive(Debug)]
pub struct Failure {
    /// The exit status.
    pub status: ExitStatus,
    /// What went wrong.
    pub error: anyhow::Error,
}

impl Failure {
    /// An error with a chosen exit status.
    #[expect(clippy::new_ret_no_self, reason = "a Failure only ever travels inside anyhow::Error")]
    pub fn new(status: ExitStatus, error: impl Into<anyhow::Error>) -> anyhow::Error {
        anyhow::Error::new(Self { status, error: error.into() })
    }
}

impl fmt::Display for Failure {
    fn fmt(&self, formatter: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(formatter, "{}", self.error)
    }
}

impl std::error::Error for Failure {
    fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
        // The wrapped error itself (not its source), so that a hint attached to it stays in the chain.
        Some(self.error.as_ref())
    }
}

/// The exit status an error deserves: its own if it carries one, else 2.
pub fn status_of(error: &anyhow::Error) -> ExitStatus {
    error
        .chain()
        .find_map(|cause| cause.downcast_ref::<Failure>().map(|failure| failure.status))
        .unwrap_or(ExitStatus::InvalidInput)
}

/// The text printed by `--help` after the subcommands: the exit-code table.
pub const EXIT_CODES_HELP: &str = "Exit codes:
  0    success: every row succeeded or needed nothing (check: no errors; warnings are allowed)
  1    some rows failed, were invalid (--skip-invalid) or were not sent (a parked run)
  2    the input or the configuration is invalid, or a guard refused the plan; nothing was sent
  3    authentication or connection failure
  130  interrupted (Ctrl-C); the run folder is written and can be resumed";

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn failure_carries_its_status_through_context() {
        let error = Failure::new(ExitStatus::AuthOrConnection, anyhow::anyhow!("refused"));
        let error = error.context("while fetching a token");
        assert_eq!(status_of(&error), ExitStatus::AuthOrConnection);
        assert_eq!(status_of(&anyhow::anyhow!("plain")), ExitStatus::InvalidInput);
        assert_eq!(ExitStatus::Interrupted.code(), 130);
    }
}
