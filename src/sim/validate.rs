//! Syntax validation of one action command, from untrusted JSON to a [`ParsedCommand`], with
//! UMAPI's own error codes (UMAPI.md 2a–2d, ErrorRef): the root (`user` or `usergroup`),
//! `domain`, `useAdobeID`, `requestID`, the `do` array, and the step-order rules (one create,
//! first; one `removeFromOrg`, last; at most 10 steps). The fields of each step are parsed in
//! [`super::steps`].
//!
//! Validation finds the first problem of a command and stops there: the whole command is then
//! not completed and nothing of it is applied. Semantic checks that need the org (does the user
//! exist, is the domain claimed, does the group exist) are [`super::commands`]' business.

use serde_json::{Map, Value};

use crate::umapi::wire::{MAX_STEPS_PER_COMMAND, MAX_STRING_CHARS};

use super::org::UserRef;
use super::rules::{is_email_like, too_long};
use super::steps::{ParsedStep, parse_group_step, parse_user_step};

/// Why a command was not completed.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) struct Failure {
    /// The 0-based step; 0 when the problem is the command's as a whole (UMAPI.md 3a: every error
    /// carries `step`, and Adobe's own client indexes by it).
    pub(crate) step: usize,
    /// UMAPI's error code.
    pub(crate) code: &'static str,
    /// What is wrong, naming the value.
    pub(crate) message: String,
}

impl Failure {
    /// A failure of step `step`.
    pub(crate) fn at(step: usize, code: &'static str, message: impl Into<String>) -> Self {
        Self { step, code, message: message.into() }
    }

    /// A failure of the command as a whole (reported at step 0).
    pub(crate) fn command(code: &'static str, message: impl Into<String>) -> Self {
        Self { step: 0, code, message: message.into() }
    }
}

/// The root of a command.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) enum Root {
    /// `user` (+ `domain`, `useAdobeID`).
    User(UserRef),
    /// `usergroup`.
    UserGroup(String),
}

/// A warning attached to a step (`warning.command.deprecated`).
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) struct StepWarning {
    pub(crate) step: usize,
    pub(crate) code: &'static str,
    pub(crate) message: String,
}

/// A command that passed syntax validation.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) struct ParsedCommand {
    pub(crate) root: Root,
    pub(crate) steps: Vec<ParsedStep>,
    pub(crate) warnings: Vec<StepWarning>,
}

/// What errors echo of a command even when it is malformed: its root value and `requestID`.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub(crate) struct Frame {
    pub(crate) user: Option<String>,
    pub(crate) request_id: Option<String>,
}

/// The root value and `requestID` of a command, when they are strings.
pub(crate) fn frame_of(command: &Value) -> Frame {
    let text = |key: &str| command.get(key).and_then(Value::as_str).map(str::to_string);
    Frame { user: text("user").or_else(|| text("usergroup")), request_id: text("requestID") }
}

const COMMAND_KEYS: [&str; 6] = ["user", "usergroup", "domain", "useAdobeID", "requestID", "do"];

/// Validates one command.
pub(crate) fn parse_command(command: &Value) -> Result<ParsedCommand, Failure> {
    let Some(object) = command.as_object() else {
        return Err(Failure::command(
            "error.command.malformed",
            format!("a command must be a JSON object, found {}", kind_of(command)),
        ));
    };
    if let Some(unknown) = object.keys().find(|key| !COMMAND_KEYS.contains(&key.as_str())) {
        return Err(Failure::command("error.command.illegal_entry", format!("unknown key {unknown:?} in the command")));
    }
    if let Some(request_id) = object.get("requestID") {
        let Some(text) = request_id.as_str() else {
            return Err(Failure::command("error.command.string_expected", "requestID must be a JSON string"));
        };
        if let Some(message) = too_long("requestID", text, MAX_STRING_CHARS) {
            return Err(Failure::command("error.command.string.too_long", message));
        }
    }
    let root = parse_root(object)?;
    let Some(steps) = object.get("do") else {
        return Err(Failure::command("error.command.steps.malformed", "the command has no \"do\" array of steps"));
    };
    let Some(steps) = steps.as_array() else {
        return Err(Failure::command(
            "error.command.steps.malformed",
            format!("\"do\" must be a JSON array, found {}", kind_of(steps)),
        ));
    };
    if steps.len() > MAX_STEPS_PER_COMMAND {
        return Err(Failure::command(
            "error.command.add_remove.list_too_long",
            format!("Too many steps in the command: {}, max is {MAX_STEPS_PER_COMMAND}", steps.len()),
        ));
    }
    let mut parsed = ParsedCommand { root, steps: Vec::new(), warnings: Vec::new() };
    for (index, step) in steps.iter().enumerate() {
        let (name, body) = single_key(index, step)?;
        let step = match &parsed.root {
            Root::User(reference) => parse_user_step(index, name, body, reference, &mut parsed.warnings)?,
            Root::UserGroup(group) => parse_group_step(index, name, body, group)?,
        };
        check_order(index, &step, &parsed.steps, steps.len())?;
        parsed.steps.push(step);
    }
    Ok(parsed)
}

