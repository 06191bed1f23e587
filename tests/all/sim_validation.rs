//! Every error code the simulator's action endpoint gives, each pinned by a request that earns it:
//! request-level refusals (HTTP 400), command syntax, step fields, step order, list limits,
//! identity and domain rules, and the semantic errors of existing and missing users and groups.

use reqwest::StatusCode;
use serde_json::{Value, json};

use crate::sim_support::{Api, ORG};

fn long(length: usize) -> String {
    "a".repeat(length)
}

fn enterprise(email: &str) -> Value {
    json!({"createEnterpriseID": {"email": email, "firstname": "F", "lastname": "L", "country": "US"}})
}

#[tokio::test]
async fn request_level_problems_are_http_400_with_the_result_code_and_nothing_runs() {
    let api = Api::demo().await;
    let eleven: Vec<Value> =
        (0..11).map(|index| json!({"user": format!("x{index}@example.com"), "do": [enterprise(&format!("x{index}@example.com"))]})).collect();
    let bodies: [(&str, String); 5] = [
        ("bad JSON", "[{\"user\": ".to_string()),
        ("not an array", "{\"user\": \"a@example.com\", \"do\": []}".to_string()),
        ("empty array", "[]".to_string()),
        ("eleven commands", Value::Array(eleven).to_string()),
        ("empty body", String::new()),
    ];
    for (case, body) in bodies {
        let response = api
            .request(reqwest::Method::POST, &format!("/action/{ORG}"))
            .header("Content-Type", "application/json")
            .body(body)
            .send()
            .await
            .expect("sent");
        assert_eq!(response.status(), StatusCode::BAD_REQUEST, "{case}");
        let answer: Value = response.json().await.unwrap_or(Value::Null);
        assert_eq!(answer["result"], "error.command.malformed", "{case}: {answer}");
        assert!(answer["message"].as_str().is_some_and(|message| !message.is_empty()), "{case}");
    }
    assert!(api.user("x0@example.com", "enterpriseID").is_none(), "an over-long request runs nothing");
    let response = api
        .request(reqwest::Method::POST, "/action/OTHER@AdobeOrg")
        .json(&json!([{"user": "user01@example.com", "do": [{"remove": "all"}]}]))
        .send()
        .await
        .expect("sent");
    assert_eq!(response.status(), StatusCode::BAD_REQUEST);
    let answer: Value = response.json().await.unwrap_or(Value::Null);
    assert_eq!(answer, json!({"result": "error.organization.invalid_id", "message": "Bad organization Id"}));
}

#[tokio::test]
async fn command_syntax_errors() {
    let api = Api::demo().await;
    let eleven_steps: Vec<Value> = (0..11).map(|_| json!({"add": {"group": ["Finance"]}})).collect();
    let cases: Vec<(&str, Value, &str)> = vec![
        ("command not an object", json!("user01@example.com"), "error.command.malformed"),
        (
            "unknown command key",
            json!({"user": "user01@example.com", "colour": "red", "do": []}),
            "error.command.illegal_entry",
        ),
        ("no root", json!({"requestID": "r", "do": []}), "error.command.user_usergroup.missing"),
        (
            "two roots",
            json!({"user": "user01@example.com", "usergroup": "Finance", "do": []}),
            "error.command.user_usergroup.missing",
        ),
        ("user not a string", json!({"user": 42, "do": []}), "error.command.string_expected"),
        ("usergroup not a string", json!({"usergroup": ["Finance"], "do": []}), "error.command.string_expected"),
        (
            "requestID not a string",
            json!({"user": "user01@example.com", "requestID": 7, "do": []}),
            "error.command.string_expected",
        ),
        ("empty user", json!({"user": "", "do": []}), "error.command.user.missing"),
        (
            "user too long",
            json!({"user": format!("{}@example.com", long(240)), "do": []}),
            "error.command.string.too_long",
        ),
        (
            "requestID too long",
            json!({"user": "user01@example.com", "requestID": long(251), "do": []}),
            "error.command.string.too_long",
        ),
        (
            "domain not a string",
            json!({"user": "jdoe", "domain": true, "do": []}),
            "error.command.domain.string_expected",
        ),
        (
            "domain with an email user",
            json!({"user": "user01@example.com", "domain": "example.com", "do": []}),
            "error.command.domain.must_be_used_with_nonemail_username",
        ),
        ("non-email user without domain", json!({"user": "jdoe", "do": []}), "error.command.domain.missing"),
        ("domain too long", json!({"user": "jdoe", "domain": long(251), "do": []}), "error.command.string.too_long"),
        (
            "domain on a usergroup",
            json!({"usergroup": "Finance", "domain": "example.com", "do": []}),
            "error.command.illegal_entry",
        ),
        (
            "useAdobeID not a boolean",
            json!({"user": "adobe01@gmail.com", "useAdobeID": "yes", "do": []}),
            "error.command.boolean_expected",
        ),
        ("no do", json!({"user": "user01@example.com"}), "error.command.steps.malformed"),
        (
            "do not an array",
            json!({"user": "user01@example.com", "do": {"remove": "all"}}),
            "error.command.steps.malformed",
        ),
        (
            "eleven steps",
            json!({"user": "user01@example.com", "do": eleven_steps}),
            "error.command.add_remove.list_too_long",
        ),
    ];
    for (case, command, code) in cases {
        let body = api.command(command).await;
        assert_eq!(body["errors"][0]["errorCode"].as_str(), Some(code), "{case}: {body}");
        assert_eq!(body["result"], "error", "{case}");
        assert_eq!(body["notCompleted"], 1, "{case}");
    }
    // The error echoes the root and requestID when they are strings.
    let body = api.command(json!({"user": "user01@example.com", "requestID": "row-9", "do": "nope"})).await;
    assert_eq!(
        (body["errors"][0]["user"].as_str(), body["errors"][0]["requestID"].as_str()),
        (Some("user01@example.com"), Some("row-9"))
    );
}

