//! Cutting a large bulk CSV into parts the Console accepts (SPEC 3 `split`): at most N data rows
//! and at most M bytes per part, the header (and BOM, and an Excel `sep=` line) repeated in every
//! part, records never cut, and each record copied byte for byte (quoting and embedded newlines
//! kept) with the file's own line terminator.
//!
//! The input is streamed: one `csv` reader finds record boundaries while a second handle on the
//! same file copies the raw bytes between them, so a file of any size splits in bounded memory
//! (one part at a time). Rows that are entirely empty are dropped. Content is not validated here;
//! `check` does that on each part.

use std::fs::File;
use std::io::{BufReader, BufWriter, Cursor, Read, Write};
use std::path::{Path, PathBuf};

use thiserror::Error;

use super::delimiter;
use super::encoding::{self, EncodingProblem, UTF8_BOM};

/// How to split.
#[derive(Clone, Debug)]
pub struct SplitOptions {
    /// Most data rows per part (at least 1).
    pub rows: usize,
    /// Most bytes per part, header and BOM included.
    pub max_bytes: u64,
    /// Directory the parts are written to.
    pub out_dir: PathBuf,
}

/// One written part.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct SplitPart {
    /// Where it was written.
    pub path: PathBuf,
    /// Data rows in it.
    pub rows: usize,
    /// Its size in bytes.
    pub bytes: u64,
}

/// Why a file could not be split.
#[derive(Debug, Error)]
pub enum SplitError {
    /// Reading the input or writing a part failed.
    #[error("{action} {path}: {source}")]
    Io {
        /// What was being done.
        action: &'static str,
        /// The file.
        path: PathBuf,
        /// The cause.
        source: std::io::Error,
    },
    /// The file is UTF-16/UTF-32.
    #[error("{0}; save it as \"CSV UTF-8\" first")]
    Encoding(EncodingProblem),
    /// No header or no data rows.
    #[error("{0} has no data rows to split")]
    NoRows(PathBuf),
    /// The options make no sense.
    #[error("--rows must be at least 1")]
    ZeroRows,
    /// One record alone does not fit the byte cap.
    #[error("the record on line {line} is {bytes} bytes; with the header it does not fit a part of {max_bytes} bytes")]
    RecordTooLarge {
        /// Line of the record.
        line: u64,
        /// Its size.
        bytes: u64,
        /// The cap.
        max_bytes: u64,
    },
    /// Parts from an earlier split are in the way.
    #[error("{0} already exists")]
    PartExists(PathBuf),
}

/// The path of part `number` (1-based) of `input` in `out_dir`: `<stem>-part001.csv`.
pub fn part_path(input: &Path, out_dir: &Path, number: usize) -> PathBuf {
    let stem = input.file_stem().map_or_else(|| "part".into(), |stem| stem.to_string_lossy().into_owned());
    out_dir.join(format!("{stem}-part{number:03}.csv"))
}

