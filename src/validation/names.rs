//! The names of the multi-valued cells (SPEC 2.1), split without allocating: each cell is cut at
//! commas, each name trimmed and empty names dropped, as `console_csv::multi_value` does (the
//! byte-level scan is `name_scan`'s; a cell with a `<`, as Adobe's product names with commas have,
//! takes `multi_value`'s bracket-aware cut instead), and the names kept are recorded as byte
//! ranges of the cell in one reused list per column. A name listed twice in one cell (ASCII case ignored) is kept once; the later copies
//! are set aside for a warning.
//!
//! Duplicates are found with a small open-addressing table of case-folded hashes that is never
//! cleared: each cell gets a new stamp, and slots with an older stamp count as empty. Hashes only
//! pick candidates; names are compared before one is set aside.
//!
//! Owns splitting, the kept ranges and duplicate detection; which names are refused (control
//! characters, length) and every diagnostic are `membership_rules`' business.

use crate::console_csv::{Column, multi_value};

use super::name_scan::{Piece, folded_hash, next_piece, trim};

/// A kept name: its byte range in the cell and its case-folded hash.
#[derive(Clone, Copy, Debug)]
struct Name {
    start: u32,
    end: u32,
    hash: u64,
}

/// What the duplicate table says about a name.
enum Found {
    /// An equal name is kept already.
    Kept,
    /// No equal name; this slot is free for it.
    Free(usize),
}

/// One slot of the duplicate table: the stamp of the cell that filled it, and the name's index.
#[derive(Clone, Copy, Default)]
struct Slot {
    stamp: u32,
    index: u32,
}

/// The names kept from each multi-valued cell of the current row.
#[derive(Default)]
pub(super) struct NameLists {
    /// Kept names per multi-valued column (index: [`slot`]).
    lists: [Vec<Name>; 6],
    /// Whether the column is in the header (an absent column has no list at all).
    present: [bool; 6],
    /// Later copies of names already kept, from the last cell split, in the order met.
    repeated: Vec<(usize, usize)>,
    table: Vec<Slot>,
    table_bits: u32,
    stamp: u32,
}

/// The list index of a multi-valued column.
pub(super) fn slot(column: Column) -> Option<usize> {
    Column::MULTI_VALUED.iter().position(|&multi_valued| multi_valued == column)
}

impl NameLists {
    /// Forgets the previous row: every column absent until split again.
    pub(super) fn start_row(&mut self) {
        self.present = [false; 6];
    }

    /// Whether the column was split for this row (it is in the header).
    pub(super) fn is_present(&self, slot: usize) -> bool {
        self.present[slot]
    }

    /// Whether the column kept at least one name.
    pub(super) fn has_names(&self, slot: usize) -> bool {
        self.present[slot] && !self.lists[slot].is_empty()
    }

