//! The run folder's reports: results.csv, deficit.csv, retry.csv, undo.csv, summary.json, and
//! formula-safe CSV writing. Pure: takes outcomes, writes files.
