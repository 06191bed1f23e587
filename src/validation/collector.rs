//! How many diagnostics a pass keeps, and what it only counts: [`Collector`] (what the row rules
//! push through) and [`Omitted`] (counts per code of those not kept or not printed).
//!
//! A file within every cap can still ask for a million diagnostics: one cell listing a million
//! names gives a W002 for each repeat, five million `,` lines a W004 each. Keeping them all once
//! took 500–700 MB and printed over 100 MB. So a pass keeps at most [`MAX_PER_LINE`] diagnostics
//! of one line and [`MAX_KEPT`] in all, and counts the rest per code; the first error of every line
//! is kept whatever the caps, so every invalid row can still say why (results.csv quotes it), and
//! whether a line had an error is known exactly. The renderers print the first [`MAX_PRINTED`] of
//! what was kept and one line (or JSON field) counting the rest per code, so the totals stay exact.
//! Memory is therefore bounded by about (`MAX_KEPT` + 5,000 rows + the header's) diagnostics.
//!
//! Owns the bookkeeping only; rules decide what to push, `render` how to print.

use std::collections::BTreeMap;

use serde::{Serialize, Serializer};

use super::diagnostic::{Code, Diagnostic, Severity};

/// Most diagnostics kept for one line (a row's own problems fit many times over).
pub const MAX_PER_LINE: usize = 20;
/// Most diagnostics kept in all, besides the first error of each line.
pub const MAX_KEPT: usize = 10_000;
/// Most diagnostics printed, in the human and the JSON report; the rest are counted per code.
pub const MAX_PRINTED: usize = 1_000;

const CODE_COUNT: usize = Code::ALL.len();
const _: () = assert!(CODE_COUNT <= 64, "a line's codes are a 64-bit set");

/// Diagnostics found but not listed, counted per code.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Omitted {
    counts: BTreeMap<Code, usize>,
}

impl Omitted {
    /// Counts `count` more of `code`.
    pub fn add(&mut self, code: Code, count: usize) {
        if count > 0 {
            *self.counts.entry(code).or_default() += count;
        }
    }

    /// Counts every diagnostic of a list.
    pub fn of(diagnostics: &[Diagnostic]) -> Self {
        let mut omitted = Self::default();
        for diagnostic in diagnostics {
            omitted.add(diagnostic.code, 1);
        }
        omitted
    }

    /// This and `other` together.
    pub fn merged(&self, other: &Self) -> Self {
        let mut merged = self.clone();
        for (&code, &count) in &other.counts {
            merged.add(code, count);
        }
        merged
    }

    /// How many in all.
    pub fn total(&self) -> usize {
        self.counts.values().sum()
    }

    /// Whether nothing was left out.
    pub fn is_empty(&self) -> bool {
        self.counts.is_empty()
    }

    /// How many of them are errors and how many warnings.
    pub fn by_severity(&self) -> (usize, usize) {
        self.counts.iter().fold((0, 0), |(errors, warnings), (code, count)| match code.severity() {
            Severity::Error => (errors + count, warnings),
            Severity::Warning => (errors, warnings + count),
        })
    }

    /// The counts per code, in code order.
    pub fn counts(&self) -> impl Iterator<Item = (Code, usize)> + '_ {
        self.counts.iter().map(|(&code, &count)| (code, count))
    }
}

impl Serialize for Omitted {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.collect_map(self.counts.iter().map(|(code, count)| (code.as_str(), count)))
    }
}

/// What one pass keeps of the diagnostics of its rows, line by line.
pub(super) struct Collector {
    kept: Vec<Diagnostic>,
    omitted: [usize; CODE_COUNT],
    /// Kept on the current line.
    line_kept: usize,
    /// Whether the current line has an error (kept or not), and whether one was kept.
    line_error: bool,
    line_kept_error: bool,
    /// The codes met on the current line, as bits by position in [`Code::ALL`].
    line_codes: u64,
}

impl Collector {
    /// An empty collector.
    pub(super) fn new() -> Self {
        Self {
            kept: Vec::new(),
            omitted: [0; CODE_COUNT],
            line_kept: 0,
            line_error: false,
            line_kept_error: false,
            line_codes: 0,
        }
    }

