//! Throughput of the simulator: 1,000 action requests of 10 commands each (10,000 users created
//! and added to groups) over loopback HTTP, limits off, against the demo org. Prints wall time,
//! requests and commands per second, and how many times Adobe's documented action limit
//! (10 requests a minute) that is. Run: `cargo bench --bench sim_throughput` (or
//! `scripts/bench-sim.sh`). A measurement, not a test: it asserts only that every request succeeded.

use std::time::{Duration, Instant};

use serde_json::{Value, json};
use umapi_bulk::sim::{self, SimOptions};

const REQUESTS: usize = 1000;
const COMMANDS_PER_REQUEST: usize = 10;
const ORG: &str = "DEMO0000000000000000000@AdobeOrg";

fn body(request: usize) -> Value {
    let commands: Vec<Value> = (0..COMMANDS_PER_REQUEST)
        .map(|command| {
            let email = format!("bench{request:04}x{command}@example.com");
            json!({"user": email, "requestID": format!("{request}-{command}"), "do": [
                {"createEnterpriseID": {"email": email, "firstname": "Bench", "lastname": "User", "country": "US",
                                        "option": "ignoreIfAlreadyExists"}},
                {"add": {"group": ["Designers", "Photoshop - Default"]}}
            ]})
        })
        .collect();
    Value::Array(commands)
}

async fn token(http: &reqwest::Client, base_url: &str) -> anyhow::Result<String> {
    let form = [
        ("grant_type", "client_credentials"),
        ("client_id", "demo-client"),
        ("client_secret", "demo-secret"),
        ("scope", "openid,AdobeID,user_management_sdk"),
    ];
    let answer: Value = http.post(format!("{base_url}/ims/token/v3")).form(&form).send().await?.json().await?;
    Ok(answer["access_token"].as_str().unwrap_or_default().to_string())
}

async fn measure(concurrency: usize) -> anyhow::Result<Duration> {
    let handle = sim::start(SimOptions::unlimited(sim::demo_state()?)).await?;
    let http = reqwest::Client::builder().no_proxy().build()?;
    let token = token(&http, &handle.base_url()).await?;
    let url = format!("{}/action/{ORG}", handle.umapi_url());
    let bodies: Vec<String> = (0..REQUESTS).map(|request| body(request).to_string()).collect();
    let started = Instant::now();
    let mut workers = tokio::task::JoinSet::new();
    for worker in 0..concurrency {
        let (http, token, url) = (http.clone(), token.clone(), url.clone());
        let mine: Vec<String> = bodies.iter().skip(worker).step_by(concurrency).cloned().collect();
        workers.spawn(async move {
            for body in mine {
                let response = http
                    .post(&url)
                    .bearer_auth(&token)
                    .header("X-Api-Key", "demo-client")
                    .header("Content-Type", "application/json")
                    .body(body)
                    .send()
                    .await?;
                let answer: Value = response.json().await?;
                anyhow::ensure!(answer["completed"] == COMMANDS_PER_REQUEST, "a request did not complete: {answer}");
            }
            anyhow::Ok(())
        });
    }
    while let Some(result) = workers.join_next().await {
        result??;
    }
    let elapsed = started.elapsed();
    let users = handle.snapshot()["users"].as_array().map(Vec::len).unwrap_or(0);
    anyhow::ensure!(users == 20 + REQUESTS * COMMANDS_PER_REQUEST, "expected every user created, found {users}");
    handle.shutdown().await;
    Ok(elapsed)
}

fn main() -> anyhow::Result<()> {
    let runtime = tokio::runtime::Builder::new_multi_thread().worker_threads(2).enable_all().build()?;
    println!("sim throughput: {REQUESTS} action requests x {COMMANDS_PER_REQUEST} commands, limits off, loopback HTTP");
    for concurrency in [1, 4] {
        let elapsed = runtime.block_on(measure(concurrency))?;
        let seconds = elapsed.as_secs_f64();
        let per_second = REQUESTS as f64 / seconds;
        println!(
            "  concurrency {concurrency}: {seconds:.2} s, {per_second:.0} requests/s, {:.0} commands/s, {:.0}x Adobe's 10 requests/min",
            per_second * COMMANDS_PER_REQUEST as f64,
            per_second * 60.0 / 10.0
        );
    }
    Ok(())
}
