//! The columns of the Console's two bulk formats (SPEC 2.1 user CSV, 2.2 invitation CSV) and the
//! header map: which file column holds which known column. Header names are matched
//! case-insensitively with surrounding spaces ignored, in any order; anything else is an extra
//! column that is kept.
//!
//! Owns names and positions only. Which columns an operation requires, and what a missing or
//! duplicate column means, is decided in `validation`.

use std::collections::HashMap;
use std::collections::hash_map::Entry;

/// A column the Console's formats define.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Column {
    /// `Identity Type`.
    IdentityType,
    /// `Username`.
    Username,
    /// `Domain`.
    Domain,
    /// `Email` (both formats).
    Email,
    /// `First Name`.
    FirstName,
    /// `Last Name`.
    LastName,
    /// `Country Code`.
    CountryCode,
    /// `Product Configurations`.
    ProductConfigurations,
    /// `Admin Roles`.
    AdminRoles,
    /// `Product Configurations Administered`.
    ProductConfigurationsAdministered,
    /// `User Groups`.
    UserGroups,
    /// `User Groups Administered`.
    UserGroupsAdministered,
    /// `Products Administered`.
    ProductsAdministered,
    /// `Last Invitation Sent` (invitation CSV).
    LastInvitationSent,
    /// `Sent By Email` (invitation CSV).
    SentByEmail,
    /// `Sent By First Name` (invitation CSV).
    SentByFirstName,
    /// `Sent By Last Name` (invitation CSV).
    SentByLastName,
    /// `Result` (invitation CSV).
    Result,
}

/// The column `retry.csv` adds to the input's (why each row is worth running again). A file fed
/// back to `apply` keeps it without a warning: it is the tool's own.
pub const HINT_COLUMN: &str = "Hint";

/// The columns `results.csv` adds to the input's.
pub const RESULT_COLUMNS: [&str; 6] = ["Result", "Error Code", "Error Message", "Request ID", "Line", "No Licence"];

/// Number of [`Column`] variants.
pub const COLUMN_COUNT: usize = 18;

impl Column {
    /// The user CSV's columns, in the Console's order.
    pub const USER: [Column; 13] = [
        Self::IdentityType,
        Self::Username,
        Self::Domain,
        Self::Email,
        Self::FirstName,
        Self::LastName,
        Self::CountryCode,
        Self::ProductConfigurations,
        Self::AdminRoles,
        Self::ProductConfigurationsAdministered,
        Self::UserGroups,
        Self::UserGroupsAdministered,
        Self::ProductsAdministered,
    ];

    /// The invitation CSV's columns, in the Console's order.
    pub const INVITATION: [Column; 6] = [
        Self::Email,
        Self::LastInvitationSent,
        Self::SentByEmail,
        Self::SentByFirstName,
        Self::SentByLastName,
        Self::Result,
    ];

    /// The multi-valued user columns (names separated by commas inside one cell).
    pub const MULTI_VALUED: [Column; 6] = [
        Self::ProductConfigurations,
        Self::AdminRoles,
        Self::ProductConfigurationsAdministered,
        Self::UserGroups,
        Self::UserGroupsAdministered,
        Self::ProductsAdministered,
    ];

    /// The columns `edit` changes.
    pub const EDITABLE: [Column; 6] = Self::MULTI_VALUED;

    /// The Console's spelling of the header.
    pub fn name(self) -> &'static str {
        match self {
            Self::IdentityType => "Identity Type",
            Self::Username => "Username",
            Self::Domain => "Domain",
            Self::Email => "Email",
            Self::FirstName => "First Name",
            Self::LastName => "Last Name",
            Self::CountryCode => "Country Code",
            Self::ProductConfigurations => "Product Configurations",
            Self::AdminRoles => "Admin Roles",
            Self::ProductConfigurationsAdministered => "Product Configurations Administered",
            Self::UserGroups => "User Groups",
            Self::UserGroupsAdministered => "User Groups Administered",
            Self::ProductsAdministered => "Products Administered",
            Self::LastInvitationSent => "Last Invitation Sent",
            Self::SentByEmail => "Sent By Email",
            Self::SentByFirstName => "Sent By First Name",
            Self::SentByLastName => "Sent By Last Name",
            Self::Result => "Result",
        }
    }

    /// The position of the column among the variants (0 to [`COLUMN_COUNT`] − 1).
    pub(crate) fn slot(self) -> usize {
        self as usize
    }
}

