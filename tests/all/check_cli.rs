//! `umapi-bulk check` through the binary: exit codes (0 clean or warnings, 1 invalid file or rows,
//! 2 unreadable file or bad configuration), human output on stderr with stdout clean, the JSON
//! document on stdout, and the four samples passing with the demo org's config.

use std::fs;

use umapi_bulk::model::Operation;
use umapi_bulk::validation::{CheckOptions, ValidRow, check_file};

use crate::harness::{fixture, sample, temp_dir, umapi_bulk};

fn run(args: &[&str]) -> (i32, String, String) {
    let dir = temp_dir();
    let output = umapi_bulk(dir.path()).args(args).output().unwrap_or_else(|error| panic!("{error}"));
    (
        output.status.code().unwrap_or(-1),
        String::from_utf8_lossy(&output.stdout).into_owned(),
        String::from_utf8_lossy(&output.stderr).into_owned(),
    )
}

fn path(file: &std::path::Path) -> String {
    file.to_string_lossy().into_owned()
}

#[test]
fn check_passes_each_sample_with_the_demo_config() {
    let config = path(&sample("umapi-bulk.toml"));
    for (file, op, rows) in [
        ("bulk-add.csv", "add", 50),
        ("bulk-edit.csv", "edit", 8),
        ("bulk-remove.csv", "remove", 3),
        ("revoke-invitations.csv", "revoke", 3),
    ] {
        let (code, stdout, stderr) = run(&["--config", &config, "check", &path(&sample(file)), "--op", op]);
        assert_eq!(code, 0, "{file}: {stderr}");
        assert_eq!(stdout, "", "{file}");
        assert_eq!(
            stderr,
            format!("checked {rows} rows: {rows} valid, 0 invalid (0 errors, 0 warnings); delimiter \",\"\n")
        );
    }
}

#[test]
fn bulk_add_sample_asks_thirteen_times_for_photoshop() {
    let options = CheckOptions { operation: Operation::Add, claimed_domains: vec![] };
    let checked = check_file(&sample("bulk-add.csv"), &options).unwrap_or_else(|error| panic!("{error}"));
    let asking = checked
        .valid()
        .filter(|(_, row)| match row {
            ValidRow::User(user) => {
                user.product_configurations.iter().flatten().any(|name| name == "Photoshop - Default")
            }
            ValidRow::Invitation(_) => false,
        })
        .count();
    assert_eq!((checked.valid_rows(), asking), (50, 13));
    let text = fs::read_to_string(sample("bulk-add.csv")).unwrap_or_default();
    assert!(text.contains("Zoë"));
    assert!(!text.contains("System"));
}

#[test]
fn invalid_rows_exit_1_with_compiler_style_diagnostics_on_stderr() {
    let (code, stdout, stderr) = run(&["check", &path(&fixture("check/bad/country-uk.csv")), "--op", "add"]);
    assert_eq!(code, 1);
    assert_eq!(stdout, "");
    assert_eq!(
        stderr,
        "error[E012]: line 2, column \"Country Code\": \"UK\" is not an ISO 3166-1 alpha-2 code\n  \
         = hint: did you mean \"GB\" (United Kingdom)?\n\
         checked 1 row: 0 valid, 1 invalid (1 error, 0 warnings); delimiter \",\"\n"
    );
}

#[test]
fn warnings_alone_exit_0() {
    let (code, _, stderr) = run(&["check", &path(&fixture("check/warn/unknown-column.csv")), "--op", "add"]);
    assert_eq!(code, 0);
    assert!(stderr.starts_with("warning[W001]: line 1, column \"Developer Access\""), "{stderr}");
}

#[test]
fn file_level_problems_exit_1_and_say_why() {
    let (code, _, stderr) = run(&["check", &path(&fixture("check/bad/utf16le-bom.csv")), "--op", "add"]);
    assert_eq!(code, 1);
    assert!(stderr.contains("error[E003]: the file is UTF-16 LE"), "{stderr}");
    assert!(stderr.contains("CSV UTF-8"), "{stderr}");
}

