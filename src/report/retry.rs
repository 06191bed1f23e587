//! `retry.csv`: only the rows worth running again — failed, not attempted, or invalid (to be fixed)
//! — in the original format with a `Hint` column, so it can be fed back to `apply` as it is
//! (SPEC 5). Skipped and successful rows are left out.

use std::path::Path;

use crate::report::csv_safe;
use crate::report::hints;
use crate::report::results::{ResultKind, RowResult};

/// The column appended to the original ones.
pub const HINT_COLUMN: &str = "Hint";

/// Whether a row belongs in `retry.csv`.
pub fn worth_retrying(row: &RowResult) -> bool {
    matches!(row.kind, ResultKind::Failed | ResultKind::NotAttempted | ResultKind::Invalid)
}

/// Writes `retry.csv` and returns how many rows it holds. The file is written even when empty (header
/// only) so that scripts can rely on it existing.
pub fn write(path: &Path, header: &[String], rows: &[RowResult]) -> std::io::Result<usize> {
    let mut writer = csv_safe::create(path)?;
    let io = std::io::Error::other;
    writer.row(header.iter().map(String::as_str).chain([HINT_COLUMN])).map_err(io)?;
    let mut count = 0;
    for row in rows.iter().filter(|row| worth_retrying(row)) {
        let hint = match row.kind {
            ResultKind::Invalid => format!("fix this row: {}", row.error_message),
            ResultKind::NotAttempted => hints::hint_for(hints::NOT_SENT).to_string(),
            _ => hints::hint_for(&row.error_code).to_string(),
        };
        let original = header.len().min(row.fields.len());
        writer.row(row.fields[..original].iter().map(String::as_str).chain([hint.as_str()])).map_err(io)?;
        count += 1;
    }
    writer.finish()?;
    Ok(count)
}
