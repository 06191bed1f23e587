//! Ordered member lists that answer "the k-th member" in O(log n), so that a page of a listing
//! costs the page and not the list (issue 13: listing 300,000 users must not walk the org once per
//! page).
//!
//! A [`Line`] is an append-only sequence of slots, each holding a user or nothing (a member who
//! left leaves a vacant slot behind; a member who comes back gets a new slot at the end, which is
//! how "order of arrival" works for licences). A Fenwick tree over the slots counts the members
//! before any slot, and finds the slot of the k-th member by binary lifting. A line can also tell
//! direct members from members through a user group (product configurations), with a second tree
//! over the direct ones. Plain data, no I/O; the org ([`super::org`]) decides what the lines mean.

/// Counts over slots `0..len`, growable at the end (a Fenwick tree; node `i` is `tree[i - 1]`).
#[derive(Clone, Debug, Default)]
pub(crate) struct Fenwick {
    tree: Vec<u32>,
}

fn lowest_bit(index: usize) -> usize {
    index & index.wrapping_neg()
}

impl Fenwick {
    /// Appends a slot counting `value`.
    fn push(&mut self, value: u32) {
        let node = self.tree.len() + 1;
        let covered = self.prefix(node - 1) - self.prefix(node - lowest_bit(node));
        self.tree.push(covered + value);
    }

    /// Adds one to (`up`) or takes one from the count of `slot`.
    fn change(&mut self, slot: usize, up: bool) {
        let mut node = slot + 1;
        while node <= self.tree.len() {
            let cell = &mut self.tree[node - 1];
            *cell = if up { cell.saturating_add(1) } else { cell.saturating_sub(1) };
            node += lowest_bit(node);
        }
    }

    /// The total of slots `0..end`.
    fn prefix(&self, end: usize) -> u32 {
        let mut node = end.min(self.tree.len());
        let mut sum = 0;
        while node > 0 {
            sum += self.tree[node - 1];
            node -= lowest_bit(node);
        }
        sum
    }

    /// The slot of the `rank`-th (0-based) counted entry.
    fn select(&self, rank: usize) -> Option<usize> {
        let mut remaining = u32::try_from(rank).ok()?.checked_add(1)?;
        let length = self.tree.len();
        let mut position = 0;
        let mut step = if length == 0 { 0 } else { 1 << length.ilog2() };
        while step > 0 {
            let next = position + step;
            if next <= length && self.tree[next - 1] < remaining {
                position = next;
                remaining -= self.tree[next - 1];
            }
            step >>= 1;
        }
        (position < length).then_some(position)
    }
}

const VACANT: u32 = u32::MAX;
const DIRECT: u32 = 1 << 31;

/// Which members a listing shows.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Members {
    /// Every member.
    All,
    /// Direct members only (the same as `All` on a line that does not tell them apart).
    Direct,
}

/// An ordered list of members with vacant slots, see the module note.
#[derive(Clone, Debug, Default)]
pub(crate) struct Line {
    slots: Vec<u32>,
    members: Fenwick,
    direct: Option<Fenwick>,
}

impl Line {
    /// An empty line; `tells_direct` keeps a count of direct members as well.
    pub(crate) fn new(tells_direct: bool) -> Self {
        Self { slots: Vec::new(), members: Fenwick::default(), direct: tells_direct.then(Fenwick::default) }
    }

    /// Adds `user` at the end and returns its slot.
    pub(crate) fn push(&mut self, user: usize, direct: bool) -> u32 {
        let slot = u32::try_from(self.slots.len()).unwrap_or(VACANT - 1);
        let user = u32::try_from(user).unwrap_or(VACANT) & !DIRECT;
        let direct = direct || self.direct.is_none();
        self.slots.push(if direct { user | DIRECT } else { user });
        self.members.push(1);
        if let Some(tree) = &mut self.direct {
            tree.push(u32::from(direct));
        }
        slot
    }

    /// Empties a slot.
    pub(crate) fn remove(&mut self, slot: u32) {
        let index = slot as usize;
        let Some(&content) = self.slots.get(index) else { return };
        if content == VACANT {
            return;
        }
        self.slots[index] = VACANT;
        self.members.change(index, false);
        if let Some(tree) = &mut self.direct
            && content & DIRECT != 0
        {
            tree.change(index, false);
        }
    }

