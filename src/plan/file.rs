//! `plan.json` on disk: [`write`] saves a plan document (`plan -o`, and every run folder before its
//! first request), [`read`] loads one back (`apply --plan`, `apply --resume`) and refuses what is not
//! a plan of this tool's format. The only file of `plan` that does I/O.

use std::path::{Path, PathBuf};

use crate::plan::document::{FORMAT_VERSION, OLDEST_FORMAT, PlanDocument};

/// Why a plan file cannot be read.
#[derive(Debug, thiserror::Error)]
pub enum PlanFileError {
    /// The file cannot be read (the message names the path).
    #[error(transparent)]
    Unreadable(#[from] std::io::Error),
    /// The file is not a plan document.
    #[error("{} is not a umapi-bulk plan: {detail}", path.display())]
    NotAPlan {
        /// The file.
        path: PathBuf,
        /// The parser's complaint.
        detail: String,
    },
    /// A plan of another format version.
    #[error("{} has plan format {found}, this tool reads {OLDEST_FORMAT} to {FORMAT_VERSION}", path.display())]
    OtherFormat {
        /// The file.
        path: PathBuf,
        /// The version it has.
        found: u32,
    },
}

/// Writes a plan document as pretty JSON with a final newline, atomically (a temporary file renamed
/// into place): a full disk leaves no truncated plan that a resume would refuse.
pub fn write(path: &Path, document: &PlanDocument) -> std::io::Result<()> {
    let text = serde_json::to_string_pretty(document).map_err(std::io::Error::other)?;
    crate::atomic_file::write(path, (text + "\n").as_bytes())
}

/// Reads a plan document and checks its format version.
pub fn read(path: &Path) -> Result<PlanDocument, PlanFileError> {
    let text = fs_err::read_to_string(path)?;
    let document: PlanDocument = serde_json::from_str(&text)
        .map_err(|error| PlanFileError::NotAPlan { path: path.to_path_buf(), detail: error.to_string() })?;
    if !(OLDEST_FORMAT..=FORMAT_VERSION).contains(&document.format) {
        return Err(PlanFileError::OtherFormat { path: path.to_path_buf(), found: document.format });
    }
    Ok(document)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn what_is_not_a_plan_is_refused_by_name() {
        let directory = tempfile::tempdir().unwrap_or_else(|error| panic!("{error}"));
        let path = directory.path().join("plan.json");
        fs_err::write(&path, "{}").unwrap_or_else(|error| panic!("{error}"));
        let error = read(&path).err().map(|error| error.to_string()).unwrap_or_default();
        assert!(error.contains("plan.json is not a umapi-bulk plan"), "{error}");
        let missing = read(&directory.path().join("missing.json")).err().map(|error| error.to_string());
        assert!(missing.is_some_and(|error| error.contains("missing.json")));
    }
}
