//! The live org the simulator serves: its users, the domains it claims or is trusted to use, the
//! group catalogue, and the indexes that find a user the way UMAPI does (UMAPI.md 2a, 6a, 6b).
//!
//! A user whose username is an email (or who has none besides the email) is found by email; a user
//! whose username is not an email is found only by username + domain, never by email (6a: "every
//! command needs `user: <username>` + `domain`"). Adobe IDs are found by email, and an email finds
//! the org-owned account before the Adobe ID unless `useAdobeID` says otherwise (2a).
//!
//! Users are kept compactly (issue 13): email, username and names in one allocation
//! ([`UserText`]), the domain shared, the opaque id derived from the user's number, indexes that store numbers only ([`UserIndex`]), and
//! every listing an ordered [`Line`] so that a page costs the page. Memberships and licences are in
//! [`super::memberships`]. Knows nothing of HTTP or of validation codes.

use std::collections::{BTreeMap, HashMap, HashSet};
use std::sync::Arc;

use crate::model::IdentityType;

use super::catalogue::Catalogue;
use super::memberships::Place;
use super::ranked::{Line, Members};
use super::rules::is_email_like;
use super::state_file::{Directory, Login};
use super::user_index::{Key, UserIndex};
use super::user_text::UserText;

/// Index of a user in the org (stable while the user exists).
pub(crate) type UserId = usize;
/// A group's numeric id (the groups endpoint's `groupId`).
pub(crate) type GroupId = i64;

const ID_BASE: u64 = 0x4EB5_B571_0000_0000;

/// What the org knows of a domain.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) struct DomainInfo {
    /// The directory it is attached to.
    pub(crate) directory: Directory,
    /// How its users sign in.
    pub(crate) login: Login,
    /// A trustor's domain this org may use but does not own.
    pub(crate) trusted: bool,
}

/// One user of the org.
#[derive(Clone, Debug)]
pub(crate) struct UserRecord {
    /// Identity type.
    pub(crate) kind: IdentityType,
    country: Option<[u8; 2]>,
    text: UserText,
    domain: Arc<str>,
    /// Direct memberships, in order of arrival.
    pub(crate) groups: Vec<GroupId>,
    /// Places in the groups' lines (direct and through user groups).
    pub(super) places: Vec<Place>,
    domain_slot: u32,
}

impl UserRecord {
    /// The email as written.
    pub(crate) fn email(&self) -> &str {
        self.text.email()
    }

    /// The username (the email unless the user has another).
    pub(crate) fn username(&self) -> &str {
        self.text.username()
    }

    /// The directory domain, lower case.
    pub(crate) fn domain(&self) -> &str {
        &self.domain
    }

    /// First name.
    pub(crate) fn firstname(&self) -> Option<&str> {
        self.text.firstname()
    }

    /// Last name.
    pub(crate) fn lastname(&self) -> Option<&str> {
        self.text.lastname()
    }

    /// Country code.
    pub(crate) fn country(&self) -> Option<&str> {
        self.country.as_ref().and_then(|code| std::str::from_utf8(code).ok())
    }

    /// Whether UMAPI finds this user by email: Adobe IDs, Enterprise IDs, and Federated IDs whose
    /// username is an email (6a, 6b). Others are found by username + domain only.
    pub(crate) fn found_by_email(&self) -> bool {
        !self.text.has_own_username() || is_email_like(self.text.username())
    }
}

/// A user to add: owned fields, checked by the caller.
#[derive(Clone, Debug)]
pub(crate) struct NewUser {
    pub(crate) kind: IdentityType,
    pub(crate) email: String,
    pub(crate) username: String,
    pub(crate) domain: String,
    pub(crate) firstname: Option<String>,
    pub(crate) lastname: Option<String>,
    pub(crate) country: Option<String>,
}

/// How a command's root names its user.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) struct UserRef {
    /// The `user` string.
    pub(crate) user: String,
    /// The `domain`, for non-email usernames.
    pub(crate) domain: Option<String>,
    /// `useAdobeID`.
    pub(crate) use_adobe_id: bool,
}

/// The org.
#[derive(Debug)]
pub(crate) struct Org {
    /// The org id.
    pub(crate) org_id: String,
    /// The group catalogue.
    pub(crate) catalogue: Catalogue,
    /// Claimed and trusted domains, lower case.
    pub(crate) domains: BTreeMap<String, DomainInfo>,
    /// Most members a `usergroup` `add` may bring a user group to.
    pub(crate) max_user_group_members: u64,
    pub(super) users: Vec<Option<UserRecord>>,
    everyone: Line,
    by_domain: HashMap<Arc<str>, Line>,
    domain_names: HashSet<Arc<str>>,
    org_by_email: UserIndex,
    org_by_login: UserIndex,
    adobe_by_email: UserIndex,
    pub(super) lines: HashMap<GroupId, Line>,
}

