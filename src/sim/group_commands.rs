//! What a validated `usergroup` command does to the org (UMAPI.md 2c, 3b "User groups").
//!
//! - `createUserGroup` makes the group; on an existing group it updates the description unless
//!   `ignoreIfAlreadyExists` (doc text).
//! - `updateUserGroup` renames and re-describes; `deleteUserGroup` deletes and ends the command.
//! - `add`/`remove` change the group's users (named by email, 2c) and the product configurations
//!   it grants. Adobe refuses membership no-ops: adding a user who is already a member is
//!   `error.user.already_exists`, removing one who is not is `error.usergroup.user_list.invalid`
//!   (3b). Decision where Adobe is silent: the step is checked as a whole before anything of it is
//!   applied, so a refused step changes nothing (an answer reports steps, not the users of a step).
//!   Granting a configuration the group already grants, or withdrawing one it does not, succeeds.
//! - A read-only (shared) group refuses member changes (`error.usergroup.readonly.add_user_not_allowed`,
//!   `..remove_user_not_allowed`), renames and description changes (`..update_not_allowed`) and
//!   deletion (`..remove_not_allowed`), but its configurations can still be added and removed.
//! - `add` may not take a group beyond the org's member cap (Adobe: 200,000):
//!   `error.usergroup.exceeds_maximum_member_count`.

use crate::umapi::wire::CreateOption;

use super::catalogue::GroupKind;
use super::commands::{StepResult, Target};
use super::org::{GroupId, Org, UserId};
use super::rules::is_email_like;
use super::steps::ParsedStep;
use super::validate::Failure;

fn find_user_group(org: &Org, name: &str) -> Option<GroupId> {
    org.catalogue.find(name).filter(|group| matches!(group.kind, GroupKind::UserGroup { .. })).map(|group| group.id)
}

fn read_only(org: &Org, group: Option<GroupId>) -> bool {
    group.is_some_and(|group| org.catalogue.is_read_only(group))
}

/// Runs the steps of a `usergroup` command.
pub(crate) fn run(
    org: &mut Org,
    name: &str,
    steps: &[ParsedStep],
    test_mode: bool,
    check: &dyn Fn(usize) -> Result<(), Failure>,
) -> Result<(), Failure> {
    let mut target = Target::Unresolved;
    for (index, step) in steps.iter().enumerate() {
        check(index)?;
        let fail = |code: &'static str, message: String| Failure::at(index, code, message);
        if let ParsedStep::CreateUserGroup { description, option } = step {
            target = match (find_user_group(org, name), org.catalogue.find(name)) {
                (Some(id), _) => {
                    let updates = option != &Some(CreateOption::IgnoreIfAlreadyExists) && description.is_some();
                    if updates && org.catalogue.is_read_only(id) {
                        return Err(fail(
                            "error.usergroup.readonly.update_not_allowed",
                            format!("{name} is read-only: its description cannot change"),
                        ));
                    }
                    if updates && !test_mode {
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
                (None, None) => Target::Existing(org.catalogue.add_user_group(name, description.clone(), false)),
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
                if read_only(org, group) {
                    return Err(fail(
                        "error.usergroup.readonly.update_not_allowed",
                        format!("{name} is read-only: it cannot be renamed or re-described"),
                    ));
                }
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
                if read_only(org, group) {
                    return Err(fail(
                        "error.usergroup.readonly.remove_not_allowed",
                        format!("{name} is read-only: it cannot be deleted"),
                    ));
                }
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

/// The users of an `add`/`remove` list, by email (UMAPI.md 2c). A user whose username is not an
/// email cannot be named by email (6a), so such a user is not found here.
fn listed_users(org: &Org, users: &[String], test_mode: bool) -> StepResult<Vec<(UserId, String)>> {
    let mut found = Vec::new();
    for user in users {
        match org.find_by_email(user) {
            Some(id) => found.push((id, user.clone())),
            None if test_mode => {}
            None if !is_email_like(user) => {
                return Err((
                    "error.user.nonexistent",
                    format!("User Id does not exist: {user} (a usergroup command names its users by email)"),
                ));
            }
            None => return Err(("error.user.nonexistent", format!("User Id does not exist: {user}"))),
        }
    }
    Ok(found)
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
    let user_ids = listed_users(org, users, test_mode)?;
    let Some(group) = group else { return Ok(()) };
    let group_name = org.catalogue.name_of(group).to_string();
    if !user_ids.is_empty() && org.catalogue.is_read_only(group) {
        return Err(if add {
            (
                "error.usergroup.readonly.add_user_not_allowed",
                format!("{group_name} is read-only: users cannot be added"),
            )
        } else {
            (
                "error.usergroup.readonly.remove_user_not_allowed",
                format!("{group_name} is read-only: users cannot be removed"),
            )
        });
    }
    for (id, user) in &user_ids {
        let member = org.is_direct_member(*id, group);
        if add && member {
            return Err(("error.user.already_exists", format!("User {user} is already a member of {group_name}")));
        }
        if !add && !member {
            return Err(("error.usergroup.user_list.invalid", format!("User {user} is not a member of {group_name}")));
        }
    }
    if add {
        let after = org.direct_member_count(group) as u64 + user_ids.len() as u64;
        if after > org.max_user_group_members {
            return Err((
                "error.usergroup.exceeds_maximum_member_count",
                format!(
                    "{group_name} would have {after} members; a user group can have at most {}",
                    org.max_user_group_members
                ),
            ));
        }
    }
    if test_mode {
        return Ok(());
    }
    for (id, _) in user_ids {
        if add {
            org.add_memberships(id, &[group]);
        } else {
            org.remove_memberships(id, &[group]);
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
