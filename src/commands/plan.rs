//! `umapi-bulk plan`: validate, check every name against the org's catalogue, and show what would be
//! sent — per user the steps (a `+`/`-` diff for edit), the totals, the licence forecast and the
//! estimated duration under the rate limits (SPEC 3, 8). Sends no action request. `--json` prints
//! the exact request bodies; `-o plan.json` saves the plan for `apply --plan`.

use anyhow::Context as _;

use super::{Org, end_session, pace, print_issues, progress, readable, validate, watch_interrupts};
use crate::exit_status::ExitStatus;
use crate::hint::with_hint;
use crate::org;
use crate::plan;
use crate::plan::assemble::{self, DocumentContext};
use crate::plan::document::{PlanDocument, RowFate, SavedOptions};
use crate::printer::Printer;
use crate::settings::PlanSettings;
use crate::umapi::CancelToken;

/// Runs `plan`.
pub async fn run(printer: &Printer, settings: PlanSettings) -> anyhow::Result<ExitStatus> {
    readable(&settings.file)?;
    let org = Org::connect(printer, &settings.target).await?;
    let result = async {
        let checked = validate(printer, &org.config, &settings.file, settings.operation)?;
        let progress = progress(printer);
        let client = org.client(&progress)?;
        let cancel = CancelToken::new();
        watch_interrupts(cancel.clone(), progress.clone())?;
        progress.start_phase("reading the org");
        let lookups =
            if org::reads::reads_users(settings.operation) { assemble::lookups(&checked) } else { Vec::new() };
        // The reads are plan's last requests: the session ends after them, on every path.
        let snapshot = org::reads::read(&client, &lookups, true, &cancel).await;
        progress.finish_phase();
        end_session(printer, &client, &cancel).await;
        drop(progress);
        let snapshot = snapshot.map_err(|error| error.into_anyhow())?;
        let plan =
            assemble::plan_rows(&checked, settings.operation, &settings.planning, &snapshot).map_err(|error| {
                with_hint(error, "review the removals; raise the guard with --max-removals N if the plan is right")
            })?;
        print_issues(printer, &plan.issues);
        let document_context = DocumentContext {
            file: &settings.file.display().to_string(),
            org_id: &org.config.org_id,
            simulator: org.is_simulator(),
            options: SavedOptions { planning: settings.planning.clone(), skip_invalid: false },
        };
        let document = assemble::document(&checked, &plan, &snapshot, settings.operation, document_context);
        if settings.json {
            printer.data(&(plan::render::json(&document).context("cannot serialise the plan")? + "\n"))?;
        } else {
            printer.data(&plan::render::human(&document, &pace(&org.config), snapshot.requests))?;
        }
        let warnings = plan::licences::warnings(&plan.licences);
        for warning in &warnings {
            printer.warn(warning);
        }
        if let Some(path) = &settings.output {
            save(printer, path, &document)?;
        }
        if !warnings.is_empty() && settings.stop_on_deficit {
            anyhow::bail!("some rows would end without a licence (--on-deficit stop)");
        }
        let invalid = document.rows.iter().any(|row| matches!(row.fate, RowFate::Invalid { .. }));
        Ok(if invalid { ExitStatus::RowsFailed } else { ExitStatus::Success })
    }
    .await;
    org.shutdown(printer).await;
    result
}

fn save(printer: &Printer, path: &std::path::Path, document: &PlanDocument) -> anyhow::Result<()> {
    plan::file::write(path, document).context("cannot save the plan")?;
    printer.info(&format!(
        "saved the plan to {}; send exactly these requests with `umapi-bulk apply --plan {}`",
        path.display(),
        path.display()
    ));
    Ok(())
}
