//! The fixture corpus (fixtures/check/, documented in fixtures/README.md): every bad file gives
//! exactly its documented diagnostic (code, line, column), every warning file exactly its warning,
//! every good file passes with no diagnostic; generated files pin the caps and the 5,000-row
//! boundary.

use std::path::Path;

use umapi_bulk::model::Operation;
use umapi_bulk::validation::{CheckOptions, CheckedFile, MAX_BYTES, MAX_ROWS, RowStatus, check_bytes, check_file};

use crate::harness::{fixture, root, temp_dir};

const CLAIMED: [&str; 2] = ["example.com", "fed.example.org"];

/// (file under fixtures/check/, operation, expected diagnostics as (code, line, column)).
type Case = (&'static str, Operation, &'static [(&'static str, Option<u64>, Option<&'static str>)]);

const BAD: &[Case] = &[
    ("bad/utf16le-bom.csv", Operation::Add, &[("E003", None, None)]),
    ("bad/utf16le-no-bom.csv", Operation::Add, &[("E003", None, None)]),
    ("bad/utf16be-bom.csv", Operation::Add, &[("E003", None, None)]),
    ("bad/windows-1252.csv", Operation::Add, &[("E004", Some(3), None)]),
    ("bad/nul-byte.csv", Operation::Add, &[("E005", Some(2), None)]),
    ("bad/empty.csv", Operation::Add, &[("E006", None, None)]),
    ("bad/whitespace-only.csv", Operation::Add, &[("E006", None, None)]),
    ("bad/header-only.csv", Operation::Add, &[("E007", None, None)]),
    ("bad/tab-separated.csv", Operation::Add, &[("E008", Some(1), None)]),
    ("bad/unclosed-quote.csv", Operation::Add, &[("E009", Some(3), None)]),
    ("bad/quotes-out-of-step.csv", Operation::Add, &[("E009", Some(2), None)]),
    ("bad/missing-email-column.csv", Operation::Add, &[("E010", Some(1), None)]),
    ("bad/missing-country-column.csv", Operation::Add, &[("E010", Some(1), None), ("W001", Some(1), Some("Country"))]),
    ("bad/no-header-row.csv", Operation::Add, &[("E010", Some(1), None)]),
    ("bad/remove-missing-username-column.csv", Operation::Remove, &[("E010", Some(1), None)]),
    ("bad/duplicate-column.csv", Operation::Add, &[("E011", Some(1), Some("email"))]),
    ("bad/country-uk.csv", Operation::Add, &[("E012", Some(2), Some("Country Code"))]),
    ("bad/country-alpha3.csv", Operation::Add, &[("E012", Some(2), Some("Country Code"))]),
    ("bad/edit-nothing-to-edit.csv", Operation::Edit, &[("E013", Some(1), None)]),
    ("bad/too-many-fields.csv", Operation::Add, &[("E020", Some(3), None)]),
    ("bad/too-few-fields.csv", Operation::Add, &[("E020", Some(2), None)]),
    ("bad/stray-quote.csv", Operation::Add, &[("E021", Some(2), None)]),
    ("bad/identity-type-empty.csv", Operation::Add, &[("E022", Some(2), Some("Identity Type"))]),
    ("bad/identity-type-unknown.csv", Operation::Add, &[("E023", Some(2), Some("Identity Type"))]),
    ("bad/username-empty.csv", Operation::Add, &[("E024", Some(2), Some("Username"))]),
    ("bad/username-not-email.csv", Operation::Add, &[("E025", Some(2), Some("Username"))]),
    ("bad/federated-username-not-email.csv", Operation::Add, &[("E026", Some(2), Some("Username"))]),
    ("bad/federated-domain-missing.csv", Operation::Add, &[("E027", Some(2), Some("Domain"))]),
    ("bad/domain-invalid.csv", Operation::Add, &[("E028", Some(2), Some("Domain"))]),
    ("bad/email-empty.csv", Operation::Add, &[("E029", Some(2), Some("Email"))]),
    ("bad/email-invalid.csv", Operation::Add, &[("E030", Some(2), Some("Email"))]),
    ("bad/revoke-email-invalid.csv", Operation::Revoke, &[("E030", Some(2), Some("Email"))]),
    ("bad/email-not-claimed.csv", Operation::Add, &[("E031", Some(2), Some("Email"))]),
    ("bad/first-name-missing.csv", Operation::Add, &[("E032", Some(2), Some("First Name"))]),
    ("bad/last-name-missing.csv", Operation::Add, &[("E033", Some(2), Some("Last Name"))]),
    ("bad/name-with-comma.csv", Operation::Add, &[("E034", Some(2), Some("Last Name"))]),
    ("bad/name-too-long-console.csv", Operation::Add, &[("E035", Some(2), Some("First Name"))]),
    ("bad/name-too-long-umapi.csv", Operation::Add, &[("E036", Some(2), Some("Last Name"))]),
    ("bad/email-too-long-umapi.csv", Operation::Add, &[("E036", Some(2), Some("Email"))]),
    ("bad/control-character.csv", Operation::Add, &[("E037", Some(2), Some("First Name"))]),
    ("bad/group-name-with-line-break.csv", Operation::Add, &[("E037", Some(2), Some("User Groups"))]),
    ("bad/country-missing.csv", Operation::Add, &[("E038", Some(2), Some("Country Code"))]),
    ("bad/federated-country-ud.csv", Operation::Add, &[("E039", Some(2), Some("Country Code"))]),
    ("bad/admin-role-unknown.csv", Operation::Add, &[("E040", Some(2), Some("Admin Roles"))]),
    ("bad/system-role-add.csv", Operation::Add, &[("E041", Some(2), Some("Admin Roles"))]),
    ("bad/role-without-administered.csv", Operation::Add, &[("E042", Some(2), Some("Admin Roles"))]),
    ("bad/administered-without-role.csv", Operation::Add, &[("E043", Some(2), Some("User Groups Administered"))]),
    ("bad/duplicate-user.csv", Operation::Add, &[("E044", Some(4), Some("Email"))]),
    ("bad/revoke-duplicate-email.csv", Operation::Revoke, &[("E044", Some(3), Some("Email"))]),
];

