//! Where text goes. stdout is data (reports, JSON, CSV templates); stderr is for people
//! (diagnostics, progress, summaries). `--quiet` silences the people channel except errors,
//! `--verbose` adds detail, `NO_COLOR` and a non-terminal stderr turn colour off.
//!
//! Only `commands`, `printer` and `progress` write to the terminal; library layers report through
//! return values and observer traits.

use std::io::{self, IsTerminal, Write};

/// How chatty the people channel is.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub enum Verbosity {
    /// Errors only.
    Quiet,
    /// Normal output.
    Normal,
    /// Extra detail (`--verbose`).
    Verbose,
}

/// The one printer of a process.
#[derive(Clone, Debug)]
pub struct Printer {
    verbosity: Verbosity,
    color: bool,
    stderr_is_terminal: bool,
}

impl Printer {
    /// A printer for this process: colour only when stderr is a terminal and `NO_COLOR` is unset.
    pub fn new(verbosity: Verbosity) -> Self {
        let stderr_is_terminal = io::stderr().is_terminal();
        let color = stderr_is_terminal && std::env::var_os("NO_COLOR").is_none_or(|value| value.is_empty());
        Self { verbosity, color, stderr_is_terminal }
    }

    /// The verbosity.
    pub fn verbosity(&self) -> Verbosity {
        self.verbosity
    }

    /// Whether stderr is a terminal (progress bars are drawn only then).
    pub fn stderr_is_terminal(&self) -> bool {
        self.stderr_is_terminal
    }

    /// Whether colour escapes may be used on stderr.
    pub fn color(&self) -> bool {
        self.color
    }

    /// Writes data to stdout (never silenced).
    pub fn data(&self, text: &str) -> io::Result<()> {
        let mut stdout = io::stdout().lock();
        stdout.write_all(text.as_bytes())?;
        stdout.flush()
    }

    /// A line for people (silenced by `--quiet`).
    pub fn info(&self, line: &str) {
        if self.verbosity >= Verbosity::Normal {
            let _ = writeln!(io::stderr().lock(), "{line}");
        }
    }

    /// A line shown only with `--verbose`.
    pub fn detail(&self, line: &str) {
        if self.verbosity >= Verbosity::Verbose {
            let _ = writeln!(io::stderr().lock(), "{line}");
        }
    }

    /// A warning line (`warning: ...`), silenced by `--quiet`.
    pub fn warn(&self, message: &str) {
        if self.verbosity >= Verbosity::Normal {
            let label = self.paint("warning", "33;1");
            let _ = writeln!(io::stderr().lock(), "{label}: {message}");
        }
    }

    /// An error with its cause chain and an optional hint (see [`with_hint`]); never silenced.
    pub fn error(&self, error: &anyhow::Error) {
        let mut stderr = io::stderr().lock();
        let label = self.paint("error", "31;1");
        let _ = writeln!(stderr, "{label}: {error}");
        let mut previous = error.to_string();
        for cause in error.chain().skip(1) {
            let text = cause.to_string();
            if text != previous && !previous.ends_with(&text) {
                let _ = writeln!(stderr, "  Caused by: {text}");
            }
            previous = text;
        }
        if let Some(hinted) = error.chain().find_map(|cause| cause.downcast_ref::<HintedError>()) {
            let label = self.paint("hint", "36;1");
            let _ = writeln!(stderr, "{label}: {}", hinted.hint);
        }
    }

    /// Wraps `text` in an ANSI colour when colour is on.
    pub fn paint(&self, text: &str, code: &str) -> String {
        if self.color { format!("\x1b[{code}m{text}\x1b[0m") } else { text.to_string() }
    }
}

/// Attaches a `hint:` line to an error: the error keeps its message, the printer shows the hint.
pub fn with_hint(error: anyhow::Error, hint: impl Into<String>) -> anyhow::Error {
    let hint = hint.into();
    let message = error.to_string();
    anyhow::Error::new(HintedError { message, hint, source: error })
}

#[derive(Debug)]
struct HintedError {
    message: String,
    hint: String,
    source: anyhow::Error,
}

impl std::fmt::Display for HintedError {
    fn fmt(&self, formatter: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        formatter.write_str(&self.message)
    }
}

impl std::error::Error for HintedError {
    fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
        Some(self.source.as_ref())
    }
}
