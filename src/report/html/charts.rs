//! The two bar charts, drawn as inline SVG by hand: rows per result as one stacked bar, and the
//! licence deficit per product configuration (assigned in green, without a licence in amber, the
//! quota as a tick). Each chart has a text equivalent in a table next to it, so the numbers are
//! readable without the picture. Coordinates are printed with one decimal, so the same input
//! gives the same bytes.

use crate::report::html::escape::escape;
use crate::report::html::palette;
use crate::report::overview::{DeficitFigure, ResultCounts};

/// The width of every chart's view box.
pub const WIDTH: f64 = 1000.0;

/// Rows per result as one stacked horizontal bar (empty kinds left out).
pub fn results_bar(counts: &ResultCounts) -> String {
    let rows = counts.rows();
    let height = 30.0;
    let mut svg = open_svg(height, &format!("Rows per result: {}", counts.line()));
    if rows == 0 {
        svg.push_str(&rect(0.0, 4.0, WIDTH, 22.0, palette::FAINT, "no rows"));
    } else {
        let mut x = 0.0;
        for (kind, count) in counts.by_kind() {
            if count == 0 {
                continue;
            }
            let width = WIDTH * count as f64 / rows as f64;
            let tip = format!("{kind}: {count} of {rows}");
            svg.push_str(&rect(x, 4.0, width, 22.0, palette::result_colour(kind), &tip));
            x += width;
        }
    }
    svg.push_str("</svg>\n");
    svg
}

/// The deficit per product configuration: one row each, its name and figures above its bar. The
/// bars share one scale, the largest number of joins requested; a quota beyond that is said in
/// words rather than drawn off the chart.
pub fn deficit_bars(figures: &[DeficitFigure]) -> String {
    const ROW: f64 = 46.0;
    const BAR_WIDTH: f64 = WIDTH - 40.0;
    let scale_max = figures.iter().map(|figure| figure.requested).max().unwrap_or(0).max(1);
    let unit = BAR_WIDTH / scale_max as f64;
    let height = ROW * figures.len() as f64 + 4.0;
    let mut svg = open_svg(height, "Licences per product configuration: assigned, without a licence, quota");
    for (index, figure) in figures.iter().enumerate() {
        let top = ROW * index as f64;
        let name = escape(&figure.configuration);
        let bar_top = top + 22.0;
        let quota = figure.quota.map_or_else(|| "no quota reported".to_string(), |quota| format!("quota {quota}"));
        let summary = if figure.known {
            let assigned_width = unit * figure.assigned as f64;
            let deficit_width = unit * figure.deficit as f64;
            let rest = figure.requested.saturating_sub(figure.assigned.saturating_add(figure.deficit));
            svg.push_str(&rect(
                0.0,
                bar_top,
                assigned_width,
                16.0,
                palette::GREEN,
                &format!("{name}: {} assigned", figure.assigned),
            ));
            svg.push_str(&rect(
                assigned_width,
                bar_top,
                deficit_width,
                16.0,
                palette::AMBER,
                &format!("{name}: {} without a licence", figure.deficit),
            ));
            if rest > 0 {
                svg.push_str(&rect(
                    assigned_width + deficit_width,
                    bar_top,
                    unit * rest as f64,
                    16.0,
                    palette::LIGHT_GREY,
                    &format!(
                        "{name}: {} not counted either way",
                        crate::text::plural(usize::try_from(rest).unwrap_or(usize::MAX), "join", "joins")
                    ),
                ));
            }
            format!(
                "{} assigned, {} without a licence, of {} requested ({quota})",
                figure.assigned, figure.deficit, figure.requested
            )
        } else {
            let tip = format!("{name}: {} requested; licence status not read", figure.requested);
            svg.push_str(&rect(0.0, bar_top, unit * figure.requested as f64, 16.0, palette::LIGHT_GREY, &tip));
            format!("{} requested; licence status not read ({quota})", figure.requested)
        };
        if let Some(quota) = figure.quota.filter(|quota| *quota <= scale_max) {
            let x = unit * quota as f64;
            svg.push_str(&format!(
                "<line x1=\"{x:.1}\" y1=\"{:.1}\" x2=\"{x:.1}\" y2=\"{:.1}\" stroke=\"{}\" stroke-width=\"2\"><title>quota {quota}</title></line>\n",
                bar_top - 3.0,
                bar_top + 19.0,
                palette::INK
            ));
        }
        svg.push_str(&format!(
            "<text x=\"0\" y=\"{:.1}\" font-size=\"14\" fill=\"{}\"><tspan font-weight=\"600\">{name}</tspan> <tspan fill=\"{}\">{}</tspan></text>\n",
            top + 15.0,
            palette::INK,
            if figure.known && figure.deficit > 0 { palette::AMBER_TEXT } else { palette::GREY },
            escape(&summary)
        ));
    }
    svg.push_str("</svg>\n");
    svg
}

