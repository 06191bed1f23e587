//! Property tests over the reader and the validator: malformed, truncated or binary input never
//! panics, and whatever comes back is consistent (rows aligned with records, diagnostics sorted,
//! every invalid row explained).

use proptest::prelude::*;

use umapi_bulk::model::Operation;
use umapi_bulk::validation::{CheckOptions, CheckedFile, RowStatus, check_bytes};

const HEADER: &str = "Identity Type,Username,Domain,Email,First Name,Last Name,Country Code,Product Configurations,Admin Roles,User Groups,User Groups Administered\n";

fn assert_consistent(checked: &CheckedFile) {
    assert_eq!(checked.rows.len(), checked.records.len());
    assert!(checked.diagnostics.windows(2).all(|pair| pair[0].order(&pair[1]).is_le()));
    for (record, row) in checked.records.iter().zip(&checked.rows) {
        if *row == RowStatus::Invalid {
            assert!(checked.file_level_error() || checked.first_error_for_line(record.line).is_some());
        }
    }
    assert!(checked.records.windows(2).all(|pair| pair[0].line < pair[1].line));
}

fn operation() -> impl Strategy<Value = Operation> {
    prop_oneof![Just(Operation::Add), Just(Operation::Edit), Just(Operation::Remove), Just(Operation::Revoke)]
}

/// Cells made of the characters that matter to CSV and to the rules.
fn cell() -> impl Strategy<Value = String> {
    prop_oneof![
        "[a-zA-Z0-9@. ,;\"\r\n\t-]{0,12}",
        Just("Enterprise ID".to_string()),
        Just("Federated ID".to_string()),
        Just("zoe@example.com".to_string()),
        Just("Product, User Group".to_string()),
        Just("UK".to_string()),
    ]
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 400, ..ProptestConfig::default() })]

    #[test]
    fn arbitrary_bytes_never_panic(bytes in proptest::collection::vec(any::<u8>(), 0..600), operation in operation()) {
        let checked = check_bytes("random.csv", &bytes, &CheckOptions { operation, claimed_domains: vec!["example.com".into()] });
        assert_consistent(&checked);
    }

    #[test]
    fn csv_shaped_text_never_panics(rows in proptest::collection::vec(proptest::collection::vec(cell(), 0..14), 0..12),
                                    operation in operation(), semicolons in any::<bool>(), cut in any::<proptest::sample::Index>()) {
        let separator = if semicolons { ";" } else { "," };
        let mut text = HEADER.replace(',', separator);
        for row in &rows {
            text.push_str(&row.join(separator));
            text.push('\n');
        }
        let options = CheckOptions { operation, claimed_domains: vec![] };
        assert_consistent(&check_bytes("shaped.csv", text.as_bytes(), &options));
        let truncated = &text.as_bytes()[..cut.index(text.len() + 1)];
        assert_consistent(&check_bytes("truncated.csv", truncated, &options));
    }
}
