//! The run folder's name and layout: `runs/<UTC timestamp>-<op>-<file stem>/` holding the reports,
//! `plan.json` and `journal.jsonl` (SPEC 5). `apply` creates folders; `runs` lists, shows and
//! prunes them.

use std::path::{Path, PathBuf};

use anyhow::Context;
use time::OffsetDateTime;
use time::macros::format_description;

/// `results.csv`.
pub const RESULTS: &str = "results.csv";
/// `deficit.csv`.
pub const DEFICIT: &str = "deficit.csv";
/// `retry.csv`.
pub const RETRY: &str = "retry.csv";
/// `undo.csv`.
pub const UNDO: &str = "undo.csv";
/// `summary.json`.
pub const SUMMARY: &str = "summary.json";
/// `journal.jsonl`.
pub const JOURNAL: &str = "journal.jsonl";
/// `plan.json`: the requests of the run, written before anything is sent.
pub const PLAN: &str = "plan.json";
/// `run.lock`: held while an `apply` works on the folder.
pub const LOCK: &str = "run.lock";

/// Exclusive use of a run folder by one `apply` process (a fresh run or a resume), held for as long
/// as the value lives.
///
/// The operating system arbitrates: the lock is an advisory whole-file lock (`flock` on Unix,
/// `LockFileEx` on Windows, through `fs4`) on `run.lock`, taken without waiting. Two processes can
/// never both hold it, whatever the timing, and the system drops it when its holder ends, however it
/// ends (a crash or `kill -9` included), so a lock left behind is simply taken over: no stale-lock
/// guessing, no delete-then-create race. The file itself is never deleted (deleting it while another
/// process has it open would let a third lock a fresh file beside the second); a later holder
/// overwrites it. Our process id is written inside only so that a refused process can name the
/// holder; a process id that the system reused for an unrelated process therefore blocks nothing.
#[derive(Debug)]
pub struct RunLock {
    /// The open, locked file; closing it (on drop) releases the lock.
    _file: std::fs::File,
}

impl RunLock {
    /// Takes the folder's lock, or explains which process holds it and how to check on it.
    pub fn acquire(folder: &Path) -> anyhow::Result<Self> {
        use fs4::fs_std::FileExt as _;
        use std::io::Write as _;

        let path = folder.join(LOCK);
        let mut file = std::fs::OpenOptions::new()
            .read(true)
            .write(true)
            .create(true)
            .truncate(false)
            .open(&path)
            .with_context(|| format!("cannot open the lock file {}", path.display()))?;
        let locked = file
            .try_lock_exclusive()
            .with_context(|| format!("cannot lock {} ({})", folder.display(), path.display()))?;
        if !locked {
            let holder = std::fs::read_to_string(&path).ok().and_then(|text| text.trim().parse::<u32>().ok());
            return Err(held_by(folder, holder));
        }
        // Ours now: replace whatever an earlier holder wrote with our process id (for messages only).
        file.set_len(0)
            .and_then(|()| file.write_all(std::process::id().to_string().as_bytes()))
            .with_context(|| format!("cannot write the lock file {}", path.display()))?;
        Ok(Self { _file: file })
    }
}

/// The error for a folder whose lock another process holds: who, and how to check on it.
fn held_by(folder: &Path, holder: Option<u32>) -> anyhow::Error {
    let Some(pid) = holder else {
        return anyhow::anyhow!(
            "another umapi-bulk apply is working on {}; nothing was sent (run the command again once it has ended)",
            folder.display()
        );
    };
    let check = if cfg!(windows) { format!("tasklist /FI \"PID eq {pid}\"") } else { format!("ps -p {pid}") };
    anyhow::anyhow!(
        "another umapi-bulk apply (process {pid}) is working on {}; nothing was sent (check it with `{check}`; run \
         the command again once it has ended)",
        folder.display()
    )
}

