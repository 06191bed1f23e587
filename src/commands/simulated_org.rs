//! The simulator behind `--sim` (not the `sim` verb): started in-process for one command, with a
//! fresh copy of the demo org built into the binary, or with the org kept in a `--sim-state FILE`.
//!
//! A kept org follows these rules (docs/try-it.md says them to users):
//! - FILE is read when the command starts; when it does not exist the demo org is used, and FILE is
//!   created when the command ends.
//! - When the command ends — successfully, with failed rows, with an error after the simulator
//!   started, or stopped by Ctrl-C (which `apply` turns into a normal end) — the org as the
//!   simulator left it is written back, under a temporary name renamed over FILE, so FILE is always
//!   either the old org or the new one, never half of either. A command that changed nothing leaves
//!   an existing FILE untouched.
//! - A process killed outright (`kill -9`, a power cut) writes nothing: FILE keeps the org from
//!   before the command, even though the run folder may record changes made to it.
//! - While a command uses FILE it holds an advisory lock on it; a second command on the same FILE
//!   is refused at once instead of losing one of the two commands' changes.
//!
//! Only `commands/mod.rs` uses this file; it prints nothing but returns the lines to print.

use std::path::{Path, PathBuf};

use anyhow::Context as _;

use crate::hint::with_hint;
use crate::sim::{self, OrgState, SimHandle, SimOptions};
use crate::text::plural;

/// A simulator running for one command, and where its org is kept, if anywhere.
pub(super) struct Simulated {
    /// The running simulator.
    pub(super) handle: SimHandle,
    kept: Option<Kept>,
}

/// A `--sim-state FILE` org.
struct Kept {
    path: PathBuf,
    /// The org as loaded, in the state file's format; `None` when FILE did not exist.
    loaded: Option<String>,
    /// The advisory lock on FILE, held until the command ends.
    _lock: Option<std::fs::File>,
}

impl Simulated {
    /// Starts the simulator with the demo org, or with the org of `state_file` (the demo org when it
    /// does not exist yet); returns it with the line that says which org it is.
    pub(super) async fn start(state_file: Option<&Path>) -> anyhow::Result<(Self, String)> {
        let (state, kept) = match state_file {
            None => (sim::demo_state()?, None),
            Some(path) => {
                let (state, kept) = load_kept(path)?;
                (state, Some(kept))
            }
        };
        let org_id = state.org_id.clone();
        let handle = sim::start(SimOptions::demo(state)).await.context("cannot start the built-in simulator")?;
        let which = match &kept {
            None => format!(
                "a fresh demo org ({org_id}) for this command only: its changes are gone when it ends \
                 (--sim-state FILE keeps them)"
            ),
            Some(Kept { path, loaded: Some(_), .. }) => {
                format!("the org kept in {} ({org_id}), saved back there when this command ends", path.display())
            }
            Some(Kept { path, loaded: None, .. }) => format!(
                "a fresh demo org ({org_id}), saved to {} when this command ends (it does not exist yet)",
                path.display()
            ),
        };
        let line = format!(
            "using the built-in UMAPI simulator at {} with {which}; nothing leaves this machine",
            handle.base_url()
        );
        Ok((Self { handle, kept }, line))
    }

    /// Saves a kept org (when it changed, or its file does not exist yet) and stops the simulator.
    /// Returns the line to print: what was saved, or why it could not be (the command's own outcome
    /// stands either way).
    pub(super) async fn finish(self) -> Option<Result<String, String>> {
        let saved = self.kept.as_ref().and_then(|kept| save(kept, &self.handle.org_state()));
        self.handle.shutdown().await;
        saved
    }
}

/// Reads and locks a `--sim-state` file, or takes the demo org when it does not exist.
fn load_kept(path: &Path) -> anyhow::Result<(OrgState, Kept)> {
    let cannot_use = |error: anyhow::Error| {
        with_hint(
            error.context(format!("cannot use the simulated org kept in {}", path.display())),
            "fix the file (its format: docs/simulator.md), or delete it to start again from the demo org",
        )
    };
    let file = match std::fs::File::open(path) {
        Ok(file) => file,
        Err(error) if error.kind() == std::io::ErrorKind::NotFound => {
            let state = sim::demo_state()?;
            return Ok((state, Kept { path: path.to_path_buf(), loaded: None, _lock: None }));
        }
        Err(error) => return Err(cannot_use(anyhow::Error::new(error))),
    };
    let locked = fs4::fs_std::FileExt::try_lock_exclusive(&file).map_err(|error| cannot_use(error.into()))?;
    if !locked {
        return Err(with_hint(
            anyhow::anyhow!("the simulated org in {} is in use by another umapi-bulk command", path.display()),
            "wait for that command to end (each command saves the org when it ends), then run this one",
        ));
    }
    let state = sim::load_state(path).map_err(cannot_use)?;
    let loaded = sim::state_file_text(&state)?;
    Ok((state, Kept { path: path.to_path_buf(), loaded: Some(loaded), _lock: Some(file) }))
}

/// Writes the org back when it changed (or the file is new): `None` when nothing needed writing.
fn save(kept: &Kept, state: &OrgState) -> Option<Result<String, String>> {
    let text = match sim::state_file_text(state) {
        Ok(text) => text,
        Err(error) => return Some(Err(format!("{error:#}"))),
    };
    if kept.loaded.as_deref() == Some(text.as_str()) {
        return None;
    }
    Some(match write_atomically(&kept.path, text.as_bytes()) {
        Ok(()) => Ok(format!(
            "saved the simulated org ({}) to {}",
            plural(state.users.len(), "user", "users"),
            kept.path.display()
        )),
        Err(error) => Err(format!("cannot save the simulated org to {}: {error:#}", kept.path.display())),
    })
}

/// Writes `bytes` beside `path` under a temporary name, flushes it to disk, then renames it over
/// `path`: a reader sees the old file or the new one, never a part.
fn write_atomically(path: &Path, bytes: &[u8]) -> anyhow::Result<()> {
    use std::io::Write as _;

    let name = path.file_name().map(|name| name.to_string_lossy().to_string()).unwrap_or_default();
    let temporary = path.with_file_name(format!(".{name}.{}.tmp", std::process::id()));
    let written = (|| -> std::io::Result<()> {
        let mut file = std::fs::File::create(&temporary)?;
        file.write_all(bytes)?;
        file.sync_all()?;
        std::fs::rename(&temporary, path)
    })();
    if written.is_err() {
        let _ = std::fs::remove_file(&temporary);
    }
    written.with_context(|| format!("cannot write {}", path.display()))
}
