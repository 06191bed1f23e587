//! `check_file_report` and `check_bytes_report` (what `check` runs, keeping no record) against
//! `check_file` and `check_bytes` (what `plan` and `apply` run): the same diagnostics, counts,
//! header and delimiter on every fixture and sample, on generated files at the caps, and on
//! arbitrary bytes.

use std::path::Path;

use proptest::prelude::*;

use umapi_bulk::model::Operation;
use umapi_bulk::validation::{
    CheckOptions, CheckReport, CheckedFile, MAX_BYTES, check_bytes, check_bytes_report, check_file, check_file_report,
};

use crate::harness::{fixture, root, temp_dir};

const OPERATIONS: [Operation; 4] = [Operation::Add, Operation::Edit, Operation::Remove, Operation::Revoke];

fn options(operation: Operation, claimed: bool) -> CheckOptions {
    let claimed_domains = if claimed { vec!["example.com".into(), " Fed.Example.org".into()] } else { vec![] };
    CheckOptions { operation, claimed_domains }
}

fn assert_agree(report: &CheckReport, checked: &CheckedFile, what: &str) {
    assert_eq!(report.diagnostics, checked.diagnostics, "{what}");
    assert_eq!(report.record_count, checked.records.len(), "{what}");
    assert_eq!(report.valid_row_count, checked.valid_rows(), "{what}");
    assert_eq!(
        (&report.header, report.delimiter, report.had_bom),
        (&checked.header, checked.delimiter, checked.had_bom),
        "{what}"
    );
    assert_eq!((&report.path, report.operation), (&checked.path, checked.operation), "{what}");
}

#[test]
fn reports_agree_with_checked_files_on_every_fixture_and_sample() {
    let mut files = Vec::new();
    for folder in ["check/bad", "check/good", "check/warn"] {
        for entry in std::fs::read_dir(fixture(folder)).unwrap_or_else(|error| panic!("{error}")) {
            files.push(entry.unwrap_or_else(|error| panic!("{error}")).path());
        }
    }
    for entry in std::fs::read_dir(root().join("samples")).unwrap_or_else(|error| panic!("{error}")) {
        let path = entry.unwrap_or_else(|error| panic!("{error}")).path();
        if path.extension().is_some_and(|extension| extension == "csv") {
            files.push(path);
        }
    }
    assert!(files.len() > 60, "{} files", files.len());
    for path in &files {
        for operation in OPERATIONS {
            for claimed in [false, true] {
                let options = options(operation, claimed);
                let checked = check_file(path, &options).unwrap_or_else(|error| panic!("{error}"));
                let report = check_file_report(path, &options).unwrap_or_else(|error| panic!("{error}"));
                assert_agree(&report, &checked, &format!("{} {operation} {claimed}", path.display()));
            }
        }
    }
}

#[test]
fn a_report_refuses_a_file_over_ten_megabytes_before_reading_it() {
    let dir = temp_dir();
    let path = dir.path().join("huge.csv");
    let file = std::fs::File::create(&path).unwrap_or_else(|error| panic!("{error}"));
    file.set_len(MAX_BYTES + 1).unwrap_or_else(|error| panic!("{error}"));
    let options = options(Operation::Add, false);
    let report = check_file_report(Path::new(&path), &options).unwrap_or_else(|error| panic!("{error}"));
    let checked = check_file(Path::new(&path), &options).unwrap_or_else(|error| panic!("{error}"));
    assert_agree(&report, &checked, "huge.csv");
    assert_eq!(report.diagnostics.iter().map(|diagnostic| diagnostic.code.as_str()).collect::<Vec<_>>(), ["E001"]);
    assert!(check_file_report(&dir.path().join("missing.csv"), &options).is_err());
}

/// A bulk-add file of `rows` rows with long multi-valued cells, a repeated name and a repeated
/// user every hundred rows (so that W002 and E044 are exercised at scale).
fn big_file(rows: usize) -> Vec<u8> {
    let mut text = String::from(
        "Identity Type,Username,Domain,Email,First Name,Last Name,Country Code,Product Configurations,Admin Roles,User Groups,User Groups Administered\r\n",
    );
    for number in 0..rows {
        let user = if number % 100 == 99 { number - 1 } else { number };
        let groups: Vec<String> = (0..40).map(|index| format!("Group {:04}", (number + index) % 700)).collect();
        let repeated = if number % 100 == 50 { ", group 0050" } else { "" };
        text.push_str(&format!(
            "Enterprise ID,user{user}@example.com,example.com,user{user}@example.com,Zoë,Lee,DE,\"Photoshop - Default, Acrobat Pro - Default\",User Group,\"{}{repeated}\",\"{}\"\r\n",
            groups.join(", "),
            groups[..2].join(", ")
        ));
    }
    text.into_bytes()
}

#[test]
fn reports_agree_on_files_at_and_over_the_row_cap() {
    for rows in [5_000, 5_001] {
        let bytes = big_file(rows);
        let options = options(Operation::Add, true);
        let checked = check_bytes("big.csv", &bytes, &options);
        let report = check_bytes_report("big.csv", &bytes, &options);
        assert_agree(&report, &checked, &format!("{rows} rows"));
        if rows == 5_000 {
            let codes: Vec<&str> = report.diagnostics.iter().map(|diagnostic| diagnostic.code.as_str()).collect();
            assert!(codes.contains(&"W002") && codes.contains(&"E044"), "{codes:?}");
            assert_eq!(report.valid_row_count, 5_000 - 50);
        } else {
            assert_eq!(report.valid_row_count, 0);
        }
    }
}

/// Cells made of the characters that matter to CSV and to the rules.
fn cell() -> impl Strategy<Value = String> {
    prop_oneof![
        "[a-zA-Z0-9@. ,;\"\r\n\t-]{0,12}",
        Just("Enterprise ID".to_string()),
        Just("Federated ID".to_string()),
        Just("zoe@example.com".to_string()),
        Just("Zoe@Example.com".to_string()),
        Just("\"Designers, designers ,\u{a0}Finance\"".to_string()),
        Just("Product, User Group".to_string()),
        Just("UK".to_string()),
    ]
}

const HEADER: &str = "Identity Type,Username,Domain,Email,First Name,Last Name,Country Code,Product Configurations,Admin Roles,User Groups,User Groups Administered\n";

proptest! {
    #![proptest_config(ProptestConfig { cases: 300, ..ProptestConfig::default() })]

    #[test]
    fn reports_agree_on_arbitrary_bytes(bytes in proptest::collection::vec(any::<u8>(), 0..600), selector in 0usize..8) {
        let options = options(OPERATIONS[selector % 4], selector >= 4);
        assert_agree(&check_bytes_report("random.csv", &bytes, &options), &check_bytes("random.csv", &bytes, &options), "random");
    }

    #[test]
    fn reports_agree_on_csv_shaped_text(rows in proptest::collection::vec(proptest::collection::vec(cell(), 0..14), 0..12),
                                        selector in 0usize..8, semicolons in any::<bool>()) {
        let separator = if semicolons { ";" } else { "," };
        let mut text = HEADER.replace(',', separator);
        for row in &rows {
            text.push_str(&row.join(separator));
            text.push_str("\r\n");
        }
        let options = options(OPERATIONS[selector % 4], selector >= 4);
        let bytes = text.as_bytes();
        assert_agree(&check_bytes_report("shaped.csv", bytes, &options), &check_bytes("shaped.csv", bytes, &options), "shaped");
    }
}
