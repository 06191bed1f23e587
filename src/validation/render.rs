//! Rendering diagnostics: the concise compiler-style form for people (stderr) and one JSON
//! document for machines (stdout). The crate's one diagnostic renderer: the printer renders
//! `check`'s diagnostics through [`human_diagnostics`], and those of `plan` and `apply` too, the
//! planner's issues (E1xx) included.
//!
//! Returns strings and never writes to the terminal itself (the printer does); colour is decided
//! by the caller's printer.
//!
//! The human form is one line per diagnostic and hint, so text taken from the file (values,
//! header names) is shown with control characters and bidirectional overrides escaped (`\u{1b}`,
//! `\n`): a cell cannot add, erase or recolour lines of the report an admin reads. The JSON keeps
//! the text as it is (JSON escapes it).

use std::borrow::Cow;

use serde::Serialize;

use super::{Checked, Diagnostic, Severity};

/// One diagnostic in the concise form, with its hint on a second line:
///
/// ```text
/// error[E012]: line 14, column "Country Code": "UK" is not an ISO 3166-1 alpha-2 code
///   = hint: did you mean "GB" (United Kingdom)?
/// ```
pub fn human_diagnostic(diagnostic: &Diagnostic, color: bool) -> String {
    let label = format!("{}[{}]", diagnostic.severity.as_str(), diagnostic.code.as_str());
    let label = match (color, diagnostic.severity) {
        (false, _) => label,
        (true, Severity::Error) => format!("\x1b[31;1m{label}\x1b[0m"),
        (true, Severity::Warning) => format!("\x1b[33;1m{label}\x1b[0m"),
    };
    let mut text = label;
    text.push_str(": ");
    match (&diagnostic.line, &diagnostic.column) {
        (Some(line), Some(column)) => text.push_str(&format!("line {line}, column \"{}\": ", terminal_safe(column))),
        (Some(line), None) => text.push_str(&format!("line {line}: ")),
        (None, _) => {}
    }
    text.push_str(&terminal_safe(&diagnostic.message));
    text.push('\n');
    if let Some(hint) = &diagnostic.hint {
        text.push_str("  = hint: ");
        text.push_str(&terminal_safe(hint));
        text.push('\n');
    }
    text
}

/// `text` with every control character (line breaks, tabs, ESC, C1 codes) and every Unicode
/// bidirectional embedding, override or isolate written as its Rust escape (`\n`, `\u{1b}`,
/// `\u{202e}`); borrowed when there is none, which is almost always.
pub fn terminal_safe(text: &str) -> Cow<'_, str> {
    let unsafe_character = |character: char| {
        character.is_control() || matches!(character, '\u{202A}'..='\u{202E}' | '\u{2066}'..='\u{2069}')
    };
    if !text.chars().any(unsafe_character) {
        return Cow::Borrowed(text);
    }
    let mut safe = String::with_capacity(text.len() + 8);
    for character in text.chars() {
        if unsafe_character(character) {
            safe.extend(character.escape_debug());
        } else {
            safe.push(character);
        }
    }
    Cow::Owned(safe)
}

/// Every diagnostic of a list in the concise form.
pub fn human_diagnostics(diagnostics: &[Diagnostic], color: bool) -> String {
    diagnostics.iter().map(|diagnostic| human_diagnostic(diagnostic, color)).collect()
}

/// The closing summary line, e.g.
/// `checked 50 rows: 48 valid, 2 invalid (3 errors, 1 warning); delimiter ","`.
pub fn summary(checked: &impl Checked) -> String {
    let (errors, warnings) = checked.counts();
    let counts = format!("{}, {}", plural(errors, "error"), plural(warnings, "warning"));
    if checked.file_level_error() {
        let path = checked.path().display().to_string();
        return format!("{}: rejected before its rows were checked ({counts})", terminal_safe(&path));
    }
    let valid = checked.valid_row_count();
    format!(
        "checked {}: {valid} valid, {} invalid ({counts}); delimiter \"{}\"",
        plural(checked.record_count(), "row"),
        checked.record_count() - valid,
        char::from(checked.delimiter())
    )
}

/// The human report: every diagnostic, then the summary line.
pub fn human(checked: &impl Checked, color: bool) -> String {
    let mut text = human_diagnostics(checked.diagnostics(), color);
    text.push_str(&summary(checked));
    text.push('\n');
    text
}

#[derive(Serialize)]
struct JsonReport<'a> {
    file: String,
    operation: &'a str,
    delimiter: String,
    rows: usize,
    valid_rows: usize,
    errors: usize,
    warnings: usize,
    diagnostics: &'a [Diagnostic],
}

/// The machine report: one pretty-printed JSON document with a trailing newline.
pub fn json(checked: &impl Checked) -> String {
    let (errors, warnings) = checked.counts();
    let report = JsonReport {
        file: checked.path().display().to_string(),
        operation: checked.operation().as_str(),
        delimiter: char::from(checked.delimiter()).to_string(),
        rows: checked.record_count(),
        valid_rows: checked.valid_row_count(),
        errors,
        warnings,
        diagnostics: checked.diagnostics(),
    };
    let mut text = serde_json::to_string_pretty(&report).unwrap_or_else(|error| format!("{{\"error\": \"{error}\"}}"));
    text.push('\n');
    text
}

fn plural(count: usize, noun: &str) -> String {
    if count == 1 { format!("1 {noun}") } else { format!("{count} {noun}s") }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn terminal_safe_escapes_controls_and_bidirectional_overrides_only() {
        assert!(matches!(terminal_safe("Zoë, \"Park\""), Cow::Borrowed("Zoë, \"Park\"")));
        assert_eq!(terminal_safe("a\nb\r\x1b[2Jc\td\u{e}"), "a\\nb\\r\\u{1b}[2Jc\\td\\u{e}");
        assert_eq!(terminal_safe("\u{202E}txt.exe\u{2066}"), "\\u{202e}txt.exe\\u{2066}");
    }
}
