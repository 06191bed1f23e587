//! Rendering diagnostics: the concise compiler-style form for people (stderr) and one JSON
//! document for machines (stdout). `check` prints both; `apply` and `plan` reuse
//! [`human_diagnostics`] to say why they refuse a file.
//!
//! Returns strings and never writes to the terminal itself (only `commands` do); colour is
//! decided by the caller's printer.

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
        (Some(line), Some(column)) => text.push_str(&format!("line {line}, column \"{column}\": ")),
        (Some(line), None) => text.push_str(&format!("line {line}: ")),
        (None, _) => {}
    }
    text.push_str(&diagnostic.message);
    text.push('\n');
    if let Some(hint) = &diagnostic.hint {
        text.push_str("  = hint: ");
        text.push_str(hint);
        text.push('\n');
    }
    text
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
        return format!("{}: rejected before its rows were checked ({counts})", checked.path().display());
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
