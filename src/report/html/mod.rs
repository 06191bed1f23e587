//! `report.html` and the `runs report` index page: what the Console's "Bulk operations results"
//! tab shows, as one self-contained HTML file per run folder — rows per result, the licence
//! deficit per product configuration as bars, a timeline of requests with server-requested waits,
//! rate-limit waits and parking marked, the failed, invalid and unknown rows with their hints, and
//! relative links to the CSV reports.
//!
//! The pages load nothing: no script (a Content-Security-Policy forbids it too), no external
//! style, font or image; charts are SVG drawn here in the terminal's colours (`palette`). Every
//! value is HTML-escaped (`escape`), so a cell such as `<script>` is only text. Rendering is pure
//! and deterministic — the same input gives the same bytes — so pages are snapshot-tested; the
//! caller builds the input ([`RunReport`], [`IndexEntry`]) and writes the file. Nothing here reads
//! the clock, files or the network.

mod charts;
mod escape;
mod index_page;
mod input;
pub mod palette;
mod run_page;
mod shell;
mod timeline;

pub use escape::escape;
pub use input::{
    IndexEntry, ProblemKind, ProblemRow, ReportFiles, RequestFamily, RequestFigures, RequestOutcome, RunReport,
    TimelineEvent,
};
pub use run_page::MAX_PROBLEM_ROWS;

/// The run page's file name in the run folder.
pub const REPORT_FILE: &str = "report.html";
/// The index page's file name (in the runs folder).
pub const INDEX_FILE: &str = "index.html";

/// Renders a run's `report.html`.
pub fn render_report(report: &RunReport) -> String {
    shell::document(&run_page::title(report), &run_page::body(report), &report.tool_version)
}

/// Renders the `runs report` index page of `entries`, in the order given.
pub fn render_index(entries: &[IndexEntry], tool_version: &str) -> String {
    index_page::render(entries, tool_version)
}
