//! What a validated `user` command does to the org (UMAPI.md 2b, 6; D "create option"); the
//! `usergroup` commands are [`super::group_commands`].
//!
//! Steps run in order; the first failing step stops its command, and the steps before it stay
//! applied. In test mode nothing changes; a step on a user (or user group) that does not exist
//! succeeds once its own fields and names check out, which is how a create followed by other steps
//! passes test mode, and why two creates of the same new user pass it too (ActionsRef, "Limitations
//! of Test Mode"). Decisions where UMAPI's documents are thin (docs/simulator.md lists them all):
//! - creating an existing user without `option` is `error.user.already_in_org`;
//! - a user whose username is not an email is named by username + domain only (6a): an email root
//!   does not find them, and a create by that email is `error.user.already_in_org`;
//! - a trustor's user (a trusted domain, 6a) can be added, given memberships, removed from the org,
//!   but not updated or deleted: `error.api.user.not.parent.org`;
//! - adding or removing `_org_admin` is `error.group.invalid_name` (UMAPI cannot grant System admin);
//! - a user-rooted `add`/`remove` of a membership the user already has (or lacks) succeeds: Adobe
//!   documents no error for it (2b) and D relies on add/remove being idempotent; only user-group
//!   commands refuse no-ops ([`super::group_commands`]);
//! - joining or leaving a read-only user group is refused with its `readonly` code from either root
//!   (2c); `remove: "all"` leaves read-only groups (like `_org_admin`) as they are;
//! - `removeFromOrg` always succeeds, even for a user who does not exist.

use crate::model::IdentityType;
use crate::umapi::wire::CreateOption;

use super::catalogue::ORG_ADMIN;
use super::org::{GroupId, NewUser, Org, UserId, UserRef};
use super::rules::{email_domain, is_email_like};
use super::state_file::{Directory, Login};
use super::steps::{CreateFields, ParsedStep, UpdateFields};
use super::validate::{Failure, ParsedCommand, Root};

/// A failure a fault injects into a command: at this step, with this code (steps before it run).
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) struct Injected {
    pub(crate) step: usize,
    pub(crate) code: &'static str,
}

/// The command's target as the steps go.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Target<T> {
    /// Not looked up yet.
    Unresolved,
    /// Exists.
    Existing(T),
    /// Does not exist (test mode treats steps on it as successful).
    Missing,
}

