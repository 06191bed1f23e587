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
    /// Starts writing `path` (its folder must exist). Errors from here on are the system's own (the
    /// callers say which file they were writing), except this one, which names the folder.
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
            .map_err(|error| std::io::Error::new(error.kind(), format!("{}: {error}", folder.display())))?;
        Ok(Self { temporary, target: path.to_path_buf() })
    }

    /// Flushes the content to disk and renames it over the real name.
    pub fn commit(mut self) -> std::io::Result<()> {
        self.temporary.as_file_mut().flush()?;
        self.temporary.as_file().sync_all()?;
        self.temporary.persist(&self.target).map_err(|error| error.error)?;
        Ok(())
    }

    /// As [`commit`](Self::commit), but refuses (`AlreadyExists`) when the real name is taken.
    pub fn commit_new(mut self) -> std::io::Result<()> {
        self.temporary.as_file_mut().flush()?;
        self.temporary.as_file().sync_all()?;
        self.temporary.persist_noclobber(&self.target).map_err(|error| error.error)?;
        Ok(())
    }
}

impl Write for AtomicFile {
    // Straight to the file: the temporary name is of no use in a message.
    fn write(&mut self, buffer: &[u8]) -> std::io::Result<usize> {
        self.temporary.as_file_mut().write(buffer)
    }

    fn flush(&mut self) -> std::io::Result<()> {
        self.temporary.as_file_mut().flush()
    }
}

/// Writes `bytes` to `path` atomically; an error names `path`.
pub fn write(path: &Path, bytes: &[u8]) -> std::io::Result<()> {
    let written = AtomicFile::create(path).and_then(|mut file| {
        file.write_all(bytes)?;
        file.commit()
    });
    written.map_err(|error| named(error, path))
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
    fn errors_name_the_file_or_its_folder() {
        let error = write(Path::new("/nonexistent-folder/results.csv"), b"x").err();
        assert!(error.is_some_and(|error| error.to_string().contains("/nonexistent-folder/results.csv")));
        let error = AtomicFile::create(Path::new("/nonexistent-folder/results.csv")).err();
        assert!(error.is_some_and(|error| error.to_string().starts_with("/nonexistent-folder: ")));
    }
}
