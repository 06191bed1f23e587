//! What the run-robustness tests share (signals, resume, write failures, chaos): the binary as a
//! running child whose stderr is collected line by line, signals sent to it by name, its exit
//! awaited with a deadline, and readers for a run folder's journal.

#![allow(dead_code)]

use std::io::{BufRead, BufReader};
use std::path::Path;
use std::process::{Child, ExitStatus, Stdio};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use crate::harness::poll;

/// A running `umapi-bulk` child.
pub struct Running {
    pub child: Child,
    stderr: Arc<Mutex<String>>,
    reader: Option<std::thread::JoinHandle<()>>,
    /// The unread stderr pipe of a child started with [`Running::start_unread`].
    pipe: Option<std::process::ChildStderr>,
}

impl Running {
    /// Starts the binary in `dir` with `args`, stdout discarded, stderr collected.
    pub fn start(dir: &Path, args: &[&str]) -> Self {
        let mut running = Self::start_unread(dir, args);
        let pipe = running.pipe.take().unwrap_or_else(|| panic!("no stderr"));
        let sink = running.stderr.clone();
        running.reader = Some(std::thread::spawn(move || {
            for line in BufReader::new(pipe).lines().map_while(Result::ok) {
                if let Ok(mut text) = sink.lock() {
                    text.push_str(&line);
                    text.push('\n');
                }
            }
        }));
        running
    }

    /// Starts the binary with its stderr on a pipe nobody reads until [`Running::close_stderr`]
    /// closes it, as a terminal that goes away (keep the output under the pipe's 64 KiB).
    pub fn start_unread(dir: &Path, args: &[&str]) -> Self {
        let mut command = crate::harness::command(dir);
        command.args(args).stdout(Stdio::null()).stderr(Stdio::piped());
        let mut child = command.spawn().unwrap_or_else(|error| panic!("cannot start umapi-bulk: {error}"));
        let pipe = child.stderr.take();
        Self { child, stderr: Arc::new(Mutex::new(String::new())), reader: None, pipe }
    }

    /// What the child wrote to stderr so far.
    pub fn stderr(&self) -> String {
        self.stderr.lock().map(|text| text.clone()).unwrap_or_default()
    }

    /// Waits (with a deadline) until stderr contains `needle`.
    pub async fn wait_for_stderr(&self, needle: &str, deadline: Duration) {
        let stderr = self.stderr.clone();
        let found = crate::harness::wait_for(deadline, || {
            let found = stderr.lock().is_ok_and(|text| text.contains(needle));
            async move { found.then_some(()) }
        })
        .await;
        assert!(found.is_some(), "stderr never said {needle:?}:\n{}", self.stderr());
    }

    /// Sends `signal` (`INT`, `TERM`, `HUP`, `KILL`) to the child.
    pub fn signal(&self, signal: &str) {
        let status =
            std::process::Command::new("kill").args([&format!("-{signal}"), &self.child.id().to_string()]).status();
        assert!(status.is_ok_and(|status| status.success()), "kill -{signal} failed");
    }

    /// Closes our end of the unread stderr pipe: the child's writes to stderr fail from now on
    /// (EPIPE), as after an SSH session closed.
    pub fn close_stderr(&mut self) {
        drop(self.pipe.take());
    }

    /// Waits for the child to exit (failing the test at the deadline) and returns its status and
    /// its whole stderr.
    pub async fn exit(mut self, deadline: Duration) -> (ExitStatus, String) {
        let status = poll(deadline, || {
            let exited = self.child.try_wait().ok().flatten();
            async move { exited }
        })
        .await;
        if let Some(reader) = self.reader.take() {
            let _ = reader.join();
        }
        (status, self.stderr())
    }
}

/// The lines of a run folder's journal with this `type`.
pub fn journal_lines(run: &Path, kind: &str) -> usize {
    let journal = std::fs::read_to_string(run.join("journal.jsonl")).unwrap_or_default();
    journal.matches(&format!("\"type\":\"{kind}\"")).count()
}
