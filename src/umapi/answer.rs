//! What an action answer must satisfy before it is believed (UMAPI.md 3a). A 200 whose body parses
//! can still be wrong: `{"result":"success","completed":0,"notCompleted":10}`, a `result` nobody
//! documents, an error naming a command the request did not carry. Such an answer says nothing
//! reliable about what UMAPI did, so [`check`] refuses it and the request loop treats it like any
//! other unusable answer: it re-sends the request as it is (safe: every command is idempotent by
//! construction, UMAPI.md D) and, when the attempts run out, the executor reports its commands as
//! Unknown. Never as Success.
//!
//! The checks, for `n` commands sent (in test mode `completedInTestMode` counts what `completed`
//! counts otherwise, and `completed` itself must be 0: test mode changes nothing):
//! - `result` is `success`, `partial`, `error`, or a request-level code UMAPI.md 3a documents;
//! - every `errors[]`/`warnings[]` entry names a command of the request (`index < n`) and, when it
//!   gives a `step`, a step that command has;
//! - `success`: no errors, every command completed, none not completed;
//! - `partial`: completed + notCompleted = n, at least one not completed, and exactly as many
//!   commands named in `errors[]` as not completed (a failed command the errors do not name would
//!   otherwise be taken for a success);
//! - `error`: nothing completed, all n not completed;
//! - a request-level code: nothing completed (its counts may be absent).
//!
//! Pure: no I/O. The request loop calls it through [`crate::umapi::UmapiClient::send_action`].

use std::collections::BTreeSet;

use crate::umapi::wire::ActionResponse;

/// Request-level `result` values UMAPI.md 3a documents (the whole request failed).
pub const REQUEST_LEVEL_RESULTS: [&str; 5] = [
    "error.apikey.invalid",
    "error.command.malformed",
    "error.organization.invalid",
    "error.organization.invalid_id",
    "error.organization.migrating",
];

/// Checks an answer to a request of commands with `steps[i]` steps each. `Err` says, in one line,
/// which check failed.
pub fn check(answer: &ActionResponse, steps: &[usize], test_mode: bool) -> Result<(), String> {
    let sent = steps.len();
    let result = answer.result.as_str();
    let request_level = REQUEST_LEVEL_RESULTS.contains(&result);
    if !matches!(result, "success" | "partial" | "error") && !request_level {
        return Err(format!(
            "result {result:?} is not a value UMAPI documents (success, partial, error or a request-level error code)"
        ));
    }
    let entries = answer
        .errors
        .iter()
        .map(|error| ("errors", error.index, error.step))
        .chain(answer.warnings.iter().map(|warning| ("warnings", warning.index, warning.step)));
    for (position, (list, index, step)) in entries.enumerate() {
        let position = if list == "errors" { position } else { position - answer.errors.len() };
        let Some(&command_steps) = steps.get(index) else {
            return Err(format!(
                "{list}[{position}] names command {index}, but the request carried {}",
                commands(sent)
            ));
        };
        if let Some(step) = step
            && step >= command_steps
        {
            return Err(format!(
                "{list}[{position}] names step {step} of command {index}, which has {}",
                if command_steps == 1 { "1 step".to_string() } else { format!("{command_steps} steps") }
            ));
        }
    }
    if test_mode && answer.completed != 0 {
        return Err(format!("completed is {} in test mode, where nothing may change", answer.completed));
    }
    let done = u64::from(if test_mode { answer.completed_in_test_mode } else { answer.completed });
    let done_name = if test_mode { "completedInTestMode" } else { "completed" };
    let not_done = u64::from(answer.not_completed);
    let sent = sent as u64;
    let failed_commands = answer.errors.iter().map(|error| error.index).collect::<BTreeSet<_>>().len() as u64;
    match result {
        "success" => {
            if !answer.errors.is_empty() {
                return Err(format!(
                    "result \"success\" comes with {} in errors",
                    plural(answer.errors.len(), "entry")
                ));
            }
            if done != sent || not_done != 0 {
                return Err(format!(
                    "result \"success\" but {done_name} is {done} and notCompleted {not_done}, for {} sent",
                    commands(sent as usize)
                ));
            }
        }
        "partial" => {
            if done + not_done != sent {
                return Err(format!(
                    "{done_name} {done} + notCompleted {not_done} is not the {} sent",
                    commands(sent as usize)
                ));
            }
            if not_done == 0 {
                return Err("result \"partial\" but notCompleted is 0".to_string());
            }
            if failed_commands != not_done {
                return Err(format!(
                    "result \"partial\" names {} in errors but notCompleted is {not_done}",
                    plural(failed_commands as usize, "failed command")
                ));
            }
        }
        "error" => {
            if done != 0 || not_done != sent {
                return Err(format!(
                    "result \"error\" but {done_name} is {done} and notCompleted {not_done}, for {} sent",
                    commands(sent as usize)
                ));
            }
        }
        _ => {
            if done != 0 {
                return Err(format!("result {result:?} refuses the whole request, yet {done_name} is {done}"));
            }
        }
    }
    Ok(())
}

