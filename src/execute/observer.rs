//! The executor's progress interface: [`Observer`] extends the client's
//! [`ClientObserver`](crate::umapi::observe::ClientObserver) with run and batch events.
//!
//! This layer never draws on the terminal (no indicatif here); `apply` implements the trait with
//! progress bars and a countdown. Methods are called from the executor's tasks, so they must be
//! cheap and must not block. Nothing passed here carries a secret.

use std::time::Duration;

use time::OffsetDateTime;

use crate::execute::outcome::CommandOutcome;
use crate::plan::batch::Batch;
use crate::umapi::observe::{ClientObserver, NoObserver};

/// Receives the executor's events; every method has a do-nothing default.
pub trait Observer: ClientObserver {
    /// The run starts: `batches`/`commands` still to send, `known` commands already settled in the
    /// journal (resume; 0 for a fresh run).
    fn run_started(&self, _batches: usize, _commands: usize, _known: usize) {}

    /// A batch's first attempt is about to be sent.
    fn batch_started(&self, _batch: &Batch) {}

    /// A batch got its final outcomes (one per command, aligned with `batch.commands`). Also called
    /// for batches that end not attempted when the run stops.
    fn batch_finished(&self, _batch: &Batch, _outcomes: &[CommandOutcome]) {}

    /// Packed steps are being settled (`what` says which group is read, or how many users are
    /// sent again); said once per group or round.
    fn settling(&self, _what: &str) {}

    /// Follow-up batches joined the run (`batches` requests of `commands` commands) to settle
    /// packed steps the answers left open.
    fn batches_added(&self, _batches: usize, _commands: usize) {}

    /// The run stops starting new requests: cancelled, parked or aborted; in-flight ones finish.
    fn stopping(&self, _why: &str) {}

    /// The run parks: UMAPI asked for `wait`, longer than `max_wait`; resume after `resume_after`.
    fn parked(&self, _resume_after: OffsetDateTime, _wait: Duration) {}
}

impl Observer for NoObserver {}
