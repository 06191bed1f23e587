//! `journal.jsonl`: the append-only record of a run, one JSON object per line, and the basis of
//! resume (SPEC 5).
//!
//! Lines, by `type`:
//! - `start`: written when the run starts, before anything is sent: the format version, test mode
//!   and every batch of the plan (commands, sources, dependencies). Resume reads the batches from
//!   here, so it sends exactly the same requests without depending on `plan.json`.
//! - `resume`: a resumed segment begins.
//! - `intent`: batch id, attempt, the attempt's `X-Request-Id`, test mode; written and made durable
//!   before that attempt is sent.
//! - `outcome`: batch id, attempt, `X-Request-Id`, HTTP status, the answer body or the error, and
//!   `final`. A final outcome carries the per-command outcomes and settles the batch; a non-final
//!   one records a transient failure that will be retried.
//! - `resolution`: after every batch was answered, how the users of packed `usergroup` steps that
//!   did not simply succeed were settled (a read of the group, the answer, or a follow-up), and the
//!   follow-up batches, which are part of the plan from then on; written before any is sent.
//! - `end`: how a segment ended, with its statistics.
//!
//! Every line is written with one `write` call and then `fsync`ed (`sync_data`): a crash leaves at
//! most a torn last line, which resume ignores with a warning (and cuts off before appending).
//! Measured (`cargo bench --bench executor`): a line costs 0.4 µs written and flushed, 3–4 ms with
//! the fsync. Two lines per request is under 0.15 % of UMAPI's pace of one action request every
//! 6 s, and the benchmark at ten times that pace still finishes within 1.03 × its minimum, so we
//! keep the fsync: without it a power cut could lose the intent of a request that was sent. On a
//! multi-threaded runtime the fsync runs under `block_in_place` so requests in flight are not held
//! up. This file writes; `resume.rs` reads. Neither knows about HTTP.

use std::fs::File;
use std::io::{Read, Seek, SeekFrom, Write};
use std::path::{Path, PathBuf};
use std::sync::Mutex;

use serde::{Deserialize, Serialize};
use time::OffsetDateTime;

use crate::atomic_file::AtomicFile;
use crate::execute::outcome::{CommandOutcome, RunEnd, RunStatistics};
use crate::execute::packed::MemberSettlement;
use crate::plan::batch::Batch;
use crate::umapi::wire::ActionResponse;

/// The journal's file name in the run folder.
pub const JOURNAL_FILE: &str = "journal.jsonl";
/// The journal format version written in the `start` line. Version 2 adds the `unknown` command
/// outcome; version 3 packed `usergroup` commands (a source per user, `plan::batch`) and the
/// `resolution` record. This version reads 1 to 3, and an older umapi-bulk refuses a newer journal
/// by its version instead of failing on a line it cannot parse (or giving every user of a packed
/// command's outcome to one row).
pub const JOURNAL_VERSION: u32 = 3;
/// How an outcome's `error` starts when the attempt was journaled but withdrawn before it was sent
/// (a 429 of another request paused everyone meanwhile).
pub const NOT_SENT: &str = "not sent:";

