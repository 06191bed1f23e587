//! Field separator detection from the header row (SPEC 2.3): the Console accepts `,` and `;`
//! (Excel writes `;` in locales whose decimal mark is a comma), and Excel's `sep=X` first line
//! names the separator explicitly. Tabs are recognised only to refuse them with a clear message.
//!
//! Owns the choice of delimiter only; parsing records is `reader`'s job.

/// What the first line(s) say about the separator.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Detected {
    /// The separator byte: `,` or `;` (or `\t`, which the reader refuses).
    pub delimiter: u8,
    /// Length in bytes of an Excel `sep=X` line (terminator included) to skip; 0 when absent.
    pub separator_line_length: usize,
}

/// Detects the separator from the header row: the one of `,` and `;` that occurs more often outside
/// quotes wins (comma on a tie, and for single-column files); a header with neither but with tabs
/// is reported as tab-separated.
pub fn detect(text: &[u8]) -> Detected {
    if let Some(detected) = separator_line(text) {
        return detected;
    }
    let (mut commas, mut semicolons, mut tabs) = (0usize, 0usize, 0usize);
    let mut in_quotes = false;
    for &byte in text {
        match byte {
            b'"' => in_quotes = !in_quotes,
            b'\n' | b'\r' if !in_quotes && commas + semicolons + tabs > 0 => break,
            b',' if !in_quotes => commas += 1,
            b';' if !in_quotes => semicolons += 1,
            b'\t' if !in_quotes => tabs += 1,
            _ => {}
        }
    }
    let delimiter = if semicolons > commas {
        b';'
    } else if commas == 0 && tabs > 0 {
        b'\t'
    } else {
        b','
    };
    Detected { delimiter, separator_line_length: 0 }
}

/// Excel's `sep=;` (or `sep=,`) first line.
fn separator_line(text: &[u8]) -> Option<Detected> {
    let line_end = text.iter().position(|&byte| byte == b'\n').unwrap_or(text.len());
    let line = text[..line_end].strip_suffix(b"\r").unwrap_or(&text[..line_end]);
    let rest = line.strip_prefix(b"sep=").or_else(|| line.strip_prefix(b"SEP="))?;
    match rest {
        [delimiter @ (b',' | b';' | b'\t')] => {
            Some(Detected { delimiter: *delimiter, separator_line_length: (line_end + 1).min(text.len()) })
        }
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn comma_semicolon_and_tab_headers_are_told_apart() {
        assert_eq!(detect(b"Identity Type,Username,Email\n").delimiter, b',');
        assert_eq!(detect(b"Identity Type;Username;Email\r\n").delimiter, b';');
        assert_eq!(detect(b"Identity Type\tUsername\tEmail\n").delimiter, b'\t');
        assert_eq!(detect(b"Email\na@b.com\n").delimiter, b',');
    }

    #[test]
    fn separators_inside_quotes_do_not_count() {
        assert_eq!(detect(b"\"a;b;c\",d\n").delimiter, b',');
        assert_eq!(detect(b"\"a,b,c\";d;e\n").delimiter, b';');
    }

    #[test]
    fn excel_sep_line_names_the_separator() {
        assert_eq!(detect(b"sep=;\r\nEmail;Result\r\n"), Detected { delimiter: b';', separator_line_length: 7 });
        assert_eq!(detect(b"sep=|\nEmail\n").separator_line_length, 0);
    }
}
