//! `report.html`'s body, section by section: the header (operation, file, org, how the run ended),
//! rows per result, the licence deficit, requests with their timeline, the rows that need a
//! person, and links to the CSV reports. Every value from the run goes through `escape`.

use crate::report::html::charts::{deficit_bars, results_bar};
use crate::report::html::escape::escape;
use crate::report::html::input::{ProblemRow, RequestOutcome, RunReport};
use crate::report::html::palette;
use crate::report::html::shell::swatch;
use crate::report::html::timeline::{outcome_colour, timeline};
use crate::report::overview::{RunState, duration_text, timestamp};

/// How many failed, invalid and unknown rows the page lists before pointing to `results.csv`.
pub const MAX_PROBLEM_ROWS: usize = 200;

/// The page's title: `Bulk add users: bulk-add.csv (finished)`.
pub fn title(report: &RunReport) -> String {
    let overview = &report.overview;
    format!("{}: {} ({})", overview.console_name, overview.input_file, overview.outcome_phrase())
}

/// The body markup.
pub fn body(report: &RunReport) -> String {
    let mut body = String::with_capacity(16 * 1024);
    header(&mut body, report);
    results(&mut body, report);
    deficit(&mut body, report);
    requests(&mut body, report);
    problems(&mut body, report);
    files(&mut body, report);
    body
}

/// The CSS class of a run's status pill.
pub fn status_class(state: &RunState, needing_attention: u64) -> &'static str {
    match state {
        RunState::Finished if needing_attention == 0 => "status-finished",
        RunState::Finished | RunState::Aborted { .. } | RunState::Refused => "status-attention",
        RunState::Parked { .. } | RunState::Cancelled => "status-warning",
        RunState::Running => "status-plain",
    }
}

fn header(body: &mut String, report: &RunReport) {
    let overview = &report.overview;
    body.push_str(&format!("<header>\n<h1>{}</h1>\n", escape(&overview.console_name)));
    body.push_str(&format!(
        "<p class=\"subtitle\">{} <span class=\"status {}\">{}</span>",
        escape(&overview.input_file),
        status_class(&overview.state, overview.counts.needing_attention()),
        escape(&overview.outcome_phrase())
    ));
    if overview.simulator {
        body.push_str("<span class=\"badge\">simulator</span>");
    }
    if overview.test_mode {
        body.push_str("<span class=\"badge\">test mode: nothing was changed</span>");
    }
    body.push_str("</p>\n<dl class=\"facts\">\n");
    let mut fact = |name: &str, value: &str| {
        body.push_str(&format!("<dt>{name}</dt><dd>{}</dd>\n", escape(value)));
    };
    fact("Operation", &overview.operation);
    fact("Input file", &overview.input_file);
    fact("Org", &overview.org);
    fact("Started", &timestamp(overview.started_at));
    if let Some(finished) = overview.finished_at {
        fact("Ended", &timestamp(finished));
        fact("Wall time", &duration_text(overview.wall_time()));
    }
    fact("Run folder", &report.run_folder);
    body.push_str("</dl>\n");
    let resume = format!("<code>umapi-bulk apply --resume {}</code>", escape(&report.run_folder));
    match &overview.state {
        RunState::Parked { resume_after } => body.push_str(&format!(
            "<p class=\"note\">UMAPI asked to wait until {}. Continue after that with {resume}.</p>\n",
            escape(&timestamp(*resume_after))
        )),
        RunState::Cancelled => {
            body.push_str(&format!("<p class=\"note\">The run was cancelled. Continue it with {resume}.</p>\n"))
        }
        RunState::Aborted { reason } => body.push_str(&format!(
            "<p class=\"note\">The run stopped: {}. Once that is fixed, continue with {resume}.</p>\n",
            escape(reason)
        )),
        RunState::Running => {
            body.push_str("<p class=\"note\">The run is still going; this page shows it as it was when written.</p>\n")
        }
        RunState::Finished | RunState::Refused => {}
    }
    body.push_str("</header>\n");
}

fn results(body: &mut String, report: &RunReport) {
    let counts = &report.overview.counts;
    let rows = counts.rows();
    body.push_str("<section id=\"results\">\n<h2>Rows per result</h2>\n");
    body.push_str(&results_bar(counts));
    body.push_str("<table>\n<thead><tr><th>Result</th><th class=\"number\">Rows</th><th class=\"number\">Share</th></tr></thead>\n<tbody>\n");
    for (kind, count) in counts.by_kind() {
        let share = if rows == 0 { 0.0 } else { 100.0 * count as f64 / rows as f64 };
        body.push_str(&format!(
            "<tr><td>{}{kind}</td><td class=\"number\">{count}</td><td class=\"number\">{share:.1} %</td></tr>\n",
            swatch(palette::result_colour(kind))
        ));
    }
    body.push_str(&format!(
        "</tbody>\n<tfoot><tr><th>All rows</th><th class=\"number\">{rows}</th><th></th></tr></tfoot>\n</table>\n</section>\n"
    ));
}

