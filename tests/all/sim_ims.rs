//! IMS token endpoints and UMAPI authentication over HTTP: OAuth client credentials on v2 and v3
//! (form body or query), the JWT exchange with its claim checks, the documented error answers,
//! token expiry, and the 401/403 rules of UMAPI calls.

use std::time::{Duration, SystemTime, UNIX_EPOCH};

use jsonwebtoken::{Algorithm, EncodingKey, Header};
use reqwest::StatusCode;
use serde_json::{Value, json};
use umapi_bulk::secret::Secret;
use umapi_bulk::sim::{ApiClient, SimOptions};

use crate::harness;
use crate::harness::poll;
use crate::sim_support::{Api, CLIENT_ID, CLIENT_SECRET, ORG, demo_state, http, oauth_token, start};

const SCOPE: &str = "openid,AdobeID,user_management_sdk";

/// A form, the status IMS answers it with, and its `error`.
type ImsCase<'a> = (&'a [(&'a str, &'a str)], StatusCode, &'a str);

async fn post_form(url: &str, form: &[(&str, &str)]) -> (StatusCode, Value) {
    let response = http().post(url).form(form).send().await.expect("IMS request");
    let status = response.status();
    (status, response.json().await.unwrap_or(Value::Null))
}

#[tokio::test]
async fn oauth_tokens_come_from_v2_and_v3_with_fields_in_the_body_or_the_query() {
    let sim = start(SimOptions::unlimited(demo_state())).await;
    let form = [
        ("grant_type", "client_credentials"),
        ("client_id", CLIENT_ID),
        ("client_secret", CLIENT_SECRET),
        ("scope", SCOPE),
    ];
    for version in ["v2", "v3"] {
        let (status, body) = post_form(&format!("{}/ims/token/{version}", sim.base_url()), &form).await;
        assert_eq!(status, StatusCode::OK, "{version}: {body}");
        assert_eq!(body["token_type"], "bearer");
        assert_eq!(body["expires_in"], 86_399, "seconds");
        assert!(body["access_token"].as_str().is_some_and(|token| token.starts_with("ey")));
    }
    let response =
        http().post(format!("{}/ims/token/v2", sim.base_url())).query(&form).send().await.expect("query form");
    assert_eq!(response.status(), StatusCode::OK);
    assert_eq!(sim.snapshot()["counters"]["token_requests"], 3);
}

#[tokio::test]
async fn oauth_errors_are_imss_own_answers() {
    let sim = start(SimOptions::unlimited(demo_state())).await;
    let url = format!("{}/ims/token/v3", sim.base_url());
    let cases: [ImsCase; 6] = [
        (
            &[
                ("grant_type", "client_credentials"),
                ("client_id", "nobody"),
                ("client_secret", CLIENT_SECRET),
                ("scope", SCOPE),
            ],
            StatusCode::BAD_REQUEST,
            "invalid_client",
        ),
        (
            &[
                ("grant_type", "client_credentials"),
                ("client_id", CLIENT_ID),
                ("client_secret", "wrong"),
                ("scope", SCOPE),
            ],
            StatusCode::UNAUTHORIZED,
            "invalid_client",
        ),
        (
            &[("grant_type", "client_credentials"), ("client_id", CLIENT_ID), ("client_secret", CLIENT_SECRET)],
            StatusCode::BAD_REQUEST,
            "invalid_scope",
        ),
        (
            &[
                ("grant_type", "client_credentials"),
                ("client_id", CLIENT_ID),
                ("client_secret", CLIENT_SECRET),
                ("scope", "openid,AdobeID"),
            ],
            StatusCode::BAD_REQUEST,
            "invalid_scope",
        ),
        (
            &[
                ("grant_type", "client_credentials"),
                ("client_id", CLIENT_ID),
                ("client_secret", CLIENT_SECRET),
                ("scope", "openid,user_management_sdk,admin"),
            ],
            StatusCode::BAD_REQUEST,
            "invalid_scope",
        ),
        (
            &[("grant_type", "password"), ("client_id", CLIENT_ID), ("client_secret", CLIENT_SECRET), ("scope", SCOPE)],
            StatusCode::BAD_REQUEST,
            "unsupported_grant_type",
        ),
    ];
    for (form, status, error) in cases {
        let (got, body) = post_form(&url, form).await;
        assert_eq!((got, body["error"].as_str()), (status, Some(error)), "{form:?}: {body}");
        assert!(body["error_description"].as_str().is_some_and(|text| !text.is_empty()));
        assert!(!body.to_string().contains(CLIENT_SECRET), "no secret in answers");
    }
    assert_eq!(sim.snapshot()["counters"]["token_refusals"], 6);
}