const WARN: &[Case] = &[
    ("warn/unknown-column.csv", Operation::Add, &[("W001", Some(1), Some("Developer Access"))]),
    ("warn/duplicate-name-in-cell.csv", Operation::Add, &[("W002", Some(2), Some("User Groups"))]),
    ("warn/edit-system-role.csv", Operation::Edit, &[("W003", Some(2), Some("Admin Roles"))]),
    ("warn/empty-row.csv", Operation::Add, &[("W004", Some(3), None)]),
    ("warn/remove-identity-type-empty.csv", Operation::Remove, &[("W005", Some(2), Some("Identity Type"))]),
    ("warn/edit-domain-not-claimed.csv", Operation::Edit, &[("W006", Some(2), Some("Email"))]),
    ("warn/revoke-user-csv.csv", Operation::Revoke, &[("W007", Some(1), None)]),
];

const GOOD: &[(&str, Operation)] = &[
    ("good/bom.csv", Operation::Add),
    ("good/semicolon.csv", Operation::Add),
    ("good/excel-sep-line.csv", Operation::Add),
    ("good/crlf.csv", Operation::Add),
    ("good/trailing-blank-lines.csv", Operation::Add),
    ("good/no-final-newline.csv", Operation::Add),
    ("good/header-any-order-and-case.csv", Operation::Add),
    ("good/multi-line-quoted-cell.csv", Operation::Revoke),
    ("good/all-identity-types.csv", Operation::Add),
];

fn options(operation: Operation) -> CheckOptions {
    CheckOptions { operation, claimed_domains: CLAIMED.iter().map(|domain| (*domain).to_string()).collect() }
}

fn check(name: &str, operation: Operation) -> CheckedFile {
    let path = fixture(&format!("check/{name}"));
    check_file(&path, &options(operation)).unwrap_or_else(|error| panic!("{name}: {error}"))
}

fn found(checked: &CheckedFile) -> Vec<(String, Option<u64>, Option<String>)> {
    checked
        .diagnostics
        .iter()
        .map(|diagnostic| (diagnostic.code.as_str().to_string(), diagnostic.line, diagnostic.column.clone()))
        .collect()
}

fn expected(list: &[(&str, Option<u64>, Option<&str>)]) -> Vec<(String, Option<u64>, Option<String>)> {
    list.iter().map(|(code, line, column)| ((*code).to_string(), *line, column.map(str::to_string))).collect()
}

#[test]
fn each_bad_fixture_gives_exactly_its_documented_error() {
    for (name, operation, diagnostics) in BAD {
        let checked = check(name, *operation);
        assert_eq!(found(&checked), expected(diagnostics), "{name}");
        assert!(checked.has_errors(), "{name}");
        assert!(checked.diagnostics.iter().all(|diagnostic| !diagnostic.message.is_empty()), "{name}");
    }
    assert!(BAD.len() >= 40, "the corpus has at least 40 bad files");
}