    /// The diagnostics pushed from now on belong to a new line.
    pub(super) fn begin_line(&mut self) {
        self.line_kept = 0;
        self.line_error = false;
        self.line_kept_error = false;
        self.line_codes = 0;
    }

    /// Keeps `diagnostic`, or counts it when its line or the pass is at its cap (a line's first
    /// error is always kept).
    pub(super) fn push(&mut self, diagnostic: Diagnostic) {
        let code = diagnostic.code as usize;
        self.line_codes |= 1 << code;
        let error = diagnostic.severity == Severity::Error;
        self.line_error |= error;
        let within_caps = self.line_kept < MAX_PER_LINE && self.kept.len() < MAX_KEPT;
        if within_caps || (error && !self.line_kept_error) {
            self.line_kept += 1;
            self.line_kept_error |= error;
            self.kept.push(diagnostic);
        } else {
            self.omitted[code] += 1;
        }
    }

    /// Whether the current line has an error.
    pub(super) fn line_has_error(&self) -> bool {
        self.line_error
    }

    /// Whether the current line has a diagnostic with one of `codes`.
    pub(super) fn line_has_any(&self, codes: &[Code]) -> bool {
        codes.iter().any(|&code| self.line_codes & (1 << code as usize) != 0)
    }

    /// What was kept, in the order pushed, and the counts of the rest.
    pub(super) fn into_parts(self) -> (Vec<Diagnostic>, Omitted) {
        let mut omitted = Omitted::default();
        for (&code, &count) in Code::ALL.iter().zip(&self.omitted) {
            omitted.add(code, count);
        }
        (self.kept, omitted)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn at(code: Code, line: u64) -> Diagnostic {
        Diagnostic::new(code, "x").at_line(line)
    }

    #[test]
    fn code_positions_match_the_enum() {
        for (position, code) in Code::ALL.iter().enumerate() {
            assert_eq!(*code as usize, position, "{}", code.as_str());
        }
    }

    #[test]
    fn a_line_keeps_its_first_diagnostics_and_always_an_error() {
        let mut collector = Collector::new();
        collector.begin_line();
        for _ in 0..1_000_000 {
            collector.push(at(Code::DuplicateName, 2));
        }
        assert!(!collector.line_has_error());
        collector.push(at(Code::CountryInvalid, 2));
        collector.push(at(Code::EmailInvalid, 2));
        assert!(collector.line_has_error() && collector.line_has_any(&[Code::EmailInvalid, Code::EmailMissing]));
        assert!(!collector.line_has_any(&[Code::EmailMissing]));
        collector.begin_line();
        assert!(!collector.line_has_error() && !collector.line_has_any(&[Code::DuplicateName]));
        collector.push(at(Code::EmptyRow, 3));
        let (kept, omitted) = collector.into_parts();
        assert_eq!(kept.len(), MAX_PER_LINE + 2);
        assert_eq!(kept[MAX_PER_LINE].code, Code::CountryInvalid, "the line's first error is kept");
        assert_eq!(kept[MAX_PER_LINE + 1].code, Code::EmptyRow);
        let expected: Vec<(Code, usize)> =
            vec![(Code::EmailInvalid, 1), (Code::DuplicateName, 1_000_000 - MAX_PER_LINE)];
        assert_eq!(omitted.counts().collect::<Vec<_>>(), expected);
        assert_eq!(omitted.by_severity(), (1, 1_000_000 - MAX_PER_LINE));
    }

    #[test]
    fn the_pass_keeps_at_most_the_cap_plus_one_error_per_line() {
        let mut collector = Collector::new();
        for line in 0..50_000 {
            collector.begin_line();
            collector.push(at(Code::EmptyRow, line));
            collector.push(at(Code::CountryInvalid, line));
        }
        let (kept, omitted) = collector.into_parts();
        assert_eq!(kept.iter().filter(|diagnostic| diagnostic.code == Code::CountryInvalid).count(), 50_000);
        assert_eq!(kept.len(), MAX_KEPT + 50_000 - MAX_KEPT / 2);
        assert_eq!(omitted.total(), 100_000 - kept.len());
        let json = serde_json::to_string(&omitted).unwrap_or_default();
        assert_eq!(json, format!("{{\"W004\":{}}}", omitted.total()));
    }
}
