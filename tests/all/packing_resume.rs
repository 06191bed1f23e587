//! A resume after kill -9 in the middle of packed requests. The run sends one packed request at a
//! time; the third reaches the simulator, which applies it, and its answer never comes back (a
//! proxy holds it); the test kills the process with SIGKILL while that request is on the wire. The
//! resume sends the in-doubt request again: UMAPI refuses its steps as no-ops (the work is done),
//! a read of each group confirms every user, and nothing is sent user by user. The org ends exact,
//! every row once and Success, every request settled once in the journal.

use std::sync::atomic::Ordering;
use std::time::Duration;

use umapi_bulk::sim::SimOptions;

use crate::apply_support::{Org, column, read_csv, texts};
use crate::harness::poll;
use crate::packing_support::{Proxy, Twist, memberships, move_file, mover, movers_state};
use crate::run_support::{Running, journal_lines};

const MOVERS: usize = 3000;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_resume_after_kill_9_in_the_middle_of_packed_requests_settles_them_by_reading() {
    let org = Org::with(SimOptions::unlimited(movers_state(MOVERS, "Designers")), true).await;
    let proxy = Proxy::between(&org, Twist::HoldAnswer(2)).await;
    org.edit_config(|config| config.replace("[limits]", "[limits]\nconcurrency = 1"));
    let file = org.write("move.csv", &move_file(0..MOVERS, "Finance")).display().to_string();
    let plan = org.run(&["plan", &file, "--op", "edit", "--max-removals", "3000"]).await;
    let (stdout, stderr) = texts(&plan);
    assert!(stdout.contains("6,000 membership changes in 6 requests (per-user commands: 300"), "{stdout}{stderr}");

    let running = Running::start(org.path(), &["apply", &file, "--op", "edit", "--max-removals", "3000"]);
    // The third request is applied and held: its intent is journaled, its answer never comes.
    poll(Duration::from_secs(60), || async {
        let run = org.run_dirs().pop()?;
        (proxy.actions.load(Ordering::SeqCst) >= 3 && journal_lines(&run, "intent") >= 3).then_some(())
    })
    .await;
    let mut killed = running;
    killed.child.kill().unwrap_or_else(|error| panic!("cannot kill the run: {error}"));
    let (status, _) = killed.exit(Duration::from_secs(30)).await;
    assert_eq!(status.code(), None, "killed by SIGKILL");
    let run = org.last_run();
    assert_eq!(journal_lines(&run, "outcome"), 2, "two requests answered before the kill");

    let output = org.run(&["apply", "--resume", &run.display().to_string()]).await;
    let (_, stderr) = texts(&output);
    assert_eq!(output.status.code(), Some(0), "{stderr}");
    let now = memberships(&org);
    for index in 0..MOVERS {
        assert_eq!(now.get(&mover(index)), Some(&vec!["Finance".to_string()]), "{}", mover(index));
    }
    let results = read_csv(&run.join("results.csv"));
    assert_eq!(results.len(), MOVERS + 1, "every row once");
    assert!(column(&results, "Result").iter().all(|result| result == "Success"));
    let confirmed = column(&results, "Error Message")
        .iter()
        .filter(|message| message.contains("umapi-bulk.confirmed_by_read"))
        .count();
    assert_eq!(confirmed, 1000, "the held request's 1,000 changes, confirmed by reading the two groups");
    // Three requests before the kill, the held one again and the last three: no follow-ups.
    assert_eq!(proxy.actions.load(Ordering::SeqCst), 7);
    let journal = std::fs::read_to_string(run.join("journal.jsonl")).unwrap_or_default();
    assert!(!journal.contains("\"f00001\""), "nothing was sent again user by user");
    let finals = journal.matches("\"final\":true").count();
    assert_eq!(finals, 6, "every request settled once");
}
