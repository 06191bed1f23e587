//! What the packing tests share: the demo org with `count` more Enterprise IDs in one user group
//! (`mover0000@example.com`…), the edit file that moves them, readers of what the org holds, and a
//! loopback proxy in front of the simulator that bends the first action requests: it loses the
//! simulator's answer after the change was applied, or removes a user from the org (as another
//! admin would) just before the request reaches it.

#![allow(dead_code)]

use std::collections::BTreeMap;
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};

use axum::body::Bytes;
use axum::http::{HeaderMap, Method, StatusCode, Uri};
use axum::response::{IntoResponse, Response};
use serde_json::{Value, json};
use umapi_bulk::model::IdentityType;
use umapi_bulk::sim::{OrgState, UserSpec};

use crate::apply_support::{Org, groups_of};
use crate::sim_support::{self, CLIENT_ID, ORG};

/// The email of mover `index`.
pub fn mover(index: usize) -> String {
    format!("mover{index:04}@example.com")
}

/// The demo org plus `count` Enterprise IDs in `group`.
pub fn movers_state(count: usize, group: &str) -> OrgState {
    let mut state = sim_support::demo_state();
    for index in 0..count {
        state.users.push(UserSpec {
            identity_type: IdentityType::EnterpriseId,
            email: mover(index),
            username: None,
            domain: None,
            firstname: Some("Mover".to_string()),
            lastname: Some(format!("{index}")),
            country: Some("US".to_string()),
            groups: vec![group.to_string()],
        });
    }
    state
}

/// An edit file giving movers `range` exactly the user groups `groups` (comma-separated).
pub fn move_file(range: std::ops::Range<usize>, groups: &str) -> String {
    let mut text = String::from("Identity Type,Username,Domain,Email,User Groups\n");
    for index in range {
        let email = mover(index);
        text.push_str(&format!("Enterprise ID,{email},example.com,{email},\"{groups}\"\n"));
    }
    text
}

/// Every user's sorted groups, by email.
pub fn memberships(org: &Org) -> BTreeMap<String, Vec<String>> {
    org.state()["users"]
        .as_array()
        .map(|users| {
            users.iter().map(|user| (user["email"].as_str().unwrap_or_default().to_string(), groups_of(user))).collect()
        })
        .unwrap_or_default()
}

/// What the proxy does to the first action requests.
#[derive(Clone, Debug)]
pub enum Twist {
    /// Forward the first `n` action requests, let the simulator apply them, and answer 502.
    LoseAnswers(usize),
    /// Before the first action request, remove this user from the org.
    RemoveFirst(String),
    /// Forward action request `n` (0-based), let the simulator apply it, and never answer.
    HoldAnswer(usize),
}

/// A proxy in front of the simulator (UMAPI only; IMS is reached directly).
pub struct Proxy {
    pub base: String,
    pub actions: Arc<AtomicUsize>,
    server: tokio::task::JoinHandle<()>,
}

impl Drop for Proxy {
    fn drop(&mut self) {
        self.server.abort();
    }
}

impl Proxy {
    /// Starts the proxy and points `org`'s configuration at it (two quick attempts per request).
    pub async fn between(org: &Org, twist: Twist) -> Self {
        let upstream = org.sim.base_url();
        let actions = Arc::new(AtomicUsize::new(0));
        let counter = actions.clone();
        let http = sim_support::http();
        let app = axum::Router::new().fallback(move |method: Method, uri: Uri, headers: HeaderMap, bytes: Bytes| {
            let (http, upstream, counter, twist) = (http.clone(), upstream.clone(), counter.clone(), twist.clone());
            async move {
                if !uri.path().contains("/action/") {
                    return forward(&http, &upstream, method, &uri, headers, bytes).await;
                }
                let number = counter.fetch_add(1, Ordering::SeqCst);
                match twist {
                    Twist::LoseAnswers(count) if number < count => {
                        let _applied = forward(&http, &upstream, method, &uri, headers, bytes).await;
                        (StatusCode::BAD_GATEWAY, "the gateway lost the answer").into_response()
                    }
                    Twist::HoldAnswer(held) if number == held => {
                        let _applied = forward(&http, &upstream, method, &uri, headers, bytes).await;
                        std::future::pending::<Response>().await
                    }
                    Twist::RemoveFirst(user) if number == 0 => {
                        remove_from_org(&http, &upstream, &user).await;
                        forward(&http, &upstream, method, &uri, headers, bytes).await
                    }
                    _ => forward(&http, &upstream, method, &uri, headers, bytes).await,
                }
            }
        });
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap_or_else(|error| panic!("{error}"));
        let base = format!("http://{}", listener.local_addr().unwrap_or_else(|error| panic!("{error}")));
        let server = tokio::spawn(async move {
            let _ = axum::serve(listener, app).await;
        });
        let umapi = org.sim.umapi_url();
        let proxied = umapi.replace(&org.sim.base_url(), &base);
        org.edit_config(|config| {
            config
                .replace(&format!("umapi_url = \"{umapi}\""), &format!("umapi_url = \"{proxied}\""))
                .replace("[limits]", "[limits]\nmax_attempts = 2\nbackoff_base = \"10ms\"\nbackoff_cap = \"20ms\"")
        });
        Self { base, actions, server }
    }
}

/// Another admin's `removeFromOrg`, sent straight to the simulator.
async fn remove_from_org(http: &reqwest::Client, upstream: &str, user: &str) {
    let token = sim_support::oauth_token(http, upstream).await;
    let body = json!([{"user": user, "do": [{"removeFromOrg": {"deleteAccount": false}}]}]);
    let answer: Value = http
        .post(format!("{upstream}/v2/usermanagement/action/{ORG}"))
        .bearer_auth(token)
        .header("X-Api-Key", CLIENT_ID)
        .json(&body)
        .send()
        .await
        .unwrap_or_else(|error| panic!("{error}"))
        .json()
        .await
        .unwrap_or_default();
    assert_eq!(answer["result"], "success", "{answer}");
}

async fn forward(
    http: &reqwest::Client,
    upstream: &str,
    method: Method,
    uri: &Uri,
    headers: HeaderMap,
    body: Bytes,
) -> Response {
    let path = uri.path_and_query().map(|path| path.as_str()).unwrap_or("/");
    let mut request = http.request(method, format!("{upstream}{path}")).body(body);
    for (name, value) in &headers {
        if name != "host" && name != "content-length" {
            request = request.header(name, value);
        }
    }
    match request.send().await {
        Ok(answer) => {
            let status = StatusCode::from_u16(answer.status().as_u16()).unwrap_or(StatusCode::BAD_GATEWAY);
            let mut copied = HeaderMap::new();
            for (name, value) in answer.headers() {
                if name != "content-length" && name != "transfer-encoding" && name != "connection" {
                    copied.insert(name.clone(), value.clone());
                }
            }
            let body = answer.bytes().await.unwrap_or_default();
            (status, copied, body).into_response()
        }
        Err(error) => (StatusCode::BAD_GATEWAY, error.to_string()).into_response(),
    }
}
