//! `POST /v2/usermanagement/action/{orgId}[?testOnly=true]` (UMAPI.md 2, 3; D ">10 commands").
//!
//! The request as a whole must be a non-empty JSON array of at most 10 commands, else HTTP 400
//! `{"result":"error.command.malformed","message":...}` and nothing runs. Each command is then
//! validated ([`super::validate`]) and run ([`super::commands`]) on its own: a failing command
//! does not stop the others. Commands run in a seeded shuffled order (2a: "order between commands
//! in one request is not guaranteed"; `--command-order sent` turns it off), and the answer still
//! names each by the position it was sent in. The answer counts commands: `completed`,
//! `notCompleted`, `completedInTestMode`, `result` `success`/`partial`/`error`, and
//! `errors[]`/`warnings[]` with index, step (always, 3a), requestID and user, in position order.
//! The fault menu may cut a request with HTTP 500 after some commands ran, or fail a command with a
//! service error ([`super::fault_menu`]). Parsing happens before the org lock is taken.

use std::sync::Arc;

use axum::Json;
use axum::body::Bytes;
use axum::extract::{Path, RawQuery, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use serde_json::{Value, json};

use crate::umapi::wire::{ActionError, ActionResponse, ActionWarning, MAX_COMMANDS_PER_REQUEST};

use super::commands;
use super::dice::content_hash;
use super::fault_menu::{RunPlan, plan_action};
use super::shared::Shared;
use super::validate::{self, Failure, Frame, ParsedCommand};

/// A request-level refusal: HTTP 400 with `result` = the code.
pub(crate) fn request_error(status: StatusCode, code: &str, message: &str) -> Response {
    (status, Json(json!({ "result": code, "message": message }))).into_response()
}

/// The answer when the org id in the path is not this org.
pub(crate) fn bad_org() -> Response {
    request_error(StatusCode::BAD_REQUEST, "error.organization.invalid_id", "Bad organization Id")
}

/// Reads a boolean query flag (`true`/`false`, any case); `Err` names the bad value.
pub(crate) fn query_flag(query: Option<&str>, name: &str) -> Result<Option<bool>, String> {
    let Some(query) = query else { return Ok(None) };
    for (key, value) in url::form_urlencoded::parse(query.as_bytes()) {
        if key == name {
            return match value.to_ascii_lowercase().as_str() {
                "true" => Ok(Some(true)),
                "false" => Ok(Some(false)),
                _ => Err(format!("{name} must be true or false, not {value:?}")),
            };
        }
    }
    Ok(None)
}

/// The handler.
pub(crate) async fn action(
    State(shared): State<Arc<Shared>>,
    Path(org_id): Path<String>,
    RawQuery(query): RawQuery,
    body: Bytes,
) -> Response {
    if org_id != shared.settings.org_id {
        return bad_org();
    }
    let test_mode = match query_flag(query.as_deref(), "testOnly") {
        Ok(flag) => flag.unwrap_or(false),
        Err(message) => return request_error(StatusCode::BAD_REQUEST, "error", &message),
    };
    let commands = match parse_body(&body) {
        Ok(commands) => commands,
        Err(message) => return request_error(StatusCode::BAD_REQUEST, "error.command.malformed", &message),
    };
    let parsed: Vec<(Frame, Result<ParsedCommand, Failure>)> =
        commands.iter().map(|command| (validate::frame_of(command), validate::parse_command(command))).collect();
    let settings = &shared.settings;
    let (answer, plan) = {
        let mut world = shared.world();
        let number = world.actions;
        world.actions += 1;
        let request = (number, content_hash(&body));
        let plan =
            plan_action(settings.seed, request, &settings.fault_menu, settings.command_order, &parsed, test_mode);
        let answer = apply(&mut world.org, &parsed, test_mode, &plan);
        let counters = &mut world.counters;
        if test_mode {
            counters.commands_test_mode += u64::from(answer.completed_in_test_mode);
        } else {
            counters.commands_applied += u64::from(answer.completed);
            counters.commands_failed += u64::from(answer.not_completed);
        }
        counters.faults_command_errors += plan.injected.iter().flatten().count() as u64;
        if plan.cut_after.is_some() {
            counters.faults += 1;
            counters.faults_mid_batch += 1;
        }
        (answer, plan)
    };
    if let Some(ran) = plan.cut_after {
        shared.log(&format!(
            "sim: fault: POST /action answered 500 after {ran} of {} command(s) ran ({} completed)",
            parsed.len(),
            answer.completed
        ));
        let body = json!({"error_code": "500", "message": "Internal Server Error (simulated fault)"});
        return (StatusCode::INTERNAL_SERVER_ERROR, Json(body)).into_response();
    }
    shared.log(&format!(
        "sim: POST /action{} {} command(s) in order {:?}: {} completed, {} not completed, {} completed in test mode",
        if test_mode { "?testOnly=true" } else { "" },
        parsed.len(),
        plan.order,
        answer.completed,
        answer.not_completed,
        answer.completed_in_test_mode
    ));
    (StatusCode::OK, Json(answer)).into_response()
}

/// The body as a list of 1 to 10 commands.
fn parse_body(body: &[u8]) -> Result<Vec<Value>, String> {
    let value: Value =
        serde_json::from_slice(body).map_err(|error| format!("The request body is not valid JSON: {error}"))?;
    let Value::Array(commands) = value else {
        return Err(format!("The request body must be a JSON array of commands, found {}", validate::kind_of(&value)));
    };
    if commands.is_empty() {
        return Err("The request body is an empty array: send 1 to 10 commands".to_string());
    }
    if commands.len() > MAX_COMMANDS_PER_REQUEST {
        return Err(format!("Too many commands in one request: {}, max is {MAX_COMMANDS_PER_REQUEST}", commands.len()));
    }
    Ok(commands)
}

/// Runs the commands in the plan's order (up to a mid-batch cut) and builds the answer, whose
/// errors and warnings name each command by the position it was sent in, in that order.
pub(crate) fn apply(
    org: &mut super::org::Org,
    parsed: &[(Frame, Result<ParsedCommand, Failure>)],
    test_mode: bool,
    plan: &RunPlan,
) -> ActionResponse {
    let mut outcomes: Vec<Option<Result<(), Failure>>> = vec![None; parsed.len()];
    for (ran, &position) in plan.order.iter().enumerate() {
        if plan.cut_after == Some(ran) {
            break;
        }
        let Some((_, command)) = parsed.get(position) else { continue };
        let injected = plan.injected.get(position).and_then(Option::as_ref);
        outcomes[position] = Some(match command {
            Ok(command) => commands::run(org, command, test_mode, injected),
            Err(failure) => Err(failure.clone()),
        });
    }
    let mut answer = ActionResponse::default();
    for (index, ((frame, command), outcome)) in parsed.iter().zip(outcomes).enumerate() {
        let Some(outcome) = outcome else { continue };
        if let Ok(command) = command {
            for warning in &command.warnings {
                answer.warnings.push(ActionWarning {
                    index,
                    step: Some(warning.step),
                    request_id: frame.request_id.clone(),
                    user: frame.user.clone(),
                    warning_code: warning.code.to_string(),
                    message: warning.message.clone(),
                });
            }
        }
        match outcome {
            Ok(()) if test_mode => answer.completed_in_test_mode += 1,
            Ok(()) => answer.completed += 1,
            Err(failure) => {
                answer.not_completed += 1;
                answer.errors.push(ActionError {
                    index,
                    step: Some(failure.step),
                    request_id: frame.request_id.clone(),
                    user: frame.user.clone(),
                    error_code: failure.code.to_string(),
                    message: failure.message,
                });
            }
        }
    }
    let succeeded = answer.completed + answer.completed_in_test_mode;
    answer.result = if answer.not_completed == 0 {
        "success"
    } else if succeeded == 0 {
        "error"
    } else {
        "partial"
    }
    .to_string();
    answer
}
