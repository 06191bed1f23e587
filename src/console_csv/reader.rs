//! The record loop: bytes → header + positioned records, with the structural problems of real
//! files (SPEC 2.3) found on the way: rows with the wrong number of fields, stray or unclosed
//! quotes, rows that are entirely empty.
//!
//! The loop reads with the `csv` crate into one reused [`csv::ByteRecord`] (flexible, no header
//! handling, no trimming). The crate's own record positions point at the end of the previous
//! record, before skipped blank lines, so physical line numbers are computed here from the raw
//! bytes between consecutive reader positions (vectorised counts of line breaks, with a lone `\r`
//! counted as a break as editors show it), and so are quotes, which is how unbalanced quotes are
//! found (a well-formed record always holds an even number of `"`).
//!
//! This module does not know which columns mean what; `columns` and `validation` do.

use thiserror::Error;

use super::delimiter;
use super::encoding::{self, EncodingProblem};

/// One data record as read: where it starts and its fields (UTF-8, untrimmed).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct SourceRecord {
    /// 1-based physical line of the record's first byte (the header is normally line 1).
    pub line: u64,
    /// The fields, in file order; possibly more or fewer than the header has.
    pub fields: Vec<String>,
}

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

/// Reads a whole file. Encoding is checked first; then the header and every record.
pub fn parse(bytes: &[u8]) -> Result<ParsedCsv, FileProblem> {
    let sniffed = encoding::sniff(bytes)?;
    let text = &bytes[sniffed.text_start..];
    if text.iter().all(u8::is_ascii_whitespace) {
        return Err(FileProblem::Empty);
    }
    let detected = delimiter::detect(text);
    if detected.delimiter == b'\t' {
        return Err(FileProblem::TabSeparated);
    }
    let body = &text[detected.separator_line_length..];
    if body.iter().all(u8::is_ascii_whitespace) {
        // Only Excel's `sep=X` line: there is no header row to point at.
        return Err(FileProblem::Empty);
    }
    let first_line = if detected.separator_line_length > 0 { 2 } else { 1 };
    let lines = LineCounter::new(body);
    let last_line = first_line + lines.breaks(0, lines.content_end(0, body.len()));
    let scanner = Scanner { body, delimiter: detected.delimiter, lines: &lines, first_line, last_line };
    let (header, header_line, header_end) = scanner.header()?;
    let scanned = scanner.records(header_end, body.len(), header.len())?;
    Ok(ParsedCsv {
        delimiter: detected.delimiter,
        had_bom: sniffed.had_bom,
        had_separator_line: detected.separator_line_length > 0,
        header,
        header_line,
        records: scanned.records,
        problems: scanned.problems,
    })
}

/// Records and problems of one scanned range.
struct Scanned {
    records: Vec<SourceRecord>,
    problems: Vec<RecordProblem>,
}

/// Scans ranges of the body (after BOM and `sep=` line) with the `csv` crate.
struct Scanner<'a> {
    body: &'a [u8],
    delimiter: u8,
    lines: &'a LineCounter<'a>,
    first_line: u64,
    last_line: u64,
}

/// Where a record sits: its first line, the lines it spans, whether its quotes are odd, and the
/// line of the byte after it.
struct Placement {
    line: u64,
    spanned_lines: u64,
    odd_quotes: bool,
    next_line: u64,
}

