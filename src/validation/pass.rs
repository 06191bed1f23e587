//! One pass over a file: the stream of records, the file rules, the row rules and the cross-row
//! duplicate rule, in the order the module doc of `validation` gives. Both entry points run it:
//! `check_bytes` with a [`Keep`] that owns every record and typed row, `check_bytes_report` with
//! one that keeps nothing, so a row is validated by the same code either way.
//!
//! Per record, nothing is allocated unless the keeper asks for it (or a diagnostic is made): the
//! record is borrowed from the stream, viewed by column, and checked; only the Email + Identity
//! Type key of each identified row is kept, for the duplicate rule.
//!
//! Owns the order of work and what stops it; the rules themselves live in `file_rules`,
//! `user_rules` and `membership_rules`.

use crate::console_csv::{self, Column, Fields, HeaderMap, Item, RecordStream};
use crate::model::{IdentityType, Operation};

use super::collector::{Collector, Omitted};
use super::diagnostic::{Code, Diagnostic, Severity};
use super::name_scan::folded_hash;
use super::row_view::{self, RowView};
use super::user_rules::RowRules;
use super::{CheckOptions, MAX_BYTES, MAX_ROWS, ValidRow, file_rules};

/// What a pass keeps of the records it reads.
pub(super) trait Keep {
    /// Whether [`Keep::row`] wants the typed rows (building them allocates).
    const ROWS: bool;
    /// Every data record, in file order, before its rules run (`width`: the header's).
    fn record(&mut self, fields: &Fields<'_>, width: usize);
    /// The outcome of the record last given: its typed row when it is valid and `ROWS` is set.
    fn row(&mut self, row: Option<ValidRow>);
    /// A file-level error came after some records: none of them is usable.
    fn invalidate(&mut self);
    /// The file turned out unreadable: nothing read is kept.
    fn forget(&mut self);
}

/// What a pass found, besides what its keeper kept.
pub(super) struct Pass {
    /// `,` or `;` (`,` when the file could not be read).
    pub delimiter: u8,
    /// Whether the file started with a UTF-8 BOM.
    pub had_bom: bool,
    /// Header cells as written.
    pub header: Vec<String>,
    /// Data records read (entirely empty rows are not records).
    pub records: usize,
    /// Records with no error on their line (0 after a file-level error).
    pub valid_rows: usize,
    /// The diagnostics kept, sorted.
    pub diagnostics: Vec<Diagnostic>,
    /// Diagnostics beyond the caps, counted per code.
    pub omitted: Omitted,
}

impl Pass {
    fn failed(diagnostic: Diagnostic) -> Self {
        Self {
            delimiter: b',',
            had_bom: false,
            header: Vec::new(),
            records: 0,
            valid_rows: 0,
            diagnostics: vec![diagnostic],
            omitted: Omitted::default(),
        }
    }
}

/// Reads and checks `bytes` once; `keep` sees every record and its outcome.
pub(super) fn run<K: Keep>(bytes: &[u8], options: &CheckOptions, keep: &mut K) -> Pass {
    if bytes.len() as u64 > MAX_BYTES {
        return Pass::failed(file_rules::too_large(bytes.len() as u64));
    }
    let mut stream = match RecordStream::open(bytes) {
        Ok(stream) => stream,
        Err(problem) => return Pass::failed(file_rules::file_problem(&problem)),
    };
    let operation = options.operation;
    let header = stream.header().to_vec();
    let map = HeaderMap::new(&header, file_rules::known_columns(operation));
    let mut diagnostics = file_rules::header_rules(&header, stream.header_line(), &map, operation);
    let header_stop = diagnostics.iter().any(|diagnostic| diagnostic.severity == Severity::Error);
    let claimed: Vec<String> =
        options.claimed_domains.iter().map(|domain| domain.trim().to_ascii_lowercase()).collect();
    let mut rows = Rows {
        rules: RowRules::new(operation, &map, &claimed),
        map: &map,
        positions: row_view::positions(&map),
        seen: FirstLines::default(),
        diagnostics: Collector::new(),
        valid: 0,
    };
    let width = header.len();
    let mut records = 0;
    loop {
        let item = match stream.next_record(width) {
            Ok(Some(item)) => item,
            Ok(None) => break,
            Err(problem) => {
                keep.forget();
                return Pass::failed(file_rules::file_problem(&problem));
            }
        };
        match item {
            Item::EmptyRow { line } => {
                rows.diagnostics.begin_line();
                rows.diagnostics.push(file_rules::empty_row(line));
            }
            Item::Record(fields) => {
                records += 1;
                keep.record(&fields, width);
                if header_stop || records > MAX_ROWS {
                    keep.row(None);
                } else {
                    let row = rows.check::<K>(records - 1, &fields, width);
                    keep.row(row);
                }
            }
        }
    }
    let mut valid_rows = rows.valid;
    let (mut row_diagnostics, row_omitted) = rows.diagnostics.into_parts();
    let mut omitted = Omitted::default();
    if records > MAX_ROWS {
        diagnostics = vec![file_rules::too_many_rows(records)];
    } else if records == 0 {
        diagnostics.push(
            Diagnostic::new(Code::NoDataRows, "the file has a header but no data rows")
                .with_hint("add one row per user below the header"),
        );
    } else if !header_stop {
        diagnostics.append(&mut row_diagnostics);
        omitted = row_omitted;
    }
    if records > MAX_ROWS || records == 0 || header_stop {
        valid_rows = 0;
        keep.invalidate();
    }
    diagnostics.sort_by(Diagnostic::order);
    Pass { delimiter: stream.delimiter(), had_bom: stream.had_bom(), header, records, valid_rows, diagnostics, omitted }
}

/// The row rules and the cross-row state of one pass.
struct Rows<'a> {
    rules: RowRules<'a>,
    map: &'a HeaderMap,
    /// Where the known columns sit, for [`RowView`].
    positions: Vec<(Column, usize)>,
    /// First line of each (Identity Type, Email) met.
    seen: FirstLines,
    /// Diagnostics of records and rows, in file order, up to the caps.
    diagnostics: Collector,
    /// Records with no error on their line.
    valid: usize,
}

