//! `GET /_sim/state` and `sim --dump`: the whole org plus the counters, in the shape SPEC 6 fixes:
//! `{"org_id", "users": [UMAPI user object + "licences"], "groups": [UMAPI group objects],
//! "counters": {...}}`. Users are sorted by email, then type, then username; groups by name
//! (case-insensitively). Extra keys, which checks may rely on as well: `no_licence` on each user
//! (product configurations joined without a licence), `domains`, and the extra counters.
//!
//! Never includes a secret or a token. Not throttled, not faulted, not counted among UMAPI calls.

use std::sync::Arc;

use axum::Json;
use axum::extract::State;
use axum::response::{IntoResponse, Response};
use serde_json::{Value, json};

use super::org::Org;
use super::reads::{listed_groups, wire_user};
use super::shared::{Counters, Shared};

/// The snapshot of an org and its counters.
pub(crate) fn snapshot(org: &Org, counters: &Counters) -> Value {
    let holders = org.licence_holders();
    let mut users: Vec<(String, String, String, Value)> = org
        .users()
        .filter_map(|(id, record)| {
            let user = wire_user(org, id, false)?;
            let (licensed, unlicensed) = org.licence_status(id, &holders);
            let names = |profiles: Vec<i64>| {
                let mut names: Vec<String> =
                    profiles.into_iter().map(|profile| org.catalogue.name_of(profile).to_string()).collect();
                names.sort_by_key(|name| name.to_lowercase());
                names
            };
            let mut value = serde_json::to_value(user).ok()?;
            if let Some(object) = value.as_object_mut() {
                object.insert("licences".to_string(), json!(names(licensed)));
                object.insert("no_licence".to_string(), json!(names(unlicensed)));
            }
            Some((
                record.email.to_lowercase(),
                record.kind.wire_name().to_string(),
                record.username.to_lowercase(),
                value,
            ))
        })
        .collect();
    users.sort_by(|left, right| (&left.0, &left.1, &left.2).cmp(&(&right.0, &right.1, &right.2)));
    let mut groups = listed_groups(org);
    groups.sort_by_key(|group| (group.group_name.to_lowercase(), group.group_id));
    let domains: Vec<Value> = org
        .domains
        .iter()
        .map(|(name, directory)| json!({"name": name, "directory": format!("{directory:?}").to_lowercase()}))
        .collect();
    json!({
        "org_id": org.org_id,
        "users": users.into_iter().map(|(_, _, _, user)| user).collect::<Vec<_>>(),
        "groups": groups,
        "domains": domains,
        "counters": counters,
    })
}

/// `GET /_sim/state`.
pub(crate) async fn state(State(shared): State<Arc<Shared>>) -> Response {
    let world = shared.world();
    Json(snapshot(&world.org, &world.counters)).into_response()
}
