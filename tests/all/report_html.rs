//! `report.html` and the `runs report` index page as text: a snapshot of a small fixed run, the
//! page's self-containment (nothing to fetch, no script), escaping of hostile values, the cap on
//! listed rows, the timeline's waits, markers and merging, and the index page's links. The same
//! pages in a real browser are in `report_browser`.

use std::time::Duration;

use umapi_bulk::report::html::{
    IndexEntry, MAX_PROBLEM_ROWS, ProblemKind, ProblemRow, RequestFamily, RequestOutcome, TimelineEvent, escape,
    render_index, render_report,
};
use umapi_bulk::report::overview::{ResultCounts, RunOverview, RunState};

use crate::report_support::{DEMO_START, HOSTILE, demo_report, hostile_report, small_report};

#[test]
fn report_html_of_a_small_parked_run() {
    insta::with_settings!({ prepend_module_to_snapshot => false }, {
        insta::assert_snapshot!("report_html_small", render_report(&small_report()));
    });
}

#[test]
fn report_html_is_deterministic_and_loads_nothing() {
    let report = demo_report();
    let page = render_report(&report);
    assert_eq!(page, render_report(&report), "same input, same bytes");
    let lower = page.to_lowercase();
    for forbidden in
        ["<script", "<link", "<iframe", "<object", "<embed", "<img", "@import", "@font-face", "url(", "src="]
    {
        assert!(!lower.contains(forbidden), "the page must not contain {forbidden:?}");
    }
    let addresses: Vec<&str> = lower.match_indices("http").map(|(index, _)| &lower[index..index + 26]).collect();
    assert!(
        addresses.iter().all(|address| *address == "http://www.w3.org/2000/svg" || address.starts_with("http-equiv")),
        "only the SVG namespace and the CSP meta mention http: {addresses:?}"
    );
    assert!(page.contains("default-src 'none'"), "a CSP forbids scripts and fetches");
}

#[test]
fn report_html_of_the_demo_shows_counts_deficit_and_links() {
    let page = render_report(&demo_report());
    assert!(page.contains("<title>Bulk add users: samples/bulk-add.csv (finished)</title>"), "{page}");
    assert!(page.contains(
        "<td><span class=\"swatch\" style=\"background:#2e7d32\"></span>Success</td><td class=\"number\">50</td>"
    ));
    assert!(page.contains(
        "<tr><td>Photoshop - Default</td><td class=\"number\">5</td><td class=\"number\">13</td><td class=\"number\">5</td><td class=\"number\">8</td></tr>"
    ));
    assert!(page.contains("no licence: 8 of 13 users joining &quot;Photoshop - Default&quot; (quota 5)"));
    for link in ["results.csv", "retry.csv", "deficit.csv", "summary.json"] {
        assert!(page.contains(&format!("<a href=\"{link}\">{link}</a>")), "links to {link}");
    }
    assert!(!page.contains("href=\"undo.csv\""), "an add writes no undo.csv, so none is linked");
    assert!(page.contains("No row failed, was invalid or is unknown."));
}

#[test]
fn hostile_values_are_only_text() {
    let page = render_report(&hostile_report());
    for payload in HOSTILE {
        assert!(!page.contains(payload), "raw payload {payload:?} in the page");
        assert!(page.contains(escape(payload).as_ref()), "escaped payload {payload:?} shown as text");
    }
    let lower = page.to_lowercase();
    for element in ["<script", "<img", "<svg onload", "<h1 id=\"injected\"", "onerror=\""] {
        assert!(!lower.contains(element), "{element:?} became markup");
    }
    assert_eq!(page.matches("<h1>").count(), 1);
}

#[test]
fn the_problem_table_is_capped_and_points_to_results_csv() {
    let mut report = demo_report();
    report.problems = (0..MAX_PROBLEM_ROWS + 50)
        .map(|index| ProblemRow {
            line: index as u64 + 2,
            user: format!("user{index}@example.com"),
            kind: ProblemKind::Failed,
            error_code: "error.user.nonexistent".into(),
            message: "no such user".into(),
            hint: "the user is not in the org".into(),
        })
        .collect();
    let page = render_report(&report);
    assert_eq!(page.matches("error.user.nonexistent").count(), MAX_PROBLEM_ROWS);
    assert!(page.contains(&format!("user{}@example.com", MAX_PROBLEM_ROWS - 1)));
    assert!(!page.contains(&format!("user{}@example.com", MAX_PROBLEM_ROWS)));
    assert!(page.contains("and 50 more — see <a href=\"results.csv\">results.csv</a>"), "the rest are pointed to");
}

