//! The UMAPI and IMS wire protocol as Rust types: request commands and steps, action answers,
//! users, groups, pages and token answers (UMAPI.md sections 1–5).
//!
//! Both the client (`umapi::client`) and the simulator (`sim`) use these types, so that the two
//! cannot drift apart. Serialisation follows Adobe's JSON exactly (camelCase, externally tagged
//! steps, omitted optional fields); deserialisation is lenient where Adobe documents that
//! "additional fields can appear" or where a field's type is documented inconsistently (`step`).
//! The simulator parses untrusted bodies as `serde_json::Value` first so that it can answer with
//! UMAPI's own error codes; these types describe well-formed traffic.

use serde::{Deserialize, Deserializer, Serialize};

/// Most commands one action request may carry (UMAPI.md 2d).
pub const MAX_COMMANDS_PER_REQUEST: usize = 10;
/// Most steps one command may carry (UMAPI.md D "batching").
pub const MAX_STEPS_PER_COMMAND: usize = 10;
/// Most names one add/remove list may carry (UMAPI.md D "list > 10").
pub const MAX_LIST_ENTRIES: usize = 10;
/// Users per page of `GET /users/{orgId}/{page}` (UMAPI.md 5a).
pub const USERS_PAGE_SIZE: usize = 2000;
/// Groups per page of `GET /groups/{orgId}/{page}` (UMAPI.md 5d).
pub const GROUPS_PAGE_SIZE: usize = 400;
/// Longest email UMAPI accepts.
pub const MAX_EMAIL_CHARS: usize = 60;
/// Longest first/last name UMAPI accepts.
pub const MAX_NAME_CHARS: usize = 250;
/// Longest user, identifier or domain string UMAPI accepts.
pub const MAX_STRING_CHARS: usize = 250;

/// One command of an action request: a root (`user` or `usergroup`) and its steps.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize, Default)]
pub struct Command {
    /// The user root: an email, or a username for non-email Federated IDs.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub user: Option<String>,
    /// The user-group root.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub usergroup: Option<String>,
    /// Directory domain; only with a non-email `user`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub domain: Option<String>,
    /// Target the Adobe ID even if an Enterprise/Federated ID with this email exists.
    #[serde(rename = "useAdobeID", default, skip_serializing_if = "Option::is_none")]
    pub use_adobe_id: Option<bool>,
    /// Echoed back in errors and warnings; we put the source row reference here.
    #[serde(rename = "requestID", default, skip_serializing_if = "Option::is_none")]
    pub request_id: Option<String>,
    /// The steps, run in order; a failing step stops the command.
    #[serde(rename = "do")]
    pub steps: Vec<Step>,
}

/// One step of a command. Serde's external tagging gives exactly UMAPI's `{"stepName": {...}}`.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub enum Step {
    /// Add (invite) an Adobe ID.
    #[serde(rename = "addAdobeID")]
    AddAdobeId(CreateUser),
    /// Create an Enterprise ID.
    #[serde(rename = "createEnterpriseID")]
    CreateEnterpriseId(CreateUser),
    /// Create a Federated ID.
    #[serde(rename = "createFederatedID")]
    CreateFederatedId(CreateUser),
    /// Update an Enterprise/Federated user's fields.
    #[serde(rename = "update")]
    Update(UpdateUser),
    /// Add memberships (user root: `group`; usergroup root: `user`, `productConfiguration`).
    #[serde(rename = "add")]
    Add(Membership),
    /// Remove memberships, or `"all"`.
    #[serde(rename = "remove")]
    Remove(RemoveMembership),
    /// Remove the user from the org; always the last step.
    #[serde(rename = "removeFromOrg")]
    RemoveFromOrg(RemoveFromOrg),
    /// Create a user group; first step of a usergroup command.
    #[serde(rename = "createUserGroup")]
    CreateUserGroup(CreateUserGroup),
    /// Rename or re-describe a user group.
    #[serde(rename = "updateUserGroup")]
    UpdateUserGroup(UpdateUserGroup),
    /// Delete a user group.
    #[serde(rename = "deleteUserGroup")]
    DeleteUserGroup(EmptyObject),
}

