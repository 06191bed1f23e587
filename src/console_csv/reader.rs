//! The whole file as owned, positioned records (what `plan`, `apply` and the reports keep), and
//! the problems the reader reports: [`FileProblem`] (the file is unusable) and [`RecordProblem`]
//! (one record is). [`parse`] collects the records of [`RecordStream`], which does the reading,
//! counts lines and finds the problems; `check` reads from the stream without owning anything.
//!
//! This module does not know which columns mean what; `columns` and `validation` do.

use thiserror::Error;

use super::encoding::EncodingProblem;
use super::stream::{Fields, Item, RecordStream};

/// One data record as read: where it starts and its fields (UTF-8, untrimmed).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct SourceRecord {
    /// 1-based physical line of the record's first byte (the header is normally line 1).
    pub line: u64,
    /// The fields, in file order; possibly more or fewer than the header has.
    pub fields: Vec<String>,
}

/// Most columns a header may have. The Console's user file has 13 and its invitation file 6; files
/// exported from other tools carry a few dozen more, and Excel stops at 16,384. A thousand is far
/// beyond any real bulk file, and refusing a wider header before its cells become strings keeps a
/// 10 MB header of a million one-letter columns (which once took 570–720 MB and printed a warning
/// per column) to a few megabytes and one clear error.
pub const MAX_COLUMNS: usize = 1_000;

/// A problem that makes the whole file unusable.
#[derive(Clone, Debug, PartialEq, Eq, Error)]
pub enum FileProblem {
    /// Wrong encoding, NUL bytes, invalid UTF-8.
    #[error(transparent)]
    Encoding(#[from] EncodingProblem),
    /// No bytes, or only whitespace (after an Excel `sep=X` line, if any).
    #[error("the file is empty")]
    Empty,
    /// The header is tab-separated.
    #[error("the file is tab-separated")]
    TabSeparated,
    /// A quote opened on `line` is never closed: the rest of the file became one cell.
    #[error("the quote opened on line {line} is never closed")]
    UnclosedQuote {
        /// Line where the record with the open quote starts.
        line: u64,
        /// Last line of the file.
        last_line: u64,
    },
    /// The header has more than [`MAX_COLUMNS`] columns.
    #[error("the header on line {line} has {columns} columns")]
    TooManyColumns {
        /// Line of the header.
        line: u64,
        /// Columns found.
        columns: usize,
    },
    /// A record spans several lines and has the wrong number of fields: quotes are out of step.
    #[error("the record starting on line {line} spans lines {line}–{last_line} and has {found} fields")]
    QuotesOutOfStep {
        /// First line of the record.
        line: u64,
        /// Last line of the record.
        last_line: u64,
        /// Fields found.
        found: usize,
        /// Fields in the header.
        expected: usize,
    },
}

/// A problem with one record; the rest of the file is usable.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum RecordProblem {
    /// More or fewer fields than the header.
    FieldCount {
        /// Index of the record in [`ParsedCsv::records`].
        index: usize,
        /// Fields found.
        found: usize,
        /// Fields in the header.
        expected: usize,
    },
    /// An odd number of `"` in a one-line record: a quote inside an unquoted cell, or text after a
    /// closing quote.
    StrayQuote {
        /// Index of the record in [`ParsedCsv::records`].
        index: usize,
    },
    /// Every field empty (Excel leaves `,,,,` lines behind when rows are cleared); not kept as a
    /// record.
    EmptyRow {
        /// Line of the empty row.
        line: u64,
    },
}

/// A file read into header and records.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ParsedCsv {
    /// `,` or `;`.
    pub delimiter: u8,
    /// Whether a UTF-8 BOM was skipped.
    pub had_bom: bool,
    /// Whether an Excel `sep=X` line was skipped.
    pub had_separator_line: bool,
    /// The header cells exactly as written.
    pub header: Vec<String>,
    /// Line of the header row.
    pub header_line: u64,
    /// Every non-empty data record, in file order.
    pub records: Vec<SourceRecord>,
    /// Record-level problems, in file order.
    pub problems: Vec<RecordProblem>,
}

/// Reads a whole file into owned records. Encoding is checked first; then the header and every
/// record, through [`RecordStream`].
pub fn parse(bytes: &[u8]) -> Result<ParsedCsv, FileProblem> {
    let mut stream = RecordStream::open(bytes)?;
    let expected = stream.header().len();
    let mut records = Vec::new();
    let mut problems = Vec::new();
    while let Some(item) = stream.next_record(expected)? {
        match item {
            Item::EmptyRow { line } => problems.push(RecordProblem::EmptyRow { line }),
            Item::Record(fields) => {
                let index = records.len();
                if fields.odd_quotes {
                    problems.push(RecordProblem::StrayQuote { index });
                }
                if fields.len() != expected {
                    problems.push(RecordProblem::FieldCount { index, found: fields.len(), expected });
                }
                records.push(SourceRecord::from_fields(&fields, expected));
            }
        }
    }
    Ok(ParsedCsv {
        delimiter: stream.delimiter(),
        had_bom: stream.had_bom(),
        had_separator_line: stream.had_separator_line(),
        header_line: stream.header_line(),
        header: stream.take_header(),
        records,
        problems,
    })
}

