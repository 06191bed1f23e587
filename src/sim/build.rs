//! Turns an [`OrgState`] into the live [`Org`] and the [`ClientRegistry`], checking every rule a
//! state must satisfy and reporting all problems at once (each names the entry and its value).
//!
//! The rules are the ones UMAPI itself would enforce on the same data: valid emails and countries,
//! Enterprise and Federated users only in claimed domains of their directory type, group names
//! that exist, no duplicate users, and JWT public keys that parse.

use crate::model::IdentityType;

use super::catalogue::GroupKind;
use super::ims::{ClientRegistry, RegisteredClient};
use super::org::{Org, UserRecord, UserRef};
use super::rules::{UNDEFINED_COUNTRY, email_domain, email_problem, is_iso_country};
use super::state_file::{OrgState, UserSpec};

/// Builds the org and its clients, or lists every problem found.
pub(crate) fn build(state: &OrgState) -> Result<(Org, ClientRegistry), Vec<String>> {
    let mut problems = Vec::new();
    if state.org_id.trim().is_empty() || !state.org_id.ends_with("@AdobeOrg") {
        problems.push(format!("org_id {:?} is not an org id (hint: they look like 0123ABCD@AdobeOrg)", state.org_id));
    }
    let clients = build_clients(state, &mut problems);
    let mut org = Org::empty(&state.org_id);
    for (index, domain) in state.domains.iter().enumerate() {
        let name = domain.name.trim().to_lowercase();
        if email_problem(&format!("x@{name}")).is_some() {
            problems.push(format!("domains[{index}]: {:?} is not a domain name", domain.name));
        } else if org.domains.insert(name, domain.directory).is_some() {
            problems.push(format!("domains[{index}]: {:?} is listed twice", domain.name));
        }
    }
    for (index, profile) in state.product_configurations.iter().enumerate() {
        let place = format!("product_configurations[{index}] ({:?})", profile.name);
        if let Some(problem) = group_name_problem(&org, &profile.name) {
            problems.push(format!("{place}: {problem}"));
            continue;
        }
        if profile.product.trim().is_empty() {
            problems.push(format!("{place}: product is empty"));
        }
        org.catalogue.add_profile(&profile.name, &profile.product, profile.quota);
    }
    for (index, group) in state.user_groups.iter().enumerate() {
        let place = format!("user_groups[{index}] ({:?})", group.name);
        if let Some(problem) = group_name_problem(&org, &group.name) {
            problems.push(format!("{place}: {problem}"));
            continue;
        }
        let id = org.catalogue.add_user_group(&group.name, group.description.clone());
        let mut granted = Vec::new();
        for name in &group.product_configurations {
            match org.catalogue.find(name) {
                Some(found) if matches!(found.kind, GroupKind::Profile { .. }) => granted.push(found.id),
                _ => problems.push(format!(
                    "{place}: product configuration {name:?} does not exist (hint: the configurations are {})",
                    list_names(state.product_configurations.iter().map(|profile| profile.name.as_str()))
                )),
            }
        }
        org.set_granted_profiles(id, granted);
    }
    for (index, user) in state.users.iter().enumerate() {
        let place = format!("users[{index}] ({:?})", user.email);
        match user_record(&org, user) {
            Ok(record) => {
                let mut groups = Vec::new();
                for name in &user.groups {
                    match org.catalogue.find(name) {
                        Some(group) => groups.push(group.id),
                        None => problems.push(format!(
                            "{place}: group {name:?} does not exist (hint: name a user group, a product \
                             configuration or an admin group such as _admin_<group>)"
                        )),
                    }
                }
                let id = org.insert_user(record);
                org.add_memberships(id, &groups);
            }
            Err(problem) => problems.push(format!("{place}: {problem}")),
        }
    }
    if problems.is_empty() { Ok((org, clients)) } else { Err(problems) }
}