fn email_key(users: &[Option<UserRecord>], id: usize) -> Option<Key<'_>> {
    users.get(id).and_then(Option::as_ref).map(|record| Key::one(record.email()))
}

fn login_key(users: &[Option<UserRecord>], id: usize) -> Option<Key<'_>> {
    users.get(id).and_then(Option::as_ref).map(|record| Key::two(record.username(), &record.domain))
}

impl Org {
    /// An empty org.
    pub(crate) fn empty(org_id: &str, max_user_group_members: u64) -> Self {
        Self {
            org_id: org_id.to_string(),
            catalogue: Catalogue::new(),
            domains: BTreeMap::new(),
            max_user_group_members,
            users: Vec::new(),
            everyone: Line::new(false),
            by_domain: HashMap::new(),
            domain_names: HashSet::new(),
            org_by_email: UserIndex::default(),
            org_by_login: UserIndex::default(),
            adobe_by_email: UserIndex::default(),
            lines: HashMap::new(),
        }
    }

    /// The directory of a domain the org has claimed (trusted domains are not claimed).
    pub(crate) fn directory_of(&self, domain: &str) -> Option<Directory> {
        self.domain_info(domain).filter(|info| !info.trusted).map(|info| info.directory)
    }

    /// What the org knows of a domain, claimed or trusted.
    pub(crate) fn domain_info(&self, domain: &str) -> Option<DomainInfo> {
        self.domains.get(&domain.to_lowercase()).copied()
    }

    /// The claimed domains, lower case.
    pub(crate) fn claimed_domains(&self) -> impl Iterator<Item = &str> {
        self.domains.iter().filter(|(_, info)| !info.trusted).map(|(name, _)| name.as_str())
    }

    /// Whether a user belongs to a trustor's directory (the org may not update or delete it).
    pub(crate) fn is_trustor_user(&self, id: UserId) -> bool {
        self.user(id).is_some_and(|record| {
            record.kind != IdentityType::AdobeId && self.domain_info(&record.domain).is_some_and(|info| info.trusted)
        })
    }

    /// A user by id.
    pub(crate) fn user(&self, id: UserId) -> Option<&UserRecord> {
        self.users.get(id).and_then(Option::as_ref)
    }

    /// The opaque `id` of a user object (`...@AdobeID` or `...@<domain>`).
    pub(crate) fn opaque_id(&self, id: UserId) -> Option<String> {
        let record = self.user(id)?;
        let suffix = if record.kind == IdentityType::AdobeId { "AdobeID" } else { record.domain() };
        Some(format!("{:024X}@{suffix}", ID_BASE + id as u64 + 1))
    }

    /// Every user, in order of arrival.
    pub(crate) fn users(&self) -> impl Iterator<Item = (UserId, &UserRecord)> {
        self.users.iter().enumerate().filter_map(|(id, user)| user.as_ref().map(|user| (id, user)))
    }

    /// How many users the org has.
    pub(crate) fn user_count(&self) -> usize {
        self.everyone.count(Members::All)
    }

    /// Every user in order of arrival, as a line (for paging).
    pub(crate) fn everyone(&self) -> &Line {
        &self.everyone
    }

    /// The users of a domain in order of arrival, as a line (for paging).
    pub(crate) fn users_of_domain(&self, domain: &str) -> Option<&Line> {
        self.by_domain.get(domain.to_lowercase().as_str())
    }

    /// Finds the user a command root names (UMAPI.md 2a, 6a): `useAdobeID` picks the Adobe ID; a
    /// non-email user string needs its domain and finds a username; an email finds the org-owned
    /// account that signs in with its email, else the Adobe ID.
    pub(crate) fn find(&self, reference: &UserRef) -> Option<UserId> {
        if reference.use_adobe_id {
            return self.find_adobe_id(&reference.user);
        }
        match &reference.domain {
            Some(domain) => self.find_by_login(&reference.user, domain),
            None => self.find_by_email(&reference.user),
        }
    }

    /// The user an email names: the org-owned account found by email, else the Adobe ID.
    pub(crate) fn find_by_email(&self, email: &str) -> Option<UserId> {
        self.find_org_owned_by_email(email)
            .filter(|id| self.user(*id).is_some_and(UserRecord::found_by_email))
            .or_else(|| self.find_adobe_id(email))
    }

    /// The Adobe ID with this email.
    pub(crate) fn find_adobe_id(&self, email: &str) -> Option<UserId> {
        self.adobe_by_email.find(&Key::one(email), |id| email_key(&self.users, id))
    }