#[test]
fn json_report_goes_to_stdout_with_every_field() {
    let file = path(&fixture("check/bad/duplicate-user.csv"));
    let (code, stdout, stderr) = run(&["check", &file, "--op", "add", "--format", "json"]);
    assert_eq!((code, stderr.as_str()), (1, ""));
    let report: serde_json::Value = serde_json::from_str(&stdout).unwrap_or_else(|error| panic!("{error}: {stdout}"));
    assert_eq!(report["file"], file.as_str());
    assert_eq!(report["operation"], "add");
    assert_eq!(report["delimiter"], ",");
    assert_eq!((report["rows"].as_u64(), report["valid_rows"].as_u64()), (Some(3), Some(2)));
    assert_eq!((report["errors"].as_u64(), report["warnings"].as_u64()), (Some(1), Some(0)));
    let diagnostic = &report["diagnostics"][0];
    assert_eq!(diagnostic["code"], "E044");
    assert_eq!(diagnostic["severity"], "error");
    assert_eq!(diagnostic["line"], 4);
    assert_eq!(diagnostic["column"], "Email");
    assert_eq!(diagnostic["value"], "Ann@Example.com");
    assert_eq!(diagnostic["related_line"], 2);
    assert!(diagnostic["hint"].as_str().is_some_and(|hint| hint.contains("line 4")));
    assert!(diagnostic["message"].as_str().is_some_and(|message| message.contains("line 2")));
}

#[test]
fn unreadable_file_and_bad_config_exit_2() {
    let (code, _, stderr) = run(&["check", "no-such-file.csv", "--op", "add"]);
    assert_eq!(code, 2);
    assert!(stderr.contains("no-such-file.csv"), "{stderr}");
    let dir = temp_dir();
    let config = dir.path().join("bad.toml");
    fs::write(&config, "claimed_domains = 7\n").unwrap_or_else(|error| panic!("{error}"));
    let (code, _, _) = run(&["--config", &path(&config), "check", &path(&sample("bulk-add.csv")), "--op", "add"]);
    assert_eq!(code, 2);
}

#[test]
fn claimed_domains_come_from_the_config() {
    let file = path(&fixture("check/bad/email-not-claimed.csv"));
    let (code, _, _) = run(&["check", &file, "--op", "add"]);
    assert_eq!(code, 0, "without claimed_domains the rule is off");
    let (code, _, stderr) = run(&["--config", &path(&sample("umapi-bulk.toml")), "check", &file, "--op", "add"]);
    assert_eq!(code, 1);
    assert!(stderr.contains("error[E031]"), "{stderr}");
}

#[test]
fn quiet_prints_errors_only() {
    let (code, _, stderr) = run(&["--quiet", "check", &path(&fixture("check/warn/unknown-column.csv")), "--op", "add"]);
    assert_eq!((code, stderr.as_str()), (0, ""));
}

#[test]
fn docs_csv_rules_lists_every_diagnostic_code() {
    let rules = fs::read_to_string(crate::harness::root().join("docs/csv-rules.md")).unwrap_or_default();
    for code in umapi_bulk::validation::Code::ALL {
        assert!(rules.contains(&format!("| `{}` |", code.as_str())), "docs/csv-rules.md lacks {}", code.as_str());
    }
}

#[test]
fn a_closed_stdout_ends_quietly_with_exit_0() {
    // `umapi-bulk check f.csv --format json | head -1`: the reader left before the document was
    // written. The write fails with a broken pipe, which is no error of ours: no message, exit 0
    // (the same file with stdout open exits 1, its rows being invalid).
    let dir = temp_dir();
    let file = path(&fixture("check/bad/country-uk.csv"));
    let args = ["check", file.as_str(), "--op", "add", "--format", "json"];
    let open = umapi_bulk(dir.path()).args(args).output().unwrap_or_else(|error| panic!("{error}"));
    assert_eq!(open.status.code(), Some(1));
    for args in [&args[..], &["template", "add"][..]] {
        let (reader, writer) = std::io::pipe().unwrap_or_else(|error| panic!("{error}"));
        drop(reader);
        let output = crate::harness::command(dir.path())
            .args(args)
            .stdout(writer)
            .output()
            .unwrap_or_else(|error| panic!("{error}"));
        assert_eq!(output.status.code(), Some(0), "{args:?}: {}", String::from_utf8_lossy(&output.stderr));
        assert_eq!(String::from_utf8_lossy(&output.stderr), "", "{args:?}: nothing to say about it");
    }
}
