//! Row rules for the user CSV (SPEC 2.1) and the invitation CSV (SPEC 2.2): one record in, a
//! typed row and its diagnostics out. Whether the row is usable is decided by the caller from the
//! errors on its line, so a rule only has to report.
//!
//! Which rules apply to which operation:
//! - identity (Identity Type, Username, Domain, Email): add, edit, remove. In remove, Identity
//!   Type may be empty when Email is valid: the user is then identified by email alone (W005 says
//!   that UMAPI prefers an Enterprise/Federated account over an Adobe ID with the same address).
//! - names and country: add only (edit and remove do not change them; their cells are carried).
//! - the multi-valued columns and their cross-field rules: add and edit (remove ignores them). In
//!   edit a role/"… Administered" pair is checked only when both columns are in the header,
//!   because an absent column means "leave untouched".
//! - claimed domains: an error for add (UMAPI creates users only in claimed domains); a warning
//!   for edit and remove, whose users may come from a trusted directory.
//! - lengths: email at most 60 characters when a user is created (add), 250 when an existing user
//!   is named (edit, remove, revoke); Username, First Name and Last Name at most 255 (Console) and
//!   250 (UMAPI); each name in a multi-valued cell at most 250.

use crate::console_csv::{Column, HeaderMap};
use crate::model::{AdminRole, IdentityType, InvitationRow, Operation, UserRow, is_sign_in_name};
use crate::umapi::wire::{MAX_EMAIL_CHARS, MAX_NAME_CHARS, MAX_STRING_CHARS};

use super::collector::Collector;
use super::country::{self, CountryClass};
use super::diagnostic::{Code, Diagnostic};
use super::names::{self, NameLists};
use super::row_view::RowView;
use super::{email, suggest};

// The multi-valued columns' rules are in `membership_rules`, a second `impl RowRules` block.

/// The Console's limit on Username, First Name and Last Name.
pub const CONSOLE_MAX_CHARS: usize = 255;

/// The rules for one file, with scratch space reused across rows: the names kept from the
/// multi-valued cells and the admin roles of the row last checked, which
/// [`RowRules::owned_user_row`] turns into the owned row.
pub(super) struct RowRules<'a> {
    pub(super) operation: Operation,
    pub(super) map: &'a HeaderMap,
    claimed_domains: &'a [String],
    pub(super) names: NameLists,
    pub(super) roles: Vec<AdminRole>,
}

impl<'a> RowRules<'a> {
    /// Rules for `operation` over a file whose header is `map`; `claimed_domains` lower-cased.
    pub fn new(operation: Operation, map: &'a HeaderMap, claimed_domains: &'a [String]) -> Self {
        Self { operation, map, claimed_domains, names: NameLists::default(), roles: Vec::new() }
    }

    pub(super) fn at(&self, code: Code, line: u64, column: Column, message: String) -> Diagnostic {
        at(self.map, code, line, column, message)
    }

    /// Checks one user record; diagnostics go to `out`. Returns its identity type (`None` when
    /// it is empty or unknown); the names kept stay in `self` for [`Self::owned_user_row`].
    pub fn user_row(&mut self, view: &RowView<'_>, out: &mut Collector) -> Option<IdentityType> {
        let line = view.line;
        let email = view.cell(Column::Email);
        let identity_type = self.identity_type(view, email, out);
        self.email(line, identity_type, email, out);
        if let Some(kind) = identity_type {
            self.username(kind, line, view.cell(Column::Username), email, out);
            self.domain(kind, line, view.cell(Column::Domain), email, out);
        }
        if self.operation == Operation::Add {
            self.names(identity_type, line, view.cell(Column::FirstName), view.cell(Column::LastName), out);
            self.country(identity_type, line, view.cell(Column::CountryCode), out);
        }
        self.names.start_row();
        if self.operation != Operation::Remove {
            self.memberships(view, out);
        }
        identity_type
    }

    /// The typed row of the record last checked with [`Self::user_row`] (`index`: its position
    /// among the data records).
    pub fn owned_user_row(&self, index: usize, view: &RowView<'_>, identity_type: Option<IdentityType>) -> UserRow {
        let owned = |column: Column| names::slot(column).and_then(|slot| self.names.owned(slot, view.raw(column)));
        UserRow {
            line: view.line,
            index,
            identity_type,
            username: view.cell(Column::Username).to_string(),
            domain: view.cell(Column::Domain).to_string(),
            email: view.cell(Column::Email).to_string(),
            first_name: view.cell(Column::FirstName).to_string(),
            last_name: view.cell(Column::LastName).to_string(),
            country: view.cell(Column::CountryCode).to_ascii_uppercase(),
            product_configurations: owned(Column::ProductConfigurations),
            admin_roles: names::slot(Column::AdminRoles)
                .is_some_and(|slot| self.names.is_present(slot))
                .then(|| self.roles.clone()),
            product_configurations_administered: owned(Column::ProductConfigurationsAdministered),
            user_groups: owned(Column::UserGroups),
            user_groups_administered: owned(Column::UserGroupsAdministered),
            products_administered: owned(Column::ProductsAdministered),
        }
    }