fn now() -> u64 {
    SystemTime::now().duration_since(UNIX_EPOCH).map(|since| since.as_secs()).unwrap_or_default()
}

fn claims() -> Value {
    json!({
        "exp": now() + 3600,
        "iss": ORG,
        "sub": "DEMO-TECH@techacct.adobe.com",
        "aud": format!("https://ims-na1.adobelogin.com/c/{CLIENT_ID}"),
        "https://ims-na1.adobelogin.com/s/ent_user_sdk": true
    })
}

fn sign(claims: &Value) -> String {
    let pem = std::fs::read(harness::sample("demo-jwt.key")).expect("samples/demo-jwt.key");
    let key = EncodingKey::from_rsa_pem(&pem).expect("an RSA private key");
    jsonwebtoken::encode(&Header::new(Algorithm::RS256), claims, &key).expect("signed")
}

async fn exchange(base_url: &str, jwt: &str) -> (StatusCode, Value) {
    let form = [("client_id", CLIENT_ID), ("client_secret", CLIENT_SECRET), ("jwt_token", jwt)];
    post_form(&format!("{base_url}/ims/exchange/jwt"), &form).await
}

#[tokio::test]
async fn a_signed_jwt_is_exchanged_for_a_token_that_lives_in_milliseconds_and_works() {
    let sim = start(SimOptions::unlimited(demo_state())).await;
    let (status, body) = exchange(&sim.base_url(), &sign(&claims())).await;
    assert_eq!(status, StatusCode::OK, "{body}");
    assert_eq!(body["expires_in"], 86_399_000, "the JWT exchange answers in milliseconds");
    let token = body["access_token"].as_str().expect("token");
    let response = http()
        .get(format!("{}/groups/{ORG}/0", sim.umapi_url()))
        .bearer_auth(token)
        .header("X-Api-Key", CLIENT_ID)
        .send()
        .await
        .expect("groups");
    assert_eq!(response.status(), StatusCode::OK);
    // The trailing-slash spelling umapi-client uses works too.
    let form = [("client_id", CLIENT_ID), ("client_secret", CLIENT_SECRET), ("jwt_token", &sign(&claims()) as &str)];
    assert_eq!(post_form(&format!("{}/ims/exchange/jwt/", sim.base_url()), &form).await.0, StatusCode::OK);
}

#[tokio::test]
async fn bad_jwts_get_the_documented_errors() {
    let sim = start(SimOptions::unlimited(demo_state())).await;
    let with = |key: &str, value: Value| {
        let mut claims = claims();
        claims[key] = value;
        sign(&claims)
    };
    let without = |key: &str| {
        let mut claims = claims();
        claims.as_object_mut().map(|object| object.remove(key));
        sign(&claims)
    };
    let good = sign(&claims());
    let (head, signature) = good.rsplit_once('.').expect("three parts");
    let flipped = if signature.starts_with('A') { "B" } else { "A" };
    let tampered = format!("{head}.{flipped}{}", &signature[1..]);
    let cases = [
        (tampered, "invalid_signature"),
        (with("exp", json!(now() - 10)), "invalid_token"),
        (without("exp"), "invalid_token"),
        (with("exp", json!("tomorrow")), "bad_request"),
        (with("iss", json!("OTHER@AdobeOrg")), "invalid_token"),
        (with("sub", json!("SOMEONE@techacct.adobe.com")), "invalid_token"),
        (with("aud", json!("https://ims-na1.adobelogin.com/c/other-client")), "invalid_client"),
        (without("https://ims-na1.adobelogin.com/s/ent_user_sdk"), "invalid_scope"),
        ("not-a-jwt".to_string(), "invalid_token"),
        (String::new(), "invalid_token"),
    ];
    for (jwt, error) in cases {
        let (status, body) = exchange(&sim.base_url(), &jwt).await;
        assert_eq!((status, body["error"].as_str()), (StatusCode::BAD_REQUEST, Some(error)), "{body}");
    }
    let form = [("client_id", CLIENT_ID), ("client_secret", "wrong"), ("jwt_token", good.as_str())];
    let (status, body) = post_form(&format!("{}/ims/exchange/jwt", sim.base_url()), &form).await;
    assert_eq!((status, body["error"].as_str()), (StatusCode::UNAUTHORIZED, Some("invalid_client")));
}

