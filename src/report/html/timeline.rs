//! The timeline of a run as inline SVG: time runs left to right from the run's start to its end;
//! one lane for action requests and one for reads (each request a bar from sent to answered,
//! coloured by outcome, overlapping requests on sub-lanes), a lane for waiting (server-requested
//! waits in amber, the client's own rate-limit waits in cyan), and vertical markers for parking,
//! cancellation and resume.
//!
//! A run of 100,000 rows sends thousands of requests; bars that touch at the chart's resolution
//! are merged into one (its hover title says how many), so the picture stays a few hundred
//! elements whatever the run's size. Times on the axis are offsets from the start (`+2:30`).

use std::time::Duration;

use time::OffsetDateTime;

use crate::report::html::charts::{WIDTH, open_svg, rect};
use crate::report::html::input::{RequestFamily, RequestOutcome, TimelineEvent};
use crate::report::html::palette;
use crate::report::overview::between;

const LEFT: f64 = 130.0;
const RIGHT: f64 = 16.0;
const TOP: f64 = 34.0;
const SUBLANE: f64 = 12.0;
const LANE_GAP: f64 = 10.0;
const MAX_ACTION_SUBLANES: usize = 4;
const MAX_READ_SUBLANES: usize = 2;
/// Bars closer than this (in view-box units) merge.
const MERGE_GAP: f64 = 1.0;
/// The narrowest bar drawn, so that a fast request stays visible.
const MIN_WIDTH: f64 = 1.5;

/// The colour of a request outcome.
pub fn outcome_colour(outcome: RequestOutcome) -> &'static str {
    match outcome {
        RequestOutcome::Succeeded => palette::GREEN,
        RequestOutcome::CommandsFailed | RequestOutcome::Failed => palette::RED,
        RequestOutcome::Throttled | RequestOutcome::Unknown => palette::AMBER,
    }
}

/// Draws the timeline of `events` between `start` and `end` (widened to cover every event).
pub fn timeline(events: &[TimelineEvent], start: OffsetDateTime, end: OffsetDateTime) -> String {
    let end = events.iter().map(latest).fold(end, OffsetDateTime::max);
    let span = between(start, end).max(Duration::from_millis(1));
    let scale = Scale { start, span_ms: span.as_millis() as f64, plot: WIDTH - LEFT - RIGHT };

    let mut requests: Vec<(RequestFamily, f64, f64, RequestOutcome, &str)> = events
        .iter()
        .filter_map(|event| match event {
            TimelineEvent::Request { family, label, sent_at, answered_at, outcome } => {
                let x0 = scale.x(*sent_at);
                let x1 = answered_at.map_or(x0, |answered| scale.x(answered)).max(x0 + MIN_WIDTH);
                Some((*family, x0, x1, *outcome, label.as_str()))
            }
            _ => None,
        })
        .collect();
    requests.sort_by(|left, right| left.0.cmp(&right.0).then(left.1.total_cmp(&right.1)).then(left.3.cmp(&right.3)));

    let mut body = String::new();
    let mut top = TOP;
    for (family, name, max_sublanes) in [
        (RequestFamily::Action, "action requests", MAX_ACTION_SUBLANES),
        (RequestFamily::Read, "reads", MAX_READ_SUBLANES),
    ] {
        let bars: Vec<_> = requests.iter().filter(|request| request.0 == family).collect();
        let placed = place(bars.iter().map(|request| (request.1, request.2)), max_sublanes);
        let sublanes = placed.iter().copied().max().map_or(1, |highest| highest + 1);
        body.push_str(&lane(top, sublanes, name));
        let mut merged: Vec<Merged> = Vec::new();
        for (request, sublane) in bars.iter().zip(placed) {
            let (_, x0, x1, outcome, label) = **request;
            match merged.iter_mut().rev().find(|bar| bar.sublane == sublane) {
                Some(bar) if bar.outcome == outcome && x0 <= bar.x1 + MERGE_GAP => {
                    bar.x1 = bar.x1.max(x1);
                    bar.count += 1;
                }
                _ => merged.push(Merged { sublane, x0, x1, outcome, count: 1, label }),
            }
        }
        for bar in &merged {
            let title = if bar.count == 1 {
                format!("{}: {}", crate::report::html::escape::escape(bar.label), bar.outcome.label())
            } else {
                format!("{} {name}: {}", bar.count, bar.outcome.label())
            };
            let y = top + SUBLANE * bar.sublane as f64 + 1.0;
            body.push_str(&rect(bar.x0, y, bar.x1 - bar.x0, SUBLANE - 2.0, outcome_colour(bar.outcome), &title));
        }
        top += SUBLANE * sublanes as f64 + LANE_GAP;
    }

    body.push_str(&lane(top, 2, "waiting"));
    for event in events {
        let (start, end, row, colour, what) = match event {
            TimelineEvent::ServerWait { start, end } => (*start, *end, 0.0, palette::AMBER, "server asked to wait"),
            TimelineEvent::RateLimitWait { start, end } => (*start, *end, 1.0, palette::CYAN, "rate-limit wait"),
            _ => continue,
        };
        let x0 = scale.x(start);
        let x1 = scale.x(end).max(x0 + MIN_WIDTH);
        let title = format!("{what}: {}", crate::report::overview::duration_text(between(start, end)));
        body.push_str(&rect(x0, top + SUBLANE * row + 1.0, x1 - x0, SUBLANE - 2.0, colour, &title));
    }
    let bottom = top + SUBLANE * 2.0;

    let mut markers = String::new();
    for (index, event) in events.iter().enumerate() {
        let (at, colour, text) = match event {
            TimelineEvent::Parked { at, .. } => (*at, palette::AMBER_TEXT, "parked"),
            TimelineEvent::Cancelled { at } => (*at, palette::RED, "cancelled"),
            TimelineEvent::Resumed { at } => (*at, palette::GREEN, "resumed"),
            _ => continue,
        };
        let x = scale.x(at);
        let label_y = if index % 2 == 0 { 12.0 } else { 26.0 };
        markers.push_str(&format!(
            "<line x1=\"{x:.1}\" y1=\"{:.1}\" x2=\"{x:.1}\" y2=\"{bottom:.1}\" stroke=\"{colour}\" stroke-width=\"2\" stroke-dasharray=\"4 3\"><title>{text} at {}</title></line>\n",
            label_y + 3.0,
            offset_text(between(start, at))
        ));
        let anchor = if x > WIDTH - 80.0 { "end" } else { "start" };
        markers.push_str(&format!(
            "<text x=\"{:.1}\" y=\"{label_y:.1}\" font-size=\"12\" fill=\"{colour}\" text-anchor=\"{anchor}\">{text}</text>\n",
            if anchor == "end" { x - 3.0 } else { x + 3.0 }
        ));
    }

    let height = bottom + 26.0;
    let mut svg = open_svg(height, "Timeline of requests, waits and parking");
    svg.push_str(&axis(&scale, span, bottom));
    svg.push_str(&body);
    svg.push_str(&markers);
    svg.push_str("</svg>\n");
    svg
}

