//! `umapi-bulk plan`: validate, check every name against the org's catalogue, and show what would be
//! sent — per user the steps (a `+`/`-` diff for edit), the totals, the licence forecast and the
//! estimated duration under the rate limits (SPEC 3, 8). Sends no action request. `--json` prints
//! the exact request bodies; `-o plan.json` saves the plan for `apply --plan`.

use std::sync::Arc;
use std::time::Duration;

use anyhow::Context as _;
use serde_json::json;

use crate::Context;
use crate::cli::{OnDeficit, PlanArgs};
use crate::commands::apply::plural;
use crate::commands::org_reads;
use crate::commands::prepare::{self, DocumentContext};
use crate::commands::target;
use crate::execute::CancelToken;
use crate::exit_status::{ExitStatus, Failure};
use crate::model::Operation;
use crate::plan::document::{PlanDocument, RowFate, SavedOptions};
use crate::plan::estimate::family_duration;
use crate::plan::licences::LicenceForecast;
use crate::plan::{PlanIssue, PlanOptions};
use crate::printer::with_hint;
use crate::progress::Progress;
use crate::settings::{Limits, format_duration};
use crate::validation::render::terminal_safe;

/// Typical answer time of one UMAPI request, for estimates.
const TYPICAL_LATENCY: Duration = Duration::from_millis(700);

/// Runs `plan`.
pub fn run(context: &Context, args: PlanArgs) -> anyhow::Result<ExitStatus> {
    target::runtime()?.block_on(plan(context, args))
}

async fn plan(context: &Context, args: PlanArgs) -> anyhow::Result<ExitStatus> {
    let operation = Operation::from(args.op);
    let target = target::connect(context, &args.target).await?;
    let result = plan_on(context, &args, operation, &target).await;
    target.shutdown().await;
    result
}

async fn plan_on(
    context: &Context,
    args: &PlanArgs,
    operation: Operation,
    target: &target::Target,
) -> anyhow::Result<ExitStatus> {
    let checked = crate::commands::apply::check(context, target, &args.file, operation, true)?;
    let progress = Arc::new(Progress::new(&context.printer));
    let client = target.client(progress.clone())?;
    let cancel = CancelToken::new();
    progress.start_phase("reading the org");
    let lookups = if org_reads::reads_users(operation) { prepare::lookups(&checked) } else { Vec::new() };
    let snapshot = org_reads::read(&client, &lookups, &cancel).await.map_err(|error| error.into_anyhow())?;
    progress.finish_phase();
    drop(progress);
    let options = PlanOptions {
        operation,
        update_existing: args.planning.update_existing,
        additive: args.planning.additive,
        max_removals: args.planning.max_removals,
        delete_accounts: args.planning.delete_accounts,
    };
    let plan = prepare::plan_rows(&checked, &options, &snapshot).map_err(|error| {
        let hint = "review the removals; raise the guard with --max-removals N if the plan is right";
        Failure::new(ExitStatus::InvalidInput, with_hint(anyhow::Error::new(error), hint))
    })?;
    if !plan.issues.is_empty() {
        eprint!("{}", render_issues(&plan.issues, context.printer.color()));
    }
    let file = args.file.display().to_string();
    let document_context = DocumentContext {
        file: &file,
        org_id: &target.config.org_id,
        simulator: target.is_simulator(),
        options: SavedOptions {
            update_existing: options.update_existing,
            additive: options.additive,
            max_removals: options.max_removals,
            delete_accounts: options.delete_accounts,
            skip_invalid: false,
        },
    };
    let document = prepare::document(&checked, &plan, &snapshot, operation, document_context);
    if args.json {
        context.printer.data(&(json_plan(&document)? + "\n"))?;
    } else {
        context.printer.data(&human_plan(&document, &target.config.limits, snapshot.requests))?;
    }
    let warnings = licence_warnings(&plan.licences);
    for warning in &warnings {
        context.printer.warn(warning);
    }
    if let Some(path) = &args.output {
        let text = serde_json::to_string_pretty(&document).context("cannot serialise the plan")?;
        fs_err::write(path, text + "\n").context("cannot save the plan")?;
        context.printer.info(&format!(
            "saved the plan to {}; send exactly these requests with `umapi-bulk apply --plan {}`",
            path.display(),
            path.display()
        ));
    }
    let invalid = document.rows.iter().any(|row| matches!(row.fate, RowFate::Invalid { .. }));
    if !warnings.is_empty() && args.planning.on_deficit == OnDeficit::Stop {
        return Err(Failure::new(
            ExitStatus::InvalidInput,
            anyhow::anyhow!("some rows would end without a licence (--on-deficit stop)"),
        ));
    }
    Ok(if invalid { ExitStatus::RowsFailed } else { ExitStatus::Success })
}

/// Plan-time issues in the same compiler style as `check`'s diagnostics.
pub(crate) fn render_issues(issues: &[PlanIssue], color: bool) -> String {
    issues
        .iter()
        .map(|issue| {
            let label = format!("error[{}]", issue.code);
            let label = if color { format!("\x1b[31;1m{label}\x1b[0m") } else { label };
            let mut text = format!(
                "{label}: line {}, column \"{}\": {}\n",
                issue.line,
                terminal_safe(&issue.column),
                terminal_safe(&issue.message)
            );
            if let Some(hint) = &issue.hint {
                text.push_str(&format!("  = hint: {}\n", terminal_safe(hint)));
            }
            text
        })
        .collect()
}

