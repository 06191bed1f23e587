//! The client's reads and its JWT authentication against `umapi-bulk sim` with the demo org
//! (SPEC 6.1): groups, users, one user (present and absent), users of a group by licence status,
//! Adobe's paging headers, and a whole run authenticated with the legacy JWT exchange.

use std::sync::Arc;
use std::time::Duration;

use umapi_bulk::execute::{self, ExecuteOptions, RunEnd};
use umapi_bulk::sim::{self, SimHandle, SimOptions};
use umapi_bulk::umapi::AuthMethod;
use umapi_bulk::umapi::{CancelToken, MemberStatus, Reach, membership_read_cost};

use crate::client::{assert_no_secrets, client_for};
use crate::client_mock::Recorder;
use crate::harness;
use crate::sim_support::demo_state;

async fn demo_sim(options: SimOptions) -> SimHandle {
    sim::start(options).await.unwrap_or_else(|error| panic!("the simulator did not start: {error:#}"))
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn sim_reads_return_the_demo_org_with_its_paging_headers() {
    let sim = demo_sim(SimOptions::demo(demo_state())).await;
    let mut config = sim.client_config();
    config.limits.window = Duration::from_secs(2);
    let recorder = Arc::new(Recorder::default());
    let client = client_for(&config, &recorder);
    let stop = CancelToken::new();

    let groups = client.all_groups(&stop).await.unwrap_or_else(|error| panic!("{error}"));
    let names: Vec<&str> = groups.items.iter().map(|group| group.group_name.as_str()).collect();
    for expected in ["Designers", "Finance", "Contractors", "Photoshop - Default", "Creative Cloud All Apps - Default"]
    {
        assert!(names.contains(&expected), "{expected} missing from {names:?}");
    }
    let photoshop = groups.items.iter().find(|group| group.group_name == "Photoshop - Default");
    assert_eq!(photoshop.and_then(|group| group.license_quota.clone()).as_deref(), Some("5"));

    let users = client.all_users(&stop).await.unwrap_or_else(|error| panic!("{error}"));
    assert_eq!(users.items.len(), 20);
    assert_eq!(users.first_page.total_count, Some(20));
    assert_eq!(users.first_page.page_count, Some(1));
    assert_eq!(users.pages_read, 1);
    let total = users.first_page.total_count.unwrap_or_default();
    assert!(membership_read_cost(3, total).prefer_pages(), "one page of 20 users beats 3 single GETs");
    assert!(!membership_read_cost(1, total).prefer_pages(), "a tie goes to the single GET");

    let found = client.user("user01@example.com", None, &stop).await.unwrap_or_else(|error| panic!("{error}"));
    assert!(found.is_some_and(|user| user.groups.contains(&"Designers".to_string())));
    let missing = client.user("nobody@example.com", None, &stop).await.unwrap_or_else(|error| panic!("{error}"));
    assert_eq!(missing, None);

    let designers = client
        .all_users_in_group("Designers", Reach::Direct, None, &stop)
        .await
        .unwrap_or_else(|error| panic!("{error}"));
    assert_eq!(designers.items.len(), 12);
    // The Designers hold Creative Cloud All Apps through their user group: direct members are none
    // (UMAPI.md 5e, directOnly said explicitly both ways), all members are the 12.
    let all_apps = "Creative Cloud All Apps - Default";
    let direct =
        client.all_users_in_group(all_apps, Reach::Direct, None, &stop).await.unwrap_or_else(|error| panic!("{error}"));
    assert!(direct.items.is_empty(), "nobody holds {all_apps} directly");
    let reached = client
        .all_users_in_group(all_apps, Reach::Indirect, None, &stop)
        .await
        .unwrap_or_else(|error| panic!("{error}"));
    assert_eq!(reached.items.len(), 12, "the Designers reach {all_apps} through their user group");
    let licensed = client
        .all_users_in_group(all_apps, Reach::Indirect, Some(MemberStatus::Inactive), &stop)
        .await
        .unwrap_or_else(|error| panic!("{error}"));
    assert!(licensed.items.is_empty(), "12 members of a 50-licence profile all have a licence");
    let unknown = client.all_users_in_group("No Such Group", Reach::Direct, None, &stop).await.err();
    assert!(
        matches!(&unknown, Some(umapi_bulk::umapi::ClientError::Http { status: 404, .. })),
        "an unknown group is an error, not an empty list: {unknown:?}"
    );

    let counters = &sim.snapshot()["counters"];
    assert_eq!(counters["throttled"], 0, "reads stay inside the simulator's limits");
    assert_eq!(counters["sync_start"], 1, "the first call of the run says umapi-sync-start");
    assert!(recorder.count("read ") >= 4);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn sim_a_run_authenticates_with_the_legacy_jwt_exchange() {
    let options = SimOptions { token_ttl: Duration::from_secs(2), ..SimOptions::unlimited(demo_state()) };
    let sim = demo_sim(options).await;
    let mut config = sim.client_config();
    config.auth = AuthMethod::Jwt;
    config.private_key_file = Some(harness::sample("demo-jwt.key"));
    assert!(config.tech_account_id.is_some(), "the demo client has a technical account");
    config.limits.window = Duration::from_secs(2);
    let recorder = Arc::new(Recorder::default());
    let client = client_for(&config, &recorder);
    let dir = crate::harness::temp_dir();
    let batches: Vec<_> = (1..=3).map(|number| crate::client_mock::batch(number, 2, &[])).collect();
    let options = ExecuteOptions { test_mode: true, concurrency: 1, ends_session: true };
    let report = execute::execute(client, batches, dir.path(), options, recorder.clone(), CancelToken::new())
        .await
        .unwrap_or_else(|error| panic!("{error}"));
    assert_eq!(report.end, RunEnd::Finished);
    assert_eq!(report.counts(), (6, 0, 0), "test mode: every command would succeed");
    let counters = &sim.snapshot()["counters"];
    assert_eq!(counters["token_requests"], 1, "a JWT token lives 2 s here (expires_in in ms), enough for the run");
    assert_eq!(counters["commands_applied"], 0, "test mode changes nothing");
    let journal = std::fs::read_to_string(dir.path().join(execute::JOURNAL_FILE)).unwrap_or_default();
    assert_no_secrets(&journal);
    assert_no_secrets(&recorder.text());
}
