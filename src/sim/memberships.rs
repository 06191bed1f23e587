//! Memberships and licences (UMAPI.md 5e, 7; D "deficit"): every group has a [`Line`] of its
//! members in order of arrival, and a product configuration's line also holds the members who reach
//! it through a user group that grants it, telling them apart from direct members.
//!
//! A product configuration's first `licenseQuota` members are `active` (licensed), the rest
//! `inactive`. A member who leaves gives up their place, so the next in line moves up and gets the
//! licence; staying a member through another path (leaving the group but keeping a direct
//! membership) keeps the place. A user joins new lines in ascending group id, so that a group
//! granting two configurations queues its members deterministically.
//!
//! Listings ([`Listing`]) are rank ranges of a line: a page of users of a group, of the org or of a
//! domain costs the page (O(page × log n)), whatever the size of the org.

use std::collections::BTreeMap;

use super::catalogue::{GroupKind, ORG_ADMIN};
use super::org::{GroupId, Org, UserId};
use super::ranked::{Line, Members};

/// A user's place in one group's line.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) struct Place {
    /// The group.
    pub(crate) group: GroupId,
    /// The slot in its line.
    pub(crate) slot: u32,
}

/// Which users of a line a read lists: a kind of member and a range of ranks.
#[derive(Clone, Copy, Debug)]
pub(crate) struct Listing<'a> {
    line: Option<&'a Line>,
    which: Members,
    from: usize,
    to: usize,
}

impl<'a> Listing<'a> {
    /// Every member of `line` (of this kind).
    pub(crate) fn whole(line: &'a Line, which: Members) -> Self {
        Self { line: Some(line), which, from: 0, to: line.count(which) }
    }

    /// No users.
    pub(crate) fn empty() -> Self {
        Self { line: None, which: Members::All, from: 0, to: 0 }
    }

    /// How many users it lists.
    pub(crate) fn len(&self) -> usize {
        self.to - self.from
    }

    /// The users at positions `start..end` of the listing.
    pub(crate) fn page(&self, start: usize, end: usize) -> impl Iterator<Item = UserId> + 'a {
        let (from, to) = (self.from + start.min(self.len()), self.from + end.min(self.len()));
        let which = self.which;
        self.line.into_iter().flat_map(move |line| line.members(which, from, to))
    }
}

impl Org {
    /// The line of a group (empty for a group nobody ever joined).
    fn line(&self, group: GroupId) -> Option<&Line> {
        self.lines.get(&group)
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
        self.sync_places(id);
    }

    /// Removes direct memberships (absent ones are ignored), then re-queues licences.
    pub(crate) fn remove_memberships(&mut self, id: UserId, groups: &[GroupId]) {
        if let Some(record) = self.users.get_mut(id).and_then(Option::as_mut) {
            record.groups.retain(|group| !groups.contains(group));
        }
        self.sync_places(id);
    }

    /// `remove: "all"`: every membership except `_org_admin` and read-only user groups, which UMAPI
    /// cannot change.
    pub(crate) fn remove_all_memberships(&mut self, id: UserId) {
        let org_admin = self.catalogue.find(ORG_ADMIN).map(|group| group.id);
        let catalogue = &self.catalogue;
        if let Some(record) = self.users.get_mut(id).and_then(Option::as_mut) {
            record.groups.retain(|group| Some(*group) == org_admin || catalogue.is_read_only(*group));
        }
        self.sync_places(id);
    }

    /// Whether a user is a direct member of a group.
    pub(crate) fn is_direct_member(&self, id: UserId, group: GroupId) -> bool {
        self.user(id).is_some_and(|record| record.groups.contains(&group))
    }

    /// The places a user should hold: each direct group (direct), and each configuration a user
    /// group of theirs grants (indirect unless also direct).
    fn wanted_places(&self, id: UserId) -> BTreeMap<GroupId, bool> {
        let mut wanted = BTreeMap::new();
        let Some(record) = self.user(id) else { return wanted };
        for group in &record.groups {
            wanted.insert(*group, true);
            for profile in self.catalogue.granted_by(*group) {
                wanted.entry(*profile).or_insert(false);
            }
        }
        wanted
    }

    /// Makes a user's places match their memberships: leaves the lines not wanted any more, marks
    /// kept places direct or not, joins the new lines at the back.
    fn sync_places(&mut self, id: UserId) {
        let wanted = self.wanted_places(id);
        let Some(record) = self.users.get_mut(id).and_then(Option::as_mut) else { return };
        let lines = &mut self.lines;
        let catalogue = &self.catalogue;
        record.places.retain(|place| {
            let line = lines.get_mut(&place.group);
            match (wanted.get(&place.group), line) {
                (Some(direct), Some(line)) => {
                    line.set_direct(place.slot, *direct);
                    true
                }
                (None, Some(line)) => {
                    line.remove(place.slot);
                    false
                }
                (_, None) => false,
            }
        });
        for (group, direct) in wanted {
            if record.places.iter().any(|place| place.group == group) {
                continue;
            }
            let line = lines.entry(group).or_insert_with(|| Line::new(catalogue.is_profile(group)));
            record.places.push(Place { group, slot: line.push(id, direct) });
        }
    }

