//! The run folder's reports: `results.csv`, `deficit.csv`, `retry.csv`, `undo.csv`,
//! `summary.json`, all written formula-safe for Excel (SPEC 5). Pure: takes outcomes, writes files;
//! no network, no terminal.

pub mod console_user;
pub mod csv_safe;
pub mod deficit;
pub mod hints;
pub mod html;
pub mod overview;
pub mod results;
pub mod retry;
pub mod run_folder;
pub mod summary;
pub mod undo;
