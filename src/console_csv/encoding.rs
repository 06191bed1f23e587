//! Encoding sniffing: what bytes a bulk CSV file may hold before any CSV parsing happens
//! (SPEC 2.3). UTF-8 with or without a BOM is accepted; spreadsheets saved in their own format
//! (`.xlsx`, `.xls`, `.ods`, by their first bytes), UTF-16 and UTF-32 (Excel's "Unicode Text"),
//! other non-UTF-8 bytes (Windows-1252 from Excel's plain "CSV" on Western systems) and NUL bytes
//! are refused with the line where the problem starts.
//!
//! This module owns byte-level checks only. It knows nothing about columns or rules and never
//! allocates per line: [`sniff`] searches the whole buffer once for NUL bytes (`memchr`) and
//! validates it once as UTF-8 (`simdutf8`, with `std::str::from_utf8` to locate a problem).
//! `stream` does the same checks record by record while the bytes are in cache, and calls
//! [`sniff`] to decide and name a problem.

use thiserror::Error;

/// The UTF-8 byte order mark Excel's "CSV UTF-8" writes.
pub const UTF8_BOM: &[u8] = b"\xEF\xBB\xBF";

/// A spreadsheet saved in its own format instead of as CSV, recognised by its first bytes (or, for
/// a file that is not text, by its name: `validation` adds that).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Spreadsheet {
    /// An Excel workbook (`.xlsx`, `.xlsm`): a ZIP holding `[Content_Types].xml` and `xl/`.
    Excel,
    /// An Excel 97–2003 workbook (`.xls`): an OLE compound file.
    Excel97,
    /// An OpenDocument spreadsheet (`.ods`: LibreOffice, OpenOffice).
    OpenDocument,
    /// A ZIP archive of another kind (a workbook the name may tell, or none).
    Zip,
}

impl Spreadsheet {
    /// What to call it: `an Excel workbook`.
    pub fn description(self) -> &'static str {
        match self {
            Self::Excel => "an Excel workbook",
            Self::Excel97 => "an Excel 97-2003 workbook (or another Office document)",
            Self::OpenDocument => "an OpenDocument spreadsheet",
            Self::Zip => "a ZIP archive",
        }
    }

    /// Recognises a spreadsheet (or an archive) by the file's first bytes.
    pub fn by_content(bytes: &[u8]) -> Option<Self> {
        const OLE: &[u8] = b"\xD0\xCF\x11\xE0\xA1\xB1\x1A\xE1";
        if bytes.starts_with(OLE) {
            return Some(Self::Excel97);
        }
        if !bytes.starts_with(b"PK\x03\x04") {
            return None;
        }
        // The first kilobytes name the first entries: ODF stores `mimetype` first, uncompressed.
        let head = &bytes[..bytes.len().min(4096)];
        let holds = |needle: &[u8]| memchr::memmem::find(head, needle).is_some();
        Some(if holds(b"application/vnd.oasis.opendocument.spreadsheet") {
            Self::OpenDocument
        } else if holds(b"[Content_Types].xml") || holds(b"xl/") {
            Self::Excel
        } else {
            Self::Zip
        })
    }

    /// Recognises a spreadsheet by its file name's extension.
    pub fn by_extension(name: &str) -> Option<Self> {
        let extension = name.rsplit_once('.').map(|(_, extension)| extension.to_ascii_lowercase())?;
        match extension.as_str() {
            "xlsx" | "xlsm" | "xlsb" | "xltx" => Some(Self::Excel),
            "xls" | "xlt" => Some(Self::Excel97),
            "ods" | "ots" => Some(Self::OpenDocument),
            _ => None,
        }
    }
}

