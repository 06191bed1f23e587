//! Redacting newtypes for the secrets this tool handles: the OAuth client secret, the JWT private
//! key and IMS access tokens.
//!
//! A `Secret` cannot be printed by accident: `Debug` and `Display` show `[redacted]`, it does not
//! implement `Serialize`, and the only way to the text is the explicit `expose()` call at the place
//! that puts it on the wire. Reports, logs, panics and snapshots therefore never contain one.
//!
//! Text a server sends is another matter: a misbehaving IMS may echo the form it was sent
//! (`client_secret=…`), an UMAPI gateway the `Authorization` header. [`Scrubber`] knows this run's
//! secrets and replaces them, in any form they are likely to be echoed in (as is, form- or
//! percent-encoded, JSON-escaped), with `[redacted]`. The client runs every response body through
//! it the moment it is read, so errors, the journal, reports and the summary only ever see
//! scrubbed text.

use std::borrow::Cow;
use std::collections::VecDeque;
use std::fmt;
use std::sync::RwLock;

/// A secret string (client secret, access token, PEM private key).
#[derive(Clone, PartialEq, Eq)]
pub struct Secret(String);

impl Secret {
    /// Wraps a secret.
    pub fn new(text: impl Into<String>) -> Self {
        Self(text.into())
    }

    /// The secret's text, for the one place that sends it.
    pub fn expose(&self) -> &str {
        &self.0
    }

    /// Whether the secret is empty.
    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }
}

impl fmt::Debug for Secret {
    fn fmt(&self, formatter: &mut fmt::Formatter<'_>) -> fmt::Result {
        formatter.write_str("Secret([redacted])")
    }
}

impl fmt::Display for Secret {
    fn fmt(&self, formatter: &mut fmt::Formatter<'_>) -> fmt::Result {
        formatter.write_str("[redacted]")
    }
}

impl From<String> for Secret {
    fn from(text: String) -> Self {
        Self(text)
    }
}

/// What a secret is replaced with in server text.
pub const REDACTED: &str = "[redacted]";

/// Tokens remembered for scrubbing (older ones have long expired).
const REMEMBERED_TOKENS: usize = 8;

/// Shortest line of a PEM key that is scrubbed (its base64 lines are 64 characters; a short last
/// line reveals almost nothing and would match ordinary text).
const MIN_KEY_LINE: usize = 16;

/// Replaces the secrets of a run (client secret, private key, JWT assertions, access tokens) in
/// text that came from a server. Shared by the authenticator, which learns new tokens, and the
/// request loop, which scrubs every answer.
#[derive(Debug, Default)]
pub struct Scrubber {
    /// Every form of the long-lived secrets, longest first.
    fixed: RwLock<Vec<Vec<u8>>>,
    /// Every form of the latest tokens and assertions (a few at most).
    tokens: RwLock<VecDeque<Vec<Vec<u8>>>>,
}

impl Scrubber {
    /// A scrubber that knows nothing yet.
    pub fn new() -> Self {
        Self::default()
    }

    /// Scrubs `secret` (the client secret) from now on.
    pub fn add(&self, secret: &Secret) {
        let mut fixed = self.fixed.write().unwrap_or_else(|poisoned| poisoned.into_inner());
        fixed.extend(forms(secret.expose()));
        fixed.sort_by_key(|needle| std::cmp::Reverse(needle.len()));
        fixed.dedup();
    }

    /// Scrubs every base64 line of a PEM private key from now on.
    pub fn add_private_key(&self, pem: &Secret) {
        let mut fixed = self.fixed.write().unwrap_or_else(|poisoned| poisoned.into_inner());
        for line in pem.expose().lines().map(str::trim) {
            let base64 = line.bytes().all(|byte| byte.is_ascii_alphanumeric() || matches!(byte, b'+' | b'/' | b'='));
            if line.len() >= MIN_KEY_LINE && base64 {
                fixed.extend(forms(line));
            }
        }
        fixed.sort_by_key(|needle| std::cmp::Reverse(needle.len()));
        fixed.dedup();
    }

    /// Scrubs `token` (an access token or a signed JWT assertion) from now on; only the latest few
    /// are remembered.
    pub fn add_token(&self, token: &Secret) {
        let mut tokens = self.tokens.write().unwrap_or_else(|poisoned| poisoned.into_inner());
        let mut forms = forms(token.expose());
        forms.sort_by_key(|needle| std::cmp::Reverse(needle.len()));
        if forms.is_empty() || tokens.contains(&forms) {
            return;
        }
        if tokens.len() == REMEMBERED_TOKENS {
            tokens.pop_front();
        }
        tokens.push_back(forms);
    }

    /// `text` without any known secret.
    pub fn scrub<'a>(&self, text: &'a str) -> Cow<'a, str> {
        match self.scrubbed(text.as_bytes()) {
            None => Cow::Borrowed(text),
            Some(bytes) => Cow::Owned(
                String::from_utf8(bytes).unwrap_or_else(|error| String::from_utf8_lossy(error.as_bytes()).into_owned()),
            ),
        }
    }

    /// `bytes` without any known secret (a response body, in whatever encoding).
    pub fn scrub_bytes(&self, bytes: Vec<u8>) -> Vec<u8> {
        self.scrubbed(&bytes).unwrap_or(bytes)
    }

    /// The scrubbed bytes, or `None` when nothing had to change.
    fn scrubbed(&self, bytes: &[u8]) -> Option<Vec<u8>> {
        let fixed = self.fixed.read().unwrap_or_else(|poisoned| poisoned.into_inner());
        let tokens = self.tokens.read().unwrap_or_else(|poisoned| poisoned.into_inner());
        let mut current: Option<Vec<u8>> = None;
        for needle in fixed.iter().chain(tokens.iter().flatten()) {
            let haystack = current.as_deref().unwrap_or(bytes);
            if let Some(replaced) = replace_all(haystack, needle) {
                current = Some(replaced);
            }
        }
        current
    }
}

