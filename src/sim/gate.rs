//! The pipeline every UMAPI call under `/v2/usermanagement` goes through, in this order:
//! 1. count it (counters count requests received, refused ones included) and the `Pragma`
//!    sync-session signals; draw its fault decision (by order of arrival, see [`super::faults`]);
//! 2. wait `--latency-ms`;
//! 3. a fault that strikes BEFORE applying answers now (nothing changed);
//! 4. authenticate ([`super::auth`]): 401/403;
//! 5. the session throttle and page-0 rule ([`super::session`]), when on: 429 with a long
//!    `Retry-After`;
//! 6. the migrating fault ([`super::fault_menu`]): 403 `error.organization.migrating`;
//! 7. throttle ([`super::throttle`]): 429 with `Retry-After`, nothing changed, not recorded;
//! 8. run the endpoint;
//! 9. a fault that strikes AFTER applying replaces the answer (the change stays);
//! 10. a 2xx answer records its session signals and page-0 read; a slow-answer fault waits;
//! 11. echo `X-Request-Id`.
//!
//! A dropped connection is done by asking the connection's task to drop the connection
//! ([`super::server::ConnectionKiller`]) and never answering.

use std::sync::Arc;
use std::time::{Instant, SystemTime};

use axum::Json;
use axum::extract::{Request, State};
use axum::http::{HeaderValue, Method, StatusCode, header};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use serde_json::json;

use crate::umapi::wire::{PRAGMA_SYNC_END, PRAGMA_SYNC_START, ThrottleBody};

use super::auth::authenticate;
use super::fault_menu;
use super::faults::{Fault, FaultKind, FaultTiming};
use super::server::ConnectionKiller;
use super::session::Signals;
use super::shared::Shared;
use super::throttle::{Family, retry_after_value};

/// Which UMAPI endpoint a path is.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Endpoint {
    Action,
    Users,
    User,
    UsersByGroup,
    Groups,
}

impl Endpoint {
    fn name(self) -> &'static str {
        match self {
            Self::Action => "action",
            Self::Users => "users",
            Self::User => "user",
            Self::UsersByGroup => "users_by_group",
            Self::Groups => "groups",
        }
    }

    fn family(self) -> Family {
        match self {
            Self::Action => Family::Action,
            Self::Users | Self::User | Self::UsersByGroup => Family::UsersRead,
            Self::Groups => Family::Groups,
        }
    }
}

/// Classifies a path under `/v2/usermanagement`.
pub(crate) fn classify(method: &Method, path: &str) -> Option<Endpoint> {
    let rest = path.strip_prefix("/v2/usermanagement/")?;
    let segments: Vec<&str> = rest.trim_end_matches('/').split('/').collect();
    match (method, segments.as_slice()) {
        (&Method::POST, ["action", _]) => Some(Endpoint::Action),
        (&Method::GET, ["users", _, _]) => Some(Endpoint::Users),
        (&Method::GET, ["users", _, _, _]) => Some(Endpoint::UsersByGroup),
        (&Method::GET, ["organizations", _, "users", _]) => Some(Endpoint::User),
        (&Method::GET, ["groups", _, _]) => Some(Endpoint::Groups),
        _ => None,
    }
}

/// Which list a request reads page 0 of (the users list, per `domain`, or the groups list), for
/// the page-0 rule.
fn page_zero_list(endpoint: Endpoint, path: &str, query: Option<&str>) -> Option<String> {
    let page = path.trim_end_matches('/').rsplit('/').next()?;
    if page != "0" {
        return None;
    }
    match endpoint {
        Endpoint::Groups => Some("groups".to_string()),
        Endpoint::Users => {
            let domain = url::form_urlencoded::parse(query.unwrap_or_default().as_bytes())
                .find(|(key, _)| key == "domain")
                .map(|(_, value)| value.to_lowercase());
            Some(domain.map_or_else(|| "users".to_string(), |domain| format!("users?domain={domain}")))
        }
        _ => None,
    }
}

/// What the gate learned of a request before running it.
struct Admission {
    endpoint: Endpoint,
    label: String,
    signals: Signals,
    page_zero: Option<String>,
}