struct Scale {
    start: OffsetDateTime,
    span_ms: f64,
    plot: f64,
}

impl Scale {
    fn x(&self, at: OffsetDateTime) -> f64 {
        let offset = between(self.start, at).as_millis() as f64;
        LEFT + (offset / self.span_ms).min(1.0) * self.plot
    }
}

struct Merged<'a> {
    sublane: usize,
    x0: f64,
    x1: f64,
    outcome: RequestOutcome,
    count: usize,
    label: &'a str,
}

/// Puts each bar (sorted by start) on the first sub-lane free at its start; when all are busy, on
/// the one that frees first.
fn place(bars: impl Iterator<Item = (f64, f64)>, max_sublanes: usize) -> Vec<usize> {
    let mut ends: Vec<f64> = Vec::new();
    let mut placed = Vec::new();
    for (x0, x1) in bars {
        let sublane = match ends.iter().position(|end| *end <= x0) {
            Some(free) => free,
            None if ends.len() < max_sublanes => {
                ends.push(f64::MIN);
                ends.len() - 1
            }
            None => {
                ends.iter().enumerate().min_by(|left, right| left.1.total_cmp(right.1)).map_or(0, |(index, _)| index)
            }
        };
        ends[sublane] = ends[sublane].max(x1);
        placed.push(sublane);
    }
    placed
}

fn lane(top: f64, sublanes: usize, name: &str) -> String {
    let height = SUBLANE * sublanes as f64;
    format!(
        "<rect x=\"{LEFT:.1}\" y=\"{top:.1}\" width=\"{:.1}\" height=\"{height:.1}\" fill=\"{}\"/>\n<text x=\"{:.1}\" y=\"{:.1}\" font-size=\"13\" fill=\"{}\" text-anchor=\"end\">{name}</text>\n",
        WIDTH - LEFT - RIGHT,
        palette::FAINT,
        LEFT - 8.0,
        top + height / 2.0 + 4.0,
        palette::INK
    )
}

