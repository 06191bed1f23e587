//! The invariants the fuzz targets check on every input, cheaply, after `check_bytes` and
//! `console_csv::parse` return: alignment of rows with records, sorted diagnostics, line numbers
//! that exist in the file, no valid row beside a file-level error, valid rows that really pass
//! the rules they claim to, and renderers that never panic and emit JSON that parses back.
//!
//! Each check panics with a message naming the broken invariant, which libFuzzer records as a
//! crash. This crate is for the fuzz targets only: nothing in umapi-bulk depends on it.

use umapi_bulk::console_csv::{FileProblem, ParsedCsv, RecordProblem};
use umapi_bulk::model::{IdentityType, Operation};
use umapi_bulk::validation::diagnostic::MAX_VALUE_CHARS;
use umapi_bulk::validation::{CheckedFile, RowStatus, Severity, ValidRow, country, email, render};

/// The operation an input's first byte selects (the low two bits).
pub fn operation_of(selector: u8) -> Operation {
    match selector % 4 {
        0 => Operation::Add,
        1 => Operation::Edit,
        2 => Operation::Remove,
        _ => Operation::Revoke,
    }
}

/// The claimed domains an input's first byte selects (bit 2: none, or the samples' two).
pub fn claimed_domains_of(selector: u8) -> Vec<String> {
    if selector & 0b100 == 0 { Vec::new() } else { vec!["example.com".into(), "fed.example.org".into()] }
}

/// The number of lines an editor shows for `bytes`, counting `\n`, `\r\n` and a lone `\r` as
/// one break each, plus the (possibly empty) line after the last break: the largest line number
/// any diagnostic may name.
pub fn line_count(bytes: &[u8]) -> u64 {
    let mut breaks = 0u64;
    for (index, &byte) in bytes.iter().enumerate() {
        let lone_carriage_return = byte == b'\r' && bytes.get(index + 1) != Some(&b'\n');
        if byte == b'\n' || lone_carriage_return {
            breaks += 1;
        }
    }
    breaks + 1
}

/// Every invariant of a [`CheckedFile`] checked from `bytes`.
pub fn check_file_invariants(bytes: &[u8], checked: &CheckedFile) {
    let lines = line_count(bytes);
    assert_eq!(checked.rows.len(), checked.records.len(), "every record gets exactly one row status");
    assert!(
        checked.diagnostics.windows(2).all(|pair| pair[0].order(&pair[1]).is_le()),
        "diagnostics are sorted: {:#?}",
        checked.diagnostics
    );
    for diagnostic in &checked.diagnostics {
        assert_eq!(diagnostic.severity, diagnostic.code.severity(), "severity follows the code: {diagnostic:?}");
        assert!(!diagnostic.message.is_empty(), "every diagnostic says something: {diagnostic:?}");
        if let Some(line) = diagnostic.line {
            assert!((1..=lines).contains(&line), "line {line} of a {lines}-line file: {diagnostic:?}");
        }
        if let Some(related) = diagnostic.related_line {
            assert!(diagnostic.line.is_some_and(|line| related < line), "related line comes first: {diagnostic:?}");
        }
        if let Some(index) = diagnostic.column_index {
            assert!(index < checked.header.len(), "column {index} exists in the header: {diagnostic:?}");
            assert!(diagnostic.column.is_some(), "a column position comes with a column name: {diagnostic:?}");
        }
        if let Some(value) = &diagnostic.value {
            assert!(value.chars().count() <= MAX_VALUE_CHARS + 1, "quoted values are cut: {diagnostic:?}");
        }
    }
    assert!(
        checked.records.windows(2).all(|pair| pair[0].line < pair[1].line),
        "records start on increasing lines: {:?}",
        checked.records.iter().map(|record| record.line).collect::<Vec<_>>()
    );
    for record in &checked.records {
        assert!((1..=lines).contains(&record.line), "record line {} of a {lines}-line file", record.line);
    }
    let file_level = checked.file_level_error();
    if file_level {
        assert_eq!(checked.valid_rows(), 0, "a file with a file-level error has no valid rows");
    }
    for (index, (record, row)) in checked.records.iter().zip(&checked.rows).enumerate() {
        let error_on_line = checked.first_error_for_line(record.line).is_some();
        match row {
            RowStatus::Invalid => assert!(
                file_level || error_on_line,
                "an invalid row on line {} is explained by an error on its line or a file-level error",
                record.line
            ),
            RowStatus::Valid(valid) => {
                assert!(!error_on_line, "a valid row on line {} has no error on its line", record.line);
                valid_row_invariants(checked.operation, index, record.line, valid);
            }
        }
    }
    render_invariants(checked);
}

