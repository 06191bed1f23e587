//! The live org the simulator serves: users with their direct memberships, the group catalogue,
//! the claimed domains and the licence lines, with the indexes that find a user the way UMAPI does
//! (UMAPI.md 2a, 6a).
//!
//! Users are found by email (org-owned accounts first, then the Adobe ID with that email, unless
//! `useAdobeID`), or by username + domain for non-email Federated usernames. Every membership
//! change goes through this file so that the licence lines ([`super::licences`]) stay in step. It
//! knows nothing of HTTP, requests or validation codes; [`super::commands`] decides what a step
//! means and calls these primitives.

use std::collections::{BTreeMap, BTreeSet, HashMap};

use crate::model::IdentityType;

use super::catalogue::{Catalogue, GroupKind, ORG_ADMIN};
use super::licences::Licences;
use super::state_file::Directory;

/// Index of a user in the org (stable while the user exists).
pub(crate) type UserId = usize;
/// A group's numeric id (the groups endpoint's `groupId`).
pub(crate) type GroupId = i64;

/// One user of the org.
#[derive(Clone, Debug)]
pub(crate) struct UserRecord {
    /// Opaque id (`...@AdobeID` or `...@<domain>`).
    pub(crate) id: String,
    /// Identity type.
    pub(crate) kind: IdentityType,
    /// Email as written.
    pub(crate) email: String,
    /// Username (the email for Adobe and Enterprise IDs).
    pub(crate) username: String,
    /// Directory domain.
    pub(crate) domain: String,
    /// First name.
    pub(crate) firstname: Option<String>,
    /// Last name.
    pub(crate) lastname: Option<String>,
    /// Country code.
    pub(crate) country: Option<String>,
    /// Direct memberships, in order of arrival.
    pub(crate) groups: Vec<GroupId>,
}

/// How a command's root names its user.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) struct UserRef {
    /// The `user` string.
    pub(crate) user: String,
    /// The `domain`, for non-email usernames.
    pub(crate) domain: Option<String>,
    /// `useAdobeID`.
    pub(crate) use_adobe_id: bool,
}

/// The org.
#[derive(Debug)]
pub(crate) struct Org {
    /// The org id.
    pub(crate) org_id: String,
    /// The group catalogue.
    pub(crate) catalogue: Catalogue,
    pub(crate) domains: BTreeMap<String, Directory>,
    users: Vec<Option<UserRecord>>,
    live: usize,
    org_by_email: HashMap<String, UserId>,
    org_by_login: HashMap<(String, String), UserId>,
    adobe_by_email: HashMap<String, UserId>,
    licences: Licences,
    serial: u64,
}

fn login_key(username: &str, domain: &str) -> (String, String) {
    (username.to_lowercase(), domain.to_lowercase())
}

impl Org {
    /// An empty org.
    pub(crate) fn empty(org_id: &str) -> Self {
        Self {
            org_id: org_id.to_string(),
            catalogue: Catalogue::new(),
            domains: BTreeMap::new(),
            users: Vec::new(),
            live: 0,
            org_by_email: HashMap::new(),
            org_by_login: HashMap::new(),
            adobe_by_email: HashMap::new(),
            licences: Licences::default(),
            serial: 0,
        }
    }

    /// The directory a domain is claimed in, if it is claimed.
    pub(crate) fn directory_of(&self, domain: &str) -> Option<Directory> {
        self.domains.get(&domain.to_lowercase()).copied()
    }

    /// A user by id.
    pub(crate) fn user(&self, id: UserId) -> Option<&UserRecord> {
        self.users.get(id).and_then(Option::as_ref)
    }

    /// Every user, in order of arrival.
    pub(crate) fn users(&self) -> impl Iterator<Item = (UserId, &UserRecord)> {
        self.users.iter().enumerate().filter_map(|(id, user)| user.as_ref().map(|user| (id, user)))
    }

    /// How many users the org has.
    pub(crate) fn user_count(&self) -> usize {
        self.live
    }

