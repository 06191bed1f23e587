//! The inputs the `report.html` tests render: the demo run (`apply samples/bulk-add.csv --op add
//! --sim`: 50 rows, all Success; four product configurations, of which "Photoshop - Default" has a
//! quota of 5 for 13 joins, so 5 assigned and 8 without a licence; 5 action requests, four at a
//! time, and 9 reads, timed as the journal of such a run recorded them), a small fixed run for the
//! snapshot, and a run whose every text is hostile markup.

#![allow(dead_code)]

use std::time::Duration;

use time::OffsetDateTime;
use time::macros::datetime;
use umapi_bulk::report::html::{
    ProblemKind, ProblemRow, ReportFiles, RequestFamily, RequestFigures, RequestOutcome, RunReport, TimelineEvent,
};
use umapi_bulk::report::overview::{DeficitFigure, ResultCounts, RunOverview, RunState};

/// The demo run's start (the README's run folder `20261124T105154Z-add-bulk-add`).
pub const DEMO_START: OffsetDateTime = datetime!(2026-11-24 10:51:54 UTC);

fn at(milliseconds: u64) -> OffsetDateTime {
    DEMO_START + Duration::from_millis(milliseconds)
}

fn figure(configuration: &str, quota: u64, requested: u64, assigned: u64) -> DeficitFigure {
    DeficitFigure {
        configuration: configuration.into(),
        quota: Some(quota),
        requested,
        assigned,
        deficit: requested - assigned,
        known: true,
    }
}

fn request(family: RequestFamily, label: &str, sent: u64, answered: u64, outcome: RequestOutcome) -> TimelineEvent {
    TimelineEvent::Request { family, label: label.into(), sent_at: at(sent), answered_at: Some(at(answered)), outcome }
}

/// The demo run's report input.
pub fn demo_report() -> RunReport {
    let mut timeline = Vec::new();
    for (index, (sent, answered)) in
        [(0, 9), (10, 19), (20, 31), (32, 41), (42, 52), (53, 62), (63, 72)].iter().enumerate()
    {
        let label = format!("read {} (org users and groups)", index + 1);
        timeline.push(request(RequestFamily::Read, &label, *sent, *answered, RequestOutcome::Succeeded));
    }
    for (batch, sent, answered) in [(4, 91, 93), (1, 91, 103), (2, 92, 99), (3, 92, 104), (5, 105, 111)] {
        let label = format!("batch b0000{batch}, attempt 1");
        timeline.push(request(RequestFamily::Action, &label, sent, answered, RequestOutcome::Succeeded));
    }
    timeline.push(request(RequestFamily::Read, "licence status, page 0", 115, 124, RequestOutcome::Succeeded));
    timeline.push(request(RequestFamily::Read, "licence status, page 1", 125, 134, RequestOutcome::Succeeded));
    RunReport {
        overview: RunOverview {
            operation: "add".into(),
            console_name: "Bulk add users".into(),
            input_file: "samples/bulk-add.csv".into(),
            org: "DEMO0000000000000000000@AdobeOrg".into(),
            simulator: true,
            test_mode: false,
            started_at: DEMO_START,
            finished_at: Some(at(136)),
            state: RunState::Finished,
            counts: ResultCounts { success: 50, ..ResultCounts::default() },
            deficit: vec![
                figure("Acrobat Pro - Default", 20, 12, 12),
                figure("Audience Manager - Default Access", 100, 6, 6),
                figure("Creative Cloud All Apps - Default", 50, 19, 19),
                figure("Photoshop - Default", 5, 13, 5),
            ],
        },
        run_folder: "runs/20261124T105154Z-add-bulk-add".into(),
        tool_version: "0.1.0".into(),
        requests: RequestFigures {
            action_requests: 5,
            action_attempts: 5,
            read_requests: 9,
            retries: 0,
            throttled: 0,
            rate_limit_wait: Duration::ZERO,
            server_wait: Duration::ZERO,
        },
        timeline,
        problems: Vec::new(),
        files: ReportFiles {
            results_csv: true,
            retry_csv: true,
            undo_csv: false,
            deficit_csv: true,
            summary_json: true,
        },
    }
}

