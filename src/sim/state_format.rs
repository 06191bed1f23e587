//! The JSON format of the org state file, read into an [`OrgState`] and written back (`sim
//! --write-state`). Unknown keys are refused so that typos are caught; every key added since the
//! first format is optional, so older files (samples/org.json) load unchanged. The rules an org
//! must satisfy are [`super::build`]'s; this file only knows shapes. The format is described in
//! docs/simulator.md, "The state file".

use std::path::{Path, PathBuf};

use serde::{Deserialize, Serialize};

use crate::model::IdentityType;
use crate::secret::Secret;

use super::state_file::{
    ApiClient, ClaimedDomain, Directory, Login, MAX_USER_GROUP_MEMBERS, OrgState, ProductConfiguration, StateFileError,
    TechAccount, TrustedDomain, UserGroupSpec, UserSpec,
};

fn is_default<T: Default + PartialEq>(value: &T) -> bool {
    *value == T::default()
}

#[derive(Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
struct FileFormat {
    org_id: String,
    clients: Vec<FileClient>,
    #[serde(default)]
    domains: Vec<FileDomain>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    trusted_domains: Vec<FileTrustedDomain>,
    #[serde(default)]
    product_configurations: Vec<FileProfile>,
    #[serde(default)]
    user_groups: Vec<FileUserGroup>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    max_user_group_members: Option<u64>,
    #[serde(default)]
    users: Vec<FileUser>,
}

#[derive(Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
struct FileClient {
    client_id: String,
    client_secret: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    tech_account_id: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    public_key_file: Option<PathBuf>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    public_key_pem: Option<String>,
}

#[derive(Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
struct FileDomain {
    name: String,
    directory: Directory,
    #[serde(default, skip_serializing_if = "is_default")]
    login: Login,
}

#[derive(Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
struct FileTrustedDomain {
    name: String,
    directory: Directory,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    owner_org: Option<String>,
}

#[derive(Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
struct FileProfile {
    name: String,
    product: String,
    quota: u64,
}

#[derive(Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
struct FileUserGroup {
    name: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    description: Option<String>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    product_configurations: Vec<String>,
    #[serde(default, skip_serializing_if = "is_default")]
    read_only: bool,
}

#[derive(Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
struct FileUser {
    #[serde(rename = "type")]
    identity_type: String,
    email: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    username: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    domain: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    firstname: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    lastname: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    country: Option<String>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
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
    let mut users = Vec::with_capacity(file.users.len());
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
            .map(|domain| ClaimedDomain { name: domain.name, directory: domain.directory, login: domain.login })
            .collect(),
        trusted_domains: file
            .trusted_domains
            .into_iter()
            .map(|domain| TrustedDomain { name: domain.name, directory: domain.directory, owner_org: domain.owner_org })
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
                read_only: group.read_only,
            })
            .collect(),
        users,
        max_user_group_members: file.max_user_group_members.unwrap_or(MAX_USER_GROUP_MEMBERS),
    })
}

/// The state file of an org, as pretty JSON with one user a line (`sim --write-state`). Secrets
/// are written as they are: a state file is the simulator's configuration, like `samples/org.json`.
pub(crate) fn write(state: &OrgState) -> Result<String, serde_json::Error> {
    let file = FileFormat {
        org_id: state.org_id.clone(),
        clients: state
            .clients
            .iter()
            .map(|client| FileClient {
                client_id: client.client_id.clone(),
                client_secret: client.client_secret.expose().to_string(),
                tech_account_id: client.tech_account.as_ref().map(|account| account.id.clone()),
                public_key_file: None,
                public_key_pem: client.tech_account.as_ref().map(|account| account.public_key_pem.clone()),
            })
            .collect(),
        domains: state
            .domains
            .iter()
            .map(|domain| FileDomain { name: domain.name.clone(), directory: domain.directory, login: domain.login })
            .collect(),
        trusted_domains: state
            .trusted_domains
            .iter()
            .map(|domain| FileTrustedDomain {
                name: domain.name.clone(),
                directory: domain.directory,
                owner_org: domain.owner_org.clone(),
            })
            .collect(),
        product_configurations: state
            .product_configurations
            .iter()
            .map(|profile| FileProfile {
                name: profile.name.clone(),
                product: profile.product.clone(),
                quota: profile.quota,
            })
            .collect(),
        user_groups: state
            .user_groups
            .iter()
            .map(|group| FileUserGroup {
                name: group.name.clone(),
                description: group.description.clone(),
                product_configurations: group.product_configurations.clone(),
                read_only: group.read_only,
            })
            .collect(),
        max_user_group_members: (state.max_user_group_members != MAX_USER_GROUP_MEMBERS)
            .then_some(state.max_user_group_members),
        users: Vec::new(),
    };
    let mut head = serde_json::to_string_pretty(&file)?;
    // Users one a line: a few hundred users stay readable and diffable.
    let lines = state
        .users
        .iter()
        .map(|user| {
            serde_json::to_string(&FileUser {
                identity_type: user.identity_type.wire_name().to_string(),
                email: user.email.clone(),
                username: user.username.clone(),
                domain: user.domain.clone(),
                firstname: user.firstname.clone(),
                lastname: user.lastname.clone(),
                country: user.country.clone(),
                groups: user.groups.clone(),
            })
        })
        .collect::<Result<Vec<String>, _>>()?;
    let empty = "\"users\": []";
    if let Some(at) = head.rfind(empty) {
        let body = if lines.is_empty() { String::new() } else { format!("\n    {}\n  ", lines.join(",\n    ")) };
        head.replace_range(at..at + empty.len(), &format!("\"users\": [{body}]"));
    }
    head.push('\n');
    Ok(head)
}

#[cfg(test)]
#[path = "state_format_tests.rs"]
mod tests;
