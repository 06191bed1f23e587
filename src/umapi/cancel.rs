//! Cancellation: a cloneable token that `apply` wires to Ctrl-C. Once cancelled, the executor and
//! the client start nothing new; requests already on the wire finish and are journaled. Forced (a
//! second Ctrl-C), the client also abandons the requests on the wire: their answers are never read,
//! the journal keeps them as sent-but-unanswered, and a resume sends them again (every command is
//! idempotent, UMAPI.md D "unknown outcome"). Either way the run ends through its normal return
//! path, so the journal's end and the reports are still written.
//!
//! Built on `tokio::sync::watch` so that a waiter can never miss the signal (the value is sticky).
//! A [`CancelToken::child`] sees its parent's cancel and force but can be cancelled alone: the
//! executor stops its own sends (a park, an abort) through a child of the run's token.
//! It lives in `umapi` because the client honours it at every wait; `execute` re-exports it. This
//! file must not install signal handlers; that is the command's job.

use std::sync::{Arc, Mutex, Weak};

use tokio::sync::watch;

const RUNNING: u8 = 0;
const CANCELLED: u8 = 1;
const FORCED: u8 = 2;

/// A cancellation signal shared by clones.
#[derive(Clone, Debug)]
pub struct CancelToken {
    inner: Arc<Inner>,
}

#[derive(Debug)]
struct Inner {
    sender: watch::Sender<u8>,
    /// Tokens made by [`CancelToken::child`]: they see every cancel of this one.
    children: Mutex<Vec<Weak<Inner>>>,
}

impl Inner {
    fn new(level: u8) -> Arc<Self> {
        let (sender, _) = watch::channel(level);
        Arc::new(Self { sender, children: Mutex::new(Vec::new()) })
    }

    /// Raises the level (never lowers it) here and in every live child.
    fn raise(&self, level: u8) {
        self.sender.send_if_modified(|state| {
            let before = *state;
            *state = before.max(level);
            *state != before
        });
        let mut children = self.children.lock().unwrap_or_else(|poisoned| poisoned.into_inner());
        children.retain(|child| child.strong_count() > 0);
        for child in children.iter().filter_map(Weak::upgrade) {
            child.raise(level);
        }
    }
}

impl Default for CancelToken {
    fn default() -> Self {
        Self::new()
    }
}

impl CancelToken {
    /// A token that is not cancelled.
    pub fn new() -> Self {
        Self { inner: Inner::new(RUNNING) }
    }

    /// A token that is cancelled (or forced) whenever this one is, and that can also be cancelled on
    /// its own without touching this one. The executor stops its own work (a park, an abort) through
    /// a child of the run's token, so a signal reaches every wait of the client at once.
    pub fn child(&self) -> Self {
        let mut children = self.inner.children.lock().unwrap_or_else(|poisoned| poisoned.into_inner());
        // Read under the lock `raise` propagates under: a cancel is either seen here or propagated.
        let child = Inner::new(*self.inner.sender.borrow());
        children.push(Arc::downgrade(&child));
        Self { inner: child }
    }

    /// Cancels: every clone (and child) sees it, now and later.
    pub fn cancel(&self) {
        self.inner.raise(CANCELLED);
    }

    /// Cancels and abandons the requests on the wire (implies [`cancel`](Self::cancel)).
    pub fn force(&self) {
        self.inner.raise(FORCED);
    }

    /// Whether [`cancel`](Self::cancel) (or [`force`](Self::force)) was called.
    pub fn is_cancelled(&self) -> bool {
        *self.inner.sender.borrow() >= CANCELLED
    }

    /// Whether [`force`](Self::force) was called.
    pub fn is_forced(&self) -> bool {
        *self.inner.sender.borrow() >= FORCED
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
        let mut receiver = self.inner.sender.subscribe();
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

    #[tokio::test]
    async fn a_child_sees_its_parent_but_not_the_other_way_round() {
        let parent = CancelToken::new();
        let child = parent.child();
        child.cancel();
        assert!(child.is_cancelled() && !parent.is_cancelled(), "a child's own stop stays its own");
        let other = parent.child();
        let waiter = {
            let other = other.clone();
            tokio::spawn(async move { other.forced().await })
        };
        parent.force();
        assert!(waiter.await.is_ok());
        assert!(other.is_forced() && child.is_forced());
        let late = parent.child();
        assert!(late.is_forced(), "a child made after the fact starts forced");
    }
}
