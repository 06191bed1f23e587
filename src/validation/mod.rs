//! Reading and validating the Console's bulk CSV files by the Console's rules (SPEC 2.1–2.3):
//! [`check_file`] and [`check_bytes`] turn a file into a [`CheckedFile`] holding every record, a
//! typed row or "invalid" for each, and every diagnostic at once, sorted, each with a stable code
//! (`E0xx` errors, `W0xx` warnings), line, column, value and hint. `check`, `plan` and `apply`
//! all start here; [`render`] prints the diagnostics for people and machines.
//!
//! Order of work, and what stops it:
//! 1. the 10 MB cap (before reading: a huge file is never loaded) — stops;
//! 2. encoding, emptiness, separator and quote structure (`console_csv::parse`) — stops;
//! 3. the 5,000-row cap — stops (one clear error, not thousands of row errors);
//! 4. the header: missing or duplicate columns stop; unknown columns are warnings;
//! 5. every row, then duplicate Email + Identity Type across rows.
//!
//! "Stops" means a file-level error: the records read so far are kept, every row is `Invalid`.
//!
//! Performance: one pass over the bytes for UTF-8 (std's validator), one `csv` pass into a reused
//! `ByteRecord`, then the rules, which allocate only what the returned rows own. Rows are validated
//! on one thread: on the 10 MB benchmark file the rules take less time than the parse, and rayon
//! over rows measured no gain on the shared 2-core machine (README "Benchmarks").

pub mod country;
mod country_table;
pub mod diagnostic;
pub mod email;
pub mod file_rules;
pub mod render;
pub mod suggest;
mod user_rules;

use std::collections::HashMap;
use std::collections::hash_map::Entry;
use std::path::{Path, PathBuf};

use thiserror::Error;

use crate::console_csv::{self, HeaderMap};
use crate::model::{IdentityType, InvitationRow, Operation, UserRow};

pub use crate::console_csv::SourceRecord;
pub use diagnostic::{Code, Diagnostic, Severity};
pub use file_rules::{MAX_BYTES, MAX_ROWS};

/// What to check a file for.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct CheckOptions {
    /// The operation the file is for.
    pub operation: Operation,
    /// The org's claimed domains (from the config); empty turns the claimed-domain rule off.
    pub claimed_domains: Vec<String>,
}

/// The file could not be read at all (everything about its content is a [`Diagnostic`]).
#[derive(Debug, Error)]
pub enum CheckError {
    /// Opening, inspecting or reading the file failed.
    #[error("cannot read {path}: {source}")]
    Read {
        /// The file.
        path: PathBuf,
        /// The cause.
        source: std::io::Error,
    },
}

/// A valid row, typed for the planner.
#[derive(Clone, Debug, PartialEq, Eq)]
#[expect(clippy::large_enum_variant, reason = "the planner's API; invitation rows are few and short-lived")]
pub enum ValidRow {
    /// A user CSV row (add, edit, remove).
    User(UserRow),
    /// An invitation CSV row (revoke).
    Invitation(InvitationRow),
}

/// Whether a record can be used.
#[derive(Clone, Debug, PartialEq, Eq)]
#[expect(
    clippy::large_enum_variant,
    reason = "rows are matched by reference; boxing would cost an allocation per valid row"
)]
pub enum RowStatus {
    /// No error on its line.
    Valid(ValidRow),
    /// At least one error on its line, or a file-level error.
    Invalid,
}

/// A checked file: records, rows aligned with them, and sorted diagnostics.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct CheckedFile {
    /// The file (or the name given to [`check_bytes`]).
    pub path: PathBuf,
    /// The operation it was checked for.
    pub operation: Operation,
    /// `,` or `;` (`,` when the file could not be read).
    pub delimiter: u8,
    /// Whether it started with a UTF-8 BOM.
    pub had_bom: bool,
    /// Header cells as written, in file order (extra columns included).
    pub header: Vec<String>,
    /// Every data record in input order (entirely empty rows are skipped with W004).
    pub records: Vec<SourceRecord>,
    /// One status per record, same order.
    pub rows: Vec<RowStatus>,
    /// Every diagnostic, sorted (file-level first, then line, column, code).
    pub diagnostics: Vec<Diagnostic>,
}

