//! Fuzz target: `validation::check_bytes` on arbitrary bytes for each of the four operations.
//! The first input byte selects the operation (low two bits) and whether claimed domains are set
//! (bit 2); the rest is the file. Every result must satisfy `fuzz_invariants`.

#![no_main]

use libfuzzer_sys::fuzz_target;
use umapi_bulk::validation::{CheckOptions, check_bytes};

fuzz_target!(|data: &[u8]| {
    let Some((&selector, file)) = data.split_first() else {
        return;
    };
    let options = CheckOptions {
        operation: fuzz_invariants::operation_of(selector),
        claimed_domains: fuzz_invariants::claimed_domains_of(selector),
    };
    let checked = check_bytes("fuzz.csv", file, &options);
    fuzz_invariants::check_file_invariants(file, &checked);
});
