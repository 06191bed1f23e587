//! Email and domain syntax (SPEC 2.1, UMAPI.md 3).
//!
//! The baseline is the `validator` crate's email check (the WHATWG/HTML5 rule). UMAPI is
//! stricter than that rule in ways this module adds on top, each with its own message:
//! - ASCII only: `validator` accepts internationalised domains (it converts them to punycode);
//!   UMAPI and umapi-client's historical check take ASCII addresses only.
//! - dot-atom local parts: `validator` lets `.` appear anywhere in the local part (`.a..b.@x.com`);
//!   a dot-atom has no leading, trailing or doubled dot.
//! - at least two domain labels: `validator` accepts `user@localhost`, and IP literals such as
//!   `user@[10.0.0.1]`; a user in an Adobe org needs a real domain.
//!
//! The `validator` crate's check itself is not called: on the addresses that reach it here it
//! reduces to a byte scan of the local part ([`whatwg_accepts`]), which a property test holds
//! equal to the crate, at a tenth of its cost (a regex and an allocation per address).
//!
//! Lengths are not checked here (the limit depends on the operation; see `user_rules`).

/// Why an address is refused, as a phrase that completes "… is not a valid email address: ".
pub fn problem(email: &str) -> Option<&'static str> {
    let ascii = email.is_ascii();
    let has_space = if ascii {
        email.bytes().any(|byte| matches!(byte, b'\t'..=b'\r' | b' ')) // `char::is_whitespace` on ASCII
    } else {
        email.chars().any(char::is_whitespace)
    };
    if has_space {
        return Some("it contains a space");
    }
    let Some((local, domain)) = email.rsplit_once('@') else {
        return Some("it has no @");
    };
    if local.bytes().any(|byte| byte == b'@') {
        return Some("it has more than one @");
    }
    if local.is_empty() {
        return Some("nothing before the @");
    }
    if !ascii {
        return Some("UMAPI accepts only ASCII addresses");
    }
    if local.starts_with('.') || local.ends_with('.') || local.as_bytes().windows(2).any(|pair| pair == b"..") {
        return Some("the part before the @ may not start or end with a dot or hold two dots in a row");
    }
    if let Some(reason) = domain_problem(domain) {
        return Some(reason);
    }
    if !whatwg_accepts(local, domain) {
        return Some("the part before the @ holds characters an address may not use");
    }
    None
}

/// What `validator`'s email check (WHATWG) says about an ASCII address whose domain passed
/// [`domain_problem`]: such a domain always matches the crate's domain pattern, so the crate then
/// refuses only a local part over 64 characters or holding a character outside WHATWG's set
/// (letters, digits and ``.!#$%&'*+/=?^_`{|}~-``), or a domain over 255 characters.
fn whatwg_accepts(local: &str, domain: &str) -> bool {
    local.len() <= 64 && domain.len() <= 255 && local.bytes().all(|byte| WHATWG_LOCAL[usize::from(byte)])
}

/// The bytes WHATWG allows in a local part, as a table (a lookup per byte).
const WHATWG_LOCAL: [bool; 256] = {
    let mut allowed = [false; 256];
    let mut byte = 0;
    while byte < 256 {
        let character = byte as u8;
        allowed[byte] = character.is_ascii_alphanumeric();
        byte += 1;
    }
    let symbols = b".!#$%&'*+/=?^_`{|}~-";
    let mut index = 0;
    while index < symbols.len() {
        allowed[symbols[index] as usize] = true;
        index += 1;
    }
    allowed
};

/// Why a domain (an email's, or a Domain cell) is refused.
pub fn domain_problem(domain: &str) -> Option<&'static str> {
    if domain.is_empty() {
        return Some("the domain is empty");
    }
    if domain.starts_with('[') {
        return Some("an IP address is not a domain an Adobe org can use");
    }
    if !domain.is_ascii() {
        return Some("UMAPI accepts only ASCII domains");
    }
    let mut labels = 0;
    let mut top: &[u8] = &[];
    for label in domain.as_bytes().split(|&byte| byte == b'.') {
        labels += 1;
        if label.is_empty() || label.len() > 63 {
            return Some("the domain has an empty or over-long part");
        }
        if !label.iter().all(|&byte| byte.is_ascii_alphanumeric() || byte == b'-') {
            return Some("the domain holds characters other than letters, digits, - and .");
        }
        if label.starts_with(b"-") || label.ends_with(b"-") {
            return Some("a part of the domain starts or ends with -");
        }
        top = label;
    }
    if labels < 2 {
        return Some("the domain needs at least two parts, like example.com");
    }
    if top.iter().all(u8::is_ascii_digit) {
        return Some("the domain ends in a number");
    }
    None
}