/// Why a file's bytes are not usable text. Each variant names where the problem starts.
#[derive(Clone, Debug, PartialEq, Eq, Error)]
pub enum EncodingProblem {
    /// A spreadsheet in its own format (or an archive), not a CSV.
    #[error("the file is {}, not a CSV", .0.description())]
    Spreadsheet(Spreadsheet),
    /// A UTF-16 or UTF-32 file, recognised by its byte order mark or by its NUL pattern.
    #[error("the file is {encoding}, not UTF-8")]
    WideEncoding {
        /// `UTF-16 LE`, `UTF-16 BE`, `UTF-32 LE` or `UTF-32 BE`.
        encoding: &'static str,
        /// Whether a byte order mark announced it.
        with_bom: bool,
    },
    /// A NUL byte in what should be text.
    #[error("line {line} holds a NUL byte (0x00): the file is binary or corrupted")]
    NulByte {
        /// 1-based physical line of the first NUL.
        line: u64,
    },
    /// A byte sequence that is not UTF-8.
    #[error("line {line} holds bytes that are not UTF-8 ({bytes})")]
    NotUtf8 {
        /// 1-based physical line of the first invalid byte.
        line: u64,
        /// The offending bytes in hex, e.g. `0xEB`.
        bytes: String,
        /// The line as best it can be shown (invalid bytes replaced).
        excerpt: String,
        /// How many lines hold invalid bytes.
        lines_affected: u64,
        /// Whether every invalid byte is a lone byte in 0x80–0xFF, as Windows-1252 or Latin-1 text is.
        looks_like_windows_1252: bool,
    },
}

/// What sniffing found: where the text starts.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Sniffed {
    /// Whether a UTF-8 BOM was present (and skipped).
    pub had_bom: bool,
    /// Offset of the first byte after the BOM.
    pub text_start: usize,
}

/// Checks the encoding of a whole file: BOMs, wide encodings, NUL bytes, UTF-8 validity.
pub fn sniff(bytes: &[u8]) -> Result<Sniffed, EncodingProblem> {
    let sniffed = sniff_start(bytes)?;
    let text = &bytes[sniffed.text_start..];
    if let Some(offset) = memchr::memchr(0, text) {
        return Err(EncodingProblem::NulByte { line: line_of(text, offset) });
    }
    // `simdutf8` says yes or no several times faster than std; std says where, when it is no.
    if simdutf8::basic::from_utf8(text).is_err()
        && let Err(error) = std::str::from_utf8(text)
    {
        return Err(not_utf8(text, error));
    }
    Ok(sniffed)
}

/// The checks of [`sniff`] that look at the start of the file only (BOM, wide encodings), for a
/// reader that checks the rest record by record (`stream`) and calls [`sniff`] when in doubt.
pub fn sniff_start(bytes: &[u8]) -> Result<Sniffed, EncodingProblem> {
    if let Some(kind) = Spreadsheet::by_content(bytes) {
        return Err(EncodingProblem::Spreadsheet(kind));
    }
    if let Some(problem) = wide_encoding(bytes) {
        return Err(problem);
    }
    let had_bom = bytes.starts_with(UTF8_BOM);
    Ok(Sniffed { had_bom, text_start: if had_bom { UTF8_BOM.len() } else { 0 } })
}

/// Recognises UTF-32 and UTF-16 by their BOM, and UTF-16 without a BOM by its NUL pattern
/// (ASCII text in UTF-16 has a NUL in every other byte).
fn wide_encoding(bytes: &[u8]) -> Option<EncodingProblem> {
    let with_bom = |encoding| Some(EncodingProblem::WideEncoding { encoding, with_bom: true });
    if bytes.starts_with(b"\xFF\xFE\x00\x00") {
        return with_bom("UTF-32 LE");
    }
    if bytes.starts_with(b"\x00\x00\xFE\xFF") {
        return with_bom("UTF-32 BE");
    }
    if bytes.starts_with(b"\xFF\xFE") {
        return with_bom("UTF-16 LE");
    }
    if bytes.starts_with(b"\xFE\xFF") {
        return with_bom("UTF-16 BE");
    }
    let sample = &bytes[..bytes.len().min(512)];
    if sample.len() >= 4 {
        let pairs = sample.len() / 2;
        let even_nuls = sample.iter().step_by(2).filter(|&&byte| byte == 0).count();
        let odd_nuls = sample.iter().skip(1).step_by(2).filter(|&&byte| byte == 0).count();
        let without_bom = |encoding| Some(EncodingProblem::WideEncoding { encoding, with_bom: false });
        if odd_nuls * 10 >= pairs * 7 && even_nuls * 10 < pairs {
            return without_bom("UTF-16 LE");
        }
        if even_nuls * 10 >= pairs * 7 && odd_nuls * 10 < pairs {
            return without_bom("UTF-16 BE");
        }
    }
    None
}

