//! Reading a run's journal back: which batches are settled (and with what outcomes), which are
//! still to send, and the plan itself ([`read_journal`] → [`ResumeState`]).
//!
//! A batch is settled when the journal has a `final` outcome for it; every other batch of the
//! `start` line (never sent, sent without an answer, or stopped between retries) is sent again,
//! as is (UMAPI.md D "unknown outcome"). A torn last line is ignored with a warning (the writer
//! cuts it off before appending); an unreadable line anywhere else is an error naming its line.
//!
//! Follow-up batches (`resolution` records) join the plan in the order they were journaled, and
//! the users of packed steps they settled keep their settlement; a settled batch answered after an
//! attempt that may have been applied is remembered ([`ResumeState::after_doubt`]), since its
//! refusals may be UMAPI saying the work is done.
//!
//! The journal also gives the run as it stands ([`ResumeState::report`]: what `apply --resume`
//! writes into the reports before it sends anything) and its segments ([`Segment`]: the first run
//! and each resume, with the requests each sent, for `summary.json`). This file only reads; the
//! executor runs what is left.

use std::collections::{HashMap, HashSet};
use std::path::{Path, PathBuf};

use time::OffsetDateTime;

use crate::execute::batch_task::UNANSWERED;
use crate::execute::journal::{JOURNAL_FILE, JOURNAL_VERSION, JournalError, NOT_SENT, Record};
use crate::execute::outcome::{BatchResult, CommandOutcome, NotAttemptedReason, RunEnd, RunReport, RunStatistics};
use crate::execute::packed::MemberSettlement;
use crate::plan::batch::Batch;

/// One segment of a run: the first run, or one resume of it, as the journal tells it.
#[derive(Clone, Debug, PartialEq)]
pub struct Segment {
    /// When it began (the `start` or `resume` line).
    pub started_at: OffsetDateTime,
    /// How it ended; `None` when the journal has no `end` line for it (killed, or still running).
    pub end: Option<RunEnd>,
    /// Batches it sent at least once.
    pub batches_sent: u64,
    /// Requests it put on the wire (every attempt, retries included): its `intent` lines.
    pub attempts: u64,
    /// Of those, answered 429.
    pub throttled: u64,
}

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
    /// Batches without a final outcome that were sent and may have been applied: an attempt is not
    /// known to have failed before UMAPI did anything (a 429 or a 401 rules that out).
    pub in_doubt: HashSet<String>,
    /// The run's segments, in order.
    pub segments: Vec<Segment>,
    /// Follow-up batches the run added to settle packed steps, in order (after `batches`).
    pub follow_ups: Vec<Batch>,
    /// How users of packed steps were settled.
    pub settlements: Vec<MemberSettlement>,
    /// Settled batches whose final answer came after an attempt that may have been applied.
    pub after_doubt: HashSet<String>,
}

impl ResumeState {
    /// The plan's batches, then the follow-ups.
    pub fn all_batches(&self) -> impl Iterator<Item = &Batch> {
        self.batches.iter().chain(&self.follow_ups)
    }

    /// The batches still to send, in plan order (follow-ups last).
    pub fn pending(&self) -> impl Iterator<Item = &Batch> {
        self.all_batches().filter(|batch| !self.settled.contains_key(&batch.id))
    }

    /// Whether every batch is settled.
    pub fn is_complete(&self) -> bool {
        self.all_batches().all(|batch| self.settled.contains_key(&batch.id))
    }

    /// When the run started (the `start` line).
    pub fn started_at(&self) -> Option<OffsetDateTime> {
        self.segments.first().map(|segment| segment.started_at)
    }

    /// Requests put on the wire by every segment.
    pub fn attempts(&self) -> u64 {
        self.segments.iter().map(|segment| segment.attempts).sum()
    }

