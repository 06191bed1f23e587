//! Running request batches against UMAPI: concurrency, pacing, cancellation, the journal and
//! resume. Reports progress through an observer trait; never draws on the terminal.
//!
//! Input: the planner's [`Batch`]es. Output: a [`RunReport`] with exactly one [`CommandOutcome`]
//! per command. This layer sits on `umapi` (client, retry, throttle) and must not import the
//! terminal (`indicatif`, `printer`) or the CSV and report layers.

pub mod batch;
pub mod executor;
pub mod journal;
pub mod mapping;
pub mod observer;
pub mod outcome;
pub mod resume;

pub use crate::umapi::cancel::CancelToken;
pub use batch::{Batch, CommandSource, PlanError, batch_id, check_plan};
pub use executor::{ExecuteError, ExecuteOptions, ResumedRun, execute, resume};
pub use journal::{JOURNAL_FILE, JournalError};
pub use observer::Observer;
pub use outcome::{
    AbortKind, AbortReason, BatchResult, CommandOutcome, CommandWarning, NotAttemptedReason, RunEnd, RunReport,
    RunStatistics,
};
pub use resume::{ResumeState, read_journal};
