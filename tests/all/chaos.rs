//! Bounded chaos: an apply against a simulator *process* that injects faults (502/503/504 and
//! dropped connections, before and after applying), killed with SIGKILL at seeded moments, resumed
//! after each kill, then resumed twice at once. Whatever the moments, every input row must end in
//! results.csv exactly once, as Success; the org (`/_sim/state`) must hold exactly the users and
//! memberships the file asked for; the journal must hold one final outcome per request; and of two
//! concurrent resumes at most one may work on the folder (the other is refused by the lock).
//!
//! The moments are chosen by a seeded generator from the journal's progress (after the n-th
//! intent or the n-th answer), never by sleeping. The seed is printed with every failure.

use std::collections::{BTreeMap, BTreeSet};
use std::io::{BufRead, BufReader};
use std::path::{Path, PathBuf};
use std::process::{Child, Stdio};
use std::time::Duration;

use serde_json::Value;

use crate::apply_support::{column, groups_of, read_csv, summary};
use crate::harness::{self, poll};
use crate::run_support::{Running, journal_lines};

/// The seed; `UMAPI_BULK_CHAOS_SEED` overrides it to explore other moments locally.
const SEED: u64 = 20_261_130;
const ROWS: usize = 300;
const KILLS: usize = 5;

/// splitmix64: a small seeded generator, enough to pick moments.
struct Dice(u64);