/// A small parked run: one success, one failure, one unknown row, a 429 with its wait.
pub fn small_report() -> RunReport {
    let start = datetime!(2026-11-24 09:00:00 UTC);
    let seconds = |seconds: u64| start + Duration::from_secs(seconds);
    RunReport {
        overview: RunOverview {
            operation: "edit".into(),
            console_name: "Bulk edit user details".into(),
            input_file: "edit & move.csv".into(),
            org: "12345@AdobeOrg".into(),
            simulator: false,
            test_mode: true,
            started_at: start,
            finished_at: Some(seconds(40)),
            state: RunState::Parked { resume_after: seconds(3640) },
            counts: ResultCounts { success: 1, failed: 1, unknown: 1, ..ResultCounts::default() },
            deficit: vec![figure("Photoshop - Default", 5, 2, 1)],
        },
        run_folder: "runs/20261124T090000Z-edit-edit & move".into(),
        tool_version: "0.1.0".into(),
        requests: RequestFigures {
            action_requests: 2,
            action_attempts: 3,
            read_requests: 1,
            retries: 1,
            throttled: 1,
            rate_limit_wait: Duration::from_millis(6_000),
            server_wait: Duration::from_secs(20),
        },
        timeline: vec![
            TimelineEvent::Request {
                family: RequestFamily::Read,
                label: "users page 0".into(),
                sent_at: seconds(0),
                answered_at: Some(seconds(2)),
                outcome: RequestOutcome::Succeeded,
            },
            TimelineEvent::Request {
                family: RequestFamily::Action,
                label: "batch b00001, attempt 1".into(),
                sent_at: seconds(3),
                answered_at: Some(seconds(4)),
                outcome: RequestOutcome::Throttled,
            },
            TimelineEvent::ServerWait { start: seconds(4), end: seconds(24) },
            TimelineEvent::Request {
                family: RequestFamily::Action,
                label: "batch b00001, attempt 2".into(),
                sent_at: seconds(24),
                answered_at: Some(seconds(26)),
                outcome: RequestOutcome::CommandsFailed,
            },
            TimelineEvent::RateLimitWait { start: seconds(26), end: seconds(32) },
            TimelineEvent::Request {
                family: RequestFamily::Action,
                label: "batch b00002, attempt 1".into(),
                sent_at: seconds(32),
                answered_at: None,
                outcome: RequestOutcome::Unknown,
            },
            TimelineEvent::Parked { at: seconds(40), resume_after: seconds(3640) },
        ],
        problems: vec![
            ProblemRow {
                line: 3,
                user: "ann@example.com".into(),
                kind: ProblemKind::Failed,
                error_code: "error.group.not_found".into(),
                message: "group \"Designers\" not found".into(),
                hint: "a product configuration, user group or product named in this row does not exist in the org; fix the name".into(),
            },
            ProblemRow {
                line: 4,
                user: "bob@example.com".into(),
                kind: ProblemKind::Unknown,
                error_code: "umapi-bulk.unknown".into(),
                message: "no answer came".into(),
                hint: "run this file again".into(),
            },
        ],
        files: ReportFiles { results_csv: true, retry_csv: true, undo_csv: true, deficit_csv: true, summary_json: true },
    }
}

/// Markup that would change the page if it ran or became elements.
pub const HOSTILE: [&str; 4] = [
    "<script>document.title='pwned'</script>",
    "\"><img src=x onerror=\"document.title='pwned'\">",
    "'><svg onload=alert(1)>",
    "</td></tr></table><h1 id=\"injected\">injected</h1>",
];

/// The demo run with hostile text in every field a file, the org or UMAPI can fill.
pub fn hostile_report() -> RunReport {
    let mut report = demo_report();
    let overview = &mut report.overview;
    overview.input_file = HOSTILE[0].into();
    overview.console_name = format!("Bulk add users {}", HOSTILE[1]);
    overview.org = HOSTILE[2].into();
    overview.state = RunState::Aborted { reason: HOSTILE[3].into() };
    overview.counts = ResultCounts { success: 46, failed: 2, invalid: 1, unknown: 1, ..ResultCounts::default() };
    overview.deficit[3].configuration = HOSTILE[0].into();
    report.run_folder = HOSTILE[1].into();
    report.tool_version = HOSTILE[2].into();
    report.timeline.push(TimelineEvent::Request {
        family: RequestFamily::Action,
        label: HOSTILE[3].into(),
        sent_at: at(135),
        answered_at: None,
        outcome: RequestOutcome::Unknown,
    });
    report.problems = (0..4)
        .map(|index| ProblemRow {
            line: 2 + index as u64,
            user: HOSTILE[index].into(),
            kind: [ProblemKind::Failed, ProblemKind::Failed, ProblemKind::Invalid, ProblemKind::Unknown][index],
            error_code: HOSTILE[(index + 1) % 4].into(),
            message: HOSTILE[(index + 2) % 4].into(),
            hint: HOSTILE[(index + 3) % 4].into(),
        })
        .collect();
    report
}