/// Splits `input` into parts in `options.out_dir`; returns the parts written, in order.
pub fn split_file(input: &Path, options: &SplitOptions) -> Result<Vec<SplitPart>, SplitError> {
    if options.rows == 0 {
        return Err(SplitError::ZeroRows);
    }
    let read_error = |source| SplitError::Io { action: "cannot read", path: input.to_path_buf(), source };
    let first = part_path(input, &options.out_dir, 1);
    if first.exists() {
        return Err(SplitError::PartExists(first));
    }
    let mut scan = BufReader::with_capacity(1 << 16, File::open(input).map_err(read_error)?);
    let mut head = Vec::with_capacity(1 << 16);
    (&mut scan).take(1 << 16).read_to_end(&mut head).map_err(read_error)?;
    if let Err(EncodingProblem::WideEncoding { encoding, with_bom }) = encoding::sniff(&head) {
        return Err(SplitError::Encoding(EncodingProblem::WideEncoding { encoding, with_bom }));
    }
    let bom = if head.starts_with(UTF8_BOM) { UTF8_BOM.len() } else { 0 };
    let detected = delimiter::detect(&head[bom..]);
    let prefix_length = bom + detected.separator_line_length;
    let mut prefix = head[..prefix_length.min(head.len())].to_vec();
    let terminator: &[u8] = if head.windows(2).any(|pair| pair == b"\r\n") { b"\r\n" } else { b"\n" };
    if detected.separator_line_length > 0 && !prefix.ends_with(b"\n") {
        prefix.extend_from_slice(terminator);
    }
    let body = Cursor::new(head[prefix_length.min(head.len())..].to_vec()).chain(scan);
    let mut reader =
        csv::ReaderBuilder::new().has_headers(false).flexible(true).delimiter(detected.delimiter).from_reader(body);
    let mut copy = BufReader::new(File::open(input).map_err(read_error)?);
    let mut skipped = vec![0u8; prefix_length];
    copy.read_exact(&mut skipped).map_err(read_error)?;

    let mut record = csv::ByteRecord::new();
    let mut region = Vec::new();
    let mut region_start = 0u64;
    let mut line = 1 + u64::from(detected.separator_line_length > 0);
    let mut header: Option<Vec<u8>> = None;
    let mut writer = PartWriter { input, options, prefix, parts: Vec::new(), buffer: Vec::new(), rows: 0 };
    loop {
        match reader.read_byte_record(&mut record) {
            Ok(true) => {}
            Ok(false) => break,
            Err(error) => return Err(read_error(std::io::Error::other(error))),
        }
        let region_end = reader.position().byte();
        region.resize(usize::try_from(region_end - region_start).unwrap_or(0), 0);
        copy.read_exact(&mut region).map_err(read_error)?;
        region_start = region_end;
        let leading = region.iter().take_while(|&&byte| byte == b'\r' || byte == b'\n').count();
        let record_line = line + encoding::count_newlines(&region[..leading]);
        line = record_line + encoding::count_newlines(&region[leading..]);
        let content = trim_terminator(&region[leading..]);
        match &header {
            None => header = Some(content.to_vec()),
            Some(header) => {
                if record.iter().all(|field| field.iter().all(u8::is_ascii_whitespace)) {
                    continue;
                }
                writer.push(header, content, terminator, record_line)?;
            }
        }
    }
    writer.finish(terminator)?;
    if writer.parts.is_empty() {
        return Err(SplitError::NoRows(input.to_path_buf()));
    }
    Ok(writer.parts)
}

fn trim_terminator(bytes: &[u8]) -> &[u8] {
    let bytes = bytes.strip_suffix(b"\n").unwrap_or(bytes);
    bytes.strip_suffix(b"\r").unwrap_or(bytes)
}

struct PartWriter<'a> {
    input: &'a Path,
    options: &'a SplitOptions,
    prefix: Vec<u8>,
    parts: Vec<SplitPart>,
    buffer: Vec<u8>,
    rows: usize,
}