    /// Leaves every line (the user leaves the org).
    pub(crate) fn leave_every_line(&mut self, id: UserId) {
        let Some(record) = self.users.get_mut(id).and_then(Option::as_mut) else { return };
        for place in record.places.drain(..) {
            if let Some(line) = self.lines.get_mut(&place.group) {
                line.remove(place.slot);
            }
        }
        record.groups.clear();
    }

    /// Every member of a group (direct or not), in order of arrival in its line.
    pub(crate) fn members_of(&self, group: GroupId) -> Vec<UserId> {
        self.line(group)
            .map(|line| Listing::whole(line, Members::All).page(0, usize::MAX).collect())
            .unwrap_or_default()
    }

    /// Changes the profiles a user group grants; its members' licences follow.
    pub(crate) fn set_granted_profiles(&mut self, group: GroupId, profiles: Vec<GroupId>) {
        if let Some(record) = self.catalogue.get_mut(group)
            && let GroupKind::UserGroup { profiles: granted, .. } = &mut record.kind
        {
            *granted = profiles;
        }
        for member in self.members_of(group) {
            self.sync_places(member);
        }
    }

    /// Deletes a user group: its members leave it (and its admin group) and their licences follow.
    pub(crate) fn delete_user_group(&mut self, group: GroupId) {
        let admin = self.catalogue.admin_group_of(group);
        let mut members = self.members_of(group);
        if let Some(admin) = admin {
            members.extend(self.members_of(admin));
        }
        let removed = self.catalogue.remove_user_group(group);
        for member in members {
            self.remove_memberships(member, &removed);
        }
        for id in removed {
            self.lines.remove(&id);
        }
    }

    /// How many members a group has: for a profile, direct and through user groups.
    pub(crate) fn member_count(&self, group: GroupId) -> usize {
        self.line(group).map_or(0, |line| line.count(Members::All))
    }

    /// How many direct members a group has.
    pub(crate) fn direct_member_count(&self, group: GroupId) -> usize {
        self.line(group).map_or(0, |line| line.count(Members::Direct))
    }

    /// The users of a group as `GET /users/{org}/{page}/{group}` lists them (UMAPI.md 5e, 7):
    /// direct members only or all, and for a profile only the licensed (`Some(true)`, status
    /// active) or unlicensed (`Some(false)`, inactive) ones.
    pub(crate) fn group_listing(&self, group: GroupId, direct_only: bool, active: Option<bool>) -> Listing<'_> {
        let Some(line) = self.line(group) else { return Listing::empty() };
        let which = if direct_only { Members::Direct } else { Members::All };
        let whole = Listing::whole(line, which);
        let (Some(active), Some(quota)) = (active, self.catalogue.quota_of(group)) else { return whole };
        let everyone = line.count(Members::All);
        let licensed = usize::try_from(quota).unwrap_or(usize::MAX).min(everyone);
        // The first unlicensed member's slot splits the line; count the listed kind before it.
        let boundary = line.rank(line.slot_of_rank(licensed, Members::All), which);
        if active { Listing { to: boundary, ..whole } } else { Listing { from: boundary, ..whole } }
    }

    /// The profiles a user is a member of (direct or through a user group), split into licensed
    /// and unlicensed.
    pub(crate) fn licence_status(&self, id: UserId) -> (Vec<GroupId>, Vec<GroupId>) {
        let mut licensed = Vec::new();
        let mut unlicensed = Vec::new();
        for place in self.user(id).map(|record| record.places.as_slice()).unwrap_or_default() {
            let (Some(quota), Some(line)) = (self.catalogue.quota_of(place.group), self.line(place.group)) else {
                continue;
            };
            if (line.rank(place.slot, Members::All) as u64) < quota {
                licensed.push(place.group);
            } else {
                unlicensed.push(place.group);
            }
        }
        (licensed, unlicensed)
    }

    /// The profiles a user reaches through user groups without being a direct member (for
    /// `directOnly=false`), by group id.
    pub(crate) fn indirect_profiles(&self, id: UserId) -> Vec<GroupId> {
        let Some(record) = self.user(id) else { return Vec::new() };
        let mut profiles: Vec<GroupId> = record
            .places
            .iter()
            .map(|place| place.group)
            .filter(|group| !record.groups.contains(group) && self.catalogue.is_profile(*group))
            .collect();
        profiles.sort_unstable();
        profiles
    }
}
