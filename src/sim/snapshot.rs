//! `GET /_sim/state`, `GET /_sim/counters` and `sim --dump`.
//!
//! The state has the shape SPEC 6 fixes: `{"org_id", "users": [UMAPI user object + "licences"],
//! "groups": [UMAPI group objects], "counters": {...}}`. Users are sorted by email, then type, then
//! username; groups by name (case-insensitively). Extra keys, which checks may rely on as well:
//! `no_licence` on each user (product configurations joined without a licence), `isReadOnly` on
//! shared groups, `domains` (claimed and trusted), and the extra counters. The body is serialized
//! straight from the org, one user at a time, with no JSON tree in between (issue 13: a 300,000-user
//! state must not take gigabytes). `/_sim/counters` is the cheap read: the counters and the number
//! of users, whatever the size of the org.
//!
//! Never includes a secret or a token. Not throttled, not faulted, not counted among UMAPI calls.

use std::cmp::Ordering;
use std::sync::Arc;

use axum::Json;
use axum::extract::State;
use axum::http::{StatusCode, header};
use axum::response::{IntoResponse, Response};
use serde::ser::{SerializeMap, SerializeSeq};
use serde::{Serialize, Serializer};
use serde_json::{Value, json};

use crate::umapi::wire::User;

use super::org::{Org, UserId};
use super::reads::{ListedGroup, listed_groups, wire_user};
use super::shared::{Counters, Shared};

/// Compares case-insensitively: byte by byte for ASCII (emails nearly always are), by Unicode
/// lower case otherwise.
fn lower_order(left: &str, right: &str) -> Ordering {
    if left.is_ascii() && right.is_ascii() {
        return left
            .bytes()
            .map(|byte| byte.to_ascii_lowercase())
            .cmp(right.bytes().map(|byte| byte.to_ascii_lowercase()));
    }
    left.chars().flat_map(char::to_lowercase).cmp(right.chars().flat_map(char::to_lowercase))
}

/// The whole org and its counters, ready to serialize.
struct StateView<'a> {
    org: &'a Org,
    counters: &'a Counters,
    order: Vec<UserId>,
    groups: Vec<ListedGroup>,
}

impl<'a> StateView<'a> {
    fn new(org: &'a Org, counters: &'a Counters) -> Self {
        let mut order: Vec<UserId> = org.users().map(|(id, _)| id).collect();
        order.sort_by(|left, right| match (org.user(*left), org.user(*right)) {
            (Some(left), Some(right)) => lower_order(left.email(), right.email())
                .then_with(|| left.kind.wire_name().cmp(right.kind.wire_name()))
                .then_with(|| lower_order(left.username(), right.username())),
            _ => Ordering::Equal,
        });
        let mut groups = listed_groups(org);
        groups.sort_by(|left, right| {
            lower_order(&left.group.group_name, &right.group.group_name)
                .then_with(|| left.group.group_id.cmp(&right.group.group_id))
        });
        Self { org, counters, order, groups }
    }
}

/// One user of the state: the user object plus its licences.
#[derive(Serialize)]
struct StateUser {
    #[serde(flatten)]
    user: User,
    licences: Vec<String>,
    no_licence: Vec<String>,
}

struct Users<'a>(&'a StateView<'a>);

impl Serialize for Users<'_> {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        let org = self.0.org;
        let mut sequence = serializer.serialize_seq(Some(self.0.order.len()))?;
        for id in &self.0.order {
            let Some(user) = wire_user(org, *id, false) else { continue };
            let (licensed, unlicensed) = org.licence_status(*id);
            let names = |profiles: Vec<i64>| {
                let mut names: Vec<String> =
                    profiles.into_iter().map(|profile| org.catalogue.name_of(profile).to_string()).collect();
                names.sort_by(|left, right| lower_order(left, right));
                names
            };
            sequence.serialize_element(&StateUser {
                user,
                licences: names(licensed),
                no_licence: names(unlicensed),
            })?;
        }
        sequence.end()
    }
}

impl Serialize for StateView<'_> {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        let domains: Vec<Value> = self
            .org
            .domains
            .iter()
            .map(|(name, info)| {
                let mut domain = json!({"name": name, "directory": format!("{:?}", info.directory).to_lowercase()});
                if let Some(object) = domain.as_object_mut() {
                    if info.login != super::state_file::Login::Email {
                        object.insert("login".to_string(), json!(format!("{:?}", info.login).to_lowercase()));
                    }
                    if info.trusted {
                        object.insert("trusted".to_string(), json!(true));
                    }
                }
                domain
            })
            .collect();
        let mut map = serializer.serialize_map(Some(5))?;
        map.serialize_entry("org_id", &self.org.org_id)?;
        map.serialize_entry("users", &Users(self))?;
        map.serialize_entry("groups", &self.groups)?;
        map.serialize_entry("domains", &domains)?;
        map.serialize_entry("counters", self.counters)?;
        map.end()
    }
}

/// The snapshot of an org and its counters, as a JSON tree (for in-process checks of small orgs).
pub(crate) fn snapshot(org: &Org, counters: &Counters) -> Value {
    serde_json::to_value(StateView::new(org, counters)).unwrap_or(Value::Null)
}

/// The snapshot as JSON text, compact or pretty.
pub(crate) fn snapshot_text(org: &Org, counters: &Counters, pretty: bool) -> serde_json::Result<Vec<u8>> {
    let view = StateView::new(org, counters);
    if pretty { serde_json::to_vec_pretty(&view) } else { serde_json::to_vec(&view) }
}

/// The counters read: the org id, the number of users and the counters.
pub(crate) fn counters(org: &Org, counters: &Counters) -> Value {
    json!({"org_id": org.org_id, "user_count": org.user_count(), "counters": counters})
}

/// `GET /_sim/state`.
pub(crate) async fn state(State(shared): State<Arc<Shared>>) -> Response {
    let body = {
        let world = shared.world();
        snapshot_text(&world.org, &world.counters, false)
    };
    match body {
        Ok(body) => ([(header::CONTENT_TYPE, "application/json")], body).into_response(),
        Err(error) => (StatusCode::INTERNAL_SERVER_ERROR, format!("cannot render the state: {error}")).into_response(),
    }
}

/// `GET /_sim/counters`.
pub(crate) async fn counters_only(State(shared): State<Arc<Shared>>) -> Response {
    let world = shared.world();
    Json(counters(&world.org, &world.counters)).into_response()
}