/// The middleware.
pub(crate) async fn umapi_gate(State(shared): State<Arc<Shared>>, request: Request, next: Next) -> Response {
    let Some(endpoint) = classify(request.method(), request.uri().path()) else {
        // Only UMAPI routes carry this layer; a path it cannot place is refused, never let through.
        return StatusCode::NOT_FOUND.into_response();
    };
    let label = format!("{} {}", request.method(), request.uri().path());
    let request_id = request.headers().get("x-request-id").cloned();
    let pragma = request.headers().get(header::PRAGMA).and_then(|value| value.to_str().ok()).unwrap_or_default();
    let signals = Signals { start: pragma.contains(PRAGMA_SYNC_START), end: pragma.contains(PRAGMA_SYNC_END) };
    let page_zero = page_zero_list(endpoint, request.uri().path(), request.uri().query());
    let (fault, arrival) = {
        let mut world = shared.world();
        let counters = &mut world.counters;
        counters.received(endpoint.name());
        if endpoint == Endpoint::Action {
            counters.action_requests += 1;
        } else {
            counters.read_requests += 1;
        }
        if signals.start {
            counters.sync_start += 1;
        }
        if signals.end {
            counters.sync_end += 1;
        }
        let arrival = world.faults.arrivals();
        (world.faults.next(), arrival)
    };
    if !shared.settings.latency.is_zero() {
        tokio::time::sleep(shared.settings.latency).await;
    }
    let killer = request.extensions().get::<ConnectionKiller>().cloned();
    if let Some(fault) = fault.filter(|fault| fault.timing == FaultTiming::BeforeApplying) {
        return strike(&shared, fault, &label, None, killer, request_id).await;
    }
    let admission = Admission { endpoint, label, signals, page_zero };
    let (response, client, ran) = admit_and_run(&shared, &admission, arrival, request, next).await;
    let label = admission.label;
    if let Some(fault) = fault.filter(|fault| fault.timing == FaultTiming::AfterApplying) {
        return strike(&shared, fault, &label, Some(response.status()), killer, request_id).await;
    }
    if let Some(client) = &client
        && response.status().is_success()
    {
        shared.world().sessions.answered(client, admission.signals, admission.page_zero.as_deref(), Instant::now());
    }
    if ran && fault_menu::slow(shared.settings.seed, arrival, &shared.settings.fault_menu) {
        let delay = shared.settings.fault_menu.slow_by;
        {
            let mut world = shared.world();
            world.counters.faults += 1;
            world.counters.faults_slow += 1;
        }
        shared.log(&format!("sim: fault: {label} applied; answering {} ms late", delay.as_millis()));
        tokio::time::sleep(delay).await;
    }
    with_request_id(response, request_id)
}

/// A 429 with `Retry-After` and UMAPI's throttle body.
fn too_many_requests(shared: &Shared, wait: std::time::Duration) -> (Response, String) {
    let retry_after = retry_after_value(wait, shared.settings.retry_after, SystemTime::now());
    let body = ThrottleBody { error_code: "429050".to_string(), message: "Too many requests".to_string() };
    let mut response = (StatusCode::TOO_MANY_REQUESTS, Json(body)).into_response();
    if let Ok(value) = HeaderValue::from_str(&retry_after) {
        response.headers_mut().insert(header::RETRY_AFTER, value);
    }
    (response, retry_after)
}

