//! Fuzz target: the reader alone, `console_csv::parse`, on arbitrary bytes, and its agreement
//! with `check_bytes` (the validator keeps exactly the records the reader found).

#![no_main]

use libfuzzer_sys::fuzz_target;
use umapi_bulk::console_csv::parse;
use umapi_bulk::model::Operation;
use umapi_bulk::validation::{CheckOptions, MAX_ROWS, check_bytes};

fuzz_target!(|data: &[u8]| {
    let parsed = parse(data);
    fuzz_invariants::parse_invariants(data, &parsed);
    let checked =
        check_bytes("fuzz.csv", data, &CheckOptions { operation: Operation::Remove, claimed_domains: vec![] });
    match &parsed {
        Ok(parsed) if parsed.records.len() <= MAX_ROWS => {
            assert_eq!(checked.records, parsed.records, "check_bytes keeps the reader's records");
            assert_eq!(checked.header, parsed.header, "check_bytes keeps the reader's header");
            assert_eq!((checked.delimiter, checked.had_bom), (parsed.delimiter, parsed.had_bom));
        }
        Ok(_) => {}
        Err(_) => assert!(checked.records.is_empty() && checked.file_level_error(), "a reader failure stops the check"),
    }
});
