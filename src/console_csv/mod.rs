//! Bytes → positioned records: encoding and BOM sniffing, delimiter detection, the header map and
//! the multi-valued cell helper for the Console's bulk CSV files (SPEC 2.3). No validation rules
//! live here: this layer reports what it found (typed problems) and `validation` turns that into
//! diagnostics with codes.
//!
//! Entry points: [`RecordStream`] reads one record at a time into reused buffers, keeping each
//! record's physical start line; [`parse`] collects its records as owned strings. Neither panics
//! on any input (a property test feeds them arbitrary bytes). [`split_file`] is the byte-exact
//! splitter behind `umapi-bulk split`.

pub mod columns;
pub mod delimiter;
pub mod encoding;
pub mod multi_value;
pub mod reader;
pub mod splitter;
pub mod stream;

pub use columns::{Column, HeaderMap};
pub use encoding::EncodingProblem;
pub use reader::{FileProblem, MAX_COLUMNS, ParsedCsv, RecordProblem, SourceRecord, parse};
pub use splitter::{SplitError, SplitOptions, SplitPart, split_file};
pub use stream::{Fields, Item, RecordStream};
