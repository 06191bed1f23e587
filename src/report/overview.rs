//! What a run looks like at a glance: the plain, owned facts that `report.html`, the `runs report`
//! index page and the end-of-run notifications all start from — operation, file, org, how the run
//! ended, rows per result and the licence deficit per product configuration — and the few phrases
//! they share (the deficit headline, the count line, times and durations as people read them).
//!
//! Everything here is built by the caller from what a run knows (the executor's outcomes, the
//! journal, `summary.json`, `deficit.csv`'s lines); nothing here reads files, the clock or the
//! network, so the same input always gives the same text.

use std::collections::BTreeMap;
use std::time::Duration;

use time::OffsetDateTime;
use time::macros::format_description;

/// How a run stands.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum RunState {
    /// Still sending (seen from another terminal).
    Running,
    /// Every planned request was answered (some rows may still have failed).
    Finished,
    /// Stopped for a server-requested wait longer than `--max-wait`; resumable after that time.
    Parked {
        /// When UMAPI allows the run to go on.
        resume_after: OffsetDateTime,
    },
    /// Stopped by Ctrl-C, a signal or `runs cancel`; resumable.
    Cancelled,
    /// Stopped by an error (authentication, connection); resumable once fixed.
    Aborted {
        /// What stopped it, as the terminal said it (no secrets).
        reason: String,
    },
    /// Refused before anything was sent (invalid input).
    Refused,
}

impl RunState {
    /// One word for tables and subjects: `running`, `finished`, `parked`, `cancelled`, `aborted`,
    /// `refused`.
    pub fn word(&self) -> &'static str {
        match self {
            Self::Running => "running",
            Self::Finished => "finished",
            Self::Parked { .. } => "parked",
            Self::Cancelled => "cancelled",
            Self::Aborted { .. } => "aborted",
            Self::Refused => "refused",
        }
    }
}

/// Rows per result. `Unknown` is a row whose answer never came or failed the consistency checks
/// (SPEC 9); it is never counted as a success.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct ResultCounts {
    /// `Success`.
    pub success: u64,
    /// `Failed`.
    pub failed: u64,
    /// `Invalid`.
    pub invalid: u64,
    /// `Skipped`.
    pub skipped: u64,
    /// `Not Attempted`.
    pub not_attempted: u64,
    /// `Unknown`.
    pub unknown: u64,
}

impl ResultCounts {
    /// Reads the counts from `summary.json`'s `results` map (`"Not Attempted"` spelled as in
    /// `results.csv`); absent kinds count 0.
    pub fn from_summary(results: &BTreeMap<String, usize>) -> Self {
        let count = |name: &str| results.get(name).map_or(0, |count| *count as u64);
        Self {
            success: count("Success"),
            failed: count("Failed"),
            invalid: count("Invalid"),
            skipped: count("Skipped"),
            not_attempted: count("Not Attempted"),
            unknown: count("Unknown"),
        }
    }

    /// Every row of the file.
    pub fn rows(&self) -> u64 {
        [self.success, self.failed, self.invalid, self.skipped, self.not_attempted, self.unknown]
            .iter()
            .fold(0u64, |sum, count| sum.saturating_add(*count))
    }

    /// The counts in report order with their `results.csv` spelling.
    pub fn by_kind(&self) -> [(&'static str, u64); 6] {
        [
            ("Success", self.success),
            ("Failed", self.failed),
            ("Invalid", self.invalid),
            ("Skipped", self.skipped),
            ("Not Attempted", self.not_attempted),
            ("Unknown", self.unknown),
        ]
    }

    /// Rows that need a person: failed, invalid or unknown.
    pub fn needing_attention(&self) -> u64 {
        self.failed.saturating_add(self.invalid).saturating_add(self.unknown)
    }

    /// `50 rows: 50 succeeded, 0 failed, 0 invalid, 0 skipped, 0 not attempted, 0 unknown`, as the
    /// terminal summary says it.
    pub fn line(&self) -> String {
        format!(
            "{}: {} succeeded, {} failed, {} invalid, {} skipped, {} not attempted, {} unknown",
            crate::text::plural(usize::try_from(self.rows()).unwrap_or(usize::MAX), "row", "rows"),
            self.success,
            self.failed,
            self.invalid,
            self.skipped,
            self.not_attempted,
            self.unknown
        )
    }
}

/// One product configuration's licence figures (a line of `deficit.csv`).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct DeficitFigure {
    /// The product configuration.
    pub configuration: String,
    /// Its licence quota, when the org reports one.
    pub quota: Option<u64>,
    /// Joins the run requested.
    pub requested: u64,
    /// Of those, joins that got a licence.
    pub assigned: u64,
    /// Joins without a licence.
    pub deficit: u64,
    /// Whether licence status was read (false: the run stopped first or the read failed, and
    /// `assigned` and `deficit` mean nothing).
    pub known: bool,
}

/// The facts every view of a run starts from.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct RunOverview {
    /// `add`, `edit`, `remove` or `revoke`.
    pub operation: String,
    /// The Console's name of the operation (`Bulk add users`).
    pub console_name: String,
    /// The input file as given.
    pub input_file: String,
    /// The org ID (`...@AdobeOrg`).
    pub org: String,
    /// Run against the built-in simulator.
    pub simulator: bool,
    /// UMAPI test mode: nothing was changed.
    pub test_mode: bool,
    /// When the run started.
    pub started_at: OffsetDateTime,
    /// When it stopped (`None` while running).
    pub finished_at: Option<OffsetDateTime>,
    /// How it stands.
    pub state: RunState,
    /// Rows per result.
    pub counts: ResultCounts,
    /// Licence figures per product configuration the run touched.
    pub deficit: Vec<DeficitFigure>,
}