impl Step {
    /// The wire name of the step (`addAdobeID`, `add`, ...), for messages and reports.
    pub fn name(&self) -> &'static str {
        match self {
            Self::AddAdobeId(_) => "addAdobeID",
            Self::CreateEnterpriseId(_) => "createEnterpriseID",
            Self::CreateFederatedId(_) => "createFederatedID",
            Self::Update(_) => "update",
            Self::Add(_) => "add",
            Self::Remove(_) => "remove",
            Self::RemoveFromOrg(_) => "removeFromOrg",
            Self::CreateUserGroup(_) => "createUserGroup",
            Self::UpdateUserGroup(_) => "updateUserGroup",
            Self::DeleteUserGroup(_) => "deleteUserGroup",
        }
    }

    /// Whether this is one of the three user-create steps.
    pub fn is_create(&self) -> bool {
        matches!(self, Self::AddAdobeId(_) | Self::CreateEnterpriseId(_) | Self::CreateFederatedId(_))
    }
}

/// What a create step does when the user already exists (UMAPI.md 2b).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub enum CreateOption {
    /// Skip the create and run the remaining steps.
    #[serde(rename = "ignoreIfAlreadyExists")]
    IgnoreIfAlreadyExists,
    /// Apply the create's names as an update, then continue.
    #[serde(rename = "updateIfAlreadyExists")]
    UpdateIfAlreadyExists,
}

/// Fields of `addAdobeID` / `createEnterpriseID` / `createFederatedID`.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize, Default)]
pub struct CreateUser {
    /// The user's email (≤ 60 characters).
    pub email: String,
    /// First name (≤ 250).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub firstname: Option<String>,
    /// Last name (≤ 250).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub lastname: Option<String>,
    /// ISO 3166-1 alpha-2 or `UD`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub country: Option<String>,
    /// Behaviour when the user exists; absent means "error".
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub option: Option<CreateOption>,
}

/// Fields of `update`; absent fields are unchanged.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize, Default)]
pub struct UpdateUser {
    /// New email.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub email: Option<String>,
    /// New first name.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub firstname: Option<String>,
    /// New last name.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub lastname: Option<String>,
    /// New username.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub username: Option<String>,
}

/// The object of an `add` or `remove` step. A user command uses `group`; a usergroup command uses
/// `user` and `productConfiguration`. `product` and `usergroup` are legacy keys.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize, Default)]
pub struct Membership {
    /// Product profiles, user groups or admin groups (user root).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub group: Option<Vec<String>>,
    /// Users by email (usergroup root).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub user: Option<Vec<String>>,
    /// Product profiles (usergroup root, or legacy on a user root).
    #[serde(rename = "productConfiguration", default, skip_serializing_if = "Option::is_none")]
    pub product_configuration: Option<Vec<String>>,
    /// Legacy user-group list on a user root.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub usergroup: Option<Vec<String>>,
    /// Deprecated product list (answered with `warning.command.deprecated`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub product: Option<Vec<String>>,
}

impl Membership {
    /// A user-root membership list over `group`.
    pub fn groups(names: Vec<String>) -> Self {
        Self { group: Some(names), ..Self::default() }
    }
}

/// The object of a `remove` step: a membership list or the string `"all"`.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(untagged)]
pub enum RemoveMembership {
    /// `"all"`: every group, profile and admin role except `_org_admin`.
    All(AllMarker),
    /// Named memberships.
    List(Membership),
}

/// The literal string `"all"`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct AllMarker;

impl Serialize for AllMarker {
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.serialize_str("all")
    }
}

impl<'de> Deserialize<'de> for AllMarker {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        let text = String::deserialize(deserializer)?;
        if text == "all" {
            Ok(AllMarker)
        } else {
            Err(serde::de::Error::custom(format!("expected \"all\", found {text:?}")))
        }
    }
}

/// The object of `removeFromOrg`.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize, Default)]
pub struct RemoveFromOrg {
    /// Also delete the account (Enterprise/Federated IDs the org owns).
    #[serde(rename = "deleteAccount", default)]
    pub delete_account: bool,
}

/// The object of `createUserGroup`.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize, Default)]
pub struct CreateUserGroup {
    /// Group name (the doc's schema; normally taken from the root).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub name: Option<String>,
    /// Description.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub description: Option<String>,
    /// Behaviour when the group exists.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub option: Option<CreateOption>,
}