fn commands(count: usize) -> String {
    plural(count, "command")
}

fn plural(count: usize, noun: &str) -> String {
    if count == 1 { format!("1 {noun}") } else { format!("{count} {noun}s") }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::umapi::wire::{ActionError, ActionWarning};

    fn answer(json: &str) -> ActionResponse {
        serde_json::from_str(json).unwrap_or_else(|error| panic!("{error}: {json}"))
    }

    fn error(index: usize, step: Option<usize>) -> ActionError {
        ActionError { index, step, error_code: "error.group.not_found".into(), ..ActionError::default() }
    }

    const TEN: [usize; 10] = [1; 10];

    #[test]
    fn consistent_answers_pass() {
        assert_eq!(check(&answer(r#"{"result":"success","completed":10,"notCompleted":0}"#), &TEN, false), Ok(()));
        let partial = ActionResponse {
            result: "partial".into(),
            completed: 8,
            not_completed: 2,
            errors: vec![error(3, Some(0)), error(3, Some(0)), error(9, None)],
            ..ActionResponse::default()
        };
        assert_eq!(check(&partial, &TEN, false), Ok(()));
        let all_failed = ActionResponse { result: "error".into(), not_completed: 2, ..ActionResponse::default() };
        assert_eq!(check(&all_failed, &[1, 1], false), Ok(()));
        let test_mode = answer(r#"{"result":"success","completed":0,"notCompleted":0,"completedInTestMode":2}"#);
        assert_eq!(check(&test_mode, &[1, 3], true), Ok(()));
        let refused = answer(r#"{"result":"error.organization.invalid_id","message":"Bad organization Id"}"#);
        assert_eq!(check(&refused, &TEN, false), Ok(()));
    }

    #[test]
    fn the_answers_of_the_hostile_server_fail_their_checks() {
        let problem = |json: &str| check(&answer(json), &TEN, false).err().unwrap_or_default();
        assert!(problem(r#"{"result":"success","completed":0,"notCompleted":10}"#).contains("completed is 0"));
        assert!(problem(r#"{"result":"maybe"}"#).contains("\"maybe\" is not a value UMAPI documents"));
        let stray = r#"{"result":"partial","completed":9,"notCompleted":1,
            "errors":[{"index":12,"step":0,"errorCode":"error.group.not_found","message":"m"}]}"#;
        assert_eq!(problem(stray), "errors[0] names command 12, but the request carried 10 commands");
    }

    #[test]
    fn counts_steps_and_indexes_are_checked() {
        let success_with_error = ActionResponse {
            result: "success".into(),
            completed: 10,
            errors: vec![error(0, None)],
            ..Default::default()
        };
        assert!(check(&success_with_error, &TEN, false).is_err());
        let step = ActionResponse {
            result: "partial".into(),
            completed: 1,
            not_completed: 1,
            errors: vec![error(1, Some(3))],
            ..ActionResponse::default()
        };
        assert_eq!(check(&step, &[1, 3], false), Err("errors[0] names step 3 of command 1, which has 3 steps".into()));
        let warning = ActionResponse {
            result: "success".into(),
            completed: 2,
            warnings: vec![ActionWarning { index: 2, ..ActionWarning::default() }],
            ..ActionResponse::default()
        };
        assert_eq!(
            check(&warning, &[1, 1], false),
            Err("warnings[0] names command 2, but the request carried 2 commands".into())
        );
        let unnamed_failure = ActionResponse {
            result: "partial".into(),
            completed: 8,
            not_completed: 2,
            errors: vec![error(3, None)],
            ..ActionResponse::default()
        };
        assert!(check(&unnamed_failure, &TEN, false).is_err_and(|problem| problem.contains("names 1 failed command")));
        let short = ActionResponse {
            result: "partial".into(),
            completed: 3,
            not_completed: 1,
            errors: vec![error(0, None)],
            ..Default::default()
        };
        assert!(check(&short, &TEN, false).is_err_and(|problem| problem.contains("is not the 10 commands sent")));
        let applied_in_test_mode =
            answer(r#"{"result":"success","completed":10,"notCompleted":0,"completedInTestMode":10}"#);
        assert!(check(&applied_in_test_mode, &TEN, true).is_err_and(|problem| problem.contains("test mode")));
        let error_with_success = answer(r#"{"result":"error","completed":1,"notCompleted":9}"#);
        assert!(check(&error_with_success, &TEN, false).is_err());
        let refused_but_done = answer(r#"{"result":"error.command.malformed","completed":3}"#);
        assert!(check(&refused_but_done, &TEN, false).is_err());
    }
}
