//! File-level rules: the caps, the reader's structural problems, and the header (required,
//! duplicate and unknown columns). Each turns into a diagnostic whose hint says what to do in
//! Excel or with `umapi-bulk`.
//!
//! Required columns (SPEC 2.1/2.2 and the project's decisions):
//! - add: Identity Type, Username, Domain, Email, First Name, Last Name, Country Code;
//! - edit: Identity Type, Username, Domain, Email, and at least one editable column;
//! - remove: Identity Type, Username, Domain, Email;
//! - revoke: Email.
//!
//! This module does not look at data rows except to report record problems the reader found.

use crate::console_csv::columns::{HINT_COLUMN, RESULT_COLUMNS};
use crate::console_csv::encoding::Spreadsheet;
use crate::console_csv::{Column, EncodingProblem, FileProblem, HeaderMap};
use crate::model::Operation;

use super::diagnostic::{Code, Diagnostic};
use super::suggest;

/// Most data rows the Console takes in one file.
pub const MAX_ROWS: usize = 5_000;
/// Most bytes the Console takes in one file (10 MB).
pub const MAX_BYTES: u64 = 10_485_760;
/// Most columns a header may have (see [`crate::console_csv::MAX_COLUMNS`] for why).
pub use crate::console_csv::MAX_COLUMNS;

const SPLIT_HINT: &str = "cut it into compliant parts with `umapi-bulk split FILE` and check each part";
const SAVE_AS_HINT: &str = "in Excel, use File > Save As > \"CSV UTF-8 (Comma delimited) (*.csv)\"";

/// A spreadsheet in its own format: what it is and how to make the CSV (E015).
pub fn spreadsheet(kind: Spreadsheet) -> Diagnostic {
    let hint = match kind {
        Spreadsheet::OpenDocument => {
            "in LibreOffice, use File > Save As > \"Text CSV (.csv)\" with the character set \"Unicode (UTF-8)\", then \
             give umapi-bulk the .csv file"
        }
        Spreadsheet::Zip => {
            "give umapi-bulk the CSV file itself, not an archive; a workbook must be saved as CSV first"
        }
        Spreadsheet::Excel | Spreadsheet::Excel97 => {
            "open it in Excel and use File > Save As > \"CSV UTF-8 (Comma delimited) (*.csv)\", then give umapi-bulk \
             the .csv file"
        }
    };
    Diagnostic::new(Code::Spreadsheet, format!("the file is {}, not a CSV", kind.description())).with_hint(hint)
}

/// The columns an operation requires.
pub fn required_columns(operation: Operation) -> &'static [Column] {
    const ADD: [Column; 7] = [
        Column::IdentityType,
        Column::Username,
        Column::Domain,
        Column::Email,
        Column::FirstName,
        Column::LastName,
        Column::CountryCode,
    ];
    match operation {
        Operation::Add => &ADD,
        Operation::Edit | Operation::Remove => &ADD[..4],
        Operation::Revoke => &[Column::Email],
    }
}

/// The columns an operation's format knows.
pub fn known_columns(operation: Operation) -> &'static [Column] {
    if operation.uses_invitation_csv() { &Column::INVITATION } else { &Column::USER }
}

/// E001 for a file over the byte cap.
pub fn too_large(size: u64) -> Diagnostic {
    Diagnostic::new(
        Code::FileTooLarge,
        format!(
            "the file is {size} bytes ({:.1} MB); the Admin Console takes at most 10 MB ({MAX_BYTES} bytes) per file",
            size as f64 / 1_048_576.0
        ),
    )
    .with_hint(SPLIT_HINT)
}

/// E001 for an input whose size is not known in advance (a device, pipe or FIFO): more than the
/// cap was read from it before we stopped reading.
pub fn too_large_stream() -> Diagnostic {
    Diagnostic::new(
        Code::FileTooLarge,
        format!(
            "the input holds more than 10 MB (reading stopped after {} bytes); the Admin Console takes at most 10 MB \
             ({MAX_BYTES} bytes) per file",
            MAX_BYTES + 1
        ),
    )
    .with_hint(SPLIT_HINT)
}

/// E002 for a file over the row cap.
pub fn too_many_rows(rows: usize) -> Diagnostic {
    Diagnostic::new(
        Code::TooManyRows,
        format!("the file has {rows} data rows; the Admin Console takes at most {MAX_ROWS} per file"),
    )
    .with_hint(SPLIT_HINT)
}