    /// Finds the user a command root names (UMAPI.md 2a): `useAdobeID` picks the Adobe ID; else an
    /// email finds the org-owned account first, then the Adobe ID; a non-email user needs its domain.
    pub(crate) fn find(&self, reference: &UserRef) -> Option<UserId> {
        let key = reference.user.to_lowercase();
        if reference.use_adobe_id {
            return self.adobe_by_email.get(&key).copied();
        }
        match &reference.domain {
            Some(domain) => self.org_by_login.get(&login_key(&reference.user, domain)).copied(),
            None => self.org_by_email.get(&key).or_else(|| self.adobe_by_email.get(&key)).copied(),
        }
    }

    /// The Adobe ID with this email.
    pub(crate) fn find_adobe_id(&self, email: &str) -> Option<UserId> {
        self.adobe_by_email.get(&email.to_lowercase()).copied()
    }

    /// The org-owned account with this email.
    pub(crate) fn find_org_owned_by_email(&self, email: &str) -> Option<UserId> {
        self.org_by_email.get(&email.to_lowercase()).copied()
    }

    /// The org-owned account with this username in this domain.
    pub(crate) fn find_by_login(&self, username: &str, domain: &str) -> Option<UserId> {
        self.org_by_login.get(&login_key(username, domain)).copied()
    }

    /// Adds a user (no memberships yet) and returns its id.
    pub(crate) fn insert_user(&mut self, mut record: UserRecord) -> UserId {
        self.serial += 1;
        let suffix = if record.kind == IdentityType::AdobeId { "AdobeID".to_string() } else { record.domain.clone() };
        record.id = format!("{:024X}@{suffix}", 0x4EB5_B571_0000_0000_u64 + self.serial);
        let id = self.users.len();
        self.index(id, &record);
        self.users.push(Some(record));
        self.live += 1;
        id
    }

    fn index(&mut self, id: UserId, record: &UserRecord) {
        if record.kind == IdentityType::AdobeId {
            self.adobe_by_email.insert(record.email.to_lowercase(), id);
        } else {
            self.org_by_email.insert(record.email.to_lowercase(), id);
            self.org_by_login.insert(login_key(&record.username, &record.domain), id);
        }
    }

    fn unindex(&mut self, record: &UserRecord) {
        if record.kind == IdentityType::AdobeId {
            self.adobe_by_email.remove(&record.email.to_lowercase());
        } else {
            self.org_by_email.remove(&record.email.to_lowercase());
            self.org_by_login.remove(&login_key(&record.username, &record.domain));
        }
    }

    /// Removes a user from the org, with every membership and licence.
    pub(crate) fn remove_user(&mut self, id: UserId) {
        if let Some(record) = self.users.get_mut(id).and_then(Option::take) {
            self.unindex(&record);
            self.licences.forget(id);
            self.live -= 1;
        }
    }

    /// Changes identifying fields (email, username, domain) and re-indexes the user.
    pub(crate) fn reidentify(&mut self, id: UserId, email: String, username: String, domain: String) {
        let Some(record) = self.users.get(id).and_then(Option::as_ref).cloned() else { return };
        self.unindex(&record);
        let updated = UserRecord { email, username, domain, ..record };
        self.index(id, &updated);
        self.users[id] = Some(updated);
    }

    /// Sets first and last name (absent values are left unchanged).
    pub(crate) fn rename_person(&mut self, id: UserId, firstname: Option<&str>, lastname: Option<&str>) {
        if let Some(record) = self.users.get_mut(id).and_then(Option::as_mut) {
            if let Some(firstname) = firstname {
                record.firstname = Some(firstname.to_string());
            }
            if let Some(lastname) = lastname {
                record.lastname = Some(lastname.to_string());
            }
        }
    }

    /// Adds direct memberships (existing ones are kept as they are), then re-queues licences.
    pub(crate) fn add_memberships(&mut self, id: UserId, groups: &[GroupId]) {
        if let Some(record) = self.users.get_mut(id).and_then(Option::as_mut) {
            for group in groups {
                if !record.groups.contains(group) {
                    record.groups.push(*group);
                }
            }
        }
        self.sync_licences(id);
    }

    /// Removes direct memberships (absent ones are ignored), then re-queues licences.
    pub(crate) fn remove_memberships(&mut self, id: UserId, groups: &[GroupId]) {
        if let Some(record) = self.users.get_mut(id).and_then(Option::as_mut) {
            record.groups.retain(|group| !groups.contains(group));
        }
        self.sync_licences(id);
    }

