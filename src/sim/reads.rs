//! The read endpoints (UMAPI.md 5): users of the org (2,000 a page, `domain`, `directOnly`), one
//! user (404 `error.user.not_found`), users of a group (`directOnly`, `status=active|inactive` for
//! product configurations, `excludeGroups`), groups (400 a page), and `GET /status`.
//!
//! Pages are 0-based. A users page past the end answers the last page; a groups page past the end
//! answers 404 `{"lastPage":true,"result":"Not found"}`. Every page carries `X-Total-Count`,
//! `X-Page-Count`, `X-Current-Page` and `X-Page-Size` (entries on this page), as strings. Users
//! come in order of arrival in the org (of a group: in order of arrival in its line, which for a
//! product configuration is the licence line), groups by id. `directOnly` defaults to true on both
//! user listings (5a, 5e); `groups` in user objects lists direct memberships, plus the
//! configurations reached through user groups when `directOnly=false` is given. A page costs the
//! page, not the org ([`super::memberships::Listing`]).

use std::collections::HashMap;
use std::sync::Arc;

use serde::Serialize;

use axum::Json;
use axum::extract::{Path, RawQuery, State};
use axum::http::{HeaderName, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use serde_json::json;

use crate::umapi::wire::{
    GROUPS_PAGE_SIZE, Group, GroupsPage, USERS_PAGE_SIZE, User, UserResponse, UsersPage, paging_headers,
};

use super::action::{bad_org, query_flag, request_error};
use super::catalogue::GroupKind;
use super::memberships::Listing;
use super::org::{Org, UserId};
use super::ranked::Members;
use super::rules::is_email_like;
use super::shared::Shared;

/// A user as the read endpoints show it; `with_indirect` adds the product configurations reached
/// through user groups (`directOnly=false`).
pub(crate) fn wire_user(org: &Org, id: UserId, with_indirect: bool) -> Option<User> {
    let record = org.user(id)?;
    let mut groups: Vec<String> = record.groups.iter().map(|group| org.catalogue.name_of(*group).to_string()).collect();
    if with_indirect {
        groups.extend(org.indirect_profiles(id).into_iter().map(|profile| org.catalogue.name_of(profile).to_string()));
    }
    Some(User {
        id: org.opaque_id(id),
        email: record.email().to_string(),
        username: record.username().to_string(),
        domain: record.domain().to_string(),
        firstname: record.firstname().map(str::to_string),
        lastname: record.lastname().map(str::to_string),
        country: record.country().map(str::to_string),
        user_type: record.kind.wire_name().to_string(),
        status: Some("active".to_string()),
        groups,
    })
}

/// The groups the groups endpoint lists: user groups and profiles always, admin and developer
/// groups while they have members; by id. Read-only user groups carry `isReadOnly: true`.
pub(crate) fn listed_groups(org: &Org) -> Vec<ListedGroup> {
    let mut listed = Vec::new();
    for group in org.catalogue.all() {
        let member_count = org.member_count(group.id);
        if group.kind.is_role() && member_count == 0 {
            continue;
        }
        let admin_group_name = org
            .catalogue
            .admin_group_of(group.id)
            .filter(|admin| org.member_count(*admin) > 0)
            .map(|admin| org.catalogue.name_of(admin).to_string());
        let mut entry = Group {
            group_id: Some(group.id),
            group_name: group.name.clone(),
            group_type: group.kind.wire_type().to_string(),
            member_count: u64::try_from(member_count).unwrap_or(u64::MAX),
            admin_group_name,
            ..Group::default()
        };
        match &group.kind {
            GroupKind::Profile { product, quota } => {
                entry.product_name = Some(product.clone());
                entry.license_quota = Some(quota.to_string());
            }
            GroupKind::UserGroupAdmin(target) => {
                entry.user_group_name = Some(org.catalogue.name_of(*target).to_string())
            }
            GroupKind::ProfileAdmin(target) | GroupKind::Developer(target) => {
                entry.product_profile_name = Some(org.catalogue.name_of(*target).to_string());
            }
            _ => {}
        }
        let read_only = org.catalogue.is_read_only(group.id).then_some(true);
        listed.push(ListedGroup { group: entry, read_only });
    }
    listed
}

/// A group of the groups endpoint: UMAPI's group object, plus `isReadOnly` on shared groups.
#[derive(Clone, Debug, Serialize)]
pub(crate) struct ListedGroup {
    #[serde(flatten)]
    pub(crate) group: Group,
    #[serde(rename = "isReadOnly", skip_serializing_if = "Option::is_none")]
    pub(crate) read_only: Option<bool>,
}

/// A page of the groups endpoint (UMAPI.md 5d).
#[derive(Debug, Serialize)]
struct ListedGroupsPage<'a> {
    #[serde(rename = "lastPage")]
    last_page: bool,
    result: &'static str,
    groups: &'a [ListedGroup],
}

struct Page {
    index: usize,
    count: usize,
    start: usize,
    end: usize,
}

