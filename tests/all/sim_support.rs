//! What the simulator tests share: the demo org, a simulator started in-process on an ephemeral
//! loopback port, an HTTP client that never goes through a proxy, and an [`Api`] that holds a
//! token and speaks UMAPI with the right headers. Polling and counters are `harness`'.

use std::time::Duration;

use reqwest::header::HeaderMap;
use reqwest::{Client, StatusCode};
use serde_json::{Value, json};
use umapi_bulk::model::IdentityType;
use umapi_bulk::sim::{
    self, Directory, Login, OrgState, SimHandle, SimOptions, TrustedDomain, UserGroupSpec, UserSpec,
};

use crate::harness;

/// The demo org id.
pub const ORG: &str = "DEMO0000000000000000000@AdobeOrg";
/// The demo client.
pub const CLIENT_ID: &str = "demo-client";
/// The demo secret.
pub const CLIENT_SECRET: &str = "demo-secret";

/// `samples/org.json`, loaded.
pub fn demo_state() -> OrgState {
    sim::load_state(&harness::sample("org.json")).unwrap_or_else(|error| panic!("samples/org.json: {error:#}"))
}

/// The demo org plus what Adobe has and the demo leaves out (docs/simulator.md):
/// - a username-login Federated directory `sso.example.net` with `jsmith` (email
///   `john.smith@sso.example.net`, in Finance);
/// - a trusted domain `partner.example` (another org's Federated directory) with
///   `pat@partner.example` (in Contractors);
/// - a read-only user group `Shared Brand` granting `Photoshop - Default`, with user01 in it.
pub fn strict_state() -> OrgState {
    let mut state = demo_state();
    state.domains.push(sim::ClaimedDomain {
        name: "sso.example.net".to_string(),
        directory: Directory::Federated,
        login: Login::Username,
    });
    state.trusted_domains.push(TrustedDomain {
        name: "partner.example".to_string(),
        directory: Directory::Federated,
        owner_org: Some("PARTNER0000000000000000@AdobeOrg".to_string()),
    });
    state.user_groups.push(UserGroupSpec {
        name: "Shared Brand".to_string(),
        description: Some("shared from the parent org".to_string()),
        product_configurations: vec!["Photoshop - Default".to_string()],
        read_only: true,
    });
    for user in state.users.iter_mut().filter(|user| user.email == "user01@example.com") {
        user.groups.push("Shared Brand".to_string());
    }
    let person = |email: &str, username: Option<&str>, domain: Option<&str>, group: &str| UserSpec {
        identity_type: IdentityType::FederatedId,
        email: email.to_string(),
        username: username.map(str::to_string),
        domain: domain.map(str::to_string),
        firstname: Some("Test".to_string()),
        lastname: Some("Person".to_string()),
        country: Some("US".to_string()),
        groups: vec![group.to_string()],
    };
    state.users.push(person("john.smith@sso.example.net", Some("jsmith"), Some("sso.example.net"), "Finance"));
    state.users.push(person("pat@partner.example", None, None, "Contractors"));
    state
}

/// A plain HTTP client for loopback.
pub fn http() -> Client {
    // rustls needs its crypto provider before the first client, whichever test runs first.
    umapi_bulk::tls::install_crypto_provider();
    Client::builder()
        .no_proxy()
        .timeout(Duration::from_secs(20))
        .build()
        .unwrap_or_else(|error| panic!("cannot build an HTTP client: {error}"))
}

/// Starts a simulator.
pub async fn start(options: SimOptions) -> SimHandle {
    sim::start(options).await.unwrap_or_else(|error| panic!("the simulator did not start: {error:#}"))
}

/// Asks IMS for an OAuth token (v3, form body).
pub async fn oauth_token(http: &Client, base_url: &str) -> String {
    let form = [
        ("grant_type", "client_credentials"),
        ("client_id", CLIENT_ID),
        ("client_secret", CLIENT_SECRET),
        ("scope", "openid,AdobeID,user_management_sdk"),
    ];
    let response = http.post(format!("{base_url}/ims/token/v3")).form(&form).send().await.expect("token request");
    assert_eq!(response.status(), StatusCode::OK);
    let body: Value = response.json().await.expect("token JSON");
    body["access_token"].as_str().expect("access_token").to_string()
}

