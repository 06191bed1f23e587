//! Running request batches against UMAPI: concurrency, pacing, cancellation, the journal and
//! resume. Reports progress through an observer trait; never draws on the terminal.
//!
//! Input: the planner's [`Batch`]es (`plan::batch`, re-exported here). Output: a [`RunReport`]
//! with exactly one [`CommandOutcome`] per command, the follow-up batches the run added to settle
//! packed `usergroup` steps that failed or went unanswered (`packed`, `resolution`), and how each of
//! their users was settled; [`RunReport::row_outcomes`] gives every input row its own outcomes. This layer sits on `umapi` (client, retry,
//! throttle) and takes plain options ([`ExecuteOptions`]); it must not import the terminal
//! (`indicatif`, `printer`, `progress`), the settings, the exit codes, or the CSV and report layers.
//! How a run's end maps to an exit code is decided at the top (`exit_status`).

mod batch_task;
pub mod executor;
pub mod journal;
pub mod mapping;
pub mod no_ops;
pub mod observer;
pub mod outcome;
pub mod packed;
mod resolution;
pub mod resume;
mod schedule;

pub use crate::plan::batch::{Batch, CommandSource, MemberSource, batch_id, check_plan};
pub use crate::umapi::cancel::CancelToken;
pub use executor::{ExecuteError, ExecuteOptions, ResumedRun, execute, resume};
pub use journal::{JOURNAL_FILE, JournalError};
pub use observer::Observer;
pub use outcome::{
    AbortKind, AbortReason, BatchResult, CommandOutcome, CommandWarning, NotAttemptedReason, RunEnd, RunReport,
    RunStatistics,
};
pub use packed::{MemberRef, MemberSettlement, Settled};
pub use resume::{ResumeState, Segment, read_journal};