impl PartWriter<'_> {
    fn push(&mut self, header: &[u8], record: &[u8], terminator: &[u8], line: u64) -> Result<(), SplitError> {
        let record_bytes = (record.len() + terminator.len()) as u64;
        let fresh_part_bytes = (self.prefix.len() + header.len() + terminator.len()) as u64 + record_bytes;
        if fresh_part_bytes > self.options.max_bytes {
            return Err(SplitError::RecordTooLarge { line, bytes: record_bytes, max_bytes: self.options.max_bytes });
        }
        if self.rows > 0
            && (self.rows >= self.options.rows || self.buffer.len() as u64 + record_bytes > self.options.max_bytes)
        {
            self.flush()?;
        }
        if self.rows == 0 {
            self.buffer.clear();
            self.buffer.extend_from_slice(&self.prefix);
            self.buffer.extend_from_slice(header);
            self.buffer.extend_from_slice(terminator);
        }
        self.buffer.extend_from_slice(record);
        self.buffer.extend_from_slice(terminator);
        self.rows += 1;
        Ok(())
    }

    fn finish(&mut self, _terminator: &[u8]) -> Result<(), SplitError> {
        if self.rows > 0 { self.flush() } else { Ok(()) }
    }

    fn flush(&mut self) -> Result<(), SplitError> {
        let path = part_path(self.input, &self.options.out_dir, self.parts.len() + 1);
        if path.exists() {
            return Err(SplitError::PartExists(path));
        }
        let write_error = |source| SplitError::Io { action: "cannot write", path: path.clone(), source };
        let file = File::create(&path).map_err(write_error)?;
        let mut output = BufWriter::new(file);
        output.write_all(&self.buffer).map_err(write_error)?;
        output.flush().map_err(write_error)?;
        self.parts.push(SplitPart { path: path.clone(), rows: self.rows, bytes: self.buffer.len() as u64 });
        self.rows = 0;
        self.buffer.clear();
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn split_text(text: &[u8], rows: usize, max_bytes: u64) -> (tempfile::TempDir, Result<Vec<SplitPart>, SplitError>) {
        let dir = tempfile::tempdir().unwrap_or_else(|error| panic!("{error}"));
        let input = dir.path().join("users.csv");
        std::fs::write(&input, text).unwrap_or_else(|error| panic!("{error}"));
        let options = SplitOptions { rows, max_bytes, out_dir: dir.path().to_path_buf() };
        let result = split_file(&input, &options);
        (dir, result)
    }

    fn read(path: &Path) -> String {
        String::from_utf8(std::fs::read(path).unwrap_or_default()).unwrap_or_default()
    }

    #[test]
    fn rows_are_capped_header_repeated_and_records_copied_verbatim() {
        let text =
            b"\xEF\xBB\xBFEmail,Note\r\na@x.com,\"two\r\nlines\"\r\nb@x.com,x\r\n,\r\nc@x.com,\"q \"\"y\"\"\"\r\n";
        let (_dir, parts) = split_text(text, 2, 10_000);
        let parts = parts.unwrap_or_else(|error| panic!("{error}"));
        assert_eq!(parts.iter().map(|part| part.rows).collect::<Vec<_>>(), vec![2, 1]);
        assert_eq!(read(&parts[0].path), "\u{FEFF}Email,Note\r\na@x.com,\"two\r\nlines\"\r\nb@x.com,x\r\n");
        assert_eq!(read(&parts[1].path), "\u{FEFF}Email,Note\r\nc@x.com,\"q \"\"y\"\"\"\r\n");
        assert!(parts[1].path.ends_with("users-part002.csv"));
    }

    #[test]
    fn byte_cap_is_respected_and_oversized_records_refused() {
        let (_dir, parts) = split_text(b"Email\na@x.com\nb@x.com\nc@x.com\n", 100, 20);
        let parts = parts.unwrap_or_else(|error| panic!("{error}"));
        assert!(parts.iter().all(|part| part.bytes <= 20));
        assert_eq!(parts.iter().map(|part| part.rows).sum::<usize>(), 3);
        let (_dir, result) = split_text(b"Email\na-very-long-address@example.com\n", 100, 20);
        assert!(matches!(result, Err(SplitError::RecordTooLarge { line: 2, .. })));
    }

    #[test]
    fn semicolon_files_with_a_sep_line_keep_it_in_every_part() {
        let (_dir, parts) = split_text(b"sep=;\nEmail;Result\na@x.com;1\nb@x.com;2\n", 1, 1000);
        let parts = parts.unwrap_or_else(|error| panic!("{error}"));
        assert_eq!(read(&parts[1].path), "sep=;\nEmail;Result\nb@x.com;2\n");
    }

    #[test]
    fn header_only_and_utf16_files_are_refused() {
        assert!(matches!(split_text(b"Email\n", 5, 1000).1, Err(SplitError::NoRows(_))));
        assert!(matches!(split_text(b"\xFF\xFEE\x00", 5, 1000).1, Err(SplitError::Encoding(_))));
        assert!(matches!(split_text(b"Email\na@b.c\n", 0, 1000).1, Err(SplitError::ZeroRows)));
    }
}
