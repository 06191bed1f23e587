//! What a newcomer meets on the first day (issue 15's smaller items): the templates work as they
//! are against the demo org and look like every other CSV the tool writes; a `;` file gets `;`
//! reports and its retry.csv reads back without warnings; spreadsheets are called what they are;
//! `apply --dry-run` says where a dry run lives; a mistyped file is the first thing said; counts
//! read right for one; and `plan` names admin roles as the Console does.

use std::path::Path;

use crate::apply_support::{Org, texts};
use crate::harness::{temp_dir, umapi_bulk};

fn run(dir: &Path, args: &[&str]) -> (Option<i32>, String, String) {
    let output = umapi_bulk(dir).args(args).output().unwrap_or_else(|error| panic!("cannot run umapi-bulk: {error}"));
    let (stdout, stderr) = texts(&output);
    (output.status.code(), stdout, stderr)
}

/// The first line of a file, BOM removed.
fn first_line(path: &Path) -> String {
    let text = std::fs::read_to_string(path).unwrap_or_else(|error| panic!("{}: {error}", path.display()));
    text.trim_start_matches('\u{feff}').lines().next().unwrap_or_default().to_string()
}

#[test]
fn every_template_passes_check_plan_and_apply_on_the_demo_org_and_has_bom_and_crlf() {
    let dir = temp_dir();
    for op in ["add", "edit", "remove", "revoke"] {
        let name = format!("{op}.csv");
        let (code, _, stderr) = run(dir.path(), &["template", op, "-o", &name]);
        assert_eq!(code, Some(0), "{op}: {stderr}");
        let bytes = std::fs::read(dir.path().join(&name)).unwrap_or_default();
        assert!(bytes.starts_with(b"\xEF\xBB\xBF"), "{op}: the template has no BOM");
        let text = String::from_utf8_lossy(&bytes[3..]).to_string();
        assert!(text.contains("\r\n") && !text.replace("\r\n", "").contains('\n'), "{op}: not CRLF: {text:?}");
        let (code, _, stderr) = run(dir.path(), &["check", &name, "--op", op]);
        assert_eq!(code, Some(0), "{op}: check: {stderr}");
        let (code, _, stderr) = run(dir.path(), &["plan", &name, "--op", op, "--sim"]);
        assert_eq!(code, Some(0), "{op}: plan --sim: {stderr}");
        let (code, _, stderr) = run(dir.path(), &["apply", &name, "--op", op, "--sim"]);
        assert_eq!(code, Some(0), "{op}: apply --sim: {stderr}");
        assert!(stderr.contains(" 0 failed, 0 unknown, 0 invalid"), "{op}: {stderr}");
    }
}