    /// `remove: "all"`: every membership except `_org_admin`.
    pub(crate) fn remove_all_memberships(&mut self, id: UserId) {
        let org_admin = self.catalogue.find(ORG_ADMIN).map(|group| group.id);
        if let Some(record) = self.users.get_mut(id).and_then(Option::as_mut) {
            record.groups.retain(|group| Some(*group) == org_admin);
        }
        self.sync_licences(id);
    }

    /// The profiles a user reaches: direct, and through the user groups it belongs to.
    pub(crate) fn effective_profiles(&self, id: UserId) -> BTreeSet<GroupId> {
        let mut profiles = BTreeSet::new();
        for group in self.user(id).map(|record| record.groups.as_slice()).unwrap_or_default() {
            match self.catalogue.get(*group).map(|group| &group.kind) {
                Some(GroupKind::Profile { .. }) => {
                    profiles.insert(*group);
                }
                Some(GroupKind::UserGroup { profiles: granted, .. }) => profiles.extend(granted.iter().copied()),
                _ => {}
            }
        }
        profiles
    }

    fn sync_licences(&mut self, id: UserId) {
        let wanted = self.effective_profiles(id);
        self.licences.sync(id, &wanted);
    }

    /// Direct members of a group, in order of arrival in the org.
    pub(crate) fn direct_members(&self, group: GroupId) -> Vec<UserId> {
        self.users().filter(|(_, record)| record.groups.contains(&group)).map(|(id, _)| id).collect()
    }

    /// Changes the profiles a user group grants; its members' licences follow.
    pub(crate) fn set_granted_profiles(&mut self, group: GroupId, profiles: Vec<GroupId>) {
        if let Some(record) = self.catalogue.get_mut(group)
            && let GroupKind::UserGroup { profiles: granted, .. } = &mut record.kind
        {
            *granted = profiles;
        }
        for member in self.direct_members(group) {
            self.sync_licences(member);
        }
    }

    /// Deletes a user group: its members leave it (and its admin group) and their licences follow.
    pub(crate) fn delete_user_group(&mut self, group: GroupId) {
        let removed = self.catalogue.remove_user_group(group);
        let members: Vec<UserId> = self
            .users()
            .filter(|(_, record)| record.groups.iter().any(|group| removed.contains(group)))
            .map(|(id, _)| id)
            .collect();
        for member in members {
            self.remove_memberships(member, &removed);
        }
    }

    /// Members of a profile (direct or indirect), in order of arrival in its line.
    pub(crate) fn profile_members(&self, profile: GroupId) -> impl Iterator<Item = UserId> + '_ {
        self.licences.members(profile)
    }

    /// How many members a profile has.
    pub(crate) fn profile_member_count(&self, profile: GroupId) -> usize {
        self.licences.member_count(profile)
    }

    /// Users holding a licence of a profile.
    pub(crate) fn licensed(&self, profile: GroupId) -> std::collections::HashSet<UserId> {
        self.licences.licensed(profile, self.catalogue.quota_of(profile).unwrap_or(0))
    }

    /// The licence holders of every profile, computed once (for whole-org views).
    pub(crate) fn licence_holders(&self) -> HashMap<GroupId, std::collections::HashSet<UserId>> {
        self.catalogue
            .all()
            .filter(|group| matches!(group.kind, GroupKind::Profile { .. }))
            .map(|group| (group.id, self.licensed(group.id)))
            .collect()
    }

    /// The profiles a user is a member of, split into licensed and unlicensed, given
    /// [`Org::licence_holders`].
    pub(crate) fn licence_status(
        &self,
        id: UserId,
        holders: &HashMap<GroupId, std::collections::HashSet<UserId>>,
    ) -> (Vec<GroupId>, Vec<GroupId>) {
        self.licences.held_by(id).partition(|profile| holders.get(profile).is_some_and(|users| users.contains(&id)))
    }

    /// Direct member counts of every group, in one pass.
    pub(crate) fn direct_member_counts(&self) -> HashMap<GroupId, usize> {
        let mut counts = HashMap::new();
        for (_, record) in self.users() {
            for group in &record.groups {
                *counts.entry(*group).or_insert(0) += 1;
            }
        }
        counts
    }
}