/// Ticks at a round step giving at most eight intervals, labelled as offsets from the start.
fn axis(scale: &Scale, span: Duration, bottom: f64) -> String {
    const STEPS_MS: [u64; 27] = [
        1, 2, 5, 10, 20, 50, 100, 200, 500, 1_000, 2_000, 5_000, 10_000, 15_000, 30_000, 60_000, 120_000, 300_000,
        600_000, 900_000, 1_800_000, 3_600_000, 7_200_000, 10_800_000, 21_600_000, 43_200_000, 86_400_000,
    ];
    let span_ms = span.as_millis().min(u64::MAX as u128) as u64;
    let step = STEPS_MS.iter().copied().find(|step| span_ms / step <= 8).unwrap_or_else(|| span_ms.div_ceil(8)).max(1);
    let mut axis = String::new();
    let mut tick = 0u64;
    while tick <= span_ms {
        let x = LEFT + (tick as f64 / scale.span_ms).min(1.0) * scale.plot;
        axis.push_str(&format!(
            "<line x1=\"{x:.1}\" y1=\"{TOP:.1}\" x2=\"{x:.1}\" y2=\"{:.1}\" stroke=\"#d5d9e0\" stroke-width=\"1\"/>\n<text x=\"{x:.1}\" y=\"{:.1}\" font-size=\"12\" fill=\"{}\" text-anchor=\"middle\">{}</text>\n",
            bottom + 4.0,
            bottom + 18.0,
            palette::GREY,
            tick_text(tick, step)
        ));
        tick = match tick.checked_add(step) {
            Some(next) => next,
            None => break,
        };
    }
    axis
}

/// An axis label: `+0.25 s` below a second's steps, else like [`offset_text`].
fn tick_text(tick_ms: u64, step_ms: u64) -> String {
    match step_ms {
        step if step < 10 => format!("+{:.3} s", tick_ms as f64 / 1000.0),
        step if step < 100 => format!("+{:.2} s", tick_ms as f64 / 1000.0),
        step if step < 1000 => format!("+{:.1} s", tick_ms as f64 / 1000.0),
        _ => offset_text(Duration::from_millis(tick_ms)),
    }
}

/// `+0:05`, `+12:30`, `+1:02:03`.
fn offset_text(offset: Duration) -> String {
    let seconds = offset.as_secs();
    if seconds >= 3600 {
        format!("+{}:{:02}:{:02}", seconds / 3600, (seconds % 3600) / 60, seconds % 60)
    } else {
        format!("+{}:{:02}", seconds / 60, seconds % 60)
    }
}

fn latest(event: &TimelineEvent) -> OffsetDateTime {
    match event {
        TimelineEvent::Request { sent_at, answered_at, .. } => answered_at.unwrap_or(*sent_at).max(*sent_at),
        TimelineEvent::ServerWait { end, .. } | TimelineEvent::RateLimitWait { end, .. } => *end,
        TimelineEvent::Parked { at, .. } | TimelineEvent::Cancelled { at } | TimelineEvent::Resumed { at } => *at,
    }
}

#[cfg(test)]
mod tests {
    use time::macros::datetime;

    use super::*;

    #[test]
    fn overlapping_requests_go_on_sub_lanes_up_to_the_cap() {
        assert_eq!(place([(0.0, 10.0), (5.0, 15.0), (12.0, 20.0), (16.0, 30.0)].into_iter(), 4), vec![0, 1, 0, 1]);
        assert_eq!(
            place([(0.0, 10.0), (1.0, 9.0), (2.0, 8.0)].into_iter(), 2),
            vec![0, 1, 1],
            "full: the lane that frees first"
        );
    }

    #[test]
    fn axis_labels_suit_the_run_length() {
        assert_eq!(tick_text(20, 20), "+0.02 s");
        assert_eq!(tick_text(500, 100), "+0.5 s");
        assert_eq!(tick_text(90_000, 30_000), "+1:30");
        assert_eq!(tick_text(3_723_000, 3_600_000), "+1:02:03");
        let start = datetime!(2026-11-24 10:00 UTC);
        let svg = timeline(&[], start, start + Duration::from_millis(136));
        assert_eq!(svg.matches("text-anchor=\"middle\"").count(), 7, "ticks every 20 ms: {svg}");
    }

    #[test]
    fn times_before_the_start_or_after_the_end_stay_on_the_chart() {
        let start = datetime!(2026-11-24 10:00 UTC);
        let scale = Scale { start, span_ms: 1000.0, plot: 100.0 };
        assert_eq!(scale.x(start - Duration::from_secs(5)), LEFT);
        assert_eq!(scale.x(start + Duration::from_secs(5)), LEFT + 100.0);
        let late = TimelineEvent::Resumed { at: start + Duration::from_secs(60) };
        let svg = timeline(&[late], start, start + Duration::from_secs(10));
        assert!(svg.contains(">+1:00</text>"), "the chart widens to the last event: {svg}");
        assert!(svg.contains(">resumed</text>"));
    }
}