#[tokio::test]
async fn umapi_calls_need_a_valid_token_and_the_matching_api_key() {
    let mut state = demo_state();
    state.clients.push(ApiClient {
        client_id: "other-client".into(),
        client_secret: Secret::new("other-secret"),
        tech_account: None,
    });
    let api = Api::with(SimOptions::unlimited(state)).await;
    let url = format!("{}/users/{ORG}/0", api.sim.umapi_url());
    let client = http();

    let response = client.get(&url).bearer_auth(&api.token).send().await.expect("no key");
    assert_eq!(response.status(), StatusCode::FORBIDDEN, "no X-Api-Key");
    assert_eq!(response.text().await.unwrap_or_default(), "", "empty body");
    let response =
        client.get(&url).bearer_auth(&api.token).header("X-Api-Key", "other-client").send().await.expect("other key");
    assert_eq!(response.status(), StatusCode::FORBIDDEN, "key of another client");

    for request in [
        client.get(&url).header("X-Api-Key", CLIENT_ID),
        client.get(&url).header("X-Api-Key", CLIENT_ID).bearer_auth("eyforged"),
    ] {
        let response = request.send().await.expect("bad token");
        assert_eq!(response.status(), StatusCode::UNAUTHORIZED);
        let challenge =
            response.headers().get("www-authenticate").and_then(|value| value.to_str().ok()).unwrap_or_default();
        assert!(challenge.starts_with("Bearer realm=\"JIL\", error=\"invalid_token\""), "{challenge}");
    }
    let (status, _, _) = api.get(&format!("/users/{ORG}/0")).await;
    assert_eq!(status, StatusCode::OK);
    let counters = api.sim.snapshot()["counters"].clone();
    assert_eq!((counters["unauthorized"].as_u64(), counters["read_requests"].as_u64()), (Some(4), Some(5)));
}

#[tokio::test]
async fn an_expired_token_is_refused_with_401() {
    let options = SimOptions { token_ttl: Duration::from_millis(300), ..SimOptions::unlimited(demo_state()) };
    let sim = start(options).await;
    let client = http();
    let form = [
        ("grant_type", "client_credentials"),
        ("client_id", CLIENT_ID),
        ("client_secret", CLIENT_SECRET),
        ("scope", SCOPE),
    ];
    let (_, body) = post_form(&format!("{}/ims/token/v3", sim.base_url()), &form).await;
    assert_eq!(body["expires_in"], 0, "whole seconds");
    let token = body["access_token"].as_str().expect("token").to_string();
    let url = format!("{}/groups/{ORG}/0", sim.umapi_url());
    let challenge = poll(Duration::from_secs(10), || {
        let request = client.get(&url).bearer_auth(&token).header("X-Api-Key", CLIENT_ID);
        async move {
            let response = request.send().await.ok()?;
            (response.status() == StatusCode::UNAUTHORIZED)
                .then(|| response.headers().get("www-authenticate")?.to_str().ok().map(str::to_string))
                .flatten()
        }
    })
    .await;
    assert!(challenge.contains("expired"), "{challenge}");
    let fresh = oauth_token(&client, &sim.base_url()).await;
    let response = client.get(&url).bearer_auth(&fresh).header("X-Api-Key", CLIENT_ID).send().await.expect("fresh");
    assert_eq!(response.status(), StatusCode::OK, "a new token works");
}

#[tokio::test]
async fn request_ids_are_echoed_and_sync_signals_are_counted() {
    let api = Api::demo().await;
    let response = api
        .request(reqwest::Method::GET, &format!("/users/{ORG}/0"))
        .header("X-Request-Id", "abc-123_1700000000000")
        .header("Pragma", "umapi-sync-start")
        .send()
        .await
        .expect("users");
    assert_eq!(
        response.headers().get("x-request-id").and_then(|value| value.to_str().ok()),
        Some("abc-123_1700000000000")
    );
    let response = api
        .request(reqwest::Method::POST, &format!("/action/{ORG}"))
        .header("X-Request-Id", "r-2")
        .header("Pragma", "umapi-sync-end")
        .json(&json!([{"user": "user01@example.com", "do": [{"add": {"group": ["Finance"]}}]}]))
        .send()
        .await
        .expect("action");
    assert_eq!(response.headers().get("x-request-id").and_then(|value| value.to_str().ok()), Some("r-2"));
    let counters = api.sim.snapshot()["counters"].clone();
    assert_eq!((counters["sync_start"].as_u64(), counters["sync_end"].as_u64()), (Some(1), Some(1)));
}
