//! Cancellation: a cloneable token that `apply` wires to Ctrl-C. Once cancelled, the executor and
//! the client start nothing new; requests already on the wire finish and are journaled. Forced (a
//! second Ctrl-C), the client also abandons the requests on the wire: their answers are never read,
//! the journal keeps them as sent-but-unanswered, and a resume sends them again (every command is
//! idempotent, UMAPI.md D "unknown outcome"). Either way the run ends through its normal return
//! path, so the journal's end and the reports are still written.
//!
//! Built on `tokio::sync::watch` so that a waiter can never miss the signal (the value is sticky).
//! It lives in `umapi` because the client honours it at every wait; `execute` re-exports it. This
//! file must not install signal handlers; that is the command's job.

use std::sync::Arc;

use tokio::sync::watch;

const RUNNING: u8 = 0;
const CANCELLED: u8 = 1;
const FORCED: u8 = 2;

/// A cancellation signal shared by clones.
#[derive(Clone, Debug)]
pub struct CancelToken {
    sender: Arc<watch::Sender<u8>>,
}

impl Default for CancelToken {
    fn default() -> Self {
        Self::new()
    }
}

impl CancelToken {
    /// A token that is not cancelled.
    pub fn new() -> Self {
        let (sender, _) = watch::channel(RUNNING);
        Self { sender: Arc::new(sender) }
    }

    /// Cancels: every clone sees it, now and later.
    pub fn cancel(&self) {
        self.sender.send_if_modified(|state| {
            let before = *state;
            *state = before.max(CANCELLED);
            *state != before
        });
    }

    /// Cancels and abandons the requests on the wire (implies [`cancel`](Self::cancel)).
    pub fn force(&self) {
        self.sender.send_replace(FORCED);
    }

    /// Whether [`cancel`](Self::cancel) (or [`force`](Self::force)) was called.
    pub fn is_cancelled(&self) -> bool {
        *self.sender.borrow() >= CANCELLED
    }

    /// Whether [`force`](Self::force) was called.
    pub fn is_forced(&self) -> bool {
        *self.sender.borrow() >= FORCED
    }

    /// Completes when the token is cancelled (at once if it already is).
    pub async fn cancelled(&self) {
        self.reached(CANCELLED).await;
    }

    /// Completes when the token is forced (at once if it already is).
    pub async fn forced(&self) {
        self.reached(FORCED).await;
    }

    async fn reached(&self, level: u8) {
        let mut receiver = self.sender.subscribe();
        // The sender lives as long as `self`, so `wait_for` only returns once the level is reached.
        let _ = receiver.wait_for(|state| *state >= level).await;
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn every_clone_sees_a_cancel_even_after_the_fact() {
        let token = CancelToken::new();
        let clone = token.clone();
        assert!(!clone.is_cancelled());
        let waiter = tokio::spawn(async move { clone.cancelled().await });
        token.cancel();
        assert!(waiter.await.is_ok());
        assert!(token.is_cancelled());
        token.cancelled().await;
    }

    #[tokio::test]
    async fn forcing_cancels_too_and_a_cancel_never_undoes_a_force() {
        let token = CancelToken::new();
        token.cancel();
        assert!(!token.is_forced());
        let clone = token.clone();
        let waiter = tokio::spawn(async move { clone.forced().await });
        token.force();
        assert!(waiter.await.is_ok());
        token.cancel();
        assert!(token.is_forced() && token.is_cancelled());
        token.cancelled().await;
    }
}
