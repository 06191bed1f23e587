//! What the HTML pages are drawn from: plain owned structs the caller fills from what a run knows
//! (its [`RunOverview`], the executor's statistics, the journal's intents, outcomes, waits and
//! segment markers, the rows that need attention, the report files written). No I/O here.

use std::time::Duration;

use time::OffsetDateTime;

use crate::report::overview::RunOverview;

/// Everything `report.html` shows.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct RunReport {
    /// The run at a glance.
    pub overview: RunOverview,
    /// The run folder as the terminal names it (for the `--resume` hint).
    pub run_folder: String,
    /// `umapi-bulk` version that wrote the page.
    pub tool_version: String,
    /// Request statistics.
    pub requests: RequestFigures,
    /// Requests, waits and markers, in any order (the page sorts them).
    pub timeline: Vec<TimelineEvent>,
    /// Failed, invalid and unknown rows in input order (the page shows the first
    /// [`MAX_PROBLEM_ROWS`](super::MAX_PROBLEM_ROWS) and counts the rest).
    pub problems: Vec<ProblemRow>,
    /// Which report files the run folder holds (linked relatively).
    pub files: ReportFiles,
}

/// Request statistics of a run (`summary.json`'s `requests`, with the two kinds of waiting apart).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct RequestFigures {
    /// Action requests answered.
    pub action_requests: u64,
    /// HTTP attempts of action requests, retries included.
    pub action_attempts: u64,
    /// Read requests (users, groups, licences).
    pub read_requests: u64,
    /// Retries of any request.
    pub retries: u64,
    /// 429 answers received.
    pub throttled: u64,
    /// Time the client waited by its own pacing (UMAPI's documented rate limits).
    pub rate_limit_wait: Duration,
    /// Time the server asked the client to wait (`Retry-After`).
    pub server_wait: Duration,
}

/// Which family a request belongs to.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub enum RequestFamily {
    /// `POST /v2/usermanagement/action/{org}`.
    Action,
    /// A read (users, user groups, licence status).
    Read,
}

/// How one request attempt ended.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub enum RequestOutcome {
    /// Answered, every command (or the read) succeeded.
    Succeeded,
    /// Answered, some commands failed.
    CommandsFailed,
    /// Answered 429 (the server asked to wait).
    Throttled,
    /// No usable answer: an HTTP or connection error.
    Failed,
    /// No answer came, or it failed the consistency checks.
    Unknown,
}

impl RequestOutcome {
    /// The legend's words.
    pub fn label(self) -> &'static str {
        match self {
            Self::Succeeded => "answered",
            Self::CommandsFailed => "answered, some commands failed",
            Self::Throttled => "429: asked to wait",
            Self::Failed => "error, no usable answer",
            Self::Unknown => "unknown: no answer or failed checks",
        }
    }
}

/// One thing on the timeline.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum TimelineEvent {
    /// A request attempt.
    Request {
        /// Action or read.
        family: RequestFamily,
        /// What it was (`batch 3, attempt 2`, `users page 0`), shown on hover.
        label: String,
        /// When it was sent.
        sent_at: OffsetDateTime,
        /// When its answer (or error) came; `None` when none came.
        answered_at: Option<OffsetDateTime>,
        /// How it ended.
        outcome: RequestOutcome,
    },
    /// A wait the server asked for (`Retry-After`).
    ServerWait {
        /// Start.
        start: OffsetDateTime,
        /// End.
        end: OffsetDateTime,
    },
    /// A wait of the client's own pacing (rate limit).
    RateLimitWait {
        /// Start.
        start: OffsetDateTime,
        /// End.
        end: OffsetDateTime,
    },
    /// The run parked.
    Parked {
        /// When.
        at: OffsetDateTime,
        /// When it may go on.
        resume_after: OffsetDateTime,
    },
    /// The run was cancelled (Ctrl-C, a signal, `runs cancel`).
    Cancelled {
        /// When.
        at: OffsetDateTime,
    },
    /// A resumed segment began.
    Resumed {
        /// When.
        at: OffsetDateTime,
    },
}

/// The result of a row that needs a person.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub enum ProblemKind {
    /// `Failed`.
    Failed,
    /// `Invalid`.
    Invalid,
    /// `Unknown`.
    Unknown,
}

impl ProblemKind {
    /// The `results.csv` spelling.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Failed => "Failed",
            Self::Invalid => "Invalid",
            Self::Unknown => "Unknown",
        }
    }
}

/// A failed, invalid or unknown row.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ProblemRow {
    /// 1-based line in the input file.
    pub line: u64,
    /// The user (email or username) as the file names it.
    pub user: String,
    /// Its result.
    pub kind: ProblemKind,
    /// UMAPI error code or our diagnostic code.
    pub error_code: String,
    /// The message.
    pub message: String,
    /// What to do about it (`report::hints`).
    pub hint: String,
}

/// Which report files exist in the run folder.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct ReportFiles {
    /// `results.csv`.
    pub results_csv: bool,
    /// `retry.csv`.
    pub retry_csv: bool,
    /// `undo.csv`.
    pub undo_csv: bool,
    /// `deficit.csv`.
    pub deficit_csv: bool,
    /// `summary.json`.
    pub summary_json: bool,
}

impl ReportFiles {
    /// The files that exist, with what each is for, in page order.
    pub fn present(&self) -> Vec<(&'static str, &'static str)> {
        [
            (self.results_csv, "results.csv", "every input row with its result, error and request ID"),
            (self.retry_csv, "retry.csv", "the rows worth running again, in the Console format, with hints"),
            (self.undo_csv, "undo.csv", "the memberships as they were before the run, to restore them"),
            (self.deficit_csv, "deficit.csv", "licences per product configuration and the users without one"),
            (self.summary_json, "summary.json", "the run's figures for scripts"),
        ]
        .into_iter()
        .filter(|(present, _, _)| *present)
        .map(|(_, name, what)| (name, what))
        .collect()
    }
}

/// One run of the `runs report` index page.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct IndexEntry {
    /// The run folder's name (relative to the page).
    pub folder_name: String,
    /// The run at a glance (its `deficit` is not shown here: see `deficit_headline`).
    pub overview: RunOverview,
    /// The deficit in one phrase: [`RunOverview::deficit_headline`] when the caller has the
    /// figures, or built from `summary.json`'s per-configuration deficit (`8 without a licence in
    /// "Photoshop - Default"`); `None` shows a dash.
    pub deficit_headline: Option<String>,
    /// Whether the folder holds a `report.html` to link to.
    pub has_report: bool,
}