impl Dice {
    fn next(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut value = self.0;
        value = (value ^ (value >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        value = (value ^ (value >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        value ^ (value >> 31)
    }

    fn below(&mut self, bound: u64) -> u64 {
        self.next() % bound.max(1)
    }
}

/// `umapi-bulk sim` as a child process, killed when the test ends.
struct SimProcess {
    child: Child,
    base_url: String,
}

impl Drop for SimProcess {
    fn drop(&mut self) {
        if self.child.try_wait().ok().flatten().is_none() {
            let _ = self.child.kill();
            let _ = self.child.wait();
        }
    }
}

impl SimProcess {
    async fn start(dir: &Path, seed: u64) -> Self {
        let mut command = harness::command(dir);
        command
            .args(["sim", "--listen", "127.0.0.1:0", "--latency-ms", "20", "--fault-rate", "0.15"])
            .args(["--seed", &seed.to_string(), "--action-rpm", "0", "--read-rpm", "0", "--groups-rpm", "0"])
            .args(["--global-rpm", "0"])
            .stdout(Stdio::piped())
            .stderr(Stdio::null());
        let mut child = command.spawn().unwrap_or_else(|error| panic!("cannot start umapi-bulk sim: {error}"));
        let stdout = child.stdout.take().unwrap_or_else(|| panic!("no stdout"));
        let line = tokio::task::spawn_blocking(move || {
            let mut line = String::new();
            BufReader::new(stdout).read_line(&mut line).map(|_| line)
        })
        .await
        .unwrap_or_else(|error| panic!("{error}"))
        .unwrap_or_default();
        let base_url =
            line.trim().strip_prefix("listening on ").unwrap_or_else(|| panic!("sim said {line:?}")).to_string();
        Self { child, base_url }
    }

    async fn state(&self) -> Value {
        let http = crate::sim_support::http();
        let response = http.get(format!("{}/_sim/state", self.base_url)).send().await;
        let response = response.unwrap_or_else(|error| panic!("/_sim/state: {error}"));
        response.json().await.unwrap_or_else(|error| panic!("/_sim/state: {error}"))
    }
}

fn chaos_file() -> String {
    let mut text = String::from("Identity Type,Username,Domain,Email,First Name,Last Name,Country Code,User Groups\n");
    for index in 0..ROWS {
        let email = format!("chaos{index:03}@example.com");
        text.push_str(&format!("Enterprise ID,{email},example.com,{email},Chaos,User{index},FR,Contractors\n"));
    }
    text
}

/// The only run folder under `runs/`, once there is one.
fn run_folder(dir: &Path) -> Option<PathBuf> {
    let entries = std::fs::read_dir(dir.join("runs")).ok()?;
    entries.filter_map(Result::ok).map(|entry| entry.path()).find(|path| path.join("journal.jsonl").is_file())
}

/// Runs `args` and kills it with SIGKILL once the journal has one more line of `kind` than the
/// target; returns whether it was killed (it may have finished first).
async fn run_and_kill(dir: &Path, args: &[&str], kind: &'static str, target: usize) -> bool {
    let mut running = Running::start(dir, args);
    let dir = dir.to_path_buf();
    let reached = poll(Duration::from_secs(30), || {
        let exited = running.child.try_wait().ok().flatten().is_some();
        let count = run_folder(&dir).map_or(0, |run| journal_lines(&run, kind));
        async move { (exited || count >= target).then_some(count >= target) }
    })
    .await;
    let alive = running.child.try_wait().ok().flatten().is_none();
    if reached && alive {
        running.child.kill().unwrap_or_else(|error| panic!("cannot kill: {error}"));
    }
    let (status, stderr) = running.exit(Duration::from_secs(30)).await;
    if !(reached && alive) {
        assert!(status.code().is_some(), "{stderr}");
    }
    reached && alive
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn killed_at_random_moments_and_resumed_concurrently_every_row_ends_once_and_the_org_is_exact() {
    let seed = std::env::var("UMAPI_BULK_CHAOS_SEED").ok().and_then(|seed| seed.parse().ok()).unwrap_or(SEED);
    let dir = harness::temp_dir();
    let sim = SimProcess::start(dir.path(), seed).await;
    let config = format!(
        "org_id = \"DEMO0000000000000000000@AdobeOrg\"\nclient_id = \"demo-client\"\nclient_secret = \"demo-secret\"\n\
         ims_url = \"{0}\"\numapi_url = \"{0}/v2/usermanagement\"\nclaimed_domains = [\"example.com\"]\n\
         [limits]\naction_rpm = 0\nread_rpm = 0\ngroups_rpm = 0\nconcurrency = 2\nmax_attempts = 12\n\
         backoff_base = \"10ms\"\nbackoff_cap = \"100ms\"\nrequest_timeout = \"5s\"\n",
        sim.base_url
    );
    std::fs::write(dir.path().join("umapi-bulk.toml"), config).unwrap_or_else(|error| panic!("{error}"));
    std::fs::write(dir.path().join("chaos.csv"), chaos_file()).unwrap_or_else(|error| panic!("{error}"));

    // Kill the run, then each resume, at seeded moments of the journal's progress.
    let mut dice = Dice(seed);
    let mut kills = Vec::new();
    for round in 0..KILLS {
        let kind = if dice.below(2) == 0 { "intent" } else { "outcome" };
        let done = run_folder(dir.path()).map_or(0, |run| journal_lines(&run, kind));
        let target = done + 1 + dice.below(8) as usize;
        let run_arg = run_folder(dir.path()).map(|run| run.display().to_string());
        let args: Vec<&str> = match (round, &run_arg) {
            (0, _) | (_, None) => vec!["apply", "chaos.csv", "--op", "add"],
            (_, Some(run)) => vec!["apply", "--resume", run],
        };
        let killed = run_and_kill(dir.path(), &args, kind, target).await;
        kills.push(format!("{} at {kind} {target}: {}", args[1], if killed { "killed" } else { "ended first" }));
    }
    let run = run_folder(dir.path()).unwrap_or_else(|| panic!("seed {seed}: no run folder; {kills:?}"));
    let run_arg = run.display().to_string();

    // Two resumes at once: the lock lets one work on the folder; the other is refused, or finds
    // nothing left once the first has finished.
    let first = Running::start(dir.path(), &["apply", "--resume", &run_arg]);
    let second = Running::start(dir.path(), &["apply", "--resume", &run_arg]);
    let (first, second) = tokio::join!(first.exit(Duration::from_secs(45)), second.exit(Duration::from_secs(45)));
    let outcomes = [first, second];
    let codes: Vec<Option<i32>> = outcomes.iter().map(|(status, _)| status.code()).collect();
    eprintln!("chaos seed {seed}: {kills:?}; concurrent resumes exited {codes:?}");
    assert!(codes.contains(&Some(0)), "seed {seed}: one resume completes: {codes:?} {outcomes:?}; {kills:?}");
    for (status, stderr) in &outcomes {
        if status.code() != Some(0) {
            assert_eq!(status.code(), Some(2), "seed {seed}: {stderr}");
            assert!(stderr.contains("another umapi-bulk apply"), "seed {seed}: refused by the lock: {stderr}");
        }
    }

    // Every row exactly once, all Success.
    let results = read_csv(&run.join("results.csv"));
    assert_eq!(results.len(), ROWS + 1, "seed {seed}: {kills:?}");
    let lines: BTreeSet<String> = column(&results, "Line").into_iter().collect();
    assert_eq!(lines.len(), ROWS, "seed {seed}: every row exactly once");
    let kinds: BTreeMap<String, usize> =
        column(&results, "Result").into_iter().fold(BTreeMap::new(), |mut counts, kind| {
            *counts.entry(kind).or_default() += 1;
            counts
        });
    assert_eq!(kinds.get("Success"), Some(&ROWS), "seed {seed}: {kinds:?}; {kills:?}");
    assert_eq!(read_csv(&run.join("retry.csv")).len(), 1, "seed {seed}: nothing to retry");
    assert_eq!(summary(&run)["status"], "finished");

    // One final outcome per request: no two writers interleaved in the journal.
    let journal = std::fs::read_to_string(run.join("journal.jsonl")).unwrap_or_default();
    let mut finals: BTreeMap<String, usize> = BTreeMap::new();
    for line in journal.lines().filter(|line| line.contains("\"type\":\"outcome\"") && line.contains("\"final\":true"))
    {
        let record: Value = serde_json::from_str(line).unwrap_or_else(|error| panic!("seed {seed}: {error}: {line}"));
        *finals.entry(record["batch"].as_str().unwrap_or_default().to_string()).or_default() += 1;
    }
    assert_eq!(finals.len(), ROWS / 10, "seed {seed}: every request settled");
    assert!(finals.values().all(|count| *count == 1), "seed {seed}: settled twice: {finals:?}");

    // The org is exact: the demo's 20 users plus one of each row, each in Contractors.
    let state = sim.state().await;
    let users = state["users"].as_array().cloned().unwrap_or_default();
    assert_eq!(users.len(), 20 + ROWS, "seed {seed}: no user lost, none created twice; {kills:?}");
    let chaos: Vec<&Value> =
        users.iter().filter(|user| user["email"].as_str().is_some_and(|email| email.starts_with("chaos"))).collect();
    assert_eq!(chaos.len(), ROWS);
    for user in chaos {
        assert_eq!(groups_of(user), ["Contractors"], "seed {seed}: {user}");
    }
    assert!(harness::counter(&state, "faults") > 0, "seed {seed}: faults were injected");
}