    fn identity_type(&self, view: &RowView<'_>, email: &str, out: &mut Collector) -> Option<IdentityType> {
        let line = view.line;
        let value = view.cell(Column::IdentityType);
        let accepted = "use Adobe ID, Enterprise ID or Federated ID";
        if value.is_empty() {
            if self.operation == Operation::Remove && email::problem(email).is_none() {
                out.push(self.at(Code::IdentityTypeEmptyRemove, line, Column::IdentityType,
                    "Identity Type is empty; the user is identified by Email alone, and where an Adobe ID and an Enterprise or Federated ID share the address, UMAPI removes the Enterprise/Federated one".into())
                    .with_hint("fill in the Identity Type to choose the account"));
            } else {
                out.push(
                    self.at(Code::IdentityTypeMissing, line, Column::IdentityType, "Identity Type is empty".into())
                        .with_hint(accepted),
                );
            }
            return None;
        }
        let parsed = IdentityType::from_console(value);
        if parsed.is_none() {
            let near = suggest::closest(value, IdentityType::ALL.iter().map(|kind| kind.console_name()));
            out.push(
                self.at(
                    Code::IdentityTypeUnknown,
                    line,
                    Column::IdentityType,
                    format!("\"{value}\" is not an identity type"),
                )
                .with_value(value)
                .with_hint(
                    near.map_or_else(|| accepted.to_string(), |near| format!("did you mean \"{near}\"? ({accepted})")),
                ),
            );
        }
        parsed
    }

    fn email(&self, line: u64, identity_type: Option<IdentityType>, value: &str, out: &mut Collector) {
        let limit = if self.operation == Operation::Add { MAX_EMAIL_CHARS } else { MAX_STRING_CHARS };
        if let Some(diagnostic) = self.email_cell(line, value, limit) {
            out.push(diagnostic);
            return;
        }
        if identity_type.is_some_and(|kind| kind != IdentityType::AdobeId) {
            self.claimed(line, Column::Email, email::domain_of(value), value, out);
        }
    }

    /// Email rules shared by user and invitation rows.
    fn email_cell(&self, line: u64, value: &str, limit: usize) -> Option<Diagnostic> {
        if value.is_empty() {
            return Some(self.at(Code::EmailMissing, line, Column::Email, "Email is empty".into()));
        }
        if let Some(reason) = email::problem(value) {
            return Some(
                self.at(
                    Code::EmailInvalid,
                    line,
                    Column::Email,
                    format!("\"{value}\" is not a valid email address: {reason}"),
                )
                .with_value(value),
            );
        }
        if value.len() <= limit {
            return None; // at most that many bytes, so at most that many characters
        }
        let length = value.chars().count();
        if length > limit {
            let what = if limit == MAX_EMAIL_CHARS { "when it creates a user" } else { "in a user string" };
            return Some(
                self.at(
                    Code::TooLongForUmapi,
                    line,
                    Column::Email,
                    format!("Email is {length} characters; UMAPI accepts at most {limit} {what}"),
                )
                .with_value(value),
            );
        }
        None
    }

    fn claimed(&self, line: u64, column: Column, domain: &str, value: &str, out: &mut Collector) {
        if self.claimed_domains.is_empty()
            || self.claimed_domains.iter().any(|claimed| claimed.eq_ignore_ascii_case(domain))
        {
            return;
        }
        let list = self.claimed_domains.join(", ");
        let diagnostic = if self.operation == Operation::Add {
            self.at(Code::DomainNotClaimed, line, column, format!("\"{domain}\" is not one of the org's claimed domains ({list})"))
                .with_hint("Enterprise and Federated IDs can only be created in a claimed domain; use Adobe ID for outside addresses, or add the domain to claimed_domains in the config")
        } else {
            self.at(Code::DomainNotClaimedExisting, line, column, format!("\"{domain}\" is not one of the org's claimed domains ({list}); fine if it is a trusted directory's domain"))
        };
        out.push(diagnostic.with_value(value));
    }

