//! The users the planner read from the org, looked up by email and identity type, or by username and
//! domain for Federated IDs that sign in with a username (UMAPI.md 6a), and the choice of how to read
//! them (UMAPI.md D "edit"): whole-org paging at 2,000 users a page when that needs
//! fewer requests than one `GET` per user, else single-user `GET`s.

use std::collections::HashMap;

use crate::model::{IdentityType, Login};
use crate::umapi::wire::{USERS_PAGE_SIZE, User};

/// Users by lower-cased email; an email may exist as an Adobe ID and as an Enterprise/Federated ID.
/// Org-owned users are also found by lower-cased username and domain.
#[derive(Clone, Debug, Default)]
pub struct Directory {
    by_email: HashMap<String, Vec<User>>,
    by_login: HashMap<(String, String), String>,
}

impl Directory {
    /// Builds the directory from read users.
    pub fn from_users(users: impl IntoIterator<Item = User>) -> Self {
        let mut directory = Self::default();
        for user in users {
            directory.insert(user);
        }
        directory
    }

    /// Adds (or replaces) a user.
    pub fn insert(&mut self, user: User) {
        if user.user_type != IdentityType::AdobeId.wire_name() && !user.username.is_empty() {
            let key = (user.username.to_lowercase(), user.domain.to_lowercase());
            self.by_login.insert(key, user.email.to_lowercase());
        }
        let entry = self.by_email.entry(user.email.to_lowercase()).or_default();
        entry.retain(|known| known.user_type != user.user_type);
        entry.push(user);
    }

    /// The user with this email and identity type. Without a type, the non-Adobe-ID account wins,
    /// as UMAPI's own lookup does (UMAPI.md 2a `useAdobeID`).
    pub fn find(&self, email: &str, identity_type: Option<IdentityType>) -> Option<&User> {
        let candidates = self.by_email.get(&email.trim().to_lowercase())?;
        match identity_type {
            Some(kind) => candidates.iter().find(|user| user.user_type == kind.wire_name()),
            None => candidates
                .iter()
                .find(|user| user.user_type != IdentityType::AdobeId.wire_name())
                .or_else(|| candidates.first()),
        }
    }

    /// The user a row names: by username and domain when the row gives a [`Login`] (a user of a
    /// directory that signs in with usernames is never named by email), else by email and type.
    pub fn find_named(&self, email: &str, identity_type: Option<IdentityType>, login: Option<&Login>) -> Option<&User> {
        let Some(login) = login else { return self.find(email, identity_type) };
        let key = (login.username.to_lowercase(), login.domain.to_lowercase());
        let email = self.by_login.get(&key)?;
        self.by_email.get(email)?.iter().find(|user| {
            user.user_type != IdentityType::AdobeId.wire_name()
                && user.username.eq_ignore_ascii_case(&login.username)
                && user.domain.eq_ignore_ascii_case(&login.domain)
                && identity_type.is_none_or(|kind| user.user_type == kind.wire_name())
        })
    }

    /// Number of users held.
    pub fn len(&self) -> usize {
        self.by_email.values().map(Vec::len).sum()
    }

    /// Whether no user is held.
    pub fn is_empty(&self) -> bool {
        self.by_email.is_empty()
    }

    /// Every user held, sorted by email then type.
    pub fn users(&self) -> Vec<&User> {
        let mut users: Vec<&User> = self.by_email.values().flatten().collect();
        users.sort_by(|left, right| left.email.cmp(&right.email).then_with(|| left.user_type.cmp(&right.user_type)));
        users
    }
}

/// How to read the users a plan needs.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ReadStrategy {
    /// Read the remaining pages of the whole org.
    Pages {
        /// Pages still to read (after the first).
        remaining: usize,
    },
    /// One `GET` per user not found on the first page.
    SingleUsers {
        /// Users to get.
        count: usize,
    },
}

impl ReadStrategy {
    /// Requests this strategy sends.
    pub fn requests(self) -> usize {
        match self {
            Self::Pages { remaining } => remaining,
            Self::SingleUsers { count } => count,
        }
    }
}

/// After the first users page (which gives `X-Total-Count`), picks the cheaper way to find the
/// `missing` users the first page did not contain: the remaining pages, or one GET each. Ties go to
/// paging, which also yields an exact picture of the org for saved-plan fingerprints.
pub fn choose_read_strategy(total_users: usize, first_page_len: usize, missing: usize) -> ReadStrategy {
    let page_size = if first_page_len == 0 { USERS_PAGE_SIZE } else { first_page_len.max(1) };
    let pages = total_users.div_ceil(page_size).max(1);
    let remaining = pages - 1;
    if missing == 0 {
        ReadStrategy::SingleUsers { count: 0 }
    } else if remaining <= missing {
        ReadStrategy::Pages { remaining }
    } else {
        ReadStrategy::SingleUsers { count: missing }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn user(email: &str, kind: &str) -> User {
        User { email: email.into(), username: email.into(), user_type: kind.into(), ..User::default() }
    }

    #[test]
    fn lookup_prefers_the_asked_type_and_else_the_non_adobe_account() {
        let directory =
            Directory::from_users([user("Jo@Example.com", "adobeID"), user("jo@example.com", "enterpriseID")]);
        assert_eq!(directory.len(), 2);
        let found = directory.find("JO@example.com", Some(IdentityType::AdobeId));
        assert_eq!(found.map(|user| user.user_type.as_str()), Some("adobeID"));
        let found = directory.find("jo@example.com", None);
        assert_eq!(found.map(|user| user.user_type.as_str()), Some("enterpriseID"));
        assert!(directory.find("jo@example.com", Some(IdentityType::FederatedId)).is_none());
    }

    #[test]
    fn users_of_a_username_directory_are_found_by_username_and_domain() {
        let kim = User {
            email: "kim@sso.example.net".into(),
            username: "kimng".into(),
            domain: "sso.example.net".into(),
            user_type: "federatedID".into(),
            ..User::default()
        };
        let directory = Directory::from_users([kim, user("jo@example.com", "enterpriseID")]);
        let login = Login { username: "KimNg".into(), domain: "SSO.example.net".into() };
        let found = directory.find_named("someone@else.example", Some(IdentityType::FederatedId), Some(&login));
        assert_eq!(found.map(|user| user.email.as_str()), Some("kim@sso.example.net"));
        assert!(directory.find_named("", Some(IdentityType::EnterpriseId), Some(&login)).is_none(), "type checked");
        let other = Login { username: "kimng".into(), domain: "fed.example.org".into() };
        assert!(directory.find_named("kim@sso.example.net", None, Some(&other)).is_none(), "domain checked");
        let by_email = directory.find_named("jo@example.com", Some(IdentityType::EnterpriseId), None);
        assert_eq!(by_email.map(|user| user.email.as_str()), Some("jo@example.com"));
    }

    #[test]
    fn paging_wins_for_large_edits_and_single_gets_for_small_ones() {
        // 5,000 edits in a 20,000-user org: 9 more pages instead of up to 5,000 GETs.
        assert_eq!(choose_read_strategy(20_000, 2000, 4_500), ReadStrategy::Pages { remaining: 9 });
        // 3 edits in the same org: 3 GETs instead of 9 pages.
        assert_eq!(choose_read_strategy(20_000, 2000, 3), ReadStrategy::SingleUsers { count: 3 });
        // Everything was on the first page.
        assert_eq!(choose_read_strategy(20, 20, 0).requests(), 0);
    }
}
