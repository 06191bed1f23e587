//! Tests of the state-file format: messages name the file, line and column; unknown keys and
//! types are refused with their place; the optional keys default; a written file reads back.

use super::*;

fn no_keys(path: &Path) -> Result<String, (PathBuf, std::io::Error)> {
    Err((path.to_path_buf(), std::io::Error::new(std::io::ErrorKind::NotFound, "no keys in this test")))
}

#[test]
fn syntax_errors_name_the_file_line_and_column() {
    let text = "{\n  \"org_id\": \"X@AdobeOrg\",\n  \"clients\": [}\n";
    let error = parse(text, Path::new("org.json"), &no_keys).err();
    let message = error.map(|error| error.to_string()).unwrap_or_default();
    assert!(message.starts_with("org.json:3:"), "{message}");
    assert!(message.contains("hint:"), "{message}");
}

#[test]
fn unknown_keys_and_bad_types_are_refused_with_their_place() {
    let text = r#"{"org_id": "X@AdobeOrg", "clients": [], "users": [{"type": "Robot", "email": "a@b.com"}]}"#;
    let message = parse(text, Path::new("org.json"), &no_keys).err().map(|error| error.to_string());
    assert!(message.as_deref().is_some_and(|text| text.contains("users[0] (\"a@b.com\"): type \"Robot\"")));
    let text = r#"{"org_id": "X@AdobeOrg", "clients": [], "colour": "blue"}"#;
    let message = parse(text, Path::new("org.json"), &no_keys).err().map(|error| error.to_string());
    assert!(message.as_deref().is_some_and(|text| text.contains("unknown field `colour`")), "{message:?}");
}

#[test]
fn console_and_wire_spellings_of_identity_types_are_both_accepted() {
    let text = r#"{"org_id": "X@AdobeOrg", "clients": [{"client_id": "c", "client_secret": "s"}],
        "users": [{"type": "Enterprise ID", "email": "a@b.com"}, {"type": "federatedID", "email": "c@d.com"}]}"#;
    let state = parse(text, Path::new("org.json"), &no_keys).ok();
    let types: Vec<IdentityType> =
        state.map(|state| state.users.iter().map(|user| user.identity_type).collect()).unwrap_or_default();
    assert_eq!(types, vec![IdentityType::EnterpriseId, IdentityType::FederatedId]);
}

#[test]
fn a_missing_key_file_names_the_resolved_path() {
    let text = r#"{"org_id": "X@AdobeOrg", "clients": [{"client_id": "c", "client_secret": "s",
        "tech_account_id": "T@techacct.adobe.com", "public_key_file": "gone.pub"}]}"#;
    let message = parse(text, Path::new("dir/org.json"), &no_keys).err().map(|error| error.to_string());
    assert!(message.as_deref().is_some_and(|text| text.contains("clients[0]") && text.contains("gone.pub")));
}

#[test]
fn the_newer_keys_are_optional_and_default_to_adobes_behaviour() {
    let text = r#"{"org_id": "X@AdobeOrg", "clients": [{"client_id": "c", "client_secret": "s"}],
        "domains": [{"name": "a.example", "directory": "federated"}],
        "user_groups": [{"name": "G"}]}"#;
    let state = parse(text, Path::new("org.json"), &no_keys).ok();
    let state = state.as_ref();
    assert_eq!(state.map(|state| state.max_user_group_members), Some(MAX_USER_GROUP_MEMBERS));
    assert_eq!(state.map(|state| state.domains[0].login), Some(Login::Email));
    assert_eq!(state.map(|state| state.user_groups[0].read_only), Some(false));
    assert_eq!(state.map(|state| state.trusted_domains.len()), Some(0));
}

#[test]
fn a_written_state_reads_back_the_same() {
    let text = r#"{"org_id": "X@AdobeOrg", "clients": [{"client_id": "c", "client_secret": "s"}],
        "domains": [{"name": "a.example", "directory": "federated", "login": "username"}],
        "trusted_domains": [{"name": "t.example", "directory": "enterprise", "owner_org": "T@AdobeOrg"}],
        "product_configurations": [{"name": "P, with comma", "product": "Prod (<a,b>)", "quota": 3}],
        "user_groups": [{"name": "G", "product_configurations": ["P, with comma"], "read_only": true}],
        "max_user_group_members": 5,
        "users": [{"type": "federatedID", "email": "x@a.example", "username": "x1", "domain": "a.example",
                   "country": "DE", "groups": ["G"]}, {"type": "adobeID", "email": "y@gmail.com"}]}"#;
    let state = parse(text, Path::new("org.json"), &no_keys).expect("parses");
    let written = write(&state).expect("writes");
    let again = parse(&written, Path::new("again.json"), &no_keys).expect("reads back");
    assert_eq!(write(&again).expect("writes again"), written);
    assert_eq!(again.max_user_group_members, 5);
    assert_eq!(again.domains[0].login, Login::Username);
    assert!(again.user_groups[0].read_only);
    assert_eq!(again.trusted_domains[0].owner_org.as_deref(), Some("T@AdobeOrg"));
    assert_eq!(written.lines().filter(|line| line.trim_start().starts_with("{\"type\"")).count(), 2);
}
