//! The record loop: bytes → header + one record at a time, borrowed from one reused buffer, with
//! the structural problems of real files (SPEC 2.3) found on the way: rows with the wrong number
//! of fields, stray or unclosed quotes, rows that are entirely empty.
//!
//! [`RecordStream`] drives `csv_core` (the engine inside the `csv` crate, configured as the crate's
//! defaults: flexible, no header handling, no trimming) over the whole body slice, into one output
//! buffer and one field-end buffer that every record reuses; nothing is allocated per record.
//! Reading the slice directly gives exact byte positions: physical line numbers are computed from
//! the raw bytes of each record (vectorised counts of line breaks, with a lone `\r` counted as a
//! break as editors show it), and so are quotes, which is how unbalanced quotes are found (a
//! well-formed record always holds an even number of `"`). The whole file is checked for encoding
//! (`encoding::sniff`) before the first record, so encoding problems take precedence.
//!
//! `reader::parse` builds owned records from this loop; `validation` checks records straight from
//! it. This module does not know which columns mean what; `columns` and `validation` do.

use csv_core::ReadRecordResult;

use super::delimiter;
use super::encoding;
use super::reader::{FileProblem, MAX_COLUMNS};

/// First sizes of the reused buffers; they double when a record needs more.
const OUTPUT_START: usize = 1 << 12;
const ENDS_START: usize = 32;

/// A file being read record by record. Created by [`RecordStream::open`], which reads the header.
pub struct RecordStream<'a> {
    /// The whole file, for `encoding::sniff` when a problem is suspected.
    bytes: &'a [u8],
    body: &'a [u8],
    delimiter: u8,
    had_bom: bool,
    had_separator_line: bool,
    header: Vec<String>,
    header_line: u64,
    first_line: u64,
    lines: LineCounter<'a>,
    core: csv_core::Reader,
    output: Vec<u8>,
    ends: Vec<usize>,
    position: usize,
    line_cursor: u64,
    finished: bool,
    /// Fields converted lossily, for the record whose bytes are not UTF-8 (never expected: the
    /// whole file was validated, and fields are cut only at ASCII bytes).
    lossy: String,
    lossy_ends: Vec<usize>,
}

/// What the stream read next.
pub enum Item<'r> {
    /// A record with at least one non-blank field.
    Record(Fields<'r>),
    /// A row of separators and blanks only (Excel leaves `,,,,` lines behind when rows are
    /// cleared); it is not a record.
    EmptyRow {
        /// Line of the empty row.
        line: u64,
    },
}

/// One record's fields, borrowed from the stream's buffer until the next read.
#[derive(Clone, Copy, Debug)]
pub struct Fields<'r> {
    /// 1-based physical line of the record's first byte.
    pub line: u64,
    /// Whether the record's raw bytes hold an odd number of `"` (a stray quote).
    pub odd_quotes: bool,
    text: &'r str,
    ends: &'r [usize],
}

impl<'r> Fields<'r> {
    /// Number of fields (possibly more or fewer than the header has).
    pub fn len(&self) -> usize {
        self.ends.len()
    }

    /// Whether the record has no field at all.
    pub fn is_empty(&self) -> bool {
        self.ends.is_empty()
    }

    /// The field at `index`, untrimmed.
    pub fn get(&self, index: usize) -> Option<&'r str> {
        let end = *self.ends.get(index)?;
        let start = if index == 0 { 0 } else { self.ends[index - 1] };
        self.text.get(start..end)
    }

    /// The fields in file order.
    pub fn iter(&self) -> impl Iterator<Item = &'r str> + '_ {
        (0..self.len()).map(|index| self.get(index).unwrap_or_default())
    }
}

impl<'a> RecordStream<'a> {
    /// Checks the encoding of the whole file, detects the separator and reads the header row.
    pub fn open(bytes: &'a [u8]) -> Result<Self, FileProblem> {
        Self::open_unchecked(bytes).map_err(|problem| encoding_first(bytes, problem))
    }

    fn open_unchecked(bytes: &'a [u8]) -> Result<Self, FileProblem> {
        let sniffed = encoding::sniff_start(bytes)?;
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
        let mut stream = Self {
            bytes,
            body,
            delimiter: detected.delimiter,
            had_bom: sniffed.had_bom,
            had_separator_line: detected.separator_line_length > 0,
            header: Vec::new(),
            header_line: first_line,
            first_line,
            lines: LineCounter { body, has_lone_carriage_return: false },
            core: core_reader(detected.delimiter),
            output: vec![0; OUTPUT_START],
            ends: vec![0; ENDS_START],
            position: 0,
            line_cursor: first_line,
            finished: false,
            lossy: String::new(),
            lossy_ends: Vec::new(),
        };
        let Some(field_count) = stream.read() else {
            return Err(FileProblem::Empty);
        };
        let end = stream.position;
        stream.check_region(0, end)?;
        let placement = place(body, &stream.lines, 0, end, first_line);
        if placement.odd_quotes && end >= body.len() {
            return Err(FileProblem::UnclosedQuote { line: placement.line, last_line: stream.last_line() });
        }
        if field_count > MAX_COLUMNS {
            // Refused before its cells become strings: a wide header costs only the read buffers.
            return Err(FileProblem::TooManyColumns { line: placement.line, columns: field_count });
        }
        let header = stream.fields(field_count, placement.line, false);
        stream.header = header.iter().map(str::to_owned).collect();
        stream.header_line = placement.line;
        // Data records are read by a fresh reader from the header's end, as the `csv` crate would
        // after a header (`reset` returns the reader to its state when built).
        stream.core.reset();
        stream.line_cursor = first_line + stream.lines.breaks(0, end);
        Ok(stream)
    }

