//! Authentication of UMAPI calls (UMAPI.md 1c, 3c): `X-Api-Key` must be present (else 403 with an
//! empty body), `Authorization: Bearer <token>` must carry a token this simulator issued and that
//! has not expired (else 401 with `WWW-Authenticate: Bearer realm="JIL", error="invalid_token",
//! ...`), and the key must be the client the token was issued to (else 403).
//!
//! Only decides and builds the refusal; the pipeline in [`super::gate`] counts and logs it. The
//! token itself never leaves this function.

use std::time::Instant;

use axum::body::Body;
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};

use super::ims::TokenProblem;
use super::shared::World;

/// A refused call: 401 with a challenge, or 403.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Refusal {
    /// 401: missing, unknown or expired token; the text is the challenge's description.
    Unauthorized(&'static str),
    /// 403: missing `X-Api-Key`, or one that is not the token's client; the text says which.
    Forbidden(&'static str),
}

impl Refusal {
    /// Why, for the log.
    pub(crate) fn reason(self) -> &'static str {
        match self {
            Self::Unauthorized(reason) | Self::Forbidden(reason) => reason,
        }
    }

    /// The answer: an empty body, with `WWW-Authenticate` on a 401.
    pub(crate) fn response(self) -> Response {
        match self {
            Self::Forbidden(_) => (StatusCode::FORBIDDEN, Body::empty()).into_response(),
            Self::Unauthorized(description) => {
                let challenge =
                    format!("Bearer realm=\"JIL\", error=\"invalid_token\", error_description=\"{description}\"");
                let mut response = (StatusCode::UNAUTHORIZED, Body::empty()).into_response();
                if let Ok(value) = HeaderValue::from_str(&challenge) {
                    response.headers_mut().insert(header::WWW_AUTHENTICATE, value);
                }
                response
            }
        }
    }
}

/// The client id the call is authenticated as.
pub(crate) fn authenticate(world: &World, headers: &HeaderMap, now: Instant) -> Result<String, Refusal> {
    let api_key = headers.get("x-api-key").and_then(|value| value.to_str().ok()).map(str::trim);
    let Some(api_key) = api_key.filter(|key| !key.is_empty()) else {
        return Err(Refusal::Forbidden("no X-Api-Key header"));
    };
    let token = headers
        .get(header::AUTHORIZATION)
        .and_then(|value| value.to_str().ok())
        .and_then(|value| value.strip_prefix("Bearer ").or_else(|| value.strip_prefix("bearer ")))
        .map(str::trim)
        .filter(|token| !token.is_empty());
    let Some(token) = token else {
        return Err(Refusal::Unauthorized("The access token is missing"));
    };
    let client = match world.tokens.check(token, now) {
        Ok(client) => client,
        Err(TokenProblem::Unknown) => return Err(Refusal::Unauthorized("The access token is invalid")),
        Err(TokenProblem::Expired) => return Err(Refusal::Unauthorized("The access token has expired")),
    };
    if client != api_key {
        return Err(Refusal::Forbidden("X-Api-Key is not the client the token was issued to"));
    }
    Ok(client.to_string())
}
