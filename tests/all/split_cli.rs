//! `umapi-bulk split`: parts within both caps, header repeated, rows never cut, every row kept
//! once and in order, each part passing `check`.

use std::fs;

use crate::harness::{temp_dir, umapi_bulk};

fn big_file(rows: usize) -> String {
    let mut text =
        String::from("\u{FEFF}Identity Type,Username,Domain,Email,First Name,Last Name,Country Code,User Groups\r\n");
    for number in 0..rows {
        text.push_str(&format!(
            "Enterprise ID,user{number}@example.com,example.com,user{number}@example.com,Zoë,Lee,US,\"Designers,\r\nFinance\"\r\n"
        ));
    }
    text
}

#[test]
fn split_caps_rows_repeats_the_header_and_each_part_checks_clean() {
    let dir = temp_dir();
    fs::write(dir.path().join("all.csv"), big_file(12_001)).unwrap_or_else(|error| panic!("{error}"));
    let output = umapi_bulk(dir.path())
        .args(["split", "all.csv", "--out-dir", "parts"])
        .output()
        .unwrap_or_else(|error| panic!("{error}"));
    let stderr = String::from_utf8_lossy(&output.stderr).into_owned();
    assert_eq!(output.status.code(), Some(0), "{stderr}");
    assert!(stderr.contains("split 12001 rows into 3 parts"), "{stderr}");
    let mut rebuilt = String::new();
    for (number, rows) in [(1, 5000), (2, 5000), (3, 2001)] {
        let part = dir.path().join(format!("parts/all-part{number:03}.csv"));
        let text = fs::read_to_string(&part).unwrap_or_else(|error| panic!("{error}"));
        let header_end = text.find("\r\n").unwrap_or(0) + 2;
        assert!(text.starts_with("\u{FEFF}Identity Type,"), "part {number}");
        rebuilt.push_str(&text[header_end..]);
        let check = umapi_bulk(dir.path())
            .args(["check", &part.to_string_lossy(), "--op", "add"])
            .output()
            .unwrap_or_else(|error| panic!("{error}"));
        let stderr = String::from_utf8_lossy(&check.stderr);
        assert_eq!(check.status.code(), Some(0), "part {number}: {stderr}");
        assert!(stderr.starts_with(&format!("checked {rows} rows: {rows} valid")), "part {number}: {stderr}");
    }
    let original = big_file(12_001);
    let original_rows = &original[original.find("\r\n").unwrap_or(0) + 2..];
    assert_eq!(rebuilt, original_rows);
}

#[test]
fn split_respects_the_byte_cap_and_refuses_to_overwrite() {
    let dir = temp_dir();
    fs::write(dir.path().join("all.csv"), big_file(100)).unwrap_or_else(|error| panic!("{error}"));
    let output = umapi_bulk(dir.path())
        .args(["split", "all.csv", "--max-bytes", "4000"])
        .output()
        .unwrap_or_else(|error| panic!("{error}"));
    assert_eq!(output.status.code(), Some(0), "{}", String::from_utf8_lossy(&output.stderr));
    let parts: Vec<_> = (1..)
        .map(|number| dir.path().join(format!("all-part{number:03}.csv")))
        .take_while(|path| path.exists())
        .collect();
    assert!(parts.len() > 2);
    assert!(parts.iter().all(|part| fs::metadata(part).map(|meta| meta.len()).unwrap_or(u64::MAX) <= 4000));
    let again = umapi_bulk(dir.path()).args(["split", "all.csv"]).output().unwrap_or_else(|error| panic!("{error}"));
    assert_eq!(again.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&again.stderr).contains("already exists"));
}