/// A valid row is positioned where its record is and passes the rules it claims to.
fn valid_row_invariants(operation: Operation, index: usize, line: u64, valid: &ValidRow) {
    match valid {
        ValidRow::Invitation(invitation) => {
            assert_eq!(operation, Operation::Revoke, "only revoke yields invitation rows");
            assert_eq!((invitation.line, invitation.index), (line, index), "the row sits where its record is");
            assert_eq!(email::problem(&invitation.email), None, "a valid invitation row has a valid email");
        }
        ValidRow::User(user) => {
            assert_ne!(operation, Operation::Revoke, "revoke yields invitation rows only");
            assert_eq!((user.line, user.index), (line, index), "the row sits where its record is");
            assert_eq!(email::problem(&user.email), None, "a valid user row has a valid email: {user:?}");
            assert!(
                user.identity_type.is_some() || operation == Operation::Remove,
                "only remove rows may lack an identity type: {user:?}"
            );
            if operation == Operation::Add && user.identity_type.is_some_and(|kind| kind != IdentityType::AdobeId) {
                assert!(
                    !user.first_name.is_empty() && !user.last_name.is_empty() && !user.country.is_empty(),
                    "an Enterprise or Federated ID row has names and a country: {user:?}"
                );
            }
            if operation == Operation::Add && !user.country.is_empty() {
                assert!(
                    !matches!(country::check(&user.country), country::CountryCheck::Invalid(_)),
                    "a valid add row has a real country code: {user:?}"
                );
            }
            let lists = [
                &user.product_configurations,
                &user.product_configurations_administered,
                &user.user_groups,
                &user.user_groups_administered,
                &user.products_administered,
            ];
            for names in lists.into_iter().flatten() {
                for name in names {
                    assert!(
                        !name.is_empty()
                            && name.trim() == name
                            && !name.contains(',')
                            && !name.contains(char::is_control),
                        "names in a valid row are trimmed, non-empty, without commas or control characters: {name:?}"
                    );
                }
            }
        }
    }
}

/// Rendering never panics; the JSON parses back and agrees with the file.
fn render_invariants(checked: &CheckedFile) {
    let plain = render::human(checked, false);
    let coloured = render::human(checked, true);
    for diagnostic in &checked.diagnostics {
        assert!(plain.contains(diagnostic.code.as_str()), "the human report names {}", diagnostic.code.as_str());
    }
    assert!(plain.ends_with('\n') && coloured.len() >= plain.len(), "both human forms are complete");
    human_structure_invariants(&plain);
    let json = render::json(checked);
    let document: serde_json::Value = match serde_json::from_str(&json) {
        Ok(document) => document,
        Err(error) => panic!("the JSON report parses back ({error}): {json}"),
    };
    let (errors, warnings) = checked.counts();
    let number = |key: &str| document.get(key).and_then(serde_json::Value::as_u64);
    assert_eq!(number("rows"), Some(checked.records.len() as u64), "JSON rows");
    assert_eq!(number("valid_rows"), Some(checked.valid_rows() as u64), "JSON valid_rows");
    assert_eq!((number("errors"), number("warnings")), (Some(errors as u64), Some(warnings as u64)), "JSON counts");
    let listed = document.get("diagnostics").and_then(serde_json::Value::as_array).map(Vec::len);
    assert_eq!(listed, Some(checked.diagnostics.len()), "JSON lists every diagnostic");
    let errors_listed = checked.diagnostics.iter().filter(|diagnostic| diagnostic.severity == Severity::Error).count();
    assert_eq!(errors, errors_listed, "counts agree with the list");
}

/// The plain human report is one line per diagnostic, one per hint, and the summary last: a cell
/// must not be able to add, hide or rewrite lines (line breaks, carriage returns, terminal escape
/// sequences) or reorder text (bidirectional overrides) in what the admin reads.
fn human_structure_invariants(plain: &str) {
    let body = plain.strip_suffix('\n').unwrap_or(plain);
    let lines: Vec<&str> = body.split('\n').collect();
    let (summary, diagnostics) = lines.split_last().unwrap_or((&"", &[]));
    for line in diagnostics {
        assert!(
            line.starts_with("error[E") || line.starts_with("warning[W") || line.starts_with("  = hint: "),
            "every line before the summary is a diagnostic or its hint: {line:?}"
        );
    }
    assert!(
        summary.starts_with("checked ") || summary.contains(": rejected before its rows were checked"),
        "the summary is the last line: {summary:?}"
    );
    for line in &lines {
        assert!(
            !line.chars().any(|character| character.is_control() || is_bidirectional_control(character)),
            "no control or bidirectional formatting character reaches the terminal: {line:?}"
        );
    }
}

