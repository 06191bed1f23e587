//! The fields of each action step, from JSON to [`ParsedStep`], with UMAPI's error codes:
//! creates (`addAdobeID`, `createEnterpriseID`, `createFederatedID`: email ≤ 60 and valid, names
//! ≤ 250, country two letters of ISO 3166-1 or `UD` except for Federated IDs, `option`), `update`
//! (no `option`, no `country`), `add`/`remove` lists (≤ 10 names each, `"all"`), `removeFromOrg`,
//! and the user-group steps. Only syntax is checked here; [`super::commands`] applies the steps.

use serde_json::{Map, Value};

use crate::model::IdentityType;
use crate::umapi::wire::{CreateOption, MAX_LIST_ENTRIES, MAX_STRING_CHARS};

use super::org::UserRef;
use super::rules::{UNDEFINED_COUNTRY, email_problem, is_iso_country, limit_of, too_long};
use super::validate::{Failure, StepWarning, kind_of};

/// Longest user-group name (umapi-client's rule).
const MAX_GROUP_NAME_CHARS: usize = 255;

/// The fields of a create step.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) struct CreateFields {
    pub(crate) email: String,
    pub(crate) firstname: Option<String>,
    pub(crate) lastname: Option<String>,
    pub(crate) country: Option<String>,
    pub(crate) option: Option<CreateOption>,
}

/// The fields of an update step; absent ones stay as they are.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub(crate) struct UpdateFields {
    pub(crate) email: Option<String>,
    pub(crate) firstname: Option<String>,
    pub(crate) lastname: Option<String>,
    pub(crate) username: Option<String>,
}

/// One validated step.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) enum ParsedStep {
    /// Create (or add) a user of `kind`.
    Create { kind: IdentityType, fields: CreateFields },
    /// Update a user.
    Update(UpdateFields),
    /// Add memberships by name.
    AddGroups(Vec<String>),
    /// Remove memberships by name.
    RemoveGroups(Vec<String>),
    /// `remove: "all"`.
    RemoveAll,
    /// Leave the org.
    RemoveFromOrg { delete_account: bool },
    /// Create the root user group.
    CreateUserGroup { description: Option<String>, option: Option<CreateOption> },
    /// Rename or re-describe the root user group.
    UpdateUserGroup { name: Option<String>, description: Option<String> },
    /// Delete the root user group.
    DeleteUserGroup,
    /// Add (`add: true`) or remove users and product configurations of the root user group.
    GroupMembers { add: bool, users: Vec<String>, profiles: Vec<String> },
}

impl ParsedStep {
    /// Whether this step creates its root.
    pub(crate) fn is_create(&self) -> bool {
        matches!(self, Self::Create { .. } | Self::CreateUserGroup { .. })
    }
}

/// Parses a step of a `user` command.
pub(crate) fn parse_user_step(
    index: usize,
    name: &str,
    body: &Value,
    root: &UserRef,
    warnings: &mut Vec<StepWarning>,
) -> Result<ParsedStep, Failure> {
    match name {
        "addAdobeID" => parse_create(index, IdentityType::AdobeId, body, root),
        "createEnterpriseID" => parse_create(index, IdentityType::EnterpriseId, body, root),
        "createFederatedID" => parse_create(index, IdentityType::FederatedId, body, root),
        "update" => parse_update(index, body),
        "add" | "remove" => parse_user_membership(index, name == "add", body, warnings),
        "removeFromOrg" => parse_remove_from_org(index, body),
        other => Err(unknown_step(index, other, "user")),
    }
}