/// A step's failure: UMAPI's code and a message.
pub(crate) type StepResult<T> = Result<T, (&'static str, String)>;

/// Runs one command against the org; `injected` is a fault that strikes at one of its steps.
pub(crate) fn run(
    org: &mut Org,
    command: &ParsedCommand,
    test_mode: bool,
    injected: Option<&Injected>,
) -> Result<(), Failure> {
    let check = |index: usize| match injected {
        Some(injected) if injected.step == index => Err(Failure::at(
            index,
            injected.code,
            "the service failed to apply this step (simulated fault); the steps before it were applied",
        )),
        _ => Ok(()),
    };
    match &command.root {
        Root::User(reference) => run_user(org, reference, &command.steps, test_mode, &check),
        Root::UserGroup(name) => super::group_commands::run(org, name, &command.steps, test_mode, &check),
    }
}

fn run_user(
    org: &mut Org,
    reference: &UserRef,
    steps: &[ParsedStep],
    test_mode: bool,
    check: &dyn Fn(usize) -> Result<(), Failure>,
) -> Result<(), Failure> {
    let mut target = Target::Unresolved;
    for (index, step) in steps.iter().enumerate() {
        check(index)?;
        let fail = |(code, message): (&'static str, String)| Failure::at(index, code, message);
        if let ParsedStep::Create { kind, fields } = step {
            target = create_user(org, reference, *kind, fields, test_mode).map_err(fail)?;
            continue;
        }
        if target == Target::Unresolved {
            target = org.find(reference).map_or(Target::Missing, Target::Existing);
        }
        if let ParsedStep::RemoveFromOrg { delete_account } = step {
            if let Target::Existing(id) = target {
                if *delete_account && org.is_trustor_user(id) {
                    return Err(fail(not_parent_org(org, id)));
                }
                if !test_mode {
                    org.remove_user(id);
                }
            }
            target = Target::Missing;
            continue;
        }
        let user = match target {
            Target::Existing(id) => Some(id),
            _ if test_mode => None,
            _ => return Err(fail(("error.user.nonexistent", format!("User Id does not exist: {}", reference.user)))),
        };
        let outcome = match step {
            ParsedStep::Update(fields) => user.map_or(Ok(()), |id| update_user(org, id, fields, test_mode)),
            ParsedStep::AddGroups(names) => resolve_groups(org, names, true).map(|groups| {
                if let (Some(id), false) = (user, test_mode) {
                    org.add_memberships(id, &groups);
                }
            }),
            ParsedStep::RemoveGroups(names) => resolve_groups(org, names, false).map(|groups| {
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
        outcome.map_err(fail)?;
    }
    Ok(())
}

fn not_parent_org(org: &Org, id: UserId) -> (&'static str, String) {
    let domain = org.user(id).map(|record| record.domain().to_string()).unwrap_or_default();
    (
        "error.api.user.not.parent.org",
        format!("the user belongs to the trusted domain {domain}, whose directory this organization does not own"),
    )
}

fn directory_check(org: &Org, domain: &str, kind: IdentityType) -> StepResult<()> {
    match org.domain_info(domain) {
        None => Err((
            "error.domain.trust.nonexistent",
            format!("Changes to users are only allowed in claimed domains. ({domain} is not claimed)"),
        )),
        Some(info) if info.directory.identity_type() != kind => Err((
            "error.user.type_mismatch",
            format!(
                "{domain} is attached to the {} directory, so it cannot hold {}s",
                match info.directory {
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
            if existing.is_none() && is_email_like(&username) && signs_in_with_username(org, &domain) {
                return Err((
                    "error.user.name.contains.email",
                    format!(
                        "{domain} signs in with usernames: name the user as user: <username> with domain: {domain}, \
                         not by email"
                    ),
                ));
            }
            (username, domain, existing)
        }
    };
    if let Some(id) = existing {
        if reference.domain.is_none() && org.user(id).is_some_and(|record| !record.found_by_email()) {
            let (username, domain) =
                org.user(id).map(|record| (record.username().to_string(), record.domain().to_string())).unzip();
            return Err((
                "error.user.already_in_org",
                format!(
                    "{} belongs to a user who signs in with the username {} in {}; name them as user + domain",
                    fields.email,
                    username.unwrap_or_default(),
                    domain.unwrap_or_default()
                ),
            ));
        }
        return match fields.option {
            None => Err((
                "error.user.already_in_org",
                format!("User already exists in the organization: {} ({})", fields.email, kind.console_name()),
            )),
            Some(CreateOption::IgnoreIfAlreadyExists) => Ok(Target::Existing(id)),
            Some(CreateOption::UpdateIfAlreadyExists) => {
                if kind != IdentityType::AdobeId && org.is_trustor_user(id) {
                    return Err(not_parent_org(org, id));
                }
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
    let id = org.insert_user(NewUser {
        kind,
        email: fields.email.clone(),
        username,
        domain,
        firstname: fields.firstname.clone(),
        lastname: fields.lastname.clone(),
        country: fields.country.clone(),
    });
    Ok(Target::Existing(id))
}

fn signs_in_with_username(org: &Org, domain: &str) -> bool {
    org.domain_info(domain).is_some_and(|info| info.login == Login::Username)
}

fn update_user(org: &mut Org, id: UserId, fields: &UpdateFields, test_mode: bool) -> StepResult<()> {
    let Some(record) = org.user(id) else { return Ok(()) };
    if record.kind == IdentityType::AdobeId {
        return Err((
            "error.update.adobeid.no",
            format!("The operation in the command cannot be applied to an Adobe ID: {}", record.email()),
        ));
    }
    if org.is_trustor_user(id) {
        return Err(not_parent_org(org, id));
    }
    let kind = record.kind;
    let old_email = record.email().to_string();
    let mut email = old_email.clone();
    let mut username = record.username().to_string();
    let mut domain = record.domain().to_string();
    if let Some(new_email) = &fields.email
        && new_email != &old_email
    {
        if new_email.eq_ignore_ascii_case(&old_email) {
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
            Some(directory) if directory.identity_type() != kind => {
                return Err((
                    "error.user.change_domain_update.no",
                    format!("{new_domain} is in another directory than {domain}"),
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
        if kind == IdentityType::EnterpriseId || username.eq_ignore_ascii_case(&old_email) {
            username = new_email.clone();
            domain = new_domain;
        }
        email = new_email.clone();
    }
    if let Some(new_username) = &fields.username
        && new_username != &username
    {
        if kind == IdentityType::EnterpriseId {
            return Err((
                "error.update.username.no",
                "The user name cannot be updated. However, changing the email changes the user login name.".to_string(),
            ));
        }
        if is_email_like(new_username) {
            if signs_in_with_username(org, &domain) {
                return Err((
                    "error.user.name.contains.email",
                    format!("{domain} signs in with usernames, which cannot look like an email ({new_username})"),
                ));
            }
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
    let changed = org
        .user(id)
        .is_some_and(|record| email != record.email() || username != record.username() || domain != record.domain());
    if changed {
        org.reidentify(id, email, username, domain);
    }
    org.rename_person(id, fields.firstname.as_deref(), fields.lastname.as_deref());
    Ok(())
}

/// Names to group ids for a user-rooted `add` (`joining`) or `remove`: every name must exist, none
/// may be `_org_admin`, and read-only user groups cannot be joined or left.
fn resolve_groups(org: &Org, names: &[String], joining: bool) -> StepResult<Vec<GroupId>> {
    names
        .iter()
        .map(|name| match org.catalogue.find(name) {
            None => Err(("error.group.not_found", format!("Group {name} was not found"))),
            Some(group) if group.name == ORG_ADMIN => Err((
                "error.group.invalid_name",
                format!("{ORG_ADMIN} (System administrator) cannot be assigned or removed through UMAPI"),
            )),
            Some(group) if org.catalogue.is_read_only(group.id) => Err(if joining {
                ("error.usergroup.readonly.add_user_not_allowed", format!("{name} is read-only: users cannot be added"))
            } else {
                (
                    "error.usergroup.readonly.remove_user_not_allowed",
                    format!("{name} is read-only: users cannot be removed"),
                )
            }),
            Some(group) => Ok(group.id),
        })
        .collect()
}
