//! The domain vocabulary every layer shares: identity types, admin roles, and the typed,
//! validated rows that `validation` produces and `plan`, `report` and `export` consume.
//!
//! This module owns no I/O and no rules; it only names things. The Console's CSV spellings and
//! UMAPI's wire spellings of the same concept live side by side here so that no other module has
//! to translate them by hand.

use std::fmt;

use serde::{Deserialize, Serialize};

/// The three Adobe identity types (SPEC 2.1, UMAPI.md 6a).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
pub enum IdentityType {
    /// Owned by the end user; can be added to and removed from the org, never updated or deleted.
    #[serde(rename = "adobeID")]
    AdobeId,
    /// Owned by the org, hosted by Adobe; username is the email.
    #[serde(rename = "enterpriseID")]
    EnterpriseId,
    /// Owned by the org, authenticated by its SAML IdP; domain mandatory in the CSV.
    #[serde(rename = "federatedID")]
    FederatedId,
}

impl IdentityType {
    /// All types, in the Console's order.
    pub const ALL: [IdentityType; 3] = [Self::AdobeId, Self::EnterpriseId, Self::FederatedId];

    /// The spelling the Console uses in its CSV files (`Adobe ID`, ...).
    pub fn console_name(self) -> &'static str {
        match self {
            Self::AdobeId => "Adobe ID",
            Self::EnterpriseId => "Enterprise ID",
            Self::FederatedId => "Federated ID",
        }
    }

    /// The spelling UMAPI uses in user objects (`adobeID`, ...).
    pub fn wire_name(self) -> &'static str {
        match self {
            Self::AdobeId => "adobeID",
            Self::EnterpriseId => "enterpriseID",
            Self::FederatedId => "federatedID",
        }
    }

    /// Parses the Console spelling, case-insensitively and ignoring surrounding spaces.
    /// UMAPI's wire spellings (`enterpriseID`) are accepted too, since exports from other tools use them.
    pub fn from_console(text: &str) -> Option<Self> {
        let text = text.trim();
        Self::ALL
            .into_iter()
            .find(|kind| kind.console_name().eq_ignore_ascii_case(text) || kind.wire_name().eq_ignore_ascii_case(text))
    }

    /// Parses UMAPI's wire spelling (exact, as the service sends it).
    pub fn from_wire(text: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|kind| kind.wire_name() == text)
    }
}

impl fmt::Display for IdentityType {
    fn fmt(&self, formatter: &mut fmt::Formatter<'_>) -> fmt::Result {
        formatter.write_str(self.console_name())
    }
}

/// The admin roles the Console's `Admin Roles` column accepts (SPEC 2.1).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
pub enum AdminRole {
    /// System administrator (`_org_admin`): cannot be granted or removed through UMAPI.
    System,
    /// Deployment administrator (`_deployment_admin`).
    Deployment,
    /// Support administrator (`_support_admin`); the Console exports it.
    Support,
    /// Product administrator (`_product_admin_<product>`): needs Products Administered.
    Product,
    /// Product configuration administrator (`_admin_<profile>`): needs Product Configurations Administered.
    ProductConfiguration,
    /// User group administrator (`_admin_<group>`): needs User Groups Administered.
    UserGroup,
}

impl AdminRole {
    /// All roles, in the Console's order.
    pub const ALL: [AdminRole; 6] =
        [Self::System, Self::Deployment, Self::Product, Self::ProductConfiguration, Self::UserGroup, Self::Support];

    /// The Console's spelling.
    pub fn console_name(self) -> &'static str {
        match self {
            Self::System => "System",
            Self::Deployment => "Deployment",
            Self::Support => "Support",
            Self::Product => "Product",
            Self::ProductConfiguration => "Product Configuration",
            Self::UserGroup => "User Group",
        }
    }

    /// Parses the Console spelling case-insensitively.
    pub fn from_console(text: &str) -> Option<Self> {
        let text = text.trim();
        Self::ALL.into_iter().find(|role| role.console_name().eq_ignore_ascii_case(text))
    }
}

impl fmt::Display for AdminRole {
    fn fmt(&self, formatter: &mut fmt::Formatter<'_>) -> fmt::Result {
        formatter.write_str(self.console_name())
    }
}

/// The UMAPI group names for admin roles (UMAPI.md D "admin roles").
pub mod admin_groups {
    /// System administrators; never assignable through UMAPI.
    pub const ORG_ADMIN: &str = "_org_admin";
    /// Deployment administrators.
    pub const DEPLOYMENT_ADMIN: &str = "_deployment_admin";
    /// Support administrators.
    pub const SUPPORT_ADMIN: &str = "_support_admin";
    /// Prefix of product-admin groups: `_product_admin_<product name>`.
    pub const PRODUCT_ADMIN_PREFIX: &str = "_product_admin_";
    /// Prefix of profile and user-group admin groups: `_admin_<name>`.
    pub const ADMIN_PREFIX: &str = "_admin_";
    /// Prefix of developer groups: `_developer_<profile>`.
    pub const DEVELOPER_PREFIX: &str = "_developer_";

    /// `_product_admin_<product>`.
    pub fn product_admin(product: &str) -> String {
        format!("{PRODUCT_ADMIN_PREFIX}{product}")
    }

    /// `_admin_<profile or user group>`.
    pub fn admin_of(name: &str) -> String {
        format!("{ADMIN_PREFIX}{name}")
    }
}

/// Which bulk operation a file is for (SPEC 1).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Operation {
    /// Bulk add users.
    Add,
    /// Bulk edit user details.
    Edit,
    /// Bulk remove users.
    Remove,
    /// Bulk revoke invitations.
    Revoke,
}