/// Parses a step of a `usergroup` command.
pub(crate) fn parse_group_step(index: usize, name: &str, body: &Value, root: &str) -> Result<ParsedStep, Failure> {
    match name {
        "createUserGroup" => {
            let object = object_of(index, name, body)?;
            allow_keys(index, object, &["name", "description", "option"])?;
            if let Some(name) = string_field(index, object, "name")?
                && !name.eq_ignore_ascii_case(root)
            {
                return Err(Failure::at(
                    index,
                    "error.group.invalid_name",
                    format!("createUserGroup name {name:?} differs from the command's usergroup {root:?}"),
                ));
            }
            check_group_name(index, root)?;
            let description = limited(index, object, "description")?;
            let option = option_field(index, object)?;
            Ok(ParsedStep::CreateUserGroup { description, option })
        }
        "updateUserGroup" => {
            let object = object_of(index, name, body)?;
            allow_keys(index, object, &["name", "description"])?;
            let new_name = string_field(index, object, "name")?;
            if let Some(new_name) = &new_name {
                check_group_name(index, new_name)?;
            }
            Ok(ParsedStep::UpdateUserGroup { name: new_name, description: limited(index, object, "description")? })
        }
        "deleteUserGroup" => {
            let object = object_of(index, name, body)?;
            if !object.is_empty() {
                return Err(Failure::at(index, "error.command.object_not_empty", "deleteUserGroup takes {}"));
            }
            Ok(ParsedStep::DeleteUserGroup)
        }
        "add" | "remove" => {
            let Some(object) = body.as_object() else {
                return Err(Failure::at(index, "error.command.add_remove.list", format!("{name} needs a JSON object")));
            };
            allow_list_keys(index, object, &["user", "productConfiguration"])?;
            if object.is_empty() {
                return Err(Failure::at(
                    index,
                    "error.usergroup.command.missing.arguments",
                    format!("{name} names no users and no product configurations"),
                ));
            }
            let users = list(index, object, "user", "error.user.user_list.invalid")?;
            let profiles = list(index, object, "productConfiguration", "error.group.invalid_list")?;
            Ok(ParsedStep::GroupMembers { add: name == "add", users, profiles })
        }
        other => Err(unknown_step(index, other, "usergroup")),
    }
}

fn unknown_step(index: usize, name: &str, root: &str) -> Failure {
    Failure::at(index, "error.command.step.unknown", format!("unknown step {name:?} for a {root} command"))
}

fn object_of<'a>(index: usize, name: &str, body: &'a Value) -> Result<&'a Map<String, Value>, Failure> {
    body.as_object().ok_or_else(|| {
        Failure::at(
            index,
            "error.command.create.object_expected",
            format!("the value of {name} must be a JSON object, found {}", kind_of(body)),
        )
    })
}

fn allow_keys(index: usize, object: &Map<String, Value>, allowed: &[&str]) -> Result<(), Failure> {
    match object.keys().find(|key| !allowed.contains(&key.as_str())) {
        Some(key) => Err(Failure::at(index, "error.command.create.key.unknown", format!("unknown key {key:?}"))),
        None => Ok(()),
    }
}

fn string_field(index: usize, object: &Map<String, Value>, key: &str) -> Result<Option<String>, Failure> {
    match object.get(key) {
        None => Ok(None),
        Some(Value::String(text)) => Ok(Some(text.clone())),
        Some(other) => Err(Failure::at(
            index,
            "error.command.create.string_expected",
            format!("{key} must be a JSON string, found {}", kind_of(other)),
        )),
    }
}

/// A string field within its length limit.
fn limited(index: usize, object: &Map<String, Value>, key: &str) -> Result<Option<String>, Failure> {
    let value = string_field(index, object, key)?;
    if let Some(text) = &value
        && let Some(message) = too_long(key, text, limit_of(key))
    {
        return Err(Failure::at(index, "error.command.string.too_long", message));
    }
    Ok(value)
}

fn option_field(index: usize, object: &Map<String, Value>) -> Result<Option<CreateOption>, Failure> {
    match string_field(index, object, "option")?.as_deref() {
        None => Ok(None),
        Some("ignoreIfAlreadyExists") => Ok(Some(CreateOption::IgnoreIfAlreadyExists)),
        Some("updateIfAlreadyExists") => Ok(Some(CreateOption::UpdateIfAlreadyExists)),
        Some(other) => Err(Failure::at(
            index,
            "error.option.illegal",
            format!("option {other:?} is not ignoreIfAlreadyExists or updateIfAlreadyExists"),
        )),
    }
}

fn check_email(index: usize, email: &str) -> Result<(), Failure> {
    match email_problem(email) {
        Some(problem) => Err(Failure::at(index, "error.user.email.invalid", problem)),
        None => Ok(()),
    }
}

