//! The `runs report` index page: one table row per run (status, operation, file, org, when, rows
//! per result with a small stacked bar, the deficit headline), each linking to the run's own
//! `report.html` by a relative, percent-encoded path. Same shell, colours and escaping as the run
//! page; rows stay in the order the caller gives.

use crate::report::html::escape::{escape, folder_link};
use crate::report::html::input::IndexEntry;
use crate::report::html::palette;
use crate::report::html::run_page::status_class;
use crate::report::html::{REPORT_FILE, shell};
use crate::report::overview::{ResultCounts, timestamp};

/// The whole index page.
pub fn render(entries: &[IndexEntry], tool_version: &str) -> String {
    let mut body = String::with_capacity(4096 + entries.len() * 1024);
    body.push_str("<header>\n<h1>umapi-bulk runs</h1>\n");
    body.push_str(&format!(
        "<p class=\"subtitle\">{} {}; each links to its report.</p>\n</header>\n",
        entries.len(),
        if entries.len() == 1 { "run" } else { "runs" }
    ));
    if entries.is_empty() {
        body.push_str("<p>No run folder here yet: <code>umapi-bulk apply</code> makes one per run.</p>\n");
        return shell::document("umapi-bulk runs", &body, tool_version);
    }
    body.push_str("<table>\n<thead><tr><th>Run</th><th>Status</th><th>Operation</th><th>File</th><th>Org</th><th>Started</th><th>Rows per result</th><th>Licence deficit</th></tr></thead>\n<tbody>\n");
    for entry in entries {
        body.push_str(&row(entry));
    }
    body.push_str("</tbody>\n</table>\n");
    shell::document("umapi-bulk runs", &body, tool_version)
}

fn row(entry: &IndexEntry) -> String {
    let overview = &entry.overview;
    let name = escape(&entry.folder_name);
    let run = if entry.has_report {
        format!("<a href=\"{}\">{name}</a>", folder_link(&entry.folder_name, REPORT_FILE))
    } else {
        format!("{name} <span class=\"more\">(no report.html)</span>")
    };
    let mut badges = String::new();
    if overview.simulator {
        badges.push_str("<span class=\"badge\">simulator</span>");
    }
    if overview.test_mode {
        badges.push_str("<span class=\"badge\">test mode</span>");
    }
    let counts = &overview.counts;
    let deficit = entry.deficit_headline.as_deref().map_or_else(|| "—".to_string(), |text| escape(text).into_owned());
    format!(
        "<tr><td>{run}</td><td><span class=\"status {}\">{}</span>{badges}</td><td>{}</td><td>{}</td><td>{}</td><td>{}</td><td>{}<br>{}</td><td>{deficit}</td></tr>\n",
        status_class(&overview.state, counts.needing_attention()),
        escape(overview.state.word()),
        escape(&overview.console_name),
        escape(&overview.input_file),
        escape(&overview.org),
        escape(&timestamp(overview.started_at)),
        mini_bar(counts),
        escape(&counts.line())
    )
}

/// A 200 × 10 stacked bar of the rows per result.
fn mini_bar(counts: &ResultCounts) -> String {
    const BAR: f64 = 200.0;
    let rows = counts.rows();
    let mut svg = format!(
        "<svg xmlns=\"http://www.w3.org/2000/svg\" viewBox=\"0 0 {BAR:.0} 10\" width=\"{BAR:.0}\" height=\"10\" role=\"img\" aria-label=\"{}\">",
        escape(&counts.line())
    );
    let mut x = 0.0;
    for (kind, count) in counts.by_kind() {
        if count == 0 || rows == 0 {
            continue;
        }
        let width = BAR * count as f64 / rows as f64;
        svg.push_str(&format!(
            "<rect x=\"{x:.1}\" y=\"0\" width=\"{width:.1}\" height=\"10\" fill=\"{}\"><title>{kind}: {count}</title></rect>",
            palette::result_colour(kind)
        ));
        x += width;
    }
    if rows == 0 {
        svg.push_str(&format!("<rect x=\"0\" y=\"0\" width=\"{BAR:.0}\" height=\"10\" fill=\"{}\"/>", palette::FAINT));
    }
    svg.push_str("</svg>");
    svg
}
