//! The live org back as an [`OrgState`], so that a simulated org can outlive one process
//! (`--sim --sim-state FILE` saves it when the command ends). What UMAPI can change is read from the
//! live org: the users (in order of arrival, with their memberships in the order they joined) and
//! the user groups (created, renamed, described, granting other configurations, deleted). What it
//! cannot change (the org id, the API clients, the domains, the product configurations and their
//! quotas, the member cap) is copied from the state the simulator started with.
//!
//! One thing is not kept exactly: a product configuration's licence line (who got a licence first)
//! is rebuilt on loading from the users' order and each user's memberships, so in a configuration
//! over its quota a user who joined late but arrived in the org early may hold a licence after a
//! reload that another member held before. docs/try-it.md says so.

use super::catalogue::GroupKind;
use super::org::Org;
use super::rules::email_domain;
use super::state_file::{OrgState, UserGroupSpec, UserSpec};

/// What UMAPI cannot change of `state` (users and user groups left empty): kept by a running
/// simulator so that [`current`] can rebuild the whole state later.
pub(crate) fn fixed_part(state: &OrgState) -> OrgState {
    OrgState {
        org_id: state.org_id.clone(),
        clients: state.clients.clone(),
        domains: state.domains.clone(),
        trusted_domains: state.trusted_domains.clone(),
        product_configurations: state.product_configurations.clone(),
        user_groups: Vec::new(),
        users: Vec::new(),
        max_user_group_members: state.max_user_group_members,
    }
}

/// The state of the live `org`, with the unchangeable parts from `fixed` ([`fixed_part`]).
pub(crate) fn current(fixed: &OrgState, org: &Org) -> OrgState {
    let catalogue = &org.catalogue;
    let user_groups = catalogue
        .all()
        .filter_map(|group| match &group.kind {
            GroupKind::UserGroup { description, profiles, read_only } => Some(UserGroupSpec {
                name: group.name.clone(),
                description: description.clone(),
                product_configurations: profiles.iter().map(|id| catalogue.name_of(*id).to_string()).collect(),
                read_only: *read_only,
            }),
            _ => None,
        })
        .collect();
    let users = org
        .users()
        .map(|(_, record)| {
            let username = record.username();
            let own_username = username != record.email();
            // Written whenever it is not simply the email's domain, as samples/org-realistic.json
            // does for users who sign in with a username.
            let own_domain = own_username || !record.domain().eq_ignore_ascii_case(&email_domain(record.email()));
            UserSpec {
                identity_type: record.kind,
                email: record.email().to_string(),
                username: own_username.then(|| username.to_string()),
                domain: own_domain.then(|| record.domain().to_string()),
                firstname: record.firstname().map(str::to_string),
                lastname: record.lastname().map(str::to_string),
                country: record.country().map(str::to_string),
                groups: record.groups.iter().map(|id| catalogue.name_of(*id).to_string()).collect(),
            }
        })
        .collect();
    OrgState { user_groups, users, ..fixed.clone() }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::sim::build;

    fn comes_back_as_loaded(state: &OrgState) {
        let Ok((org, _)) = build::build(state) else { panic!("the org does not build") };
        let again = current(&fixed_part(state), &org);
        // The same org: what the simulator serves from either is the same, user by user.
        let dump = |state: &OrgState| crate::sim::dump_state(state).unwrap_or_else(|error| panic!("{error:#}"));
        assert!(dump(&again) == dump(state), "the saved org differs from the loaded one");
        assert_eq!(again.users.len(), state.users.len());
        assert!(!state.users.is_empty());
    }

    #[test]
    fn an_unchanged_org_comes_back_as_it_was_loaded() {
        let Ok(demo) = crate::sim::demo_state() else { panic!("the demo org does not load") };
        comes_back_as_loaded(&demo);
        // Usernames that are not emails, trusted domains, read-only groups, admin roles.
        let path = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("samples/org-realistic.json");
        let realistic = crate::sim::load_state(&path).unwrap_or_else(|error| panic!("{error:#}"));
        comes_back_as_loaded(&realistic);
    }
}