fn check_group_name(index: usize, name: &str) -> Result<(), Failure> {
    let problem = if name.trim().is_empty() {
        Some("a user-group name cannot be empty".to_string())
    } else if name.starts_with('_') {
        Some(format!("user-group name {name:?} starts with _, which is reserved for admin groups"))
    } else if name.chars().count() > MAX_GROUP_NAME_CHARS {
        Some(format!("user-group name is longer than {MAX_GROUP_NAME_CHARS} characters"))
    } else {
        None
    };
    match problem {
        Some(problem) => Err(Failure::at(index, "error.group.invalid_name", problem)),
        None => Ok(()),
    }
}

fn parse_create(index: usize, kind: IdentityType, body: &Value, root: &UserRef) -> Result<ParsedStep, Failure> {
    let step = match kind {
        IdentityType::AdobeId => "addAdobeID",
        IdentityType::EnterpriseId => "createEnterpriseID",
        IdentityType::FederatedId => "createFederatedID",
    };
    let object = object_of(index, step, body)?;
    allow_keys(index, object, &["email", "firstname", "lastname", "country", "option"])?;
    let Some(email) = string_field(index, object, "email")? else {
        return Err(Failure::at(index, "error.user.email.invalid", format!("{step} needs an email")));
    };
    check_email(index, &email)?;
    let firstname = limited(index, object, "firstname")?;
    let lastname = limited(index, object, "lastname")?;
    let country = limited(index, object, "country")?.map(|country| country.to_uppercase());
    let option = option_field(index, object)?;
    if (root.domain.is_none() || kind != IdentityType::FederatedId) && !root.user.eq_ignore_ascii_case(&email) {
        return Err(Failure::at(
            index,
            "error.user.must_match_email",
            format!("the command's user {:?} must be the email {email:?} of the {step} step", root.user),
        ));
    }
    if kind != IdentityType::AdobeId {
        if firstname.as_deref().is_none_or(str::is_empty) {
            return Err(Failure::at(index, "error.user.firstname_missing", format!("{step} needs a firstname")));
        }
        if lastname.as_deref().is_none_or(str::is_empty) {
            return Err(Failure::at(index, "error.user.lastname_missing", format!("{step} needs a lastname")));
        }
    }
    match country.as_deref() {
        None if kind == IdentityType::FederatedId => {
            return Err(Failure::at(index, "error.country.invalid", "createFederatedID needs a country"));
        }
        Some(UNDEFINED_COUNTRY) if kind == IdentityType::FederatedId => {
            return Err(Failure::at(
                index,
                "error.country.invalid",
                "country UD (undefined) is not allowed for Federated IDs",
            ));
        }
        Some(code) if code != UNDEFINED_COUNTRY && !is_iso_country(code) => {
            return Err(Failure::at(
                index,
                "error.country.invalid",
                format!("country {code:?} is not an ISO 3166-1 alpha-2 code"),
            ));
        }
        _ => {}
    }
    Ok(ParsedStep::Create { kind, fields: CreateFields { email, firstname, lastname, country, option } })
}

fn parse_update(index: usize, body: &Value) -> Result<ParsedStep, Failure> {
    let object = object_of(index, "update", body)?;
    if object.contains_key("option") {
        return Err(Failure::at(index, "error.command.update.option.no", "option is allowed only in create steps"));
    }
    if object.contains_key("country") {
        return Err(Failure::at(index, "error.update.country.no_update", "the country of a user cannot be updated"));
    }
    allow_keys(index, object, &["email", "firstname", "lastname", "username"])?;
    let fields = UpdateFields {
        email: limited(index, object, "email")?,
        firstname: limited(index, object, "firstname")?,
        lastname: limited(index, object, "lastname")?,
        username: limited(index, object, "username")?,
    };
    if let Some(email) = &fields.email {
        check_email(index, email)?;
    }
    if fields.username.as_deref().is_some_and(|username| username.trim().is_empty()) {
        return Err(Failure::at(index, "error.user.name.invalid", "username cannot be empty"));
    }
    Ok(ParsedStep::Update(fields))
}

