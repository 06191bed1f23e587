//! What a validated command does to the org (UMAPI.md 2b, 2c, 6; D "create option", "identity").
//!
//! Steps run in order; the first failing step stops its command, and the steps before it stay
//! applied. In test mode nothing changes; a step on a user (or user group) that does not exist
//! succeeds once its own fields and names check out, which is how a create followed by other steps
//! passes test mode, and why two creates of the same new user pass it too (ActionsRef, "Limitations
//! of Test Mode"). Decisions where UMAPI's documents are thin:
//! - creating an existing user without `option` is `error.user.already_in_org`;
//! - adding or removing `_org_admin` is `error.group.invalid_name` (UMAPI cannot grant System admin);
//! - `removeFromOrg` always succeeds, even for a user who does not exist;
//! - `createUserGroup` on an existing group without `option` updates its description (doc text).

use crate::model::IdentityType;
use crate::umapi::wire::CreateOption;

use super::catalogue::{GroupKind, ORG_ADMIN};
use super::org::{GroupId, Org, UserId, UserRecord, UserRef};
use super::rules::{email_domain, is_email_like};
use super::state_file::Directory;
use super::steps::{CreateFields, ParsedStep, UpdateFields};
use super::validate::{Failure, ParsedCommand, Root};

/// The command's target as the steps go.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Target<T> {
    /// Not looked up yet.
    Unresolved,
    /// Exists.
    Existing(T),
    /// Does not exist (test mode treats steps on it as successful).
    Missing,
}

/// Runs one command against the org.
pub(crate) fn run(org: &mut Org, command: &ParsedCommand, test_mode: bool) -> Result<(), Failure> {
    match &command.root {
        Root::User(reference) => run_user(org, reference, &command.steps, test_mode),
        Root::UserGroup(name) => run_user_group(org, name, &command.steps, test_mode),
    }
}

fn run_user(org: &mut Org, reference: &UserRef, steps: &[ParsedStep], test_mode: bool) -> Result<(), Failure> {
    let mut target = Target::Unresolved;
    for (index, step) in steps.iter().enumerate() {
        if let ParsedStep::Create { kind, fields } = step {
            target = create_user(org, reference, *kind, fields, test_mode)
                .map_err(|(code, message)| Failure::at(index, code, message))?;
            continue;
        }
        if target == Target::Unresolved {
            target = org.find(reference).map_or(Target::Missing, Target::Existing);
        }
        if let ParsedStep::RemoveFromOrg { .. } = step {
            if let (Target::Existing(id), false) = (target, test_mode) {
                org.remove_user(id);
            }
            target = Target::Missing;
            continue;
        }
        let user = match target {
            Target::Existing(id) => Some(id),
            _ if test_mode => None,
            _ => {
                return Err(Failure::at(
                    index,
                    "error.user.nonexistent",
                    format!("User Id does not exist: {}", reference.user),
                ));
            }
        };
        let outcome = match step {
            ParsedStep::Update(fields) => user.map_or(Ok(()), |id| update_user(org, id, fields, test_mode)),
            ParsedStep::AddGroups(names) => resolve_groups(org, names).map(|groups| {
                if let (Some(id), false) = (user, test_mode) {
                    org.add_memberships(id, &groups);
                }
            }),
            ParsedStep::RemoveGroups(names) => resolve_groups(org, names).map(|groups| {
                if let (Some(id), false) = (user, test_mode) {
                    org.remove_memberships(id, &groups);
                }
            }),
            ParsedStep::RemoveAll => {
                if let (Some(id), false) = (user, test_mode) {
                    org.remove_all_memberships(id);
                }
                Ok(())
            }
            _ => Err(("error.command.step.unknown", "this step does not apply to a user".to_string())),
        };
        outcome.map_err(|(code, message)| Failure::at(index, code, message))?;
    }
    Ok(())
}