/// The forms in which `secret` may come back in a server's text: as is, form-urlencoded (`+` for
/// a space) and percent-encoded (`%20`), each with upper- and lower-case hex, and JSON-escaped.
fn forms(secret: &str) -> Vec<Vec<u8>> {
    if secret.is_empty() {
        return Vec::new();
    }
    let mut forms = vec![secret.as_bytes().to_vec()];
    let mut form = String::new();
    let mut percent = String::new();
    for byte in secret.bytes() {
        match byte {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'*' | b'-' | b'.' | b'_' => {
                form.push(char::from(byte));
                percent.push(char::from(byte));
            }
            b' ' => {
                form.push('+');
                percent.push_str("%20");
            }
            _ => {
                form.push_str(&format!("%{byte:02X}"));
                percent.push_str(&format!("%{byte:02X}"));
            }
        }
    }
    let lower = |text: &str| {
        let mut lowered = String::with_capacity(text.len());
        let mut hex_left = 0;
        for character in text.chars() {
            if hex_left > 0 {
                lowered.push(character.to_ascii_lowercase());
                hex_left -= 1;
            } else {
                if character == '%' {
                    hex_left = 2;
                }
                lowered.push(character);
            }
        }
        lowered
    };
    for encoded in [lower(&form), lower(&percent), form, percent] {
        forms.push(encoded.into_bytes());
    }
    if let Ok(json) = serde_json::to_string(secret) {
        forms.push(json.as_bytes()[1..json.len() - 1].to_vec());
    }
    forms.sort();
    forms.dedup();
    forms
}

/// `haystack` with every occurrence of `needle` replaced by [`REDACTED`], or `None` when there is
/// none.
fn replace_all(haystack: &[u8], needle: &[u8]) -> Option<Vec<u8>> {
    let mut matches = memchr::memmem::find_iter(haystack, needle).peekable();
    matches.peek()?;
    let mut replaced = Vec::with_capacity(haystack.len());
    let mut copied = 0;
    for start in matches {
        replaced.extend_from_slice(&haystack[copied..start]);
        replaced.extend_from_slice(REDACTED.as_bytes());
        copied = start + needle.len();
    }
    replaced.extend_from_slice(&haystack[copied..]);
    Some(replaced)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn secrets_never_format_their_text() {
        let secret = Secret::new("hunter2-very-secret");
        assert!(!format!("{secret:?}").contains("hunter2"));
        assert!(!format!("{secret}").contains("hunter2"));
        assert!(!format!("{:#?}", Some(&secret)).contains("hunter2"));
        assert_eq!(secret.expose(), "hunter2-very-secret");
    }

    #[test]
    fn the_client_secret_is_scrubbed_as_is_encoded_and_escaped() {
        let scrubber = Scrubber::new();
        let secret = "p8e-A+b/c=d e\"f";
        scrubber.add(&Secret::new(secret));
        for echoed in [
            format!("invalid client_secret {secret}"),
            "grant_type=client_credentials&client_secret=p8e-A%2Bb%2Fc%3Dd+e%22f&scope=openid".to_string(),
            "client_secret=p8e-A%2bb%2fc%3dd+e%22f".to_string(),
            "p8e-A%2Bb%2Fc%3Dd%20e%22f".to_string(),
            r#"{"error_description":"bad secret p8e-A+b/c=d e\"f"}"#.to_string(),
        ] {
            let scrubbed = scrubber.scrub(&echoed);
            assert!(scrubbed.contains(REDACTED), "{echoed} -> {scrubbed}");
            for needle in ["p8e-A", "b/c=d", "%2Bb"] {
                assert!(!scrubbed.contains(needle), "{echoed} -> {scrubbed}");
            }
        }
        assert!(matches!(scrubber.scrub("nothing secret here"), Cow::Borrowed(_)));
        let json = scrubber.scrub_bytes(br#"{"message":"p8e-A+b/c=d e\"f"}"#.to_vec());
        assert_eq!(String::from_utf8_lossy(&json), r#"{"message":"[redacted]"}"#, "JSON stays JSON");
    }

    #[test]
    fn key_lines_and_the_latest_tokens_are_scrubbed() {
        let scrubber = Scrubber::new();
        let line = "MIIEvQIBADANBgkqhkiG9w0BAQEFAASCBKcwggSjAgEAAoIBAQC7VJTUt9Us8cKj";
        let pem = format!("-----BEGIN PRIVATE KEY-----\n{line}\nAB==\n-----END PRIVATE KEY-----\n");
        scrubber.add_private_key(&Secret::new(pem));
        assert_eq!(scrubber.scrub(&format!("key: {line}.")), "key: [redacted].");
        assert_eq!(scrubber.scrub("-----BEGIN PRIVATE KEY----- AB=="), "-----BEGIN PRIVATE KEY----- AB==");
        for number in 0..20 {
            scrubber.add_token(&Secret::new(format!("eyToken{number:02}")));
        }
        assert_eq!(scrubber.scrub("Bearer eyToken19"), "Bearer [redacted]");
        assert_eq!(scrubber.scrub("eyToken00"), "eyToken00", "only the latest few tokens are remembered");
        Scrubber::new().add(&Secret::new(""));
    }
}