fn parse_user_membership(
    index: usize,
    add: bool,
    body: &Value,
    warnings: &mut Vec<StepWarning>,
) -> Result<ParsedStep, Failure> {
    let step = if add { "add" } else { "remove" };
    let object = match body {
        Value::String(text) if text == "all" && !add => return Ok(ParsedStep::RemoveAll),
        Value::Object(object) => object,
        other => {
            let accepted = if add { "a JSON object" } else { "a JSON object or \"all\"" };
            return Err(Failure::at(
                index,
                "error.command.add_remove.list",
                format!("the value of {step} must be {accepted}, found {}", kind_of(other)),
            ));
        }
    };
    allow_list_keys(index, object, &["group", "productConfiguration", "usergroup", "product"])?;
    if object.is_empty() {
        return Err(Failure::at(index, "error.command.add_remove.missing_list", format!("{step} names no group list")));
    }
    if object.contains_key("product") {
        warnings.push(StepWarning {
            step: index,
            code: "warning.command.deprecated",
            message: "'product' command is deprecated. Please use productConfiguration.".to_string(),
        });
    }
    let mut names = Vec::new();
    for key in ["group", "productConfiguration", "usergroup", "product"] {
        names.extend(list(index, object, key, "error.group.invalid_list")?);
    }
    Ok(if add { ParsedStep::AddGroups(names) } else { ParsedStep::RemoveGroups(names) })
}

fn allow_list_keys(index: usize, object: &Map<String, Value>, allowed: &[&str]) -> Result<(), Failure> {
    match object.keys().find(|key| !allowed.contains(&key.as_str())) {
        Some(key) => Err(Failure::at(
            index,
            "error.command.add_remove.key.unknown",
            format!("unknown key {key:?} (expected {})", allowed.join(", ")),
        )),
        None => Ok(()),
    }
}

/// One add/remove list: an array of 1 to 10 non-empty strings of at most 250 characters.
fn list(
    index: usize,
    object: &Map<String, Value>,
    key: &str,
    invalid_code: &'static str,
) -> Result<Vec<String>, Failure> {
    let Some(value) = object.get(key) else { return Ok(Vec::new()) };
    let Some(entries) = value.as_array() else {
        return Err(Failure::at(
            index,
            "error.command.add_remove.list_not_array",
            format!("{key} must be a JSON array, found {}", kind_of(value)),
        ));
    };
    if entries.is_empty() {
        return Err(Failure::at(index, invalid_code, format!("the {key} list is empty")));
    }
    if entries.len() > MAX_LIST_ENTRIES {
        return Err(Failure::at(
            index,
            "error.command.add_remove.list_too_long",
            format!(
                "Too many products, users or groups in Add or Remove: {} in {key}, max is {MAX_LIST_ENTRIES}",
                entries.len()
            ),
        ));
    }
    let mut names = Vec::with_capacity(entries.len());
    for entry in entries {
        match entry.as_str() {
            Some(name) if !name.trim().is_empty() => {
                if name.chars().count() > MAX_STRING_CHARS {
                    let code = if key == "user" {
                        "error.user.user_list.invalid"
                    } else {
                        "error.command.add_remove.group_or_product_name_too_long"
                    };
                    return Err(Failure::at(
                        index,
                        code,
                        format!("a name in {key} is longer than {MAX_STRING_CHARS} characters"),
                    ));
                }
                names.push(name.to_string());
            }
            _ => {
                return Err(Failure::at(
                    index,
                    invalid_code,
                    format!("the {key} list holds {}, not a name", describe(entry)),
                ));
            }
        }
    }
    Ok(names)
}

fn describe(entry: &Value) -> String {
    match entry.as_str() {
        Some(_) => "an empty string".to_string(),
        None => kind_of(entry).to_string(),
    }
}

fn parse_remove_from_org(index: usize, body: &Value) -> Result<ParsedStep, Failure> {
    let Some(object) = body.as_object() else {
        return Err(Failure::at(
            index,
            "error.command.illegal_entry",
            format!("removeFromOrg takes an object such as {{\"deleteAccount\": false}}, found {}", kind_of(body)),
        ));
    };
    if let Some(key) = object.keys().find(|key| key.as_str() != "deleteAccount") {
        return Err(Failure::at(index, "error.command.illegal_entry", format!("unknown key {key:?} in removeFromOrg")));
    }
    match object.get("deleteAccount") {
        None => Ok(ParsedStep::RemoveFromOrg { delete_account: false }),
        Some(Value::Bool(delete_account)) => Ok(ParsedStep::RemoveFromOrg { delete_account: *delete_account }),
        Some(_) => Err(Failure::at(index, "error.command.boolean_expected", "deleteAccount must be true or false")),
    }
}
