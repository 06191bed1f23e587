//! A user's texts (email, username, first and last name) in one allocation: one boxed string and
//! where each part ends. Four separate strings cost four heap blocks a user (each at least 32 bytes
//! with the allocator's header); at 300,000 users that is most of the simulator's memory (issue
//! 13). The username is stored only when it is not the email. Plain data, no rules.

const NONE: u16 = u16::MAX;

/// Email, username, first name and last name.
#[derive(Clone, Debug)]
pub(crate) struct UserText {
    text: Box<str>,
    email_end: u16,
    username_end: u16,
    first_end: u16,
    last_end: u16,
}

fn length(part: &str) -> u16 {
    // Emails are at most 60 characters, names and usernames at most 250 (UMAPI.md 2b, 2d), so
    // every part fits; a longer one is cut at the limit rather than wrapping around.
    u16::try_from(part.len()).unwrap_or(NONE - 1).min(NONE - 1)
}

impl UserText {
    /// Packs the four texts; `username` equal to `email` is not stored twice.
    pub(crate) fn new(email: &str, username: &str, firstname: Option<&str>, lastname: Option<&str>) -> Self {
        let username = if username == email { "" } else { username };
        let mut text = String::with_capacity(
            email.len() + username.len() + firstname.map_or(0, str::len) + lastname.map_or(0, str::len),
        );
        let mut push = |part: &str| {
            let cut = floor_boundary(part, usize::from(length(part)));
            text.push_str(&part[..cut]);
            u16::try_from(text.len()).unwrap_or(NONE - 1)
        };
        let email_end = push(email);
        let username_end = push(username);
        let first_end = firstname.map_or(NONE, &mut push);
        let last_end = lastname.map_or(NONE, &mut push);
        Self { text: text.into_boxed_str(), email_end, username_end, first_end, last_end }
    }

    fn part(&self, from: u16, to: u16) -> &str {
        self.text.get(usize::from(from)..usize::from(to)).unwrap_or_default()
    }

    /// The email.
    pub(crate) fn email(&self) -> &str {
        self.part(0, self.email_end)
    }

    /// The username (the email unless it is another).
    pub(crate) fn username(&self) -> &str {
        if self.username_end == self.email_end { self.email() } else { self.part(self.email_end, self.username_end) }
    }

    /// Whether a username other than the email is stored.
    pub(crate) fn has_own_username(&self) -> bool {
        self.username_end != self.email_end
    }

    /// The first name.
    pub(crate) fn firstname(&self) -> Option<&str> {
        (self.first_end != NONE).then(|| self.part(self.username_end, self.first_end))
    }

    /// The last name.
    pub(crate) fn lastname(&self) -> Option<&str> {
        let start = if self.first_end == NONE { self.username_end } else { self.first_end };
        (self.last_end != NONE).then(|| self.part(start, self.last_end))
    }
}

/// The largest char boundary of `text` at or before `at`.
fn floor_boundary(text: &str, at: usize) -> usize {
    (0..=at.min(text.len())).rev().find(|index| text.is_char_boundary(*index)).unwrap_or(0)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_parts_come_back_as_they_went_in() {
        let text = UserText::new("jo@x.com", "jo@x.com", Some("Zoë"), None);
        assert_eq!((text.email(), text.username(), text.has_own_username()), ("jo@x.com", "jo@x.com", false));
        assert_eq!((text.firstname(), text.lastname()), (Some("Zoë"), None));
        let text = UserText::new("jo@x.com", "jsmith", None, Some("Müller"));
        assert_eq!((text.username(), text.firstname(), text.lastname()), ("jsmith", None, Some("Müller")));
        let text = UserText::new("a@b.co", "a@b.co", Some(""), Some("L"));
        assert_eq!((text.firstname(), text.lastname()), (Some(""), Some("L")));
    }
}
