//! [`OrgState`], the org description the simulator starts from, and the errors of reading one.
//! The JSON format of the state file (`samples/org.json`, `sim --state FILE`) and its reader and
//! writer are in [`super::state_format`]; the rules an org must satisfy (groups exist, domains
//! claimed, ...) are checked by [`super::build`] so that an `OrgState` built in code is held to
//! the same rules. Nothing here touches the network or prints.
//!
//! The format is written by hand: clients, claimed domains with their directory type (and, for
//! Federated directories, whether users sign in with their email or a username), trusted domains
//! of other orgs, product configurations with their licence quota, user groups with the
//! configurations they grant (some read-only), users with their groups, and the user-group member
//! cap (docs/simulator.md, "The state file").

use std::path::PathBuf;

use serde::{Deserialize, Serialize};

use crate::model::IdentityType;
use crate::secret::Secret;

/// Adobe's cap on the members of a user group for `usergroup` `add` (UMAPI.md 2c, 2d).
pub const MAX_USER_GROUP_MEMBERS: u64 = 200_000;

/// An org as the simulator serves it: loaded from a state file with [`super::load_state`], built
/// in code, or generated ([`super::synthetic_state`]). Users' group lists and their order are the
/// licences' order of arrival.
#[derive(Clone, Debug)]
pub struct OrgState {
    /// `<hex>@AdobeOrg`.
    pub org_id: String,
    /// API clients; the first one is what [`super::SimHandle::client_config`] uses.
    pub clients: Vec<ApiClient>,
    /// Domains the org has claimed, with their directory type.
    pub domains: Vec<ClaimedDomain>,
    /// Domains of other orgs' directories this org is trusted to use (UMAPI.md 6a).
    pub trusted_domains: Vec<TrustedDomain>,
    /// Product configurations (profiles) with their product and licence quota.
    pub product_configurations: Vec<ProductConfiguration>,
    /// User groups and the product configurations they grant.
    pub user_groups: Vec<UserGroupSpec>,
    /// Users, in order of arrival.
    pub users: Vec<UserSpec>,
    /// Most members a `usergroup` `add` may bring a user group to (Adobe: 200,000).
    pub max_user_group_members: u64,
}

/// An API client (OAuth Server-to-Server credential), optionally with a JWT technical account.
#[derive(Clone, Debug)]
pub struct ApiClient {
    /// The client id, also the `X-Api-Key`.
    pub client_id: String,
    /// The client secret.
    pub client_secret: Secret,
    /// The legacy JWT technical account of this client, if it has one.
    pub tech_account: Option<TechAccount>,
}

/// A JWT technical account: its id and the public key its JWTs are verified with.
#[derive(Clone, Debug)]
pub struct TechAccount {
    /// `...@techacct.adobe.com`, the JWT's `sub`.
    pub id: String,
    /// The RSA public key, PEM (`BEGIN PUBLIC KEY` or `BEGIN RSA PUBLIC KEY`).
    pub public_key_pem: String,
}

/// The directory a domain is attached to, which decides the identity type of its users.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Deserialize, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Directory {
    /// Enterprise IDs (hosted by Adobe).
    Enterprise,
    /// Federated IDs (the org's SAML identity provider).
    Federated,
}

impl Directory {
    /// The identity type whose users live in this directory.
    pub fn identity_type(self) -> IdentityType {
        match self {
            Self::Enterprise => IdentityType::EnterpriseId,
            Self::Federated => IdentityType::FederatedId,
        }
    }
}

/// How the users of a directory sign in (UMAPI.md 6a).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Deserialize, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Login {
    /// With their email (the default; a username, if set, is email-like).
    #[default]
    Email,
    /// With a username that is not an email (Federated directories only): such users are named
    /// by `user: <username>` plus `domain` in every command and read.
    Username,
}

/// A claimed domain.
#[derive(Clone, Debug)]
pub struct ClaimedDomain {
    /// The domain, e.g. `example.com`.
    pub name: String,
    /// Its directory type.
    pub directory: Directory,
    /// How its users sign in.
    pub login: Login,
}

/// A domain of another org's directory that this org is trusted to use (the other org is the
/// trustor and owns the accounts; this org, the trustee, may add them and remove them but not
/// update or delete them).
#[derive(Clone, Debug)]
pub struct TrustedDomain {
    /// The domain, e.g. `partner.example`.
    pub name: String,
    /// The trustor's directory type.
    pub directory: Directory,
    /// The trustor org's id, for messages (optional).
    pub owner_org: Option<String>,
}

/// A product configuration (product profile).
#[derive(Clone, Debug)]
pub struct ProductConfiguration {
    /// The configuration's name, e.g. `Photoshop - Default`.
    pub name: String,
    /// The product, e.g. `Photoshop`.
    pub product: String,
    /// Licences available; members beyond it are `inactive`.
    pub quota: u64,
}

/// A user group.
#[derive(Clone, Debug)]
pub struct UserGroupSpec {
    /// The group's name.
    pub name: String,
    /// Its description.
    pub description: Option<String>,
    /// Product configurations its members get.
    pub product_configurations: Vec<String>,
    /// A shared (read-only) group: its members and name cannot change through UMAPI, its product
    /// configurations can (UMAPI.md 2c).
    pub read_only: bool,
}

/// A user of the org.
#[derive(Clone, Debug)]
pub struct UserSpec {
    /// Adobe ID, Enterprise ID or Federated ID.
    pub identity_type: IdentityType,
    /// The email.
    pub email: String,
    /// The username; defaults to the email.
    pub username: Option<String>,
    /// The directory domain; defaults to the email's domain.
    pub domain: Option<String>,
    /// First name.
    pub firstname: Option<String>,
    /// Last name.
    pub lastname: Option<String>,
    /// ISO 3166-1 alpha-2 country (or `UD`).
    pub country: Option<String>,
    /// User groups, product configurations and admin groups (`_admin_<group>`, ...), in order.
    pub groups: Vec<String>,
}

/// Why a state file cannot be used.
#[derive(Debug, thiserror::Error)]
pub enum StateFileError {
    /// The file cannot be read.
    #[error("cannot read the org state file {path}: {source}")]
    Read {
        /// The file.
        path: PathBuf,
        /// The I/O error.
        source: std::io::Error,
    },
    /// The file is not JSON of the expected shape.
    #[error(
        "{path}:{line}:{column}: {message}\nhint: the format is described in docs/simulator.md, \"The state file\""
    )]
    Syntax {
        /// The file.
        path: PathBuf,
        /// 1-based line.
        line: usize,
        /// 1-based column.
        column: usize,
        /// What serde said.
        message: String,
    },
    /// A public key file named by a client cannot be read.
    #[error("{path}: clients[{index}]: cannot read public_key_file {key_path}: {source}")]
    KeyFile {
        /// The state file.
        path: PathBuf,
        /// The client's index.
        index: usize,
        /// The key file as resolved.
        key_path: PathBuf,
        /// The I/O error.
        source: std::io::Error,
    },
    /// The org breaks one or more rules; every problem is listed.
    #[error("{} has {} problem(s):\n{}", origin, problems.len(), problems.iter().map(|problem| format!("  {problem}")).collect::<Vec<_>>().join("\n"))]
    Invalid {
        /// The file (or `<in-memory org>`).
        origin: String,
        /// One line per problem: where, what, and a hint when there is one.
        problems: Vec<String>,
    },
}
