//! Hints that travel with errors. An error says what went wrong; where we know the fix, a hint says
//! what to do about it. [`with_hint`] wraps an error so that the hint rides along its chain (through
//! `anyhow` context and any layer that passes the error on), and [`hint_of`] finds it again; the
//! printer renders it as the `hint:` line after `error:` and `Caused by:`.
//!
//! A leaf module: it imports nothing of the crate, so every layer may attach hints without
//! depending on the terminal. It never prints.

use std::fmt;

/// Attaches a hint to an error. The error keeps its message and its chain.
pub fn with_hint(error: impl Into<anyhow::Error>, hint: impl Into<String>) -> anyhow::Error {
    let source = error.into();
    let message = source.to_string();
    anyhow::Error::new(Hinted { message, hint: hint.into(), source })
}

/// [`with_hint`] when there is a hint, else the error as it is.
pub fn with_optional_hint(error: impl Into<anyhow::Error>, hint: Option<String>) -> anyhow::Error {
    match hint {
        Some(hint) => with_hint(error, hint),
        None => error.into(),
    }
}

/// The hint of an error: the outermost one attached anywhere in its chain.
pub fn hint_of(error: &anyhow::Error) -> Option<&str> {
    error.chain().find_map(|cause| cause.downcast_ref::<Hinted>()).map(|hinted| hinted.hint.as_str())
}

#[derive(Debug)]
struct Hinted {
    message: String,
    hint: String,
    source: anyhow::Error,
}

impl fmt::Display for Hinted {
    fn fmt(&self, formatter: &mut fmt::Formatter<'_>) -> fmt::Result {
        formatter.write_str(&self.message)
    }
}

impl std::error::Error for Hinted {
    fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
        // The wrapped error itself (not its source), so that typed errors stay findable by downcast.
        Some(self.source.as_ref())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_hint_survives_context_and_keeps_the_message() {
        let error = with_hint(anyhow::anyhow!("no run folder x"), "`umapi-bulk runs list` shows the runs");
        let error = error.context("cannot show the run");
        assert_eq!(hint_of(&error), Some("`umapi-bulk runs list` shows the runs"));
        assert_eq!(error.chain().nth(1).map(ToString::to_string).as_deref(), Some("no run folder x"));
        assert_eq!(hint_of(&anyhow::anyhow!("plain")), None);
        assert_eq!(hint_of(&with_optional_hint(anyhow::anyhow!("plain"), None)), None);
    }

    #[test]
    fn typed_errors_stay_findable_under_a_hint() {
        let error = with_hint(std::io::Error::other("disk full"), "free some space");
        assert!(error.chain().any(|cause| cause.downcast_ref::<std::io::Error>().is_some()));
    }
}