/// One warning per product configuration that would run out of licences.
pub(crate) fn licence_warnings(licences: &[LicenceForecast]) -> Vec<String> {
    licences
        .iter()
        .filter(|forecast| forecast.deficit() > 0)
        .map(|forecast| {
            let lines: Vec<String> = forecast.short.iter().take(10).map(|(line, _)| line.to_string()).collect();
            let more = if forecast.short.len() > 10 {
                format!(" and {} more", forecast.short.len() - 10)
            } else {
                String::new()
            };
            format!(
                "\"{}\": {} free licences for {} joins; {} rows would end without a licence (lines {}{more})",
                forecast.configuration,
                forecast.free,
                forecast.needed,
                forecast.deficit(),
                lines.join(", ")
            )
        })
        .collect()
}

fn json_plan(document: &PlanDocument) -> anyhow::Result<String> {
    let requests: Vec<serde_json::Value> = document
        .batches
        .iter()
        .map(|batch| {
            json!({
                "id": batch.id,
                "after": batch.after,
                "lines": batch.sources.iter().map(|source| source.line).collect::<Vec<_>>(),
                "method": "POST",
                "path": format!("/action/{}", document.org_id),
                "body": batch.commands,
            })
        })
        .collect();
    let value = json!({
        "operation": document.operation,
        "file": document.file,
        "org_id": document.org_id,
        "rows": document.rows.iter().map(|row| json!({"line": row.line, "user": row.user, "fate": row.fate})).collect::<Vec<_>>(),
        "requests": requests,
        "licences": document.licences,
        "fingerprint": document.fingerprint.sha256,
    });
    serde_json::to_string_pretty(&value).context("cannot serialise the plan")
}

fn human_plan(document: &PlanDocument, limits: &Limits, reads_done: u64) -> String {
    let mut text =
        format!("Plan: {} from {} for org {}\n", document.operation.console_name(), document.file, document.org_id);
    let width = document.rows.iter().map(|row| row.user.chars().count()).max().unwrap_or(0).min(40);
    let (mut planned, mut skipped, mut invalid) = (0, 0, 0);
    for row in &document.rows {
        let what = match &row.fate {
            RowFate::Planned { description } => {
                planned += 1;
                description.clone()
            }
            RowFate::Skipped { reason } => {
                skipped += 1;
                format!("skip: {reason}")
            }
            RowFate::Invalid { code, message } => {
                invalid += 1;
                format!("INVALID [{code}] {message}")
            }
        };
        text.push_str(&format!(
            "  line {:<5} {:<width$}  {}\n",
            row.line,
            terminal_safe(&row.user),
            terminal_safe(&what)
        ));
    }
    let commands = document.command_count();
    let requests = document.batches.len();
    text.push_str(&format!(
        "\nTotals: {}: {planned} to send, {skipped} with nothing to do, {invalid} invalid; {} in {}\n",
        plural(document.rows.len(), "row", "rows"),
        plural(commands, "command", "commands"),
        plural(requests, "action request", "action requests")
    ));
    let concurrency = limits.concurrency;
    let action = family_duration(requests, limits.action_rpm, limits.window, TYPICAL_LATENCY, concurrency);
    let reads = family_duration(reads_done as usize, limits.read_rpm, limits.window, TYPICAL_LATENCY, 1);
    // After the run: members and members without a licence of each configuration joined directly,
    // or of every configuration when rows join user groups (which may grant any of them).
    let joins_groups = document.rows.iter().any(|row| !row.group_joins.is_empty());
    let configurations = if joins_groups {
        document
            .catalogue
            .iter()
            .filter(|group| group.group_type == crate::umapi::wire::group_types::PRODUCT_PROFILE)
            .count()
    } else {
        document.licences.len()
    };
    let touched = 2 * configurations;
    let licence_reads = family_duration(touched, limits.read_rpm, limits.window, TYPICAL_LATENCY, 1);
    text.push_str(&format!(
        "Estimated duration of apply: about {} ({} at {}, {} before and {} after)\n",
        format_duration_rounded(action + reads + licence_reads),
        plural(requests, "action request", "action requests"),
        if limits.action_rpm == 0 { "no rate limit".to_string() } else { format!("{} per minute", limits.action_rpm) },
        plural(reads_done as usize, "read", "reads"),
        plural(touched, "licence read", "licence reads")
    ));
    if !document.licences.is_empty() {
        text.push_str("Licences (direct joins; joins through user groups are not forecast):\n");
        for forecast in &document.licences {
            let quota = forecast.quota.map_or_else(|| "no quota".to_string(), |quota| format!("quota {quota}"));
            text.push_str(&format!(
                "  {}: {quota}, {} members, {} free; {} → {} without a licence\n",
                forecast.configuration,
                forecast.members,
                if forecast.quota.is_some() { forecast.free.to_string() } else { "-".into() },
                plural(forecast.needed as usize, "join", "joins"),
                forecast.deficit()
            ));
        }
    }
    text
}

fn format_duration_rounded(duration: Duration) -> String {
    let seconds = duration.as_secs_f64().ceil() as u64;
    if seconds < 60 {
        format!("{seconds} s")
    } else {
        format!("{} ({} min {} s)", format_duration(Duration::from_secs(seconds)), seconds / 60, seconds % 60)
    }
}