#[tokio::test]
async fn step_shape_and_order_errors() {
    let api = Api::demo().await;
    let user = "new@example.com";
    let cases: Vec<(&str, Value, &str, u64)> = vec![
        ("step not an object", json!([["add"]]), "error.command.illegal_entry", 0),
        (
            "step with two keys",
            json!([{"add": {"group": ["Finance"]}, "remove": "all"}]),
            "error.command.illegal_entry",
            0,
        ),
        ("unknown step", json!([{"resetPassword": {}}]), "error.command.step.unknown", 0),
        ("removed legacy step", json!([{"removeFromDomain": {}}]), "error.command.step.unknown", 0),
        ("group step on a user", json!([{"createUserGroup": {}}]), "error.command.step.unknown", 0),
        ("two creates", json!([enterprise(user), enterprise(user)]), "error.command.create.more_than_one", 1),
        (
            "create not first",
            json!([{"add": {"group": ["Finance"]}}, enterprise(user)]),
            "error.command.create.not_first",
            1,
        ),
        (
            "removeFromOrg not last",
            json!([{"removeFromOrg": {}}, {"add": {"group": ["Finance"]}}]),
            "error.command.removefromorg.not_last",
            0,
        ),
        ("removeFromOrg not an object", json!([{"removeFromOrg": true}]), "error.command.illegal_entry", 0),
        (
            "removeFromOrg unknown key",
            json!([{"removeFromOrg": {"deleteAccount": false, "now": true}}]),
            "error.command.illegal_entry",
            0,
        ),
        (
            "deleteAccount not a boolean",
            json!([{"removeFromOrg": {"deleteAccount": "no"}}]),
            "error.command.boolean_expected",
            0,
        ),
    ];
    for (case, steps, code, step) in cases {
        let body = api.command(json!({"user": user, "do": steps})).await;
        assert_eq!(body["errors"][0]["errorCode"].as_str(), Some(code), "{case}: {body}");
        assert_eq!(body["errors"][0]["step"].as_u64(), Some(step), "{case}");
    }
    assert!(api.user(user, "enterpriseID").is_none(), "a command that fails validation applies nothing");
}