impl Rows<'_> {
    /// Checks the record at `index`; returns its typed row when it is valid and `K` keeps rows.
    fn check<K: Keep>(&mut self, index: usize, fields: &Fields<'_>, width: usize) -> Option<ValidRow> {
        self.diagnostics.begin_line();
        let line = fields.line;
        if fields.odd_quotes {
            self.diagnostics.push(file_rules::stray_quote(line));
        }
        if fields.len() != width {
            self.diagnostics.push(file_rules::field_count(line, fields.len(), width));
            return None;
        }
        let view = RowView::new(line, &self.positions, |index| fields.get(index));
        let out = &mut self.diagnostics;
        let identity_type = if self.rules.operation == Operation::Revoke {
            self.rules.invitation_row(&view, out);
            None
        } else {
            self.rules.user_row(&view, out)
        };
        let identified = !out.line_has_any(&[
            Code::EmailMissing,
            Code::EmailInvalid,
            Code::IdentityTypeMissing,
            Code::IdentityTypeUnknown,
        ]);
        if identified {
            self.duplicate(line, identity_type, view.cell(Column::Email));
        }
        if self.diagnostics.line_has_error() {
            return None;
        }
        self.valid += 1;
        K::ROWS.then(|| {
            if self.rules.operation == Operation::Revoke {
                ValidRow::Invitation(RowRules::owned_invitation_row(index, &view))
            } else {
                ValidRow::User(self.rules.owned_user_row(index, &view, identity_type))
            }
        })
    }

    /// E044 when the (Identity Type, Email) pair was met on an earlier line.
    fn duplicate(&mut self, line: u64, kind: Option<IdentityType>, email: &str) {
        match self.seen.first_or_insert(kind, email, line) {
            None => {}
            Some(first) => {
                let column = self.map.display_name(console_csv::Column::Email);
                let message = match kind {
                    Some(kind) => format!(
                        "repeats {kind} \"{email}\" from line {first}; the Console takes one row per Email + Identity Type"
                    ),
                    None => format!("repeats \"{email}\" from line {first}"),
                };
                self.diagnostics.push(
                    Diagnostic::new(Code::DuplicateUser, message)
                        .at_line(line)
                        .in_column(column, self.map.index(console_csv::Column::Email))
                        .with_value(email)
                        .related_to(first)
                        .with_hint(format!("merge the two rows into one, or delete line {line}")),
                );
            }
        }
    }
}

