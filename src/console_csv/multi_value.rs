//! Multi-valued cells (SPEC 2.1): Product Configurations, Admin Roles, User Groups and the
//! "… Administered" columns hold names separated by commas inside one quoted cell, e.g.
//! `"Audience Manager - Default Access, Custom plan - Design"`. Each name is trimmed and empty
//! names are dropped. `export` and the reports reuse [`join`] to write such cells back.
//!
//! Owns splitting and joining only; duplicate names and unknown names are `validation`'s business.

/// The separator between names in a multi-valued cell.
pub const SEPARATOR: char = ',';

/// The names in a multi-valued cell: split on commas, trimmed, empty names dropped.
pub fn split(cell: &str) -> impl Iterator<Item = &str> {
    cell.split(SEPARATOR).map(str::trim).filter(|name| !name.is_empty())
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
    fn join_round_trips_split() {
        let names = split_owned("Designers,Finance");
        assert_eq!(join(&names), "Designers, Finance");
        assert_eq!(split_owned(&join(&names)), names);
    }
}