fn not_utf8(text: &[u8], first: std::str::Utf8Error) -> EncodingProblem {
    let offset = first.valid_up_to();
    let length = first.error_len().unwrap_or(text.len() - offset).max(1);
    let bytes =
        text[offset..(offset + length).min(text.len())].iter().map(|byte| format!("0x{byte:02X}")).collect::<Vec<_>>();
    let line_start = text[..offset].iter().rposition(|&byte| byte == b'\n').map_or(0, |index| index + 1);
    let line_end = text[offset..].iter().position(|&byte| byte == b'\n').map_or(text.len(), |index| offset + index);
    let excerpt = String::from_utf8_lossy(&text[line_start..line_end]).trim_end_matches('\r').to_string();
    let (lines_affected, looks_like_windows_1252) = survey_invalid_lines(text);
    EncodingProblem::NotUtf8 {
        line: line_of(text, offset),
        bytes: bytes.join(" "),
        excerpt,
        lines_affected,
        looks_like_windows_1252,
    }
}

/// Counts the lines that hold invalid UTF-8 and tells whether every invalid sequence is a single
/// high byte (the signature of a single-byte code page).
fn survey_invalid_lines(text: &[u8]) -> (u64, bool) {
    let mut lines = 0;
    let mut single_high_bytes = true;
    for line in text.split(|&byte| byte == b'\n') {
        let mut rest = line;
        let mut invalid = false;
        while let Err(error) = std::str::from_utf8(rest) {
            invalid = true;
            let length = error.error_len().unwrap_or(rest.len() - error.valid_up_to());
            if length != 1 || rest[error.valid_up_to()] < 0x80 {
                single_high_bytes = false;
            }
            rest = &rest[(error.valid_up_to() + length.max(1)).min(rest.len())..];
        }
        lines += u64::from(invalid);
    }
    (lines, single_high_bytes)
}

/// The 1-based line that `offset` falls on.
pub fn line_of(text: &[u8], offset: usize) -> u64 {
    1 + count_newlines(&text[..offset.min(text.len())])
}

/// Counts `\n` bytes.
pub fn count_newlines(bytes: &[u8]) -> u64 {
    count_byte(bytes, b'\n')
}

/// Bytes counted with one `u8` counter before it is added to the total: at most 255, and a
/// multiple of the 64 bytes the compiler's vectorised loop takes at a time, so that no chunk ends
/// in a scalar remainder.
const COUNT_CHUNK: usize = 192;

/// Counts one byte value. Written in chunks of [`COUNT_CHUNK`] with a `u8` counter so that the
/// compiler vectorises it to one compare and one subtract per 16–64 bytes (a `u64` counter per
/// byte makes it widen every lane and run several times slower).
pub fn count_byte(bytes: &[u8], wanted: u8) -> u64 {
    if bytes.len() < 16 {
        // The line terminators and blank lines around each record: not worth the chunking.
        return bytes.iter().filter(|&&byte| byte == wanted).count() as u64;
    }
    bytes
        .chunks(COUNT_CHUNK)
        .map(|chunk| u64::from(chunk.iter().fold(0u8, |count, &byte| count.wrapping_add(u8::from(byte == wanted)))))
        .sum()
}

