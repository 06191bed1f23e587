//! `umapi-bulk template add|edit|remove|revoke [-o FILE]`: write the Admin Console's template CSV
//! for an operation, with a few sample rows (as the Console's own template has) that pass `check`,
//! `plan` and `apply --sim` for that operation. Owns the template texts; writes to stdout or the
//! `-o` file, as every CSV the tool writes (BOM, CRLF).

use anyhow::Context as _;

use crate::console_csv::Column;
use crate::exit_status::ExitStatus;
use crate::model::Operation;
use crate::printer::Printer;
use crate::report::csv_safe::ReportWriter;
use crate::settings::TemplateSettings;

// The sample rows name the demo org's domains, configurations, groups and (for edit and remove) its
// users, so that each template passes `check`, `plan` and `apply --sim` as it is: example.com is
// an Enterprise directory and fed.example.org a Federated one (samples/org.json).
const ADD_ROWS: &[&[&str]] = &[
    &[
        "Adobe ID",
        "jane.doe@example.net",
        "",
        "jane.doe@example.net",
        "Jane",
        "Doe",
        "US",
        "Creative Cloud All Apps - Default",
        "",
        "",
        "",
        "",
        "",
    ],
    &[
        "Enterprise ID",
        "john.smith@example.com",
        "example.com",
        "john.smith@example.com",
        "John",
        "Smith",
        "GB",
        "Acrobat Pro - Default, Photoshop - Default",
        "",
        "",
        "Designers",
        "",
        "",
    ],
    &[
        "Federated ID",
        "maria.garcia@fed.example.org",
        "fed.example.org",
        "maria.garcia@fed.example.org",
        "Maria",
        "Garcia",
        "ES",
        "",
        "Product Configuration",
        "Acrobat Pro - Default",
        "",
        "",
        "",
    ],
];

const EDIT_ROWS: &[&[&str]] = &[
    &[
        "Enterprise ID",
        "user01@example.com",
        "example.com",
        "user01@example.com",
        "Ada",
        "Lovelace",
        "GB",
        "Acrobat Pro - Default",
        "",
        "",
        "Designers, Contractors",
        "",
        "",
    ],
    &[
        "Federated ID",
        "fed01@fed.example.org",
        "fed.example.org",
        "fed01@fed.example.org",
        "Sophie",
        "Wilson",
        "GB",
        "",
        "User Group",
        "",
        "Finance",
        "Finance",
        "",
    ],
];

const REMOVE_ROWS: &[&[&str]] = &[
    &["Adobe ID", "adobe03@gmail.com", "", "adobe03@gmail.com", "", "", "", "", "", "", "", "", ""],
    &[
        "Enterprise ID",
        "user12@example.com",
        "example.com",
        "user12@example.com",
        "Frances",
        "Allen",
        "US",
        "",
        "",
        "",
        "",
        "",
        "",
    ],
];

const REVOKE_ROWS: &[&[&str]] =
    &[&["jane.doe@example.net", "2026-11-02 10:15:00", "admin@example.com", "Alex", "Admin", ""]];

/// The template for an operation: the Console's header and sample rows, as every CSV the tool
/// writes (UTF-8 with a BOM, CRLF line ends).
pub fn template(operation: Operation) -> anyhow::Result<Vec<u8>> {
    let (columns, rows): (&[Column], &[&[&str]]) = match operation {
        Operation::Add => (&Column::USER, ADD_ROWS),
        Operation::Edit => (&Column::USER, EDIT_ROWS),
        Operation::Remove => (&Column::USER, REMOVE_ROWS),
        Operation::Revoke => (&Column::INVITATION, REVOKE_ROWS),
    };
    let mut writer = ReportWriter::new(Vec::new()).context("cannot write the template")?;
    writer.row(columns.iter().map(|column| column.name())).context("cannot write the template")?;
    for row in rows {
        writer.row(row.iter()).context("cannot write the template")?;
    }
    writer.finish().context("cannot write the template")
}

/// Runs `template`.
pub fn run(printer: &Printer, settings: TemplateSettings) -> anyhow::Result<ExitStatus> {
    let operation = settings.operation;
    let bytes = template(operation)?;
    match &settings.output {
        Some(path) => {
            fs_err::write(path, &bytes).context("cannot write the template")?;
            printer.info(&format!(
                "wrote the {} template to {} (replace the sample rows with yours)",
                operation.console_name(),
                path.display()
            ));
        }
        None => printer.data_bytes(&bytes)?,
    }
    Ok(ExitStatus::Success)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::validation::{CheckOptions, check_bytes};

    #[test]
    fn every_template_passes_check_for_its_operation() {
        for operation in [Operation::Add, Operation::Edit, Operation::Remove, Operation::Revoke] {
            let bytes = template(operation).unwrap_or_default();
            assert!(bytes.starts_with(b"\xEF\xBB\xBF"), "{operation}: no BOM");
            let text = String::from_utf8_lossy(&bytes[3..]).to_string();
            assert!(text.ends_with("\r\n") && !text.replace("\r\n", "").contains('\n'), "{operation}: not CRLF");
            let claimed_domains = vec!["example.com".into(), "fed.example.org".into()];
            let options = CheckOptions { operation, claimed_domains };
            let checked = check_bytes("template.csv", &bytes, &options);
            assert!(checked.diagnostics.is_empty(), "{operation}: {:#?}", checked.diagnostics);
            assert!(!checked.records.is_empty());
        }
    }
}
