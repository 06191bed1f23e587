//! The reads the planner needs, paced and retried like actions: all groups
//! (`GET /groups/{orgId}/{page}`), all users (`GET /users/{orgId}/{page}`), one user
//! (`GET /organizations/{orgId}/users/{user}`, 404 `error.user.not_found` ⇒ `None`), and the users
//! of a group, optionally by licence status (`GET /users/{orgId}/{page}/{group}?status=`), each with
//! the paging headers (UMAPI.md 5). Plus [`membership_read_cost`], which tells the planner whether
//! single-user GETs or whole-org pages need fewer requests (UMAPI.md D "edit").
//!
//! Paging ends on `lastPage` or an empty page, never on a header: `X-Page-Count` is only shown (a
//! stale or zero count must not cut a listing short). Because UMAPI answers a users page past the
//! end with the last page again (5a), a page that repeats the previous one also ends a listing, and
//! [`MAX_PAGES`] stops a server that never ends one. The closing read of a sync session
//! ([`UmapiClient::end_session`]) is here too. This file must not decide what the planner does with
//! the answers.

use reqwest::Method;
use reqwest::header::HeaderMap;
use serde::de::DeserializeOwned;

use crate::model::admin_groups;
use crate::umapi::cancel::CancelToken;
use crate::umapi::client::{CallError, NoHook, Request, UmapiClient, body_code, body_message, encode_segment};
use crate::umapi::error::ClientError;
use crate::umapi::observe::{Family, ReadProgress};
use crate::umapi::retry::AttemptResult;
use crate::umapi::session::SessionPhase;
use crate::umapi::wire::{Group, GroupsPage, USERS_PAGE_SIZE, User, UserResponse, UsersPage, paging_headers};

/// A safety stop for paging: no org has this many pages of users (2,000 per page).
pub const MAX_PAGES: u32 = 10_000;

/// The four paging headers of one page (absent ones are `None`).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct PageInfo {
    /// `X-Total-Count`: entries in all pages (may exceed what is listed: technical accounts).
    pub total_count: Option<u64>,
    /// `X-Page-Count`.
    pub page_count: Option<u32>,
    /// `X-Current-Page` (0-based).
    pub current_page: Option<u32>,
    /// `X-Page-Size`.
    pub page_size: Option<u32>,
}

impl PageInfo {
    /// Reads the paging headers (header names are case-insensitive).
    pub fn from_headers(headers: &HeaderMap) -> Self {
        fn number<T: std::str::FromStr>(headers: &HeaderMap, name: &str) -> Option<T> {
            headers.get(name)?.to_str().ok()?.trim().parse().ok()
        }
        Self {
            total_count: number(headers, paging_headers::TOTAL_COUNT),
            page_count: number(headers, paging_headers::PAGE_COUNT),
            current_page: number(headers, paging_headers::CURRENT_PAGE),
            page_size: number(headers, paging_headers::PAGE_SIZE),
        }
    }
}

/// One page: the typed body and its paging headers.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Page<T> {
    /// The body.
    pub body: T,
    /// The paging headers.
    pub info: PageInfo,
}

/// Everything a paged read returned.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Listing<T> {
    /// The items of every page, in order.
    pub items: Vec<T>,
    /// The paging headers of the first page (its `total_count` is the org-wide figure).
    pub first_page: PageInfo,
    /// Pages read.
    pub pages_read: u32,
}

/// A licence-status filter for the users of a product profile (UMAPI.md 7).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum MemberStatus {
    /// Members with a licence.
    Active,
    /// Members without one (the deficit).
    Inactive,
}

impl MemberStatus {
    fn as_str(self) -> &'static str {
        match self {
            Self::Active => "active",
            Self::Inactive => "inactive",
        }
    }
}

/// Which members of a group a read lists (`directOnly`, UMAPI.md 5e).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Reach {
    /// Direct members only (`directOnly=true`).
    Direct,
    /// Also the users who hold a product profile through a user group (`directOnly=false`).
    Indirect,
}

/// Requests needed to learn the memberships of some users, both ways.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct ReadCost {
    /// One `GET /organizations/{org}/users/{user}` per user.
    pub single_gets: u64,
    /// `ceil(total / 2000)` pages of `GET /users/{org}/{page}` (at least one).
    pub whole_org_pages: u64,
}

impl ReadCost {
    /// Whether paging the whole org needs fewer requests (ties go to single GETs, which read less).
    pub fn prefer_pages(&self) -> bool {
        self.whole_org_pages < self.single_gets
    }
}

