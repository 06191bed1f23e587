//! Reading and validating the Console's bulk CSV files by the Console's rules (SPEC 2.1–2.3):
//! [`check_file`] and [`check_bytes`] turn a file into a [`CheckedFile`] holding every record, a
//! typed row or "invalid" for each, and every diagnostic at once, sorted, each with a stable code
//! (`E0xx` errors, `W0xx` warnings), line, column, value and hint. `check`, `plan` and `apply`
//! all start here; [`render`] prints the diagnostics for people and machines.
//!
//! Order of work, and what stops it:
//! 1. the 10 MB cap (a regular file over it is never read; a device, pipe or FIFO is read only up to
//!    10 MB + 1 byte) — stops;
//! 2. encoding, emptiness, separator and quote structure (`console_csv::RecordStream`) — stops;
//! 3. the 5,000-row cap — stops (one clear error, not thousands of row errors; rows past the cap
//!    are counted, not checked);
//! 4. the header: missing or duplicate columns stop; unknown columns are warnings;
//! 5. every row, then duplicate Email + Identity Type across rows.
//!
//! Diagnostics are kept up to caps (`collector`: 20 per line, 10,000 in all, a line's first error
//! always) and counted beyond them; renderers print at most 1,000 and count the rest.
//!
//! "Stops" means a file-level error: the records read so far are kept, every row is `Invalid`.
//!
//! Two ways to run it, one code path (`pass`): [`check_file`]/[`check_bytes`] keep every record
//! and typed row (`plan`, `apply` and the reports need them); [`check_file_report`]/
//! [`check_bytes_report`] keep only the diagnostics and counts (`check`). The rules are written
//! once, over a borrowed view of a record (`row_view`), and give the same diagnostics either way.
//!
//! Performance (docs/benchmarks.md): the report path allocates nothing per record. The file is
//! read once from memory for encoding (NUL, carriage returns, UTF-8, in cache-sized chunks), then
//! `csv_core` fills one reused buffer per record; cells are borrowed `&str`, multi-valued cells
//! are split into byte ranges and hashed in one pass over their words (`name_scan`, `names`),
//! and only each row's Email + Identity Type is kept, for the duplicate rule. Everything runs on
//! one thread: rayon over row chunks was measured slower on the shared 2-core machine.

mod collector;
pub mod country;
mod country_table;
pub mod diagnostic;
pub mod email;
pub mod file_rules;
mod membership_rules;
mod name_scan;
mod names;
mod pass;
pub mod render;
mod row_view;
pub mod suggest;
mod user_rules;

use std::path::{Path, PathBuf};

use thiserror::Error;

use crate::console_csv;
use crate::model::{InvitationRow, Operation, UserRow};

pub use crate::console_csv::SourceRecord;
pub use collector::{MAX_KEPT, MAX_PER_LINE, MAX_PRINTED, Omitted};
pub use diagnostic::{Code, Diagnostic, Severity};
pub use file_rules::{MAX_BYTES, MAX_COLUMNS, MAX_ROWS};

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
    /// The diagnostics kept, sorted (file-level first, then line, column, code): all of them,
    /// unless a line or the file asked for more than the caps allow (see `omitted`).
    pub diagnostics: Vec<Diagnostic>,
    /// Diagnostics found beyond the caps and only counted ([`MAX_PER_LINE`], [`MAX_KEPT`]).
    pub omitted: Omitted,
}

impl CheckedFile {
    /// Whether any diagnostic is an error.
    pub fn has_errors(&self) -> bool {
        has_errors(&self.diagnostics, &self.omitted)
    }

    /// Whether an error concerns the whole file: then no row is usable.
    pub fn file_level_error(&self) -> bool {
        file_level_error(&self.diagnostics)
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

    /// Counts of (errors, warnings), those only counted included.
    pub fn counts(&self) -> (usize, usize) {
        counts(&self.diagnostics, &self.omitted)
    }

    /// The valid rows with their record, in input order.
    pub fn valid(&self) -> impl Iterator<Item = (&SourceRecord, &ValidRow)> {
        self.records.iter().zip(&self.rows).filter_map(|(record, row)| match row {
            RowStatus::Valid(valid) => Some((record, valid)),
            RowStatus::Invalid => None,
        })
    }
}

/// What `check` prints about a file: [`CheckedFile`] without the records and rows.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct CheckReport {
    /// The file (or the name given to [`check_bytes_report`]).
    pub path: PathBuf,
    /// The operation it was checked for.
    pub operation: Operation,
    /// `,` or `;` (`,` when the file could not be read).
    pub delimiter: u8,
    /// Whether it started with a UTF-8 BOM.
    pub had_bom: bool,
    /// Header cells as written, in file order (extra columns included).
    pub header: Vec<String>,
    /// Number of data records (entirely empty rows are skipped with W004).
    pub record_count: usize,
    /// Number of records that are valid rows.
    pub valid_row_count: usize,
    /// The diagnostics kept, sorted (file-level first, then line, column, code).
    pub diagnostics: Vec<Diagnostic>,
    /// Diagnostics found beyond the caps and only counted.
    pub omitted: Omitted,
}

