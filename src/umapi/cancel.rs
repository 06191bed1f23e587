//! Cancellation: a cloneable token that `apply` wires to Ctrl-C. Once cancelled, the executor and
//! the client start nothing new; requests already on the wire finish and are journaled.
//!
//! Built on `tokio::sync::watch` so that a waiter can never miss the signal (the value is sticky).
//! It lives in `umapi` because the client honours it at every wait; `execute` re-exports it. This
//! file must not install signal handlers; that is the command's job.

use std::sync::Arc;

use tokio::sync::watch;

/// A cancellation signal shared by clones.
#[derive(Clone, Debug)]
pub struct CancelToken {
    sender: Arc<watch::Sender<bool>>,
}

impl Default for CancelToken {
    fn default() -> Self {
        Self::new()
    }
}

impl CancelToken {
    /// A token that is not cancelled.
    pub fn new() -> Self {
        let (sender, _) = watch::channel(false);
        Self { sender: Arc::new(sender) }
    }

    /// Cancels: every clone sees it, now and later.
    pub fn cancel(&self) {
        self.sender.send_replace(true);
    }

    /// Whether [`cancel`](Self::cancel) was called.
    pub fn is_cancelled(&self) -> bool {
        *self.sender.borrow()
    }

    /// Completes when the token is cancelled (at once if it already is).
    pub async fn cancelled(&self) {
        let mut receiver = self.sender.subscribe();
        // The sender lives as long as `self`, so `wait_for` only returns once the value is true.
        let _ = receiver.wait_for(|cancelled| *cancelled).await;
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
}