#[tokio::test]
async fn create_field_errors() {
    let api = Api::demo().await;
    let create = |kind: &str, user: &str, fields: Value| json!({"user": user, "do": [{kind: fields}]});
    let cases: Vec<(&str, Value, &str)> = vec![
        (
            "create not an object",
            create("createEnterpriseID", "a@example.com", json!("a@example.com")),
            "error.command.create.object_expected",
        ),
        (
            "unknown create key",
            create(
                "createEnterpriseID",
                "a@example.com",
                json!({"email": "a@example.com", "firstname": "A", "lastname": "B", "phone": "1"}),
            ),
            "error.command.create.key.unknown",
        ),
        (
            "field not a string",
            create(
                "createEnterpriseID",
                "a@example.com",
                json!({"email": "a@example.com", "firstname": 1, "lastname": "B"}),
            ),
            "error.command.create.string_expected",
        ),
        (
            "no email",
            create("createEnterpriseID", "a@example.com", json!({"firstname": "A", "lastname": "B"})),
            "error.user.email.invalid",
        ),
        (
            "bad email",
            create(
                "createEnterpriseID",
                "a@@example.com",
                json!({"email": "a@@example.com", "firstname": "A", "lastname": "B"}),
            ),
            "error.user.email.invalid",
        ),
        (
            "email over 60",
            create(
                "createEnterpriseID",
                &format!("{}@example.com", long(49)),
                json!({"email": format!("{}@example.com", long(49)), "firstname": "A", "lastname": "B"}),
            ),
            "error.user.email.invalid",
        ),
        (
            "user is not the email",
            create(
                "createEnterpriseID",
                "a@example.com",
                json!({"email": "b@example.com", "firstname": "A", "lastname": "B"}),
            ),
            "error.user.must_match_email",
        ),
        (
            "firstname over 250",
            create(
                "createEnterpriseID",
                "a@example.com",
                json!({"email": "a@example.com", "firstname": long(251), "lastname": "B"}),
            ),
            "error.command.string.too_long",
        ),
        (
            "no firstname",
            create("createEnterpriseID", "a@example.com", json!({"email": "a@example.com", "lastname": "B"})),
            "error.user.firstname_missing",
        ),
        (
            "no lastname",
            create(
                "createFederatedID",
                "a@fed.example.org",
                json!({"email": "a@fed.example.org", "firstname": "A", "country": "US"}),
            ),
            "error.user.lastname_missing",
        ),
        (
            "country of three letters",
            create(
                "createEnterpriseID",
                "a@example.com",
                json!({"email": "a@example.com", "firstname": "A", "lastname": "B", "country": "USA"}),
            ),
            "error.command.string.too_long",
        ),
        (
            "unknown country",
            create(
                "createEnterpriseID",
                "a@example.com",
                json!({"email": "a@example.com", "firstname": "A", "lastname": "B", "country": "UK"}),
            ),
            "error.country.invalid",
        ),
        (
            "UD for a Federated ID",
            create(
                "createFederatedID",
                "a@fed.example.org",
                json!({"email": "a@fed.example.org", "firstname": "A", "lastname": "B", "country": "UD"}),
            ),
            "error.country.invalid",
        ),
        (
            "no country for a Federated ID",
            create(
                "createFederatedID",
                "a@fed.example.org",
                json!({"email": "a@fed.example.org", "firstname": "A", "lastname": "B"}),
            ),
            "error.country.invalid",
        ),
        (
            "bad option",
            create("addAdobeID", "a@gmail.com", json!({"email": "a@gmail.com", "option": "overwrite"})),
            "error.option.illegal",
        ),
    ];
    for (case, command, code) in cases {
        assert_eq!(api.error_of(command).await.as_deref(), Some(code), "{case}");
    }
    let ud = create(
        "createEnterpriseID",
        "ud@example.com",
        json!({"email": "ud@example.com", "firstname": "U", "lastname": "D", "country": "UD"}),
    );
    assert_eq!(api.error_of(ud).await, None, "UD is fine for Enterprise IDs");
}

