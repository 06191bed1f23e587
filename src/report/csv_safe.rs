//! CSV files an administrator opens in Excel: UTF-8 with a BOM (so Excel reads accents right),
//! CRLF line ends, the input's field separator (`;` where Excel's list separator is `;`, SPEC 9),
//! and every cell that Excel would treat as a formula neutralised (SPEC 5: cells starting with
//! `=`, `+`, `-`, `@`, tab or carriage return get a leading `'`). A report file is written under a
//! temporary name and renamed into place when complete ([`create`], [`ReportWriter::commit`]): a
//! full disk or a killed process never leaves a truncated report.

use std::io::Write;
use std::path::Path;

use crate::atomic_file::AtomicFile;

/// The UTF-8 byte-order mark Excel needs to detect UTF-8.
pub const UTF8_BOM: &[u8] = b"\xEF\xBB\xBF";

/// A cell made safe for spreadsheets: a leading `=`, `+`, `-`, `@`, tab or CR gets a `'` prefix.
pub fn neutralise(cell: &str) -> std::borrow::Cow<'_, str> {
    match cell.chars().next() {
        Some('=' | '+' | '-' | '@' | '\t' | '\r') => std::borrow::Cow::Owned(format!("'{cell}")),
        _ => std::borrow::Cow::Borrowed(cell),
    }
}

/// A CSV writer for reports: BOM, CRLF, every cell neutralised, ragged rows allowed (deficit.csv
/// holds two tables separated by an empty line).
pub struct ReportWriter<W: Write> {
    inner: Option<csv::Writer<W>>,
    delimiter: u8,
}

fn csv_writer<W: Write>(sink: W, delimiter: u8) -> csv::Writer<W> {
    csv::WriterBuilder::new().terminator(csv::Terminator::CRLF).delimiter(delimiter).flexible(true).from_writer(sink)
}

fn closed() -> csv::Error {
    csv::Error::from(std::io::Error::other("report writer already finished"))
}

impl<W: Write> ReportWriter<W> {
    /// Wraps a sink and writes the BOM; fields are separated by commas.
    pub fn new(sink: W) -> std::io::Result<Self> {
        Self::with_delimiter(sink, b',')
    }

    /// Wraps a sink and writes the BOM; fields are separated by `delimiter` (`,` or `;`).
    pub fn with_delimiter(mut sink: W, delimiter: u8) -> std::io::Result<Self> {
        sink.write_all(UTF8_BOM)?;
        Ok(Self { inner: Some(csv_writer(sink, delimiter)), delimiter })
    }

    /// Writes one row, neutralising every cell.
    pub fn row<I, S>(&mut self, cells: I) -> csv::Result<()>
    where
        I: IntoIterator<Item = S>,
        S: AsRef<str>,
    {
        let safe: Vec<String> = cells.into_iter().map(|cell| neutralise(cell.as_ref()).into_owned()).collect();
        self.inner.as_mut().ok_or_else(closed)?.write_record(&safe)
    }

    /// Writes an empty line (between tables). The csv crate writes an empty record as `""`, so the
    /// line break goes straight to the sink.
    pub fn blank(&mut self) -> csv::Result<()> {
        let writer = self.inner.take().ok_or_else(closed)?;
        let mut sink =
            writer.into_inner().map_err(|error| csv::Error::from(std::io::Error::other(error.to_string())))?;
        sink.write_all(b"\r\n")?;
        self.inner = Some(csv_writer(sink, self.delimiter));
        Ok(())
    }

    /// Flushes and returns the sink.
    pub fn finish(mut self) -> std::io::Result<W> {
        let writer = self.inner.take().ok_or_else(|| std::io::Error::other("report writer already finished"))?;
        writer.into_inner().map_err(|error| std::io::Error::other(error.to_string()))
    }
}

/// Starts the report `path`, fields separated by `delimiter`: written under a temporary name;
/// [`ReportWriter::commit`] puts it in place (replacing an earlier version). Dropped without a
/// commit, nothing changes at `path`.
pub fn create(path: &Path, delimiter: u8) -> std::io::Result<ReportWriter<std::io::BufWriter<AtomicFile>>> {
    ReportWriter::with_delimiter(std::io::BufWriter::new(AtomicFile::create(path)?), delimiter)
}

impl ReportWriter<std::io::BufWriter<AtomicFile>> {
    /// Flushes the report to disk and renames it into place.
    pub fn commit(self) -> std::io::Result<()> {
        let buffered = self.finish()?;
        buffered.into_inner().map_err(std::io::IntoInnerError::into_error)?.commit()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn formula_cells_are_neutralised_and_others_untouched() {
        for dangerous in ["=SUM(A1)", "+1", "-2", "@cmd", "\tx", "\rx"] {
            assert_eq!(neutralise(dangerous), format!("'{dangerous}"));
        }
        for plain in ["Zoë", "a=b", "", "user@example.com"] {
            assert_eq!(neutralise(plain), plain);
        }
    }

    #[test]
    fn report_files_have_bom_crlf_and_quote_commas() {
        let mut writer = ReportWriter::new(Vec::new()).unwrap_or_else(|error| panic!("{error}"));
        writer.row(["Name", "Groups"]).unwrap_or_else(|error| panic!("{error}"));
        writer.row(["=HYPERLINK()", "A, B"]).unwrap_or_else(|error| panic!("{error}"));
        writer.blank().unwrap_or_else(|error| panic!("{error}"));
        writer.row(["x"]).unwrap_or_else(|error| panic!("{error}"));
        let bytes = writer.finish().unwrap_or_default();
        assert!(bytes.starts_with(UTF8_BOM));
        let text = String::from_utf8_lossy(&bytes[3..]).to_string();
        assert_eq!(text, "Name,Groups\r\n'=HYPERLINK(),\"A, B\"\r\n\r\nx\r\n");
    }

    #[test]
    fn a_semicolon_report_quotes_semicolons_and_keeps_commas_in_cells() {
        let mut writer = ReportWriter::with_delimiter(Vec::new(), b';').unwrap_or_else(|error| panic!("{error}"));
        writer.row(["Name", "Groups"]).unwrap_or_else(|error| panic!("{error}"));
        writer.row(["a;b", "A, B"]).unwrap_or_else(|error| panic!("{error}"));
        writer.blank().unwrap_or_else(|error| panic!("{error}"));
        writer.row(["x", "y"]).unwrap_or_else(|error| panic!("{error}"));
        let bytes = writer.finish().unwrap_or_default();
        let text = String::from_utf8_lossy(&bytes[3..]).to_string();
        assert_eq!(text, "Name;Groups\r\n\"a;b\";A, B\r\n\r\nx;y\r\n");
    }
}