const STAMP: &[time::format_description::BorrowedFormatItem<'static>] =
    format_description!("[year][month][day]T[hour][minute][second]Z");

/// The folder name for a run started at `when`.
pub fn folder_name(when: OffsetDateTime, operation: &str, file: &Path) -> String {
    let stamp = when.format(STAMP).unwrap_or_else(|_| when.unix_timestamp().to_string());
    let stem = file.file_stem().map(|stem| stem.to_string_lossy().to_string()).unwrap_or_default();
    let stem: String = stem
        .chars()
        .map(
            |character| {
                if character.is_alphanumeric() || character == '-' || character == '_' { character } else { '_' }
            },
        )
        .take(60)
        .collect();
    format!("{stamp}-{operation}-{stem}")
}

/// Creates a fresh run folder under `out_dir`; a clash (two runs in one second) gets a suffix.
pub fn create(out_dir: &Path, when: OffsetDateTime, operation: &str, file: &Path) -> anyhow::Result<PathBuf> {
    fs_err::create_dir_all(out_dir).context("cannot create the runs folder")?;
    let base = folder_name(when, operation, file);
    for attempt in 0..100 {
        let name = if attempt == 0 { base.clone() } else { format!("{base}-{attempt}") };
        let path = out_dir.join(name);
        match std::fs::create_dir(&path) {
            Ok(()) => return Ok(path),
            Err(error) if error.kind() == std::io::ErrorKind::AlreadyExists => continue,
            Err(error) => return Err(error).with_context(|| format!("cannot create {}", path.display())),
        }
    }
    anyhow::bail!("cannot find a free run folder name under {}", out_dir.display())
}

/// When the run in a folder started, from its name.
pub fn started_at(folder: &Path) -> Option<OffsetDateTime> {
    let name = folder.file_name()?.to_str()?;
    let stamp = name.get(..16)?;
    time::PrimitiveDateTime::parse(stamp, STAMP).ok().map(|moment| moment.assume_utc())
}

/// Whether a folder looks like a run folder (so that `prune` never deletes anything else).
pub fn is_run_folder(folder: &Path) -> bool {
    folder.is_dir()
        && started_at(folder).is_some()
        && (folder.join(SUMMARY).is_file() || folder.join(JOURNAL).is_file() || folder.join(PLAN).is_file())
}

/// The run folders under `out_dir`, newest first.
pub fn list(out_dir: &Path) -> anyhow::Result<Vec<PathBuf>> {
    if !out_dir.exists() {
        return Ok(Vec::new());
    }
    let mut folders: Vec<PathBuf> = fs_err::read_dir(out_dir)?
        .filter_map(Result::ok)
        .map(|entry| entry.path())
        .filter(|path| is_run_folder(path))
        .collect();
    folders.sort_by(|left, right| right.file_name().cmp(&left.file_name()));
    Ok(folders)
}

#[cfg(test)]
mod tests {
    use super::*;
    use time::macros::datetime;

    #[test]
    fn folder_names_sort_by_time_and_parse_back() {
        let when = datetime!(2026-11-24 10:15:00 UTC);
        let name = folder_name(when, "add", Path::new("some dir/bulk add.csv"));
        assert_eq!(name, "20261124T101500Z-add-bulk_add");
        assert_eq!(started_at(Path::new(&name)), Some(when));
        assert_eq!(started_at(Path::new("notes")), None);
    }

    #[test]
    fn a_held_lock_refuses_every_other_holder_even_in_the_same_process() {
        let directory = tempfile::tempdir().unwrap_or_else(|error| panic!("{error}"));
        let first = RunLock::acquire(directory.path()).unwrap_or_else(|error| panic!("{error:#}"));
        for _ in 0..3 {
            let refused =
                RunLock::acquire(directory.path()).err().map(|error| format!("{error:#}")).unwrap_or_default();
            let pid = std::process::id();
            assert!(refused.contains(&format!("(process {pid}) is working on")), "{refused}");
            assert!(cfg!(windows) || refused.contains(&format!("`ps -p {pid}`")), "{refused}");
        }
        drop(first);
        assert!(directory.path().join(LOCK).is_file(), "the lock file is never deleted");
        let again = RunLock::acquire(directory.path());
        assert!(again.is_ok(), "released on drop: {again:?}");
    }

    #[test]
    fn a_lock_file_naming_a_dead_reused_or_unreadable_process_does_not_block() {
        let directory = tempfile::tempdir().unwrap_or_else(|error| panic!("{error}"));
        let path = directory.path().join(LOCK);
        // A dead process, init (alive and unrelated: a reused PID), ourselves, an empty and a garbled file.
        let own = std::process::id().to_string();
        for text in ["999999999", "1", own.as_str(), "", "not a pid\n"] {
            std::fs::write(&path, text).unwrap_or_else(|error| panic!("{error}"));
            let lock = RunLock::acquire(directory.path());
            assert!(lock.is_ok(), "{text:?}: {lock:?}");
            assert_eq!(std::fs::read_to_string(&path).unwrap_or_default(), own, "{text:?}");
        }
    }

    #[test]
    fn create_never_reuses_a_folder() {
        let directory = tempfile::tempdir().unwrap_or_else(|error| panic!("{error}"));
        let when = datetime!(2026-11-24 10:15:00 UTC);
        let first = create(directory.path(), when, "add", Path::new("a.csv")).unwrap_or_default();
        let second = create(directory.path(), when, "add", Path::new("a.csv")).unwrap_or_default();
        assert_ne!(first, second);
        assert!(first.is_dir() && second.is_dir());
    }
}