/// The object of `updateUserGroup`.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize, Default)]
pub struct UpdateUserGroup {
    /// New name.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub name: Option<String>,
    /// New description.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub description: Option<String>,
}

/// `{}`.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize, Default)]
pub struct EmptyObject {}

/// The 200 answer of `POST /action/{orgId}` (UMAPI.md 3a).
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize, Default)]
pub struct ActionResponse {
    /// `success`, `partial`, `error`, or a request-level error code.
    pub result: String,
    /// Commands completed.
    #[serde(default)]
    pub completed: u32,
    /// Commands not completed.
    #[serde(rename = "notCompleted", default)]
    pub not_completed: u32,
    /// Commands that would succeed (test mode).
    #[serde(rename = "completedInTestMode", default)]
    pub completed_in_test_mode: u32,
    /// Per-step errors; omitted when empty.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub errors: Vec<ActionError>,
    /// Per-step warnings; omitted when empty.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub warnings: Vec<ActionWarning>,
    /// Top-level message, only when the whole request was refused.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub message: Option<String>,
}

/// One entry of `errors[]`.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize, Default)]
pub struct ActionError {
    /// 0-based command index in the request.
    #[serde(deserialize_with = "lenient_index")]
    pub index: usize,
    /// 0-based step index in the command (documented as string, sent as integer).
    #[serde(default, deserialize_with = "lenient_optional_index", skip_serializing_if = "Option::is_none")]
    pub step: Option<usize>,
    /// The command's `requestID`, if it had one.
    #[serde(rename = "requestID", default, skip_serializing_if = "Option::is_none")]
    pub request_id: Option<String>,
    /// The command's root value.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub user: Option<String>,
    /// UMAPI error code, e.g. `error.user.nonexistent`.
    #[serde(rename = "errorCode")]
    pub error_code: String,
    /// Human-readable message.
    #[serde(default)]
    pub message: String,
}

/// One entry of `warnings[]`.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize, Default)]
pub struct ActionWarning {
    /// 0-based command index.
    #[serde(deserialize_with = "lenient_index")]
    pub index: usize,
    /// 0-based step index.
    #[serde(default, deserialize_with = "lenient_optional_index", skip_serializing_if = "Option::is_none")]
    pub step: Option<usize>,
    /// The command's `requestID`.
    #[serde(rename = "requestID", default, skip_serializing_if = "Option::is_none")]
    pub request_id: Option<String>,
    /// The command's root value.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub user: Option<String>,
    /// Warning code, e.g. `warning.command.deprecated`.
    #[serde(rename = "warningCode")]
    pub warning_code: String,
    /// Human-readable message.
    #[serde(default)]
    pub message: String,
}

fn parse_index_value(value: &serde_json::Value) -> Option<usize> {
    match value {
        serde_json::Value::Number(number) => number.as_u64().and_then(|n| usize::try_from(n).ok()),
        serde_json::Value::String(text) => text.trim().parse().ok(),
        _ => None,
    }
}

fn lenient_index<'de, D: Deserializer<'de>>(deserializer: D) -> Result<usize, D::Error> {
    let value = serde_json::Value::deserialize(deserializer)?;
    parse_index_value(&value).ok_or_else(|| serde::de::Error::custom(format!("not an index: {value}")))
}

fn lenient_optional_index<'de, D: Deserializer<'de>>(deserializer: D) -> Result<Option<usize>, D::Error> {
    let value = Option::<serde_json::Value>::deserialize(deserializer)?;
    Ok(value.as_ref().and_then(parse_index_value))
}

/// A user object as the read endpoints return it (UMAPI.md 5c).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize, Default)]
pub struct User {
    /// Opaque id.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub id: Option<String>,
    /// Email.
    #[serde(default)]
    pub email: String,
    /// Username (= email for Adobe/Enterprise IDs).
    #[serde(default)]
    pub username: String,
    /// Directory domain.
    #[serde(default)]
    pub domain: String,
    /// First name; omitted when unset.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub firstname: Option<String>,
    /// Last name; omitted when unset.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub lastname: Option<String>,
    /// Country code.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub country: Option<String>,
    /// `adobeID`, `enterpriseID`, `federatedID` or `unknown`.
    #[serde(rename = "type", default)]
    pub user_type: String,
    /// `active`, `disabled`, `locked`, `removed`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub status: Option<String>,
    /// Groups, profiles and admin groups; omitted when none.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub groups: Vec<String>,
}

