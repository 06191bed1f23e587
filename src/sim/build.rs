//! Turns an [`OrgState`] into the live [`Org`] and the [`ClientRegistry`], checking every rule a
//! state must satisfy and reporting all problems at once (each names the entry and its value).
//!
//! The rules are the ones UMAPI itself would enforce on the same data: valid emails and countries,
//! Enterprise and Federated users only in claimed domains of their directory type, group names
//! that exist, no duplicate users, and JWT public keys that parse.

use crate::model::IdentityType;

use super::catalogue::GroupKind;
use super::ims::{ClientRegistry, RegisteredClient};
use super::org::{DomainInfo, NewUser, Org};
use super::rules::{UNDEFINED_COUNTRY, email_domain, email_problem, is_email_like, is_iso_country};
use super::state_file::{Directory, Login, OrgState, UserSpec};

/// Builds the org and its clients, or lists every problem found.
pub(crate) fn build(state: &OrgState) -> Result<(Org, ClientRegistry), Vec<String>> {
    build_with(state, std::iter::empty())
}

/// Like [`build`], with more users after the state's own (generated ones, taken one at a time).
pub(crate) fn build_with(
    state: &OrgState,
    more_users: impl Iterator<Item = UserSpec>,
) -> Result<(Org, ClientRegistry), Vec<String>> {
    let mut problems = Vec::new();
    if state.org_id.trim().is_empty() || !state.org_id.ends_with("@AdobeOrg") {
        problems.push(format!("org_id {:?} is not an org id (hint: they look like 0123ABCD@AdobeOrg)", state.org_id));
    }
    let clients = build_clients(state, &mut problems);
    let mut org = Org::empty(&state.org_id, state.max_user_group_members);
    let claimed = state.domains.iter().map(|domain| (&domain.name, domain.directory, domain.login, false, "domains"));
    let trusted = state
        .trusted_domains
        .iter()
        .map(|domain| (&domain.name, domain.directory, Login::Email, true, "trusted_domains"));
    let mut places = std::collections::HashMap::new();
    for (name, directory, login, trusted, list) in claimed.chain(trusted) {
        let index = places.entry(list).or_insert(0_usize);
        let place = format!("{list}[{index}]");
        *index += 1;
        let lower = name.trim().to_lowercase();
        if email_problem(&format!("x@{lower}")).is_some() {
            problems.push(format!("{place}: {name:?} is not a domain name"));
        } else if login == Login::Username && directory != Directory::Federated {
            problems.push(format!("{place} ({name:?}): only Federated directories sign in with a username"));
        } else if org.domains.insert(lower, DomainInfo { directory, login, trusted }).is_some() {
            problems.push(format!("{place}: {name:?} is listed twice (a domain is claimed or trusted, not both)"));
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
        let id = org.catalogue.add_user_group(&group.name, group.description.clone(), group.read_only);
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
        add_user(&mut org, index, user, &mut problems);
    }
    for (index, user) in more_users.enumerate() {
        add_user(&mut org, state.users.len() + index, &user, &mut problems);
    }
    if problems.is_empty() { Ok((org, clients)) } else { Err(problems) }
}

fn add_user(org: &mut Org, index: usize, user: &UserSpec, problems: &mut Vec<String>) {
    let place = || format!("users[{index}] ({:?})", user.email);
    match user_record(org, user) {
        Ok(record) => {
            let mut groups = Vec::with_capacity(user.groups.len());
            for name in &user.groups {
                match org.catalogue.find(name) {
                    Some(group) => groups.push(group.id),
                    None => problems.push(format!(
                        "{}: group {name:?} does not exist (hint: name a user group, a product configuration or \
                         an admin group such as _admin_<group>)",
                        place()
                    )),
                }
            }
            let id = org.insert_user(record);
            org.add_memberships(id, &groups);
        }
        Err(problem) => problems.push(format!("{}: {problem}", place())),
    }
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

fn user_record(org: &Org, user: &UserSpec) -> Result<NewUser, String> {
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
                match org.domain_info(&checked) {
                    None => {
                        return Err(format!(
                            "domain {checked:?} is not claimed or trusted (hint: add it to \"domains\"; claimed: {})",
                            list_names(org.claimed_domains())
                        ));
                    }
                    Some(info) if info.directory.identity_type() != kind => {
                        return Err(format!(
                            "domain {checked:?} is attached to the {:?} directory, so its users are {}s, not {}s",
                            info.directory,
                            info.directory.identity_type().console_name(),
                            kind.console_name()
                        ));
                    }
                    Some(_) => {}
                }
            }
            let username_login = org.domain_info(&domain).is_some_and(|info| info.login == Login::Username);
            if username_login && is_email_like(&username) {
                return Err(format!(
                    "domain {domain:?} signs in with usernames, so the username cannot be an email (hint: give \
                     \"username\" without @)"
                ));
            }
            if org.find_org_owned_by_email(&user.email).is_some() || org.find_by_login(&username, &domain).is_some() {
                return Err("this user is listed twice".to_string());
            }
        }
    }
    Ok(NewUser {
        kind: user.identity_type,
        email: user.email.clone(),
        username,
        domain,
        firstname: user.firstname.clone(),
        lastname: user.lastname.clone(),
        country,
    })
}