    /// The names kept from `cell` (the cell that was split into `slot`), in file order.
    pub(super) fn names<'s, 'c>(&'s self, slot: usize, cell: &'c str) -> impl Iterator<Item = &'c str> + use<'s, 'c> {
        self.lists[slot].iter().map(move |name| cell.get(name.start as usize..name.end as usize).unwrap_or_default())
    }

    /// The names kept, owned (what `UserRow` holds); `None` when the column is absent.
    pub(super) fn owned(&self, slot: usize, cell: &str) -> Option<Vec<String>> {
        self.present[slot].then(|| self.names(slot, cell).map(str::to_string).collect())
    }

    /// Byte ranges of the later copies of names met in the last cell split, in the order met.
    pub(super) fn repeated(&self) -> &[(usize, usize)] {
        &self.repeated
    }

    /// Splits `cell` into `slot`'s list. `refused` sees each trimmed, non-empty name first and
    /// says whether to drop it (it reports why); the rest are kept unless already kept.
    pub(super) fn split(&mut self, slot: usize, cell: &str, mut refused: impl FnMut(&str) -> bool) {
        self.present[slot] = true;
        self.repeated.clear();
        let mut list = std::mem::take(&mut self.lists[slot]);
        list.clear();
        self.next_stamp();
        if multi_value::has_brackets(cell) {
            // Rare (Adobe's product names with `<…>`): commas inside the brackets are the name's.
            for piece in multi_value::pieces(cell) {
                let name = trim(piece);
                if !name.is_empty() && !refused(name) {
                    self.keep(&mut list, cell, name, folded_hash(name));
                }
            }
            self.lists[slot] = list;
            return;
        }
        let bytes = cell.as_bytes();
        let mut start = 0;
        loop {
            let (name, known_hash, comma) = match next_piece(bytes, start) {
                Piece::Name { start, end, hash, comma } => {
                    (cell.get(start..end).unwrap_or_default(), Some(hash), comma)
                }
                // Commas are ASCII, so the cuts are on character boundaries.
                Piece::Other { comma } => (trim(cell.get(start..comma).unwrap_or_default()), None, comma),
            };
            if !name.is_empty() && !refused(name) {
                let hash = known_hash.unwrap_or_else(|| folded_hash(name));
                self.keep(&mut list, cell, name, hash);
            }
            if comma >= bytes.len() {
                break;
            }
            start = comma + 1;
        }
        self.lists[slot] = list;
    }

    /// Keeps `name` (a slice of `cell`) in `list` unless an equal name is kept already.
    fn keep(&mut self, list: &mut Vec<Name>, cell: &str, name: &str, hash: u64) {
        // `name` lies inside `cell`: its offset is the distance between their starts.
        let name_start = name.as_ptr() as usize - cell.as_ptr() as usize;
        match self.find(list, cell, name, hash) {
            Found::Kept => self.repeated.push((name_start, name_start + name.len())),
            Found::Free(position) => {
                // A file is at most 10 MB, so offsets fit in u32.
                list.push(Name { start: name_start as u32, end: (name_start + name.len()) as u32, hash });
                if list.len() * 2 > self.table.len() {
                    self.grow(list);
                } else {
                    self.table[position] = Slot { stamp: self.stamp, index: (list.len() - 1) as u32 };
                }
            }
        }
    }

    /// A new stamp for a new cell: every slot filled earlier becomes empty.
    fn next_stamp(&mut self) {
        self.stamp = self.stamp.wrapping_add(1);
        if self.stamp == 0 {
            self.table.fill(Slot::default());
            self.stamp = 1;
        }
    }

    fn home(&self, hash: u64) -> usize {
        (hash >> (64 - self.table_bits)) as usize
    }

    /// Looks for a name equal to `name` (ASCII case ignored) in `list`; when there is none,
    /// the free slot where it goes.
    fn find(&self, list: &[Name], cell: &str, name: &str, hash: u64) -> Found {
        if self.table.is_empty() {
            return Found::Free(0);
        }
        let mask = self.table.len() - 1;
        let mut position = self.home(hash);
        loop {
            let slot = self.table[position];
            if slot.stamp != self.stamp {
                return Found::Free(position);
            }
            let kept = list[slot.index as usize];
            if kept.hash == hash
                && cell
                    .get(kept.start as usize..kept.end as usize)
                    .is_some_and(|other| other.eq_ignore_ascii_case(name))
            {
                return Found::Kept;
            }
            position = (position + 1) & mask;
        }
    }

    fn insert(&mut self, hash: u64, index: usize) {
        let mask = self.table.len() - 1;
        let mut position = self.home(hash);
        while self.table[position].stamp == self.stamp {
            position = (position + 1) & mask;
        }
        self.table[position] = Slot { stamp: self.stamp, index: index as u32 };
    }

    /// Doubles the table (at least 64 slots) and re-inserts the cell's names kept so far.
    fn grow(&mut self, list: &[Name]) {
        self.table_bits = (self.table_bits + 1).max(6);
        self.table = vec![Slot::default(); 1 << self.table_bits];
        for (index, name) in list.iter().enumerate() {
            self.insert(name.hash, index);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::console_csv::multi_value;

    fn split(lists: &mut NameLists, cell: &str) -> (Vec<String>, Vec<String>) {
        lists.split(0, cell, |_| false);
        let kept = lists.names(0, cell).map(str::to_string).collect();
        let repeated = lists.repeated().iter().map(|&(start, end)| cell[start..end].to_string()).collect();
        (kept, repeated)
    }

    #[test]
    fn names_are_split_trimmed_and_kept_once_like_multi_value() {
        let mut lists = NameLists::default();
        let cell = " A ,b,, ,\u{a0}C - Default\u{3000},a, B ,Zoë,ZOË";
        let (kept, repeated) = split(&mut lists, cell);
        assert_eq!(kept, vec!["A", "b", "C - Default", "Zoë", "ZOË"]);
        assert_eq!(repeated, vec!["a", "B"]);
        let all: Vec<&str> = multi_value::split(cell).collect();
        assert_eq!(all, vec!["A", "b", "C - Default", "a", "B", "Zoë", "ZOË"]);
        assert!(lists.is_present(0) && lists.has_names(0) && !lists.is_present(1));
        assert_eq!(split(&mut lists, " , "), (vec![], vec![]));
        assert!(lists.is_present(0) && !lists.has_names(0));
    }

    #[test]
    fn product_names_with_commas_in_angle_brackets_stay_whole() {
        let mut lists = NameLists::default();
        let cell = "Photoshop (<CCE,Single App - Enterprise,PHSP>), Illustrator (<CCE,Single App - Enterprise,ILST>), \
                    photoshop (<cce,single app - enterprise,phsp>)";
        let (kept, repeated) = split(&mut lists, cell);
        assert_eq!(
            kept,
            vec!["Photoshop (<CCE,Single App - Enterprise,PHSP>)", "Illustrator (<CCE,Single App - Enterprise,ILST>)"]
        );
        assert_eq!(repeated, vec!["photoshop (<cce,single app - enterprise,phsp>)"]);
        let all: Vec<&str> = multi_value::split(cell).collect();
        assert_eq!(all.len(), 3);
    }

    #[test]
    fn many_names_grow_the_table_and_every_cell_starts_afresh() {
        let mut lists = NameLists::default();
        let names: Vec<String> = (0..500).map(|number| format!("Group {number:04}")).collect();
        let cell = format!("{}, {}", names.join(", "), names[..250].join(",").to_uppercase());
        let (kept, repeated) = split(&mut lists, &cell);
        assert_eq!(kept, names);
        assert_eq!(repeated.len(), 250);
        assert_eq!(split(&mut lists, "Group 0001, x").0, vec!["Group 0001", "x"]);
    }

    #[test]
    fn refused_names_are_neither_kept_nor_compared() {
        let mut lists = NameLists::default();
        lists.split(2, "bad, good, BAD, Good", |name| name.eq_ignore_ascii_case("bad"));
        assert_eq!(lists.names(2, "bad, good, BAD, Good").collect::<Vec<_>>(), vec!["good"]);
        assert_eq!(lists.repeated(), &[(16, 20)]);
    }
}
