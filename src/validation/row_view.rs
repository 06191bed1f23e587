//! A borrowed view of one record's cells by column, built from the header map: the same view
//! whether the record is streamed (`check`) or owned (`plan`, `apply`), so the rules are written
//! once over it. Cells are untrimmed; [`RowView::cell`] trims them as the single-valued rules
//! want.
//!
//! Owns the lookup only; no rules here.

use crate::console_csv::columns::COLUMN_COUNT;
use crate::console_csv::{Column, HeaderMap};

use super::name_scan::trim;

/// One record's cells, by column.
#[derive(Clone, Copy, Debug)]
pub(super) struct RowView<'r> {
    /// 1-based physical line of the record.
    pub line: u64,
    cells: [&'r str; COLUMN_COUNT],
}

impl<'r> RowView<'r> {
    /// The view of a record on `line` whose field at file index `i` is `field(i)`.
    pub(super) fn new(line: u64, map: &HeaderMap, field: impl Fn(usize) -> Option<&'r str>) -> Self {
        let mut cells = [""; COLUMN_COUNT];
        for column in Column::USER.into_iter().chain(Column::INVITATION) {
            if let Some(value) = map.index(column).and_then(&field) {
                cells[column.slot()] = value;
            }
        }
        Self { line, cells }
    }

    /// The cell as written ("" when the column is absent or the record is short).
    pub(super) fn raw(&self, column: Column) -> &'r str {
        self.cells[column.slot()]
    }

    /// The cell with surrounding whitespace removed.
    pub(super) fn cell(&self, column: Column) -> &'r str {
        trim(self.raw(column))
    }
}
