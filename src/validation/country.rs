//! Country codes (SPEC 2.1): ISO 3166-1 alpha-2, checked against the full list in
//! `country_table` (249 codes), plus UMAPI's `UD` ("undefined"). When a value is not a code, a
//! suggestion is looked for, in this order: common mistakes (`UK` → `GB`, language codes such as
//! `JA` → `JP`), alpha-3 codes (`DEU` → `DE`), and English names (`Germany` → `DE`).
//!
//! Owns the table and the suggestion; which identity types need a country is `user_rules`' call.

use super::country_table::COUNTRIES;

/// UMAPI's "undefined" country: allowed for Adobe and Enterprise IDs, not Federated IDs.
pub const UNDEFINED: &str = "UD";

/// What a country cell holds.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum CountryCheck {
    /// A valid alpha-2 code, upper-cased.
    Valid(String),
    /// `UD`.
    Undefined,
    /// Not a code; maybe a suggestion (`(alpha-2, name)`).
    Invalid(Option<(&'static str, &'static str)>),
}

/// What a country cell holds, without the details of [`CountryCheck`] (and without allocating).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum CountryClass {
    /// A valid alpha-2 code.
    Valid,
    /// `UD`.
    Undefined,
    /// Not a code.
    Invalid,
}

/// Checks a country cell (already trimmed and non-empty), case-insensitively.
pub fn check(value: &str) -> CountryCheck {
    match classify(value) {
        CountryClass::Valid => CountryCheck::Valid(value.to_ascii_uppercase()),
        CountryClass::Undefined => CountryCheck::Undefined,
        CountryClass::Invalid => CountryCheck::Invalid(suggest(value)),
    }
}

/// Classifies a country cell (already trimmed), case-insensitively; the row rules' hot path.
pub fn classify(value: &str) -> CountryClass {
    let &[first, second] = value.as_bytes() else {
        return CountryClass::Invalid;
    };
    let upper = [first.to_ascii_uppercase(), second.to_ascii_uppercase()];
    if upper == *UNDEFINED.as_bytes() {
        CountryClass::Undefined
    } else if upper.iter().all(u8::is_ascii_uppercase)
        && KNOWN[usize::from(upper[0] - b'A') * 26 + usize::from(upper[1] - b'A')]
    {
        CountryClass::Valid
    } else {
        CountryClass::Invalid
    }
}

/// Which of the 26 × 26 upper-case letter pairs are codes in the table (a lookup for every row
/// of a file, where a binary search compared strings eight times).
const KNOWN: [bool; 26 * 26] = {
    let mut known = [false; 26 * 26];
    let mut index = 0;
    while index < COUNTRIES.len() {
        let code = COUNTRIES[index].0.as_bytes();
        known[(code[0] - b'A') as usize * 26 + (code[1] - b'A') as usize] = true;
        index += 1;
    }
    known
};

/// The English name of a valid alpha-2 code.
pub fn lookup(alpha_2: &str) -> Option<&'static str> {
    position(alpha_2.as_bytes())
        .map(|index| if COUNTRIES[index].3.is_empty() { COUNTRIES[index].2 } else { COUNTRIES[index].3 })
}

/// Where an alpha-2 code (exact bytes) sits in the table.
fn position(alpha_2: &[u8]) -> Option<usize> {
    COUNTRIES.binary_search_by(|entry| entry.0.as_bytes().cmp(alpha_2)).ok()
}

/// Mistakes seen in real files, each with the code meant.
const COMMON_MISTAKES: [(&str, &str); 22] = [
    ("UK", "GB"),
    ("EL", "GR"),
    ("EN", "GB"),
    ("ENGLAND", "GB"),
    ("SCOTLAND", "GB"),
    ("WALES", "GB"),
    ("NORTHERN IRELAND", "GB"),
    ("GREAT BRITAIN", "GB"),
    ("BRITAIN", "GB"),
    ("U.K.", "GB"),
    ("U.S.", "US"),
    ("U.S.A.", "US"),
    ("AMERICA", "US"),
    ("UNITED STATES OF AMERICA", "US"),
    ("UAE", "AE"),
    ("HOLLAND", "NL"),
    ("KOREA", "KR"),
    ("JA", "JP"),
    ("DA", "DK"),
    ("SV", "SE"),
    ("SP", "ES"),
    ("CS", "CZ"),
];

/// The code most likely meant by a value that is not a code.
pub fn suggest(value: &str) -> Option<(&'static str, &'static str)> {
    let wanted = value.trim().to_uppercase();
    let with_name =
        |alpha_2: &str| COUNTRIES.iter().find(|entry| entry.0 == alpha_2).map(|entry| (entry.0, display(entry)));
    if let Some((_, code)) = COMMON_MISTAKES.iter().find(|(mistake, _)| *mistake == wanted) {
        return with_name(code);
    }
    if wanted.len() == 3
        && let Some(entry) = COUNTRIES.iter().find(|entry| entry.1 == wanted)
    {
        return Some((entry.0, display(entry)));
    }
    let wanted_name = wanted.strip_prefix("THE ").unwrap_or(&wanted);
    COUNTRIES
        .iter()
        .find(|entry| {
            entry.2.to_uppercase() == wanted_name || (!entry.3.is_empty() && entry.3.to_uppercase() == wanted_name)
        })
        .map(|entry| (entry.0, display(entry)))
}

fn display(entry: &(&'static str, &'static str, &'static str, &'static str)) -> &'static str {
    if entry.3.is_empty() { entry.2 } else { entry.3 }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_table_is_sorted_and_complete() {
        assert_eq!(COUNTRIES.len(), 249);
        assert!(COUNTRIES.windows(2).all(|pair| pair[0].0 < pair[1].0));
        assert_eq!(KNOWN.iter().filter(|&&known| known).count(), 249);
        for first in b'A'..=b'Z' {
            for second in b'A'..=b'Z' {
                let code = String::from_utf8(vec![first, second]).unwrap_or_default();
                let expected = if code == UNDEFINED {
                    CountryClass::Undefined
                } else if lookup(&code).is_some() {
                    CountryClass::Valid
                } else {
                    CountryClass::Invalid
                };
                assert_eq!(classify(&code), expected, "{code}");
            }
        }
    }

    #[test]
    fn codes_are_accepted_case_insensitively() {
        assert_eq!(check("gb"), CountryCheck::Valid("GB".into()));
        assert_eq!(check("ud"), CountryCheck::Undefined);
        assert_eq!(lookup("DE"), Some("Germany"));
        assert_eq!(lookup("XK"), None);
        for (value, class) in [
            ("de", CountryClass::Valid),
            ("Us", CountryClass::Valid),
            ("uD", CountryClass::Undefined),
            ("UK", CountryClass::Invalid),
            ("Ü", CountryClass::Invalid),
            ("D", CountryClass::Invalid),
            ("DEU", CountryClass::Invalid),
        ] {
            assert_eq!(classify(value), class, "{value}");
        }
    }

    #[test]
    fn mistakes_alpha3_and_names_get_suggestions() {
        assert_eq!(check("UK"), CountryCheck::Invalid(Some(("GB", "United Kingdom"))));
        assert_eq!(suggest("usa"), Some(("US", "United States")));
        assert_eq!(suggest("Germany"), Some(("DE", "Germany")));
        assert_eq!(suggest("South Korea"), Some(("KR", "South Korea")));
        assert_eq!(suggest("the Netherlands"), Some(("NL", "Netherlands")));
        assert_eq!(check("ZZ"), CountryCheck::Invalid(None));
    }
}
