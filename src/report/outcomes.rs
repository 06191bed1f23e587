//! Plan document + the executor's report (+ the licence reads after the run) → one result per
//! input row, and the deficit lines. A row with several commands takes its worst outcome: a failed
//! command makes it `Failed`, one whose answer is unknown `Unknown`, an unsent one `Not Attempted`;
//! only when every command succeeded is it `Success`.

use std::collections::{BTreeMap, BTreeSet, HashMap};

use crate::execute::{CommandOutcome, NotAttemptedReason, RunReport};
use crate::plan::catalogue::Catalogue;
use crate::plan::document::{PlanDocument, RowEntry, RowFate};
use crate::report::deficit::DeficitLine;
use crate::report::hints;
use crate::report::results::{ResultKind, RowResult};

/// What the licence reads after the run found (UMAPI.md D "deficit"): per product configuration,
/// its members and the members without a licence (lower-cased emails), reached directly or
/// through user groups.
#[derive(Clone, Debug, Default)]
pub struct LicenceStatus {
    /// Whether the reads were made (false: the run stopped first, the run was in test mode, or a
    /// read failed).
    pub read: bool,
    /// Members after the run, per configuration read.
    pub members: BTreeMap<String, BTreeSet<String>>,
    /// Members without a licence, per configuration read.
    pub inactive: BTreeMap<String, BTreeSet<String>>,
}

impl LicenceStatus {
    /// The product configurations a row's user reached in this run: its direct joins and, when it
    /// joined user groups (which may grant configurations), every configuration read that now
    /// counts the user as a member.
    fn reached(&self, entry: &RowEntry) -> BTreeSet<String> {
        let email = entry.user.to_lowercase();
        let mut reached: BTreeSet<String> = entry.joins.iter().cloned().collect();
        if !entry.group_joins.is_empty() {
            reached.extend(
                self.members.iter().filter(|(_, members)| members.contains(&email)).map(|(name, _)| name.clone()),
            );
        }
        reached
    }

    fn without_licence(&self, configuration: &str, email: &str) -> bool {
        self.inactive.get(configuration).is_some_and(|members| members.contains(email))
    }
}

fn not_sent_message(reason: NotAttemptedReason) -> &'static str {
    match reason {
        NotAttemptedReason::Cancelled => "not sent: the run was interrupted (Ctrl-C)",
        NotAttemptedReason::Parked => "not sent: the run was parked while UMAPI asked to wait",
        NotAttemptedReason::Aborted => "not sent: the run stopped on an authentication or connection error",
        NotAttemptedReason::Pending => "not sent yet: the run stopped before this row (a resume sends it)",
    }
}

/// One result per input record, in input order.
pub fn row_results(document: &PlanDocument, report: Option<&RunReport>, licences: &LicenceStatus) -> Vec<RowResult> {
    let mut by_row: HashMap<usize, Vec<CommandOutcome>> = HashMap::new();
    if let Some(report) = report {
        for (row_index, outcome) in report.row_outcomes(&document.batches) {
            by_row.entry(row_index).or_default().push(outcome);
        }
    }
    let test_mode = report.is_some_and(|report| report.test_mode);
    document
        .rows
        .iter()
        .enumerate()
        .map(|(index, entry)| {
            let mut result = RowResult {
                line: entry.line,
                fields: entry.fields.clone(),
                kind: ResultKind::Success,
                error_code: String::new(),
                error_message: String::new(),
                request_id: String::new(),
                no_licence: Vec::new(),
                transient: false,
            };
            match &entry.fate {
                RowFate::Invalid { code, message } => {
                    result.kind = ResultKind::Invalid;
                    result.error_code = code.clone();
                    result.error_message = message.clone();
                }
                RowFate::Skipped { reason } => {
                    result.kind = ResultKind::Skipped;
                    result.error_message = reason.clone();
                }
                RowFate::Planned { .. } => {
                    let outcomes = by_row.get(&index).map(Vec::as_slice).unwrap_or_default();
                    fill_from_outcomes(&mut result, outcomes, report.is_some(), test_mode);
                    if result.kind == ResultKind::Success {
                        let email = entry.user.to_lowercase();
                        result.no_licence = licences
                            .reached(entry)
                            .into_iter()
                            .filter(|configuration| licences.without_licence(configuration, &email))
                            .collect();
                    }
                }
            }
            result
        })
        .collect()
}