impl RunOverview {
    /// The deficit headline (see [`deficit_headline`]).
    pub fn deficit_headline(&self) -> Option<String> {
        deficit_headline(&self.deficit)
    }

    /// Wall time from start to stop (zero while running or if the clock went backwards).
    pub fn wall_time(&self) -> Duration {
        self.finished_at.map_or(Duration::ZERO, |finished| between(self.started_at, finished))
    }

    /// `finished`, `finished with 3 rows to look at`, `parked until …`, … for titles and subjects.
    pub fn outcome_phrase(&self) -> String {
        match &self.state {
            RunState::Finished if self.counts.needing_attention() > 0 => {
                let rows = self.counts.needing_attention();
                format!("finished, {rows} {} to look at", if rows == 1 { "row" } else { "rows" })
            }
            RunState::Parked { resume_after } => format!("parked until {}", timestamp(*resume_after)),
            RunState::Aborted { reason } => format!("aborted: {reason}"),
            state => state.word().to_string(),
        }
    }
}

/// One phrase for the licence deficit, as the terminal summary says it:
/// `no licence: 8 of 13 users joining "Photoshop - Default" (quota 5)`, several joined by `; `.
/// `None` when every known configuration had licences enough and none is unknown.
pub fn deficit_headline(figures: &[DeficitFigure]) -> Option<String> {
    let mut parts: Vec<String> = figures
        .iter()
        .filter(|figure| figure.known && figure.deficit > 0)
        .map(|figure| {
            format!(
                "no licence: {} of {} joining \"{}\" (quota {})",
                figure.deficit,
                crate::text::plural(usize::try_from(figure.requested).unwrap_or(usize::MAX), "user", "users"),
                figure.configuration,
                figure.quota.map_or_else(|| "none".to_string(), |quota| quota.to_string())
            )
        })
        .collect();
    let unknown = figures.iter().filter(|figure| !figure.known).count();
    if unknown > 0 {
        let noun = if unknown == 1 { "configuration" } else { "configurations" };
        parts.push(format!("licence status not read for {unknown} product {noun}"));
    }
    if parts.is_empty() { None } else { Some(parts.join("; ")) }
}

/// `2026-11-24 10:51:54 UTC` (converted to UTC first).
pub fn timestamp(when: OffsetDateTime) -> String {
    let format = format_description!("[year]-[month]-[day] [hour]:[minute]:[second] UTC");
    when.to_offset(time::UtcOffset::UTC).format(&format).unwrap_or_else(|_| when.unix_timestamp().to_string())
}

/// `850 ms`, `4.2 s`, `3 min 20 s`, `2 h 05 min`.
pub fn duration_text(duration: Duration) -> String {
    let seconds = duration.as_secs();
    if duration < Duration::from_secs(1) {
        format!("{} ms", duration.as_millis())
    } else if seconds < 60 {
        format!("{:.1} s", duration.as_secs_f64())
    } else if seconds < 3600 {
        format!("{} min {:02} s", seconds / 60, seconds % 60)
    } else {
        format!("{} h {:02} min", seconds / 3600, (seconds % 3600) / 60)
    }
}

/// Time from `from` to `to`, zero when `to` is earlier (saturating).
pub fn between(from: OffsetDateTime, to: OffsetDateTime) -> Duration {
    Duration::try_from(to - from).unwrap_or(Duration::ZERO)
}

#[cfg(test)]
mod tests {
    use time::macros::datetime;

    use super::*;

    fn photoshop() -> DeficitFigure {
        DeficitFigure {
            configuration: "Photoshop - Default".into(),
            quota: Some(5),
            requested: 13,
            assigned: 5,
            deficit: 8,
            known: true,
        }
    }

    #[test]
    fn the_deficit_headline_says_it_as_the_terminal_does() {
        assert_eq!(
            deficit_headline(&[photoshop()]).as_deref(),
            Some("no licence: 8 of 13 users joining \"Photoshop - Default\" (quota 5)")
        );
        let enough = DeficitFigure { deficit: 0, assigned: 13, ..photoshop() };
        assert_eq!(deficit_headline(&[enough]), None);
        let unread = DeficitFigure { known: false, ..photoshop() };
        assert_eq!(deficit_headline(&[unread]).as_deref(), Some("licence status not read for 1 product configuration"));
    }

    #[test]
    fn counts_read_from_a_summary_and_add_up() {
        let map: BTreeMap<String, usize> =
            [("Success".to_string(), 45), ("Not Attempted".to_string(), 3), ("Unknown".to_string(), 2)].into();
        let counts = ResultCounts::from_summary(&map);
        assert_eq!((counts.success, counts.not_attempted, counts.unknown, counts.failed), (45, 3, 2, 0));
        assert_eq!(counts.rows(), 50);
        assert_eq!(counts.needing_attention(), 2);
        assert!(counts.line().starts_with("50 rows: 45 succeeded, 0 failed"));
    }

    #[test]
    fn times_and_durations_read_as_people_write_them() {
        assert_eq!(timestamp(datetime!(2026-11-24 11:51:54 +01:00)), "2026-11-24 10:51:54 UTC");
        assert_eq!(duration_text(Duration::from_millis(850)), "850 ms");
        assert_eq!(duration_text(Duration::from_millis(4_240)), "4.2 s");
        assert_eq!(duration_text(Duration::from_secs(200)), "3 min 20 s");
        assert_eq!(duration_text(Duration::from_secs(7_500)), "2 h 05 min");
        assert_eq!(between(datetime!(2026-01-02 0:00 UTC), datetime!(2026-01-01 0:00 UTC)), Duration::ZERO);
    }
}
