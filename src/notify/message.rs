//! What a notification says, whatever carries it: a one-line subject and a short plain-text body
//! with the counts per result, the deficit headline, how the run ended (and, for a parked or
//! stopped run, how to go on) and the run folder. Control characters from file names or server
//! text are replaced, so a value cannot add a mail header line or fake a line of the message.

use crate::report::overview::{RunOverview, RunState, duration_text, timestamp};

/// A run that ended, as the notifications tell it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct RunNotice {
    /// The run at a glance.
    pub overview: RunOverview,
    /// The run folder, as the terminal names it.
    pub run_folder: String,
    /// The run went on from an earlier segment that crashed or was stopped (`--resume`).
    pub resumed: bool,
    /// Whether the run folder holds a `report.html` (the body then names it).
    pub has_report: bool,
}

impl RunNotice {
    /// `umapi-bulk: Bulk add users finished, 3 rows to look at (users.csv)`; `[TEST MODE]` first when
    /// nothing was changed.
    pub fn subject(&self) -> String {
        let overview = &self.overview;
        let test = if overview.test_mode { "[TEST MODE] " } else { "" };
        let resumed = if self.resumed { " after a resume" } else { "" };
        let file = file_name(&overview.input_file);
        one_line(&format!(
            "umapi-bulk: {test}{} {}{resumed} ({file})",
            overview.console_name,
            overview.outcome_phrase()
        ))
    }

    /// The plain-text body (lines end with `\n`).
    pub fn text(&self) -> String {
        let overview = &self.overview;
        let mut lines = vec![format!("{}: {}", overview.console_name, overview.input_file)];
        let mut status = overview.outcome_phrase();
        if self.resumed {
            status.push_str(" (resumed after an interruption)");
        }
        lines.push(format!("Status: {status}"));
        if overview.test_mode {
            lines.push("TEST MODE: UMAPI checked every request and changed nothing.".to_string());
        }
        if overview.simulator {
            lines.push("Run against the built-in simulator: nothing left this machine.".to_string());
        }
        lines.push(format!("Org: {}", overview.org));
        let mut when = format!("Started: {}", timestamp(overview.started_at));
        if let Some(finished) = overview.finished_at {
            when.push_str(&format!(", ended: {} ({})", timestamp(finished), duration_text(overview.wall_time())));
        }
        lines.push(when);
        lines.push(overview.counts.line());
        lines.push(overview.deficit_headline().unwrap_or_else(|| "Licences: no deficit".to_string()));
        match &overview.state {
            RunState::Parked { resume_after } => lines.push(format!(
                "UMAPI asked to wait until {}; then continue with: umapi-bulk apply --resume {}",
                timestamp(*resume_after),
                self.run_folder
            )),
            RunState::Cancelled | RunState::Aborted { .. } => {
                lines.push(format!("Continue with: umapi-bulk apply --resume {}", self.run_folder))
            }
            RunState::Running | RunState::Finished | RunState::Refused => {}
        }
        lines.push(format!("Run folder: {}", self.run_folder));
        if self.has_report {
            lines.push(format!("Report: {}/report.html", self.run_folder.trim_end_matches(['/', '\\'])));
        }
        lines.iter().map(|line| one_line(line) + "\n").collect()
    }
}

/// The last path component of a file as given (`samples/bulk-add.csv` → `bulk-add.csv`).
fn file_name(path: &str) -> &str {
    path.rsplit(['/', '\\']).next().unwrap_or(path)
}

/// `text` with every control character (line breaks included) replaced by a space.
pub fn one_line(text: &str) -> String {
    text.chars().map(|character| if character.is_control() { ' ' } else { character }).collect()
}

/// A notice for the tests of this module tree.
#[cfg(test)]
pub(crate) mod tests_support {
    use time::macros::datetime;

    use super::RunNotice;
    use crate::report::overview::{DeficitFigure, ResultCounts, RunOverview, RunState};

    /// A finished add with 3 failed rows and the Photoshop deficit.
    pub fn notice() -> RunNotice {
        RunNotice {
            overview: RunOverview {
                operation: "add".into(),
                console_name: "Bulk add users".into(),
                input_file: "samples/bulk-add.csv".into(),
                org: "DEMO@AdobeOrg".into(),
                simulator: false,
                test_mode: false,
                started_at: datetime!(2026-11-24 10:51:54 UTC),
                finished_at: Some(datetime!(2026-11-24 11:41:54 UTC)),
                state: RunState::Finished,
                counts: ResultCounts { success: 47, failed: 3, ..ResultCounts::default() },
                deficit: vec![DeficitFigure {
                    configuration: "Photoshop - Default".into(),
                    quota: Some(5),
                    requested: 13,
                    assigned: 5,
                    deficit: 8,
                    known: true,
                }],
            },
            run_folder: "runs/20261124T105154Z-add-bulk-add".into(),
            resumed: false,
            has_report: true,
        }
    }
}

#[cfg(test)]
mod tests {
    use time::macros::datetime;

    use super::tests_support::notice;
    use super::*;

    #[test]
    fn the_message_has_the_counts_the_deficit_and_the_folder() {
        let notice = notice();
        assert_eq!(notice.subject(), "umapi-bulk: Bulk add users finished, 3 rows to look at (bulk-add.csv)");
        let text = notice.text();
        assert!(text.contains("\n50 rows: 47 succeeded, 3 failed, 0 invalid, 0 skipped, 0 not attempted, 0 unknown\n"));
        assert!(text.contains("\nno licence: 8 of 13 users joining \"Photoshop - Default\" (quota 5)\n"));
        assert!(text.contains("\nRun folder: runs/20261124T105154Z-add-bulk-add\n"));
        assert!(text.contains("\nReport: runs/20261124T105154Z-add-bulk-add/report.html\n"));
        assert!(text.contains("ended: 2026-11-24 11:41:54 UTC (50 min 00 s)"), "{text}");
    }

    #[test]
    fn parked_resumed_and_test_runs_say_so() {
        let mut notice = notice();
        notice.overview.state = RunState::Parked { resume_after: datetime!(2026-11-24 12:00:00 UTC) };
        notice.overview.test_mode = true;
        notice.resumed = true;
        assert_eq!(
            notice.subject(),
            "umapi-bulk: [TEST MODE] Bulk add users parked until 2026-11-24 12:00:00 UTC after a resume (bulk-add.csv)"
        );
        let text = notice.text();
        assert!(text.contains("(resumed after an interruption)"));
        assert!(text.contains("then continue with: umapi-bulk apply --resume runs/20261124T105154Z-add-bulk-add"));
        assert!(text.contains("TEST MODE"));
    }

    #[test]
    fn values_cannot_add_lines_or_headers() {
        let mut notice = notice();
        notice.overview.input_file = "evil\r\nBcc: everyone@example.com\n.csv".into();
        assert!(!notice.subject().contains(['\r', '\n']));
        let text = notice.text();
        assert!(!text.contains("\nBcc:"), "{text}");
        assert_eq!(text.lines().filter(|line| line.contains("Bcc")).count(), 1);
    }
}