fn deficit(body: &mut String, report: &RunReport) {
    let figures = &report.overview.deficit;
    body.push_str("<section id=\"deficit\">\n<h2>Licence deficit per product configuration</h2>\n");
    if figures.is_empty() {
        body.push_str("<p>The run joined no product configuration.</p>\n</section>\n");
        return;
    }
    if let Some(headline) = report.overview.deficit_headline() {
        body.push_str(&format!("<p class=\"note\">{}</p>\n", escape(&headline)));
    }
    body.push_str(&deficit_bars(figures));
    body.push_str(&format!(
        "<ul class=\"legend\"><li>{}assigned</li><li>{}without a licence</li><li>{}licence status not read</li><li><span class=\"swatch\" style=\"background:{};width:3px\"></span>quota</li></ul>\n",
        swatch(palette::GREEN),
        swatch(palette::AMBER),
        swatch(palette::LIGHT_GREY),
        palette::INK
    ));
    body.push_str("<table>\n<thead><tr><th>Product configuration</th><th class=\"number\">Licence quota</th><th class=\"number\">Requested</th><th class=\"number\">Assigned</th><th class=\"number\">Deficit</th></tr></thead>\n<tbody>\n");
    for figure in figures {
        let quota = figure.quota.map_or_else(String::new, |quota| quota.to_string());
        let (assigned, deficit) = if figure.known {
            (figure.assigned.to_string(), figure.deficit.to_string())
        } else {
            ("not read".to_string(), "not read".to_string())
        };
        body.push_str(&format!(
            "<tr><td>{}</td><td class=\"number\">{quota}</td><td class=\"number\">{}</td><td class=\"number\">{assigned}</td><td class=\"number\">{deficit}</td></tr>\n",
            escape(&figure.configuration),
            figure.requested
        ));
    }
    body.push_str("</tbody>\n</table>\n</section>\n");
}

fn requests(body: &mut String, report: &RunReport) {
    let figures = &report.requests;
    body.push_str("<section id=\"requests\">\n<h2>Requests</h2>\n<dl class=\"facts\">\n");
    let facts = [
        (
            "Action requests",
            format!(
                "{} ({})",
                figures.action_requests,
                crate::text::plural(
                    usize::try_from(figures.action_attempts).unwrap_or(usize::MAX),
                    "attempt",
                    "attempts"
                )
            ),
        ),
        ("Reads", figures.read_requests.to_string()),
        ("Retries", figures.retries.to_string()),
        ("Answered 429 (asked to wait)", figures.throttled.to_string()),
        ("Waited at the server's request", duration_text(figures.server_wait)),
        ("Waited for the rate limit (self-paced)", duration_text(figures.rate_limit_wait)),
    ];
    for (name, value) in facts {
        body.push_str(&format!("<dt>{name}</dt><dd>{}</dd>\n", escape(&value)));
    }
    body.push_str("</dl>\n");
    let overview = &report.overview;
    let end = overview.finished_at.unwrap_or(overview.started_at);
    body.push_str(&timeline(&report.timeline, overview.started_at, end));
    body.push_str("<ul class=\"legend\">");
    for outcome in [
        RequestOutcome::Succeeded,
        RequestOutcome::CommandsFailed,
        RequestOutcome::Throttled,
        RequestOutcome::Failed,
        RequestOutcome::Unknown,
    ] {
        body.push_str(&format!("<li>{}{}</li>", swatch(outcome_colour(outcome)), outcome.label()));
    }
    body.push_str(&format!(
        "<li>{}server-requested wait</li><li>{}rate-limit wait</li><li>{}parked</li><li>{}cancelled</li><li>{}resumed</li></ul>\n</section>\n",
        swatch(palette::AMBER),
        swatch(palette::CYAN),
        swatch(palette::AMBER_TEXT),
        swatch(palette::RED),
        swatch(palette::GREEN)
    ));
}

fn problems(body: &mut String, report: &RunReport) {
    let rows = &report.problems;
    body.push_str("<section id=\"problems\">\n<h2>Failed, invalid and unknown rows</h2>\n");
    if rows.is_empty() {
        body.push_str("<p>No row failed, was invalid or is unknown.</p>\n</section>\n");
        return;
    }
    body.push_str("<table>\n<thead><tr><th class=\"number\">Line</th><th>User</th><th>Result</th><th>Error code</th><th>Message</th><th>Hint</th></tr></thead>\n<tbody>\n");
    for row in rows.iter().take(MAX_PROBLEM_ROWS) {
        body.push_str(&problem_row(row));
    }
    body.push_str("</tbody>\n</table>\n");
    if rows.len() > MAX_PROBLEM_ROWS {
        let more = rows.len() - MAX_PROBLEM_ROWS;
        let target = if report.files.results_csv { "<a href=\"results.csv\">results.csv</a>" } else { "results.csv" };
        body.push_str(&format!("<p class=\"more\">and {more} more — see {target}</p>\n"));
    }
    body.push_str("</section>\n");
}

fn problem_row(row: &ProblemRow) -> String {
    let kind = row.kind.as_str();
    let colour = match kind {
        "Unknown" => palette::AMBER_TEXT,
        other => palette::result_colour(other),
    };
    format!(
        "<tr><td class=\"number\">{}</td><td>{}</td><td style=\"color:{colour};font-weight:600\">{kind}</td><td><code>{}</code></td><td>{}</td><td class=\"hint\">{}</td></tr>\n",
        row.line,
        escape(&row.user),
        escape(&row.error_code),
        escape(&row.message),
        escape(&row.hint)
    )
}

fn files(body: &mut String, report: &RunReport) {
    body.push_str("<section id=\"files\">\n<h2>Reports in this folder</h2>\n");
    let present = report.files.present();
    if present.is_empty() {
        body.push_str("<p>No report file was written.</p>\n");
    } else {
        body.push_str("<ul>\n");
        for (name, what) in present {
            body.push_str(&format!("<li><a href=\"{name}\">{name}</a>: {what}</li>\n"));
        }
        body.push_str("</ul>\n");
    }
    body.push_str("</section>\n");
}