/// The Unicode bidirectional embedding, override and isolate characters ("Trojan Source").
pub fn is_bidirectional_control(character: char) -> bool {
    matches!(character, '\u{202A}'..='\u{202E}' | '\u{2066}'..='\u{2069}')
}

/// Every invariant of the reader's result for `bytes`.
pub fn parse_invariants(bytes: &[u8], parsed: &Result<ParsedCsv, FileProblem>) {
    let lines = line_count(bytes);
    let parsed = match parsed {
        Ok(parsed) => parsed,
        Err(problem) => return file_problem_invariants(lines, problem),
    };
    assert!(matches!(parsed.delimiter, b',' | b';'), "the delimiter is , or ;");
    assert!(!parsed.header.is_empty(), "a file that parses has a header row");
    assert!((1..=lines).contains(&parsed.header_line), "header line {} of {lines}", parsed.header_line);
    let mut previous = parsed.header_line;
    for record in &parsed.records {
        assert!(record.line > previous, "records start after the header and each other: {}", record.line);
        assert!(record.line <= lines, "record line {} of {lines}", record.line);
        assert!(
            !record.fields.iter().all(|field| field.trim_ascii().is_empty()),
            "empty rows are not kept as records (line {})",
            record.line
        );
        previous = record.line;
    }
    if !bytes.contains(&b'"') {
        unquoted_lines_invariants(bytes, parsed);
    }
    for problem in &parsed.problems {
        match *problem {
            RecordProblem::FieldCount { index, found, expected } => {
                let record = parsed.records.get(index).unwrap_or_else(|| panic!("record {index} exists"));
                assert_eq!(found, record.fields.len(), "FieldCount counts the record's fields");
                assert_eq!(expected, parsed.header.len(), "FieldCount expects the header's width");
                assert_ne!(found, expected, "FieldCount is reported only for a wrong count");
            }
            RecordProblem::StrayQuote { index } => assert!(index < parsed.records.len(), "record {index} exists"),
            RecordProblem::EmptyRow { line } => {
                assert!(line > parsed.header_line && line <= lines, "empty row line {line} of {lines}");
                assert!(parsed.records.iter().all(|record| record.line != line), "an empty row is not a record");
            }
        }
    }
}

/// Without quotes every record is exactly one physical line, so the line a record claims must
/// hold exactly its fields: an oracle for the reader's line numbering that does not use it.
fn unquoted_lines_invariants(bytes: &[u8], parsed: &ParsedCsv) {
    let text = bytes.strip_prefix(b"\xEF\xBB\xBF").unwrap_or(bytes);
    let mut physical_lines: Vec<&[u8]> = Vec::new();
    let mut start = 0;
    let mut index = 0;
    while index < text.len() {
        if text[index] == b'\n' || text[index] == b'\r' {
            physical_lines.push(&text[start..index]);
            index += if text[index] == b'\r' && text.get(index + 1) == Some(&b'\n') { 2 } else { 1 };
            start = index;
        } else {
            index += 1;
        }
    }
    physical_lines.push(&text[start..]);
    let split = |line: &[u8]| -> Vec<String> {
        line.split(|&byte| byte == parsed.delimiter).map(|field| String::from_utf8_lossy(field).into_owned()).collect()
    };
    let header_line = usize::try_from(parsed.header_line).unwrap_or(usize::MAX);
    assert_eq!(physical_lines.get(header_line - 1).map(|line| split(line)), Some(parsed.header.clone()), "header line");
    for record in &parsed.records {
        let line = usize::try_from(record.line).unwrap_or(usize::MAX);
        assert_eq!(
            physical_lines.get(line - 1).map(|line| split(line)),
            Some(record.fields.clone()),
            "record on line {} holds that line's fields",
            record.line
        );
    }
}

fn file_problem_invariants(lines: u64, problem: &FileProblem) {
    match *problem {
        FileProblem::UnclosedQuote { line, last_line } => {
            assert!(line >= 1 && line <= last_line && last_line <= lines, "{problem:?} in {lines} lines");
        }
        FileProblem::QuotesOutOfStep { line, last_line, found, expected } => {
            assert!(line >= 1 && line < last_line && last_line <= lines, "{problem:?} in {lines} lines");
            assert_ne!(found, expected, "{problem:?}");
        }
        FileProblem::Encoding(umapi_bulk::console_csv::EncodingProblem::NulByte { line })
        | FileProblem::Encoding(umapi_bulk::console_csv::EncodingProblem::NotUtf8 { line, .. }) => {
            assert!((1..=lines).contains(&line), "{problem:?} in {lines} lines");
        }
        _ => {}
    }
    assert!(!problem.to_string().is_empty(), "every problem has a message");
}