/// The domain part of an address (after the last `@`), or "" when there is none.
pub fn domain_of(email: &str) -> &str {
    email.rsplit_once('@').map_or("", |(_, domain)| domain)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ordinary_addresses_pass() {
        for email in ["zoe@example.com", "first.last+tag@sub.example.co.uk", "o'neil@example.org", "a_b-c@x-y.io"] {
            assert_eq!(problem(email), None, "{email}");
        }
    }

    #[test]
    fn each_refusal_says_why() {
        assert_eq!(problem("zoe example.com"), Some("it contains a space"));
        assert_eq!(problem("zoe.example.com"), Some("it has no @"));
        assert_eq!(problem("a@b@example.com"), Some("it has more than one @"));
        assert_eq!(problem("@example.com"), Some("nothing before the @"));
        assert_eq!(problem("zoë@example.com"), Some("UMAPI accepts only ASCII addresses"));
        assert!(problem("zoe.@example.com").is_some_and(|reason| reason.contains("dot")));
        assert!(problem("zoe@localhost").is_some_and(|reason| reason.contains("two parts")));
        assert!(problem("zoe@[10.0.0.1]").is_some_and(|reason| reason.contains("IP")));
        assert!(problem("zoe@exa_mple.com").is_some());
        assert!(problem("zo(e)@example.com").is_some());
        assert!(problem("zoe@example.123").is_some());
    }

    /// The checks as they were first written: over `str`, with the `validator` crate's call.
    fn problem_with_validator(email: &str) -> Option<&'static str> {
        use validator::ValidateEmail;
        if email.chars().any(char::is_whitespace) {
            return Some("it contains a space");
        }
        let Some((local, domain)) = email.rsplit_once('@') else {
            return Some("it has no @");
        };
        if local.contains('@') {
            return Some("it has more than one @");
        }
        if local.is_empty() {
            return Some("nothing before the @");
        }
        if !email.is_ascii() {
            return Some("UMAPI accepts only ASCII addresses");
        }
        if local.starts_with('.') || local.ends_with('.') || local.contains("..") {
            return Some("the part before the @ may not start or end with a dot or hold two dots in a row");
        }
        if let Some(reason) = domain_problem_over_str(domain) {
            return Some(reason);
        }
        if !email.validate_email() {
            return Some(WHATWG_REASON);
        }
        None
    }

    fn domain_problem_over_str(domain: &str) -> Option<&'static str> {
        if domain.is_empty() {
            return Some("the domain is empty");
        }
        if domain.starts_with('[') {
            return Some("an IP address is not a domain an Adobe org can use");
        }
        if !domain.is_ascii() {
            return Some("UMAPI accepts only ASCII domains");
        }
        let mut labels = 0;
        for label in domain.split('.') {
            labels += 1;
            if label.is_empty() || label.len() > 63 {
                return Some("the domain has an empty or over-long part");
            }
            if !label.bytes().all(|byte| byte.is_ascii_alphanumeric() || byte == b'-') {
                return Some("the domain holds characters other than letters, digits, - and .");
            }
            if label.starts_with('-') || label.ends_with('-') {
                return Some("a part of the domain starts or ends with -");
            }
        }
        if labels < 2 {
            return Some("the domain needs at least two parts, like example.com");
        }
        if domain.rsplit('.').next().is_some_and(|top| top.bytes().all(|byte| byte.is_ascii_digit())) {
            return Some("the domain ends in a number");
        }
        None
    }

    const WHATWG_REASON: &str = "the part before the @ holds characters an address may not use";

    #[test]
    fn byte_scan_agrees_with_the_validator_crate_on_edge_cases() {
        let long_local = "a".repeat(65);
        let long_domain = format!("{}com", "abcdefghij.".repeat(24));
        for email in [
            "zoe@example.com",
            "zo(e)@example.com",
            "zo\"e\"@example.com",
            "z[o]e@example.com",
            "a!#$%&'*+/=?^_`{|}~-b@example.com",
            "zo;e@example.com",
            "zo,e@example.com",
            "zo\\e@example.com",
            &format!("{}@example.com", "a".repeat(64)),
            &format!("{long_local}@example.com"),
            &format!("zoe@{long_domain}"),
        ] {
            assert_eq!(problem(email), problem_with_validator(email), "{email}");
        }
        assert_eq!(problem(&format!("{long_local}@example.com")), Some(WHATWG_REASON));
        assert_eq!(problem(&format!("zoe@{long_domain}")), Some(WHATWG_REASON));
    }

    proptest::proptest! {
        #[test]
        fn byte_scan_agrees_with_the_validator_crate(email in "[a-zA-Z0-9.!#$%&'*+/=?^_`{|}~(),;:<>\\[\\]\"@ -]{0,70}(@[a-z0-9.-]{1,20})?") {
            proptest::prop_assert_eq!(problem(&email), problem_with_validator(&email));
        }

        #[test]
        fn byte_scan_agrees_on_any_text(email in "[a-zA-Z09.@ _\t\x0b\x1f\u{a0}\u{3000}é\\[-]{0,24}") {
            proptest::prop_assert_eq!(problem(&email), problem_with_validator(&email));
            proptest::prop_assert_eq!(domain_problem(&email), domain_problem_over_str(&email));
        }
    }

    #[test]
    fn validator_alone_would_accept_what_umapi_refuses() {
        use validator::ValidateEmail;
        assert!("zoe@localhost".validate_email());
        assert!(".zoe..x@example.com".validate_email());
        assert!(problem(".zoe..x@example.com").is_some());
    }
}