    fn username(&self, kind: IdentityType, line: u64, value: &str, email: &str, out: &mut Collector) {
        if value.is_empty() {
            let hint = if kind == IdentityType::FederatedId {
                "give the user's sign-in name: an email, or the username of a directory that signs in with usernames"
            } else {
                "for Adobe ID and Enterprise ID the Username is the Email: copy it"
            };
            out.push(
                self.at(Code::UsernameMissing, line, Column::Username, "Username is empty".into()).with_hint(hint),
            );
            return;
        }
        if too_long(self.map, line, Column::Username, value, MAX_STRING_CHARS, out) {
            return;
        }
        match kind {
            // A Federated Username is an email (the Console's template: "must be in email format"),
            // or, without any `@`, the sign-in name of a directory that signs in with usernames: the
            // Console's own export writes those, and UMAPI names such users by username + Domain
            // (UMAPI.md 2a, 6a). A value with `@` that is no email is neither.
            IdentityType::FederatedId => {
                if !is_sign_in_name(value)
                    && let Some(problem) = email::problem(value)
                {
                    out.push(
                        self.at(
                            Code::UsernameNotEmailShaped,
                            line,
                            Column::Username,
                            format!(
                                "a Federated ID's Username is an email (abc@def.xyz) or a sign-in name without @; \
                                 \"{value}\" is neither: {problem}"
                            ),
                        )
                        .with_value(value)
                        .with_hint("write the email-type username in full, or the username alone without @"),
                    );
                }
            }
            IdentityType::AdobeId | IdentityType::EnterpriseId => {
                if !email.is_empty() && !value.eq_ignore_ascii_case(email) {
                    out.push(
                        self.at(
                            Code::UsernameNotEmail,
                            line,
                            Column::Username,
                            format!("an {kind}'s Username must equal its Email (\"{email}\"), not \"{value}\""),
                        )
                        .with_value(value)
                        .with_hint(format!("set Username to \"{email}\"")),
                    );
                }
            }
        }
    }

    fn domain(&self, kind: IdentityType, line: u64, value: &str, email: &str, out: &mut Collector) {
        if value.is_empty() {
            if kind == IdentityType::FederatedId {
                out.push(
                    self.at(Code::DomainMissing, line, Column::Domain, "a Federated ID needs its Domain".into())
                        .with_hint(format!(
                            "use the federated directory's domain, usually the email's: \"{}\"",
                            email::domain_of(email)
                        )),
                );
            }
            return;
        }
        if too_long(self.map, line, Column::Domain, value, MAX_STRING_CHARS, out) {
            return;
        }
        if let Some(reason) = email::domain_problem(value) {
            out.push(
                self.at(Code::DomainInvalid, line, Column::Domain, format!("\"{value}\" is not a domain: {reason}"))
                    .with_value(value),
            );
        } else if kind == IdentityType::FederatedId {
            self.claimed(line, Column::Domain, value, value, out);
        }
    }

    fn names(&self, kind: Option<IdentityType>, line: u64, first: &str, last: &str, out: &mut Collector) {
        let mandatory = kind.is_some_and(|kind| kind != IdentityType::AdobeId);
        for (column, value, missing) in
            [(Column::FirstName, first, Code::FirstNameMissing), (Column::LastName, last, Code::LastNameMissing)]
        {
            if value.is_empty() {
                if mandatory {
                    out.push(self.at(
                        missing,
                        line,
                        column,
                        format!(
                            "{} is empty; {} needs it",
                            column.name(),
                            match kind {
                                Some(IdentityType::FederatedId) => "a Federated ID",
                                _ => "an Enterprise ID",
                            }
                        ),
                    ));
                }
                continue;
            }
            if control_characters(self.map, line, column, value, out)
                || too_long(self.map, line, column, value, MAX_NAME_CHARS, out)
            {
                continue;
            }
            if let Some(separator) = value.chars().find(|character| matches!(character, ',' | ';')) {
                out.push(
                    self.at(
                        Code::NameSeparator,
                        line,
                        column,
                        format!(
                            "\"{value}\" contains \"{separator}\", which the Admin Console's import rejects in names"
                        ),
                    )
                    .with_value(value)
                    .with_hint("remove the comma or semicolon from the name"),
                );
            }
        }
    }

