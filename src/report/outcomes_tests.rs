//! Every documented UMAPI error code (UMAPI.md 3b) round-trips from an action answer, through the
//! client's answer mapping and the row outcome, into `results.csv` (`Failed`, the code, the message
//! and step, the request id) and into `retry.csv` with its hint.

use super::*;
use crate::execute::{Batch, BatchResult, CommandSource, RunStatistics, mapping};
use crate::model::Operation;
use crate::plan::document::{Fingerprint, PlanDocument, RowEntry, SavedOptions};
use crate::report::{results, retry};
use crate::umapi::wire::{ActionError, ActionResponse, Command};

/// The error codes UMAPI documents (DOC:api/ErrorRef.md, as listed in UMAPI.md 3b).
const DOCUMENTED: &[&str] = &[
    "error.user.not_found",
    "error.user.nonexistent",
    "error.user.nonexistent_or_has_conflicting_parameters",
    "error.user.not_in_org",
    "error.user.belongs_to_another_org",
    "error.user.not_found_or_ambiguous",
    "error.api.user.not.parent.org",
    "error.domain.trust.nonexistent",
    "error.user.domain_enforcement",
    "error.user.already_in_org",
    "error.user.already_invited",
    "error.user.already_exists",
    "error.user.must_match_email",
    "error.user.type_not_available",
    "error.user.type_mismatch",
    "error.user.name.invalid",
    "error.user.name.contains.email",
    "error.user.email.invalid",
    "error.user.firstname_missing",
    "error.user.lastname_missing",
    "error.user.id_missing",
    "error.country.invalid",
    "error.internal.create_failed",
    "error.internal.everybody_group.not_found",
    "error.update.adobeid.no",
    "error.user.type_must_not_be_adobeid",
    "error.update.no",
    "error.update.domain.mismatch",
    "error.update.username.no",
    "error.update.country.no_update",
    "error.user.change_domain_update.no",
    "error.user.name_in_use",
    "error.user.email.name_in_use",
    "error.user.update_failed",
    "error.internal.update_failed",
    "error.command.malformed",
    "error.command.steps.malformed",
    "error.command.user.missing",
    "error.command.user_usergroup.missing",
    "error.command.string_expected",
    "error.command.string.too_long",
    "error.command.boolean_expected",
    "error.command.illegal_entry",
    "error.command.step.unknown",
    "error.command.object_not_empty",
    "error.command.create.object_expected",
    "error.command.create.string_expected",
    "error.command.create.more_than_one",
    "error.command.create.not_first",
    "error.command.create.key.unknown",
    "error.command.update.option.no",
    "error.command.removefromorg.not_last",
    "error.command.domain.missing",
    "error.command.domain.must_be_used_with_nonemail_username",
    "error.command.domain.string_expected",
    "error.option.illegal",
    "error.command.add_remove.list",
    "error.command.add_remove.missing_list",
    "error.command.add_remove.list_not_array",
    "error.command.add_remove.list_too_long",
    "error.command.add_remove.key.unknown",
    "error.command.add_remove.user_usergroup.missing",
    "error.command.add_remove.duplicate.user_list",
    "error.command.add_remove.duplicate.product_list",
    "error.command.add_remove.duplicate.group_list",
    "error.command.add_remove.duplicate.usergroup_list",
    "error.command.add_remove.duplicate.productadmin_list",
    "error.command.add_remove.invalid.usergroup_list",
    "error.command.add_remove.group_or_product_name_too_long",
    "error.group.not_found",
    "error.group.invalid_list",
    "error.group.invalid_name",
    "error.command.product.not_found",
    "error.internal.add",
    "error.internal.group.remove",
    "error.usergroup.not_found",
    "error.usergroup.already_exists",
    "error.usergroup.user_list.invalid",
    "error.usergroup.update.failed",
    "error.usergroup.command.missing.arguments",
    "error.user.command.missing.arguments",
    "error.user.user_list.invalid",
    "error.usergroup.exceeds_maximum_member_count",
    "error.usergroup.readonly.update_not_allowed",
    "error.usergroup.readonly.add_user_not_allowed",
    "error.usergroup.readonly.remove_user_not_allowed",
    "error.user.productadmin.group.not_found",
    "error.user.productadmin.add.user.failed",
    "error.user.productadmin.remove.admin.failed",
    "error.productadmin.add.user.failed",
    "error.productadmin.remove.admin.failed",
    "plc.not_found",
    "plc.admin.group.not_found",
    "plc.admin.already_added",
    "plc.add.admin.error",
    "plc.remove.admin.error",
    "error.developer.add_user.failed",
    "error.developer.remove_user.failed",
    "error.organization.invalid_id",
    "error.organization.invalid_name",
    "error.organization.migrating",
    "error.apikey.invalid",
    "error.api.not_available",
    "error.throttled_by_external_service",
    "error.internal.removefromorg",
    "error.internal.exceptionflys",
    "error.user.type_unknown",
    "error.user.type.missing",
];

