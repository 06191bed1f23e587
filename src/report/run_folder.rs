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

/// Exclusive use of a run folder by one `apply` process (a fresh run or a resume), released when
/// dropped. A lock left by a process that no longer runs (a crash) is taken over.
#[derive(Debug)]
pub struct RunLock {
    path: PathBuf,
}

impl RunLock {
    /// Takes the folder's lock, or explains which process holds it.
    pub fn acquire(folder: &Path) -> anyhow::Result<Self> {
        let path = folder.join(LOCK);
        let pid = std::process::id();
        for _ in 0..2 {
            match std::fs::OpenOptions::new().write(true).create_new(true).open(&path) {
                Ok(mut file) => {
                    use std::io::Write as _;
                    file.write_all(pid.to_string().as_bytes())?;
                    return Ok(Self { path });
                }
                Err(error) if error.kind() == std::io::ErrorKind::AlreadyExists => {
                    let holder: Option<u32> =
                        std::fs::read_to_string(&path).ok().and_then(|text| text.trim().parse().ok());
                    let alive =
                        holder.is_some_and(|holder| holder != pid && Path::new(&format!("/proc/{holder}")).exists());
                    if alive {
                        anyhow::bail!(
                            "another umapi-bulk apply (process {}) is working on {}; wait for it to end",
                            holder.unwrap_or_default(),
                            folder.display()
                        );
                    }
                    // The holder is gone: the lock is stale.
                    std::fs::remove_file(&path)
                        .with_context(|| format!("cannot remove the stale lock {}", path.display()))?;
                }
                Err(error) => return Err(error).with_context(|| format!("cannot lock {}", folder.display())),
            }
        }
        anyhow::bail!("cannot lock {}", folder.display())
    }
}

impl Drop for RunLock {
    fn drop(&mut self) {
        let _ = std::fs::remove_file(&self.path);
    }
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
    fn a_held_lock_refuses_a_second_holder_and_a_stale_one_is_taken_over() {
        let directory = tempfile::tempdir().unwrap_or_else(|error| panic!("{error}"));
        let first = RunLock::acquire(directory.path());
        assert!(first.is_ok());
        // Same process: a live pid that is ours counts as stale, so simulate another live process
        // with pid 1 (init always runs).
        std::fs::write(directory.path().join(LOCK), "1").unwrap_or_else(|error| panic!("{error}"));
        let refused = RunLock::acquire(directory.path());
        assert!(refused.is_err() || !Path::new("/proc/1").exists());
        std::fs::write(directory.path().join(LOCK), "999999999").unwrap_or_else(|error| panic!("{error}"));
        assert!(RunLock::acquire(directory.path()).is_ok(), "a lock of a dead process is taken over");
        drop(first);
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
