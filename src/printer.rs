//! Where text goes — all of the tool's terminal output but the progress display. stdout is data
//! (reports, JSON, CSV templates); stderr is for people (diagnostics, summaries, warnings,
//! errors). `--quiet` silences the people channel except errors (and, for diagnostics, except
//! error diagnostics), `--verbose` adds detail, `NO_COLOR` and a non-terminal stderr turn colour
//! off.
//!
//! Errors are rendered `error:` / `Caused by:` / `hint:` (the hint travels in the error, see
//! `crate::hint`); diagnostics through validation's one renderer. A reader that closes stdout
//! early (`... --format json | head -1`) is no error of ours: [`Printer::data`] reports it as
//! [`StdoutClosed`] and `main` ends quietly with exit 0.
//!
//! Only `commands`, `main`, `printer` and `progress` write to the terminal; library layers report
//! through return values and observer traits.

use std::io::{self, IsTerminal, Write};

use crate::hint::hint_of;
use crate::validation::{Diagnostic, Omitted, render};

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

/// stdout was closed by its reader: the command stops writing and the process ends quietly with 0.
#[derive(Debug, thiserror::Error)]
#[error("stdout was closed")]
pub struct StdoutClosed;

/// Whether an error only says that stdout was closed.
pub fn stdout_closed(error: &anyhow::Error) -> bool {
    error.chain().any(|cause| cause.is::<StdoutClosed>())
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

    /// Writes data to stdout (never silenced). A closed stdout is [`StdoutClosed`].
    pub fn data(&self, text: &str) -> anyhow::Result<()> {
        self.data_bytes(text.as_bytes())
    }

    /// Writes bytes to stdout (an export's CSV), like [`Printer::data`].
    pub fn data_bytes(&self, bytes: &[u8]) -> anyhow::Result<()> {
        let mut stdout = io::stdout().lock();
        match stdout.write_all(bytes).and_then(|()| stdout.flush()) {
            Ok(()) => Ok(()),
            Err(error) if error.kind() == io::ErrorKind::BrokenPipe => Err(StdoutClosed.into()),
            Err(error) => Err(anyhow::Error::new(error).context("cannot write to stdout")),
        }
    }

    /// A line for people (silenced by `--quiet`).
    pub fn info(&self, line: &str) {
        if self.verbosity >= Verbosity::Normal {
            self.people(&format!("{line}\n"));
        }
    }

    /// A line shown only with `--verbose`.
    pub fn detail(&self, line: &str) {
        if self.verbosity >= Verbosity::Verbose {
            self.people(&format!("{line}\n"));
        }
    }

    /// A warning line (`warning: ...`), silenced by `--quiet`.
    pub fn warn(&self, message: &str) {
        if self.verbosity >= Verbosity::Normal {
            let label = self.paint("warning", "33;1");
            self.people(&format!("{label}: {message}\n"));
        }
    }

    /// Diagnostics in the concise form, at most [`crate::validation::MAX_PRINTED`] of them and a
    /// count of the rest and of `omitted` (those never kept); with `--quiet` the errors only.
    pub fn diagnostics(&self, diagnostics: &[Diagnostic], omitted: &Omitted) {
        let text = if self.verbosity == Verbosity::Quiet {
            render::human_errors_of(diagnostics, omitted, self.color)
        } else {
            render::human_capped(diagnostics, omitted, self.color)
        };
        if !text.is_empty() {
            self.people(&text);
        }
    }

    /// An error with its cause chain and its hint, if it carries one; never silenced.
    pub fn error(&self, error: &anyhow::Error) {
        let mut text = format!("{}: {error}\n", self.paint("error", "31;1"));
        let mut previous = error.to_string();
        for cause in error.chain().skip(1) {
            let cause = cause.to_string();
            if cause != previous && !previous.ends_with(&cause) {
                text.push_str(&format!("  Caused by: {cause}\n"));
            }
            previous = cause;
        }
        if let Some(hint) = hint_of(error) {
            text.push_str(&format!("{}: {hint}\n", self.paint("hint", "36;1")));
        }
        self.people(&text);
    }

    /// A command-line error or `--help`/`--version` text, rendered by clap on the stream it chose.
    pub fn usage(&self, error: &clap::Error) {
        let _ = error.print();
    }

    /// Wraps `text` in an ANSI colour when colour is on.
    pub fn paint(&self, text: &str, code: &str) -> String {
        if self.color { format!("\x1b[{code}m{text}\x1b[0m") } else { text.to_string() }
    }

    /// Writes to stderr; a closed stderr is ignored (there is nobody left to tell).
    fn people(&self, text: &str) {
        let _ = io::stderr().lock().write_all(text.as_bytes());
    }
}
