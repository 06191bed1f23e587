//! `retry.csv`: only the rows worth running again — failed, unknown (safe to apply again: every
//! command is idempotent), not attempted, or invalid (to be fixed) — in the original format with a `Hint` column, so it can be fed back to `apply` as it is
//! (SPEC 5). Skipped and successful rows are left out.

use std::path::Path;

use crate::report::csv_safe;
use crate::report::hints;
use crate::report::results::{ResultKind, RowResult};

/// The column appended to the original ones.
pub const HINT_COLUMN: &str = crate::console_csv::columns::HINT_COLUMN;

/// Whether a row belongs in `retry.csv`.
pub fn worth_retrying(row: &RowResult) -> bool {
    matches!(row.kind, ResultKind::Failed | ResultKind::NotAttempted | ResultKind::Invalid | ResultKind::Unknown)
}

/// Writes `retry.csv` in the input's format (its columns and its field separator, `delimiter`) and
/// returns how many rows it holds. The file is written even when empty (header
/// only) so that scripts can rely on it existing. A file that already has a `Hint` column (a retry of
/// a retry) keeps it and gets the new hints there, so that it can be fed back again. A record whose
/// cell count does not match the header is written exactly as it was, without a hint, so that it
/// stays invalid until someone fixes it (padding it would turn missing cells into "none").
pub fn write(path: &Path, header: &[String], rows: &[RowResult], delimiter: u8) -> std::io::Result<usize> {
    let mut writer = csv_safe::create(path, delimiter)?;
    let io = std::io::Error::other;
    let existing = header.iter().position(|name| name.trim().eq_ignore_ascii_case(HINT_COLUMN));
    match existing {
        Some(_) => writer.row(header).map_err(io)?,
        None => writer.row(header.iter().map(String::as_str).chain([HINT_COLUMN])).map_err(io)?,
    }
    let mut count = 0;
    for row in rows.iter().filter(|row| worth_retrying(row)) {
        let hint = match row.kind {
            ResultKind::Invalid => format!("fix this row: {}", row.error_message),
            ResultKind::NotAttempted => hints::hint_for(hints::NOT_SENT).to_string(),
            ResultKind::Unknown => hints::hint_for(hints::UNKNOWN).to_string(),
            _ => hints::hint_for(&row.error_code).to_string(),
        };
        if row.fields.len() != header.len() {
            writer.row(&row.fields).map_err(io)?;
        } else if let Some(index) = existing {
            let mut cells = row.fields.clone();
            cells[index] = hint;
            writer.row(&cells).map_err(io)?;
        } else {
            writer.row(row.fields.iter().map(String::as_str).chain([hint.as_str()])).map_err(io)?;
        }
        count += 1;
    }
    writer.commit()?;
    Ok(count)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::report::results::RowResult;

    fn failed(fields: &[&str]) -> RowResult {
        RowResult {
            line: 2,
            fields: fields.iter().map(|field| field.to_string()).collect(),
            kind: ResultKind::Failed,
            error_code: "error.group.not_found".into(),
            error_message: "m".into(),
            request_id: String::new(),
            no_licence: Vec::new(),
            transient: false,
        }
    }

    fn read(path: &Path) -> String {
        String::from_utf8_lossy(&std::fs::read(path).unwrap_or_default()).trim_start_matches('\u{feff}').to_string()
    }

    #[test]
    fn a_retry_of_a_retry_reuses_its_hint_column() {
        let directory = tempfile::tempdir().unwrap_or_else(|error| panic!("{error}"));
        let path = directory.path().join("retry.csv");
        let header: Vec<String> = vec!["Email".into(), "Hint".into()];
        write(&path, &header, &[failed(&["a@example.com", "old hint"])], b',')
            .unwrap_or_else(|error| panic!("{error}"));
        let text = read(&path);
        assert!(text.starts_with("Email,Hint\r\n"), "{text}");
        assert!(text.contains("a@example.com,\"a product configuration") && !text.contains("old hint"), "{text}");
    }

    #[test]
    fn ragged_records_are_written_as_they_were() {
        let directory = tempfile::tempdir().unwrap_or_else(|error| panic!("{error}"));
        let path = directory.path().join("retry.csv");
        let header: Vec<String> = vec!["Email".into(), "User Groups".into()];
        let rows = [failed(&["a@example.com", "Designers", "Extra"]), failed(&["b@example.com"])];
        write(&path, &header, &rows, b',').unwrap_or_else(|error| panic!("{error}"));
        assert_eq!(read(&path), "Email,User Groups,Hint\r\na@example.com,Designers,Extra\r\nb@example.com\r\n");
    }
}
