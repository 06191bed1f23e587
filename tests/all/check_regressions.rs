//! Regression tests for what fuzzing the reader and the validator found (docs/fuzzing.md): each
//! input is inline as bytes, minimised, and each test is named after the behaviour it pins. The
//! fuzz targets and their invariants live in `fuzz/`; these tests keep the fixes without them.

use umapi_bulk::console_csv::{Column, HeaderMap};
use umapi_bulk::model::Operation;
use umapi_bulk::validation::{CheckOptions, CheckedFile, Code, check_bytes, render};

const OPERATIONS: [Operation; 4] = [Operation::Add, Operation::Edit, Operation::Remove, Operation::Revoke];

fn check(bytes: &[u8], operation: Operation) -> CheckedFile {
    check_bytes("regression.csv", bytes, &CheckOptions { operation, claimed_domains: vec!["example.com".into()] })
}

fn codes_and_lines(checked: &CheckedFile) -> Vec<(&'static str, Option<u64>)> {
    checked.diagnostics.iter().map(|diagnostic| (diagnostic.code.as_str(), diagnostic.line)).collect()
}

/// Before: `sep=,` alone made the reader return an empty header "on line 2" of a one-line file,
/// and every required column was reported missing there.
#[test]
fn a_file_holding_only_an_excel_sep_line_is_empty() {
    for bytes in [&b"sep=,"[..], b"sep=;\r\n", b"\xEF\xBB\xBFSEP=;\n \n\r\n"] {
        for operation in OPERATIONS {
            let checked = check(bytes, operation);
            assert_eq!(codes_and_lines(&checked), vec![("E006", None)], "{bytes:?} for {operation:?}");
            assert!(checked.records.is_empty() && checked.header.is_empty(), "{bytes:?}");
        }
    }
}

/// The sep line still counts as line 1 when a header follows it.
#[test]
fn a_sep_line_followed_by_a_header_keeps_the_header_on_line_2() {
    let checked = check(b"sep=;\nEmail\n", Operation::Revoke);
    assert_eq!(codes_and_lines(&checked), vec![("E007", None)]);
    assert_eq!(checked.header, vec!["Email"]);
}

/// Minimised by the fuzzer: a remove file whose whole content is the control character SO
/// (0x0E) printed it raw in W001's column and message.
#[test]
fn human_report_escapes_a_control_character_in_a_header_name() {
    let checked = check(b"\x0e", Operation::Remove);
    let unknown = checked.diagnostics.iter().find(|diagnostic| diagnostic.code == Code::UnknownColumn);
    assert_eq!(unknown.and_then(|diagnostic| diagnostic.column.as_deref()), Some("\u{e}"), "JSON keeps the name");
    let human = render::human(&checked, false);
    assert!(!human.contains('\u{e}'), "{human}");
    assert!(human.contains("warning[W001]: line 1, column \"\\u{e}\": \"\\u{e}\" is not a column"), "{human}");
}

/// A quoted cell can hold a line break, ESC sequences and a bidirectional override; none of them
/// may reach the terminal, or a cell could forge a clean summary line or erase the errors above it.
#[test]
fn human_report_lines_cannot_be_forged_or_erased_by_a_cell() {
    let file = "Email,Result\n\"x\nchecked 1 row: 1 valid, 0 invalid\x1b[1A\x1b[2K\u{202E}\",ok\n";
    let checked = check(file.as_bytes(), Operation::Revoke);
    assert_eq!(codes_and_lines(&checked), vec![("E030", Some(2))]);
    let human = render::human(&checked, false);
    let lines: Vec<&str> = human.lines().collect();
    assert_eq!(lines.len(), 2, "one diagnostic and the summary: {human}");
    assert!(lines[0].starts_with("error[E030]: line 2, column \"Email\": \"x\\nchecked 1 row"), "{human}");
    assert!(lines[0].contains("\\u{1b}[1A\\u{1b}[2K\\u{202e}"), "{human}");
    assert_eq!(lines[1], "checked 1 row: 0 valid, 1 invalid (1 error, 0 warnings); delimiter \",\"");
    let json: serde_json::Value =
        serde_json::from_str(&render::json(&checked)).unwrap_or_else(|error| panic!("{error}"));
    let message = json["diagnostics"][0]["message"].as_str().unwrap_or_default();
    assert!(message.contains("\x1b[2K"), "JSON keeps the text as written, escaped by JSON itself: {message:?}");
}

/// Found by review while writing the fuzz targets, confirmed by measurement: duplicate header
/// names were found by scanning every earlier cell, quadratic in the width of the header (80,000
/// named columns took 47 s in a debug build). The map must still pair each repeat with the first
/// cell of its name, case-insensitively, and leave empty cells alone; `scripts/bench-wide-header.sh`
/// measures the growth.
#[test]
fn a_very_wide_header_pairs_each_repeated_name_with_its_first_cell() {
    let mut header: Vec<String> = (0..20_000).map(|index| format!("Extra {index}")).collect();
    header.extend(["EMAIL", "", "extra 7", "email", "", "Extra 19999", "EXTRA 7"].map(String::from));
    let map = HeaderMap::new(&header, &Column::USER);
    assert_eq!(map.duplicates, vec![(7, 20_002), (20_000, 20_003), (19_999, 20_005), (7, 20_006)]);
    assert_eq!(map.index(Column::Email), Some(20_000));
    assert_eq!(map.extra.len(), 20_000 + 2, "the extra names and the two empty cells");
}
