//! The IMS side (UMAPI.md 1): the registered API clients, the issued tokens, and the token
//! endpoints `POST /ims/token/v2` and `/v3` (OAuth Server-to-Server client credentials, fields in
//! the form body or the query, `expires_in` in seconds) and `POST /ims/exchange/jwt` (a legacy
//! RS256 JWT verified against the tech account's public key, `expires_in` in milliseconds).
//!
//! Errors use IMS's shape `{"error": ..., "error_description": ...}`: 400 `invalid_client` for an
//! unknown client, 401 `invalid_client` for a wrong secret, 400 `invalid_scope`, 400
//! `invalid_token` (missing, undecodable or expired JWT), 400 `invalid_signature`, 400
//! `bad_request` (malformed claims). With the fault menu's `ims-429`, a share of token requests gets
//! 429 with `Retry-After: 1`. Tokens are opaque random strings; none is ever logged.

use std::collections::HashMap;
use std::sync::Arc;
use std::time::{Duration, Instant};

use axum::Json;
use axum::body::Bytes;
use axum::extract::{RawQuery, State};
use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use jsonwebtoken::errors::ErrorKind;
use jsonwebtoken::{Algorithm, DecodingKey, Validation};

use crate::secret::Secret;
use crate::umapi::wire::{ImsError, TokenResponse};

use super::fault_menu;
use super::shared::Shared;

/// The scopes an OAuth client of the simulator may ask for.
const ALLOWED_SCOPES: [&str; 3] = ["openid", "AdobeID", "user_management_sdk"];
const UMAPI_SCOPE: &str = "user_management_sdk";
const METASCOPE_SUFFIX: &str = "/s/ent_user_sdk";

/// One API client as the simulator knows it.
#[derive(Clone)]
pub(crate) struct RegisteredClient {
    pub(crate) client_id: String,
    pub(crate) client_secret: Secret,
    /// The JWT technical account id and its verifying key.
    pub(crate) tech_account: Option<(String, DecodingKey)>,
}

/// The org's API clients, in the state file's order.
#[derive(Clone, Default)]
pub(crate) struct ClientRegistry {
    clients: Vec<RegisteredClient>,
}

impl ClientRegistry {
    /// Registers a client.
    pub(crate) fn add(&mut self, client: RegisteredClient) {
        self.clients.push(client);
    }

    /// A client by id.
    pub(crate) fn get(&self, client_id: &str) -> Option<&RegisteredClient> {
        self.clients.iter().find(|client| client.client_id == client_id)
    }

    /// The first client (what `client_config` hands out).
    pub(crate) fn first(&self) -> Option<&RegisteredClient> {
        self.clients.first()
    }
}

/// Why a bearer token is not accepted.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum TokenProblem {
    /// Never issued by this simulator.
    Unknown,
    /// Issued, but its lifetime is over.
    Expired,
}

#[derive(Debug)]
struct IssuedToken {
    client_id: String,
    expires_at: Instant,
}

/// Tokens issued so far.
#[derive(Debug, Default)]
pub(crate) struct TokenStore {
    issued: HashMap<String, IssuedToken>,
}

impl TokenStore {
    /// Issues a token for `client_id` that lives `ttl`.
    pub(crate) fn issue(&mut self, client_id: &str, ttl: Duration, now: Instant) -> String {
        // Expired tokens are kept a while so that their use is answered "expired", not "unknown".
        self.issued.retain(|_, token| now.saturating_duration_since(token.expires_at) < Duration::from_secs(3600));
        let token = format!("ey{}{}", uuid::Uuid::new_v4().simple(), uuid::Uuid::new_v4().simple());
        self.issued.insert(token.clone(), IssuedToken { client_id: client_id.to_string(), expires_at: now + ttl });
        token
    }

    /// The client a token was issued to, if it is valid at `now`.
    pub(crate) fn check(&self, token: &str, now: Instant) -> Result<&str, TokenProblem> {
        match self.issued.get(token) {
            None => Err(TokenProblem::Unknown),
            Some(issued) if now >= issued.expires_at => Err(TokenProblem::Expired),
            Some(issued) => Ok(&issued.client_id),
        }
    }
}

/// An IMS refusal: status, `error` and `error_description`.
struct ImsRefusal {
    status: StatusCode,
    error: &'static str,
    description: String,
}

fn ims_error(status: StatusCode, error: &'static str, description: &str) -> ImsRefusal {
    ImsRefusal { status, error, description: description.to_string() }
}

/// Form fields from the query string and the form body (the body wins).
fn parameters(query: Option<&str>, body: &[u8]) -> HashMap<String, String> {
    let mut fields: HashMap<String, String> = HashMap::new();
    for (key, value) in url::form_urlencoded::parse(query.unwrap_or_default().as_bytes()) {
        fields.insert(key.into_owned(), value.into_owned());
    }
    for (key, value) in url::form_urlencoded::parse(body) {
        fields.insert(key.into_owned(), value.into_owned());
    }
    fields
}