    /// `,` or `;`.
    pub fn delimiter(&self) -> u8 {
        self.delimiter
    }

    /// Whether a UTF-8 BOM was skipped.
    pub fn had_bom(&self) -> bool {
        self.had_bom
    }

    /// Whether an Excel `sep=X` line was skipped.
    pub fn had_separator_line(&self) -> bool {
        self.had_separator_line
    }

    /// The header cells exactly as written.
    pub fn header(&self) -> &[String] {
        &self.header
    }

    /// Takes the header cells out of the stream (it keeps an empty header).
    pub fn take_header(&mut self) -> Vec<String> {
        std::mem::take(&mut self.header)
    }

    /// Line of the header row.
    pub fn header_line(&self) -> u64 {
        self.header_line
    }

    /// The next data record or empty row; `None` at the end of the file. A problem that makes
    /// the rest of the file unreadable (an unclosed quote, quotes out of step) ends the stream.
    /// `expected` is the number of fields in the header.
    pub fn next_record(&mut self, expected: usize) -> Result<Option<Item<'_>>, FileProblem> {
        let region_start = self.position;
        let found = self.read();
        let region_end = self.position;
        self.check_region(region_start, region_end)?;
        let Some(found) = found else {
            return Ok(None);
        };
        let Placement { line, spanned_lines, odd_quotes, next_line } =
            place(self.body, &self.lines, region_start, region_end, self.line_cursor);
        self.line_cursor = next_line;
        if odd_quotes && region_end >= self.body.len() && spanned_lines > 0 {
            self.finished = true;
            let problem = FileProblem::UnclosedQuote { line, last_line: self.last_line() };
            return Err(encoding_first(self.bytes, problem));
        }
        if found != expected && spanned_lines > 0 {
            self.finished = true;
            let last_line = line + spanned_lines;
            let problem = FileProblem::QuotesOutOfStep { line, last_line, found, expected };
            return Err(encoding_first(self.bytes, problem));
        }
        let length = if found == 0 { 0 } else { self.ends[found - 1] };
        if self.output[..length].iter().all(u8::is_ascii_whitespace) {
            return Ok(Some(Item::EmptyRow { line }));
        }
        Ok(Some(Item::Record(self.fields(found, line, odd_quotes))))
    }

    /// Checks the raw bytes of `body[start..end]`, just read and still in cache, for what
    /// `encoding::sniff` refuses (a NUL, bytes that are not UTF-8), and notes a lone `\r` for the
    /// line counts (regions before the first one have none, so counting them without it was
    /// exact). On a suspicion the whole file is sniffed, which decides and names the file's first
    /// problem, as when it was sniffed before reading.
    fn check_region(&mut self, start: usize, end: usize) -> Result<(), FileProblem> {
        let region = &self.body[start..end];
        let mut suspect = false;
        for index in memchr::memchr2_iter(0, b'\r', region) {
            if region[index] == 0 {
                suspect = true;
                break;
            }
            if self.body.get(start + index + 1) != Some(&b'\n') {
                self.lines.has_lone_carriage_return = true;
            }
        }
        if (suspect || simdutf8::basic::from_utf8(region).is_err())
            && let Err(problem) = encoding::sniff(self.bytes)
        {
            self.finished = true;
            return Err(FileProblem::Encoding(problem));
        }
        Ok(())
    }

    /// Reads one record into the buffers; returns its number of fields, or `None` at the end.
    fn read(&mut self) -> Option<usize> {
        if self.finished {
            return None;
        }
        let (mut written, mut ends_written) = (0, 0);
        loop {
            let input = &self.body[self.position..];
            let (result, read, output, ends) =
                self.core.read_record(input, &mut self.output[written..], &mut self.ends[ends_written..]);
            self.position += read;
            written += output;
            ends_written += ends;
            match result {
                // An empty input tells csv_core the file ended; it then answers Record or End.
                ReadRecordResult::InputEmpty if !input.is_empty() => {}
                ReadRecordResult::OutputFull => self.output.resize(self.output.len() * 2, 0),
                ReadRecordResult::OutputEndsFull => self.ends.resize(self.ends.len() * 2, 0),
                ReadRecordResult::Record => return Some(ends_written),
                ReadRecordResult::InputEmpty | ReadRecordResult::End => {
                    self.finished = true;
                    return None;
                }
            }
        }
    }

    /// The fields of the record just read.
    fn fields(&mut self, found: usize, line: u64, odd_quotes: bool) -> Fields<'_> {
        let (text, ends) = decode(&self.output, &self.ends[..found], &mut self.lossy, &mut self.lossy_ends);
        Fields { line, odd_quotes, text, ends }
    }

    /// Last line of the file (only needed to report an unclosed quote).
    fn last_line(&self) -> u64 {
        self.first_line + self.lines.breaks(0, self.lines.content_end(0, self.body.len()))
    }
}

