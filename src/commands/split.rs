//! `umapi-bulk split FILE [--rows 5000] [--max-bytes 10485760] [--out-dir DIR]`: cut a large file
//! into parts the Console accepts (SPEC 3). Parts are `<stem>-part001.csv`, … beside the file or
//! in `--out-dir`; each repeats the header, holds whole records only and respects both caps.
//! Owns the command's options and messages; the splitting is `console_csv::splitter`'s.

use anyhow::Context as _;

use crate::Context;
use crate::cli::SplitArgs;
use crate::console_csv::{SplitError, SplitOptions, split_file};
use crate::exit_status::ExitStatus;
use crate::printer::with_hint;
use crate::validation::{MAX_BYTES, MAX_ROWS};

/// Runs `split`.
pub fn run(context: &Context, args: SplitArgs) -> anyhow::Result<ExitStatus> {
    let printer = &context.printer;
    let out_dir = match &args.out_dir {
        Some(dir) => dir.clone(),
        None => args.file.parent().map(std::path::Path::to_path_buf).unwrap_or_default(),
    };
    if !out_dir.as_os_str().is_empty() {
        fs_err::create_dir_all(&out_dir).context("cannot create the output directory")?;
    }
    if args.rows > MAX_ROWS || args.max_bytes > MAX_BYTES {
        printer
            .warn(&format!("parts may exceed the Admin Console's caps ({MAX_ROWS} rows, {MAX_BYTES} bytes per file)"));
    }
    let options = SplitOptions { rows: args.rows, max_bytes: args.max_bytes, out_dir };
    let parts = split_file(&args.file, &options).map_err(|error| {
        let hint = match &error {
            SplitError::PartExists(_) => Some("delete the earlier parts, or choose another --out-dir"),
            SplitError::RecordTooLarge { .. } => Some("raise --max-bytes, or shorten that row"),
            SplitError::Encoding(_) => Some("in Excel, use File > Save As > \"CSV UTF-8 (Comma delimited) (*.csv)\""),
            _ => None,
        };
        let error = anyhow::Error::new(error).context(format!("cannot split {}", args.file.display()));
        match hint {
            Some(hint) => with_hint(error, hint),
            None => error,
        }
    })?;
    for part in &parts {
        printer.info(&format!("wrote {} ({} rows, {} bytes)", part.path.display(), part.rows, part.bytes));
    }
    let rows: usize = parts.iter().map(|part| part.rows).sum();
    if parts.len() == 1 {
        printer.info(&format!("{rows} rows fit in one part; the file was already within the caps"));
    } else {
        printer.info(&format!(
            "split {rows} rows into {} parts; check each with `umapi-bulk check PART --op OP`",
            parts.len()
        ));
    }
    Ok(ExitStatus::Success)
}