impl Scanner<'_> {
    fn reader<'r>(&self, start: usize, end: usize) -> csv::Reader<&'r [u8]>
    where
        Self: 'r,
    {
        csv::ReaderBuilder::new()
            .has_headers(false)
            .flexible(true)
            .delimiter(self.delimiter)
            .quoting(true)
            .double_quote(true)
            .from_reader(&self.body[start..end])
    }

    /// Places the record that occupies `body[start..end]` (leading blank lines included), given
    /// the line of the byte at `start`.
    fn place(&self, start: usize, end: usize, line_at_start: u64) -> Placement {
        let leading = self.body[start..end].iter().take_while(|&&byte| byte == b'\r' || byte == b'\n').count();
        let content_start = start + leading;
        let line = line_at_start + self.lines.breaks(start, content_start);
        let (content_breaks, quotes) = self.lines.breaks_and_quotes(content_start, end);
        let content_end = self.lines.content_end(content_start, end);
        Placement {
            line,
            spanned_lines: content_breaks - self.lines.breaks(content_end, end),
            odd_quotes: quotes % 2 == 1,
            next_line: line + content_breaks,
        }
    }

    /// The header record: its cells, line, and the offset where data records start.
    fn header(&self) -> Result<(Vec<String>, u64, usize), FileProblem> {
        let mut reader = self.reader(0, self.body.len());
        let mut record = csv::ByteRecord::new();
        if !matches!(reader.read_byte_record(&mut record), Ok(true)) {
            return Err(FileProblem::Empty);
        }
        let end = usize::try_from(reader.position().byte()).unwrap_or(self.body.len()).min(self.body.len());
        let placement = self.place(0, end, self.first_line);
        if placement.odd_quotes && end >= self.body.len() {
            return Err(FileProblem::UnclosedQuote { line: placement.line, last_line: self.last_line });
        }
        Ok((record.iter().map(to_string).collect(), placement.line, end))
    }

    /// The data records in `body[start..end]`, which begins at a record boundary.
    fn records(&self, start: usize, end: usize, expected: usize) -> Result<Scanned, FileProblem> {
        let mut scanned = Scanned { records: Vec::new(), problems: Vec::new() };
        let mut reader = self.reader(start, end);
        let mut record = csv::ByteRecord::new();
        let mut region_start = start;
        let mut line_cursor = self.first_line + self.lines.breaks(0, start);
        // Reading from a byte slice cannot fail with an I/O error, and a flexible reader without
        // headers reports no length or UTF-8 errors; treat any error as the end of the records.
        while let Ok(true) = reader.read_byte_record(&mut record) {
            let region_end = (start + usize::try_from(reader.position().byte()).unwrap_or(end)).min(end);
            let Placement { line, spanned_lines, odd_quotes, next_line } =
                self.place(region_start.min(region_end), region_end, line_cursor);
            region_start = region_end;
            line_cursor = next_line;
            if odd_quotes && region_end >= end && spanned_lines > 0 {
                return Err(FileProblem::UnclosedQuote { line, last_line: self.last_line });
            }
            if record.len() != expected && spanned_lines > 0 {
                let last_line = line + spanned_lines;
                return Err(FileProblem::QuotesOutOfStep { line, last_line, found: record.len(), expected });
            }
            if record.iter().all(|field| field.iter().all(u8::is_ascii_whitespace)) {
                scanned.problems.push(RecordProblem::EmptyRow { line });
                continue;
            }
            let index = scanned.records.len();
            if odd_quotes {
                scanned.problems.push(RecordProblem::StrayQuote { index });
            }
            if record.len() != expected {
                scanned.problems.push(RecordProblem::FieldCount { index, found: record.len(), expected });
            }
            let mut fields = Vec::with_capacity(expected);
            fields.extend(record.iter().map(to_string));
            scanned.records.push(SourceRecord { line, fields });
        }
        Ok(scanned)
    }
}

fn to_string(field: &[u8]) -> String {
    // The whole text was validated as UTF-8 by `encoding::sniff` and fields split only at ASCII
    // bytes, so the lossy branch is never taken.
    match std::str::from_utf8(field) {
        Ok(text) => text.to_owned(),
        Err(_) => String::from_utf8_lossy(field).into_owned(),
    }
}

/// Counts line breaks the way editors show them: `\n`, `\r\n`, and a lone `\r` (classic Mac,
/// or a stray carriage return that the `csv` crate also treats as a record end).
struct LineCounter<'a> {
    body: &'a [u8],
    has_lone_carriage_return: bool,
}

impl<'a> LineCounter<'a> {
    fn new(body: &'a [u8]) -> Self {
        let carriage_returns = encoding::count_byte(body, b'\r');
        let has_lone_carriage_return =
            carriage_returns > 0 && carriage_returns != encoding::count_pair(body, b'\r', b'\n');
        Self { body, has_lone_carriage_return }
    }

    /// Line breaks in `body[start..end]`; a `\r` counts unless a `\n` follows it (even past `end`).
    fn breaks(&self, start: usize, end: usize) -> u64 {
        let newlines = count_byte(&self.body[start..end], b'\n');
        if !self.has_lone_carriage_return {
            return newlines;
        }
        let lone =
            (start..end).filter(|&index| self.body[index] == b'\r' && self.body.get(index + 1) != Some(&b'\n')).count();
        newlines + lone as u64
    }

    /// Line breaks and `"` in `body[start..end]`.
    fn breaks_and_quotes(&self, start: usize, end: usize) -> (u64, u64) {
        let bytes = &self.body[start..end];
        (self.breaks(start, end), encoding::count_byte(bytes, b'"'))
    }

    /// The end of `body[start..end]` without its trailing line terminator.
    fn content_end(&self, start: usize, end: usize) -> usize {
        let mut end = end;
        if end > start && self.body[end - 1] == b'\n' {
            end -= 1;
        }
        if end > start && self.body[end - 1] == b'\r' {
            end -= 1;
        }
        end
    }
}

fn count_byte(bytes: &[u8], wanted: u8) -> u64 {
    encoding::count_byte(bytes, wanted)
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
    fn classic_mac_and_stray_carriage_returns_still_number_lines() {
        let parsed = parse(b"a,b\r1,2\r3,4\r").unwrap_or_else(|error| panic!("{error}"));
        assert_eq!(lines(&parsed), vec![2, 3]);
        let parsed = parse(b"a,b\n1,2\r3,4\r\n5,6\n").unwrap_or_else(|error| panic!("{error}"));
        assert_eq!(lines(&parsed), vec![2, 3, 4]);
    }
}