/// The problem to report: the file's first encoding problem when it has one (encoding is checked
/// before anything else), else `problem`.
fn encoding_first(bytes: &[u8], problem: FileProblem) -> FileProblem {
    match encoding::sniff(bytes) {
        Err(encoding) => FileProblem::Encoding(encoding),
        Ok(_) => problem,
    }
}

/// The fields of a record as text: borrowed from the output buffer when it is UTF-8 (always, for
/// a file that passed `encoding::sniff`, since fields are cut and unquoted only at ASCII bytes),
/// else converted field by field, lossily, into `lossy`.
fn decode<'s>(
    output: &'s [u8],
    ends: &'s [usize],
    lossy: &'s mut String,
    lossy_ends: &'s mut Vec<usize>,
) -> (&'s str, &'s [usize]) {
    let length = ends.last().copied().unwrap_or(0);
    if let Ok(text) = simdutf8::basic::from_utf8(&output[..length])
        && ends.iter().all(|&end| text.is_char_boundary(end))
    {
        return (text, ends);
    }
    lossy.clear();
    lossy_ends.clear();
    let mut start = 0;
    for &end in ends {
        lossy.push_str(&String::from_utf8_lossy(&output[start..end]));
        lossy_ends.push(lossy.len());
        start = end;
    }
    (lossy, lossy_ends)
}

/// A `csv_core` reader configured as `csv::ReaderBuilder` configures it by default.
fn core_reader(delimiter: u8) -> csv_core::Reader {
    csv_core::ReaderBuilder::new().delimiter(delimiter).quoting(true).double_quote(true).build()
}

/// Where a record sits: its first line, the lines it spans, whether its quotes are odd, and the
/// line of the byte after it.
struct Placement {
    line: u64,
    spanned_lines: u64,
    odd_quotes: bool,
    next_line: u64,
}

/// Places the record that occupies `body[start..end]` (leading blank lines included), given the
/// line of the byte at `start`.
fn place(body: &[u8], lines: &LineCounter<'_>, start: usize, end: usize, line_at_start: u64) -> Placement {
    let start = start.min(end);
    let leading = body[start..end].iter().take_while(|&&byte| byte == b'\r' || byte == b'\n').count();
    let content_start = start + leading;
    let line = line_at_start + lines.breaks(start, content_start);
    let (content_breaks, quotes) = lines.breaks_and_quotes(content_start, end);
    let content_end = lines.content_end(content_start, end);
    Placement {
        line,
        spanned_lines: content_breaks - lines.breaks(content_end, end),
        odd_quotes: quotes % 2 == 1,
        next_line: line + content_breaks,
    }
}

/// Counts line breaks the way editors show them: `\n`, `\r\n`, and a lone `\r` (classic Mac,
/// or a stray carriage return that the `csv` crate also treats as a record end). Lone `\r` are
/// counted (a scalar scan) from the first record that has one.
struct LineCounter<'a> {
    body: &'a [u8],
    has_lone_carriage_return: bool,
}

impl LineCounter<'_> {
    /// Line breaks in `body[start..end]`; a `\r` counts unless a `\n` follows it (even past `end`).
    fn breaks(&self, start: usize, end: usize) -> u64 {
        encoding::count_byte(&self.body[start..end], b'\n') + self.lone_carriage_returns(start, end)
    }

    /// Lone `\r` in `body[start..end]` (a scalar scan, only for files that have any).
    fn lone_carriage_returns(&self, start: usize, end: usize) -> u64 {
        if !self.has_lone_carriage_return {
            return 0;
        }
        (start..end).filter(|&index| self.body[index] == b'\r' && self.body.get(index + 1) != Some(&b'\n')).count()
            as u64
    }

    /// Line breaks and `"` in `body[start..end]`, counted in one pass.
    fn breaks_and_quotes(&self, start: usize, end: usize) -> (u64, u64) {
        let (newlines, quotes) = encoding::count_two(&self.body[start..end], b'\n', b'"');
        (newlines + self.lone_carriage_returns(start, end), quotes)
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