/// The cost of reading `users_to_look_up` users' memberships in an org of `org_total_users`
/// (`X-Total-Count` of users page 0). Both share the users limit, so fewer requests is faster. If
/// page 0 was already read to learn the total, it is one of the `whole_org_pages`.
pub fn membership_read_cost(users_to_look_up: usize, org_total_users: u64) -> ReadCost {
    let page_size = USERS_PAGE_SIZE as u64;
    ReadCost { single_gets: users_to_look_up as u64, whole_org_pages: org_total_users.div_ceil(page_size).max(1) }
}

fn parse_json<T: DeserializeOwned>(body: &[u8]) -> Result<T, AttemptResult> {
    serde_json::from_slice(body).map_err(|error| AttemptResult::BadBody(error.to_string()))
}

impl UmapiClient {
    async fn get<T: DeserializeOwned>(
        &self,
        label: &str,
        family: Family,
        (path, query): (String, Vec<(&'static str, String)>),
        sync_end: bool,
        stop: &CancelToken,
    ) -> Result<Result<Page<T>, (u16, Vec<u8>)>, ClientError> {
        let request = Request { label, family, method: Method::GET, path, query, body: None, sync_end };
        match self.call(&request, &mut NoHook, stop, parse_json::<T>).await {
            Ok(answer) => Ok(Ok(Page { info: PageInfo::from_headers(&answer.headers), body: answer.body })),
            Err(CallError::Fatal { status, body, .. }) => Ok(Err((status, body))),
            Err(error) => Err(self.read_error(label, error)),
        }
    }

    fn read_error(&self, label: &str, error: CallError) -> ClientError {
        match error {
            CallError::Fatal { status, body, .. } => ClientError::Http {
                what: label.to_string(),
                url: self.base_url().to_string(),
                status,
                code: body_code(&body),
                message: body_message(&body).unwrap_or_default(),
            },
            CallError::Exhausted { attempts, last, never_connected: true, .. } => ClientError::Unreachable {
                what: label.to_string(),
                url: self.base_url().to_string(),
                attempts,
                detail: last.to_string(),
            },
            CallError::Exhausted { attempts, last, .. } => {
                ClientError::Exhausted { what: label.to_string(), attempts, last }
            }
            CallError::Auth(error) => ClientError::Auth(error),
            CallError::Parked { wait, resume_after } => {
                ClientError::Parked { what: label.to_string(), wait, resume_after }
            }
            CallError::Stopped { .. } => ClientError::Cancelled,
            CallError::Hook(error) => ClientError::Exhausted {
                what: label.to_string(),
                attempts: 0,
                last: crate::umapi::observe::RetryReason::BadBody(error.to_string()),
            },
        }
    }

    fn fatal(label: &str, url: String, (status, body): (u16, Vec<u8>)) -> ClientError {
        ClientError::Http {
            what: label.to_string(),
            url,
            status,
            code: body_code(&body),
            message: body_message(&body).unwrap_or_default(),
        }
    }

    /// One page of the org's users.
    pub async fn users_page(&self, page: u32, stop: &CancelToken) -> Result<Page<UsersPage>, ClientError> {
        let label = format!("users page {}", page + 1);
        let path = format!("/users/{}/{page}", self.org_segment());
        // Said, not left to the server's default (UMAPI.md 5a: `directOnly` defaults to true).
        let query = vec![("directOnly", "true".to_string())];
        let url = format!("{}{path}", self.base_url());
        self.get(&label, Family::Users, (path, query), false, stop)
            .await?
            .map_err(|fatal| Self::fatal(&label, url, fatal))
    }

    /// One page of the org's groups and product profiles.
    pub async fn groups_page(&self, page: u32, stop: &CancelToken) -> Result<Page<GroupsPage>, ClientError> {
        self.groups_page_read(page, false, stop).await
    }

    /// [`groups_page`](Self::groups_page) as the command's last request: it ends the sync session
    /// (`Pragma: umapi-sync-end`; with the start too when it is also the first).
    pub async fn groups_page_as_last(&self, page: u32, stop: &CancelToken) -> Result<Page<GroupsPage>, ClientError> {
        self.groups_page_read(page, true, stop).await
    }

    async fn groups_page_read(
        &self,
        page: u32,
        sync_end: bool,
        stop: &CancelToken,
    ) -> Result<Page<GroupsPage>, ClientError> {
        let label = format!("groups page {}", page + 1);
        let path = format!("/groups/{}/{page}", self.org_segment());
        let url = format!("{}{path}", self.base_url());
        self.get(&label, Family::Groups, (path, Vec::new()), sync_end, stop)
            .await?
            .map_err(|fatal| Self::fatal(&label, url, fatal))
    }

    /// One page of the users of a group or product profile, direct members only or also those
    /// reached through user groups, optionally by licence status.
    pub async fn users_in_group_page(
        &self,
        group: &str,
        reach: Reach,
        status: Option<MemberStatus>,
        page: u32,
        stop: &CancelToken,
    ) -> Result<Page<UsersPage>, ClientError> {
        let label = format!("users in {group:?} page {}", page + 1);
        let path = format!("/users/{}/{page}/{}", self.org_segment(), encode_segment(group));
        // `directOnly` is always said (UMAPI.md 5e: the server's default is true).
        let mut query = vec![("directOnly", (reach == Reach::Direct).to_string())];
        query.extend(status.map(|status| ("status", status.as_str().to_string())));
        let url = format!("{}{path}", self.base_url());
        self.get(&label, Family::Users, (path, query), false, stop)
            .await?
            .map_err(|fatal| Self::fatal(&label, url, fatal))
    }

    /// One user by email (or username, with `domain`); `None` when UMAPI answers 404
    /// `error.user.not_found`. Any other 404 (a wrong org or URL) is an error, so that a
    /// misconfiguration never reads as "nobody exists".
    pub async fn user(
        &self,
        user: &str,
        domain: Option<&str>,
        stop: &CancelToken,
    ) -> Result<Option<User>, ClientError> {
        self.user_read(user, domain, false, stop).await
    }

    /// [`user`](Self::user) as the command's last request: it ends the sync session
    /// (`Pragma: umapi-sync-end`).
    pub async fn user_as_last(
        &self,
        user: &str,
        domain: Option<&str>,
        stop: &CancelToken,
    ) -> Result<Option<User>, ClientError> {
        self.user_read(user, domain, true, stop).await
    }

    async fn user_read(
        &self,
        user: &str,
        domain: Option<&str>,
        sync_end: bool,
        stop: &CancelToken,
    ) -> Result<Option<User>, ClientError> {
        let label = format!("user {user}");
        let path = format!("/organizations/{}/users/{}", self.org_segment(), encode_segment(user));
        let query = domain.map(|domain| vec![("domain", domain.to_string())]).unwrap_or_default();
        let url = format!("{}{path}", self.base_url());
        match self.get::<UserResponse>(&label, Family::Users, (path, query), sync_end, stop).await? {
            Ok(page) => Ok(page.body.user),
            Err((404, body)) if body_code(&body).as_deref() == Some("error.user.not_found") => Ok(None),
            Err(fatal) => Err(Self::fatal(&label, url, fatal)),
        }
    }

    /// Ends the client's sync session when it is open (UMAPI.md 4b): one small read, the org's
    /// System administrators (`GET /users/{orgId}/0/_org_admin?directOnly=true&excludeGroups=true`,
    /// page 0 of a group listing, which the page-0 rule does not count), carrying
    /// `Pragma: umapi-sync-end`. A command calls it after its last request on every path, so that the
    /// end signal rides on the last request the process sends; it sends nothing when no session is
    /// open (never opened, already ended), when the client parked, or when `stop` was forced.
    /// Returns whether it ended the session. It runs after a plain cancel (Ctrl-C once); a forced
    /// `stop` abandons it.
    pub async fn end_session(&self, stop: &CancelToken) -> Result<bool, ClientError> {
        if self.session_phase() != SessionPhase::Open || self.parked_until().is_some() || stop.is_forced() {
            return Ok(false);
        }
        let label = "the end of the sync session";
        let request = Request {
            label,
            family: Family::Users,
            method: Method::GET,
            path: format!("/users/{}/0/{}", self.org_segment(), encode_segment(admin_groups::ORG_ADMIN)),
            query: vec![("directOnly", "true".to_string()), ("excludeGroups", "true".to_string())],
            body: None,
            sync_end: true,
        };
        // Its own token: the command's may be cancelled already (Ctrl-C), which must not stop this.
        let closing = CancelToken::new();
        let mut hook = NoHook;
        tokio::select! {
            result = self.call(&request, &mut hook, &closing, |_| Ok(())) => match result {
                Ok(_) => Ok(self.session_phase() == SessionPhase::Ended),
                Err(error) => Err(self.read_error(label, error)),
            },
            () = stop.forced() => Ok(false),
        }
    }

    /// Every user of the org.
    pub async fn all_users(&self, stop: &CancelToken) -> Result<Listing<User>, ClientError> {
        self.page_through(
            "users",
            stop,
            |page| self.users_page(page, stop),
            |body: UsersPage| (body.users, body.last_page),
        )
        .await
    }

    /// Every group and product profile of the org.
    pub async fn all_groups(&self, stop: &CancelToken) -> Result<Listing<Group>, ClientError> {
        self.page_through(
            "groups",
            stop,
            |page| self.groups_page(page, stop),
            |body: GroupsPage| (body.groups, body.last_page),
        )
        .await
    }

    /// Every user of a group or product profile (direct members, or also those reached through
    /// user groups), optionally by licence status.
    pub async fn all_users_in_group(
        &self,
        group: &str,
        reach: Reach,
        status: Option<MemberStatus>,
        stop: &CancelToken,
    ) -> Result<Listing<User>, ClientError> {
        let what = match status {
            Some(status) => format!("{} users in {group:?}", status.as_str()),
            None => format!("users in {group:?}"),
        };
        self.page_through(
            &what,
            stop,
            |page| self.users_in_group_page(group, reach, status, page, stop),
            |body: UsersPage| (body.users, body.last_page),
        )
        .await
    }

    async fn page_through<B, T, F, Fut>(
        &self,
        what: &str,
        stop: &CancelToken,
        fetch: F,
        split: impl Fn(B) -> (Vec<T>, bool),
    ) -> Result<Listing<T>, ClientError>
    where
        T: PartialEq,
        F: Fn(u32) -> Fut,
        Fut: std::future::Future<Output = Result<Page<B>, ClientError>>,
    {
        let mut listing = Listing { items: Vec::new(), first_page: PageInfo::default(), pages_read: 0 };
        let mut previous_len = 0_usize;
        for page in 0..MAX_PAGES {
            if stop.is_cancelled() {
                return Err(ClientError::Cancelled);
            }
            let Page { body, info } = fetch(page).await?;
            if page == 0 {
                listing.first_page = info;
            }
            listing.pages_read += 1;
            let (items, last_page) = split(body);
            if repeats_previous_page(&listing.items, previous_len, &items) {
                // UMAPI answers a users page past the end with the last page again (5a): a server
                // that never says `lastPage` ends here, without listing anyone twice.
                return Ok(listing);
            }
            let empty = items.is_empty();
            previous_len = items.len();
            listing.items.extend(items);
            // `X-Page-Count` is shown, never obeyed: a stale or zero count must not cut a listing.
            let page_count = info.page_count.or(listing.first_page.page_count).filter(|count| *count > page);
            self.observer().read_progress(&ReadProgress {
                what,
                pages_read: listing.pages_read,
                page_count,
                items: listing.items.len(),
            });
            if last_page || empty {
                return Ok(listing);
            }
        }
        Err(ClientError::EndlessListing { what: what.to_string(), pages: MAX_PAGES })
    }
}

/// Whether `page` is the page read before it again: the last `previous_len` items of `items`.
pub(crate) fn repeats_previous_page<T: PartialEq>(items: &[T], previous_len: usize, page: &[T]) -> bool {
    previous_len > 0
        && page.len() == previous_len
        && items.len() >= previous_len
        && items[items.len() - previous_len..] == *page
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn paging_headers_are_read_case_insensitively() {
        let mut headers = HeaderMap::new();
        headers.insert("x-total-count", reqwest::header::HeaderValue::from_static("4001"));
        headers.insert("X-Page-Count", reqwest::header::HeaderValue::from_static("3"));
        headers.insert("X-Current-Page", reqwest::header::HeaderValue::from_static("0"));
        let info = PageInfo::from_headers(&headers);
        assert_eq!(
            info,
            PageInfo { total_count: Some(4001), page_count: Some(3), current_page: Some(0), page_size: None }
        );
    }

    #[test]
    fn the_cost_helper_compares_single_gets_with_pages() {
        let cost = membership_read_cost(3, 4001);
        assert_eq!(cost, ReadCost { single_gets: 3, whole_org_pages: 3 });
        assert!(!cost.prefer_pages());
        assert!(membership_read_cost(500, 30_000).prefer_pages());
        assert_eq!(membership_read_cost(0, 0).whole_org_pages, 1);
    }
}