fn build_clients(state: &OrgState, problems: &mut Vec<String>) -> ClientRegistry {
    if state.clients.is_empty() {
        problems.push("clients: the org needs at least one API client".to_string());
    }
    let mut registry = ClientRegistry::default();
    for (index, client) in state.clients.iter().enumerate() {
        let place = format!("clients[{index}] ({:?})", client.client_id);
        if client.client_id.trim().is_empty() {
            problems.push(format!("clients[{index}]: client_id is empty"));
            continue;
        }
        if registry.get(&client.client_id).is_some() {
            problems.push(format!("{place}: client_id is listed twice"));
            continue;
        }
        if client.client_secret.is_empty() {
            problems.push(format!("{place}: client_secret is empty"));
        }
        let tech_account = match &client.tech_account {
            None => None,
            Some(account) => match jsonwebtoken::DecodingKey::from_rsa_pem(account.public_key_pem.as_bytes()) {
                Ok(key) => Some((account.id.clone(), key)),
                Err(error) => {
                    problems.push(format!("{place}: the public key is not an RSA public key in PEM: {error}"));
                    None
                }
            },
        };
        registry.add(RegisteredClient {
            client_id: client.client_id.clone(),
            client_secret: client.client_secret.clone(),
            tech_account,
        });
    }
    registry
}

fn group_name_problem(org: &Org, name: &str) -> Option<String> {
    if name.trim().is_empty() {
        Some("the name is empty".to_string())
    } else if name.starts_with('_') {
        Some("names starting with _ are reserved for admin groups".to_string())
    } else if org.catalogue.find(name).is_some() {
        Some("a group with this name already exists".to_string())
    } else {
        None
    }
}

fn list_names<'a>(names: impl Iterator<Item = &'a str>) -> String {
    let names: Vec<String> = names.map(|name| format!("{name:?}")).collect();
    if names.is_empty() { "none".to_string() } else { names.join(", ") }
}

fn user_record(org: &Org, user: &UserSpec) -> Result<UserRecord, String> {
    if let Some(problem) = email_problem(&user.email) {
        return Err(problem);
    }
    let username = user.username.clone().unwrap_or_else(|| user.email.clone());
    let domain = user.domain.clone().map_or_else(|| email_domain(&username), |domain| domain.to_lowercase());
    let domain = if domain.is_empty() { email_domain(&user.email) } else { domain };
    let country = user.country.as_ref().map(|country| country.trim().to_uppercase());
    if let Some(country) = &country {
        let undefined_ok = user.identity_type != IdentityType::FederatedId && country == UNDEFINED_COUNTRY;
        if !undefined_ok && !is_iso_country(country) {
            return Err(format!("country {country:?} is not an ISO 3166-1 alpha-2 code"));
        }
    }
    match user.identity_type {
        IdentityType::AdobeId => {
            if org.find_adobe_id(&user.email).is_some() {
                return Err("this Adobe ID is listed twice".to_string());
            }
        }
        kind => {
            if kind == IdentityType::EnterpriseId && !username.eq_ignore_ascii_case(&user.email) {
                return Err("an Enterprise ID's username is its email".to_string());
            }
            for checked in [domain.clone(), email_domain(&user.email)] {
                match org.directory_of(&checked) {
                    None => {
                        return Err(format!(
                            "domain {checked:?} is not claimed (hint: add it to \"domains\"; claimed: {})",
                            list_names(org.domains.keys().map(String::as_str))
                        ));
                    }
                    Some(directory) if directory.identity_type() != kind => {
                        return Err(format!(
                            "domain {checked:?} is attached to the {directory:?} directory, so its users are {}s, \
                             not {}s",
                            directory.identity_type().console_name(),
                            kind.console_name()
                        ));
                    }
                    Some(_) => {}
                }
            }
            let by_email = org.find_org_owned_by_email(&user.email);
            let reference = UserRef { user: username.clone(), domain: Some(domain.clone()), use_adobe_id: false };
            if by_email.is_some() || org.find(&reference).is_some() {
                return Err("this user is listed twice".to_string());
            }
        }
    }
    Ok(UserRecord {
        id: String::new(),
        kind: user.identity_type,
        email: user.email.clone(),
        username,
        domain,
        firstname: user.firstname.clone(),
        lastname: user.lastname.clone(),
        country,
        groups: Vec::new(),
    })
}