impl CheckedFile {
    /// Whether any diagnostic is an error.
    pub fn has_errors(&self) -> bool {
        self.diagnostics.iter().any(|diagnostic| diagnostic.severity == Severity::Error)
    }

    /// Whether an error concerns the whole file: then no row is usable.
    pub fn file_level_error(&self) -> bool {
        self.diagnostics
            .iter()
            .any(|diagnostic| diagnostic.severity == Severity::Error && diagnostic.code.is_file_level())
    }

    /// The first error on a record's line (in display order).
    pub fn first_error_for_line(&self, line: u64) -> Option<&Diagnostic> {
        self.diagnostics
            .iter()
            .find(|diagnostic| diagnostic.line == Some(line) && diagnostic.severity == Severity::Error)
    }

    /// Number of valid rows.
    pub fn valid_rows(&self) -> usize {
        self.rows.iter().filter(|row| matches!(row, RowStatus::Valid(_))).count()
    }

    /// Counts of (errors, warnings).
    pub fn counts(&self) -> (usize, usize) {
        let errors = self.diagnostics.iter().filter(|diagnostic| diagnostic.severity == Severity::Error).count();
        (errors, self.diagnostics.len() - errors)
    }

    /// The valid rows with their record, in input order.
    pub fn valid(&self) -> impl Iterator<Item = (&SourceRecord, &ValidRow)> {
        self.records.iter().zip(&self.rows).filter_map(|(record, row)| match row {
            RowStatus::Valid(valid) => Some((record, valid)),
            RowStatus::Invalid => None,
        })
    }
}

/// Reads and validates a file. `Err` only when it cannot be read; a file over the byte cap is
/// not loaded (its `CheckedFile` holds just E001).
pub fn check_file(path: &Path, options: &CheckOptions) -> Result<CheckedFile, CheckError> {
    let read_error = |source| CheckError::Read { path: path.to_path_buf(), source };
    let size = std::fs::metadata(path).map_err(read_error)?.len();
    if size > MAX_BYTES {
        let mut checked = empty(path, options);
        checked.diagnostics.push(file_rules::too_large(size));
        return Ok(checked);
    }
    let bytes = std::fs::read(path).map_err(read_error)?;
    let mut checked = check_bytes(&path.to_string_lossy(), &bytes, options);
    checked.path = path.to_path_buf();
    Ok(checked)
}

/// Validates a file already in memory; `name` is what diagnostics call it.
pub fn check_bytes(name: &str, bytes: &[u8], options: &CheckOptions) -> CheckedFile {
    let mut checked = empty(Path::new(name), options);
    if bytes.len() as u64 > MAX_BYTES {
        checked.diagnostics.push(file_rules::too_large(bytes.len() as u64));
        return checked;
    }
    let parsed = match console_csv::parse(bytes) {
        Ok(parsed) => parsed,
        Err(problem) => {
            checked.diagnostics.push(file_rules::file_problem(&problem));
            return checked;
        }
    };
    checked.delimiter = parsed.delimiter;
    checked.had_bom = parsed.had_bom;
    checked.header.clone_from(&parsed.header);
    let operation = options.operation;
    let map = HeaderMap::new(&parsed.header, file_rules::known_columns(operation));
    let mut diagnostics = Vec::new();
    if parsed.records.len() > MAX_ROWS {
        diagnostics.push(file_rules::too_many_rows(parsed.records.len()));
    } else {
        diagnostics.extend(file_rules::header_rules(&parsed, &map, operation));
        if parsed.records.is_empty() {
            diagnostics.push(
                Diagnostic::new(Code::NoDataRows, "the file has a header but no data rows")
                    .with_hint("add one row per user below the header"),
            );
        }
    }
    let stop = diagnostics.iter().any(|diagnostic| diagnostic.severity == Severity::Error);
    let mut rows = Vec::new();
    if !stop {
        let broken = file_rules::record_problems(&parsed, &mut diagnostics);
        rows = validate_rows(&parsed.records, &broken, &map, options, &mut diagnostics);
    }
    checked.records = parsed.records;
    diagnostics.sort_by(Diagnostic::order);
    if stop {
        checked.rows = vec![RowStatus::Invalid; checked.records.len()];
    } else {
        checked.rows = mark_invalid(&checked.records, rows, &diagnostics);
    }
    checked.diagnostics = diagnostics;
    checked
}

