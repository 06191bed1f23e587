//! `X-Request-Id` values: a fresh UUID v4 per attempt, so every request on the wire (retries
//! included) can be found in the journal and in Adobe's logs. Owns nothing else.

/// A new request id (`8f0e…` UUID v4, hyphenated, lower case).
pub fn new_request_id() -> String {
    uuid::Uuid::new_v4().hyphenated().to_string()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn request_ids_are_unique_uuids() {
        let first = new_request_id();
        let second = new_request_id();
        assert_ne!(first, second);
        assert_eq!(first.len(), 36);
        assert!(uuid::Uuid::parse_str(&first).is_ok());
    }
}
