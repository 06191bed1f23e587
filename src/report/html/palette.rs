//! The pages' colours: the terminal's ANSI colours mapped to hex colours that read well on a white
//! page (and print), so that a result looks the same in `apply`'s output and in `report.html`.
//!
//! | terminal (SGR) | where the terminal uses it | here | hex |
//! |---|---|---|---|
//! | red `31;1` | `error:`, failed commands | Failed rows, failed requests, the cancel marker | `#c62828` |
//! | red, darker | (validation `error[E…]`) | Invalid rows | `#7f1d1d` |
//! | yellow `33;1` | `warning:` (licence deficit, 429 countdown, parking, interruption) | rows without a licence, Unknown rows, 429 answers, server-requested waits, the parking marker | `#d97706` (fill), `#92400e` (text) |
//! | cyan `36;1` | `hint:` | hints, self-paced rate-limit waits | `#0e7490` |
//! | green `32` | success | Success rows, assigned licences, answered requests, the resume marker | `#2e7d32` |
//! | default / dim | plain lines | Skipped, Not Attempted, the licence quota, axes | `#6b7280`, `#b8bec8`, `#374151` |

/// Success: green (ANSI 32).
pub const GREEN: &str = "#2e7d32";
/// Errors: red (ANSI 31).
pub const RED: &str = "#c62828";
/// Invalid rows: a darker red, so Failed and Invalid differ side by side.
pub const DARK_RED: &str = "#7f1d1d";
/// Warnings: yellow (ANSI 33) as an amber fill that shows on white.
pub const AMBER: &str = "#d97706";
/// Warnings as text (amber is too light for small text).
pub const AMBER_TEXT: &str = "#92400e";
/// Hints: cyan (ANSI 36).
pub const CYAN: &str = "#0e7490";
/// Skipped rows: the terminal's plain text, dimmed.
pub const GREY: &str = "#6b7280";
/// Not Attempted rows and unread licence figures.
pub const LIGHT_GREY: &str = "#b8bec8";
/// Ink: axes, quota ticks, labels.
pub const INK: &str = "#374151";
/// Faint lines (grid, lane backgrounds).
pub const FAINT: &str = "#eef0f3";

/// The colour of a result kind by its `results.csv` spelling.
pub fn result_colour(kind: &str) -> &'static str {
    match kind {
        "Success" => GREEN,
        "Failed" => RED,
        "Invalid" => DARK_RED,
        "Skipped" => GREY,
        "Unknown" => AMBER,
        _ => LIGHT_GREY,
    }
}