/// The page to answer for `requested`: past the end means the last page.
fn page_of(requested: usize, total: usize, size: usize) -> Page {
    let count = total.div_ceil(size).max(1);
    let index = requested.min(count - 1);
    let start = (index * size).min(total);
    Page { index, count, start, end: (start + size).min(total) }
}

fn with_paging(mut response: Response, total: usize, page: &Page) -> Response {
    let headers = response.headers_mut();
    for (name, value) in [
        (paging_headers::TOTAL_COUNT, total),
        (paging_headers::PAGE_COUNT, page.count),
        (paging_headers::CURRENT_PAGE, page.index),
        (paging_headers::PAGE_SIZE, page.end - page.start),
    ] {
        if let (Ok(name), Ok(value)) = (HeaderName::try_from(name), HeaderValue::try_from(value.to_string())) {
            headers.insert(name, value);
        }
    }
    response
}

/// The common start of the paged user reads: the org id must be ours, the page a number, and the
/// flags booleans; otherwise the answer to send.
#[expect(clippy::result_large_err, reason = "the error is the answer itself, built once per refused read")]
fn paged_request(
    shared: &Shared,
    org_id: &str,
    page: &str,
    query: Option<&str>,
    names: &[&str],
) -> Result<(usize, HashMap<String, Option<bool>>), Response> {
    if org_id != shared.settings.org_id {
        return Err(bad_org());
    }
    let requested = parse_page(page).map_err(|message| bad_request(&message))?;
    let flags = flags(query, names).map_err(|message| bad_request(&message))?;
    Ok((requested, flags))
}

fn parse_page(page: &str) -> Result<usize, String> {
    page.parse().map_err(|_| format!("page {page:?} is not a page number"))
}

fn bad_request(message: &str) -> Response {
    request_error(StatusCode::BAD_REQUEST, "error", message)
}

fn flags(query: Option<&str>, names: &[&str]) -> Result<HashMap<String, Option<bool>>, String> {
    let mut found = HashMap::new();
    for name in names {
        found.insert((*name).to_string(), query_flag(query, name)?);
    }
    Ok(found)
}

fn query_value(query: Option<&str>, name: &str) -> Option<String> {
    url::form_urlencoded::parse(query.unwrap_or_default().as_bytes())
        .find(|(key, _)| key == name)
        .map(|(_, value)| value.into_owned())
}

/// `GET /users/{orgId}/{page}[?domain=...&directOnly=...]` (UMAPI.md 5a).
pub(crate) async fn users(
    State(shared): State<Arc<Shared>>,
    Path((org_id, page)): Path<(String, String)>,
    RawQuery(query): RawQuery,
) -> Response {
    let (requested, flags) = match paged_request(&shared, &org_id, &page, query.as_deref(), &["directOnly"]) {
        Ok(parsed) => parsed,
        Err(response) => return response,
    };
    let with_indirect = flags.get("directOnly").copied().flatten() == Some(false);
    let domain = query_value(query.as_deref(), "domain").map(|domain| domain.to_lowercase());
    let world = shared.world();
    let org = &world.org;
    let listing = match &domain {
        None => Listing::whole(org.everyone(), Members::All),
        Some(domain) => match org.users_of_domain(domain) {
            Some(line) => Listing::whole(line, Members::All),
            None if org.domain_info(domain).is_some() => Listing::empty(),
            None => {
                let body = json!({"lastPage": true, "result": "error.domain.not_found", "message": format!("Domain not found: {domain}")});
                return (StatusCode::NOT_FOUND, Json(body)).into_response();
            }
        },
    };
    let page = page_of(requested, listing.len(), USERS_PAGE_SIZE);
    let users = listing.page(page.start, page.end).filter_map(|id| wire_user(org, id, with_indirect)).collect();
    let body =
        UsersPage { last_page: page.index + 1 == page.count, result: "success".to_string(), users, group_name: None };
    with_paging((StatusCode::OK, Json(body)).into_response(), listing.len(), &page)
}

