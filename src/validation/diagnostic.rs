//! Diagnostics: the stable codes (`E0xx` errors, `W0xx` warnings, and `E1xx` for what only the
//! planner can find: names and users the org does not have), their severity and scope, and the
//! [`Diagnostic`] record every rule produces. Codes never change meaning once released; a new
//! rule gets a new number. docs/csv-rules.md lists them.
//!
//! Owns the vocabulary only: rules live in `file_rules` and `user_rules`, rendering in `render`.

use std::cmp::Ordering;

use serde::{Serialize, Serializer};

/// How bad a diagnostic is.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Severity {
    /// The row (or file) cannot be used.
    Error,
    /// Worth knowing; the row is still used.
    Warning,
}

impl Severity {
    /// `error` or `warning`.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Error => "error",
            Self::Warning => "warning",
        }
    }
}

impl Serialize for Severity {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.serialize_str(self.as_str())
    }
}

macro_rules! codes {
    ($($variant:ident = $text:literal, $scope:ident, $title:literal;)*) => {
        /// A stable diagnostic code.
        #[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
        pub enum Code {
            $(#[doc = $title] $variant,)*
        }

        impl Code {
            /// Every code, in numeric order.
            pub const ALL: &'static [Code] = &[$(Code::$variant,)*];

            /// The stable text, e.g. `E012`.
            pub fn as_str(self) -> &'static str {
                match self { $(Self::$variant => $text,)* }
            }

            /// One line saying what the code means (the table of docs/csv-rules.md).
            pub fn title(self) -> &'static str {
                match self { $(Self::$variant => $title,)* }
            }

            /// Whether the diagnostic is about the file as a whole: an error with this code makes
            /// every row unusable.
            pub fn is_file_level(self) -> bool {
                match self { $(Self::$variant => codes!(@scope $scope),)* }
            }
        }
    };
    (@scope file) => { true };
    (@scope row) => { false };
    (@scope org) => { false };
}

codes! {
    FileTooLarge = "E001", file, "the file is larger than 10 MB (10,485,760 bytes)";
    TooManyRows = "E002", file, "the file has more than 5,000 data rows";
    WideEncoding = "E003", file, "the file is UTF-16 or UTF-32 (Excel's \"Unicode Text\"), not UTF-8";
    NotUtf8 = "E004", file, "the file holds bytes that are not UTF-8 (e.g. Windows-1252)";
    NulByte = "E005", file, "the file holds NUL bytes (binary or corrupted)";
    EmptyFile = "E006", file, "the file is empty";
    NoDataRows = "E007", file, "the file has a header but no data rows";
    TabSeparated = "E008", file, "the file is tab-separated; the Console takes comma or semicolon";
    UnbalancedQuotes = "E009", file, "a quote is never closed, so records run together";
    MissingColumn = "E010", file, "a required column is missing from the header";
    DuplicateColumn = "E011", file, "two header cells name the same column";
    CountryInvalid = "E012", row, "the country code is not ISO 3166-1 alpha-2";
    NothingToEdit = "E013", file, "an edit file has no editable column, so nothing would change";
    TooManyColumns = "E014", file, "the header has more than 1,000 columns";
    Spreadsheet = "E015", file, "the file is a spreadsheet (.xlsx, .xls, .ods), not a CSV";
    FieldCount = "E020", row, "the row has more or fewer fields than the header";
    StrayQuote = "E021", row, "a quote inside an unquoted cell, or text after a closing quote";
    IdentityTypeMissing = "E022", row, "Identity Type is empty";
    IdentityTypeUnknown = "E023", row, "Identity Type is not Adobe ID, Enterprise ID or Federated ID";
    UsernameMissing = "E024", row, "Username is empty";
    UsernameNotEmail = "E025", row, "Adobe ID and Enterprise ID: Username must equal Email";
    UsernameNotEmailShaped = "E026", row, "Federated ID: a Username with @ must be in email format";
    DomainMissing = "E027", row, "Federated ID: Domain is empty";
    DomainInvalid = "E028", row, "Domain is not a domain name";
    EmailMissing = "E029", row, "Email is empty";
    EmailInvalid = "E030", row, "Email is not a valid address";
    DomainNotClaimed = "E031", row, "the domain is not among the org's claimed domains";
    FirstNameMissing = "E032", row, "Enterprise ID and Federated ID: First Name is empty";
    LastNameMissing = "E033", row, "Enterprise ID and Federated ID: Last Name is empty";
    NameSeparator = "E034", row, "a name contains , or ; (the Console's import rejects them)";
    TooLongForConsole = "E035", row, "longer than the Admin Console's 255-character limit";
    TooLongForUmapi = "E036", row, "longer than UMAPI's limit (email 60 on create, names 250, other strings 250)";
    ControlCharacter = "E037", row, "a cell holds a line break, tab or other control character";
    CountryMissing = "E038", row, "Enterprise ID and Federated ID: Country Code is empty";
    CountryUndefinedFederated = "E039", row, "Federated ID: country UD (undefined) is not allowed";
    AdminRoleUnknown = "E040", row, "an admin role the Console does not know";
    SystemRoleNotGrantable = "E041", row, "add: the System admin role cannot be granted through UMAPI";
    RoleWithoutAdministered = "E042", row, "a role needs its \"… Administered\" names";
    AdministeredWithoutRole = "E043", row, "\"… Administered\" names without their role";
    DuplicateUser = "E044", row, "a second row for the same Email + Identity Type (revoke: the same Email)";
    ProductConfigurationNotInOrg = "E101", org, "the org has no product configuration by that name";
    UserGroupNotInOrg = "E102", org, "the org has no user group by that name";
    ProductNotInOrg = "E103", org, "the org has no product by that name";
    UserNotInOrg = "E104", org, "edit: the user the row names is not in the org";
    UnknownColumn = "W001", row, "a column the format does not define; kept and carried into reports";
    DuplicateName = "W002", row, "a name listed twice in one cell; used once";
    SystemRoleUnchanged = "W003", row, "edit: the System role is left unchanged (UMAPI cannot grant or remove it)";
    EmptyRow = "W004", row, "an entirely empty row; skipped";
    IdentityTypeEmptyRemove = "W005", row, "remove: Identity Type empty; the user is identified by Email alone";
    DomainNotClaimedExisting = "W006", row, "edit/remove: the domain is not claimed (fine for a trusted domain)";
    LooksLikeUserCsv = "W007", row, "revoke: the file looks like a user CSV, not the invitation export";
}