fn parse_root(object: &Map<String, Value>) -> Result<Root, Failure> {
    let domain = object.get("domain");
    match (object.get("user"), object.get("usergroup")) {
        (Some(_), Some(_)) => Err(Failure::command(
            "error.command.user_usergroup.missing",
            "a command has one root: \"user\" or \"usergroup\", not both",
        )),
        (None, None) => Err(Failure::command(
            "error.command.user_usergroup.missing",
            "a command needs a \"user\" or a \"usergroup\" root",
        )),
        (None, Some(group)) => {
            let Some(name) = group.as_str() else {
                return Err(Failure::command("error.command.string_expected", "usergroup must be a JSON string"));
            };
            if name.trim().is_empty() {
                return Err(Failure::command("error.command.user_usergroup.missing", "usergroup is empty"));
            }
            if let Some(message) = too_long("usergroup", name, MAX_STRING_CHARS) {
                return Err(Failure::command("error.command.string.too_long", message));
            }
            if domain.is_some() || object.contains_key("useAdobeID") {
                return Err(Failure::command(
                    "error.command.illegal_entry",
                    "domain and useAdobeID belong to user commands, not usergroup commands",
                ));
            }
            Ok(Root::UserGroup(name.to_string()))
        }
        (Some(user), None) => {
            let Some(user) = user.as_str() else {
                return Err(Failure::command("error.command.string_expected", "user must be a JSON string"));
            };
            if user.trim().is_empty() {
                return Err(Failure::command("error.command.user.missing", "user is empty"));
            }
            if let Some(message) = too_long("user", user, MAX_STRING_CHARS) {
                return Err(Failure::command("error.command.string.too_long", message));
            }
            let domain = match domain {
                None => None,
                Some(Value::String(domain)) => Some(domain.clone()),
                Some(_) => {
                    return Err(Failure::command(
                        "error.command.domain.string_expected",
                        "domain must be a JSON string",
                    ));
                }
            };
            match &domain {
                Some(domain) if is_email_like(user) => {
                    return Err(Failure::command(
                        "error.command.domain.must_be_used_with_nonemail_username",
                        format!("domain {domain:?} can only be used when user is not an email address ({user:?} is)"),
                    ));
                }
                Some(domain) => {
                    if let Some(message) = too_long("domain", domain, MAX_STRING_CHARS) {
                        return Err(Failure::command("error.command.string.too_long", message));
                    }
                }
                None if !is_email_like(user) => {
                    return Err(Failure::command(
                        "error.command.domain.missing",
                        format!("user {user:?} is not an email address, so the command needs a domain"),
                    ));
                }
                None => {}
            }
            let use_adobe_id = match object.get("useAdobeID") {
                None => false,
                Some(Value::Bool(flag)) => *flag,
                Some(_) => {
                    return Err(Failure::command("error.command.boolean_expected", "useAdobeID must be true or false"));
                }
            };
            Ok(Root::User(UserRef { user: user.to_string(), domain, use_adobe_id }))
        }
    }
}

/// A step is an object with exactly one key, the step's name.
fn single_key(index: usize, step: &Value) -> Result<(&str, &Value), Failure> {
    match step.as_object() {
        Some(object) if object.len() == 1 => {
            object.iter().next().map(|(name, body)| (name.as_str(), body)).ok_or_else(|| {
                Failure::at(index, "error.command.illegal_entry", "a step must be an object with one key")
            })
        }
        Some(object) => Err(Failure::at(
            index,
            "error.command.illegal_entry",
            format!("a step must be an object with exactly one key, found {} keys", object.len()),
        )),
        None => Err(Failure::at(
            index,
            "error.command.illegal_entry",
            format!("a step must be a JSON object, found {}", kind_of(step)),
        )),
    }
}

fn check_order(index: usize, step: &ParsedStep, before: &[ParsedStep], total: usize) -> Result<(), Failure> {
    if step.is_create() {
        if before.iter().any(ParsedStep::is_create) {
            return Err(Failure::at(index, "error.command.create.more_than_one", "a command can create only once"));
        }
        if index > 0 {
            return Err(Failure::at(index, "error.command.create.not_first", "the create step must be the first step"));
        }
    }
    if matches!(step, ParsedStep::RemoveFromOrg { .. }) && index + 1 < total {
        return Err(Failure::at(
            index,
            "error.command.removefromorg.not_last",
            "removeFromOrg must be the last step of its command",
        ));
    }
    Ok(())
}

/// `a string`, `a number`, ... for messages.
pub(crate) fn kind_of(value: &Value) -> &'static str {
    match value {
        Value::Null => "null",
        Value::Bool(_) => "a boolean",
        Value::Number(_) => "a number",
        Value::String(_) => "a string",
        Value::Array(_) => "an array",
        Value::Object(_) => "an object",
    }
}