impl Operation {
    /// The lowercase name used on the command line and in run folder names.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Add => "add",
            Self::Edit => "edit",
            Self::Remove => "remove",
            Self::Revoke => "revoke",
        }
    }

    /// The Admin Console's name of the operation.
    pub fn console_name(self) -> &'static str {
        match self {
            Self::Add => "Bulk add users",
            Self::Edit => "Bulk edit user details",
            Self::Remove => "Bulk remove users",
            Self::Revoke => "Bulk revoke invitations",
        }
    }

    /// Whether the operation reads the invitation CSV (revoke) rather than the user CSV.
    pub fn uses_invitation_csv(self) -> bool {
        matches!(self, Self::Revoke)
    }
}

impl fmt::Display for Operation {
    fn fmt(&self, formatter: &mut fmt::Formatter<'_>) -> fmt::Result {
        formatter.write_str(self.as_str())
    }
}

/// One valid row of a user CSV, typed. Produced by `validation`, consumed by `plan` and `report`.
///
/// Multi-valued fields are `None` when the column is absent from the header ("leave untouched"
/// for edit) and `Some(vec![])` when the cell is present but empty ("none").
#[derive(Clone, Debug, PartialEq, Eq, Default, Serialize, Deserialize)]
pub struct UserRow {
    /// 1-based physical line of the record's start in the file (the header is line 1).
    pub line: u64,
    /// 0-based index among the data records (input order).
    pub index: usize,
    /// Identity type; `None` only for `remove` rows where the type was left empty.
    pub identity_type: Option<IdentityType>,
    /// Username as written (trimmed).
    pub username: String,
    /// Domain as written (trimmed); may be empty.
    pub domain: String,
    /// Email as written (trimmed).
    pub email: String,
    /// First name (trimmed); may be empty.
    pub first_name: String,
    /// Last name (trimmed); may be empty.
    pub last_name: String,
    /// Upper-cased ISO 3166-1 alpha-2 code or `UD`; may be empty.
    pub country: String,
    /// Product Configurations.
    pub product_configurations: Option<Vec<String>>,
    /// Admin Roles.
    pub admin_roles: Option<Vec<AdminRole>>,
    /// Product Configurations Administered.
    pub product_configurations_administered: Option<Vec<String>>,
    /// User Groups.
    pub user_groups: Option<Vec<String>>,
    /// User Groups Administered.
    pub user_groups_administered: Option<Vec<String>>,
    /// Products Administered.
    pub products_administered: Option<Vec<String>>,
}

impl UserRow {
    /// How the row names its user when it signs in with a username ([`Login::of`]).
    pub fn login(&self) -> Option<Login> {
        Login::of(self.identity_type, &self.username, &self.domain)
    }
}

/// A Federated ID of a directory that signs in with usernames, as UMAPI names it: `user: <username>`
/// plus `domain` (UMAPI.md 2a, 6a). Such a user is never found by email, in commands or in reads.
#[derive(Clone, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
pub struct Login {
    /// The username: a sign-in name, never an email ([`is_sign_in_name`]).
    pub username: String,
    /// The directory's domain.
    pub domain: String,
}

impl Login {
    /// The login of a Federated ID whose username is a sign-in name, else `None`: Adobe and
    /// Enterprise IDs, and Federated IDs whose username is an email (equal to the email or not), are
    /// named by email (UMAPI.md 6b: an email-type username never names a user in a request).
    pub fn of(identity_type: Option<IdentityType>, username: &str, domain: &str) -> Option<Self> {
        let (username, domain) = (username.trim(), domain.trim());
        (identity_type == Some(IdentityType::FederatedId) && is_sign_in_name(username) && !domain.is_empty())
            .then(|| Self { username: username.to_string(), domain: domain.to_string() })
    }
}

impl fmt::Display for Login {
    fn fmt(&self, formatter: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(formatter, "user {} + domain {}", self.username, self.domain)
    }
}

/// Whether a username is a sign-in name of a directory that signs in with usernames (no `@`), as
/// opposed to an email-type username (UMAPI.md 6a, 6b; the simulator's `login: username`).
pub fn is_sign_in_name(username: &str) -> bool {
    let username = username.trim();
    !username.is_empty() && !username.contains('@')
}

/// One valid row of an invitation CSV (revoke).
#[derive(Clone, Debug, PartialEq, Eq, Default, Serialize, Deserialize)]
pub struct InvitationRow {
    /// 1-based physical line of the record's start.
    pub line: u64,
    /// 0-based index among the data records.
    pub index: usize,
    /// The invited email (trimmed).
    pub email: String,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn identity_type_parses_console_and_wire_spellings_case_insensitively() {
        assert_eq!(IdentityType::from_console(" federated id "), Some(IdentityType::FederatedId));
        assert_eq!(IdentityType::from_console("ENTERPRISEID"), Some(IdentityType::EnterpriseId));
        assert_eq!(IdentityType::from_console("Adobe"), None);
        assert_eq!(IdentityType::from_wire("adobeID"), Some(IdentityType::AdobeId));
        assert_eq!(IdentityType::from_wire("AdobeID"), None);
    }

    #[test]
    fn admin_role_parses_every_console_spelling() {
        for role in AdminRole::ALL {
            assert_eq!(AdminRole::from_console(&role.console_name().to_uppercase()), Some(role));
        }
        assert_eq!(AdminRole::from_console("Org"), None);
    }
}