fn document(rows: usize) -> PlanDocument {
    let header = vec!["Email".to_string(), "First Name".to_string()];
    let batches: Vec<Batch> = (0..rows)
        .map(|index| Batch {
            id: crate::execute::batch_id(index + 1),
            commands: vec![Command { user: Some(format!("u{index}@example.com")), ..Command::default() }],
            sources: vec![CommandSource::row(index, index as u64 + 2)],
            after: Vec::new(),
        })
        .collect();
    PlanDocument {
        format: crate::plan::document::FORMAT_VERSION,
        tool_version: "test".into(),
        created_at: String::new(),
        operation: Operation::Add,
        file: "codes.csv".into(),
        org_id: "ORG@AdobeOrg".into(),
        simulator: true,
        options: SavedOptions::default(),
        header,
        delimiter: ',',
        rows: (0..rows)
            .map(|index| RowEntry {
                line: index as u64 + 2,
                fields: vec![format!("u{index}@example.com"), "-x".into()],
                user: format!("u{index}@example.com"),
                login: None,
                fate: RowFate::Planned { description: "create".into() },
                joins: Vec::new(),
                group_joins: Vec::new(),
            })
            .collect(),
        batches,
        catalogue: Vec::new(),
        before: Vec::new(),
        fingerprint: Fingerprint::default(),
        licences: Vec::new(),
        packing: None,
    }
}

#[test]
fn every_documented_error_code_reaches_results_and_retry_with_its_hint() {
    let document = document(DOCUMENTED.len());
    let batches: Vec<BatchResult> = DOCUMENTED
        .iter()
        .enumerate()
        .map(|(index, code)| {
            let answer = ActionResponse {
                result: "error".into(),
                not_completed: 1,
                errors: vec![ActionError {
                    index: 0,
                    step: Some(1),
                    request_id: Some(format!("line-{}", index + 2)),
                    user: Some(format!("u{index}@example.com")),
                    error_code: code.to_string(),
                    message: format!("message of {code}"),
                }],
                ..ActionResponse::default()
            };
            BatchResult {
                batch_id: crate::execute::batch_id(index + 1),
                outcomes: mapping::map_answer(1, &answer, &format!("xrid-{index}")),
            }
        })
        .collect();
    let report = RunReport {
        follow_ups: Vec::new(),
        settlements: Vec::new(),
        batches,
        statistics: RunStatistics::default(),
        end: crate::execute::RunEnd::Finished,
        test_mode: false,
        warnings: Vec::new(),
    };
    let rows = row_results(&document, Some(&report), &LicenceStatus::default());
    let directory = tempfile::tempdir().unwrap_or_else(|error| panic!("{error}"));
    let results_path = directory.path().join("results.csv");
    let retry_path = directory.path().join("retry.csv");
    results::write(&results_path, &document.header, &rows, b',').unwrap_or_else(|error| panic!("{error}"));
    let retried = retry::write(&retry_path, &document.header, &rows, b',').unwrap_or_else(|error| panic!("{error}"));
    assert_eq!(retried, DOCUMENTED.len(), "every failed row is worth a retry once fixed");

    let read = |path: &std::path::Path| -> Vec<csv::StringRecord> {
        let bytes = std::fs::read(path).unwrap_or_default();
        let bytes = bytes.strip_prefix(crate::report::csv_safe::UTF8_BOM).unwrap_or(&bytes).to_vec();
        csv::Reader::from_reader(bytes.as_slice()).records().filter_map(Result::ok).collect()
    };
    let results = read(&results_path);
    let retry_rows = read(&retry_path);
    assert_eq!(results.len(), DOCUMENTED.len());
    for (index, code) in DOCUMENTED.iter().enumerate() {
        let record = &results[index];
        assert_eq!(&record[1], "'-x", "formula-looking cells stay neutralised");
        assert_eq!(&record[2], "Failed", "{code}");
        assert_eq!(&record[3], *code);
        assert_eq!(&record[4], format!("message of {code} (step 2)"));
        assert_eq!(&record[5], format!("xrid-{index}"));
        assert_eq!(&record[6], (index + 2).to_string());
        assert_eq!(&retry_rows[index][2], crate::report::hints::hint_for(code), "{code}");
        assert_eq!(rows[index].transient, crate::report::hints::is_transient(code), "{code}");
    }
    let transient: Vec<&&str> = DOCUMENTED.iter().filter(|code| crate::report::hints::is_transient(code)).collect();
    assert!(transient.contains(&&"error.throttled_by_external_service") && transient.contains(&&"error.internal.add"));
    assert!(!transient.contains(&&"error.user.type_mismatch"));
}

#[test]
fn not_sent_and_exhausted_rows_say_run_again() {
    let document = document(2);
    let report = RunReport {
        follow_ups: Vec::new(),
        settlements: Vec::new(),
        batches: vec![
            BatchResult {
                batch_id: "b00001".into(),
                outcomes: mapping::fail_all(
                    1,
                    crate::execute::outcome::CODE_TRANSIENT_EXHAUSTED,
                    "HTTP 503 four times",
                    Some("x"),
                    true,
                ),
            },
            BatchResult {
                batch_id: "b00002".into(),
                outcomes: vec![CommandOutcome::NotAttempted { reason: NotAttemptedReason::Parked }],
            },
        ],
        statistics: RunStatistics::default(),
        end: crate::execute::RunEnd::Finished,
        test_mode: false,
        warnings: Vec::new(),
    };
    let rows = row_results(&document, Some(&report), &LicenceStatus::default());
    assert_eq!((rows[0].kind, rows[1].kind), (ResultKind::Failed, ResultKind::NotAttempted));
    assert!(rows[0].transient && rows[1].transient);
    assert!(crate::report::hints::hint_for(&rows[0].error_code).contains("run this file again"));
    assert!(rows[1].error_message.contains("parked"));
}