/// A simulator with a token, speaking UMAPI.
pub struct Api {
    pub sim: SimHandle,
    pub http: Client,
    pub token: String,
}

impl Api {
    /// The demo org with every limit off.
    pub async fn demo() -> Self {
        Self::with(SimOptions::unlimited(demo_state())).await
    }

    /// A simulator with these options, and a token of the first client.
    pub async fn with(options: SimOptions) -> Self {
        let sim = start(options).await;
        let http = http();
        let token = oauth_token(&http, &sim.base_url()).await;
        Self { sim, http, token }
    }

    /// A request builder with the UMAPI headers.
    pub fn request(&self, method: reqwest::Method, path: &str) -> reqwest::RequestBuilder {
        self.http
            .request(method, format!("{}{path}", self.sim.umapi_url()))
            .bearer_auth(&self.token)
            .header("X-Api-Key", CLIENT_ID)
            .header("Accept", "application/json")
    }

    /// `POST /action/{org}` with a body.
    pub async fn action(&self, body: &Value) -> (StatusCode, Value) {
        self.action_to(&format!("/action/{ORG}"), body).await
    }

    /// `POST /action/{org}?testOnly=true`.
    pub async fn action_test_mode(&self, body: &Value) -> (StatusCode, Value) {
        self.action_to(&format!("/action/{ORG}?testOnly=true"), body).await
    }

    async fn action_to(&self, path: &str, body: &Value) -> (StatusCode, Value) {
        let response = self.request(reqwest::Method::POST, path).json(body).send().await.expect("action request");
        let status = response.status();
        (status, response.json().await.unwrap_or(Value::Null))
    }

    /// One command, answered: asserts HTTP 200 and returns the body.
    pub async fn command(&self, command: Value) -> Value {
        let (status, body) = self.action(&json!([command])).await;
        assert_eq!(status, StatusCode::OK, "{body}");
        body
    }

    /// The single error code of a one-command answer, or `None` when it succeeded.
    pub async fn error_of(&self, command: Value) -> Option<String> {
        let body = self.command(command).await;
        body["errors"][0]["errorCode"].as_str().map(str::to_string)
    }

    /// `GET` a UMAPI path (after `/v2/usermanagement`).
    pub async fn get(&self, path: &str) -> (StatusCode, HeaderMap, Value) {
        let response = self.request(reqwest::Method::GET, path).send().await.expect("GET request");
        let status = response.status();
        let headers = response.headers().clone();
        (status, headers, response.json().await.unwrap_or(Value::Null))
    }

    /// A user of `/_sim/state` by email and type.
    pub fn user(&self, email: &str, user_type: &str) -> Option<Value> {
        let state = self.sim.snapshot();
        state["users"]
            .as_array()?
            .iter()
            .find(|user| user["email"].as_str() == Some(email) && user["type"].as_str() == Some(user_type))
            .cloned()
    }

    /// A group of `/_sim/state` by name.
    pub fn group(&self, name: &str) -> Option<Value> {
        let state = self.sim.snapshot();
        state["groups"].as_array()?.iter().find(|group| group["groupName"].as_str() == Some(name)).cloned()
    }

    /// A counter of `/_sim/counters`, read in-process (an unknown name fails the test).
    pub fn counter(&self, name: &str) -> u64 {
        harness::counter(&self.sim.counters(), name)
    }

    /// The emails of a users page read at a UMAPI path.
    pub async fn emails(&self, path: &str) -> Vec<String> {
        let (status, _, body) = self.get(path).await;
        assert_eq!(status, StatusCode::OK, "{path}: {body}");
        body["users"]
            .as_array()
            .map(|users| users.iter().filter_map(|user| user["email"].as_str().map(str::to_string)).collect())
            .unwrap_or_default()
    }
}

/// The names in a JSON array of strings.
pub fn names(value: &Value) -> Vec<String> {
    value
        .as_array()
        .map(|items| items.iter().filter_map(|item| item.as_str().map(str::to_string)).collect())
        .unwrap_or_default()
}