#[test]
fn each_warning_fixture_gives_exactly_its_warning_and_stays_valid() {
    for (name, operation, diagnostics) in WARN {
        let checked = check(name, *operation);
        assert_eq!(found(&checked), expected(diagnostics), "{name}");
        assert!(!checked.has_errors(), "{name}");
        assert!(checked.rows.iter().all(|row| matches!(row, RowStatus::Valid(_))), "{name}");
    }
}

#[test]
fn each_good_fixture_passes_without_diagnostics() {
    for (name, operation) in GOOD {
        let checked = check(name, *operation);
        assert_eq!(found(&checked), vec![], "{name}");
        assert!(!checked.records.is_empty(), "{name}");
        assert_eq!(checked.valid_rows(), checked.records.len(), "{name}");
    }
}

#[test]
fn every_fixture_file_is_pinned_and_documented() {
    let readme = std::fs::read_to_string(root().join("fixtures/README.md")).unwrap_or_default();
    let pinned: Vec<&str> = BAD
        .iter()
        .map(|case| case.0)
        .chain(WARN.iter().map(|case| case.0))
        .chain(GOOD.iter().map(|case| case.0))
        .collect();
    for folder in ["bad", "warn", "good"] {
        let directory = fixture(&format!("check/{folder}"));
        for entry in std::fs::read_dir(&directory).unwrap_or_else(|error| panic!("{error}")) {
            let path = entry.unwrap_or_else(|error| panic!("{error}")).path();
            let name = format!("{folder}/{}", path.file_name().map(|name| name.to_string_lossy()).unwrap_or_default());
            assert!(pinned.contains(&name.as_str()), "{name} has no pinned expectation");
            assert!(readme.contains(&format!("`{name}`")), "{name} is not documented in fixtures/README.md");
        }
    }
}

#[test]
fn semicolon_file_reports_its_delimiter_and_keeps_the_multi_valued_cell() {
    let checked = check("good/semicolon.csv", Operation::Add);
    assert_eq!(checked.delimiter, b';');
    let Some((_, umapi_bulk::validation::ValidRow::User(row))) = checked.valid().next() else {
        panic!("no valid row");
    };
    assert_eq!(row.user_groups, Some(vec!["Designers".to_string(), "Finance".to_string()]));
    assert_eq!(row.first_name, "Zoë");
}

#[test]
fn multi_line_cell_moves_the_next_record_down() {
    let checked = check("good/multi-line-quoted-cell.csv", Operation::Revoke);
    let lines: Vec<u64> = checked.records.iter().map(|record| record.line).collect();
    assert_eq!(lines, vec![2, 4]);
}

fn user_file(rows: usize) -> Vec<u8> {
    let mut text = String::from("Identity Type,Username,Domain,Email,First Name,Last Name,Country Code\n");
    for number in 0..rows {
        text.push_str(&format!(
            "Enterprise ID,user{number}@example.com,example.com,user{number}@example.com,Ann,Lee,US\n"
        ));
    }
    text.into_bytes()
}

#[test]
fn exactly_five_thousand_rows_pass_and_one_more_is_a_single_file_error() {
    let checked = check_bytes("max.csv", &user_file(MAX_ROWS), &options(Operation::Add));
    assert_eq!((checked.records.len(), checked.valid_rows(), checked.diagnostics.len()), (MAX_ROWS, MAX_ROWS, 0));
    let checked = check_bytes("over.csv", &user_file(MAX_ROWS + 1), &options(Operation::Add));
    assert_eq!(found(&checked), vec![("E002".to_string(), None, None)]);
    assert!(checked.file_level_error());
    assert!(checked.rows.iter().all(|row| *row == RowStatus::Invalid));
}

#[test]
fn a_file_over_ten_megabytes_is_refused_before_it_is_read() {
    let dir = temp_dir();
    let path = dir.path().join("huge.csv");
    let file = std::fs::File::create(&path).unwrap_or_else(|error| panic!("{error}"));
    file.set_len(MAX_BYTES + 1).unwrap_or_else(|error| panic!("{error}"));
    let checked = check_file(Path::new(&path), &options(Operation::Add)).unwrap_or_else(|error| panic!("{error}"));
    assert_eq!(found(&checked), vec![("E001".to_string(), None, None)]);
    assert!(checked.diagnostics[0].hint.as_deref().is_some_and(|hint| hint.contains("umapi-bulk split")));
}