#[test]
fn plan_names_admin_roles_as_the_console_does_and_the_json_keeps_umapi_names() {
    let dir = temp_dir();
    run(dir.path(), &["template", "add", "-o", "add.csv"]);
    let (code, stdout, stderr) = run(dir.path(), &["plan", "add.csv", "--op", "add", "--sim"]);
    assert_eq!(code, Some(0), "{stderr}");
    assert!(stdout.contains("+ Product Configuration admin of Acrobat Pro - Default"), "{stdout}");
    assert!(!stdout.contains("_admin_"), "{stdout}");
    let (_, json, _) = run(dir.path(), &["plan", "add.csv", "--op", "add", "--sim", "--json"]);
    assert!(json.contains("_admin_Acrobat Pro - Default"), "{json}");

    std::fs::write(
        dir.path().join("roles.csv"),
        "Identity Type,Username,Domain,Email,First Name,Last Name,Country Code,Admin Roles,User Groups Administered\n\
         Enterprise ID,user01@example.com,example.com,user01@example.com,Ada,Lovelace,GB,\"User Group, Deployment\",Designers\n",
    )
    .unwrap_or_else(|error| panic!("{error}"));
    let (code, stdout, stderr) = run(dir.path(), &["plan", "roles.csv", "--op", "edit", "--sim"]);
    assert_eq!(code, Some(0), "{stderr}");
    assert!(stdout.contains("+ User Group admin of Designers") && stdout.contains("+ Deployment admin"), "{stdout}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_semicolon_file_gets_semicolon_reports_and_its_retry_csv_reads_back_without_warnings() {
    let org = Org::demo().await;
    org.write(
        "semi.csv",
        "Identity Type;Username;Domain;Email;First Name;Last Name;Country Code;Product Configurations\n\
         Enterprise ID;semi1@example.com;example.com;semi1@example.com;Ann;One;GB;Photoshop - Default, Acrobat Pro - Default\n\
         Enterprise ID;semi2@example.com;example.com;semi2@example.com;Bob;Two;UK;Photoshop - Default\n",
    );
    let output = org.run(&["apply", "semi.csv", "--op", "add", "--skip-invalid"]).await;
    assert_eq!(output.status.code(), Some(1), "{}", texts(&output).1);
    let run = org.last_run();
    for report in ["results.csv", "retry.csv", "deficit.csv"] {
        let header = first_line(&run.join(report));
        assert!(header.contains(';') && !header.contains(','), "{report}: {header}");
    }
    let results = std::fs::read_to_string(run.join("results.csv")).unwrap_or_default();
    assert!(results.contains(";Photoshop - Default, Acrobat Pro - Default;"), "a multi-valued cell keeps its commas");

    // retry.csv is the input's format plus the tool's Hint column: no warning about it.
    std::fs::copy(run.join("retry.csv"), org.path().join("retry.csv")).unwrap_or_else(|error| panic!("{error}"));
    let output = org.run(&["check", "retry.csv", "--op", "add"]).await;
    let (_, stderr) = texts(&output);
    assert!(!stderr.contains("W001"), "{stderr}");
    assert!(
        stderr.contains("E012") && stderr.contains("delimiter \";\""),
        "the invalid row is still invalid: {stderr}"
    );
    // A results.csv fed back gets one warning that says what it is.
    std::fs::copy(run.join("results.csv"), org.path().join("results.csv")).unwrap_or_else(|error| panic!("{error}"));
    let output = org.run(&["check", "results.csv", "--op", "add"]).await;
    let (_, stderr) = texts(&output);
    assert_eq!(stderr.matches("W001").count(), 1, "{stderr}");
    assert!(stderr.contains("results.csv") && stderr.contains("retry.csv"), "{stderr}");

    // An edit: undo.csv follows the input's separator too.
    org.write(
        "semi-edit.csv",
        "Identity Type;Username;Domain;Email;User Groups\nEnterprise ID;user01@example.com;example.com;user01@example.com;Finance\n",
    );
    let output = org.run(&["apply", "semi-edit.csv", "--op", "edit"]).await;
    assert_eq!(output.status.code(), Some(0), "{}", texts(&output).1);
    let undo = first_line(&org.last_run().join("undo.csv"));
    assert!(undo.starts_with("Identity Type;Username;Domain;Email;"), "{undo}");
}

#[test]
fn spreadsheets_are_called_what_they_are_with_how_to_save_them_as_csv() {
    let dir = temp_dir();
    let cases: [(&str, &[u8], &str); 4] = [
        ("users.xlsx", b"PK\x03\x04\x14\x00\x06\x00[Content_Types].xml\x00\x00xl/workbook.xml", "an Excel workbook"),
        ("users.xls", b"\xD0\xCF\x11\xE0\xA1\xB1\x1A\xE1\x00\x00\x3E\x00", "an Excel 97-2003 workbook"),
        (
            "users.ods",
            b"PK\x03\x04\x0a\x00\x00\x00mimetypeapplication/vnd.oasis.opendocument.spreadsheet",
            "an OpenDocument spreadsheet",
        ),
        ("export.xlsx", b"\x00\x01garbage\xff\xfe\x00", "an Excel workbook"),
    ];
    for (name, bytes, what) in cases {
        std::fs::write(dir.path().join(name), bytes).unwrap_or_else(|error| panic!("{error}"));
        let (code, _, stderr) = run(dir.path(), &["check", name, "--op", "add"]);
        assert_eq!(code, Some(1), "{name}: {stderr}");
        assert!(stderr.contains("error[E015]") && stderr.contains(what), "{name}: {stderr}");
        assert!(stderr.contains("not a CSV") && stderr.contains("Save As"), "{name}: {stderr}");
        assert!(!stderr.contains("binary or corrupted"), "{name}: {stderr}");
    }
}

#[test]
fn apply_dry_run_points_to_plan_and_test_mode() {
    let dir = temp_dir();
    let (code, _, stderr) = run(dir.path(), &["apply", "users.csv", "--op", "add", "--dry-run"]);
    assert_eq!(code, Some(2), "{stderr}");
    assert!(stderr.contains("apply has no --dry-run") && stderr.contains("nothing was sent"), "{stderr}");
    assert!(stderr.contains("umapi-bulk plan users.csv --op add") && stderr.contains("--test-mode"), "{stderr}");
    assert!(!stderr.contains("-- --dry-run"), "clap's tip is gone: {stderr}");
}

#[test]
fn a_mistyped_file_or_run_is_the_first_thing_said_before_the_simulator_starts() {
    let dir = temp_dir();
    for args in [
        vec!["apply", "nope.csv", "--op", "add", "--sim"],
        vec!["plan", "nope.csv", "--op", "add", "--sim"],
        vec!["apply", "--plan", "nope.json", "--sim"],
    ] {
        let (code, _, stderr) = run(dir.path(), &args);
        assert_eq!(code, Some(2), "{args:?}: {stderr}");
        assert!(stderr.starts_with("error: cannot read nope."), "{args:?}: {stderr}");
        assert!(stderr.contains("hint: check the path"), "{args:?}: {stderr}");
        assert!(!stderr.contains("simulator"), "{args:?}: {stderr}");
    }
    let (code, _, stderr) = run(dir.path(), &["apply", "--resume", "20200101T000000Z-add-nope", "--sim"]);
    assert_eq!(code, Some(2), "{stderr}");
    assert!(stderr.starts_with("error: no run folder") && !stderr.contains("simulator"), "{stderr}");
}

#[test]
fn counts_of_one_read_right() {
    let dir = temp_dir();
    std::fs::write(
        dir.path().join("one.csv"),
        "Identity Type,Username,Domain,Email,First Name,Last Name,Country Code,Product Configurations\n\
         Enterprise ID,one@example.com,example.com,one@example.com,Ann,One,GB,Photoshop - Default\n",
    )
    .unwrap_or_else(|error| panic!("{error}"));
    let (code, stdout, stderr) = run(dir.path(), &["plan", "one.csv", "--op", "add", "--sim"]);
    assert_eq!(code, Some(0), "{stderr}");
    let (code, _, applied) = run(dir.path(), &["apply", "one.csv", "--op", "add", "--sim"]);
    assert_eq!(code, Some(0), "{applied}");
    assert!(applied.contains("1 row, 1 command in 1 request"), "{applied}");
    assert!(applied.contains("1 row: 1 succeeded") && applied.contains("1 action request (1 attempt)"), "{applied}");
    let everything = format!("{stdout}{stderr}{applied}");
    for wrong in ["1 rows", "1 requests", "1 commands", "1 attempts", "1 joins", "1 users", "1 reads;", "1 retries"] {
        assert!(!everything.contains(wrong), "{wrong:?} in:\n{everything}");
    }
}