/// `GET /users/{orgId}/{page}/{groupName}[?directOnly&status&excludeGroups]` (UMAPI.md 5e, 7).
/// `directOnly` defaults to true: only direct members, unless `directOnly=false` also counts the
/// members of user groups that grant a product configuration.
pub(crate) async fn users_by_group(
    State(shared): State<Arc<Shared>>,
    Path((org_id, page, group_name)): Path<(String, String, String)>,
    RawQuery(query): RawQuery,
) -> Response {
    let (requested, flags) =
        match paged_request(&shared, &org_id, &page, query.as_deref(), &["directOnly", "excludeGroups"]) {
            Ok(parsed) => parsed,
            Err(response) => return response,
        };
    let direct_only = flags.get("directOnly").copied().flatten() != Some(false);
    let exclude_groups = flags.get("excludeGroups").copied().flatten() == Some(true);
    let status = query_value(query.as_deref(), "status");
    let active = match status.as_deref() {
        None => None,
        Some("active") => Some(true),
        Some("inactive") => Some(false),
        Some(other) => {
            return request_error(
                StatusCode::BAD_REQUEST,
                "error",
                &format!("status must be active or inactive, not {other:?}"),
            );
        }
    };
    let world = shared.world();
    let org = &world.org;
    let Some(group) = org.catalogue.find(&group_name) else {
        let body = json!({"lastPage": false, "result": "error.group.not_found", "message": format!("Not found: Group {group_name}")});
        return (StatusCode::NOT_FOUND, Json(body)).into_response();
    };
    let listing = org.group_listing(group.id, direct_only, active);
    let page = page_of(requested, listing.len(), USERS_PAGE_SIZE);
    let users = listing
        .page(page.start, page.end)
        .filter_map(|id| wire_user(org, id, !direct_only))
        .map(|user| if exclude_groups { User { groups: Vec::new(), ..user } } else { user })
        .collect();
    let body = UsersPage {
        last_page: page.index + 1 == page.count,
        result: "success".to_string(),
        users,
        group_name: Some(group.name.clone()),
    };
    with_paging((StatusCode::OK, Json(body)).into_response(), listing.len(), &page)
}

/// Finds the user `GET /organizations/{org}/users/{user}[?domain=]` names (UMAPI.md 5b, 6a): a
/// non-email user string is a username and needs its directory's domain; an email finds a user who
/// signs in with their email (in that domain, when one is given); `domain=AdobeID` the Adobe ID.
fn find_read_user(org: &Org, user: &str, domain: Option<&str>) -> Option<UserId> {
    match domain {
        Some(domain) if domain.eq_ignore_ascii_case("AdobeID") => org.find_adobe_id(user),
        Some(domain) if !is_email_like(user) => org.find_by_login(user, domain),
        None if !is_email_like(user) => None,
        Some(domain) => org.find_org_owned_by_email(user).filter(|id| {
            org.user(*id).is_some_and(|record| record.found_by_email() && record.domain().eq_ignore_ascii_case(domain))
        }),
        None => org.find_by_email(user),
    }
}

/// `GET /organizations/{orgId}/users/{user}[?domain=...]`.
pub(crate) async fn user(
    State(shared): State<Arc<Shared>>,
    Path((org_id, user)): Path<(String, String)>,
    RawQuery(query): RawQuery,
) -> Response {
    if org_id != shared.settings.org_id {
        return bad_org();
    }
    let domain = query_value(query.as_deref(), "domain");
    let world = shared.world();
    let org = &world.org;
    match find_read_user(org, &user, domain.as_deref()).and_then(|id| wire_user(org, id, false)) {
        Some(found) => {
            let body = UserResponse { result: "success".to_string(), user: Some(found), message: None };
            (StatusCode::OK, Json(body)).into_response()
        }
        None => {
            let body = UserResponse {
                result: "error.user.not_found".to_string(),
                user: None,
                message: Some(format!("User not found: {user}")),
            };
            (StatusCode::NOT_FOUND, Json(body)).into_response()
        }
    }
}

/// `GET /groups/{orgId}/{page}`.
pub(crate) async fn groups(
    State(shared): State<Arc<Shared>>,
    Path((org_id, page)): Path<(String, String)>,
) -> Response {
    if org_id != shared.settings.org_id {
        return bad_org();
    }
    let requested = match parse_page(&page) {
        Ok(page) => page,
        Err(message) => return bad_request(&message),
    };
    let listed = listed_groups(&shared.world().org);
    let page = page_of(requested, listed.len(), GROUPS_PAGE_SIZE);
    if requested > page.index {
        let body = GroupsPage { last_page: true, result: "Not found".to_string(), groups: Vec::new() };
        return (StatusCode::NOT_FOUND, Json(body)).into_response();
    }
    let body = ListedGroupsPage {
        last_page: page.index + 1 == page.count,
        result: "success",
        groups: &listed[page.start..page.end],
    };
    with_paging((StatusCode::OK, Json(body)).into_response(), listed.len(), &page)
}

/// `GET /status` (no auth).
pub(crate) async fn status(State(shared): State<Arc<Shared>>) -> Response {
    shared.world().counters.received("status");
    let body = json!({"build": "umapi-bulk-sim", "version": env!("CARGO_PKG_VERSION"), "state": "LIVE"});
    (StatusCode::OK, Json(body)).into_response()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn pages_past_the_end_are_the_last_page_and_an_empty_list_has_one_page() {
        let page = page_of(0, 4001, 2000);
        assert_eq!((page.index, page.count, page.start, page.end), (0, 3, 0, 2000));
        let page = page_of(7, 4001, 2000);
        assert_eq!((page.index, page.start, page.end), (2, 4000, 4001));
        let page = page_of(1, 4000, 2000);
        assert_eq!((page.index, page.count, page.start, page.end), (1, 2, 2000, 4000));
        let page = page_of(3, 0, 2000);
        assert_eq!((page.index, page.count, page.start, page.end), (0, 1, 0, 0));
    }
}
