//! The names of the multi-valued cells (SPEC 2.1), split without allocating: each cell is cut at
//! commas (`memchr`), each name trimmed and empty names dropped, as `console_csv::multi_value`
//! does, and the names kept are recorded as byte ranges of the cell in one reused list per
//! column. A name listed twice in one cell (ASCII case ignored) is kept once; the later copies
//! are set aside for a warning.
//!
//! Duplicates are found with a small open-addressing table of case-folded hashes that is never
//! cleared: each cell gets a new stamp, and slots with an older stamp count as empty. Hashes only
//! pick candidates; names are compared before one is set aside.
//!
//! Owns splitting, the kept ranges and duplicate detection; which names are refused (control
//! characters, length) and every diagnostic are `membership_rules`' business.

use crate::console_csv::Column;

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
        let bytes = cell.as_bytes();
        let mut start = 0;
        loop {
            let end = next_comma(bytes, start);
            // Commas are ASCII, so the cuts are on character boundaries.
            let name = trim(cell.get(start..end).unwrap_or_default());
            if !name.is_empty() && !refused(name) {
                // `name` lies inside `cell`: its offset is the distance between their starts.
                let name_start = name.as_ptr() as usize - cell.as_ptr() as usize;
                let hash = folded_hash(name);
                match self.find(&list, cell, name, hash) {
                    Found::Kept => self.repeated.push((name_start, name_start + name.len())),
                    Found::Free(position) => {
                        // A file is at most 10 MB, so offsets fit in u32.
                        list.push(Name { start: name_start as u32, end: (name_start + name.len()) as u32, hash });
                        if list.len() * 2 > self.table.len() {
                            self.grow(&list);
                        } else {
                            self.table[position] = Slot { stamp: self.stamp, index: (list.len() - 1) as u32 };
                        }
                    }
                }
            }
            if end >= bytes.len() {
                break;
            }
            start = end + 1;
        }
        self.lists[slot] = list;
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

/// The position of the first `,` at or after `from`, or the length when there is none: eight
/// bytes at a time (the lowest byte flagged by the zero-byte test on `word ^ ",,,,,,,,"` is
/// exactly the first comma), inline, since names are short and a search call per name cost more
/// than the search.
fn next_comma(bytes: &[u8], from: usize) -> usize {
    const COMMAS: u64 = 0x2C2C_2C2C_2C2C_2C2C;
    const LOW_BITS: u64 = 0x0101_0101_0101_0101;
    const HIGH_BITS: u64 = 0x8080_8080_8080_8080;
    let mut index = from;
    while let Some(word) = bytes.get(index..index + 8) {
        let difference = word_at(word) ^ COMMAS;
        let zero_bytes = difference.wrapping_sub(LOW_BITS) & !difference & HIGH_BITS;
        if zero_bytes != 0 {
            return index + (zero_bytes.trailing_zeros() / 8) as usize;
        }
        index += 8;
    }
    bytes.get(index..).and_then(|tail| tail.iter().position(|&byte| byte == b',')).map_or(bytes.len(), |at| index + at)
}

/// `str::trim`, with a fast path for the usual name: ASCII at both ends, where only ASCII
/// whitespace (tab to carriage return, space) can be trimmed; anything else goes to `str::trim`.
pub(super) fn trim(text: &str) -> &str {
    let is_space = |byte: &u8| matches!(byte, b'\t'..=b'\r' | b' ');
    let bytes = text.as_bytes();
    let start = bytes.iter().position(|byte| !is_space(byte)).unwrap_or(bytes.len());
    let end = bytes.iter().rposition(|byte| !is_space(byte)).map_or(start, |last| last + 1);
    // Both cuts are next to ASCII bytes, so on character boundaries.
    let inner = text.get(start..end).unwrap_or_default();
    match (inner.as_bytes().first(), inner.as_bytes().last()) {
        (Some(first), Some(last)) if !first.is_ascii() || !last.is_ascii() => inner.trim(),
        _ => inner,
    }
}

