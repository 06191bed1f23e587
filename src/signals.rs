//! The signals that stop a run: Ctrl-C (SIGINT), SIGTERM (sent by `timeout`, systemd, container
//! runtimes) and SIGHUP (a closed SSH session or terminal). Each stops a run the same way: the first
//! cancels the run's [`CancelToken`] (requests in flight finish, nothing new starts), the second of
//! any of them forces it (requests in flight are abandoned; resume sends them again). Either way the
//! run returns through its normal path: the journal's end record, the reports, the summary, the lock
//! released, exit 130. On other systems than Unix only Ctrl-C exists (Windows' console Ctrl-C and
//! Ctrl-Break), and it works the same way.
//!
//! The handlers are installed when [`watch`] returns (not when a task first runs), so a signal that
//! arrives afterwards is never lost to the default action, which would end the process without
//! reports. Used by `commands` only; it prints nothing itself: what to say goes to `say`.

use crate::umapi::CancelToken;

/// The first signal's message for Ctrl-C; the other signals name themselves.
const LETTING_FINISH: &str = "letting requests in flight finish, starting nothing new";

/// Which signal arrived.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Signal {
    /// Ctrl-C (SIGINT on Unix).
    Interrupt,
    /// SIGTERM.
    Terminate,
    /// SIGHUP.
    Hangup,
}

impl Signal {
    /// What a person reads when it arrives first.
    pub fn first_message(self) -> String {
        match self {
            Self::Interrupt => format!("interrupted: {LETTING_FINISH} (Ctrl-C again to force)"),
            Self::Terminate => format!("interrupted by SIGTERM: {LETTING_FINISH} (a second signal forces)"),
            Self::Hangup => format!("interrupted by SIGHUP (the terminal closed): {LETTING_FINISH}"),
        }
    }
}

/// What a person reads when a second signal forces the stop.
pub const FORCED_MESSAGE: &str =
    "forced: abandoning the requests in flight (resume sends them again); writing the reports";

/// Installs the handlers now and spawns the task that turns signals into cancellation: the first
/// cancels `cancel`, the second forces it. `say` gets a line for each. Must be called inside a
/// tokio runtime.
pub fn watch(cancel: CancelToken, say: impl Fn(&str) + Send + 'static) -> std::io::Result<()> {
    let mut signals = Signals::install()?;
    tokio::spawn(async move {
        let Some(first) = signals.next().await else { return };
        say(&first.first_message());
        cancel.cancel();
        if signals.next().await.is_some() {
            say(FORCED_MESSAGE);
            cancel.force();
        }
    });
    Ok(())
}

#[cfg(unix)]
struct Signals {
    interrupt: tokio::signal::unix::Signal,
    terminate: tokio::signal::unix::Signal,
    hangup: tokio::signal::unix::Signal,
}

#[cfg(unix)]
impl Signals {
    fn install() -> std::io::Result<Self> {
        use tokio::signal::unix::{SignalKind, signal};
        Ok(Self {
            interrupt: signal(SignalKind::interrupt())?,
            terminate: signal(SignalKind::terminate())?,
            hangup: signal(SignalKind::hangup())?,
        })
    }

    async fn next(&mut self) -> Option<Signal> {
        tokio::select! {
            received = self.interrupt.recv() => received.map(|()| Signal::Interrupt),
            received = self.terminate.recv() => received.map(|()| Signal::Terminate),
            received = self.hangup.recv() => received.map(|()| Signal::Hangup),
        }
    }
}

#[cfg(windows)]
struct Signals {
    ctrl_c: tokio::signal::windows::CtrlC,
    ctrl_break: tokio::signal::windows::CtrlBreak,
}

#[cfg(windows)]
impl Signals {
    fn install() -> std::io::Result<Self> {
        Ok(Self { ctrl_c: tokio::signal::windows::ctrl_c()?, ctrl_break: tokio::signal::windows::ctrl_break()? })
    }

    async fn next(&mut self) -> Option<Signal> {
        tokio::select! {
            received = self.ctrl_c.recv() => received.map(|()| Signal::Interrupt),
            received = self.ctrl_break.recv() => received.map(|()| Signal::Interrupt),
        }
    }
}

#[cfg(all(test, unix))]
mod tests {
    use super::*;
    use std::sync::{Arc, Mutex};
    use std::time::Duration;

    /// Raises `signal` at this process (the handlers installed by `watch` catch it).
    fn raise(signal: &str) {
        let status =
            std::process::Command::new("kill").args([&format!("-{signal}"), &std::process::id().to_string()]).status();
        assert!(status.is_ok_and(|status| status.success()), "kill -{signal} failed");
    }

    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn sighup_cancels_and_a_following_sigterm_forces() {
        let cancel = CancelToken::new();
        let said = Arc::new(Mutex::new(Vec::<String>::new()));
        let sink = said.clone();
        watch(cancel.clone(), move |line| {
            sink.lock().unwrap_or_else(|poisoned| poisoned.into_inner()).push(line.into())
        })
        .unwrap_or_else(|error| panic!("{error}"));
        raise("HUP");
        tokio::time::timeout(Duration::from_secs(10), cancel.cancelled())
            .await
            .unwrap_or_else(|_| panic!("not cancelled"));
        assert!(!cancel.is_forced());
        raise("TERM");
        tokio::time::timeout(Duration::from_secs(10), cancel.forced()).await.unwrap_or_else(|_| panic!("not forced"));
        let said = said.lock().unwrap_or_else(|poisoned| poisoned.into_inner()).clone();
        assert!(said[0].starts_with("interrupted by SIGHUP"), "{said:?}");
        assert_eq!(said[1], FORCED_MESSAGE);
    }
}
