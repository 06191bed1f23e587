//! The org state file (`samples/org.json`, `sim --state FILE`): its JSON format, how it is read,
//! and [`OrgState`], the org description the simulator starts from.
//!
//! This file owns the format and the read; the rules an org must satisfy (groups exist, domains
//! claimed, ...) are checked by [`super::org::Org::build`] so that an `OrgState` built in code is
//! held to the same rules. It never touches the network and never prints.
//!
//! The format is written by hand: clients, claimed domains with their directory type, product
//! configurations with their licence quota, user groups with the configurations they grant, and
//! users with their groups (samples/README.md, "The org state file").

use std::path::{Path, PathBuf};

use serde::Deserialize;

use crate::model::IdentityType;
use crate::secret::Secret;

/// An org as the simulator serves it: loaded from a state file with [`super::load_state`] or built
/// in code. Users' group lists and their order are the licences' order of arrival.
#[derive(Clone, Debug)]
pub struct OrgState {
    /// `<hex>@AdobeOrg`.
    pub org_id: String,
    /// API clients; the first one is what [`super::SimHandle::client_config`] uses.
    pub clients: Vec<ApiClient>,
    /// Domains the org has claimed, with their directory type.
    pub domains: Vec<ClaimedDomain>,
    /// Product configurations (profiles) with their product and licence quota.
    pub product_configurations: Vec<ProductConfiguration>,
    /// User groups and the product configurations they grant.
    pub user_groups: Vec<UserGroupSpec>,
    /// Users, in order of arrival.
    pub users: Vec<UserSpec>,
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

/// The directory a claimed domain is attached to, which decides the identity type of its users.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Deserialize)]
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

/// A claimed domain.
#[derive(Clone, Debug)]
pub struct ClaimedDomain {
    /// The domain, e.g. `example.com`.
    pub name: String,
    /// Its directory type.
    pub directory: Directory,
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
        "{path}:{line}:{column}: {message}\nhint: the format is described in samples/README.md, \"The org state file\""
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

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct FileFormat {
    org_id: String,
    clients: Vec<FileClient>,
    #[serde(default)]
    domains: Vec<FileDomain>,
    #[serde(default)]
    product_configurations: Vec<FileProfile>,
    #[serde(default)]
    user_groups: Vec<FileUserGroup>,
    #[serde(default)]
    users: Vec<FileUser>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct FileClient {
    client_id: String,
    client_secret: String,
    #[serde(default)]
    tech_account_id: Option<String>,
    #[serde(default)]
    public_key_file: Option<PathBuf>,
    #[serde(default)]
    public_key_pem: Option<String>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct FileDomain {
    name: String,
    directory: Directory,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct FileProfile {
    name: String,
    product: String,
    quota: u64,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct FileUserGroup {
    name: String,
    #[serde(default)]
    description: Option<String>,
    #[serde(default)]
    product_configurations: Vec<String>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct FileUser {
    #[serde(rename = "type")]
    identity_type: String,
    email: String,
    #[serde(default)]
    username: Option<String>,
    #[serde(default)]
    domain: Option<String>,
    #[serde(default)]
    firstname: Option<String>,
    #[serde(default)]
    lastname: Option<String>,
    #[serde(default)]
    country: Option<String>,
    #[serde(default)]
    groups: Vec<String>,
}

/// Reads a state file. `public_key_file` paths are relative to the state file's folder.
pub(crate) fn read(path: &Path) -> Result<OrgState, StateFileError> {
    let text =
        std::fs::read_to_string(path).map_err(|source| StateFileError::Read { path: path.to_path_buf(), source })?;
    let base = path.parent().map(Path::to_path_buf).unwrap_or_default();
    parse(&text, path, &|key: &Path| std::fs::read_to_string(base.join(key)).map_err(|error| (base.join(key), error)))
}

/// Reads a `public_key_file` (a path relative to the state file) or says which path failed.
pub(crate) type KeyReader<'a> = &'a dyn Fn(&Path) -> Result<String, (PathBuf, std::io::Error)>;

/// Parses state-file text. `origin` names the file in messages; `read_key` reads a
/// `public_key_file` (tests and the embedded demo pass their own).
pub(crate) fn parse(text: &str, origin: &Path, read_key: KeyReader<'_>) -> Result<OrgState, StateFileError> {
    let file: FileFormat = serde_json::from_str(text).map_err(|error| StateFileError::Syntax {
        path: origin.to_path_buf(),
        line: error.line(),
        column: error.column(),
        message: error.to_string(),
    })?;
    let mut problems = Vec::new();
    let mut clients = Vec::new();
    for (index, client) in file.clients.into_iter().enumerate() {
        let key = match (client.public_key_pem, client.public_key_file) {
            (Some(pem), None) => Some(pem),
            (None, Some(key_path)) => Some(read_key(&key_path).map_err(|(key_path, source)| {
                StateFileError::KeyFile { path: origin.to_path_buf(), index, key_path, source }
            })?),
            (None, None) => None,
            (Some(_), Some(_)) => {
                problems.push(format!(
                    "clients[{index}] ({:?}): give public_key_file or public_key_pem, not both",
                    client.client_id
                ));
                None
            }
        };
        let tech_account = match (client.tech_account_id, key) {
            (Some(id), Some(public_key_pem)) => Some(TechAccount { id, public_key_pem }),
            (None, None) => None,
            (Some(_), None) | (None, Some(_)) => {
                problems.push(format!(
                    "clients[{index}] ({:?}): a JWT technical account needs both tech_account_id and a public key",
                    client.client_id
                ));
                None
            }
        };
        clients.push(ApiClient {
            client_id: client.client_id,
            client_secret: Secret::new(client.client_secret),
            tech_account,
        });
    }
    let mut users = Vec::new();
    for (index, user) in file.users.into_iter().enumerate() {
        let Some(identity_type) = IdentityType::from_console(&user.identity_type) else {
            problems.push(format!(
                "users[{index}] ({:?}): type {:?} is not an identity type (use adobeID, enterpriseID or federatedID, \
                 or the Console's \"Adobe ID\", \"Enterprise ID\", \"Federated ID\")",
                user.email, user.identity_type
            ));
            continue;
        };
        users.push(UserSpec {
            identity_type,
            email: user.email,
            username: user.username,
            domain: user.domain,
            firstname: user.firstname,
            lastname: user.lastname,
            country: user.country,
            groups: user.groups,
        });
    }
    if !problems.is_empty() {
        return Err(StateFileError::Invalid { origin: origin.display().to_string(), problems });
    }
    Ok(OrgState {
        org_id: file.org_id,
        clients,
        domains: file
            .domains
            .into_iter()
            .map(|domain| ClaimedDomain { name: domain.name, directory: domain.directory })
            .collect(),
        product_configurations: file
            .product_configurations
            .into_iter()
            .map(|profile| ProductConfiguration { name: profile.name, product: profile.product, quota: profile.quota })
            .collect(),
        user_groups: file
            .user_groups
            .into_iter()
            .map(|group| UserGroupSpec {
                name: group.name,
                description: group.description,
                product_configurations: group.product_configurations,
            })
            .collect(),
        users,
    })
}

#[cfg(test)]
mod tests {
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
}
