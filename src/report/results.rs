//! `results.csv`: every input row, in input order, exactly once — all original columns, then
//! `Result`, `Error Code`, `Error Message`, `Request ID`, `Line`, `No Licence` (SPEC 5, 9: `Result` is
//! `Success`, `Failed`, `Invalid`, `Skipped`, `Not Attempted` or `Unknown`).

use std::path::Path;

use serde::Serialize;

use crate::report::csv_safe;

/// The report columns appended to the original ones.
pub const RESULT_COLUMNS: [&str; 6] = crate::console_csv::columns::RESULT_COLUMNS;

/// A row's final result.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize)]
pub enum ResultKind {
    /// Every command of the row succeeded (in test mode: would succeed).
    Success,
    /// A command of the row failed.
    Failed,
    /// The row did not pass validation or planning; nothing was sent for it.
    Invalid,
    /// Nothing needed sending (already as requested, not in the org, ...).
    Skipped,
    /// The row was not sent: the run was interrupted, parked or aborted first.
    #[serde(rename = "Not Attempted")]
    NotAttempted,
    /// The row's request was sent but nobody knows whether it was applied (no usable answer, or an
    /// answer that failed the consistency checks). Never counted as a success; safe to run again.
    Unknown,
}

impl ResultKind {
    /// All kinds, in report order.
    pub const ALL: [ResultKind; 6] =
        [Self::Success, Self::Failed, Self::Invalid, Self::Skipped, Self::NotAttempted, Self::Unknown];

    /// The spelling in `results.csv`.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Success => "Success",
            Self::Failed => "Failed",
            Self::Invalid => "Invalid",
            Self::Skipped => "Skipped",
            Self::NotAttempted => "Not Attempted",
            Self::Unknown => "Unknown",
        }
    }
}

/// The outcome of one input row.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct RowResult {
    /// 1-based line of the record.
    pub line: u64,
    /// The record's original cells, in file order.
    pub fields: Vec<String>,
    /// The result.
    pub kind: ResultKind,
    /// UMAPI error code or our diagnostic code.
    pub error_code: String,
    /// Why it failed, was invalid or skipped.
    pub error_message: String,
    /// The `X-Request-Id` of the request that carried the row's (last) command.
    pub request_id: String,
    /// Product configurations joined without a licence.
    pub no_licence: Vec<String>,
    /// Whether a failure is transient (worth re-running as is).
    pub transient: bool,
}

/// Writes `results.csv`, fields separated by `delimiter` (the input's).
pub fn write(path: &Path, header: &[String], rows: &[RowResult], delimiter: u8) -> std::io::Result<()> {
    let mut writer = csv_safe::create(path, delimiter)?;
    let columns = header.iter().map(String::as_str).chain(RESULT_COLUMNS);
    writer.row(columns).map_err(std::io::Error::other)?;
    for row in rows {
        let line = row.line.to_string();
        let no_licence = row.no_licence.join(", ");
        // A record with more or fewer cells than the header (always an invalid row) is fitted to the
        // header so that the report columns stay under their names; extra cells go to the message.
        let (fields, message) = fit(&row.fields, header.len(), &row.error_message);
        let cells = fields.iter().map(String::as_str).chain([
            row.kind.as_str(),
            row.error_code.as_str(),
            message.as_str(),
            row.request_id.as_str(),
            line.as_str(),
            no_licence.as_str(),
        ]);
        writer.row(cells).map_err(std::io::Error::other)?;
    }
    writer.commit()
}

/// The record's cells padded or cut to `width`, and the message with any cut cells appended.
fn fit(fields: &[String], width: usize, message: &str) -> (Vec<String>, String) {
    let mut cells: Vec<String> = fields.iter().take(width).cloned().collect();
    cells.resize(width, String::new());
    let extra = fields.get(width..).unwrap_or_default();
    let message = if extra.is_empty() {
        message.to_string()
    } else {
        format!("{message} (cells beyond the header: {})", extra.join(" | "))
    };
    (cells, message)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ragged_records_are_fitted_under_the_header() {
        let (cells, message) = fit(&["a".into(), "b".into(), "c".into()], 2, "E021 wrong number of fields");
        assert_eq!(cells, vec!["a", "b"]);
        assert_eq!(message, "E021 wrong number of fields (cells beyond the header: c)");
        let (cells, message) = fit(&["a".into()], 3, "m");
        assert_eq!((cells, message.as_str()), (vec!["a".to_string(), String::new(), String::new()], "m"));
    }

    #[test]
    fn results_keep_original_columns_then_report_columns() {
        let directory = tempfile::tempdir().unwrap_or_else(|error| panic!("{error}"));
        let path = directory.path().join("results.csv");
        let rows = vec![RowResult {
            line: 2,
            fields: vec!["a@example.com".into(), "=cmd()".into()],
            kind: ResultKind::Failed,
            error_code: "error.group.not_found".into(),
            error_message: "Group X was not found".into(),
            request_id: "abc".into(),
            no_licence: vec![],
            transient: false,
        }];
        write(&path, &["Email".into(), "Note".into()], &rows, b',').unwrap_or_else(|error| panic!("{error}"));
        let text = std::fs::read_to_string(&path).unwrap_or_default();
        assert_eq!(
            text.trim_start_matches('\u{feff}'),
            "Email,Note,Result,Error Code,Error Message,Request ID,Line,No Licence\r\n\
             a@example.com,'=cmd(),Failed,error.group.not_found,Group X was not found,abc,2,\r\n"
        );
    }
}