fn empty(path: &Path, options: &CheckOptions) -> CheckedFile {
    CheckedFile {
        path: path.to_path_buf(),
        operation: options.operation,
        delimiter: b',',
        had_bom: false,
        header: Vec::new(),
        records: Vec::new(),
        rows: Vec::new(),
        diagnostics: Vec::new(),
    }
}

/// Runs the row rules and the cross-row duplicate rule; returns one typed row per record
/// (`None` for structurally broken records).
fn validate_rows(
    records: &[SourceRecord],
    broken: &[usize],
    map: &HeaderMap,
    options: &CheckOptions,
    diagnostics: &mut Vec<Diagnostic>,
) -> Vec<Option<ValidRow>> {
    let claimed: Vec<String> =
        options.claimed_domains.iter().map(|domain| domain.trim().to_ascii_lowercase()).collect();
    let mut rules = user_rules::RowRules::new(options.operation, map, &claimed);
    let mut seen: HashMap<(Option<IdentityType>, String), u64> = HashMap::with_capacity(records.len());
    let mut rows = Vec::with_capacity(records.len());
    let email_column = map.display_name(console_csv::Column::Email).to_string();
    let email_index = map.index(console_csv::Column::Email);
    for (index, record) in records.iter().enumerate() {
        if broken.binary_search(&index).is_ok() {
            rows.push(None);
            continue;
        }
        let errors_before = diagnostics.len();
        let row = if options.operation == Operation::Revoke {
            ValidRow::Invitation(rules.invitation_row(index, record, diagnostics))
        } else {
            ValidRow::User(rules.user_row(index, record, diagnostics))
        };
        let identified = !diagnostics[errors_before..].iter().any(|diagnostic| {
            matches!(
                diagnostic.code,
                Code::EmailMissing | Code::EmailInvalid | Code::IdentityTypeMissing | Code::IdentityTypeUnknown
            )
        });
        if identified {
            let (kind, email) = match &row {
                ValidRow::User(user) => (user.identity_type, user.email.as_str()),
                ValidRow::Invitation(invitation) => (None, invitation.email.as_str()),
            };
            match seen.entry((kind, email.to_lowercase())) {
                Entry::Vacant(slot) => {
                    slot.insert(record.line);
                }
                Entry::Occupied(first) => {
                    diagnostics.push(duplicate(record.line, *first.get(), kind, email, &email_column, email_index))
                }
            }
        }
        rows.push(Some(row));
    }
    rows
}

fn duplicate(
    line: u64,
    first: u64,
    kind: Option<IdentityType>,
    email: &str,
    column: &str,
    index: Option<usize>,
) -> Diagnostic {
    let message = match kind {
        Some(kind) => {
            format!("repeats {kind} \"{email}\" from line {first}; the Console takes one row per Email + Identity Type")
        }
        None => format!("repeats \"{email}\" from line {first}"),
    };
    Diagnostic::new(Code::DuplicateUser, message)
        .at_line(line)
        .in_column(column, index)
        .with_value(email)
        .related_to(first)
        .with_hint(format!("merge the two rows into one, or delete line {line}"))
}

/// A record is valid when it was typed and no error sits on its line.
fn mark_invalid(records: &[SourceRecord], rows: Vec<Option<ValidRow>>, diagnostics: &[Diagnostic]) -> Vec<RowStatus> {
    let mut error_lines: Vec<u64> = diagnostics
        .iter()
        .filter(|diagnostic| diagnostic.severity == Severity::Error)
        .filter_map(|diagnostic| diagnostic.line)
        .collect();
    error_lines.dedup();
    records
        .iter()
        .zip(rows)
        .map(|(record, row)| match row {
            Some(row) if error_lines.binary_search(&record.line).is_err() => RowStatus::Valid(row),
            _ => RowStatus::Invalid,
        })
        .collect()
}
