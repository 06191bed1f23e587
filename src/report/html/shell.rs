//! The document around every page: doctype, a Content-Security-Policy that allows no script and
//! no network fetch (so even a value that slipped through escaping could neither run nor call
//! home), the one inline stylesheet, and the footer. Fonts are the system's own; nothing is
//! loaded from anywhere.

use crate::report::html::escape::escape;
use crate::report::html::palette;

/// No script, no fetch of any kind; inline styles and `data:` images only.
const CONTENT_SECURITY_POLICY: &str =
    "default-src 'none'; style-src 'unsafe-inline'; img-src data:; base-uri 'none'; form-action 'none'";

/// Wraps `body` (already escaped markup) into a whole page titled `title` (plain text).
pub fn document(title: &str, body: &str, tool_version: &str) -> String {
    let mut page = String::with_capacity(body.len() + 4096);
    page.push_str("<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n");
    page.push_str(&format!("<meta http-equiv=\"Content-Security-Policy\" content=\"{CONTENT_SECURITY_POLICY}\">\n"));
    page.push_str("<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n");
    page.push_str("<meta name=\"referrer\" content=\"no-referrer\">\n");
    page.push_str(&format!("<title>{}</title>\n<style>\n{}</style>\n</head>\n<body>\n", escape(title), stylesheet()));
    page.push_str(body);
    page.push_str(&format!(
        "<footer>Written by umapi-bulk {}. This page is self-contained: it loads nothing from the network and runs no script.</footer>\n",
        escape(tool_version)
    ));
    page.push_str("</body>\n</html>\n");
    page
}

fn stylesheet() -> String {
    format!(
        r#"body {{ font-family: system-ui, -apple-system, "Segoe UI", Roboto, "Helvetica Neue", Arial, sans-serif; color: {ink}; background: #ffffff; margin: 0 auto; max-width: 1100px; padding: 24px; line-height: 1.4; }}
h1 {{ font-size: 1.6em; margin: 0 0 4px 0; }}
h2 {{ font-size: 1.2em; margin: 28px 0 8px 0; border-bottom: 1px solid {faint}; padding-bottom: 4px; }}
.subtitle {{ color: {grey}; margin: 0 0 12px 0; overflow-wrap: anywhere; }}
.status {{ display: inline-block; padding: 2px 10px; border-radius: 12px; font-weight: 600; color: #ffffff; }}
.status-finished {{ background: {green}; }}
.status-attention {{ background: {red}; }}
.status-warning {{ background: {amber_text}; }}
.status-plain {{ background: {grey}; }}
.badge {{ display: inline-block; padding: 1px 8px; border-radius: 10px; border: 1px solid {grey}; color: {ink}; font-size: 0.85em; margin-left: 6px; }}
.note {{ border-left: 4px solid {amber}; background: #fff8eb; padding: 6px 10px; margin: 10px 0; }}
.facts {{ display: grid; grid-template-columns: max-content 1fr; gap: 2px 16px; margin: 8px 0; }}
.facts dt {{ color: {grey}; }}
.facts dd {{ margin: 0; overflow-wrap: anywhere; }}
table {{ border-collapse: collapse; margin: 8px 0; width: 100%; }}
th, td {{ text-align: left; padding: 4px 8px; border-bottom: 1px solid {faint}; vertical-align: top; overflow-wrap: anywhere; }}
th {{ background: #f7f8fa; font-weight: 600; }}
td.number, th.number {{ text-align: right; font-variant-numeric: tabular-nums; }}
.swatch {{ display: inline-block; width: 0.8em; height: 0.8em; border-radius: 2px; margin-right: 6px; vertical-align: baseline; }}
.hint {{ color: {cyan}; }}
.more {{ color: {grey}; font-style: italic; }}
svg {{ display: block; width: 100%; height: auto; margin: 6px 0; }}
td svg {{ width: 200px; }}
svg text {{ font-family: system-ui, -apple-system, "Segoe UI", Roboto, Arial, sans-serif; }}
.legend {{ list-style: none; padding: 0; margin: 4px 0; display: flex; flex-wrap: wrap; gap: 4px 16px; font-size: 0.9em; }}
code {{ background: #f3f4f6; padding: 1px 4px; border-radius: 3px; overflow-wrap: anywhere; }}
footer {{ margin-top: 32px; color: {grey}; font-size: 0.85em; border-top: 1px solid {faint}; padding-top: 8px; }}
@media print {{ body {{ max-width: none; }} }}
"#,
        ink = palette::INK,
        faint = palette::FAINT,
        grey = palette::GREY,
        green = palette::GREEN,
        red = palette::RED,
        amber = palette::AMBER,
        amber_text = palette::AMBER_TEXT,
        cyan = palette::CYAN,
    )
}

/// A coloured square for a legend or a table row.
pub fn swatch(colour: &str) -> String {
    format!("<span class=\"swatch\" style=\"background:{colour}\"></span>")
}