    /// The run as the journal tells it: settled batches with their outcomes, batches sent without
    /// an answer Unknown when they may have been applied, the rest not attempted ("pending"). It
    /// ends as the last segment ended (`Cancelled` when that segment has no end line: it was
    /// killed); the statistics are left empty (`summary.json` counts from [`Self::segments`]).
    pub fn report(&self) -> RunReport {
        let batches = self
            .all_batches()
            .map(|batch| {
                let outcomes = self.settled.get(&batch.id).cloned().unwrap_or_else(|| {
                    let outcome = if self.in_doubt.contains(&batch.id) {
                        CommandOutcome::Unknown { reason: UNANSWERED.to_string(), x_request_id: None }
                    } else {
                        CommandOutcome::NotAttempted { reason: NotAttemptedReason::Pending }
                    };
                    vec![outcome; batch.commands.len()]
                });
                BatchResult { batch_id: batch.id.clone(), outcomes }
            })
            .collect();
        let end = match self.segments.last().and_then(|segment| segment.end.clone()) {
            Some(end) => end,
            None if self.is_complete() => RunEnd::Finished,
            None => RunEnd::Cancelled,
        };
        RunReport {
            batches,
            follow_ups: self.follow_ups.clone(),
            settlements: self.settlements.clone(),
            statistics: RunStatistics::default(),
            end,
            test_mode: self.test_mode,
            warnings: self.warnings.clone(),
        }
    }
}

/// What the reading keeps per batch to tell whether an unsettled one is in doubt.
#[derive(Default)]
struct Attempts {
    sent: u32,
    failed_before_applying: u32,
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
        in_doubt: HashSet::new(),
        segments: Vec::new(),
        follow_ups: Vec::new(),
        settlements: Vec::new(),
        after_doubt: HashSet::new(),
    };
    let mut attempts: HashMap<String, Attempts> = HashMap::new();
    let mut sent_this_segment: HashSet<String> = HashSet::new();
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
        count(&mut state, &mut attempts, &mut sent_this_segment, &record);
        apply(&mut state, record, path)?;
        started = true;
        offset = next;
        state.valid_length = next as u64;
    }
    if !started {
        return Err(JournalError::MissingStart { path: path.to_path_buf() });
    }
    for (batch, attempts) in attempts {
        let maybe_applied = attempts.sent.saturating_sub(attempts.failed_before_applying);
        if !state.settled.contains_key(&batch) && maybe_applied > 0 {
            state.in_doubt.insert(batch);
        } else if state.settled.contains_key(&batch) && maybe_applied > 1 {
            // The final answer's own attempt plus at least one other that may have been applied.
            state.after_doubt.insert(batch);
        }
    }
    Ok(state)
}

