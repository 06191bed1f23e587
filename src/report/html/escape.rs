//! HTML escaping for every value the pages show: text, attribute values (always double-quoted by
//! our templates) and SVG `<text>`/`<title>` inside the HTML document, which the HTML parser reads
//! the same way. A cell like `<script>alert(1)</script>` or `"><img src=x onerror=…>` comes out as
//! text. Control characters other than tab, line feed and carriage return become U+FFFD so that no
//! value can make the document ill-formed. Also the percent-encoding of folder names in links.

use std::borrow::Cow;

use percent_encoding::{AsciiSet, CONTROLS, utf8_percent_encode};

/// Escapes `text` for HTML text and double- or single-quoted attribute values.
pub fn escape(text: &str) -> Cow<'_, str> {
    if !text.chars().any(needs_escape) {
        return Cow::Borrowed(text);
    }
    let mut escaped = String::with_capacity(text.len() + 16);
    for character in text.chars() {
        match character {
            '&' => escaped.push_str("&amp;"),
            '<' => escaped.push_str("&lt;"),
            '>' => escaped.push_str("&gt;"),
            '"' => escaped.push_str("&quot;"),
            '\'' => escaped.push_str("&#39;"),
            character if is_bad_control(character) => escaped.push('\u{FFFD}'),
            character => escaped.push(character),
        }
    }
    Cow::Owned(escaped)
}

fn needs_escape(character: char) -> bool {
    matches!(character, '&' | '<' | '>' | '"' | '\'') || is_bad_control(character)
}

fn is_bad_control(character: char) -> bool {
    (character.is_control() && !matches!(character, '\t' | '\n' | '\r')) || is_noncharacter(character)
}

fn is_noncharacter(character: char) -> bool {
    let code = character as u32;
    (0xFDD0..=0xFDEF).contains(&code) || (code & 0xFFFE) == 0xFFFE
}

/// What a path segment of a relative link must percent-encode: controls, space and the characters
/// that would end the segment or start a query or fragment.
const SEGMENT: &AsciiSet =
    &CONTROLS.add(b' ').add(b'"').add(b'#').add(b'%').add(b'/').add(b'<').add(b'>').add(b'?').add(b'\\').add(b'`');

/// A relative link to `file` inside the folder `folder` (`20261124T105154Z-add-x/report.html`),
/// percent-encoded and then HTML-escaped for an attribute.
pub fn folder_link(folder: &str, file: &str) -> String {
    let folder = utf8_percent_encode(folder, SEGMENT).to_string();
    let file = utf8_percent_encode(file, SEGMENT).to_string();
    escape(&format!("{folder}/{file}")).into_owned()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn markup_in_values_becomes_text() {
        assert_eq!(escape("<script>alert(1)</script>"), "&lt;script&gt;alert(1)&lt;/script&gt;");
        assert_eq!(escape("\"><img src=x onerror=alert(1)>"), "&quot;&gt;&lt;img src=x onerror=alert(1)&gt;");
        assert_eq!(escape("O'Brien & Co"), "O&#39;Brien &amp; Co");
        assert_eq!(escape("Zoë Martin, 日本"), "Zoë Martin, 日本");
        assert!(matches!(escape("plain text"), Cow::Borrowed(_)));
    }

    #[test]
    fn control_characters_cannot_break_the_document() {
        assert_eq!(escape("a\u{0}b\u{1b}[2Jc\td\ne"), "a\u{FFFD}b\u{FFFD}[2Jc\td\ne");
        assert_eq!(escape("x\u{FFFF}y"), "x\u{FFFD}y");
    }

    #[test]
    fn folder_links_are_encoded_then_escaped() {
        assert_eq!(
            folder_link("20261124T105154Z-add-bulk-add", "report.html"),
            "20261124T105154Z-add-bulk-add/report.html"
        );
        assert_eq!(folder_link("a b#c?d\"e", "report.html"), "a%20b%23c%3Fd%22e/report.html");
        assert_eq!(folder_link("x&y'z", "report.html"), "x&amp;y&#39;z/report.html");
    }
}