type StepResult<T> = Result<T, (&'static str, String)>;

fn directory_check(org: &Org, domain: &str, kind: IdentityType) -> StepResult<()> {
    match org.directory_of(domain) {
        None => Err((
            "error.domain.trust.nonexistent",
            format!("Changes to users are only allowed in claimed domains. ({domain} is not claimed)"),
        )),
        Some(directory) if directory.identity_type() != kind => Err((
            "error.user.type_mismatch",
            format!(
                "{domain} is attached to the {} directory, so it cannot hold {}s",
                match directory {
                    Directory::Enterprise => "Enterprise",
                    Directory::Federated => "Federated",
                },
                kind.console_name()
            ),
        )),
        Some(_) => Ok(()),
    }
}

fn create_user(
    org: &mut Org,
    reference: &UserRef,
    kind: IdentityType,
    fields: &CreateFields,
    test_mode: bool,
) -> StepResult<Target<UserId>> {
    let email_domain_name = email_domain(&fields.email);
    let (username, domain, existing) = match kind {
        IdentityType::AdobeId => (fields.email.clone(), email_domain_name, org.find_adobe_id(&fields.email)),
        IdentityType::EnterpriseId => {
            directory_check(org, &email_domain_name, kind)?;
            (fields.email.clone(), email_domain_name, org.find_org_owned_by_email(&fields.email))
        }
        IdentityType::FederatedId => {
            let (username, domain) = match &reference.domain {
                Some(domain) => (reference.user.clone(), domain.to_lowercase()),
                None => (fields.email.clone(), email_domain_name.clone()),
            };
            directory_check(org, &domain, kind)?;
            directory_check(org, &email_domain_name, kind)?;
            let existing = org.find_by_login(&username, &domain).or_else(|| org.find_org_owned_by_email(&fields.email));
            (username, domain, existing)
        }
    };
    if let Some(id) = existing {
        return match fields.option {
            None => Err((
                "error.user.already_in_org",
                format!("User already exists in the organization: {} ({})", fields.email, kind.console_name()),
            )),
            Some(CreateOption::IgnoreIfAlreadyExists) => Ok(Target::Existing(id)),
            Some(CreateOption::UpdateIfAlreadyExists) => {
                if !test_mode && kind != IdentityType::AdobeId {
                    org.rename_person(id, fields.firstname.as_deref(), fields.lastname.as_deref());
                }
                Ok(Target::Existing(id))
            }
        };
    }
    if test_mode {
        return Ok(Target::Missing);
    }
    let id = org.insert_user(UserRecord {
        id: String::new(),
        kind,
        email: fields.email.clone(),
        username,
        domain,
        firstname: fields.firstname.clone(),
        lastname: fields.lastname.clone(),
        country: fields.country.clone(),
        groups: Vec::new(),
    });
    Ok(Target::Existing(id))
}

fn update_user(org: &mut Org, id: UserId, fields: &UpdateFields, test_mode: bool) -> StepResult<()> {
    let Some(record) = org.user(id).cloned() else { return Ok(()) };
    if record.kind == IdentityType::AdobeId {
        return Err((
            "error.update.adobeid.no",
            format!("The operation in the command cannot be applied to an Adobe ID: {}", record.email),
        ));
    }
    let mut email = record.email.clone();
    let mut username = record.username.clone();
    let mut domain = record.domain.clone();
    if let Some(new_email) = &fields.email
        && new_email != &record.email
    {
        if new_email.eq_ignore_ascii_case(&record.email) {
            return Err((
                "error.update.no",
                format!(
                    "the email {new_email:?} differs only in letter case; email is a case-sensitive identifier that cannot be changed that way"
                ),
            ));
        }
        let new_domain = email_domain(new_email);
        match org.directory_of(&new_domain) {
            None => {
                return Err((
                    "error.domain.trust.nonexistent",
                    format!("Changes to users are only allowed in claimed domains. ({new_domain} is not claimed)"),
                ));
            }
            Some(directory) if directory.identity_type() != record.kind => {
                return Err((
                    "error.user.change_domain_update.no",
                    format!("{new_domain} is in another directory than {}", record.domain),
                ));
            }
            Some(_) => {}
        }
        if org.find_org_owned_by_email(new_email).is_some_and(|other| other != id) {
            return Err((
                "error.user.email.name_in_use",
                format!("the email {new_email} is already used by another user"),
            ));
        }
        let email_login =
            record.kind == IdentityType::EnterpriseId || record.username.eq_ignore_ascii_case(&record.email);
        if email_login {
            username = new_email.clone();
            domain = new_domain;
        }
        email = new_email.clone();
    }
    if let Some(new_username) = &fields.username
        && new_username != &username
    {
        if record.kind == IdentityType::EnterpriseId {
            return Err((
                "error.update.username.no",
                "The user name cannot be updated. However, changing the email changes the user login name.".to_string(),
            ));
        }
        if is_email_like(new_username) {
            let username_domain = email_domain(new_username);
            if org.directory_of(&username_domain) != Some(Directory::Federated) {
                return Err((
                    "error.update.domain.mismatch",
                    format!("the username's domain {username_domain} is not a claimed Federated domain"),
                ));
            }
        }
        if org.find_by_login(new_username, &domain).is_some_and(|other| other != id) {
            return Err((
                "error.user.name_in_use",
                format!("the username {new_username} is already in use in {domain}"),
            ));
        }
        username = new_username.clone();
    }
    if test_mode {
        return Ok(());
    }
    if email != record.email || username != record.username || domain != record.domain {
        org.reidentify(id, email, username, domain);
    }
    org.rename_person(id, fields.firstname.as_deref(), fields.lastname.as_deref());
    Ok(())
}

/// Names to group ids; every name must exist and none may be `_org_admin`.
fn resolve_groups(org: &Org, names: &[String]) -> StepResult<Vec<GroupId>> {
    names
        .iter()
        .map(|name| match org.catalogue.find(name) {
            None => Err(("error.group.not_found", format!("Group {name} was not found"))),
            Some(group) if group.name == ORG_ADMIN => Err((
                "error.group.invalid_name",
                format!("{ORG_ADMIN} (System administrator) cannot be assigned or removed through UMAPI"),
            )),
            Some(group) => Ok(group.id),
        })
        .collect()
}

fn find_user_group(org: &Org, name: &str) -> Option<GroupId> {
    org.catalogue.find(name).filter(|group| matches!(group.kind, GroupKind::UserGroup { .. })).map(|group| group.id)
}

fn run_user_group(org: &mut Org, name: &str, steps: &[ParsedStep], test_mode: bool) -> Result<(), Failure> {
    let mut target = Target::Unresolved;
    for (index, step) in steps.iter().enumerate() {
        let fail = |code: &'static str, message: String| Failure::at(index, code, message);
        if let ParsedStep::CreateUserGroup { description, option } = step {
            target = match (find_user_group(org, name), org.catalogue.find(name)) {
                (Some(id), _) => {
                    if option != &Some(CreateOption::IgnoreIfAlreadyExists) && !test_mode {
                        set_description(org, id, description.clone());
                    }
                    Target::Existing(id)
                }
                (None, Some(other)) => {
                    return Err(fail(
                        "error.usergroup.already_exists",
                        format!("{name} already exists as a {} and cannot be a user group", other.kind.wire_type()),
                    ));
                }
                (None, None) if test_mode => Target::Missing,
                (None, None) => Target::Existing(org.catalogue.add_user_group(name, description.clone())),
            };
            continue;
        }
        if target == Target::Unresolved {
            target = find_user_group(org, name).map_or(Target::Missing, Target::Existing);
        }
        let group = match target {
            Target::Existing(id) => Some(id),
            _ if test_mode => None,
            _ => return Err(fail("error.user.not_found", format!("User group {name} was not found"))),
        };
        match step {
            ParsedStep::UpdateUserGroup { name: new_name, description } => {
                if let Some(new_name) = new_name
                    && let Some(other) = org.catalogue.find(new_name)
                    && Some(other.id) != group
                {
                    return Err(fail(
                        "error.usergroup.already_exists",
                        format!("a group named {new_name} already exists"),
                    ));
                }
                if let (Some(id), false) = (group, test_mode) {
                    if let Some(new_name) = new_name {
                        org.catalogue.rename_user_group(id, new_name);
                    }
                    if description.is_some() {
                        set_description(org, id, description.clone());
                    }
                }
            }
            ParsedStep::DeleteUserGroup => {
                if let (Some(id), false) = (group, test_mode) {
                    org.delete_user_group(id);
                }
                // No further steps are performed after deleteUserGroup.
                return Ok(());
            }
            ParsedStep::GroupMembers { add, users, profiles } => {
                group_members(org, group, *add, users, profiles, test_mode)
                    .map_err(|(code, message)| fail(code, message))?;
            }
            _ => {
                return Err(fail("error.command.step.unknown", "this step does not apply to a user group".to_string()));
            }
        }
    }
    Ok(())
}

fn set_description(org: &mut Org, id: GroupId, description: Option<String>) {
    if let Some(record) = org.catalogue.get_mut(id)
        && let GroupKind::UserGroup { description: current, .. } = &mut record.kind
        && description.is_some()
    {
        *current = description;
    }
}

fn group_members(
    org: &mut Org,
    group: Option<GroupId>,
    add: bool,
    users: &[String],
    profiles: &[String],
    test_mode: bool,
) -> StepResult<()> {
    let mut profile_ids = Vec::new();
    for name in profiles {
        match org.catalogue.find(name) {
            Some(found) if matches!(found.kind, GroupKind::Profile { .. }) => profile_ids.push(found.id),
            _ => return Err(("error.group.not_found", format!("Group {name} was not found"))),
        }
    }
    let mut user_ids = Vec::new();
    for user in users {
        let reference = UserRef { user: user.clone(), domain: None, use_adobe_id: false };
        match org.find(&reference) {
            Some(id) => user_ids.push(id),
            None if test_mode => {}
            None => return Err(("error.user.nonexistent", format!("User Id does not exist: {user}"))),
        }
    }
    let Some(group) = group.filter(|_| !test_mode) else { return Ok(()) };
    for user in user_ids {
        if add {
            org.add_memberships(user, &[group]);
        } else {
            org.remove_memberships(user, &[group]);
        }
    }
    if !profile_ids.is_empty() {
        let mut granted = org.catalogue.granted_by(group).to_vec();
        if add {
            for profile in profile_ids {
                if !granted.contains(&profile) {
                    granted.push(profile);
                }
            }
        } else {
            granted.retain(|profile| !profile_ids.contains(profile));
        }
        org.set_granted_profiles(group, granted);
    }
    Ok(())
}
