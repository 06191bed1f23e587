//! What the integration tests share: running the binary in isolation (temp dir, cleared
//! environment, no terminal) and paths to the project's samples and fixtures.

#![allow(dead_code)]

use std::path::{Path, PathBuf};

use assert_cmd::Command;

/// The repository root (where Cargo.toml is).
pub fn root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

/// A file under `samples/`.
pub fn sample(name: &str) -> PathBuf {
    root().join("samples").join(name)
}

/// A file under `fixtures/`.
pub fn fixture(name: &str) -> PathBuf {
    root().join("fixtures").join(name)
}

/// The binary, with a cleared environment (only PATH and HOME kept, NO_COLOR set), run in `dir`.
pub fn umapi_bulk(dir: &Path) -> Command {
    let mut command = Command::cargo_bin("umapi-bulk").unwrap_or_else(|error| panic!("binary not built: {error}"));
    command.env_clear().current_dir(dir).env("NO_COLOR", "1");
    for key in ["PATH", "HOME"] {
        if let Some(value) = std::env::var_os(key) {
            command.env(key, value);
        }
    }
    command
}

/// A fresh temporary directory.
pub fn temp_dir() -> tempfile::TempDir {
    tempfile::tempdir().unwrap_or_else(|error| panic!("cannot create a temp dir: {error}"))
}