#[tokio::test]
async fn update_errors() {
    let api = Api::demo().await;
    let update = |user: &str, fields: Value| json!({"user": user, "do": [{"update": fields}]});
    let cases: Vec<(&str, Value, &str)> = vec![
        (
            "option in update",
            update("user01@example.com", json!({"firstname": "A", "option": "updateIfAlreadyExists"})),
            "error.command.update.option.no",
        ),
        ("country in update", update("user01@example.com", json!({"country": "FR"})), "error.update.country.no_update"),
        (
            "unknown update key",
            update("user01@example.com", json!({"nickname": "A"})),
            "error.command.create.key.unknown",
        ),
        ("bad new email", update("user01@example.com", json!({"email": "not-an-email"})), "error.user.email.invalid"),
        ("empty username", update("fed01@fed.example.org", json!({"username": " "})), "error.user.name.invalid"),
        ("Adobe ID", update("adobe02@gmail.com", json!({"firstname": "A"})), "error.update.adobeid.no"),
        ("missing user", update("ghost@example.com", json!({"firstname": "A"})), "error.user.nonexistent"),
        ("letter case only", update("user01@example.com", json!({"email": "USER01@example.com"})), "error.update.no"),
        (
            "unclaimed new domain",
            update("user01@example.com", json!({"email": "user01@elsewhere.com"})),
            "error.domain.trust.nonexistent",
        ),
        (
            "new domain in another directory",
            update("user01@example.com", json!({"email": "user01@fed.example.org"})),
            "error.user.change_domain_update.no",
        ),
        (
            "email of another user",
            update("user01@example.com", json!({"email": "user02@example.com"})),
            "error.user.email.name_in_use",
        ),
        ("Enterprise username", update("user01@example.com", json!({"username": "ada"})), "error.update.username.no"),
        (
            "username in an unclaimed domain",
            update("fed01@fed.example.org", json!({"username": "sophie@elsewhere.com"})),
            "error.update.domain.mismatch",
        ),
        (
            "username of another user",
            update("fed01@fed.example.org", json!({"username": "fed02@fed.example.org"})),
            "error.user.name_in_use",
        ),
    ];
    for (case, command, code) in cases {
        assert_eq!(api.error_of(command).await.as_deref(), Some(code), "{case}");
    }
}

#[tokio::test]
async fn identity_and_domain_rules_of_creates() {
    let api = Api::demo().await;
    let federated = |email: &str| json!({"createFederatedID": {"email": email, "firstname": "F", "lastname": "L", "country": "US"}});
    let cases: Vec<(&str, Value, &str)> = vec![
        (
            "Enterprise ID in an unclaimed domain",
            json!({"user": "a@unclaimed.com", "do": [enterprise("a@unclaimed.com")]}),
            "error.domain.trust.nonexistent",
        ),
        (
            "Federated ID in an unclaimed domain",
            json!({"user": "a@unclaimed.com", "do": [federated("a@unclaimed.com")]}),
            "error.domain.trust.nonexistent",
        ),
        (
            "Enterprise ID in a Federated domain",
            json!({"user": "a@fed.example.org", "do": [enterprise("a@fed.example.org")]}),
            "error.user.type_mismatch",
        ),
        (
            "Federated ID in an Enterprise domain",
            json!({"user": "a@example.com", "do": [federated("a@example.com")]}),
            "error.user.type_mismatch",
        ),
        (
            "Federated username in an Enterprise domain",
            json!({"user": "jdoe", "domain": "example.com", "do": [federated("jdoe@fed.example.org")]}),
            "error.user.type_mismatch",
        ),
        (
            "existing user, no option",
            json!({"user": "fed03@fed.example.org", "do": [federated("fed03@fed.example.org")]}),
            "error.user.already_in_org",
        ),
        (
            "existing Adobe ID, no option",
            json!({"user": "adobe02@gmail.com", "useAdobeID": true, "do": [{"addAdobeID": {"email": "adobe02@gmail.com"}}]}),
            "error.user.already_in_org",
        ),
    ];
    for (case, command, code) in cases {
        assert_eq!(api.error_of(command).await.as_deref(), Some(code), "{case}");
    }
    let adobe =
        json!({"user": "jo@example.com", "useAdobeID": true, "do": [{"addAdobeID": {"email": "jo@example.com"}}]});
    assert_eq!(api.error_of(adobe).await, None, "Adobe IDs may use any domain");
}