/// `GET /users/{orgId}/{page}` and `GET /users/{orgId}/{page}/{group}`.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize, Default)]
pub struct UsersPage {
    /// Whether this is the last page.
    #[serde(rename = "lastPage", default)]
    pub last_page: bool,
    /// `success` or an error code.
    #[serde(default)]
    pub result: String,
    /// The users of this page.
    #[serde(default)]
    pub users: Vec<User>,
    /// The group, on the by-group endpoint.
    #[serde(rename = "groupName", default, skip_serializing_if = "Option::is_none")]
    pub group_name: Option<String>,
}

/// `GET /organizations/{orgId}/users/{user}`.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize, Default)]
pub struct UserResponse {
    /// `success` or `error.user.not_found`.
    pub result: String,
    /// The user, on success.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub user: Option<User>,
    /// Message, on error.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub message: Option<String>,
}

/// A group object of `GET /groups/{orgId}/{page}` (UMAPI.md 5d).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize, Default)]
pub struct Group {
    /// Numeric id.
    #[serde(rename = "groupId", default, skip_serializing_if = "Option::is_none")]
    pub group_id: Option<i64>,
    /// Name.
    #[serde(rename = "groupName")]
    pub group_name: String,
    /// `USER_GROUP`, `PRODUCT_PROFILE`, `*_ADMIN_GROUP`, ...
    #[serde(rename = "type", default)]
    pub group_type: String,
    /// Members (direct and through user groups for profiles).
    #[serde(rename = "memberCount", default)]
    pub member_count: u64,
    /// The group's admin group, when it has admins.
    #[serde(rename = "adminGroupName", default, skip_serializing_if = "Option::is_none")]
    pub admin_group_name: Option<String>,
    /// Product of a product profile.
    #[serde(rename = "productName", default, skip_serializing_if = "Option::is_none")]
    pub product_name: Option<String>,
    /// Licence quota of a product profile, as a string.
    #[serde(rename = "licenseQuota", default, skip_serializing_if = "Option::is_none")]
    pub license_quota: Option<String>,
    /// For `USER_ADMIN_GROUP`: the user group administered.
    #[serde(rename = "userGroupName", default, skip_serializing_if = "Option::is_none")]
    pub user_group_name: Option<String>,
    /// For `PROFILE_ADMIN_GROUP`: the profile administered.
    #[serde(rename = "productProfileName", default, skip_serializing_if = "Option::is_none")]
    pub product_profile_name: Option<String>,
    /// A shared (read-only) user group: its members cannot be changed (UMAPI.md 2c).
    #[serde(rename = "isReadOnly", default, skip_serializing_if = "std::ops::Not::not")]
    pub is_read_only: bool,
}

/// Group types as the groups endpoint spells them.
pub mod group_types {
    /// A user group.
    pub const USER_GROUP: &str = "USER_GROUP";
    /// A product profile (product configuration).
    pub const PRODUCT_PROFILE: &str = "PRODUCT_PROFILE";
    /// `_org_admin`.
    pub const SYSADMIN_GROUP: &str = "SYSADMIN_GROUP";
    /// `_deployment_admin`.
    pub const DEPLOYMENT_ADMIN_GROUP: &str = "DEPLOYMENT_ADMIN_GROUP";
    /// `_support_admin`.
    pub const SUPPORT_ADMIN_GROUP: &str = "SUPPORT_ADMIN_GROUP";
    /// `_product_admin_<product>`.
    pub const PRODUCT_ADMIN_GROUP: &str = "PRODUCT_ADMIN_GROUP";
    /// `_admin_<profile>`.
    pub const PROFILE_ADMIN_GROUP: &str = "PROFILE_ADMIN_GROUP";
    /// `_admin_<user group>`.
    pub const USER_ADMIN_GROUP: &str = "USER_ADMIN_GROUP";
    /// `_developer_<profile>`.
    pub const DEVELOPER_GROUP: &str = "DEVELOPER_GROUP";
}

