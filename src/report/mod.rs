//! The run folder's reports: `results.csv`, `deficit.csv`, `retry.csv`, `undo.csv`,
//! `summary.json`, all written formula-safe for Excel (SPEC 5), and what they are made of: one
//! result per row ([`outcomes`]) and the end of a run ([`finish`]: the deficit lines, the verdict the
//! exit code follows from, the summary and the closing lines). Pure: takes the plan document and
//! the executor's report, writes files; no network, no terminal, no exit codes.

pub mod console_user;
pub mod csv_safe;
pub mod deficit;
pub mod finish;
pub mod hints;
pub mod html;
pub mod outcomes;
pub mod overview;
pub mod results;
pub mod retry;
pub mod run_folder;
pub mod summary;
pub mod undo;
