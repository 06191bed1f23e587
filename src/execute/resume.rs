//! Reading a run's journal back: which batches are settled (and with what outcomes), which are
//! still to send, and the plan itself ([`read_journal`] → [`ResumeState`]).
//!
//! A batch is settled when the journal has a `final` outcome for it; every other batch of the
//! `start` line (never sent, sent without an answer, or stopped between retries) is sent again,
//! as is (UMAPI.md D "unknown outcome"). A torn last line is ignored with a warning (the writer
//! cuts it off before appending); an unreadable line anywhere else is an error naming its line.
//! This file only reads; the executor runs what is left.

use std::collections::{HashMap, HashSet};
use std::path::{Path, PathBuf};

use crate::execute::journal::{JOURNAL_FILE, JOURNAL_VERSION, JournalError, NOT_SENT, Record};
use crate::execute::outcome::{CommandOutcome, RunEnd};
use crate::plan::batch::Batch;

/// What a journal says about its run.
#[derive(Clone, Debug, PartialEq)]
pub struct ResumeState {
    /// The journal file.
    pub path: PathBuf,
    /// The plan, from the `start` line.
    pub batches: Vec<Batch>,
    /// Whether the run sends `testOnly=true` (a resumed run keeps the original mode).
    pub test_mode: bool,
    /// Outcomes of settled batches, by batch id.
    pub settled: HashMap<String, Vec<CommandOutcome>>,
    /// `X-Request-Id`s of attempts that were answered (final or not).
    pub answered_request_ids: Vec<String>,
    /// How earlier segments ended, in order.
    pub ends: Vec<RunEnd>,
    /// Problems tolerated (a torn last line).
    pub warnings: Vec<String>,
    /// Bytes of the journal that hold complete lines (a writer appends after them).
    pub valid_length: u64,
    /// Unsettled batches with an attempt that went out without an answer showing it was refused
    /// (a 429, a 401, or withdrawn before sending): UMAPI may have applied them, so their resend
    /// may find the work done (`no_ops`).
    pub maybe_applied: HashSet<String>,
    /// Per batch, the `X-Request-Id`s of attempts that went out and were not shown refused.
    unanswered: HashMap<String, HashSet<String>>,
}

impl ResumeState {
    /// The batches still to send, in plan order.
    pub fn pending(&self) -> impl Iterator<Item = &Batch> {
        self.batches.iter().filter(|batch| !self.settled.contains_key(&batch.id))
    }

    /// Whether every batch is settled.
    pub fn is_complete(&self) -> bool {
        self.batches.iter().all(|batch| self.settled.contains_key(&batch.id))
    }
}

/// Reads `journal.jsonl` in `run_dir`.
pub fn read_journal(run_dir: &Path) -> Result<ResumeState, JournalError> {
    let path = run_dir.join(JOURNAL_FILE);
    let bytes = fs_err::read(&path).map_err(|source| JournalError::Io { path: path.clone(), source })?;
    parse_journal(&path, &bytes)
}

/// Parses journal bytes (`path` only names the file in messages).
pub fn parse_journal(path: &Path, bytes: &[u8]) -> Result<ResumeState, JournalError> {
    let mut state = ResumeState {
        path: path.to_path_buf(),
        batches: Vec::new(),
        test_mode: false,
        settled: HashMap::new(),
        answered_request_ids: Vec::new(),
        ends: Vec::new(),
        warnings: Vec::new(),
        valid_length: 0,
        maybe_applied: HashSet::new(),
        unanswered: HashMap::new(),
    };
    let mut started = false;
    let mut offset = 0_usize;
    let mut number = 0_usize;
    while offset < bytes.len() {
        number += 1;
        let rest = &bytes[offset..];
        let (line, next) = match rest.iter().position(|byte| *byte == b'\n') {
            Some(end) => (&rest[..end], offset + end + 1),
            None => (rest, bytes.len()),
        };
        let is_last = next >= bytes.len();
        if line.iter().all(u8::is_ascii_whitespace) {
            offset = next;
            state.valid_length = next as u64;
            continue;
        }
        let record = match serde_json::from_slice::<Record>(line) {
            Ok(record) => record,
            Err(error) if is_last => {
                state.warnings.push(format!(
                    "{}, line {number}: ignored an incomplete last line (the run was interrupted while writing it): {error}",
                    path.display()
                ));
                break;
            }
            Err(error) => {
                return Err(JournalError::Corrupt {
                    path: path.to_path_buf(),
                    line: number,
                    detail: error.to_string(),
                });
            }
        };
        if !started && !matches!(record, Record::Start { .. }) {
            return Err(JournalError::MissingStart { path: path.to_path_buf() });
        }
        apply(&mut state, record, path)?;
        started = true;
        offset = next;
        state.valid_length = next as u64;
    }
    if !started {
        return Err(JournalError::MissingStart { path: path.to_path_buf() });
    }
    state.maybe_applied = std::mem::take(&mut state.unanswered)
        .into_iter()
        .filter(|(batch, attempts)| !attempts.is_empty() && !state.settled.contains_key(batch))
        .map(|(batch, _)| batch)
        .collect();
    Ok(state)
}