/// Checks client id and secret: 400 for an unknown client, 401 for a wrong secret.
fn client_of<'a>(shared: &'a Shared, fields: &HashMap<String, String>) -> Result<&'a RegisteredClient, ImsRefusal> {
    let client_id = fields.get("client_id").map(String::as_str).unwrap_or_default();
    let Some(client) = shared.clients.get(client_id) else {
        return Err(ims_error(StatusCode::BAD_REQUEST, "invalid_client", "invalid client_id parameter"));
    };
    let secret = fields.get("client_secret").map(String::as_str).unwrap_or_default();
    if secret != client.client_secret.expose() {
        return Err(ims_error(StatusCode::UNAUTHORIZED, "invalid_client", "invalid client_secret parameter"));
    }
    Ok(client)
}

fn refused(shared: &Shared, endpoint: &str, refusal: ImsRefusal) -> Response {
    shared.world().counters.token_refusals += 1;
    shared.log(&format!(
        "sim: POST {endpoint} refused: {} {} ({})",
        refusal.status.as_u16(),
        refusal.error,
        refusal.description
    ));
    let body = ImsError { error: refusal.error.to_string(), error_description: Some(refusal.description) };
    (refusal.status, Json(body)).into_response()
}

/// Counts a token request and draws its IMS-429 fault: `Some` is the 429 to answer.
fn received(shared: &Shared, endpoint: &'static str) -> Option<Response> {
    let throttled = {
        let mut world = shared.world();
        world.counters.token_requests += 1;
        world.counters.received(endpoint);
        let number = world.token_arrivals;
        world.token_arrivals += 1;
        let throttled = fault_menu::ims_throttled(shared.settings.seed, number, &shared.settings.fault_menu);
        if throttled {
            world.counters.faults += 1;
            world.counters.ims_throttled += 1;
        }
        throttled
    };
    if !throttled {
        return None;
    }
    shared.log("sim: fault: IMS answered 429 with Retry-After: 1");
    let body = ImsError {
        error: "too_many_requests".to_string(),
        error_description: Some("Too many requests (simulated fault)".to_string()),
    };
    let mut response = (StatusCode::TOO_MANY_REQUESTS, Json(body)).into_response();
    response.headers_mut().insert(header::RETRY_AFTER, HeaderValue::from_static("1"));
    Some(response)
}

/// `POST /ims/token/v2` and `/ims/token/v3` (also with a trailing slash, as Adobe's Python clients
/// send it).
pub(crate) async fn oauth_token(State(shared): State<Arc<Shared>>, RawQuery(query): RawQuery, body: Bytes) -> Response {
    if let Some(throttled) = received(&shared, "ims_token") {
        return throttled;
    }
    let fields = parameters(query.as_deref(), &body);
    match fields.get("grant_type").map(String::as_str) {
        Some("client_credentials") => {}
        None => {
            let response = ims_error(StatusCode::BAD_REQUEST, "invalid_request", "grant_type parameter is required");
            return refused(&shared, "/ims/token", response);
        }
        Some(_) => {
            let response =
                ims_error(StatusCode::BAD_REQUEST, "unsupported_grant_type", "only client_credentials is supported");
            return refused(&shared, "/ims/token", response);
        }
    }
    let client = match client_of(&shared, &fields) {
        Ok(client) => client,
        Err(response) => return refused(&shared, "/ims/token", response),
    };
    let scopes: Vec<&str> = fields
        .get("scope")
        .map(|scope| scope.split([',', ' ']).filter(|scope| !scope.is_empty()).collect())
        .unwrap_or_default();
    let problem = if scopes.is_empty() {
        Some("scope parameter is required".to_string())
    } else if let Some(unknown) = scopes.iter().find(|scope| !ALLOWED_SCOPES.contains(scope)) {
        Some(format!("invalid scope ({unknown})"))
    } else if !scopes.contains(&UMAPI_SCOPE) {
        Some(format!("the scope must include {UMAPI_SCOPE}"))
    } else {
        None
    };
    if let Some(problem) = problem {
        return refused(&shared, "/ims/token", ims_error(StatusCode::BAD_REQUEST, "invalid_scope", &problem));
    }
    let ttl = shared.settings.token_ttl;
    let access_token = shared.world().tokens.issue(&client.client_id, ttl, Instant::now());
    shared.log(&format!("sim: POST /ims/token issued a token to client {} for {} s", client.client_id, ttl.as_secs()));
    let body = TokenResponse { access_token, token_type: Some("bearer".to_string()), expires_in: ttl.as_secs() };
    (StatusCode::OK, Json(body)).into_response()
}