/// What the renderers need from a checked file; [`CheckedFile`] and [`CheckReport`] both have it.
pub trait Checked {
    /// The file (or the name it was checked under).
    fn path(&self) -> &Path;
    /// The operation it was checked for.
    fn operation(&self) -> Operation;
    /// `,` or `;`.
    fn delimiter(&self) -> u8;
    /// Number of data records.
    fn record_count(&self) -> usize;
    /// Number of valid rows.
    fn valid_row_count(&self) -> usize;
    /// The diagnostics kept, sorted.
    fn diagnostics(&self) -> &[Diagnostic];
    /// Diagnostics found beyond the caps and only counted.
    fn omitted(&self) -> &Omitted;

    /// Whether any diagnostic is an error.
    fn has_errors(&self) -> bool {
        has_errors(self.diagnostics(), self.omitted())
    }

    /// Whether an error concerns the whole file: then no row is usable.
    fn file_level_error(&self) -> bool {
        file_level_error(self.diagnostics())
    }

    /// Counts of (errors, warnings), those only counted included.
    fn counts(&self) -> (usize, usize) {
        counts(self.diagnostics(), self.omitted())
    }
}

impl Checked for CheckedFile {
    fn path(&self) -> &Path {
        &self.path
    }

    fn operation(&self) -> Operation {
        self.operation
    }

    fn delimiter(&self) -> u8 {
        self.delimiter
    }

    fn record_count(&self) -> usize {
        self.records.len()
    }

    fn valid_row_count(&self) -> usize {
        self.valid_rows()
    }

    fn diagnostics(&self) -> &[Diagnostic] {
        &self.diagnostics
    }

    fn omitted(&self) -> &Omitted {
        &self.omitted
    }
}

impl Checked for CheckReport {
    fn path(&self) -> &Path {
        &self.path
    }

    fn operation(&self) -> Operation {
        self.operation
    }

    fn delimiter(&self) -> u8 {
        self.delimiter
    }

    fn record_count(&self) -> usize {
        self.record_count
    }

    fn valid_row_count(&self) -> usize {
        self.valid_row_count
    }

    fn diagnostics(&self) -> &[Diagnostic] {
        &self.diagnostics
    }

    fn omitted(&self) -> &Omitted {
        &self.omitted
    }
}

fn has_errors(diagnostics: &[Diagnostic], omitted: &Omitted) -> bool {
    diagnostics.iter().any(|diagnostic| diagnostic.severity == Severity::Error) || omitted.by_severity().0 > 0
}

fn file_level_error(diagnostics: &[Diagnostic]) -> bool {
    diagnostics.iter().any(|diagnostic| diagnostic.severity == Severity::Error && diagnostic.code.is_file_level())
}

fn counts(diagnostics: &[Diagnostic], omitted: &Omitted) -> (usize, usize) {
    let errors = diagnostics.iter().filter(|diagnostic| diagnostic.severity == Severity::Error).count();
    let (omitted_errors, omitted_warnings) = omitted.by_severity();
    (errors + omitted_errors, diagnostics.len() - errors + omitted_warnings)
}

/// Reads and validates a file. `Err` only when it cannot be read; a file over the byte cap is
/// not loaded (its `CheckedFile` holds just E001).
pub fn check_file(path: &Path, options: &CheckOptions) -> Result<CheckedFile, CheckError> {
    let bytes = match read_capped(path)? {
        Contents::Bytes(bytes) => bytes,
        Contents::TooLarge(size) => {
            return Ok(CheckedFile {
                path: path.to_path_buf(),
                operation: options.operation,
                delimiter: b',',
                had_bom: false,
                header: Vec::new(),
                records: Vec::new(),
                rows: Vec::new(),
                diagnostics: vec![too_large(size)],
                omitted: Omitted::default(),
            });
        }
    };
    let mut checked = check_bytes(&path.to_string_lossy(), &bytes, options);
    checked.path = path.to_path_buf();
    Ok(checked)
}

/// A file named like a spreadsheet (`.xlsx`, `.xls`, `.ods`) that is not text is that spreadsheet:
/// its binary-file diagnostic (NUL bytes, bytes that are not UTF-8, an archive) becomes E015, which
/// says what the file is and how to save it as CSV.
fn name_the_spreadsheet(name: &str, diagnostics: &mut [Diagnostic]) {
    let Some(kind) = crate::console_csv::encoding::Spreadsheet::by_extension(name) else { return };
    for diagnostic in diagnostics.iter_mut() {
        if matches!(diagnostic.code, Code::NulByte | Code::NotUtf8 | Code::WideEncoding | Code::Spreadsheet) {
            *diagnostic = file_rules::spreadsheet(kind);
        }
    }
}

