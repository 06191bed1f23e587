//! Maps what UMAPI answered for one request back to its commands: an answer's `errors[]` and
//! `warnings[]` by `index` (UMAPI.md 3a), a whole-request failure to every command of the batch.
//!
//! Rules: a command with an error entry is Failed with that entry's code, message and step (several
//! entries for one command: the first code, all messages). A command without one is Succeeded
//! unless the answer's `result` is `error` or a request-level code (`error.command.malformed`,
//! `error.organization.invalid`, ...), which fails every command that has no entry of its own. In
//! test mode the same rules give "would succeed". Only answers that passed the checks of
//! `umapi::answer` get here (the client retries the others, and the executor reports their commands
//! Unknown when the attempts run out), so every index is in range; an entry outside the batch would
//! still be ignored rather than blamed on another command. This file is pure: no I/O.

use crate::execute::outcome::{CODE_HTTP_PREFIX, CommandOutcome, CommandWarning};
use crate::umapi::client::clip_server_text;
use crate::umapi::wire::ActionResponse;

/// One outcome per command (`command_count` of them) from a 200 answer.
pub fn map_answer(command_count: usize, answer: &ActionResponse, x_request_id: &str) -> Vec<CommandOutcome> {
    let request_failed = answer.result.starts_with("error");
    (0..command_count)
        .map(|index| {
            let errors: Vec<_> = answer.errors.iter().filter(|error| error.index == index).collect();
            if let Some(first) = errors.first() {
                // Each message is already cut; their join is cut again (a broken server can list
                // thousands of errors for one command).
                let message = if errors.len() == 1 {
                    first.message.clone()
                } else {
                    clip_server_text(
                        &errors
                            .iter()
                            .map(|error| format!("{}: {}", error.error_code, error.message))
                            .collect::<Vec<_>>()
                            .join("; "),
                    )
                };
                return CommandOutcome::Failed {
                    code: first.error_code.clone(),
                    message,
                    step: first.step,
                    x_request_id: Some(x_request_id.to_string()),
                    transient: false,
                };
            }
            if request_failed {
                return CommandOutcome::Failed {
                    code: answer.result.clone(),
                    message: answer.message.clone().unwrap_or_else(|| {
                        format!("UMAPI answered result {:?} without an error for this command", answer.result)
                    }),
                    step: None,
                    x_request_id: Some(x_request_id.to_string()),
                    transient: false,
                };
            }
            let warnings = answer
                .warnings
                .iter()
                .filter(|warning| warning.index == index)
                .map(|warning| CommandWarning {
                    code: warning.warning_code.clone(),
                    message: warning.message.clone(),
                    step: warning.step,
                })
                .collect();
            CommandOutcome::Succeeded { x_request_id: x_request_id.to_string(), warnings }
        })
        .collect()
}

/// Every command of a batch failed the same way (whole-request error or exhausted attempts).
pub fn fail_all(
    command_count: usize,
    code: &str,
    message: &str,
    x_request_id: Option<&str>,
    transient: bool,
) -> Vec<CommandOutcome> {
    let outcome = CommandOutcome::Failed {
        code: code.to_string(),
        message: message.to_string(),
        step: None,
        x_request_id: x_request_id.map(str::to_string),
        transient,
    };
    vec![outcome; command_count]
}

/// Every command of a batch ended Unknown the same way (no usable answer, a 5xx).
pub fn unknown_all(command_count: usize, reason: &str, x_request_id: Option<&str>) -> Vec<CommandOutcome> {
    vec![
        CommandOutcome::Unknown { reason: reason.to_string(), x_request_id: x_request_id.map(str::to_string) };
        command_count
    ]
}

/// The code for a whole-request HTTP failure: UMAPI's `result` from the body, else ours
/// (`umapi-bulk.http.<status>`).
pub fn http_failure_code(status: u16, body_code: Option<String>) -> String {
    body_code.unwrap_or_else(|| format!("{CODE_HTTP_PREFIX}{status}"))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::umapi::wire::{ActionError, ActionWarning};

    fn error(index: usize, step: usize, code: &str) -> ActionError {
        ActionError {
            index,
            step: Some(step),
            error_code: code.into(),
            message: format!("{code} message"),
            ..ActionError::default()
        }
    }

    #[test]
    fn errors_and_warnings_map_by_index_in_a_partial_answer() {
        let answer = ActionResponse {
            result: "partial".into(),
            completed: 2,
            not_completed: 1,
            errors: vec![error(1, 2, "error.group.not_found")],
            warnings: vec![ActionWarning {
                index: 2,
                step: Some(0),
                warning_code: "warning.command.deprecated".into(),
                message: "product".into(),
                ..ActionWarning::default()
            }],
            ..ActionResponse::default()
        };
        let outcomes = map_answer(3, &answer, "rid");
        assert!(matches!(&outcomes[0], CommandOutcome::Succeeded { warnings, .. } if warnings.is_empty()));
        assert_eq!(
            outcomes[1],
            CommandOutcome::Failed {
                code: "error.group.not_found".into(),
                message: "error.group.not_found message".into(),
                step: Some(2),
                x_request_id: Some("rid".into()),
                transient: false,
            }
        );
        assert!(matches!(&outcomes[2], CommandOutcome::Succeeded { warnings, .. } if warnings.len() == 1));
    }

    #[test]
    fn several_errors_for_one_command_keep_the_first_code_and_every_message() {
        let answer = ActionResponse {
            result: "error".into(),
            errors: vec![error(0, 0, "error.user.nonexistent"), error(0, 1, "error.group.not_found")],
            ..ActionResponse::default()
        };
        let outcomes = map_answer(1, &answer, "rid");
        assert_eq!(outcomes[0].error_code(), Some("error.user.nonexistent"));
        assert!(
            matches!(&outcomes[0], CommandOutcome::Failed { message, .. } if message.contains("error.group.not_found"))
        );
    }

    #[test]
    fn a_request_level_result_fails_every_command_and_stray_indexes_are_ignored() {
        let answer = ActionResponse {
            result: "error.organization.invalid_id".into(),
            message: Some("Bad organization Id".into()),
            errors: vec![error(7, 0, "error.user.nonexistent")],
            ..ActionResponse::default()
        };
        let outcomes = map_answer(2, &answer, "rid");
        assert!(outcomes.iter().all(|outcome| outcome.error_code() == Some("error.organization.invalid_id")));
        let success = ActionResponse { result: "success".into(), errors: vec![error(5, 0, "x")], ..answer };
        assert!(map_answer(2, &success, "rid").iter().all(CommandOutcome::is_success));
    }

    #[test]
    fn test_mode_answers_count_as_would_succeed() {
        let answer =
            ActionResponse { result: "success".into(), completed_in_test_mode: 2, ..ActionResponse::default() };
        assert!(map_answer(2, &answer, "rid").iter().all(CommandOutcome::is_success));
    }

    #[test]
    fn whole_request_failures_fail_every_command() {
        let outcomes = fail_all(3, "umapi-bulk.transient.exhausted", "last: HTTP 503", Some("r"), true);
        assert_eq!(outcomes.len(), 3);
        assert_eq!(http_failure_code(400, Some("error.command.malformed".into())), "error.command.malformed");
        assert_eq!(http_failure_code(500, None), "umapi-bulk.http.500");
    }
}
