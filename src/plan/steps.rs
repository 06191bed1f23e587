//! Rows → UMAPI commands: the create step by identity type, membership steps with lists cut at 10
//! names, `removeFromOrg`, and commands cut at 10 steps (UMAPI.md D "batching", "create option",
//! "revoke"). A user whose steps do not fit one command gets several commands with the same root;
//! `batching` keeps them in separate, ordered requests.

use crate::model::{IdentityType, Login, UserRow};
use crate::umapi::wire::{
    self, AllMarker, Command, CreateOption, CreateUser, MAX_LIST_ENTRIES, MAX_STEPS_PER_COMMAND, Membership,
    RemoveFromOrg, RemoveMembership, Step, UpdateUser,
};

/// The `requestID` of a row's command: `line-<n>`, with `/<part>` for continuation commands.
pub fn request_id(line: u64, part: usize) -> String {
    if part == 0 { format!("line-{line}") } else { format!("line-{line}/{}", part + 1) }
}

/// The command root for a user row: UMAPI identifies Adobe, Enterprise and (email-login) Federated
/// users by email; Adobe IDs carry `useAdobeID: true` so that an Enterprise or Federated account with
/// the same email is never hit by mistake.
pub fn user_root(email: &str, identity_type: Option<IdentityType>) -> Command {
    Command {
        user: Some(email.to_string()),
        use_adobe_id: (identity_type == Some(IdentityType::AdobeId)).then_some(true),
        ..Command::default()
    }
}

/// The command root for a Federated ID that signs in with a username: `user: <username>` plus
/// `domain` (UMAPI.md 2a: `domain` is required with a non-email `user`, 6a: such users are never
/// named by email).
pub fn login_root(login: &Login) -> Command {
    Command { user: Some(login.username.clone()), domain: Some(login.domain.clone()), ..Command::default() }
}

/// The root naming a user by `login` when it has one, else by email.
pub fn root_for(email: &str, identity_type: Option<IdentityType>, login: Option<&Login>) -> Command {
    login.map_or_else(|| user_root(email, identity_type), login_root)
}

fn non_empty(text: &str) -> Option<String> {
    let text = text.trim();
    (!text.is_empty()).then(|| text.to_string())
}

/// The create step for a row, with the option that makes it safe to retry and resume.
pub fn create_step(row: &UserRow, update_existing: bool) -> Step {
    let fields = CreateUser {
        email: row.email.clone(),
        firstname: non_empty(&row.first_name),
        lastname: non_empty(&row.last_name),
        country: non_empty(&row.country).map(|country| country.to_ascii_uppercase()),
        option: Some(if update_existing {
            CreateOption::UpdateIfAlreadyExists
        } else {
            CreateOption::IgnoreIfAlreadyExists
        }),
    };
    match row.identity_type {
        Some(IdentityType::EnterpriseId) => Step::CreateEnterpriseId(fields),
        Some(IdentityType::FederatedId) => Step::CreateFederatedId(fields),
        Some(IdentityType::AdobeId) | None => Step::AddAdobeId(fields),
    }
}

/// The `update` step that gives a Federated user an email-type username different from its email
/// (UMAPI.md 6b: made by a create followed by an update). A username that is a sign-in name needs
/// none: the command's root names the user by it ([`login_root`]).
pub fn username_step(row: &UserRow) -> Option<Step> {
    let differs = row.identity_type == Some(IdentityType::FederatedId)
        && row.login().is_none()
        && !row.username.trim().is_empty()
        && !row.username.trim().eq_ignore_ascii_case(row.email.trim());
    differs
        .then(|| Step::Update(UpdateUser { username: Some(row.username.trim().to_string()), ..UpdateUser::default() }))
}

/// `add` steps for `groups`, at most 10 names each.
pub fn add_steps(groups: &[String]) -> Vec<Step> {
    groups.chunks(MAX_LIST_ENTRIES).map(|chunk| Step::Add(Membership::groups(chunk.to_vec()))).collect()
}

/// `remove` steps for `groups`, at most 10 names each.
pub fn remove_steps(groups: &[String]) -> Vec<Step> {
    groups
        .chunks(MAX_LIST_ENTRIES)
        .map(|chunk| Step::Remove(RemoveMembership::List(Membership::groups(chunk.to_vec()))))
        .collect()
}

/// `remove: "all"`.
pub fn remove_all_step() -> Step {
    Step::Remove(RemoveMembership::All(AllMarker))
}

/// `removeFromOrg`; accounts are deleted only when asked and only for Enterprise/Federated IDs.
pub fn remove_from_org_step(identity_type: Option<IdentityType>, delete_accounts: bool) -> Step {
    let deletable = matches!(identity_type, Some(IdentityType::EnterpriseId | IdentityType::FederatedId));
    Step::RemoveFromOrg(RemoveFromOrg { delete_account: delete_accounts && deletable })
}

