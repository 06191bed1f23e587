//! Multi-valued cells (SPEC 2.1): Product Configurations, Admin Roles, User Groups and the
//! "… Administered" columns hold names separated by commas inside one quoted cell, e.g.
//! `"Audience Manager - Default Access, Custom plan - Design"`. Each name is trimmed and empty
//! names are dropped. `export` and the reports reuse [`join`] to write such cells back.
//!
//! Adobe's product names carry commas of their own inside angle brackets
//! (`Photoshop (<CCE,Single App - Enterprise,PHSP>)`, UMAPI.md 5d), and `_product_admin_<product>`
//! is built from them, so a comma between `<` and its `>` does not separate names. A `<` that is
//! never closed leaves the cell split at every comma.
//!
//! Owns splitting and joining only; duplicate names and unknown names are `validation`'s business.

/// The separator between names in a multi-valued cell.
pub const SEPARATOR: char = ',';

/// The names in a multi-valued cell: split on commas outside angle brackets, trimmed, empty names
/// dropped.
pub fn split(cell: &str) -> impl Iterator<Item = &str> {
    pieces(cell).into_iter().map(str::trim).filter(|name| !name.is_empty())
}

/// Whether a cell needs the bracket-aware cut ([`pieces`]): it holds a `<`.
pub fn has_brackets(cell: &str) -> bool {
    memchr::memchr(b'<', cell.as_bytes()).is_some()
}

/// The cell cut at every comma that is not inside `<…>`; at every comma when a `<` stays open.
pub fn pieces(cell: &str) -> Vec<&str> {
    if !has_brackets(cell) {
        return cell.split(SEPARATOR).collect();
    }
    let mut pieces = Vec::new();
    let mut depth = 0_usize;
    let mut start = 0;
    for (position, byte) in cell.bytes().enumerate() {
        match byte {
            b'<' => depth += 1,
            b'>' => depth = depth.saturating_sub(1),
            // Commas are ASCII, so the cuts are on character boundaries.
            b',' if depth == 0 => {
                pieces.push(cell.get(start..position).unwrap_or_default());
                start = position + 1;
            }
            _ => {}
        }
    }
    if depth > 0 {
        return cell.split(SEPARATOR).collect();
    }
    pieces.push(cell.get(start..).unwrap_or_default());
    pieces
}

/// The names as owned strings (what `UserRow` holds).
pub fn split_owned(cell: &str) -> Vec<String> {
    split(cell).map(str::to_string).collect()
}

/// Writes names back into one cell the way the Console exports them (`A, B`).
pub fn join<S: AsRef<str>>(names: &[S]) -> String {
    let mut cell = String::new();
    for (position, name) in names.iter().enumerate() {
        if position > 0 {
            cell.push_str(", ");
        }
        cell.push_str(name.as_ref());
    }
    cell
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_are_trimmed_and_empty_names_dropped() {
        assert_eq!(split_owned(" A ,B,, ,C - Default "), vec!["A", "B", "C - Default"]);
        assert!(split_owned("").is_empty());
        assert!(split_owned(" , ").is_empty());
    }

    #[test]
    fn commas_inside_angle_brackets_belong_to_the_name() {
        let cell = "Photoshop (<CCE,Single App - Enterprise,PHSP>), Illustrator (<CCE,Single App - Enterprise,ILST>)";
        assert_eq!(
            split_owned(cell),
            vec!["Photoshop (<CCE,Single App - Enterprise,PHSP>)", "Illustrator (<CCE,Single App - Enterprise,ILST>)"]
        );
        assert_eq!(split_owned(&join(&split_owned(cell))), split_owned(cell));
        assert_eq!(split_owned("A (<x,y>) , B"), vec!["A (<x,y>)", "B"]);
        assert_eq!(split_owned("open <a, b"), vec!["open <a", "b"], "an unclosed < splits at every comma");
        assert_eq!(split_owned("a > b, c"), vec!["a > b", "c"]);
    }

    #[test]
    fn join_round_trips_split() {
        let names = split_owned("Designers,Finance");
        assert_eq!(join(&names), "Designers, Finance");
        assert_eq!(split_owned(&join(&names)), names);
    }
}