/// `POST /ims/exchange/jwt`: verifies the JWT and answers with `expires_in` in milliseconds.
pub(crate) async fn exchange_jwt(
    State(shared): State<Arc<Shared>>,
    RawQuery(query): RawQuery,
    body: Bytes,
) -> Response {
    if let Some(throttled) = received(&shared, "ims_jwt") {
        return throttled;
    }
    let fields = parameters(query.as_deref(), &body);
    let client = match client_of(&shared, &fields) {
        Ok(client) => client,
        Err(response) => return refused(&shared, "/ims/exchange/jwt", response),
    };
    if let Err(response) = verify_jwt(&shared, client, fields.get("jwt_token").map(String::as_str)) {
        return refused(&shared, "/ims/exchange/jwt", response);
    }
    let ttl = shared.settings.token_ttl;
    let access_token = shared.world().tokens.issue(&client.client_id, ttl, Instant::now());
    shared.log(&format!("sim: POST /ims/exchange/jwt issued a token to client {}", client.client_id));
    let expires_in = u64::try_from(ttl.as_millis()).unwrap_or(u64::MAX);
    let body = TokenResponse { access_token, token_type: Some("bearer".to_string()), expires_in };
    (StatusCode::OK, Json(body)).into_response()
}

fn verify_jwt(shared: &Shared, client: &RegisteredClient, jwt: Option<&str>) -> Result<(), ImsRefusal> {
    let bad = |error: &'static str, description: &str| ims_error(StatusCode::BAD_REQUEST, error, description);
    let Some((tech_account, key)) = &client.tech_account else {
        return Err(bad("invalid_client", "this client has no JWT technical account"));
    };
    let Some(jwt) = jwt.filter(|jwt| !jwt.is_empty()) else {
        return Err(bad("invalid_token", "jwt_token parameter is missing"));
    };
    // Only the signature is left to jsonwebtoken; the claims are checked below so that each
    // problem gets IMS's own error.
    let mut validation = Validation::new(Algorithm::RS256);
    validation.validate_exp = false;
    validation.validate_aud = false;
    validation.required_spec_claims.clear();
    let claims = match jsonwebtoken::decode::<serde_json::Value>(jwt, key, &validation) {
        Ok(data) => data.claims,
        Err(error) => {
            return Err(match error.kind() {
                ErrorKind::InvalidSignature => bad("invalid_signature", "the JWT signature does not verify"),
                ErrorKind::InvalidAlgorithm => bad("invalid_token", "the JWT must be signed with RS256"),
                _ => bad("invalid_token", "the JWT cannot be decoded"),
            });
        }
    };
    match claims.get("exp") {
        None => return Err(bad("invalid_token", "the JWT has no exp claim")),
        Some(exp) => match exp.as_u64() {
            None => return Err(bad("bad_request", "the JWT's exp is not an integer number of seconds")),
            Some(exp) if exp <= jsonwebtoken::get_current_timestamp() => {
                return Err(bad("invalid_token", "the JWT has expired (exp is in the past)"));
            }
            Some(_) => {}
        },
    }
    let text = |name: &str| claims.get(name).and_then(serde_json::Value::as_str);
    match text("iss") {
        None => return Err(bad("bad_request", "the JWT's iss claim is missing or not a string")),
        Some(iss) if iss != shared.settings.org_id => {
            return Err(bad("invalid_token", "the JWT's iss is not the client's organization"));
        }
        Some(_) => {}
    }
    match text("sub") {
        None => return Err(bad("bad_request", "the JWT's sub claim is missing or not a string")),
        Some(sub) if sub != tech_account => {
            return Err(bad("invalid_token", "the JWT's sub is not the client's technical account"));
        }
        Some(_) => {}
    }
    let audience_suffix = format!("/c/{}", client.client_id);
    if !text("aud").is_some_and(|aud| aud.ends_with(&audience_suffix)) {
        return Err(bad("invalid_client", &format!("the JWT's aud must be https://<ims host>{audience_suffix}")));
    }
    let metascope = claims.as_object().is_some_and(|object| {
        object.iter().any(|(name, value)| name.ends_with(METASCOPE_SUFFIX) && value == &serde_json::Value::Bool(true))
    });
    if !metascope {
        return Err(bad("invalid_scope", "the JWT lacks the metascope https://<ims host>/s/ent_user_sdk: true"));
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tokens_are_valid_until_their_lifetime_ends_and_unknown_ones_are_told_apart() {
        let mut store = TokenStore::default();
        let now = Instant::now();
        let token = store.issue("demo-client", Duration::from_secs(10), now);
        assert!(token.starts_with("ey") && token.len() > 40);
        assert_eq!(store.check(&token, now + Duration::from_secs(9)), Ok("demo-client"));
        assert_eq!(store.check(&token, now + Duration::from_secs(10)), Err(TokenProblem::Expired));
        assert_eq!(store.check("eyforged", now), Err(TokenProblem::Unknown));
    }

    #[test]
    fn form_body_fields_win_over_query_fields() {
        let fields = parameters(Some("client_id=q&scope=openid"), b"client_id=b&grant_type=client_credentials");
        assert_eq!(fields.get("client_id").map(String::as_str), Some("b"));
        assert_eq!(fields.get("scope").map(String::as_str), Some("openid"));
    }
}
