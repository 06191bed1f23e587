//! Progress without a terminal (CI, a log file): timestamped lines that tell the truth about waits.
//! A run limited to one action request every 3 s (`[limits] action_rpm = 1`, `window = "3s"`) waits
//! for its own rate limit between requests: the lines say so (self-paced, with the limit), and the
//! summary counts that wait apart from server-requested ones, in the terminal and in summary.json.
//! No timing is asserted beyond "more than zero".

use crate::apply_support::{Org, enterprise_add_file, summary, texts};

fn is_stamped(line: &str) -> bool {
    // 2026-11-24T10:15:00Z followed by a space.
    let bytes = line.as_bytes();
    bytes.len() > 21
        && bytes[4] == b'-'
        && bytes[10] == b'T'
        && bytes[19] == b'Z'
        && bytes[20] == b' '
        && line[..4].bytes().all(|byte| byte.is_ascii_digit())
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn without_a_terminal_progress_lines_are_stamped_and_name_the_self_paced_wait() {
    let org = Org::demo().await;
    org.edit_config(|config| {
        config.replace("action_rpm = 0", "action_rpm = 1").replace("[limits]", "[limits]\nwindow = \"3s\"")
    });
    let file = org.write("paced.csv", &enterprise_add_file("paced", 25, None)).display().to_string();
    let output = org.run(&["apply", &file, "--op", "add"]).await;
    let (_, stderr) = texts(&output);
    assert_eq!(output.status.code(), Some(0), "{stderr}");

    let progress: Vec<&str> = stderr.lines().filter(|line| is_stamped(line)).collect();
    assert!(progress.iter().any(|line| line.ends_with("reading the org...")), "{stderr}");
    assert!(
        progress.iter().any(|line| line.contains("sending 3 requests (25 commands); about ")),
        "the sending line says how long the plan takes under the limits: {stderr}"
    );
    let wait = progress
        .iter()
        .find(|line| line.contains("for the rate limit"))
        .unwrap_or_else(|| panic!("no line tells of the self-paced wait: {stderr}"));
    assert!(wait.contains("1 action request every 3 s") && wait.contains("self-paced"), "{wait}");
    assert!(!stderr.contains("b0000"), "no internal batch ids: {stderr}");
    assert!(!stderr.contains("1 requests") && !stderr.contains("1 attempts"), "plurals: {stderr}");

    let requests = &summary(&org.last_run())["requests"];
    assert!(requests["rate_limit_wait_ms"].as_u64().unwrap_or(0) > 0, "{requests}");
    assert_eq!(requests["server_wait_ms"], 0, "nobody asked us to wait: {requests}");
    assert!(requests.get("waited_ms").is_some(), "the old field stays: {requests}");
    let closing = stderr.lines().find(|line| line.trim_start().starts_with("requests:")).unwrap_or_default();
    assert!(closing.contains("for the rate limit (self-paced)"), "{closing}");
    assert!(!closing.contains("at UMAPI's request"), "{closing}");
}