/// Validates a file already in memory; `name` is what diagnostics call it.
pub fn check_bytes(name: &str, bytes: &[u8], options: &CheckOptions) -> CheckedFile {
    let mut kept = KeepAll::default();
    let mut pass = pass::run(bytes, options, &mut kept);
    name_the_spreadsheet(name, &mut pass.diagnostics);
    CheckedFile {
        path: PathBuf::from(name),
        operation: options.operation,
        delimiter: pass.delimiter,
        had_bom: pass.had_bom,
        header: pass.header,
        records: kept.records,
        rows: kept.rows,
        diagnostics: pass.diagnostics,
        omitted: pass.omitted,
    }
}

/// Reads and validates a file like [`check_file`], keeping only the diagnostics and the counts:
/// what `check` prints. No record or row is owned, so this is the fast path
/// (docs/benchmarks.md); the diagnostics are exactly those of [`check_file`].
pub fn check_file_report(path: &Path, options: &CheckOptions) -> Result<CheckReport, CheckError> {
    let bytes = match read_capped(path)? {
        Contents::Bytes(bytes) => bytes,
        Contents::TooLarge(size) => {
            return Ok(CheckReport {
                path: path.to_path_buf(),
                operation: options.operation,
                delimiter: b',',
                had_bom: false,
                header: Vec::new(),
                record_count: 0,
                valid_row_count: 0,
                diagnostics: vec![too_large(size)],
                omitted: Omitted::default(),
            });
        }
    };
    let mut report = check_bytes_report(&path.to_string_lossy(), &bytes, options);
    report.path = path.to_path_buf();
    Ok(report)
}

/// Validates a file already in memory like [`check_bytes`], keeping only the diagnostics and the
/// counts.
pub fn check_bytes_report(name: &str, bytes: &[u8], options: &CheckOptions) -> CheckReport {
    let mut pass = pass::run(bytes, options, &mut KeepNothing);
    name_the_spreadsheet(name, &mut pass.diagnostics);
    CheckReport {
        path: PathBuf::from(name),
        operation: options.operation,
        delimiter: pass.delimiter,
        had_bom: pass.had_bom,
        header: pass.header,
        record_count: pass.records,
        valid_row_count: pass.valid_rows,
        diagnostics: pass.diagnostics,
        omitted: pass.omitted,
    }
}

/// A file's bytes, or what is known of its size when it is over the byte cap (then it is not kept).
enum Contents {
    Bytes(Vec<u8>),
    /// Over the cap: the size of a regular file, `None` for a device, pipe or FIFO (or a file that
    /// grew while it was read), of which only one byte more than the cap was read.
    TooLarge(Option<u64>),
}

/// Reads at most [`MAX_BYTES`] + 1 bytes from `path`, whatever it is: a regular file over the cap
/// is not read at all, and a device (`/dev/zero`), pipe or FIFO that says nothing of its size is
/// read only until it has shown it is too large, so no input can make us read without end.
fn read_capped(path: &Path) -> Result<Contents, CheckError> {
    use std::io::Read as _;

    let read_error = |source| CheckError::Read { path: path.to_path_buf(), source };
    let file = std::fs::File::open(path).map_err(read_error)?;
    let metadata = file.metadata().map_err(read_error)?;
    if metadata.is_file() && metadata.len() > MAX_BYTES {
        return Ok(Contents::TooLarge(Some(metadata.len())));
    }
    let expected = if metadata.is_file() { metadata.len() } else { 0 };
    let mut bytes = Vec::with_capacity(usize::try_from(expected.min(MAX_BYTES + 1)).unwrap_or_default());
    file.take(MAX_BYTES + 1).read_to_end(&mut bytes).map_err(read_error)?;
    if bytes.len() as u64 > MAX_BYTES {
        return Ok(Contents::TooLarge(None));
    }
    Ok(Contents::Bytes(bytes))
}

/// E001 for an input over the byte cap, with its size when it is known.
fn too_large(size: Option<u64>) -> Diagnostic {
    match size {
        Some(size) => file_rules::too_large(size),
        None => file_rules::too_large_stream(),
    }
}

/// Keeps every record and typed row (`check_bytes`).
#[derive(Default)]
struct KeepAll {
    records: Vec<SourceRecord>,
    rows: Vec<RowStatus>,
}

impl pass::Keep for KeepAll {
    const ROWS: bool = true;

    fn record(&mut self, fields: &console_csv::Fields<'_>, width: usize) {
        self.records.push(SourceRecord::from_fields(fields, width));
    }

    fn row(&mut self, row: Option<ValidRow>) {
        self.rows.push(row.map_or(RowStatus::Invalid, RowStatus::Valid));
    }

    fn invalidate(&mut self) {
        self.rows.fill(RowStatus::Invalid);
    }

    fn forget(&mut self) {
        self.records = Vec::new();
        self.rows = Vec::new();
    }
}

/// Keeps nothing (`check_bytes_report`).
struct KeepNothing;

impl pass::Keep for KeepNothing {
    const ROWS: bool = false;

    fn record(&mut self, _fields: &console_csv::Fields<'_>, _width: usize) {}

    fn row(&mut self, _row: Option<ValidRow>) {}

    fn invalidate(&mut self) {}

    fn forget(&mut self) {}
}
