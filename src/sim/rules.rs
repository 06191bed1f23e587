//! The simulator's field rules that UMAPI applies to single values: email syntax and length,
//! ISO 3166-1 alpha-2 country codes (with `UD`, "undefined"), string limits and the email/username
//! split. Pure functions over `&str`; they know nothing about the org.
//!
//! The email syntax is the one umapi-client once enforced (UMAPI.md 2d): an ASCII dot-atom local
//! part, `@`, and a domain of at least two labels of letters, digits and hyphens.

use crate::umapi::wire::{MAX_EMAIL_CHARS, MAX_NAME_CHARS, MAX_STRING_CHARS};

/// The "undefined" country UMAPI accepts for Adobe and Enterprise IDs (not Federated).
pub(crate) const UNDEFINED_COUNTRY: &str = "UD";

/// Whether `code` (already upper-cased) is an assigned ISO 3166-1 alpha-2 code.
pub(crate) fn is_iso_country(code: &str) -> bool {
    // One ISO 3166-1 table for the whole crate: the validator's.
    crate::validation::country::lookup(code).is_some()
}

/// Why an email is refused, for `error.user.email.invalid` messages.
pub(crate) fn email_problem(email: &str) -> Option<String> {
    let length = email.chars().count();
    if length > MAX_EMAIL_CHARS {
        return Some(format!("email {email:?} is {length} characters long, max is {MAX_EMAIL_CHARS}"));
    }
    let Some((local, domain)) = email.split_once('@') else {
        return Some(format!("email {email:?} has no @"));
    };
    let local_ok =
        !local.is_empty() && local.split('.').all(|atom| !atom.is_empty() && atom.chars().all(is_atom_character));
    if !local_ok {
        return Some(format!(
            "email {email:?} has an illegal local part (ASCII letters, digits and !#$%&'*+/=?^_`{{|}}~- only)"
        ));
    }
    let labels: Vec<&str> = domain.split('.').collect();
    let domain_ok = labels.len() >= 2
        && labels.iter().all(|label| {
            !label.is_empty() && label.chars().all(|character| character.is_ascii_alphanumeric() || character == '-')
        });
    if !domain_ok {
        return Some(format!("email {email:?} has an illegal domain"));
    }
    None
}

fn is_atom_character(character: char) -> bool {
    character.is_ascii_alphanumeric() || "!#$%&'*+/=?^_`{|}~-".contains(character)
}

/// Whether a `user` root or username looks like an email (contains `@`).
pub(crate) fn is_email_like(text: &str) -> bool {
    text.contains('@')
}

/// The domain part of an email, lower-cased (empty when there is no `@`).
pub(crate) fn email_domain(email: &str) -> String {
    email.rsplit_once('@').map(|(_, domain)| domain.to_ascii_lowercase()).unwrap_or_default()
}

/// The message for a string over one of UMAPI's length limits, in UMAPI's wording.
pub(crate) fn too_long(field: &str, value: &str, max: usize) -> Option<String> {
    (value.chars().count() > max).then(|| format!("String too long in command for field: {field}, max length {max}"))
}

/// The limit for a named field of a create or update step.
pub(crate) fn limit_of(field: &str) -> usize {
    match field {
        "email" => MAX_EMAIL_CHARS,
        "firstname" | "lastname" => MAX_NAME_CHARS,
        "country" => 2,
        _ => MAX_STRING_CHARS,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn country_rule_knows_common_codes_and_refuses_others() {
        for code in ["US", "GB", "DE", "FR", "JP", "IN", "BR", "CH"] {
            assert!(is_iso_country(code), "{code}");
        }
        for code in ["UK", "UD", "EU", "XX", "us"] {
            assert!(!is_iso_country(code), "{code}");
        }
    }

    #[test]
    fn emails_are_checked_for_syntax_and_length() {
        assert_eq!(email_problem("jo.li+tag@example.com"), None);
        assert!(email_problem("no-at-sign.example.com").is_some());
        assert!(email_problem("two@@example.com").is_some());
        assert!(email_problem("jo@localhost").is_some());
        assert!(email_problem("jo..li@example.com").is_some());
        assert!(email_problem("jo li@example.com").is_some());
        let long = format!("{}@example.com", "a".repeat(49));
        assert_eq!(long.chars().count(), 61);
        assert!(email_problem(&long).is_some_and(|message| message.contains("max is 60")));
        assert!(email_problem(&long[1..]).is_none());
    }

    #[test]
    fn string_limits_count_characters_not_bytes() {
        assert!(too_long("firstname", &"é".repeat(250), 250).is_none());
        assert!(too_long("firstname", &"é".repeat(251), 250).is_some());
        assert_eq!(
            too_long("country", "USA", limit_of("country")).as_deref(),
            Some("String too long in command for field: country, max length 2")
        );
    }
}