    fn country(&self, kind: Option<IdentityType>, line: u64, written: &str, out: &mut Collector) {
        if written.is_empty() {
            if kind.is_some_and(|kind| kind != IdentityType::AdobeId) {
                out.push(
                    self.at(
                        Code::CountryMissing,
                        line,
                        Column::CountryCode,
                        "Country Code is empty; Enterprise and Federated IDs need one".into(),
                    )
                    .with_hint(
                        "use the ISO 3166-1 alpha-2 code, e.g. US, GB, DE (Enterprise IDs may use UD, \"undefined\")",
                    ),
                );
            }
            return;
        }
        match country::classify(written) {
            CountryClass::Valid => {}
            CountryClass::Undefined => {
                if kind == Some(IdentityType::FederatedId) {
                    out.push(self.at(Code::CountryUndefinedFederated, line, Column::CountryCode,
                        "\"UD\" (undefined) is allowed for Adobe and Enterprise IDs, not for Federated IDs (UMAPI requires a country to create one)".into())
                        .with_value(country::UNDEFINED)
                        .with_hint("give the user's ISO 3166-1 alpha-2 country code"));
                }
            }
            CountryClass::Invalid => {
                let hint = match country::suggest(written) {
                    Some((code, name)) => format!("did you mean \"{code}\" ({name})?"),
                    None => "use the two-letter ISO 3166-1 alpha-2 code, e.g. US, GB, DE, JP".to_string(),
                };
                out.push(
                    self.at(
                        Code::CountryInvalid,
                        line,
                        Column::CountryCode,
                        format!("\"{written}\" is not an ISO 3166-1 alpha-2 code"),
                    )
                    .with_value(written)
                    .with_hint(hint),
                );
            }
        }
    }

    /// Checks one invitation record (revoke); diagnostics go to `out`.
    pub fn invitation_row(&self, view: &RowView<'_>, out: &mut Collector) {
        if let Some(diagnostic) = self.email_cell(view.line, view.cell(Column::Email), MAX_STRING_CHARS) {
            out.push(diagnostic);
        }
    }

    /// The typed row of an invitation record (`index`: its position among the data records).
    pub fn owned_invitation_row(index: usize, view: &RowView<'_>) -> InvitationRow {
        InvitationRow { line: view.line, index, email: view.cell(Column::Email).to_string() }
    }
}

/// Whether every byte is printable ASCII (space to `~`): the smallest and largest bytes tell, and
/// minimum and maximum are what vector instructions do best (a fold of range tests was slower).
pub(super) fn printable_ascii(value: &str) -> bool {
    let (smallest, largest) =
        value.bytes().fold((u8::MAX, 0), |(smallest, largest), byte| (smallest.min(byte), largest.max(byte)));
    value.is_empty() || (smallest >= 0x20 && largest < 0x7F)
}

/// A diagnostic in `column` of the row on `line`, named as the header writes it.
pub(super) fn at(map: &HeaderMap, code: Code, line: u64, column: Column, message: String) -> Diagnostic {
    Diagnostic::new(code, message).at_line(line).in_column(map.display_name(column), map.index(column))
}

/// Reports a value longer than the Console's or UMAPI's limit; returns whether it did.
pub(super) fn too_long(
    map: &HeaderMap,
    line: u64,
    column: Column,
    value: &str,
    umapi_limit: usize,
    out: &mut Collector,
) -> bool {
    if value.len() <= umapi_limit.min(CONSOLE_MAX_CHARS) {
        return false; // at most that many bytes, so at most that many characters
    }
    let length = value.chars().count();
    let console_limit = matches!(column, Column::Username | Column::FirstName | Column::LastName);
    if console_limit && length > CONSOLE_MAX_CHARS {
        out.push(
            at(
                map,
                Code::TooLongForConsole,
                line,
                column,
                format!(
                    "{} is {length} characters; the Admin Console accepts at most {CONSOLE_MAX_CHARS}",
                    column.name()
                ),
            )
            .with_value(value),
        );
        true
    } else if length > umapi_limit {
        out.push(at(map, Code::TooLongForUmapi, line, column,
                format!("{} is {length} characters; UMAPI accepts at most {umapi_limit} (stricter than the Console's {CONSOLE_MAX_CHARS})", column.name()))
                .with_value(value));
        true
    } else {
        false
    }
}

/// Reports a value holding a control character; returns whether it did.
pub(super) fn control_characters(map: &HeaderMap, line: u64, column: Column, value: &str, out: &mut Collector) -> bool {
    if printable_ascii(value) || !value.chars().any(char::is_control) {
        return false;
    }
    out.push(
        at(
            map,
            Code::ControlCharacter,
            line,
            column,
            format!("{} holds a line break, tab or other control character", column.name()),
        )
        .with_value(&value.escape_debug().to_string())
        .with_hint("remove it; in a list, separate names with commas"),
    );
    true
}