#[tokio::test]
async fn membership_list_errors() {
    let api = Api::demo().await;
    let step = |step: Value| json!({"user": "user01@example.com", "do": [step]});
    let eleven: Vec<String> = (0..11).map(|index| format!("Group {index}")).collect();
    let cases: Vec<(&str, Value, &str)> = vec![
        ("add all", step(json!({"add": "all"})), "error.command.add_remove.list"),
        ("remove a list", step(json!({"remove": ["Finance"]})), "error.command.add_remove.list"),
        ("unknown list key", step(json!({"add": {"groups": ["Finance"]}})), "error.command.add_remove.key.unknown"),
        ("no list", step(json!({"add": {}})), "error.command.add_remove.missing_list"),
        ("list not an array", step(json!({"add": {"group": "Finance"}})), "error.command.add_remove.list_not_array"),
        ("empty list", step(json!({"add": {"group": []}})), "error.group.invalid_list"),
        ("null entry", step(json!({"remove": {"group": ["Finance", null]}})), "error.group.invalid_list"),
        ("eleven names", step(json!({"add": {"group": eleven}})), "error.command.add_remove.list_too_long"),
        (
            "name over 250",
            step(json!({"add": {"group": [long(251)]}})),
            "error.command.add_remove.group_or_product_name_too_long",
        ),
        ("unknown group", step(json!({"add": {"group": ["Finance", "Finanse"]}})), "error.group.not_found"),
        (
            "unknown product admin",
            step(json!({"add": {"group": ["_product_admin_Lightroom"]}})),
            "error.group.not_found",
        ),
        ("System admin", step(json!({"add": {"group": ["_org_admin"]}})), "error.group.invalid_name"),
        ("remove System admin", step(json!({"remove": {"group": ["_org_admin"]}})), "error.group.invalid_name"),
    ];
    for (case, command, code) in cases {
        assert_eq!(api.error_of(command).await.as_deref(), Some(code), "{case}");
    }
    let user = api.user("user01@example.com", "enterpriseID").expect("exists");
    assert_eq!(user["groups"], json!(["Designers"]), "a step with an unknown name applies none of its names");
    let admin_roles = step(
        json!({"add": {"group": ["_admin_Finance", "_product_admin_Photoshop", "_deployment_admin", "_support_admin", "_admin_Photoshop - Default", "_developer_Photoshop - Default"]}}),
    );
    assert_eq!(api.error_of(admin_roles).await, None, "implicit admin groups exist");
    let body = api.command(step(json!({"add": {"product": ["Finance"]}}))).await;
    assert_eq!(body["result"], "success");
    assert_eq!(body["warnings"][0]["warningCode"], "warning.command.deprecated");
    assert_eq!(body["warnings"][0]["step"], 0);
}

#[tokio::test]
async fn user_group_command_errors() {
    let api = Api::demo().await;
    let group = |name: &str, steps: Value| json!({"usergroup": name, "do": steps});
    let cases: Vec<(&str, Value, &str)> = vec![
        ("reserved name", group("_Ops", json!([{"createUserGroup": {}}])), "error.group.invalid_name"),
        (
            "step name differs from root",
            group("Ops", json!([{"createUserGroup": {"name": "Dev"}}])),
            "error.group.invalid_name",
        ),
        (
            "rename to a reserved name",
            group("Finance", json!([{"updateUserGroup": {"name": "_Money"}}])),
            "error.group.invalid_name",
        ),
        (
            "create over a profile",
            group("Photoshop - Default", json!([{"createUserGroup": {}}])),
            "error.usergroup.already_exists",
        ),
        (
            "rename onto another group",
            group("Finance", json!([{"updateUserGroup": {"name": "Designers"}}])),
            "error.usergroup.already_exists",
        ),
        ("missing group", group("Ghosts", json!([{"add": {"user": ["user01@example.com"]}}])), "error.user.not_found"),
        (
            "delete takes {}",
            group("Finance", json!([{"deleteUserGroup": {"force": true}}])),
            "error.command.object_not_empty",
        ),
        ("nothing to add", group("Finance", json!([{"add": {}}])), "error.usergroup.command.missing.arguments"),
        ("bad user entry", group("Finance", json!([{"add": {"user": [""]}}])), "error.user.user_list.invalid"),
        (
            "unknown member key",
            group("Finance", json!([{"add": {"group": ["Designers"]}}])),
            "error.command.add_remove.key.unknown",
        ),
        (
            "missing member",
            group("Finance", json!([{"add": {"user": ["ghost@example.com"]}}])),
            "error.user.nonexistent",
        ),
        (
            "unknown profile",
            group("Finance", json!([{"add": {"productConfiguration": ["Lightroom - Default"]}}])),
            "error.group.not_found",
        ),
        ("user step on a group", group("Finance", json!([{"removeFromOrg": {}}])), "error.command.step.unknown"),
        (
            "create not first",
            group("Ops", json!([{"updateUserGroup": {"description": "x"}}, {"createUserGroup": {}}])),
            "error.command.create.not_first",
        ),
    ];
    for (case, command, code) in cases {
        assert_eq!(api.error_of(command).await.as_deref(), Some(code), "{case}");
    }
}