fn apply(state: &mut ResumeState, record: Record, path: &Path) -> Result<(), JournalError> {
    match record {
        Record::Start { version, test_mode, batches, .. } => {
            if version > JOURNAL_VERSION {
                return Err(JournalError::Version { path: path.to_path_buf(), version });
            }
            if !state.batches.is_empty() {
                return Err(JournalError::Corrupt {
                    path: path.to_path_buf(),
                    line: 0,
                    detail: "a second start record".to_string(),
                });
            }
            state.test_mode = test_mode;
            state.batches = batches;
        }
        Record::Outcome { batch, x_request_id, status, is_final, outcomes, error, .. } => {
            // Refused before anything was applied: a 429 or a 401, or withdrawn before sending.
            let refused =
                matches!(status, Some(429 | 401)) || error.as_deref().is_some_and(|error| error.starts_with(NOT_SENT));
            if refused && let (Some(id), Some(attempts)) = (&x_request_id, state.unanswered.get_mut(&batch)) {
                attempts.remove(id);
            }
            if status.is_some()
                && let Some(id) = x_request_id
            {
                state.answered_request_ids.push(id);
            }
            let expected =
                state.batches.iter().find(|candidate| candidate.id == batch).map(|batch| batch.commands.len());
            if is_final && expected == Some(outcomes.len()) {
                state.settled.insert(batch, outcomes);
            }
        }
        Record::End { end, .. } => state.ends.push(end),
        Record::Intent { batch, x_request_id, .. } => {
            state.unanswered.entry(batch).or_default().insert(x_request_id);
        }
        Record::Resume { .. } => {}
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::plan::batch::CommandSource;
    use crate::umapi::wire::Command;
    use time::OffsetDateTime;

    fn batches(count: usize) -> Vec<Batch> {
        (1..=count)
            .map(|number| Batch {
                id: crate::plan::batch::batch_id(number),
                commands: vec![Command { user: Some(format!("u{number}@example.com")), ..Command::default() }],
                sources: vec![CommandSource { row_index: number - 1, line: number as u64 + 1 }],
                after: Vec::new(),
            })
            .collect()
    }

    fn line(record: &Record) -> String {
        serde_json::to_string(record).unwrap_or_default() + "\n"
    }

    fn journal_text(count: usize) -> String {
        let at = OffsetDateTime::UNIX_EPOCH;
        let mut text = line(&Record::Start { version: 1, at, test_mode: false, batches: batches(count) });
        let intent = |batch: &str, attempt: u32| Record::Intent {
            batch: batch.into(),
            attempt,
            x_request_id: format!("{batch}-{attempt}"),
            test_mode: false,
            at,
        };
        text += &line(&intent("b00001", 1));
        text += &line(&Record::Outcome {
            batch: "b00001".into(),
            attempt: 1,
            x_request_id: Some("b00001-1".into()),
            status: Some(200),
            answer: None,
            answer_truncated: false,
            error: None,
            is_final: true,
            outcomes: vec![CommandOutcome::Succeeded { x_request_id: "b00001-1".into(), warnings: Vec::new() }],
            at,
        });
        text += &line(&intent("b00002", 1));
        text += &line(&Record::Outcome {
            batch: "b00002".into(),
            attempt: 1,
            x_request_id: Some("b00002-1".into()),
            status: Some(503),
            answer: None,
            answer_truncated: false,
            error: Some("HTTP 503".into()),
            is_final: false,
            outcomes: Vec::new(),
            at,
        });
        text += &line(&intent("b00002", 2));
        text
    }

    #[test]
    fn settled_batches_are_known_and_the_rest_pending() {
        let text = journal_text(3);
        let state = parse_journal(Path::new("j"), text.as_bytes()).unwrap_or_else(|error| panic!("{error}"));
        assert_eq!(state.settled.len(), 1);
        assert!(state.settled.contains_key("b00001"));
        let pending: Vec<&str> = state.pending().map(|batch| batch.id.as_str()).collect();
        assert_eq!(pending, ["b00002", "b00003"]);
        assert_eq!(state.answered_request_ids, ["b00001-1", "b00002-1"]);
        assert_eq!(state.valid_length, text.len() as u64);
        assert!(state.warnings.is_empty());
        assert_eq!(state.maybe_applied, HashSet::from(["b00002".to_string()]), "sent without a known answer");
    }

    #[test]
    fn attempts_refused_by_a_429_or_withdrawn_applied_nothing() {
        let at = OffsetDateTime::UNIX_EPOCH;
        let mut text = line(&Record::Start { version: 1, at, test_mode: false, batches: batches(2) });
        for (batch, status, error) in
            [("b00001", Some(429), "HTTP 429 (throttled)"), ("b00002", None, "not sent: paused")]
        {
            text += &line(&Record::Intent {
                batch: batch.into(),
                attempt: 1,
                x_request_id: format!("{batch}-1"),
                test_mode: false,
                at,
            });
            text += &line(&Record::Outcome {
                batch: batch.into(),
                attempt: 1,
                x_request_id: Some(format!("{batch}-1")),
                status,
                answer: None,
                answer_truncated: false,
                error: Some(error.into()),
                is_final: false,
                outcomes: Vec::new(),
                at,
            });
        }
        let state = parse_journal(Path::new("j"), text.as_bytes()).unwrap_or_else(|error| panic!("{error}"));
        assert_eq!(state.pending().count(), 2);
        assert!(state.maybe_applied.is_empty(), "{:?}", state.maybe_applied);
    }

    #[test]
    fn a_torn_last_line_is_ignored_with_a_warning() {
        let complete = journal_text(2);
        let torn = format!("{complete}{{\"type\":\"outcome\",\"batch\":\"b00002\",\"att");
        let state = parse_journal(Path::new("j"), torn.as_bytes()).unwrap_or_else(|error| panic!("{error}"));
        assert_eq!(state.warnings.len(), 1, "{:?}", state.warnings);
        assert!(state.warnings[0].contains("line 7"));
        assert_eq!(state.valid_length, complete.len() as u64);
        assert_eq!(state.pending().count(), 1);
    }

    #[test]
    fn a_torn_line_elsewhere_is_an_error_naming_it() {
        let text = journal_text(2);
        let mut lines: Vec<&str> = text.lines().collect();
        lines[2] = "{\"type\":\"outco";
        let broken = lines.join("\n") + "\n";
        let error = parse_journal(Path::new("run/journal.jsonl"), broken.as_bytes()).err();
        assert!(matches!(error, Some(JournalError::Corrupt { line: 3, .. })), "{error:?}");
        assert!(error.is_some_and(|error| error.to_string().contains("run/journal.jsonl, line 3")));
    }

    #[test]
    fn a_journal_must_start_with_the_plan() {
        assert!(matches!(parse_journal(Path::new("j"), b""), Err(JournalError::MissingStart { .. })));
        let text = journal_text(1);
        let without_start: String = text.lines().skip(1).map(|line| format!("{line}\n")).collect();
        assert!(matches!(
            parse_journal(Path::new("j"), without_start.as_bytes()),
            Err(JournalError::MissingStart { .. })
        ));
    }
}