/// `GET /groups/{orgId}/{page}`.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize, Default)]
pub struct GroupsPage {
    /// Whether this is the last page.
    #[serde(rename = "lastPage", default)]
    pub last_page: bool,
    /// `success`, or `Not found` beyond the last page.
    #[serde(default)]
    pub result: String,
    /// The groups of this page.
    #[serde(default)]
    pub groups: Vec<Group>,
}

/// The paging headers of the users and groups endpoints (sent as strings).
pub mod paging_headers {
    /// Total number of entries.
    pub const TOTAL_COUNT: &str = "X-Total-Count";
    /// Number of pages.
    pub const PAGE_COUNT: &str = "X-Page-Count";
    /// 0-based current page.
    pub const CURRENT_PAGE: &str = "X-Current-Page";
    /// Page size.
    pub const PAGE_SIZE: &str = "X-Page-Size";
}

/// An IMS token answer (OAuth S2S: `expires_in` in seconds; JWT exchange: milliseconds).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct TokenResponse {
    /// The bearer token.
    pub access_token: String,
    /// `bearer`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub token_type: Option<String>,
    /// Lifetime; unit depends on the endpoint.
    pub expires_in: u64,
}

/// An IMS error answer.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct ImsError {
    /// `invalid_client`, `invalid_token`, `invalid_signature`, `invalid_scope`, ...
    pub error: String,
    /// Detail.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub error_description: Option<String>,
}

/// The body of a 429 answer: `{"error_code":"429050","message":"Too many requests"}`.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct ThrottleBody {
    /// `429050`.
    pub error_code: String,
    /// `Too many requests`.
    pub message: String,
}

/// The OAuth S2S scope UMAPI needs.
pub const OAUTH_SCOPE: &str = "openid,AdobeID,user_management_sdk";
/// The JWT metascope name UMAPI needs (`https://{ims_host}/s/ent_user_sdk`).
pub const JWT_METASCOPE: &str = "ent_user_sdk";
/// The request header that marks the first call of a sync session.
pub const PRAGMA_SYNC_START: &str = "umapi-sync-start";
/// The request header that marks the last call of a sync session.
pub const PRAGMA_SYNC_END: &str = "umapi-sync-end";

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn steps_serialise_as_umapi_externally_tagged_objects() {
        let command = Command {
            user: Some("jdoe@example.com".into()),
            request_id: Some("r1".into()),
            steps: vec![
                Step::CreateEnterpriseId(CreateUser {
                    email: "jdoe@example.com".into(),
                    country: Some("US".into()),
                    option: Some(CreateOption::IgnoreIfAlreadyExists),
                    ..CreateUser::default()
                }),
                Step::Add(Membership::groups(vec!["Photoshop - Default".into()])),
                Step::Remove(RemoveMembership::All(AllMarker)),
                Step::RemoveFromOrg(RemoveFromOrg { delete_account: false }),
            ],
            ..Command::default()
        };
        let json = serde_json::to_value(&command).unwrap_or_default();
        assert_eq!(
            json,
            serde_json::json!({
                "user": "jdoe@example.com",
                "requestID": "r1",
                "do": [
                    {"createEnterpriseID": {"email": "jdoe@example.com", "country": "US", "option": "ignoreIfAlreadyExists"}},
                    {"add": {"group": ["Photoshop - Default"]}},
                    {"remove": "all"},
                    {"removeFromOrg": {"deleteAccount": false}}
                ]
            })
        );
        let back: Command = serde_json::from_value(json).unwrap_or_default();
        assert_eq!(back, command);
    }

    #[test]
    fn action_errors_accept_step_as_string_or_integer() {
        let body = r#"{"result":"partial","completed":1,"notCompleted":1,"completedInTestMode":0,
            "errors":[{"index":1,"step":"0","errorCode":"error.user.nonexistent","message":"m"},
                      {"index":"0","step":2,"errorCode":"x","message":"m"}]}"#;
        let answer: ActionResponse = serde_json::from_str(body).unwrap_or_default();
        assert_eq!(answer.errors.len(), 2);
        assert_eq!((answer.errors[0].index, answer.errors[0].step), (1, Some(0)));
        assert_eq!((answer.errors[1].index, answer.errors[1].step), (0, Some(2)));
    }
}
