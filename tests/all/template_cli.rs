//! `umapi-bulk template`: each operation's template goes to stdout (or `-o`), starts with the
//! Console's header (after the BOM every CSV of the tool has), and passes `check` for that operation.

use std::fs;

use crate::harness::{temp_dir, umapi_bulk};

#[test]
fn each_template_checks_clean_for_its_operation() {
    let dir = temp_dir();
    for (op, first_column) in
        [("add", "Identity Type"), ("edit", "Identity Type"), ("remove", "Identity Type"), ("revoke", "Email")]
    {
        let output = umapi_bulk(dir.path()).args(["template", op]).output().unwrap_or_else(|error| panic!("{error}"));
        assert_eq!(output.status.code(), Some(0), "{op}");
        let text = String::from_utf8_lossy(&output.stdout).into_owned();
        assert!(text.starts_with(&format!("\u{feff}{first_column}")), "{op}: {text}");
        let file = dir.path().join(format!("{op}.csv"));
        fs::write(&file, &text).unwrap_or_else(|error| panic!("{error}"));
        let check = umapi_bulk(dir.path())
            .args(["check", &file.to_string_lossy(), "--op", op])
            .output()
            .unwrap_or_else(|error| panic!("{error}"));
        let stderr = String::from_utf8_lossy(&check.stderr);
        assert_eq!(check.status.code(), Some(0), "{op}: {stderr}");
        assert!(stderr.contains("(0 errors, 0 warnings)"), "{op}: {stderr}");
    }
}

#[test]
fn template_output_option_writes_the_file() {
    let dir = temp_dir();
    let output = umapi_bulk(dir.path())
        .args(["template", "revoke", "-o", "revoke.csv"])
        .output()
        .unwrap_or_else(|error| panic!("{error}"));
    assert_eq!(output.status.code(), Some(0));
    assert!(output.stdout.is_empty());
    let text = fs::read_to_string(dir.path().join("revoke.csv")).unwrap_or_default();
    assert!(
        text.starts_with(
            "\u{feff}Email,Last Invitation Sent,Sent By Email,Sent By First Name,Sent By Last Name,Result\r\n"
        ),
        "{text:?}"
    );
}