/// Counts two byte values in one pass (vectorised like [`count_byte`]): `(first, second)`.
pub fn count_two(bytes: &[u8], first: u8, second: u8) -> (u64, u64) {
    bytes.chunks(COUNT_CHUNK).fold((0, 0), |(total_first, total_second), chunk| {
        let (in_first, in_second) = chunk.iter().fold((0u8, 0u8), |(count_first, count_second), &byte| {
            (count_first.wrapping_add(u8::from(byte == first)), count_second.wrapping_add(u8::from(byte == second)))
        });
        (total_first + u64::from(in_first), total_second + u64::from(in_second))
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn spreadsheets_are_named_by_their_first_bytes_and_by_their_names() {
        let xlsx = b"PK\x03\x04\x14\x00\x06\x00\x08\x00\x00\x00!\x00[Content_Types].xml\x00\x00";
        assert_eq!(sniff(xlsx), Err(EncodingProblem::Spreadsheet(Spreadsheet::Excel)));
        let ods = b"PK\x03\x04\x0a\x00\x00\x00\x00\x00mimetypeapplication/vnd.oasis.opendocument.spreadsheetPK";
        assert_eq!(sniff(ods), Err(EncodingProblem::Spreadsheet(Spreadsheet::OpenDocument)));
        let xls = b"\xD0\xCF\x11\xE0\xA1\xB1\x1A\xE1\x00\x00\x00\x00";
        assert_eq!(sniff(xls), Err(EncodingProblem::Spreadsheet(Spreadsheet::Excel97)));
        assert_eq!(sniff(b"PK\x03\x04other.txt\x00"), Err(EncodingProblem::Spreadsheet(Spreadsheet::Zip)));
        assert!(sniff(b"PK,Email\nx,y@example.com\n").is_ok(), "a CSV may start with PK");
        assert_eq!(Spreadsheet::by_extension("Users.XLSX"), Some(Spreadsheet::Excel));
        assert_eq!(Spreadsheet::by_extension("old.xls"), Some(Spreadsheet::Excel97));
        assert_eq!(Spreadsheet::by_extension("a.ods"), Some(Spreadsheet::OpenDocument));
        assert_eq!(Spreadsheet::by_extension("users.csv"), None);
        assert_eq!(Spreadsheet::by_extension("xlsx"), None);
    }

    #[test]
    fn utf8_with_and_without_bom_is_accepted() {
        assert_eq!(sniff(b"Email\nzoe@example.com\n"), Ok(Sniffed { had_bom: false, text_start: 0 }));
        assert_eq!(sniff(b"\xEF\xBB\xBFEmail\n"), Ok(Sniffed { had_bom: true, text_start: 3 }));
        assert_eq!(sniff("Zoë\n".as_bytes()).map(|sniffed| sniffed.had_bom), Ok(false));
    }

    #[test]
    fn utf16_is_recognised_with_and_without_bom() {
        let utf16: Vec<u8> = "Email\r\na@b.com\r\n".encode_utf16().flat_map(u16::to_le_bytes).collect();
        let mut with_bom = vec![0xFF, 0xFE];
        with_bom.extend_from_slice(&utf16);
        assert_eq!(sniff(&with_bom), Err(EncodingProblem::WideEncoding { encoding: "UTF-16 LE", with_bom: true }));
        assert_eq!(sniff(&utf16), Err(EncodingProblem::WideEncoding { encoding: "UTF-16 LE", with_bom: false }));
        let big_endian: Vec<u8> = "Email\na@b.com\n".encode_utf16().flat_map(u16::to_be_bytes).collect();
        assert_eq!(sniff(&big_endian), Err(EncodingProblem::WideEncoding { encoding: "UTF-16 BE", with_bom: false }));
    }

    #[test]
    fn byte_counts_are_exact_across_chunk_edges() {
        let mut bytes = vec![b'a'; 1000];
        for index in [0, 254, 255, 256, 509, 510, 999] {
            bytes[index] = b'\n';
        }
        bytes[253] = b'\r';
        bytes[998] = b'\r';
        assert_eq!(count_byte(&bytes, b'\n'), 7);
        assert_eq!(count_byte(&[], b'x'), 0);
        bytes[600] = b'"';
        assert_eq!(count_two(&bytes, b'\n', b'"'), (7, 1));
    }

    #[test]
    fn nul_byte_names_its_line() {
        assert_eq!(sniff(b"Email\na@b.com\nx\x00y\n"), Err(EncodingProblem::NulByte { line: 3 }));
    }

    #[test]
    fn windows_1252_names_line_bytes_and_count() {
        let Err(EncodingProblem::NotUtf8 { line, bytes, excerpt, lines_affected, looks_like_windows_1252 }) =
            sniff(b"First Name\nZo\xEB\nAnna\nRen\xE9e\n")
        else {
            panic!("expected NotUtf8");
        };
        assert_eq!((line, bytes.as_str(), lines_affected, looks_like_windows_1252), (2, "0xEB", 2, true));
        assert_eq!(excerpt, "Zo\u{FFFD}");
    }

    #[test]
    fn truncated_utf8_at_end_of_file_is_reported() {
        let Err(EncodingProblem::NotUtf8 { line, bytes, .. }) = sniff(b"a\nZo\xC3") else {
            panic!("expected NotUtf8");
        };
        assert_eq!((line, bytes.as_str()), (2, "0xC3"));
    }
}
