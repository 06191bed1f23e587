//! A borrowed view of one record's cells by column, built from the header map: the same view
//! whether the record is streamed (`check`) or owned (`plan`, `apply`), so the rules are written
//! once over it. Cells are untrimmed; [`RowView::cell`] trims them as the single-valued rules
//! want.
//!
//! A cell that this tool wrote formula-safe (`'=…`, `'+…`, `'-…`, `'@…`, a `'` before a tab or
//! carriage return; see `report::csv_safe`) is read without its guard `'`, as Excel itself does, so
//! that exports, retry and undo files go back in unchanged. Owns the lookup only; no rules here.

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

/// Where the known columns of a file sit: (column, file index) for each column in the header,
/// worked out once per file.
pub(super) fn positions(map: &HeaderMap) -> Vec<(Column, usize)> {
    let mut known: Vec<Column> = Column::USER.into_iter().chain(Column::INVITATION).collect();
    known.sort_unstable();
    known.dedup();
    known.into_iter().filter_map(|column| map.index(column).map(|index| (column, index))).collect()
}

/// `value` without the `'` that guards a formula-looking cell.
pub(crate) fn without_formula_guard(value: &str) -> &str {
    match value.as_bytes() {
        [b'\'', b'=' | b'+' | b'-' | b'@' | b'\t' | b'\r', ..] => &value[1..],
        _ => value,
    }
}

impl<'r> RowView<'r> {
    /// The view of a record on `line` whose field at file index `i` is `field(i)`; `positions`
    /// from [`positions`].
    pub(super) fn new(line: u64, positions: &[(Column, usize)], field: impl Fn(usize) -> Option<&'r str>) -> Self {
        let mut cells = [""; COLUMN_COUNT];
        for &(column, index) in positions {
            if let Some(value) = field(index) {
                cells[column.slot()] = without_formula_guard(value);
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

#[cfg(test)]
mod tests {
    use super::without_formula_guard;

    #[test]
    fn the_formula_guard_is_dropped_and_other_apostrophes_kept() {
        assert_eq!(without_formula_guard("'-Remote, Designers"), "-Remote, Designers");
        assert_eq!(without_formula_guard("'=1+2"), "=1+2");
        assert_eq!(without_formula_guard("'@x"), "@x");
        assert_eq!(without_formula_guard("O'Brien"), "O'Brien");
        assert_eq!(without_formula_guard("'quoted'"), "'quoted'");
        assert_eq!(without_formula_guard("'"), "'");
    }
}
