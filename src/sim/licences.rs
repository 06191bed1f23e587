//! Licence allocation per product configuration (UMAPI.md D "deficit", section 7).
//!
//! Every member of a product configuration, direct or through a user group that grants it, holds a
//! place in that configuration's line, in order of arrival. The first `licenseQuota` places are
//! `active` (licensed); the rest are `inactive`. A member who leaves gives up their place, so the
//! next inactive member in line moves up and gets the licence. Staying a member through another
//! path (leaving the group but keeping a direct membership) keeps the place.
//!
//! This file only keeps the lines; which configurations a user belongs to is decided by
//! [`super::org::Org`], which calls [`Licences::sync`] after every membership change.

use std::collections::{BTreeMap, BTreeSet, HashMap, HashSet};

use super::org::{GroupId, UserId};

/// The lines of every product configuration.
#[derive(Debug, Default)]
pub(crate) struct Licences {
    lines: HashMap<GroupId, Line>,
    held: HashMap<UserId, BTreeSet<GroupId>>,
    next_arrival: u64,
}

#[derive(Debug, Default)]
struct Line {
    by_arrival: BTreeMap<u64, UserId>,
    arrival_of: HashMap<UserId, u64>,
}

impl Licences {
    /// Makes `user`'s places match `wanted`: leaves the lines not wanted any more, joins the new
    /// ones at the back (in ascending configuration id, so that a group granting two configurations
    /// queues the user deterministically).
    pub(crate) fn sync(&mut self, user: UserId, wanted: &BTreeSet<GroupId>) {
        let held = self.held.remove(&user).unwrap_or_default();
        for profile in held.difference(wanted) {
            if let Some(line) = self.lines.get_mut(profile)
                && let Some(arrival) = line.arrival_of.remove(&user)
            {
                line.by_arrival.remove(&arrival);
            }
        }
        for profile in wanted.difference(&held) {
            let line = self.lines.entry(*profile).or_default();
            let arrival = self.next_arrival;
            self.next_arrival += 1;
            line.by_arrival.insert(arrival, user);
            line.arrival_of.insert(user, arrival);
        }
        if !wanted.is_empty() {
            self.held.insert(user, wanted.clone());
        }
    }

    /// Leaves every line (the user left the org).
    pub(crate) fn forget(&mut self, user: UserId) {
        self.sync(user, &BTreeSet::new());
    }

    /// The configurations `user` is a member of, direct or indirect.
    pub(crate) fn held_by(&self, user: UserId) -> impl Iterator<Item = GroupId> + '_ {
        self.held.get(&user).into_iter().flatten().copied()
    }

    /// Members of a configuration, in order of arrival.
    pub(crate) fn members(&self, profile: GroupId) -> impl Iterator<Item = UserId> + '_ {
        self.lines.get(&profile).into_iter().flat_map(|line| line.by_arrival.values().copied())
    }

    /// How many members a configuration has.
    pub(crate) fn member_count(&self, profile: GroupId) -> usize {
        self.lines.get(&profile).map_or(0, |line| line.by_arrival.len())
    }

    /// The members holding one of the first `quota` places.
    pub(crate) fn licensed(&self, profile: GroupId, quota: u64) -> HashSet<UserId> {
        let quota = usize::try_from(quota).unwrap_or(usize::MAX);
        self.members(profile).take(quota).collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn set(ids: &[GroupId]) -> BTreeSet<GroupId> {
        ids.iter().copied().collect()
    }

    #[test]
    fn the_first_quota_members_are_licensed_and_a_leaver_frees_a_licence_for_the_next_in_line() {
        let mut licences = Licences::default();
        for user in 0..5 {
            licences.sync(user, &set(&[7]));
        }
        assert_eq!(licences.licensed(7, 3), [0, 1, 2].into_iter().collect());
        assert!(!licences.licensed(7, 3).contains(&3));
        licences.forget(1);
        assert_eq!(licences.member_count(7), 4);
        assert_eq!(licences.licensed(7, 3), [0, 2, 3].into_iter().collect());
        licences.sync(1, &set(&[7]));
        assert_eq!(licences.members(7).collect::<Vec<_>>(), vec![0, 2, 3, 4, 1]);
    }

    #[test]
    fn staying_a_member_keeps_the_place_in_line() {
        let mut licences = Licences::default();
        licences.sync(0, &set(&[7]));
        licences.sync(1, &set(&[7]));
        licences.sync(0, &set(&[7, 8]));
        assert_eq!(licences.members(7).collect::<Vec<_>>(), vec![0, 1]);
        assert_eq!(licences.held_by(0).collect::<Vec<_>>(), vec![7, 8]);
    }
}
