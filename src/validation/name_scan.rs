//! The byte-level scan behind the multi-valued cells: finding the next comma, trimming a name as
//! `str::trim` does, and hashing it with ASCII case folded, eight bytes at a time. The usual name
//! (ASCII at both ends, spaces before it, a comma or the cell's end right after it) is found and
//! hashed in the same pass over its words ([`next_piece`]); anything else is cut at the comma
//! and left to [`trim`] and [`folded_hash`], which give the same result the slow way.
//!
//! Hot path of `check` on large files (hundreds of thousands of names): no call per name, no
//! allocation, no byte-at-a-time loop over a usual name. Owns bytes only; `names` keeps the
//! results.

const MULTIPLIER: u64 = 0x9E37_79B9_7F4A_7C15;
/// The `0x20` bit of every byte: set, it folds ASCII upper case onto lower case.
const FOLD: u64 = 0x2020_2020_2020_2020;
const COMMAS: u64 = 0x2C2C_2C2C_2C2C_2C2C;
const LOW_BITS: u64 = 0x0101_0101_0101_0101;
const HIGH_BITS: u64 = 0x8080_8080_8080_8080;

/// One piece of a cell, from a position to the next comma (or the cell's end).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(super) enum Piece {
    /// A usual name, found and hashed in one pass: `start..end` is the trimmed name,
    /// `hash` its [`folded_hash`].
    Name { start: usize, end: usize, hash: u64, comma: usize },
    /// Anything else (empty, or whitespace other than spaces, or non-ASCII at an end): the
    /// caller trims and hashes the piece that ends at `comma`.
    Other { comma: usize },
}

/// The piece of `bytes` that starts at `from`; `comma` is where it ends (the comma's position,
/// or the length when no comma follows).
pub(super) fn next_piece(bytes: &[u8], from: usize) -> Piece {
    let mut start = from;
    while bytes.get(start) == Some(&b' ') {
        start += 1;
    }
    if !bytes.get(start).is_some_and(|&byte| plain(byte)) {
        return Piece::Other { comma: next_comma(bytes, from) };
    }
    let mut position = start;
    let mut hash = 0;
    let end = 'scan: {
        while let Some(bytes_here) = bytes.get(position..position + 8) {
            let word = word_at(bytes_here);
            let commas = zero_bytes(word ^ COMMAS);
            if commas != 0 {
                break 'scan position + partial(&mut hash, word, commas);
            }
            hash = mix(hash, word | FOLD);
            position += 8;
        }
        // Fewer than eight bytes left, zero-padded (a zero byte is not a comma).
        let rest = bytes.get(position..).unwrap_or_default();
        let word = short_word(rest);
        let commas = zero_bytes(word ^ COMMAS);
        if commas != 0 {
            break 'scan position + partial(&mut hash, word, commas);
        }
        if !rest.is_empty() {
            hash = mix(hash, word | FOLD);
        }
        bytes.len()
    };
    // The first byte is plain, so the name is not empty; a plain last byte means nothing to trim.
    if !plain(bytes[end - 1]) {
        return Piece::Other { comma: end };
    }
    Piece::Name { start, end, hash: finish(hash, end - start), comma: end }
}

/// Mixes the bytes of `word` before its first comma (flagged in `commas`) into `hash`; returns
/// how many there are.
fn partial(hash: &mut u64, word: u64, commas: u64) -> usize {
    let before = (commas.trailing_zeros() / 8) as usize;
    if before > 0 {
        *hash = mix(*hash, (word & ((1u64 << (8 * before)) - 1)) | FOLD);
    }
    before
}

/// An ASCII byte that is neither whitespace (as `char::is_whitespace` says) nor a comma: a name
/// that starts and ends with one has nothing to trim.
fn plain(byte: u8) -> bool {
    byte.is_ascii() && !matches!(byte, b'\t'..=b'\r' | b' ' | b',')
}

/// The high bit of each zero byte of `word`; the lowest one is exact (higher ones may be
/// borrows), which is all a search for the first match needs.
fn zero_bytes(word: u64) -> u64 {
    word.wrapping_sub(LOW_BITS) & !word & HIGH_BITS
}