    /// The org-owned account with this email, however it signs in (for uniqueness checks).
    pub(crate) fn find_org_owned_by_email(&self, email: &str) -> Option<UserId> {
        self.org_by_email.find(&Key::one(email), |id| email_key(&self.users, id))
    }

    /// The org-owned account with this username in this domain.
    pub(crate) fn find_by_login(&self, username: &str, domain: &str) -> Option<UserId> {
        self.org_by_login.find(&Key::two(username, domain), |id| login_key(&self.users, id))
    }

    fn shared_domain(&mut self, domain: &str) -> Arc<str> {
        let lower = domain.to_lowercase();
        if let Some(shared) = self.domain_names.get(lower.as_str()) {
            return shared.clone();
        }
        let shared: Arc<str> = Arc::from(lower);
        self.domain_names.insert(shared.clone());
        shared
    }

    /// Adds a user (no memberships yet) and returns its id.
    pub(crate) fn insert_user(&mut self, user: NewUser) -> UserId {
        let id = self.users.len();
        let domain = self.shared_domain(&user.domain);
        let domain_slot = self.by_domain.entry(domain.clone()).or_insert_with(|| Line::new(false)).push(id, true);
        let text = UserText::new(&user.email, &user.username, user.firstname.as_deref(), user.lastname.as_deref());
        let country = user.country.as_deref().and_then(|code| <[u8; 2]>::try_from(code.as_bytes()).ok());
        self.users.push(Some(UserRecord {
            kind: user.kind,
            country,
            text,
            domain,
            groups: Vec::new(),
            places: Vec::new(),
            domain_slot,
        }));
        self.everyone.push(id, true);
        self.index(id);
        id
    }

    fn index(&mut self, id: UserId) {
        let Some(record) = self.users.get(id).and_then(Option::as_ref) else { return };
        let users = &self.users;
        if record.kind == IdentityType::AdobeId {
            self.adobe_by_email.insert(id, &Key::one(record.email()), |other| email_key(users, other));
        } else {
            self.org_by_email.insert(id, &Key::one(record.email()), |other| email_key(users, other));
            self.org_by_login.insert(id, &Key::two(record.username(), &record.domain), |other| login_key(users, other));
        }
    }

    fn unindex(&mut self, id: UserId) {
        let Some(record) = self.users.get(id).and_then(Option::as_ref) else { return };
        let users = &self.users;
        if record.kind == IdentityType::AdobeId {
            self.adobe_by_email.remove(&Key::one(record.email()), |other| email_key(users, other));
        } else {
            self.org_by_email.remove(&Key::one(record.email()), |other| email_key(users, other));
            self.org_by_login.remove(&Key::two(record.username(), &record.domain), |other| login_key(users, other));
        }
    }

    /// Removes a user from the org, with every membership and licence.
    pub(crate) fn remove_user(&mut self, id: UserId) {
        if self.user(id).is_none() {
            return;
        }
        self.leave_every_line(id);
        self.unindex(id);
        if let Some(record) = self.users.get_mut(id).and_then(Option::take) {
            if let Some(line) = self.by_domain.get_mut(&record.domain) {
                line.remove(record.domain_slot);
            }
            self.everyone.remove(u32::try_from(id).unwrap_or(u32::MAX));
        }
    }

    /// Changes identifying fields (email, username, domain) and re-indexes the user.
    pub(crate) fn reidentify(&mut self, id: UserId, email: String, username: String, domain: String) {
        if self.user(id).is_none() {
            return;
        }
        self.unindex(id);
        let domain = self.shared_domain(&domain);
        let moved = self.user(id).is_some_and(|record| record.domain != domain);
        if moved {
            let old = self.user(id).map(|record| (record.domain.clone(), record.domain_slot));
            if let Some((old_domain, old_slot)) = old
                && let Some(line) = self.by_domain.get_mut(&old_domain)
            {
                line.remove(old_slot);
            }
        }
        let new_slot =
            moved.then(|| self.by_domain.entry(domain.clone()).or_insert_with(|| Line::new(false)).push(id, true));
        if let Some(record) = self.users.get_mut(id).and_then(Option::as_mut) {
            record.text = UserText::new(&email, &username, record.text.firstname(), record.text.lastname());
            record.domain = domain;
            if let Some(slot) = new_slot {
                record.domain_slot = slot;
            }
        }
        self.index(id);
    }

    /// Sets first and last name (absent values are left unchanged).
    pub(crate) fn rename_person(&mut self, id: UserId, firstname: Option<&str>, lastname: Option<&str>) {
        if let Some(record) = self.users.get_mut(id).and_then(Option::as_mut)
            && (firstname.is_some() || lastname.is_some())
        {
            let text = &record.text;
            record.text = UserText::new(
                text.email(),
                text.username(),
                firstname.or(text.firstname()),
                lastname.or(text.lastname()),
            );
        }
    }
}