/// One line of the journal.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(tag = "type", rename_all = "snake_case")]
pub enum Record {
    /// The run starts; the whole plan.
    Start {
        /// Format version.
        version: u32,
        /// When.
        #[serde(with = "time::serde::rfc3339")]
        at: OffsetDateTime,
        /// Whether requests carry `testOnly=true`.
        test_mode: bool,
        /// Every batch, in plan order.
        batches: Vec<Batch>,
    },
    /// A resumed segment begins.
    Resume {
        /// When.
        #[serde(with = "time::serde::rfc3339")]
        at: OffsetDateTime,
    },
    /// An attempt is about to be sent.
    Intent {
        /// The batch.
        batch: String,
        /// 1-based send number of this batch in this segment.
        attempt: u32,
        /// The attempt's `X-Request-Id`.
        x_request_id: String,
        /// Whether it carries `testOnly=true`.
        test_mode: bool,
        /// When.
        #[serde(with = "time::serde::rfc3339")]
        at: OffsetDateTime,
    },
    /// An attempt's result.
    Outcome {
        /// The batch.
        batch: String,
        /// The attempt (matches its intent).
        attempt: u32,
        /// The attempt's `X-Request-Id`.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        x_request_id: Option<String>,
        /// The HTTP status, when an answer came.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        status: Option<u16>,
        /// The parsed 200 answer (its `errors` and `warnings` cut to fit [`MAX_STORED_ANSWER`]).
        #[serde(default, skip_serializing_if = "Option::is_none")]
        answer: Option<ActionResponse>,
        /// Whether `answer` was cut to fit (the outcomes below are always whole).
        #[serde(default, skip_serializing_if = "std::ops::Not::not")]
        answer_truncated: bool,
        /// The error, when there was no usable answer.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        error: Option<String>,
        /// Whether this settles the batch.
        #[serde(rename = "final")]
        is_final: bool,
        /// Per-command outcomes (final outcomes only), aligned with the batch's commands.
        #[serde(default, skip_serializing_if = "Vec::is_empty")]
        outcomes: Vec<CommandOutcome>,
        /// When.
        #[serde(with = "time::serde::rfc3339")]
        at: OffsetDateTime,
    },
    /// Packed steps were settled after every batch was answered; the follow-ups join the plan.
    Resolution {
        /// How each settled user of a packed step was settled.
        settled: Vec<MemberSettlement>,
        /// Follow-up batches, appended to the plan in this order.
        #[serde(default, skip_serializing_if = "Vec::is_empty")]
        batches: Vec<Batch>,
        /// Read requests made to settle them.
        reads: u64,
        /// When.
        #[serde(with = "time::serde::rfc3339")]
        at: OffsetDateTime,
    },
    /// A segment ended.
    End {
        /// How.
        end: RunEnd,
        /// Its counters.
        statistics: RunStatistics,
        /// When.
        #[serde(with = "time::serde::rfc3339")]
        at: OffsetDateTime,
    },
}

/// Most bytes of one answer kept in the journal. Resume needs only the per-command outcomes
/// (always kept whole); the answer is there for people and support, and a hostile or broken
/// server's 10 MB answer must not become a 10 MB journal line per attempt.
pub const MAX_STORED_ANSWER: usize = 64 * 1024;

/// `answer` as the journal keeps it: whole when its JSON fits [`MAX_STORED_ANSWER`], else with
/// its `errors` and `warnings` lists cut from the end until it fits (result and counts kept);
/// the flag says whether it was cut.
pub fn answer_for_journal(mut answer: ActionResponse) -> (ActionResponse, bool) {
    let size = |answer: &ActionResponse| serde_json::to_vec(answer).map_or(usize::MAX, |json| json.len());
    if size(&answer) <= MAX_STORED_ANSWER {
        return (answer, false);
    }
    while size(&answer) > MAX_STORED_ANSWER && !(answer.errors.is_empty() && answer.warnings.is_empty()) {
        if answer.errors.len() >= answer.warnings.len() {
            answer.errors.truncate(answer.errors.len() / 2);
        } else {
            answer.warnings.truncate(answer.warnings.len() / 2);
        }
    }
    if size(&answer) > MAX_STORED_ANSWER {
        answer.message = None;
        answer.result = answer.result.chars().take(100).collect();
    }
    (answer, true)
}

/// The journal cannot be written or read.
#[derive(Debug, thiserror::Error)]
pub enum JournalError {
    /// An I/O error on the journal file.
    #[error("journal {path}: {source}")]
    Io {
        /// The file.
        path: PathBuf,
        /// The error.
        #[source]
        source: std::io::Error,
    },
    /// A fresh run found a journal already there.
    #[error("journal {path} already exists; resume that run instead of starting over in its folder")]
    Exists {
        /// The file.
        path: PathBuf,
    },
    /// A line other than the last does not parse.
    #[error("journal {path}, line {line}: not a journal record ({detail})")]
    Corrupt {
        /// The file.
        path: PathBuf,
        /// 1-based line number.
        line: usize,
        /// The parser's complaint.
        detail: String,
    },
    /// The journal does not begin with a `start` line.
    #[error("journal {path} does not begin with the run's start record (is this a run folder?)")]
    MissingStart {
        /// The file.
        path: PathBuf,
    },
    /// The journal was written by a newer version.
    #[error(
        "journal {path} has format version {version}; this umapi-bulk reads versions 1 to {JOURNAL_VERSION} (use the umapi-bulk that started the run, or a newer one)"
    )]
    Version {
        /// The file.
        path: PathBuf,
        /// The version found.
        version: u32,
    },
}

