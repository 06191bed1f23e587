//! Files that appear whole or not at all: a report, `plan.json` or a journal's first line is written
//! to a temporary file in the same folder (`.results.csv.XXXXXX.tmp`), flushed to disk, and only
//! then renamed over its real name. A full disk, a killed process or a power cut leaves the previous
//! version (or no file) under the real name, never a truncated one that a reader (a resume, Excel, a
//! script) would take for the whole. A temporary file left by a killed process is harmless and
//! [`remove_leftovers`] clears it.
//!
//! Built on the `tempfile` crate (unique names, removal on error). A leaf module: it imports nothing
//! of the crate and every layer that writes files may use it.

use std::io::Write;
use std::path::{Path, PathBuf};

/// The suffix of the temporary files (so that leftovers can be recognised).
const SUFFIX: &str = ".tmp";

/// A file being written under a temporary name; [`commit`](Self::commit) puts it in place. Dropped
/// without committing, the temporary file is removed and the real one is untouched.
#[derive(Debug)]
pub struct AtomicFile {
    temporary: tempfile::NamedTempFile,
    target: PathBuf,
}

impl AtomicFile {
    /// Starts writing `path` (its folder must exist).
    pub fn create(path: &Path) -> std::io::Result<Self> {
        let folder = match path.parent() {
            Some(folder) if !folder.as_os_str().is_empty() => folder,
            _ => Path::new("."),
        };
        let name = path.file_name().map(|name| name.to_string_lossy().to_string()).unwrap_or_default();
        let temporary = tempfile::Builder::new()
            .prefix(&format!(".{name}."))
            .suffix(SUFFIX)
            .tempfile_in(folder)
            .map_err(|error| named(error, path))?;
        Ok(Self { temporary, target: path.to_path_buf() })
    }

    /// Flushes the content to disk and renames it over the real name.
    pub fn commit(mut self) -> std::io::Result<()> {
        let target = self.target;
        self.temporary.flush().map_err(|error| named(error, &target))?;
        self.temporary.as_file().sync_all().map_err(|error| named(error, &target))?;
        self.temporary.persist(&target).map_err(|error| named(error.error, &target))?;
        Ok(())
    }

    /// As [`commit`](Self::commit), but refuses (`AlreadyExists`) when the real name is taken.
    pub fn commit_new(mut self) -> std::io::Result<()> {
        let target = self.target;
        self.temporary.flush().map_err(|error| named(error, &target))?;
        self.temporary.as_file().sync_all().map_err(|error| named(error, &target))?;
        self.temporary.persist_noclobber(&target).map_err(|error| named(error.error, &target))?;
        Ok(())
    }
}

impl Write for AtomicFile {
    fn write(&mut self, buffer: &[u8]) -> std::io::Result<usize> {
        self.temporary.write(buffer).map_err(|error| named(error, &self.target))
    }

    fn write_all(&mut self, buffer: &[u8]) -> std::io::Result<()> {
        self.temporary.write_all(buffer).map_err(|error| named(error, &self.target))
    }

    fn flush(&mut self) -> std::io::Result<()> {
        self.temporary.flush().map_err(|error| named(error, &self.target))
    }
}

/// Writes `bytes` to `path` atomically.
pub fn write(path: &Path, bytes: &[u8]) -> std::io::Result<()> {
    let mut file = AtomicFile::create(path)?;
    file.write_all(bytes)?;
    file.commit()
}

/// Removes the temporary files a killed writer left in `folder` (best effort; returns how many).
pub fn remove_leftovers(folder: &Path) -> usize {
    let Ok(entries) = std::fs::read_dir(folder) else { return 0 };
    entries
        .filter_map(Result::ok)
        .filter(|entry| {
            let name = entry.file_name().to_string_lossy().to_string();
            name.starts_with('.') && name.ends_with(SUFFIX) && entry.file_type().is_ok_and(|kind| kind.is_file())
        })
        .filter(|entry| std::fs::remove_file(entry.path()).is_ok())
        .count()
}

/// An I/O error that names the file it concerns (the writer's own errors do not).
fn named(error: std::io::Error, path: &Path) -> std::io::Error {
    let text = error.to_string();
    if text.contains(&path.display().to_string()) {
        return error;
    }
    std::io::Error::new(error.kind(), format!("{}: {text}", path.display()))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_real_name_holds_the_old_content_until_the_commit() {
        let directory = tempfile::tempdir().unwrap_or_else(|error| panic!("{error}"));
        let path = directory.path().join("results.csv");
        std::fs::write(&path, "old").unwrap_or_else(|error| panic!("{error}"));
        let mut file = AtomicFile::create(&path).unwrap_or_else(|error| panic!("{error}"));
        file.write_all(b"new content").unwrap_or_else(|error| panic!("{error}"));
        assert_eq!(std::fs::read_to_string(&path).unwrap_or_default(), "old");
        file.commit().unwrap_or_else(|error| panic!("{error}"));
        assert_eq!(std::fs::read_to_string(&path).unwrap_or_default(), "new content");
        let names: Vec<String> = std::fs::read_dir(directory.path())
            .map(|entries| {
                entries.filter_map(Result::ok).map(|entry| entry.file_name().to_string_lossy().into()).collect()
            })
            .unwrap_or_default();
        assert_eq!(names, ["results.csv"], "no temporary file is left");
    }

    #[test]
    fn an_abandoned_write_leaves_nothing_and_leftovers_are_cleared() {
        let directory = tempfile::tempdir().unwrap_or_else(|error| panic!("{error}"));
        let path = directory.path().join("plan.json");
        let mut file = AtomicFile::create(&path).unwrap_or_else(|error| panic!("{error}"));
        file.write_all(b"{\"half").unwrap_or_else(|error| panic!("{error}"));
        drop(file);
        assert!(!path.exists());
        assert_eq!(std::fs::read_dir(directory.path()).map(Iterator::count).unwrap_or(1), 0);
        std::fs::write(directory.path().join(".results.csv.a1b2c3.tmp"), "torn").unwrap_or_default();
        std::fs::write(directory.path().join("keep.tmp"), "not ours").unwrap_or_default();
        assert_eq!(remove_leftovers(directory.path()), 1);
        assert!(directory.path().join("keep.tmp").exists());
    }

    #[test]
    fn errors_name_the_file() {
        let error = AtomicFile::create(Path::new("/nonexistent-folder/results.csv")).err();
        assert!(error.is_some_and(|error| error.to_string().contains("/nonexistent-folder/results.csv")));
    }
}