fn fill_from_outcomes(result: &mut RowResult, outcomes: &[CommandOutcome], ran: bool, test_mode: bool) {
    if outcomes.is_empty() {
        result.kind = ResultKind::NotAttempted;
        result.error_code = hints::NOT_SENT.to_string();
        result.error_message = if ran { "not sent".into() } else { "not sent: the run did not start".into() };
        result.transient = true;
        return;
    }
    let failed = outcomes.iter().find(|outcome| matches!(outcome, CommandOutcome::Failed { .. }));
    let unknown = outcomes.iter().find(|outcome| matches!(outcome, CommandOutcome::Unknown { .. }));
    let unsent = outcomes.iter().find(|outcome| matches!(outcome, CommandOutcome::NotAttempted { .. }));
    match (failed, unknown, unsent) {
        (Some(CommandOutcome::Failed { code, message, step, x_request_id, transient }), _, _) => {
            result.kind = ResultKind::Failed;
            result.error_code = code.clone();
            result.error_message = match step {
                Some(step) => format!("{message} (step {})", step + 1),
                None => message.clone(),
            };
            result.request_id = x_request_id.clone().unwrap_or_default();
            result.transient = *transient || hints::is_transient(code);
        }
        (_, Some(CommandOutcome::Unknown { reason, x_request_id }), _) => {
            result.kind = ResultKind::Unknown;
            result.error_code = hints::UNKNOWN.to_string();
            result.error_message = format!("may or may not have been applied: {reason}");
            result.transient = true;
            result.request_id = x_request_id.clone().unwrap_or_default();
        }
        (_, _, Some(CommandOutcome::NotAttempted { reason })) => {
            result.kind = ResultKind::NotAttempted;
            result.error_code = hints::NOT_SENT.to_string();
            result.error_message = not_sent_message(*reason).to_string();
            result.transient = true;
            result.request_id =
                outcomes.iter().find_map(|outcome| outcome.x_request_id()).unwrap_or_default().to_string();
        }
        _ => {
            result.kind = ResultKind::Success;
            result.request_id =
                outcomes.iter().rev().find_map(|outcome| outcome.x_request_id()).unwrap_or_default().to_string();
            let warnings: Vec<String> = outcomes
                .iter()
                .flat_map(|outcome| match outcome {
                    CommandOutcome::Succeeded { warnings, .. } => warnings.clone(),
                    _ => Vec::new(),
                })
                .map(|warning| format!("warning {}: {}", warning.code, warning.message))
                .collect();
            let mut message = warnings.join("; ");
            if test_mode {
                message = if message.is_empty() {
                    "test mode: would succeed".into()
                } else {
                    format!("test mode: would succeed; {message}")
                };
            }
            result.error_message = message;
        }
    }
}

/// The product configurations whose licences the deficit report reads: those joined directly by
/// rows that succeeded, and every configuration of the catalogue when a successful row joined a
/// user group (UMAPI does not say which configurations a user group grants).
pub fn configurations_to_read(
    document: &PlanDocument,
    results: &[RowResult],
    catalogue: &Catalogue,
) -> BTreeSet<String> {
    let succeeded = || document.rows.iter().zip(results).filter(|(_, result)| result.kind == ResultKind::Success);
    let mut names: BTreeSet<String> = succeeded().flat_map(|(entry, _)| entry.joins.iter().cloned()).collect();
    if succeeded().any(|(entry, _)| !entry.group_joins.is_empty()) {
        names.extend(catalogue.configurations().into_iter().map(|configuration| configuration.name.clone()));
    }
    names
}

/// The deficit lines: per product configuration reached by successful rows, how many reached it
/// and which of those users hold no licence.
pub fn deficit_lines(
    document: &PlanDocument,
    results: &[RowResult],
    licences: &LicenceStatus,
    catalogue: &Catalogue,
) -> Vec<DeficitLine> {
    let mut lines: BTreeMap<String, DeficitLine> = BTreeMap::new();
    for (entry, result) in document.rows.iter().zip(results) {
        if result.kind != ResultKind::Success {
            continue;
        }
        let email = entry.user.to_lowercase();
        for configuration in licences.reached(entry) {
            let line = lines.entry(configuration.clone()).or_insert_with(|| DeficitLine {
                configuration: configuration.clone(),
                quota: catalogue.configuration(&configuration).and_then(|entry| entry.licence_quota),
                requested: 0,
                assigned: 0,
                unlicensed: Vec::new(),
                known: licences.read,
            });
            line.requested += 1;
            if licences.without_licence(&configuration, &email) {
                line.unlicensed.push((entry.user.clone(), entry.line));
            } else {
                line.assigned += 1;
            }
        }
    }
    lines.into_values().collect()
}

#[cfg(test)]
#[path = "outcomes_tests.rs"]
mod tests;