/// The diagnostic for a problem that made the reader give up.
pub fn file_problem(problem: &FileProblem) -> Diagnostic {
    match problem {
        FileProblem::Encoding(EncodingProblem::Spreadsheet(kind)) => spreadsheet(*kind),
        FileProblem::Encoding(EncodingProblem::WideEncoding { encoding, with_bom }) => Diagnostic::new(
            Code::WideEncoding,
            format!(
                "the file is {encoding}{}, not UTF-8 (Excel writes this for \"Unicode Text\")",
                if *with_bom { "" } else { " without a byte order mark" }
            ),
        )
        .with_hint(SAVE_AS_HINT),
        FileProblem::Encoding(EncodingProblem::NulByte { line }) => {
            Diagnostic::new(Code::NulByte, "a NUL byte (0x00): the file is binary or corrupted")
                .at_line(*line)
                .with_hint("open the file in Excel or a text editor and save it again as CSV UTF-8; check it is the file you meant")
        }
        FileProblem::Encoding(EncodingProblem::NotUtf8 { line, bytes, excerpt, lines_affected, looks_like_windows_1252 }) => {
            let guess = if *looks_like_windows_1252 {
                "; it looks like Windows-1252/Latin-1, which Excel writes for plain \"CSV (Comma delimited)\""
            } else {
                ""
            };
            Diagnostic::new(
                Code::NotUtf8,
                format!(
                    "bytes that are not UTF-8 ({bytes}); {lines_affected} line{} affected{guess}",
                    if *lines_affected == 1 { " is" } else { "s are" }
                ),
            )
            .at_line(*line)
            .with_value(excerpt)
            .with_hint(SAVE_AS_HINT)
        }
        FileProblem::Empty => Diagnostic::new(Code::EmptyFile, "the file is empty")
            .with_hint("start from the Console's template: `umapi-bulk template add > users.csv`"),
        FileProblem::TabSeparated => {
            Diagnostic::new(Code::TabSeparated, "the file is tab-separated; the Admin Console takes comma- or semicolon-separated files")
                .at_line(1)
                .with_hint(SAVE_AS_HINT)
        }
        FileProblem::UnclosedQuote { line, last_line } => Diagnostic::new(
            Code::UnbalancedQuotes,
            format!("the quote opened here is never closed, so lines {line}–{last_line} were read as one record"),
        )
        .at_line(*line)
        .with_hint("close the quote, or double a quote that is part of a value (\"\"); Excel does this when it saves"),
        FileProblem::QuotesOutOfStep { line, last_line, found, expected } => Diagnostic::new(
            Code::UnbalancedQuotes,
            format!(
                "the record starting here runs to line {last_line} and has {found} fields (the header has {expected}): a quote is not closed where it should be"
            ),
        )
        .at_line(*line)
        .with_hint(format!(
            "look for a missing closing quote on line {line}; values with commas or line breaks must be wrapped in quotes"
        )),
        FileProblem::TooManyColumns { line, columns } => Diagnostic::new(
            Code::TooManyColumns,
            format!(
                "the header has {columns} columns; at most {MAX_COLUMNS} are read (the Console's user file has 13)"
            ),
        )
        .at_line(*line)
        .with_hint(
            "delete the unused columns at the end of the header (in Excel: select them, right-click > Delete), or check \
             that the file's first line is its header",
        ),
    }
}