/// Normalises a header cell for matching: surrounding spaces (and a stray BOM) removed.
pub fn normalise_header(cell: &str) -> &str {
    cell.trim_matches(|character: char| character.is_whitespace() || character == '\u{FEFF}')
}

/// Where each known column sits in a file, and which cells are extra.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct HeaderMap {
    positions: [Option<usize>; COLUMN_COUNT],
    /// Header cells (trimmed) as the file wrote them, in file order.
    pub names: Vec<String>,
    /// Indices of cells that are not among the known columns of the format.
    pub extra: Vec<usize>,
    /// Pairs (first index, later index) of cells naming the same column.
    pub duplicates: Vec<(usize, usize)>,
}

impl HeaderMap {
    /// Maps a header row against the known columns of one format (`Column::USER` or
    /// `Column::INVITATION`).
    pub fn new(header: &[String], known: &[Column]) -> Self {
        let mut positions = [None; COLUMN_COUNT];
        let mut extra = Vec::new();
        let mut duplicates = Vec::new();
        let names: Vec<String> = header.iter().map(|cell| normalise_header(cell).to_string()).collect();
        // First position of each non-empty name, case-insensitively: a map, not a scan of the
        // earlier cells, so a header of many thousand cells stays linear.
        let mut first_positions: HashMap<String, usize> = HashMap::with_capacity(names.len());
        for (index, name) in names.iter().enumerate() {
            if !name.is_empty() {
                match first_positions.entry(name.to_ascii_lowercase()) {
                    Entry::Occupied(earlier) => {
                        duplicates.push((*earlier.get(), index));
                        continue;
                    }
                    Entry::Vacant(slot) => {
                        slot.insert(index);
                    }
                }
            }
            match known.iter().find(|column| column.name().eq_ignore_ascii_case(name)) {
                Some(column) => positions[column.slot()] = Some(index),
                None => extra.push(index),
            }
        }
        Self { positions, names, extra, duplicates }
    }

    /// The file index of a known column, if the header has it.
    pub fn index(&self, column: Column) -> Option<usize> {
        self.positions[column.slot()]
    }

    /// Whether the header has the column.
    pub fn has(&self, column: Column) -> bool {
        self.index(column).is_some()
    }

    /// The header cell as the file wrote it (trimmed), or the Console's name when absent.
    pub fn display_name(&self, column: Column) -> &str {
        self.index(column).and_then(|index| self.names.get(index)).map_or(column.name(), String::as_str)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn header(cells: &[&str]) -> Vec<String> {
        cells.iter().map(|cell| (*cell).to_string()).collect()
    }

    #[test]
    fn header_matches_case_insensitively_in_any_order_and_keeps_extras() {
        let map = HeaderMap::new(&header(&[" email ", "IDENTITY TYPE", "Developer Access", "username"]), &Column::USER);
        assert_eq!(map.index(Column::Email), Some(0));
        assert_eq!(map.index(Column::IdentityType), Some(1));
        assert_eq!(map.index(Column::Username), Some(3));
        assert_eq!(map.index(Column::Domain), None);
        assert_eq!(map.extra, vec![2]);
        assert_eq!(map.display_name(Column::Email), "email");
        assert_eq!(map.display_name(Column::Domain), "Domain");
    }

    #[test]
    fn duplicate_headers_are_reported_in_pairs() {
        let map = HeaderMap::new(&header(&["Email", "Username", "EMAIL", "x", "X", "", " "]), &Column::USER);
        assert_eq!(map.duplicates, vec![(0, 2), (3, 4)]);
        assert_eq!(map.extra, vec![3, 5, 6]);
        assert_eq!(map.index(Column::Email), Some(0));
    }

    #[test]
    fn column_count_matches_the_variants() {
        assert_eq!(Column::Result as usize + 1, COLUMN_COUNT);
    }
}
