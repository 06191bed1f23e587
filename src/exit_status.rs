//! The exit-code contract (SPEC section 3), the one place that gives each outcome its number.
//!
//! Commands return `Ok(ExitStatus)` for outcomes that are not errors (clean, some rows failed; a
//! run's [`Verdict`] maps here) and `Err` for everything else. An error's code is read from the
//! typed errors in its chain ([`status_of`]): a UMAPI client error is 3 (authentication or
//! connection), 2 (configuration) or 130 (cancelled); [`Interrupted`] is 130; [`AfterSending`] (a
//! run that sent requests and then could not write its reports) carries its run's code, never 2;
//! anything else is a usage, input or configuration problem (2). No library module decides a code; only `main` turns
//! it into the process's (and ends quietly with 0 when stdout was closed: the reader had enough).
//! `--help` lists the codes (`cli::EXIT_CODES_HELP`); a test holds the two together.

use std::process::ExitCode;

use crate::execute::{AbortKind, AbortReason};
use crate::report::finish::Verdict;
use crate::umapi::error::ClientError;

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
    pub fn code(self) -> u8 {
        match self {
            Self::Success => 0,
            Self::RowsFailed => 1,
            Self::InvalidInput => 2,
            Self::AuthOrConnection => 3,
            Self::Interrupted => 130,
        }
    }
}

impl From<ExitStatus> for ExitCode {
    fn from(status: ExitStatus) -> Self {
        ExitCode::from(status.code())
    }
}

impl From<Verdict> for ExitStatus {
    /// SPEC 3: 0 all rows succeeded (or needed nothing); 1 some failed, were invalid or not sent
    /// (a parked run, a journal that could not be written); 3 authentication or connection
    /// failure; 130 interrupted.
    fn from(verdict: Verdict) -> Self {
        match verdict {
            Verdict::Success => Self::Success,
            Verdict::RowsFailed | Verdict::Aborted(AbortKind::Journal) => Self::RowsFailed,
            Verdict::Aborted(AbortKind::Auth | AbortKind::Connection) => Self::AuthOrConnection,
            Verdict::Interrupted => Self::Interrupted,
        }
    }
}

impl From<&AbortReason> for ExitStatus {
    /// The code of a run that an error stopped.
    fn from(reason: &AbortReason) -> Self {
        Self::from(Verdict::Aborted(reason.kind))
    }
}

impl From<&ClientError> for ExitStatus {
    /// 2 for configuration, 130 for cancellation, 3 for the rest (UMAPI or IMS could not be used).
    fn from(error: &ClientError) -> Self {
        match error {
            ClientError::Config(_) => Self::InvalidInput,
            error if error.is_cancellation() => Self::Interrupted,
            _ => Self::AuthOrConnection,
        }
    }
}

/// An error of a run that has already sent requests (its reports could not be written): it keeps
/// the run's own exit code, never 2, which says that nothing was sent.
#[derive(Debug, thiserror::Error)]
#[error("{message}")]
pub struct AfterSending {
    /// What went wrong and how many requests went out.
    pub message: String,
    /// The exit status the run ends with.
    pub status: ExitStatus,
    /// The failure.
    #[source]
    pub source: Box<dyn std::error::Error + Send + Sync + 'static>,
}

/// A command stopped by Ctrl-C, SIGTERM or SIGHUP before it could send anything (exit 130).
#[derive(Debug, thiserror::Error)]
#[error("{0}")]
pub struct Interrupted(pub String);

/// The exit status an error deserves, from the first typed error of its chain that has one.
pub fn status_of(error: &anyhow::Error) -> ExitStatus {
    error
        .chain()
        .find_map(|cause| {
            if let Some(error) = cause.downcast_ref::<ClientError>() {
                Some(ExitStatus::from(error))
            } else if let Some(error) = cause.downcast_ref::<AfterSending>() {
                Some(error.status)
            } else if cause.is::<Interrupted>() {
                Some(ExitStatus::Interrupted)
            } else {
                None
            }
        })
        .unwrap_or(ExitStatus::InvalidInput)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::execute::AbortKind;
    use crate::umapi::error::{AuthError, ConfigError};

    #[test]
    fn typed_errors_choose_their_code_through_context_and_hints() {
        let error = ClientError::Auth(AuthError::Forbidden { detail: None }).into_anyhow();
        let error = error.context("while reading the org");
        assert_eq!(status_of(&error), ExitStatus::AuthOrConnection);
        assert_eq!(status_of(&ClientError::Config(ConfigError::MissingSecret).into_anyhow()), ExitStatus::InvalidInput);
        assert_eq!(status_of(&ClientError::Cancelled.into_anyhow()), ExitStatus::Interrupted);
        assert_eq!(status_of(&anyhow::Error::new(Interrupted("stopped".into()))), ExitStatus::Interrupted);
        assert_eq!(status_of(&anyhow::anyhow!("plain")), ExitStatus::InvalidInput);
        let unwritten = AfterSending {
            message: "2 action requests went out".into(),
            status: ExitStatus::RowsFailed,
            source: Box::new(std::io::Error::other("No space left on device")),
        };
        let hinted = crate::hint::with_hint(unwritten, "resume it");
        assert_eq!(status_of(&hinted.context("while writing")), ExitStatus::RowsFailed);
        assert_eq!(ExitStatus::Interrupted.code(), 130);
    }

    #[test]
    fn abort_kinds_map_to_exit_statuses() {
        let reason = |kind| AbortReason { kind, message: String::new(), hint: None };
        assert_eq!(ExitStatus::from(&reason(AbortKind::Auth)), ExitStatus::AuthOrConnection);
        assert_eq!(ExitStatus::from(&reason(AbortKind::Connection)), ExitStatus::AuthOrConnection);
        assert_eq!(ExitStatus::from(&reason(AbortKind::Journal)), ExitStatus::RowsFailed);
        assert_eq!(ExitStatus::from(Verdict::Interrupted), ExitStatus::Interrupted);
        assert_eq!(ExitStatus::from(Verdict::RowsFailed), ExitStatus::RowsFailed);
    }

    #[test]
    fn help_lists_every_exit_code() {
        for status in [
            ExitStatus::Success,
            ExitStatus::RowsFailed,
            ExitStatus::InvalidInput,
            ExitStatus::AuthOrConnection,
            ExitStatus::Interrupted,
        ] {
            let code = status.code().to_string();
            assert!(
                crate::cli::EXIT_CODES_HELP.lines().any(|line| line.trim_start().starts_with(&format!("{code} "))),
                "--help lacks exit code {code}"
            );
        }
    }
}