/// `<svg>` with a view box `WIDTH` × `height`, labelled for screen readers (`label` is plain text).
pub fn open_svg(height: f64, label: &str) -> String {
    format!(
        "<svg xmlns=\"http://www.w3.org/2000/svg\" viewBox=\"0 0 {WIDTH:.0} {height:.1}\" width=\"{WIDTH:.0}\" height=\"{height:.1}\" role=\"img\" aria-label=\"{}\">\n",
        escape(label)
    )
}

/// A filled rectangle with a hover title; `title` is markup, so values in it must be escaped by
/// the caller.
pub fn rect(x: f64, y: f64, width: f64, height: f64, fill: &str, title: &str) -> String {
    format!(
        "<rect x=\"{x:.1}\" y=\"{y:.1}\" width=\"{:.1}\" height=\"{height:.1}\" fill=\"{fill}\"><title>{title}</title></rect>\n",
        width.max(0.0)
    )
}

#[cfg(test)]
mod tests {
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

    fn widths(svg: &str) -> Vec<f64> {
        svg.split("width=\"")
            .skip(2)
            .filter_map(|rest| rest.split('"').next())
            .filter_map(|number| number.parse().ok())
            .collect()
    }

    #[test]
    fn the_results_bar_splits_the_width_by_count() {
        let counts = ResultCounts { success: 45, failed: 3, unknown: 2, ..ResultCounts::default() };
        let svg = results_bar(&counts);
        assert_eq!(widths(&svg), vec![900.0, 60.0, 40.0]);
        assert!(svg.contains(&format!("fill=\"{}\"><title>Success: 45 of 50</title>", palette::GREEN)));
        assert!(svg.contains(&format!("fill=\"{}\"><title>Failed: 3 of 50</title>", palette::RED)));
        assert!(svg.contains(&format!("fill=\"{}\"><title>Unknown: 2 of 50</title>", palette::AMBER)));
        assert!(svg.starts_with("<svg") && svg.ends_with("</svg>\n"));
    }

    #[test]
    fn deficit_bars_scale_to_the_largest_figure_and_mark_the_quota() {
        let svg = deficit_bars(&[photoshop()]);
        // 13 requested over 960 units: 5 assigned → 369.2, 8 without → 590.8, quota tick at 369.2.
        assert!(svg.contains("width=\"369.2\" height=\"16.0\" fill=\"#2e7d32\""), "{svg}");
        assert!(svg.contains("x=\"369.2\" y=\"22.0\" width=\"590.8\" height=\"16.0\" fill=\"#d97706\""), "{svg}");
        assert!(svg.contains("<line x1=\"369.2\""), "{svg}");
        assert!(svg.contains("5 assigned, 8 without a licence, of 13 requested (quota 5)"), "{svg}");
        let big_quota = DeficitFigure { quota: Some(100), ..photoshop() };
        let svg = deficit_bars(&[big_quota]);
        assert!(!svg.contains("<line"), "a quota beyond the scale is said, not drawn: {svg}");
        assert!(svg.contains("of 13 requested (quota 100)"), "{svg}");
    }

    #[test]
    fn svg_text_is_escaped() {
        let hostile = DeficitFigure { configuration: "<script>alert(1)</script>\"'".into(), ..photoshop() };
        let svg = deficit_bars(&[hostile]);
        assert!(!svg.contains("<script>"), "{svg}");
        assert!(svg.contains("&lt;script&gt;alert(1)&lt;/script&gt;&quot;&#39;"), "{svg}");
        let unread = DeficitFigure { known: false, ..photoshop() };
        assert!(deficit_bars(&[unread]).contains("13 requested; licence status not read (quota 5)"));
    }
}