impl SourceRecord {
    /// Owns a streamed record's fields (`capacity`: the header's width, to allocate once). At most
    /// [`MAX_COLUMNS`] are kept: a record with more has more fields than any header may have (the
    /// field-count error says how many), and five million one-letter fields of a 10 MB line would
    /// otherwise become five million strings (over 500 MB).
    pub fn from_fields(fields: &Fields<'_>, capacity: usize) -> Self {
        let kept = fields.len().min(MAX_COLUMNS);
        let mut owned = Vec::with_capacity(capacity.max(kept));
        owned.extend(fields.iter().take(kept).map(str::to_owned));
        Self { line: fields.line, fields: owned }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn lines(parsed: &ParsedCsv) -> Vec<u64> {
        parsed.records.iter().map(|record| record.line).collect()
    }

    #[test]
    fn physical_lines_account_for_crlf_blank_lines_and_embedded_newlines() {
        let parsed = parse(b"a,b,c\r\n1,\"x\ny\",3\r\n\r\n4,5,6\n\n7,8,9").unwrap_or_else(|error| panic!("{error}"));
        assert_eq!(parsed.header, vec!["a", "b", "c"]);
        assert_eq!(lines(&parsed), vec![2, 5, 7]);
        assert_eq!(parsed.records[0].fields, vec!["1", "x\ny", "3"]);
        assert!(parsed.problems.is_empty());
    }

    #[test]
    fn bom_sep_line_and_semicolons_are_handled() {
        let parsed =
            parse(b"\xEF\xBB\xBFsep=;\r\nEmail;Result\r\na@b.com;ok\r\n").unwrap_or_else(|error| panic!("{error}"));
        assert!(parsed.had_bom && parsed.had_separator_line);
        assert_eq!((parsed.delimiter, parsed.header_line), (b';', 2));
        assert_eq!(lines(&parsed), vec![3]);
    }

    #[test]
    fn ragged_stray_quote_and_empty_rows_are_record_problems() {
        let parsed = parse(b"a,b\n1,2,3\nJo\"hn,x\n,\n5\n").unwrap_or_else(|error| panic!("{error}"));
        assert_eq!(lines(&parsed), vec![2, 3, 5]);
        assert_eq!(
            parsed.problems,
            vec![
                RecordProblem::FieldCount { index: 0, found: 3, expected: 2 },
                RecordProblem::StrayQuote { index: 1 },
                RecordProblem::EmptyRow { line: 4 },
                RecordProblem::FieldCount { index: 2, found: 1, expected: 2 },
            ]
        );
    }

    #[test]
    fn unclosed_quote_is_a_file_problem() {
        assert_eq!(parse(b"a,b\n1,\"open\n3,4\n5,6\n"), Err(FileProblem::UnclosedQuote { line: 2, last_line: 4 }));
        assert_eq!(
            parse(b"a,b,c\n1,\"x,2\n3,4\",5,6\n7,8,9\n"),
            Err(FileProblem::QuotesOutOfStep { line: 2, last_line: 3, found: 4, expected: 3 })
        );
    }

    #[test]
    fn empty_and_whitespace_files_are_empty() {
        assert_eq!(parse(b""), Err(FileProblem::Empty));
        assert_eq!(parse(b"\xEF\xBB\xBF\r\n  \n"), Err(FileProblem::Empty));
        assert_eq!(parse(b"a\tb\n1\t2\n"), Err(FileProblem::TabSeparated));
    }

    #[test]
    fn a_lone_carriage_return_late_in_the_file_numbers_the_lines_after_it() {
        let mut text = b"a,b\r\n".to_vec();
        for _ in 0..100 {
            text.extend_from_slice(b"1,\"x\r\ny\"\r\n");
        }
        text.extend_from_slice(b"2,z\r3,\"p\rq\"\r\n4,w\r\n");
        let parsed = parse(&text).unwrap_or_else(|error| panic!("{error}"));
        let tail: Vec<u64> = lines(&parsed).into_iter().skip(99).collect();
        assert_eq!(tail, vec![200, 202, 203, 205]);
    }

    #[test]
    fn encoding_problems_anywhere_come_before_quote_problems() {
        assert!(matches!(
            parse(b"a,b\n1,\"open\n3,4\n\xE9\n"),
            Err(FileProblem::Encoding(EncodingProblem::NotUtf8 { line: 4, .. }))
        ));
        assert_eq!(
            parse(b"a,b,c\n1,\"x,2\n3,4\",5,6\n7,8,9\n\x00\n"),
            Err(FileProblem::Encoding(EncodingProblem::NulByte { line: 5 }))
        );
        assert_eq!(parse(b"a\tb\n\x00"), Err(FileProblem::Encoding(EncodingProblem::NulByte { line: 2 })));
        // A closing quote followed by text joins bytes around the quote: the file is still not UTF-8.
        assert!(matches!(
            parse(b"a,b\n\"x\xC3\"\xA9,1\n"),
            Err(FileProblem::Encoding(EncodingProblem::NotUtf8 { line: 2, .. }))
        ));
    }

    #[test]
    fn classic_mac_and_stray_carriage_returns_still_number_lines() {
        let parsed = parse(b"a,b\r1,2\r3,4\r").unwrap_or_else(|error| panic!("{error}"));
        assert_eq!(lines(&parsed), vec![2, 3]);
        let parsed = parse(b"a,b\n1,2\r3,4\r\n5,6\n").unwrap_or_else(|error| panic!("{error}"));
        assert_eq!(lines(&parsed), vec![2, 3, 4]);
    }
}