/// A hash of a name that is equal for names equal but for ASCII case: every byte has its `0x20`
/// bit set first (upper- and lower-case letters differ only there; a few other pairs, such as
/// `@` and `` ` ``, then collide too, which only costs a comparison). Eight bytes at a time, one
/// multiply per word, no allocation; the last word overlaps the one before it rather than being
/// copied out byte by byte (a copy into a buffer stalled the load that followed it). Its high
/// bits pick the table slot.
pub(super) fn folded_hash(name: &str) -> u64 {
    const MULTIPLIER: u64 = 0x9E37_79B9_7F4A_7C15;
    const FOLD: u64 = 0x2020_2020_2020_2020;
    let bytes = name.as_bytes();
    let mut hash = bytes.len() as u64;
    let last = if bytes.len() >= 8 {
        let mut words = bytes.chunks_exact(8);
        for word in &mut words {
            hash = (hash ^ (word_at(word) | FOLD)).wrapping_mul(MULTIPLIER).rotate_left(31);
        }
        if words.remainder().is_empty() {
            return hash.wrapping_mul(MULTIPLIER);
        }
        word_at(&bytes[bytes.len() - 8..])
    } else {
        short_word(bytes)
    };
    (hash ^ (last | FOLD)).wrapping_mul(MULTIPLIER)
}

/// The first eight bytes of `bytes` (at least eight) as a little-endian word.
fn word_at(bytes: &[u8]) -> u64 {
    let mut array = [0u8; 8];
    array.copy_from_slice(&bytes[..8]);
    u64::from_le_bytes(array)
}

/// Up to seven bytes as a little-endian word, zero-padded, read in pieces of four, two and one.
fn short_word(bytes: &[u8]) -> u64 {
    let mut word = 0u64;
    let mut shift = 0;
    let mut rest = bytes;
    if let [a, b, c, d, tail @ ..] = rest {
        word = u64::from(u32::from_le_bytes([*a, *b, *c, *d]));
        shift = 32;
        rest = tail;
    }
    if let [a, b, tail @ ..] = rest {
        word |= u64::from(u16::from_le_bytes([*a, *b])) << shift;
        shift += 16;
        rest = tail;
    }
    if let [a, ..] = rest {
        word |= u64::from(*a) << shift;
    }
    word
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
    fn folded_hash_ignores_ascii_case() {
        assert_eq!(folded_hash("Designers - EMEA Team"), folded_hash("designers - emea TEAM"));
        assert_ne!(folded_hash("Designers"), folded_hash("Designer"));
        assert_ne!(folded_hash("Team 0042"), folded_hash("Team 0043"));
        assert_ne!(folded_hash("Team 00420"), folded_hash("Team 00430"));
        assert_ne!(folded_hash("abcdefgh"), folded_hash("abcdefgi"));
        assert_ne!(folded_hash("abc"), folded_hash("abd"));
        assert_eq!(short_word(b"abcdefg"), u64::from_le_bytes(*b"abcdefg\0"));
        assert_eq!(short_word(b"a"), u64::from(b'a'));
        assert_eq!(short_word(b""), 0);
        assert_eq!(folded_hash("Zoë"), folded_hash("ZOë"));
        assert_eq!(
            folded_hash("Regional Marketing Team 0042 - EMEA"),
            folded_hash("REGIONAL marketing TEAM 0042 - emea")
        );
        for byte in 0u8..=255 {
            let (lower, upper) = (byte.to_ascii_lowercase(), byte.to_ascii_uppercase());
            assert_eq!(
                short_word(&[lower; 7]) | 0x2020_2020_2020_2020,
                short_word(&[upper; 7]) | 0x2020_2020_2020_2020
            );
        }
        let text = "a,bcdefghij,,klmnopqrstuvwxyz,";
        let commas: Vec<usize> = (0..=text.len()).map(|from| next_comma(text.as_bytes(), from)).collect();
        let expected: Vec<usize> =
            (0..=text.len()).map(|from| text[from..].find(',').map_or(text.len(), |at| from + at)).collect();
        assert_eq!(commas, expected);
    }

    #[test]
    fn trim_is_str_trim() {
        for text in ["", " ", " a ", "\t\x0b\x0c\r\n a\x1f", "\u{a0}x\u{3000}", " \u{2003} é \u{85}", "é", "\u{a0}"] {
            assert_eq!(trim(text), text.trim(), "{text:?}");
        }
    }

    proptest::proptest! {
        #[test]
        fn trim_is_str_trim_on_any_text(text in "[ \t\r\n\x0b\x0c\x1c-\x1fa-zé\u{a0}\u{85}\u{2000}-\u{200b}\u{3000}]{0,8}") {
            proptest::prop_assert_eq!(trim(&text), text.trim());
        }
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
