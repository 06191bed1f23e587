//! `umapi-bulk split FILE [--rows 5000] [--max-bytes 10485760] [--out-dir DIR]`: cut a large file
//! into parts the Console accepts (SPEC 3). Parts are `<stem>-part001.csv`, … beside the file or
//! in `--out-dir`; each repeats the header, holds whole records only and respects both caps.
//! Owns the command's options and messages; the splitting is `console_csv::splitter`'s.

use anyhow::Context as _;

use crate::console_csv::{SplitError, split_file};
use crate::exit_status::ExitStatus;
use crate::hint::with_optional_hint;
use crate::printer::Printer;
use crate::settings::SplitSettings;
use crate::text::plural;
use crate::validation::{MAX_BYTES, MAX_ROWS};

/// Runs `split`.
pub fn run(printer: &Printer, settings: SplitSettings) -> anyhow::Result<ExitStatus> {
    let SplitSettings { file, options } = settings;
    if !options.out_dir.as_os_str().is_empty() {
        fs_err::create_dir_all(&options.out_dir).context("cannot create the output directory")?;
    }
    if options.rows > MAX_ROWS || options.max_bytes > MAX_BYTES {
        printer
            .warn(&format!("parts may exceed the Admin Console's caps ({MAX_ROWS} rows, {MAX_BYTES} bytes per file)"));
    }
    let parts = split_file(&file, &options).map_err(|error| {
        let hint = match &error {
            SplitError::PartExists(_) => Some("delete the earlier parts, or choose another --out-dir"),
            SplitError::RecordTooLarge { .. } => Some("raise --max-bytes, or shorten that row"),
            SplitError::Encoding(_) => Some("in Excel, use File > Save As > \"CSV UTF-8 (Comma delimited) (*.csv)\""),
            _ => None,
        };
        let error = anyhow::Error::new(error).context(format!("cannot split {}", file.display()));
        with_optional_hint(error, hint.map(str::to_string))
    })?;
    for part in &parts {
        printer.info(&format!(
            "wrote {} ({}, {} bytes)",
            part.path.display(),
            plural(part.rows, "row", "rows"),
            part.bytes
        ));
    }
    let rows: usize = parts.iter().map(|part| part.rows).sum();
    if parts.len() == 1 {
        printer.info(&format!("{} fit in one part; the file was already within the caps", plural(rows, "row", "rows")));
    } else {
        printer.info(&format!(
            "split {} into {} parts; check each with `umapi-bulk check PART --op OP`",
            plural(rows, "row", "rows"),
            parts.len()
        ));
    }
    Ok(ExitStatus::Success)
}