impl Code {
    /// Errors are `E…`, warnings `W…`.
    pub fn severity(self) -> Severity {
        if self.as_str().starts_with('E') { Severity::Error } else { Severity::Warning }
    }
}

impl Serialize for Code {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.serialize_str(self.as_str())
    }
}

/// Longest value a diagnostic quotes, in characters; longer values are cut with `…`.
pub const MAX_VALUE_CHARS: usize = 200;

/// One finding: what, where, the offending value, and how to fix it.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct Diagnostic {
    /// The stable code (`"E012"` in JSON).
    pub code: Code,
    /// Error or warning (follows from the code).
    pub severity: Severity,
    /// 1-based physical line; `None` for the file as a whole.
    pub line: Option<u64>,
    /// The column's header as the file wrote it (trimmed).
    pub column: Option<String>,
    /// The offending value (trimmed, cut at [`MAX_VALUE_CHARS`]).
    pub value: Option<String>,
    /// What is wrong, in a sentence that stands alone.
    pub message: String,
    /// How to fix it, when we know.
    pub hint: Option<String>,
    /// Another line involved (the first row of a duplicate pair).
    pub related_line: Option<u64>,
    /// Position of the column in the header (sorting only).
    #[serde(skip)]
    pub column_index: Option<usize>,
}

impl Diagnostic {
    /// A diagnostic with a code and message; add the rest with the builder methods.
    pub fn new(code: Code, message: impl Into<String>) -> Self {
        Self {
            code,
            severity: code.severity(),
            line: None,
            column: None,
            value: None,
            message: message.into(),
            hint: None,
            related_line: None,
            column_index: None,
        }
    }

    /// Sets the line.
    pub fn at_line(mut self, line: u64) -> Self {
        self.line = Some(line);
        self
    }

    /// Sets the column (header name as written, and its position).
    pub fn in_column(mut self, name: &str, index: Option<usize>) -> Self {
        self.column = Some(name.to_string());
        self.column_index = index;
        self
    }

    /// Sets the value, cut at [`MAX_VALUE_CHARS`].
    pub fn with_value(mut self, value: &str) -> Self {
        self.value = Some(shorten(value));
        self
    }

    /// Sets the hint.
    pub fn with_hint(mut self, hint: impl Into<String>) -> Self {
        self.hint = Some(hint.into());
        self
    }

    /// Sets the related line.
    pub fn related_to(mut self, line: u64) -> Self {
        self.related_line = Some(line);
        self
    }

    /// The order diagnostics are shown in: file-level (no line) first, then by line, column
    /// position (row-wide diagnostics before column ones), code.
    pub fn order(&self, other: &Self) -> Ordering {
        let key = |diagnostic: &Self| {
            (diagnostic.line, diagnostic.column_index.map_or(0, |index| index + 1), diagnostic.code)
        };
        key(self).cmp(&key(other))
    }
}

/// Cuts a value for quoting in a message.
pub fn shorten(value: &str) -> String {
    match value.char_indices().nth(MAX_VALUE_CHARS) {
        Some((cut, _)) => format!("{}…", &value[..cut]),
        None => value.to_string(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn codes_are_unique_sorted_and_severities_follow_the_letter() {
        let texts: Vec<&str> = Code::ALL.iter().map(|code| code.as_str()).collect();
        let mut sorted = texts.clone();
        sorted.sort_unstable();
        sorted.dedup();
        assert_eq!(texts, sorted);
        assert_eq!(Code::CountryInvalid.as_str(), "E012");
        assert_eq!(Code::UnknownColumn.severity(), Severity::Warning);
        assert!(Code::TooManyRows.is_file_level() && !Code::CountryInvalid.is_file_level());
    }

    #[test]
    fn file_level_diagnostics_sort_first_then_line_column_code() {
        let row = Diagnostic::new(Code::EmailInvalid, "x").at_line(3).in_column("Email", Some(3));
        let row_wide = Diagnostic::new(Code::FieldCount, "x").at_line(3);
        let earlier = Diagnostic::new(Code::CountryInvalid, "x").at_line(2).in_column("Country Code", Some(6));
        let file = Diagnostic::new(Code::TooManyRows, "x");
        let mut all = vec![row.clone(), row_wide.clone(), earlier.clone(), file.clone()];
        all.sort_by(Diagnostic::order);
        assert_eq!(all, vec![file, earlier, row_wide, row]);
    }

    #[test]
    fn long_values_are_cut() {
        assert_eq!(shorten("abc"), "abc");
        let long = "é".repeat(MAX_VALUE_CHARS + 5);
        assert_eq!(shorten(&long).chars().count(), MAX_VALUE_CHARS + 1);
    }
}
