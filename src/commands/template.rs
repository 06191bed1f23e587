//! `umapi-bulk template add|edit|remove|revoke [-o FILE]`: write the Admin Console's template CSV
//! for an operation, with a few sample rows (as the Console's own template has) that pass
//! `check` for that operation. Owns the template texts; writes to stdout or the `-o` file.

use anyhow::Context as _;

use crate::console_csv::Column;
use crate::exit_status::ExitStatus;
use crate::model::Operation;
use crate::printer::Printer;
use crate::settings::TemplateSettings;

const ADD_ROWS: &str = "\
Adobe ID,jane.doe@example.net,,jane.doe@example.net,Jane,Doe,US,Creative Cloud All Apps - Default,,,,,
Enterprise ID,john.smith@example.com,example.com,john.smith@example.com,John,Smith,GB,\"Acrobat Pro - Default, Photoshop - Default\",,,Designers,,
Federated ID,maria.garcia@example.com,example.com,maria.garcia@example.com,Maria,Garcia,ES,,Product Configuration,Acrobat Pro - Default,,,
";

const EDIT_ROWS: &str = "\
Enterprise ID,john.smith@example.com,example.com,john.smith@example.com,John,Smith,GB,Acrobat Pro - Default,,,\"Designers, Contractors\",,
Federated ID,maria.garcia@example.com,example.com,maria.garcia@example.com,Maria,Garcia,ES,,User Group,,Finance,Finance,
";

const REMOVE_ROWS: &str = "\
Adobe ID,jane.doe@example.net,,jane.doe@example.net,Jane,Doe,US,,,,,,
Enterprise ID,john.smith@example.com,example.com,john.smith@example.com,John,Smith,GB,,,,,,
";

const REVOKE_ROWS: &str = "\
jane.doe@example.net,2026-11-02 10:15:00,admin@example.com,Alex,Admin,
";

/// The template text for an operation: the Console's header and sample rows.
pub fn template(operation: Operation) -> String {
    let (columns, rows): (&[Column], &str) = match operation {
        Operation::Add => (&Column::USER, ADD_ROWS),
        Operation::Edit => (&Column::USER, EDIT_ROWS),
        Operation::Remove => (&Column::USER, REMOVE_ROWS),
        Operation::Revoke => (&Column::INVITATION, REVOKE_ROWS),
    };
    let mut text = columns.iter().map(|column| column.name()).collect::<Vec<_>>().join(",");
    text.push('\n');
    text.push_str(rows);
    text
}

/// Runs `template`.
pub fn run(printer: &Printer, settings: TemplateSettings) -> anyhow::Result<ExitStatus> {
    let operation = settings.operation;
    let text = template(operation);
    match &settings.output {
        Some(path) => {
            fs_err::write(path, &text).context("cannot write the template")?;
            printer.info(&format!(
                "wrote the {} template to {} (replace the sample rows with yours)",
                operation.console_name(),
                path.display()
            ));
        }
        None => printer.data(&text)?,
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
            let text = template(operation);
            let options = CheckOptions { operation, claimed_domains: vec!["example.com".into()] };
            let checked = check_bytes("template.csv", text.as_bytes(), &options);
            assert!(checked.diagnostics.is_empty(), "{operation}: {:#?}", checked.diagnostics);
            assert!(!checked.records.is_empty());
        }
    }
}