    /// Marks the member in `slot` as direct or not (on lines that tell them apart).
    pub(crate) fn set_direct(&mut self, slot: u32, direct: bool) {
        let index = slot as usize;
        let Some(tree) = &mut self.direct else { return };
        let Some(content) = self.slots.get_mut(index).filter(|content| **content != VACANT) else { return };
        let was = *content & DIRECT != 0;
        if was != direct {
            *content ^= DIRECT;
            tree.change(index, direct);
        }
    }

    /// How many members (of this kind) the line has.
    pub(crate) fn count(&self, which: Members) -> usize {
        self.tree(which).prefix(self.slots.len()) as usize
    }

    /// How many members (of this kind) come before `slot`.
    pub(crate) fn rank(&self, slot: u32, which: Members) -> usize {
        self.tree(which).prefix(slot as usize) as usize
    }

    /// The slot of the `rank`-th member (of this kind), or the end of the line.
    pub(crate) fn slot_of_rank(&self, rank: usize, which: Members) -> u32 {
        let slot = self.tree(which).select(rank).unwrap_or(self.slots.len());
        u32::try_from(slot).unwrap_or(VACANT)
    }

    /// The member at `rank` (of this kind).
    pub(crate) fn member(&self, rank: usize, which: Members) -> Option<usize> {
        let slot = self.tree(which).select(rank)?;
        self.slots.get(slot).map(|content| (content & !DIRECT) as usize)
    }

    /// Members of ranks `from..to` (of this kind), in order.
    pub(crate) fn members(&self, which: Members, from: usize, to: usize) -> impl Iterator<Item = usize> + '_ {
        (from..to).map_while(move |rank| self.member(rank, which))
    }

    fn tree(&self, which: Members) -> &Fenwick {
        match (which, &self.direct) {
            (Members::Direct, Some(tree)) => tree,
            _ => &self.members,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_kth_member_is_found_across_vacant_slots() {
        let mut line = Line::new(false);
        let slots: Vec<u32> = (0..100).map(|user| line.push(user, true)).collect();
        for user in (0..100).step_by(3) {
            line.remove(slots[user]);
        }
        let expected: Vec<usize> = (0..100).filter(|user| user % 3 != 0).collect();
        assert_eq!(line.count(Members::All), expected.len());
        assert_eq!(line.members(Members::All, 0, 1000).collect::<Vec<_>>(), expected);
        assert_eq!(line.members(Members::All, 10, 13).collect::<Vec<_>>(), expected[10..13].to_vec());
        assert_eq!(line.rank(slots[50], Members::All), expected.iter().filter(|user| **user < 50).count());
        line.remove(slots[1]);
        line.remove(slots[1]);
        assert_eq!(line.count(Members::All), expected.len() - 1);
        let again = line.push(1, true);
        assert_eq!(line.member(line.count(Members::All) - 1, Members::All), Some(1));
        assert_eq!(line.rank(again, Members::All), line.count(Members::All) - 1);
    }

    #[test]
    fn direct_members_are_counted_apart_and_can_change_kind() {
        let mut line = Line::new(true);
        let first = line.push(7, true);
        let second = line.push(8, false);
        line.push(9, true);
        assert_eq!((line.count(Members::All), line.count(Members::Direct)), (3, 2));
        assert_eq!(line.members(Members::Direct, 0, 5).collect::<Vec<_>>(), vec![7, 9]);
        line.set_direct(second, true);
        line.set_direct(first, false);
        assert_eq!(line.members(Members::Direct, 0, 5).collect::<Vec<_>>(), vec![8, 9]);
        line.remove(second);
        assert_eq!((line.count(Members::All), line.count(Members::Direct)), (2, 1));
        assert_eq!(line.slot_of_rank(1, Members::All), 2);
        assert_eq!(line.slot_of_rank(5, Members::All), 3);
    }

    #[test]
    fn a_grown_tree_agrees_with_a_plain_count() {
        let mut tree = Fenwick::default();
        let mut plain = Vec::new();
        for index in 0..1000_u32 {
            let value = u32::from(index % 7 != 0);
            tree.push(value);
            plain.push(value);
            if index % 13 == 0 && plain[index as usize / 2] == 1 {
                tree.change(index as usize / 2, false);
                plain[index as usize / 2] = 0;
            }
        }
        for end in [0, 1, 2, 63, 64, 65, 500, 999, 1000] {
            assert_eq!(tree.prefix(end), plain[..end].iter().sum::<u32>(), "prefix {end}");
        }
        let mut rank = 0;
        for (slot, value) in plain.iter().enumerate() {
            if *value == 1 {
                assert_eq!(tree.select(rank), Some(slot));
                rank += 1;
            }
        }
        assert_eq!(tree.select(rank), None);
    }
}