/// An open journal, shared by the executor's tasks.
#[derive(Debug)]
pub struct Journal {
    path: PathBuf,
    file: Mutex<File>,
}

impl Journal {
    /// Creates `journal.jsonl` in `run_dir` (which must exist) with its `start` line. The line is
    /// written and flushed under a temporary name, which is then renamed to the journal's: a full
    /// disk or a crash leaves either no journal or a whole first line, never a torn one that a resume
    /// would refuse. The file is then opened for appending.
    pub fn create(run_dir: &Path, batches: &[Batch], test_mode: bool) -> Result<Self, JournalError> {
        let path = run_dir.join(JOURNAL_FILE);
        let io = |source| JournalError::Io { path: path.clone(), source };
        if path.symlink_metadata().is_ok() {
            return Err(JournalError::Exists { path });
        }
        let start = Record::Start {
            version: JOURNAL_VERSION,
            at: OffsetDateTime::now_utc(),
            test_mode,
            batches: batches.to_vec(),
        };
        let mut line = serde_json::to_vec(&start).map_err(|error| io(error.into()))?;
        line.push(b'\n');
        let mut file = AtomicFile::create(&path).map_err(io)?;
        file.write_all(&line).map_err(io)?;
        file.commit_new().map_err(|source| {
            if source.kind() == std::io::ErrorKind::AlreadyExists {
                JournalError::Exists { path: path.clone() }
            } else {
                JournalError::Io { path: path.clone(), source }
            }
        })?;
        let file = File::options().append(true).open(&path).map_err(io)?;
        Ok(Self { path, file: Mutex::new(file) })
    }

    /// Opens an existing journal for appending after its first `valid_length` bytes (everything
    /// after, a torn last line, is cut off; a missing final newline is added).
    ///
    /// The file is opened in append mode, as [`Journal::create`] leaves it: every line lands at the
    /// end of the file as it is when written, never over lines another writer added after we read
    /// it. (The run folder's lock keeps a second `apply` out; append mode is what keeps the journal
    /// whole should anything else ever write to it.)
    pub fn reopen(path: &Path, valid_length: u64) -> Result<Self, JournalError> {
        let io = |source| JournalError::Io { path: path.to_path_buf(), source };
        let mut file = File::options().read(true).append(true).open(path).map_err(io)?;
        file.set_len(valid_length).map_err(io)?;
        let mut text_end = [0_u8; 1];
        if valid_length > 0 {
            file.seek(SeekFrom::Start(valid_length - 1)).map_err(io)?;
            file.read_exact(&mut text_end).map_err(io)?;
        }
        if valid_length > 0 && text_end[0] != b'\n' {
            file.write_all(b"\n").map_err(io)?;
        }
        file.sync_data().map_err(io)?;
        Ok(Self { path: path.to_path_buf(), file: Mutex::new(file) })
    }

    /// The journal's path.
    pub fn path(&self) -> &Path {
        &self.path
    }

