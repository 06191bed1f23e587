//! Case-insensitive lookups of users by a text key (an email, or a username and a domain) that
//! store only the user's number: the key is read back from the user record when it is compared, so
//! an index costs a few bytes a user instead of a second copy of every email (issue 13: the
//! simulator's memory per user stays near what the state needs).
//!
//! The caller hands in the key of any user it names (`key_of`), because the records live in
//! [`super::org::Org`]. Keys compare as Unicode lower case, as UMAPI compares emails and usernames.

use std::hash::{BuildHasher, Hasher, RandomState};

use hashbrown::HashTable;

/// A key: one or two texts (username and domain), compared case-insensitively.
#[derive(Clone, Copy, Debug)]
pub(crate) struct Key<'a> {
    /// The email or username.
    pub(crate) first: &'a str,
    /// The domain, for username + domain keys.
    pub(crate) second: Option<&'a str>,
}

impl<'a> Key<'a> {
    /// A one-text key.
    pub(crate) fn one(text: &'a str) -> Self {
        Self { first: text, second: None }
    }

    /// A username + domain key.
    pub(crate) fn two(first: &'a str, second: &'a str) -> Self {
        Self { first, second: Some(second) }
    }

    fn same_as(&self, other: &Key<'_>) -> bool {
        same_text(self.first, other.first)
            && match (self.second, other.second) {
                (Some(left), Some(right)) => same_text(left, right),
                (None, None) => true,
                _ => false,
            }
    }
}

fn same_text(left: &str, right: &str) -> bool {
    left.chars().flat_map(char::to_lowercase).eq(right.chars().flat_map(char::to_lowercase))
}

fn hash_key(hasher: &RandomState, key: &Key<'_>) -> u64 {
    let mut state = hasher.build_hasher();
    for character in key.first.chars().flat_map(char::to_lowercase) {
        state.write_u32(u32::from(character));
    }
    if let Some(second) = key.second {
        state.write_u32(u32::MAX);
        for character in second.chars().flat_map(char::to_lowercase) {
            state.write_u32(u32::from(character));
        }
    }
    state.finish()
}

/// Users by a key.
#[derive(Debug, Default)]
pub(crate) struct UserIndex {
    table: HashTable<u32>,
    hasher: RandomState,
}

impl UserIndex {
    fn hash(&self, key: &Key<'_>) -> u64 {
        hash_key(&self.hasher, key)
    }

    /// The user with this key.
    pub(crate) fn find<'r>(&self, key: &Key<'_>, key_of: impl Fn(usize) -> Option<Key<'r>>) -> Option<usize> {
        let hash = self.hash(key);
        self.table
            .find(hash, |&user| key_of(user as usize).is_some_and(|stored| stored.same_as(key)))
            .map(|&user| user as usize)
    }

    /// Files `user` under `key` (replacing whoever had that key).
    pub(crate) fn insert<'r>(&mut self, user: usize, key: &Key<'_>, key_of: impl Fn(usize) -> Option<Key<'r>>) {
        self.remove(key, &key_of);
        let hash = self.hash(key);
        let Ok(stored) = u32::try_from(user) else { return };
        let hasher = &self.hasher;
        self.table
            .insert_unique(hash, stored, |&other| key_of(other as usize).map_or(0, |other| hash_key(hasher, &other)));
    }

    /// Removes whoever is filed under `key`.
    pub(crate) fn remove<'r>(&mut self, key: &Key<'_>, key_of: impl Fn(usize) -> Option<Key<'r>>) {
        let hash = self.hash(key);
        if let Ok(entry) =
            self.table.find_entry(hash, |&user| key_of(user as usize).is_some_and(|stored| stored.same_as(key)))
        {
            entry.remove();
        }
    }

    /// How many users are filed.
    #[cfg(test)]
    pub(crate) fn len(&self) -> usize {
        self.table.len()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn keys_are_found_case_insensitively_and_removed() {
        let emails = ["Ada@Example.com", "bob@example.com", "CAROL@example.com"];
        let key_of = |user: usize| emails.get(user).map(|email| Key::one(email));
        let mut index = UserIndex::default();
        for (user, email) in emails.iter().enumerate() {
            index.insert(user, &Key::one(email), key_of);
        }
        assert_eq!(index.find(&Key::one("ada@example.COM"), key_of), Some(0));
        assert_eq!(index.find(&Key::one("carol@example.com"), key_of), Some(2));
        assert_eq!(index.find(&Key::one("dave@example.com"), key_of), None);
        index.remove(&Key::one("BOB@example.com"), key_of);
        assert_eq!(index.find(&Key::one("bob@example.com"), key_of), None);
        assert_eq!(index.len(), 2);
    }

    #[test]
    fn two_part_keys_need_both_parts() {
        let logins = [("jdoe", "fed.example.org"), ("jdoe", "other.example.org")];
        let key_of = |user: usize| logins.get(user).map(|(name, domain)| Key::two(name, domain));
        let mut index = UserIndex::default();
        for (user, (name, domain)) in logins.iter().enumerate() {
            index.insert(user, &Key::two(name, domain), key_of);
        }
        assert_eq!(index.find(&Key::two("JDOE", "other.example.org"), key_of), Some(1));
        assert_eq!(index.find(&Key::one("jdoe"), key_of), None);
    }
}
