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

use super::{Checked, Diagnostic, MAX_PRINTED, Omitted, Severity};

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

/// The diagnostics of a list in the concise form: the first [`MAX_PRINTED`], then one line
/// counting the rest per code.
pub fn human_diagnostics(diagnostics: &[Diagnostic], color: bool) -> String {
    human_capped(diagnostics, &Omitted::default(), color)
}

/// The first [`MAX_PRINTED`] of `diagnostics` in the concise form, then one line counting the rest
/// and `omitted` (those never kept) per code:
///
/// ```text
/// note: 999980 more diagnostics not shown (W002: 999980); fix the ones above and check again
/// ```
pub fn human_capped(diagnostics: &[Diagnostic], omitted: &Omitted, color: bool) -> String {
    let shown = diagnostics.len().min(MAX_PRINTED);
    let mut text: String = diagnostics[..shown].iter().map(|diagnostic| human_diagnostic(diagnostic, color)).collect();
    let rest = Omitted::of(&diagnostics[shown..]).merged(omitted);
    if !rest.is_empty() {
        let counts: Vec<String> = rest.counts().map(|(code, count)| format!("{}: {count}", code.as_str())).collect();
        text.push_str(&format!(
            "note: {} not shown ({}); fix the ones above and check again\n",
            plural(rest.total(), "more diagnostic"),
            counts.join(", ")
        ));
    }
    text
}

/// The errors of a checked file (`--quiet`): the first [`MAX_PRINTED`], then a count of the rest.
pub fn human_errors(checked: &impl Checked, color: bool) -> String {
    human_errors_of(checked.diagnostics(), checked.omitted(), color)
}

/// The errors alone of `diagnostics` and `omitted` (for `--quiet`), capped like [`human_capped`].
pub fn human_errors_of(diagnostics: &[Diagnostic], omitted: &Omitted, color: bool) -> String {
    let errors: Vec<Diagnostic> =
        diagnostics.iter().filter(|diagnostic| diagnostic.severity == Severity::Error).cloned().collect();
    let mut omitted_errors = Omitted::default();
    for (code, count) in omitted.counts().filter(|(code, _)| code.severity() == Severity::Error) {
        omitted_errors.add(code, count);
    }
    human_capped(&errors, &omitted_errors, color)
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

/// The human report: the diagnostics (at most [`MAX_PRINTED`], then a count of the rest), then the
/// summary line.
pub fn human(checked: &impl Checked, color: bool) -> String {
    let mut text = human_capped(checked.diagnostics(), checked.omitted(), color);
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
    /// The first [`MAX_PRINTED`] diagnostics.
    diagnostics: &'a [Diagnostic],
    /// Whether some diagnostics are left out of `diagnostics`.
    truncated: bool,
    /// The diagnostics left out, counted per code (`{}` when none).
    not_shown: Omitted,
}

/// The machine report: one pretty-printed JSON document with a trailing newline. `diagnostics`
/// holds at most [`MAX_PRINTED`]; `truncated` says whether more were found, and `not_shown` counts
/// them per code (`errors` and `warnings` count everything).
pub fn json(checked: &impl Checked) -> String {
    let (errors, warnings) = checked.counts();
    let all = checked.diagnostics();
    let shown = all.len().min(MAX_PRINTED);
    let not_shown = Omitted::of(&all[shown..]).merged(checked.omitted());
    let report = JsonReport {
        file: checked.path().display().to_string(),
        operation: checked.operation().as_str(),
        delimiter: char::from(checked.delimiter()).to_string(),
        rows: checked.record_count(),
        valid_rows: checked.valid_row_count(),
        errors,
        warnings,
        diagnostics: &all[..shown],
        truncated: !not_shown.is_empty(),
        not_shown,
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