    /// Appends one record as one line, then flushes it to disk.
    pub fn append(&self, record: &Record) -> Result<(), JournalError> {
        let mut line = serde_json::to_vec(record)
            .map_err(|error| JournalError::Io { path: self.path.clone(), source: error.into() })?;
        line.push(b'\n');
        let write = || {
            let mut file = self.file.lock().unwrap_or_else(|poisoned| poisoned.into_inner());
            file.write_all(&line)
                .and_then(|()| file.sync_data())
                .map_err(|source| JournalError::Io { path: self.path.clone(), source })
        };
        // fsync blocks for milliseconds; on a multi-threaded runtime let tokio move other tasks
        // (the requests in flight) off this thread meanwhile.
        match tokio::runtime::Handle::try_current() {
            Ok(handle) if handle.runtime_flavor() == tokio::runtime::RuntimeFlavor::MultiThread => {
                tokio::task::block_in_place(write)
            }
            _ => write(),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::plan::batch::CommandSource;
    use crate::umapi::wire::Command;

    pub(crate) fn sample_batches() -> Vec<Batch> {
        vec![Batch {
            id: "b00001".into(),
            commands: vec![Command { user: Some("a@example.com".into()), ..Command::default() }],
            sources: vec![CommandSource::row(0, 2)],
            after: Vec::new(),
        }]
    }

    #[test]
    fn the_start_line_holds_the_plan_and_a_second_create_is_refused() {
        let dir = tempfile::tempdir().unwrap_or_else(|error| panic!("{error}"));
        let journal = Journal::create(dir.path(), &sample_batches(), true);
        assert!(journal.is_ok());
        let text = std::fs::read_to_string(dir.path().join(JOURNAL_FILE)).unwrap_or_default();
        let record: Record = serde_json::from_str(text.trim_end()).unwrap_or_else(|error| panic!("{error}: {text}"));
        assert!(matches!(record, Record::Start { test_mode: true, ref batches, .. } if batches == &sample_batches()));
        assert!(matches!(Journal::create(dir.path(), &sample_batches(), true), Err(JournalError::Exists { .. })));
    }

    #[test]
    fn reopening_cuts_a_torn_tail_and_restores_the_newline() {
        let dir = tempfile::tempdir().unwrap_or_else(|error| panic!("{error}"));
        let path = dir.path().join(JOURNAL_FILE);
        std::fs::write(&path, "{\"a\":1}\n{\"b\":2}{\"torn").unwrap_or_default();
        let journal = Journal::reopen(&path, 15).unwrap_or_else(|error| panic!("{error}"));
        journal.append(&Record::Resume { at: OffsetDateTime::UNIX_EPOCH }).unwrap_or_else(|error| panic!("{error}"));
        let text = std::fs::read_to_string(&path).unwrap_or_default();
        assert_eq!(text, "{\"a\":1}\n{\"b\":2}\n{\"type\":\"resume\",\"at\":\"1970-01-01T00:00:00Z\"}\n");
    }

    #[test]
    fn a_huge_answer_is_cut_to_fit_and_a_normal_one_kept_whole() {
        use crate::umapi::wire::ActionError;
        let error = |index: usize| ActionError {
            index,
            error_code: "error.user.nonexistent".into(),
            message: "x".repeat(900),
            ..ActionError::default()
        };
        let normal = ActionResponse { result: "partial".into(), errors: vec![error(0)], ..ActionResponse::default() };
        assert_eq!(answer_for_journal(normal.clone()), (normal, false));
        let huge = ActionResponse {
            result: "partial".into(),
            completed: 3,
            not_completed: 100_000,
            errors: (0..100_000).map(error).collect(),
            ..ActionResponse::default()
        };
        let (kept, cut) = answer_for_journal(huge);
        assert!(cut);
        let json = serde_json::to_vec(&kept).unwrap_or_default();
        assert!(json.len() <= MAX_STORED_ANSWER && json.len() > MAX_STORED_ANSWER / 4, "{}", json.len());
        assert_eq!((kept.result.as_str(), kept.completed, kept.not_completed), ("partial", 3, 100_000));
        assert_eq!(kept.errors[0], error(0));
    }

    #[test]
    fn two_writers_of_one_reopened_journal_never_overwrite_each_others_lines() {
        let dir = tempfile::tempdir().unwrap_or_else(|error| panic!("{error}"));
        Journal::create(dir.path(), &sample_batches(), false).unwrap_or_else(|error| panic!("{error}"));
        let path = dir.path().join(JOURNAL_FILE);
        let length = std::fs::metadata(&path).map(|metadata| metadata.len()).unwrap_or_default();
        // Two segments that both read the journal at the same length (as two resumes would).
        let first = Journal::reopen(&path, length).unwrap_or_else(|error| panic!("{error}"));
        let second = Journal::reopen(&path, length).unwrap_or_else(|error| panic!("{error}"));
        for round in 0..20 {
            let at = OffsetDateTime::UNIX_EPOCH + time::Duration::seconds(round);
            first.append(&Record::Resume { at }).unwrap_or_else(|error| panic!("{error}"));
            second
                .append(&Record::End { end: RunEnd::Cancelled, statistics: RunStatistics::default(), at })
                .unwrap_or_else(|error| panic!("{error}"));
        }
        let state = crate::execute::resume::read_journal(dir.path()).unwrap_or_else(|error| panic!("{error}"));
        assert!(state.warnings.is_empty(), "{:?}", state.warnings);
        assert_eq!(state.ends.len(), 20, "every line of both writers is whole and kept");
        let text = std::fs::read_to_string(&path).unwrap_or_default();
        assert_eq!(text.lines().count(), 41);
        assert_eq!(text.matches("\"type\":\"resume\"").count(), 20);
    }
}