/// Authenticates, applies the session rules, the migrating fault and the minute windows, then
/// runs the endpoint. Returns the answer, the client it was authenticated as, and whether the
/// endpoint ran.
async fn admit_and_run(
    shared: &Shared,
    admission: &Admission,
    arrival: u64,
    request: Request,
    next: Next,
) -> (Response, Option<String>, bool) {
    let now = Instant::now();
    let label = &admission.label;
    let verdict = {
        let mut world = shared.world();
        match authenticate(&world, request.headers(), now) {
            Err(refusal) => {
                world.counters.unauthorized += 1;
                Err((refusal.response(), format!("{} ({label})", refusal.reason()), None))
            }
            Ok(client) => {
                let session = world.sessions.admit(&client, admission.signals, admission.page_zero.as_deref(), now);
                if let Err(block) = session {
                    world.counters.throttled += 1;
                    world.counters.session_throttled += 1;
                    let (response, retry_after) = too_many_requests(shared, block.wait);
                    let reason = format!("client {client} {label}: {}, Retry-After: {retry_after}", block.reason);
                    Err((response, reason, Some(client)))
                } else if fault_menu::migrating(shared.settings.seed, arrival, &shared.settings.fault_menu) {
                    world.counters.faults += 1;
                    world.counters.faults_migrating += 1;
                    let body = json!({"result": "error.organization.migrating", "message": "Organization is being migrated (simulated fault)"});
                    let reason = format!("fault: {label}: organization migrating");
                    Err(((StatusCode::FORBIDDEN, Json(body)).into_response(), reason, Some(client)))
                } else {
                    match world.throttle.admit(&client, admission.endpoint.family(), now) {
                        Ok(()) => Ok(client),
                        Err(refusal) => {
                            world.counters.throttled += 1;
                            let (response, retry_after) = too_many_requests(shared, refusal.wait);
                            let windows = refusal.windows.join(" + ");
                            let reason =
                                format!("client {client} {label}: {windows} window full, Retry-After: {retry_after}");
                            Err((response, reason, Some(client)))
                        }
                    }
                }
            }
        }
    };
    match verdict {
        Ok(client) => (next.run(request).await, Some(client), true),
        Err((response, reason, client)) => {
            shared.log(&format!("sim: {} {reason}", response.status().as_u16()));
            (response, client, false)
        }
    }
}

async fn strike(
    shared: &Shared,
    fault: Fault,
    label: &str,
    processed: Option<StatusCode>,
    killer: Option<ConnectionKiller>,
    request_id: Option<HeaderValue>,
) -> Response {
    {
        let mut world = shared.world();
        let counters = &mut world.counters;
        counters.faults += 1;
        match fault.timing {
            FaultTiming::BeforeApplying => counters.faults_before += 1,
            FaultTiming::AfterApplying => counters.faults_after += 1,
        }
        if fault.kind == FaultKind::DropConnection {
            counters.connections_dropped += 1;
        }
    }
    let when = match processed {
        None => "BEFORE applying (nothing changed)".to_string(),
        Some(status) => {
            format!("AFTER applying (processed with {}; any change stays, the client is not told)", status.as_u16())
        }
    };
    shared.log(&format!("sim: fault #{} {} {when}: {label}", fault.arrival, fault.kind.label()));
    let (status, retry_after) = match fault.kind {
        FaultKind::BadGateway => (StatusCode::BAD_GATEWAY, false),
        FaultKind::Unavailable { retry_after } => (StatusCode::SERVICE_UNAVAILABLE, retry_after),
        FaultKind::GatewayTimeout => (StatusCode::GATEWAY_TIMEOUT, false),
        FaultKind::DropConnection => {
            if let Some(killer) = killer {
                killer.kill();
                return std::future::pending().await;
            }
            (StatusCode::BAD_GATEWAY, false)
        }
    };
    let reason = status.canonical_reason().unwrap_or("fault");
    let body = json!({"error_code": status.as_u16().to_string(), "message": format!("{reason} (simulated fault)")});
    let mut response = (status, Json(body)).into_response();
    if retry_after {
        response.headers_mut().insert(header::RETRY_AFTER, HeaderValue::from_static("1"));
    }
    with_request_id(response, request_id)
}

fn with_request_id(mut response: Response, request_id: Option<HeaderValue>) -> Response {
    if let Some(value) = request_id {
        response.headers_mut().insert("x-request-id", value);
    }
    response
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn paths_are_classified_into_endpoints() {
        let org = "DEMO@AdobeOrg";
        assert_eq!(classify(&Method::POST, &format!("/v2/usermanagement/action/{org}")), Some(Endpoint::Action));
        assert_eq!(classify(&Method::GET, &format!("/v2/usermanagement/users/{org}/0")), Some(Endpoint::Users));
        assert_eq!(
            classify(&Method::GET, &format!("/v2/usermanagement/users/{org}/0/Designers")),
            Some(Endpoint::UsersByGroup)
        );
        assert_eq!(
            classify(&Method::GET, &format!("/v2/usermanagement/organizations/{org}/users/a@b.com")),
            Some(Endpoint::User)
        );
        assert_eq!(classify(&Method::GET, &format!("/v2/usermanagement/groups/{org}/0")), Some(Endpoint::Groups));
        assert_eq!(classify(&Method::GET, &format!("/v2/usermanagement/action/{org}")), None);
        assert_eq!(classify(&Method::GET, "/status"), None);
    }
}