/// The position of the first `,` at or after `from`, or the length when there is none: eight
/// bytes at a time, inline, since names are short and a search call per name cost more than the
/// search.
pub(super) fn next_comma(bytes: &[u8], from: usize) -> usize {
    let mut index = from;
    while let Some(word) = bytes.get(index..index + 8) {
        let commas = zero_bytes(word_at(word) ^ COMMAS);
        if commas != 0 {
            return index + (commas.trailing_zeros() / 8) as usize;
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
/// multiply per word, the last word zero-padded; the length goes in last. Its high bits are the
/// best mixed.
pub(super) fn folded_hash(name: &str) -> u64 {
    let bytes = name.as_bytes();
    let mut hash = 0;
    let mut words = bytes.chunks_exact(8);
    for word in &mut words {
        hash = mix(hash, word_at(word) | FOLD);
    }
    if !words.remainder().is_empty() {
        hash = mix(hash, short_word(words.remainder()) | FOLD);
    }
    finish(hash, bytes.len())
}

fn mix(hash: u64, word: u64) -> u64 {
    (hash.rotate_left(29) ^ word).wrapping_mul(MULTIPLIER)
}

fn finish(hash: u64, length: usize) -> u64 {
    (hash ^ length as u64).wrapping_mul(MULTIPLIER)
}

/// The first eight bytes of `bytes` (at least eight) as a little-endian word.
fn word_at(bytes: &[u8]) -> u64 {
    let mut array = [0u8; 8];
    array.copy_from_slice(&bytes[..8]);
    u64::from_le_bytes(array)
}

/// Up to seven bytes as a little-endian word, zero-padded, read in pieces of four, two and one
/// (copying them into a buffer stalled the load that followed).
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

    /// What a piece must be: the trimmed text up to the next comma, and its hash.
    fn slow_piece(cell: &str, from: usize) -> (String, u64, usize) {
        let comma = cell[from..].find(',').map_or(cell.len(), |at| from + at);
        let name = cell[from..comma].trim();
        (name.to_string(), folded_hash(name), comma)
    }

    fn fast_piece(cell: &str, from: usize) -> (String, u64, usize) {
        match next_piece(cell.as_bytes(), from) {
            Piece::Name { start, end, hash, comma } => (cell[start..end].to_string(), hash, comma),
            Piece::Other { comma } => {
                let name = trim(&cell[from..comma]);
                (name.to_string(), folded_hash(name), comma)
            }
        }
    }

    #[test]
    fn pieces_are_the_trimmed_text_between_commas_with_its_hash() {
        let cell = "Group 0001, group 0001 ,  Regional Marketing Team 0042 - EMEA,,x, \tTab,\u{a0}é, last one";
        let mut from = 0;
        let mut names = Vec::new();
        loop {
            let (name, hash, comma) = fast_piece(cell, from);
            assert_eq!((name.clone(), hash, comma), slow_piece(cell, from), "from {from}");
            names.push(name);
            if comma >= cell.len() {
                break;
            }
            from = comma + 1;
        }
        let expected =
            ["Group 0001", "group 0001", "Regional Marketing Team 0042 - EMEA", "", "x", "Tab", "é", "last one"];
        assert_eq!(names, expected);
        assert!(matches!(next_piece(b"  Designers, x", 0), Piece::Name { start: 2, end: 11, comma: 11, .. }));
        assert!(matches!(next_piece(b"Designers ,x", 0), Piece::Other { comma: 10 }));
    }

    proptest::proptest! {
        #[test]
        fn pieces_agree_with_trim_and_hash_on_any_cell(cell in "[ ,a-zA-Z0-9\t\u{a0}é-]{0,40}") {
            let mut from = 0;
            loop {
                let fast = fast_piece(&cell, from);
                proptest::prop_assert_eq!(&fast, &slow_piece(&cell, from));
                if fast.2 >= cell.len() {
                    break;
                }
                from = fast.2 + 1;
            }
        }
    }

    #[test]
    fn folded_hash_ignores_ascii_case() {
        assert_eq!(folded_hash("Designers - EMEA Team"), folded_hash("designers - emea TEAM"));
        assert_ne!(folded_hash("Designers"), folded_hash("Designer"));
        assert_ne!(folded_hash("Team 0042"), folded_hash("Team 0043"));
        assert_ne!(folded_hash("Team 00420"), folded_hash("Team 00430"));
        assert_ne!(folded_hash("abcdefgh"), folded_hash("abcdefgi"));
        assert_ne!(folded_hash("abc"), folded_hash("abd"));
        assert_eq!(folded_hash("Zoë"), folded_hash("ZOë"));
        assert_eq!(
            folded_hash("Regional Marketing Team 0042 - EMEA"),
            folded_hash("REGIONAL marketing TEAM 0042 - emea")
        );
        assert_eq!(short_word(b"abcdefg"), u64::from_le_bytes(*b"abcdefg\0"));
        assert_eq!(short_word(b"a"), u64::from(b'a'));
        assert_eq!(short_word(b""), 0);
        for byte in 0u8..=255 {
            let (lower, upper) = (byte.to_ascii_lowercase(), byte.to_ascii_uppercase());
            assert_eq!(short_word(&[lower; 7]) | FOLD, short_word(&[upper; 7]) | FOLD);
        }
    }

    #[test]
    fn next_comma_is_find() {
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
}