/// Cuts a user's steps into commands of at most 10 steps with the same root. The create step stays
/// first in the first command and `removeFromOrg` last in the last, as UMAPI requires.
pub fn into_commands(root: &Command, line: u64, steps: Vec<Step>) -> Vec<Command> {
    if steps.is_empty() {
        return Vec::new();
    }
    steps
        .chunks(MAX_STEPS_PER_COMMAND)
        .enumerate()
        .map(|(part, chunk)| Command {
            request_id: Some(request_id(line, part)),
            steps: chunk.to_vec(),
            ..root.clone()
        })
        .collect()
}

/// The names a command's steps add (for reports and licence accounting).
pub fn added_groups(command: &wire::Command) -> impl Iterator<Item = &String> {
    command.steps.iter().flat_map(|step| match step {
        Step::Add(membership) => membership.group.iter().flatten().collect::<Vec<_>>(),
        _ => Vec::new(),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn federated_row() -> UserRow {
        UserRow {
            line: 7,
            identity_type: Some(IdentityType::FederatedId),
            username: "jo.li@fed.example.org".into(),
            domain: "fed.example.org".into(),
            email: "jli@fed.example.org".into(),
            first_name: "Jo".into(),
            last_name: "Li".into(),
            country: "de".into(),
            ..UserRow::default()
        }
    }

    #[test]
    fn create_step_follows_the_identity_type_and_is_idempotent() {
        let row = federated_row();
        let Step::CreateFederatedId(fields) = create_step(&row, false) else {
            panic!("expected createFederatedID");
        };
        assert_eq!(fields.country.as_deref(), Some("DE"));
        assert_eq!(fields.option, Some(CreateOption::IgnoreIfAlreadyExists));
        let Step::CreateFederatedId(fields) = create_step(&row, true) else {
            panic!("expected createFederatedID");
        };
        assert_eq!(fields.option, Some(CreateOption::UpdateIfAlreadyExists));
        assert!(username_step(&row).is_some());
    }

    #[test]
    fn a_username_directory_user_is_named_by_username_and_domain_without_an_update() {
        let row = UserRow { username: "jli".into(), domain: "sso.example.net".into(), ..federated_row() };
        let login = row.login();
        let root = root_for(&row.email, row.identity_type, login.as_ref());
        assert_eq!((root.user.as_deref(), root.domain.as_deref()), (Some("jli"), Some("sso.example.net")));
        assert_eq!(root.use_adobe_id, None);
        assert!(username_step(&row).is_none(), "the root sets the username");
        let email_root = root_for("jli@fed.example.org", Some(IdentityType::FederatedId), None);
        assert_eq!((email_root.user.as_deref(), email_root.domain), (Some("jli@fed.example.org"), None));
        let json = serde_json::to_value(into_commands(&root, 7, vec![create_step(&row, false)])).unwrap_or_default();
        assert_eq!(json[0]["user"], "jli");
        assert_eq!(json[0]["domain"], "sso.example.net");
    }

    #[test]
    fn lists_are_cut_at_ten_and_commands_at_ten_steps() {
        let groups: Vec<String> = (0..25).map(|index| format!("Group {index}")).collect();
        let steps = add_steps(&groups);
        assert_eq!(steps.len(), 3);
        let many: Vec<String> = (0..105).map(|index| format!("G{index}")).collect();
        let mut all_steps = vec![create_step(&federated_row(), false)];
        all_steps.extend(add_steps(&many));
        let commands = into_commands(&user_root("jli@fed.example.org", None), 7, all_steps);
        assert_eq!(commands.len(), 2);
        assert_eq!(commands[0].steps.len(), 10);
        assert_eq!(commands[1].steps.len(), 2);
        assert!(commands[0].steps[0].is_create());
        assert_eq!(commands[1].request_id.as_deref(), Some("line-7/2"));
        let total: usize = commands.iter().flat_map(added_groups).count();
        assert_eq!(total, 105);
    }

    #[test]
    fn adobe_ids_are_targeted_with_use_adobe_id_and_never_deleted() {
        let root = user_root("a@gmail.com", Some(IdentityType::AdobeId));
        assert_eq!(root.use_adobe_id, Some(true));
        assert_eq!(
            remove_from_org_step(Some(IdentityType::AdobeId), true),
            Step::RemoveFromOrg(RemoveFromOrg { delete_account: false })
        );
        assert_eq!(
            remove_from_org_step(Some(IdentityType::EnterpriseId), true),
            Step::RemoveFromOrg(RemoveFromOrg { delete_account: true })
        );
    }
}