#[test]
fn the_timeline_marks_waits_parking_and_unknown_requests() {
    let page = render_report(&small_report());
    assert!(page.contains("fill=\"#d97706\"><title>server asked to wait: 20.0 s</title>"), "server wait in amber");
    assert!(page.contains("fill=\"#0e7490\"><title>rate-limit wait: 6.0 s</title>"), "rate-limit wait in cyan");
    assert!(page.contains(">parked</text>"), "the parking marker is labelled");
    assert!(page.contains("<title>batch b00001, attempt 1: 429: asked to wait</title>"));
    assert!(page.contains("<title>batch b00002, attempt 1: unknown: no answer or failed checks</title>"));
    assert!(page.contains("UMAPI asked to wait until 2026-11-24 10:00:40 UTC"), "the resume time is said");
    assert!(page.contains("umapi-bulk apply --resume runs/20261124T090000Z-edit-edit &amp; move"));
}

#[test]
fn the_timeline_stays_small_for_thousands_of_requests() {
    let mut report = demo_report();
    report.timeline = (0..10_000u64)
        .map(|index| TimelineEvent::Request {
            family: RequestFamily::Action,
            label: format!("batch {index}"),
            sent_at: DEMO_START + Duration::from_millis(index * 6_000),
            answered_at: Some(DEMO_START + Duration::from_millis(index * 6_000 + 900)),
            outcome: if index % 1_000 == 999 { RequestOutcome::CommandsFailed } else { RequestOutcome::Succeeded },
        })
        .collect();
    report.overview.finished_at = Some(DEMO_START + Duration::from_secs(60_000));
    let page = render_report(&report);
    let bars = page.matches("<rect").count();
    assert!(bars < 200, "{bars} rectangles for 10,000 requests");
    assert!(page.contains(" action requests: answered</title>"), "merged bars say how many they hold");
    assert_eq!(page.matches("answered, some commands failed</title>").count(), 10, "each failure stays visible");
    assert!(page.len() < 200_000, "{} bytes", page.len());
}

#[test]
fn the_index_page_links_each_run_and_escapes_values() {
    let mut parked = small_report().overview;
    parked.input_file = HOSTILE[0].into();
    let entries = vec![
        IndexEntry {
            folder_name: "20261124T105154Z-add-bulk-add".into(),
            overview: demo_report().overview,
            deficit_headline: demo_report().overview.deficit_headline(),
            has_report: true,
        },
        IndexEntry {
            folder_name: "20261124T090000Z-edit-edit & move #2".into(),
            overview: parked,
            deficit_headline: None,
            has_report: true,
        },
        IndexEntry {
            folder_name: "20261123T080000Z-remove-old".into(),
            overview: cancelled_overview(),
            deficit_headline: None,
            has_report: false,
        },
    ];
    let page = render_index(&entries, "0.1.0");
    assert_eq!(page, render_index(&entries, "0.1.0"));
    assert!(page.contains("<a href=\"20261124T105154Z-add-bulk-add/report.html\">20261124T105154Z-add-bulk-add</a>"));
    assert!(page.contains("<a href=\"20261124T090000Z-edit-edit%20&amp;%20move%20%232/report.html\">"), "{page}");
    assert!(page.contains("20261123T080000Z-remove-old <span class=\"more\">(no report.html)</span>"));
    assert!(!page.contains("20261123T080000Z-remove-old/report.html"), "no link to a missing report");
    assert!(page.contains("no licence: 8 of 13 users joining &quot;Photoshop - Default&quot; (quota 5)"));
    assert!(page.contains(">parked</span>") && page.contains(">cancelled</span>") && page.contains(">finished</span>"));
    assert!(!page.contains(HOSTILE[0]) && page.contains(escape(HOSTILE[0]).as_ref()));
    assert!(page.contains("50 rows: 50 succeeded, 0 failed"));
    assert!(render_index(&[], "0.1.0").contains("No run folder here yet"));
}

fn cancelled_overview() -> RunOverview {
    let mut overview = demo_report().overview;
    overview.state = RunState::Cancelled;
    overview.counts = ResultCounts { success: 10, not_attempted: 40, ..ResultCounts::default() };
    overview
}