/// The first line of each (Identity Type, Email) pair met, Email compared with ASCII case ignored
/// (an identified row's email passed `email::problem`, so it is ASCII and this is the Console's
/// case-insensitive match). An open-addressing table of case-folded hashes over the emails kept
/// end to end in one string: no allocation per row.
#[derive(Default)]
struct FirstLines {
    emails: String,
    entries: Vec<FirstLine>,
    /// Entry index + 1 per slot; 0 is free. Its length is a power of two.
    table: Vec<u32>,
}

struct FirstLine {
    hash: u64,
    kind: Option<IdentityType>,
    start: usize,
    end: usize,
    line: u64,
}

impl FirstLines {
    /// The first line of the pair when it was met before; otherwise records `line` as its first.
    fn first_or_insert(&mut self, kind: Option<IdentityType>, email: &str, line: u64) -> Option<u64> {
        let kind_number = kind.map_or(0, |kind| kind as u64 + 1);
        let hash = folded_hash(email) ^ kind_number.wrapping_mul(0x9E37_79B9_7F4A_7C15);
        if (self.entries.len() + 1) * 2 > self.table.len() {
            self.grow();
        }
        let mask = self.table.len() - 1;
        let mut position = home(hash) & mask;
        while let Some(index) = self.table[position].checked_sub(1) {
            let entry = &self.entries[index as usize];
            if entry.hash == hash
                && entry.kind == kind
                && self.emails.get(entry.start..entry.end).is_some_and(|first| first.eq_ignore_ascii_case(email))
            {
                return Some(entry.line);
            }
            position = (position + 1) & mask;
        }
        let start = self.emails.len();
        self.emails.push_str(email);
        self.entries.push(FirstLine { hash, kind, start, end: self.emails.len(), line });
        self.table[position] = self.entries.len() as u32;
        None
    }

    fn grow(&mut self) {
        let size = (self.table.len() * 2).max(1024);
        self.table = vec![0; size];
        for (index, entry) in self.entries.iter().enumerate() {
            let mut position = home(entry.hash) & (size - 1);
            while self.table[position] != 0 {
                position = (position + 1) & (size - 1);
            }
            self.table[position] = index as u32 + 1;
        }
    }
}

/// Where a hash starts looking (its high half folded into the low bits the mask keeps).
fn home(hash: u64) -> usize {
    ((hash >> 32) ^ hash) as usize
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn first_lines_match_email_case_insensitively_per_identity_type() {
        let mut seen = FirstLines::default();
        let enterprise = Some(IdentityType::EnterpriseId);
        assert_eq!(seen.first_or_insert(enterprise, "Zoe@Example.com", 2), None);
        assert_eq!(seen.first_or_insert(Some(IdentityType::AdobeId), "zoe@example.com", 3), None);
        assert_eq!(seen.first_or_insert(None, "zoe@example.com", 4), None);
        assert_eq!(seen.first_or_insert(enterprise, "ZOE@EXAMPLE.COM", 5), Some(2));
        assert_eq!(seen.first_or_insert(None, "zoe@example.COM", 6), Some(4));
        for number in 0..3000 {
            assert_eq!(seen.first_or_insert(enterprise, &format!("user{number}@example.com"), 10 + number), None);
        }
        assert_eq!(seen.first_or_insert(enterprise, "USER2999@example.com", 9999), Some(3009));
        assert_eq!(seen.first_or_insert(enterprise, "zoe@example.com", 9999), Some(2));
    }
}