/// Keeps the segments' counts and each batch's attempts.
fn count(
    state: &mut ResumeState,
    attempts: &mut HashMap<String, Attempts>,
    sent_this_segment: &mut HashSet<String>,
    record: &Record,
) {
    let new_segment =
        |at: OffsetDateTime| Segment { started_at: at, end: None, batches_sent: 0, attempts: 0, throttled: 0 };
    match record {
        Record::Start { at, .. } | Record::Resume { at } => {
            state.segments.push(new_segment(*at));
            sent_this_segment.clear();
        }
        Record::Intent { batch, .. } => {
            attempts.entry(batch.clone()).or_default().sent += 1;
            if let Some(segment) = state.segments.last_mut() {
                segment.attempts += 1;
                if sent_this_segment.insert(batch.clone()) {
                    segment.batches_sent += 1;
                }
            }
        }
        Record::Outcome { batch, status, is_final: false, error, .. } => {
            // A 429 or a 401 is answered before UMAPI does anything; a withdrawn attempt was never
            // sent at all.
            let withdrawn = error.as_deref().is_some_and(|error| error.starts_with(NOT_SENT));
            if matches!(status, Some(429 | 401)) || withdrawn {
                attempts.entry(batch.clone()).or_default().failed_before_applying += 1;
            }
            if withdrawn && let Some(segment) = state.segments.last_mut() {
                segment.attempts = segment.attempts.saturating_sub(1);
            }
            if *status == Some(429)
                && let Some(segment) = state.segments.last_mut()
            {
                segment.throttled += 1;
            }
        }
        Record::End { end, .. } => {
            if let Some(segment) = state.segments.last_mut() {
                segment.end = Some(end.clone());
            }
        }
        Record::Outcome { .. } | Record::Resolution { .. } => {}
    }
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
        Record::Outcome { batch, x_request_id, status, is_final, outcomes, .. } => {
            if status.is_some()
                && let Some(id) = x_request_id
            {
                state.answered_request_ids.push(id);
            }
            let expected =
                state.all_batches().find(|candidate| candidate.id == batch).map(|batch| batch.commands.len());
            if is_final && expected == Some(outcomes.len()) {
                state.settled.insert(batch, outcomes);
            }
        }
        Record::Resolution { settled, batches, .. } => {
            state.settlements.extend(settled);
            state.follow_ups.extend(batches);
        }
        Record::End { end, .. } => state.ends.push(end),
        Record::Resume { .. } | Record::Intent { .. } => {}
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
                sources: vec![CommandSource::row(number - 1, number as u64 + 1)],
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

    #[test]
    fn the_journal_tells_the_run_as_it_stands_segment_by_segment() {
        // b00001 answered; b00002 sent and never answered (killed); b00003 only ever answered 429.
        let at = OffsetDateTime::UNIX_EPOCH;
        let full = journal_text(3);
        let lines: Vec<&str> = full.lines().collect();
        let head = lines[..3].join("\n") + "\n";
        let mut text = head.clone();
        text += &line(&Record::Intent {
            batch: "b00002".into(),
            attempt: 1,
            x_request_id: "x2".into(),
            test_mode: false,
            at,
        });
        text += &line(&Record::Intent {
            batch: "b00003".into(),
            attempt: 1,
            x_request_id: "x3".into(),
            test_mode: false,
            at,
        });
        text += &line(&Record::Outcome {
            batch: "b00003".into(),
            attempt: 1,
            x_request_id: Some("x3".into()),
            status: Some(429),
            answer: None,
            answer_truncated: false,
            error: Some("HTTP 429".into()),
            is_final: false,
            outcomes: Vec::new(),
            at,
        });
        text += &line(&Record::Resume { at: at + time::Duration::hours(1) });
        text += &line(&Record::Intent {
            batch: "b00003".into(),
            attempt: 1,
            x_request_id: "x4".into(),
            test_mode: false,
            at,
        });
        let state = parse_journal(Path::new("j"), text.as_bytes()).unwrap_or_else(|error| panic!("{error}"));
        assert_eq!(state.in_doubt, HashSet::from(["b00002".to_string(), "b00003".to_string()]));
        assert_eq!(state.segments.len(), 2);
        assert_eq!(
            (state.segments[0].batches_sent, state.segments[0].attempts, state.segments[0].throttled),
            (3, 3, 1)
        );
        assert_eq!((state.segments[1].batches_sent, state.segments[1].attempts), (1, 1));
        assert!(state.segments.iter().all(|segment| segment.end.is_none()), "both were killed");
        assert_eq!(state.started_at(), Some(at));
        assert_eq!(state.attempts(), 4);
        let report = state.report();
        assert_eq!(report.end, RunEnd::Cancelled);
        assert!(report.batches[0].outcomes[0].is_success());
        assert!(matches!(report.batches[1].outcomes[0], CommandOutcome::Unknown { .. }));
        assert!(matches!(report.batches[2].outcomes[0], CommandOutcome::Unknown { .. }), "sent again, unanswered");

        // Only 429s: nothing was applied, the request is simply not sent yet.
        let throttled_only = head + &text.lines().skip(4).take(2).map(|line| format!("{line}\n")).collect::<String>();
        let state = parse_journal(Path::new("j"), throttled_only.as_bytes()).unwrap_or_else(|error| panic!("{error}"));
        assert!(state.in_doubt.is_empty(), "{:?}", state.in_doubt);
        let report = state.report();
        assert_eq!(report.batches[2].outcomes[0], CommandOutcome::NotAttempted { reason: NotAttemptedReason::Pending });
    }

    #[test]
    fn an_attempt_withdrawn_before_it_was_sent_applied_nothing() {
        let at = OffsetDateTime::UNIX_EPOCH;
        let mut text = line(&Record::Start { version: 1, at, test_mode: false, batches: batches(1) });
        text += &line(&Record::Intent {
            batch: "b00001".into(),
            attempt: 1,
            x_request_id: "b00001-1".into(),
            test_mode: false,
            at,
        });
        text += &line(&Record::Outcome {
            batch: "b00001".into(),
            attempt: 1,
            x_request_id: Some("b00001-1".into()),
            status: None,
            answer: None,
            answer_truncated: false,
            error: Some(format!("{NOT_SENT} a 429 paused every request first")),
            is_final: false,
            outcomes: Vec::new(),
            at,
        });
        let state = parse_journal(Path::new("j"), text.as_bytes()).unwrap_or_else(|error| panic!("{error}"));
        assert_eq!(state.pending().count(), 1);
        assert!(state.in_doubt.is_empty(), "a withdrawn attempt was never sent: {:?}", state.in_doubt);
        assert_eq!(state.attempts(), 0, "nor is it counted as an attempt");
    }

    #[test]
    fn follow_ups_join_the_plan_and_settlements_are_kept_and_doubt_before_an_answer_is_remembered() {
        use crate::execute::packed::{MemberRef, MemberSettlement, Settled};
        let at = OffsetDateTime::UNIX_EPOCH;
        let mut text = line(&Record::Start { version: 3, at, test_mode: false, batches: batches(1) });
        let intent = |attempt: u32| Record::Intent {
            batch: "b00001".into(),
            attempt,
            x_request_id: format!("x{attempt}"),
            test_mode: false,
            at,
        };
        let outcome = |attempt: u32, status: u16, is_final: bool| Record::Outcome {
            batch: "b00001".into(),
            attempt,
            x_request_id: Some(format!("x{attempt}")),
            status: Some(status),
            answer: None,
            answer_truncated: false,
            error: (!is_final).then(|| "HTTP 502".to_string()),
            is_final,
            outcomes: if is_final {
                vec![CommandOutcome::Succeeded { x_request_id: format!("x{attempt}"), warnings: Vec::new() }]
            } else {
                Vec::new()
            },
            at,
        };
        // A 502 (perhaps applied), then the answer: the batch is settled after a doubt.
        text += &line(&intent(1));
        text += &line(&outcome(1, 502, false));
        text += &line(&intent(2));
        text += &line(&outcome(2, 200, true));
        let follow_up = Batch { id: "f00001".into(), ..batches(1).remove(0) };
        let settlement = MemberSettlement {
            member: MemberRef { batch: "b00001".into(), command: 0, step: 0, user: 3 },
            how: Settled::FollowUp { batch: "f00001".into() },
        };
        text +=
            &line(&Record::Resolution { settled: vec![settlement.clone()], batches: vec![follow_up], reads: 2, at });
        let state = parse_journal(Path::new("j"), text.as_bytes()).unwrap_or_else(|error| panic!("{error}"));
        assert_eq!(state.after_doubt, HashSet::from(["b00001".to_string()]));
        assert!(state.in_doubt.is_empty());
        assert_eq!(state.pending().map(|batch| batch.id.as_str()).collect::<Vec<_>>(), ["f00001"]);
        assert!(!state.is_complete());
        let report = state.report();
        assert_eq!(report.batches.len(), 2, "the plan's batch and the follow-up");
        assert_eq!(report.follow_ups.len(), 1);
        assert_eq!(report.settlements, vec![settlement]);
        assert_eq!(report.batches[1].outcomes[0], CommandOutcome::NotAttempted { reason: NotAttemptedReason::Pending });
        // A journal written by a newer version is refused by its number.
        let newer = line(&Record::Start { version: JOURNAL_VERSION + 1, at, test_mode: false, batches: batches(1) });
        assert!(matches!(parse_journal(Path::new("j"), newer.as_bytes()), Err(JournalError::Version { .. })));
    }
}