/// Header diagnostics: missing required columns (E010, with a did-you-mean on the extra columns),
/// duplicates (E011), nothing to edit (E013), unknown columns (W001) and the revoke-file hint (W007).
/// `header` is the header row as written, on `line`.
pub fn header_rules(header: &[String], line: u64, map: &HeaderMap, operation: Operation) -> Vec<Diagnostic> {
    let missing: Vec<Column> = required_columns(operation).iter().copied().filter(|&column| !map.has(column)).collect();
    if !missing.is_empty() && looks_like_data(header) {
        let names = missing.iter().map(|column| column.name()).collect::<Vec<_>>().join(", ");
        return vec![
            Diagnostic::new(
                Code::MissingColumn,
                format!("the first line looks like data, not the header row: it lacks {names}"),
            )
            .at_line(line)
            .with_hint(format!("insert the header row first; `umapi-bulk template {}` prints it", operation.as_str())),
        ];
    }
    let mut diagnostics = Vec::new();
    let extra_names = || map.extra.iter().map(|&index| map.names[index].as_str());
    for column in missing {
        let mut diagnostic = Diagnostic::new(
            Code::MissingColumn,
            format!("the header has no \"{}\" column, which {} files need", column.name(), operation.as_str()),
        )
        .at_line(line);
        if let Some(near) = suggest::closest(column.name(), extra_names()).or_else(|| alias_for(column, extra_names()))
        {
            diagnostic = diagnostic.with_hint(format!("rename the column \"{near}\" to \"{}\"", column.name()));
        } else if operation == Operation::Remove && map.has(Column::Email) && looks_like_invitation_export(map) {
            diagnostic = diagnostic.with_hint("this looks like the pending-invitations export: use `--op revoke`");
        } else {
            diagnostic = diagnostic.with_hint(format!(
                "the {} header is: {}",
                operation.as_str(),
                known_columns(operation).iter().map(|column| column.name()).collect::<Vec<_>>().join(", ")
            ));
        }
        diagnostics.push(diagnostic);
    }
    for &(first, second) in &map.duplicates {
        diagnostics.push(
            Diagnostic::new(
                Code::DuplicateColumn,
                format!("columns {} and {} are both named \"{}\"", first + 1, second + 1, map.names[second]),
            )
            .at_line(line)
            .in_column(&map.names[second], Some(second))
            .with_hint("delete or rename one of them"),
        );
    }
    if operation == Operation::Edit && !Column::EDITABLE.iter().any(|&column| map.has(column)) {
        diagnostics.push(
            Diagnostic::new(Code::NothingToEdit, "the header has none of the columns edit changes, so nothing would change")
                .at_line(line)
                .with_hint(
                    "add at least one of: Product Configurations, Admin Roles, Product Configurations Administered, User Groups, User Groups Administered, Products Administered",
                ),
        );
    }
    if operation == Operation::Revoke && map.names.iter().any(|name| name.eq_ignore_ascii_case("Identity Type")) {
        diagnostics.push(
            Diagnostic::new(
                Code::LooksLikeUserCsv,
                "this looks like a user CSV (it has Identity Type); revoke reads only its Email column and revokes each address's pending invitation",
            )
            .at_line(line)
            .with_hint("to remove users from the org, use `--op remove`"),
        );
        return diagnostics;
    }
    // The tool's own report columns: retry.csv's Hint is expected back without a word; results.csv's
    // columns (when a results.csv is fed back) get one warning that says what they are.
    let is_own = |index: &usize, names: &[&str]| names.iter().any(|own| map.names[*index].eq_ignore_ascii_case(own));
    let results_columns: Vec<usize> =
        map.extra.iter().copied().filter(|index| is_own(index, &RESULT_COLUMNS)).collect();
    let results_file = results_columns.len() >= 2;
    if results_file {
        let names: Vec<String> = results_columns.iter().map(|&index| format!("\"{}\"", map.names[index])).collect();
        diagnostics.push(
            Diagnostic::new(
                Code::UnknownColumn,
                format!(
                    "{} are the columns of a results.csv of umapi-bulk; they are kept and carried into reports, and \
                     every row runs again, successful ones included",
                    names.join(", ")
                ),
            )
            .at_line(line)
            .in_column(&map.names[results_columns[0]], Some(results_columns[0]))
            .with_hint("to run again only the rows that need it, apply that run's retry.csv"),
        );
    }
    for &index in &map.extra {
        if is_own(&index, &[HINT_COLUMN]) || (results_file && results_columns.contains(&index)) {
            continue;
        }
        let name = &map.names[index];
        let near = suggest::closest(name, known_columns(operation).iter().map(|column| column.name()));
        let message = if name.is_empty() {
            format!("column {} has no name; its cells are kept but not used", index + 1)
        } else {
            format!(
                "\"{name}\" is not a column of the {} format; it is kept and carried into reports",
                operation.as_str()
            )
        };
        let mut diagnostic = Diagnostic::new(Code::UnknownColumn, message).at_line(line).in_column(name, Some(index));
        if let Some(near) = near.filter(|near| !name.eq_ignore_ascii_case(near)) {
            diagnostic = diagnostic.with_hint(format!("did you mean \"{near}\"?"));
        }
        diagnostics.push(diagnostic);
    }
    diagnostics
}

/// Names people use for the Console's columns.
fn alias_for<'a>(column: Column, mut names: impl Iterator<Item = &'a str>) -> Option<&'a str> {
    let aliases: &[&str] = match column {
        Column::Email => &["e-mail", "email address", "e-mail address", "mail"],
        Column::Username => &["user name", "user", "login"],
        Column::FirstName => &["firstname", "given name"],
        Column::LastName => &["lastname", "surname", "family name"],
        Column::CountryCode => &["country", "country/region"],
        Column::IdentityType => &["type", "identity", "id type", "user type"],
        _ => &[],
    };
    names.find(|name| aliases.iter().any(|alias| alias.eq_ignore_ascii_case(name)))
}

/// Whether the "header" is really a data row (the header line was deleted).
fn looks_like_data(header: &[String]) -> bool {
    header.iter().any(|cell| cell.contains('@') || crate::model::IdentityType::from_console(cell).is_some())
}

fn looks_like_invitation_export(map: &HeaderMap) -> bool {
    map.names
        .iter()
        .any(|name| name.eq_ignore_ascii_case("Last Invitation Sent") || name.eq_ignore_ascii_case("Sent By Email"))
}

/// E020 for a record with more or fewer fields than the header (it is not checked further).
pub fn field_count(line: u64, found: usize, expected: usize) -> Diagnostic {
    let hint = if found > expected {
        "a value with a comma must be wrapped in quotes: \"Designers, Finance\""
    } else {
        "every row needs as many cells as the header; add the missing separators"
    };
    Diagnostic::new(Code::FieldCount, format!("the row has {found} fields but the header has {expected}"))
        .at_line(line)
        .with_hint(hint)
}

/// E021 for a record with an odd number of quotes.
pub fn stray_quote(line: u64) -> Diagnostic {
    Diagnostic::new(Code::StrayQuote, "unbalanced quote: a \" inside an unquoted cell, or text after a closing quote")
        .at_line(line)
        .with_hint("wrap the cell in quotes and double the quote inside it: \"O\"\"Neil\"")
}

/// W004 for a row of separators only.
pub fn empty_row(line: u64) -> Diagnostic {
    Diagnostic::new(Code::EmptyRow, "the row is empty (only separators); it is skipped").at_line(line)
}
