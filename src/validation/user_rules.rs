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

use crate::console_csv::{Column, HeaderMap, SourceRecord, multi_value};
use crate::model::{AdminRole, IdentityType, InvitationRow, Operation, UserRow};
use crate::umapi::wire::{MAX_EMAIL_CHARS, MAX_NAME_CHARS, MAX_STRING_CHARS};

use super::country::{self, CountryCheck};
use super::diagnostic::{Code, Diagnostic};
use super::{email, suggest};

/// The Console's limit on Username, First Name and Last Name.
pub const CONSOLE_MAX_CHARS: usize = 255;

/// The rules for one file, with scratch space reused across rows.
pub(super) struct RowRules<'a> {
    operation: Operation,
    map: &'a HeaderMap,
    claimed_domains: &'a [String],
    scratch: Vec<usize>,
}

impl<'a> RowRules<'a> {
    /// Rules for `operation` over a file whose header is `map`; `claimed_domains` lower-cased.
    pub fn new(operation: Operation, map: &'a HeaderMap, claimed_domains: &'a [String]) -> Self {
        Self { operation, map, claimed_domains, scratch: Vec::new() }
    }

    fn cell<'r>(&self, record: &'r SourceRecord, column: Column) -> &'r str {
        self.map.index(column).and_then(|index| record.fields.get(index)).map_or("", |field| field.trim())
    }

    fn at(&self, code: Code, line: u64, column: Column, message: String) -> Diagnostic {
        Diagnostic::new(code, message).at_line(line).in_column(self.map.display_name(column), self.map.index(column))
    }

    /// Validates one user record; diagnostics go to `out`.
    pub fn user_row(&mut self, index: usize, record: &SourceRecord, out: &mut Vec<Diagnostic>) -> UserRow {
        let line = record.line;
        let mut row = UserRow {
            line,
            index,
            username: self.cell(record, Column::Username).to_string(),
            domain: self.cell(record, Column::Domain).to_string(),
            email: self.cell(record, Column::Email).to_string(),
            first_name: self.cell(record, Column::FirstName).to_string(),
            last_name: self.cell(record, Column::LastName).to_string(),
            country: self.cell(record, Column::CountryCode).to_ascii_uppercase(),
            ..UserRow::default()
        };
        row.identity_type = self.identity_type(record, &row, out);
        self.email(&row, out);
        if let Some(kind) = row.identity_type {
            self.username(kind, &row, out);
            self.domain(kind, &row, out);
        }
        if self.operation == Operation::Add {
            self.names(row.identity_type, &row, out);
            self.country(row.identity_type, &row, self.cell(record, Column::CountryCode), out);
        }
        if self.operation != Operation::Remove {
            self.memberships(record, &mut row, out);
        }
        row
    }

    fn identity_type(&self, record: &SourceRecord, row: &UserRow, out: &mut Vec<Diagnostic>) -> Option<IdentityType> {
        let value = self.cell(record, Column::IdentityType);
        let accepted = "use Adobe ID, Enterprise ID or Federated ID";
        if value.is_empty() {
            if self.operation == Operation::Remove && email::problem(&row.email).is_none() {
                out.push(self.at(Code::IdentityTypeEmptyRemove, row.line, Column::IdentityType,
                    "Identity Type is empty; the user is identified by Email alone, and where an Adobe ID and an Enterprise or Federated ID share the address, UMAPI removes the Enterprise/Federated one".into())
                    .with_hint("fill in the Identity Type to choose the account"));
            } else {
                out.push(
                    self.at(Code::IdentityTypeMissing, row.line, Column::IdentityType, "Identity Type is empty".into())
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
                    row.line,
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

    fn email(&self, row: &UserRow, out: &mut Vec<Diagnostic>) {
        let limit = if self.operation == Operation::Add { MAX_EMAIL_CHARS } else { MAX_STRING_CHARS };
        if let Some(diagnostic) = self.email_cell(row.line, &row.email, limit) {
            out.push(diagnostic);
            return;
        }
        if row.identity_type.is_some_and(|kind| kind != IdentityType::AdobeId) {
            self.claimed(row.line, Column::Email, email::domain_of(&row.email), &row.email, out);
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

    fn claimed(&self, line: u64, column: Column, domain: &str, value: &str, out: &mut Vec<Diagnostic>) {
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

    fn username(&self, kind: IdentityType, row: &UserRow, out: &mut Vec<Diagnostic>) {
        let value = row.username.as_str();
        if value.is_empty() {
            let hint = if kind == IdentityType::FederatedId {
                "give the user's sign-in name, in email format"
            } else {
                "for Adobe ID and Enterprise ID the Username is the Email: copy it"
            };
            out.push(
                self.at(Code::UsernameMissing, row.line, Column::Username, "Username is empty".into()).with_hint(hint),
            );
            return;
        }
        if self.too_long(row.line, Column::Username, value, MAX_STRING_CHARS, out) {
            return;
        }
        match kind {
            IdentityType::FederatedId => {
                if email::problem(value).is_some() {
                    out.push(
                        self.at(
                            Code::UsernameNotEmailShaped,
                            row.line,
                            Column::Username,
                            format!(
                                "a Federated ID's Username must be in email format (abc@def.xyz); \"{value}\" is not"
                            ),
                        )
                        .with_value(value),
                    );
                }
            }
            IdentityType::AdobeId | IdentityType::EnterpriseId => {
                if !row.email.is_empty() && !value.eq_ignore_ascii_case(&row.email) {
                    out.push(
                        self.at(
                            Code::UsernameNotEmail,
                            row.line,
                            Column::Username,
                            format!("an {kind}'s Username must equal its Email (\"{}\"), not \"{value}\"", row.email),
                        )
                        .with_value(value)
                        .with_hint(format!("set Username to \"{}\"", row.email)),
                    );
                }
            }
        }
    }

    fn domain(&self, kind: IdentityType, row: &UserRow, out: &mut Vec<Diagnostic>) {
        let value = row.domain.as_str();
        if value.is_empty() {
            if kind == IdentityType::FederatedId {
                out.push(
                    self.at(Code::DomainMissing, row.line, Column::Domain, "a Federated ID needs its Domain".into())
                        .with_hint(format!(
                            "use the federated directory's domain, usually the email's: \"{}\"",
                            email::domain_of(&row.email)
                        )),
                );
            }
            return;
        }
        if self.too_long(row.line, Column::Domain, value, MAX_STRING_CHARS, out) {
            return;
        }
        if let Some(reason) = email::domain_problem(value) {
            out.push(
                self.at(
                    Code::DomainInvalid,
                    row.line,
                    Column::Domain,
                    format!("\"{value}\" is not a domain: {reason}"),
                )
                .with_value(value),
            );
        } else if kind == IdentityType::FederatedId {
            self.claimed(row.line, Column::Domain, value, value, out);
        }
    }

    fn names(&self, kind: Option<IdentityType>, row: &UserRow, out: &mut Vec<Diagnostic>) {
        let mandatory = kind.is_some_and(|kind| kind != IdentityType::AdobeId);
        for (column, value, missing) in [
            (Column::FirstName, row.first_name.as_str(), Code::FirstNameMissing),
            (Column::LastName, row.last_name.as_str(), Code::LastNameMissing),
        ] {
            if value.is_empty() {
                if mandatory {
                    out.push(self.at(
                        missing,
                        row.line,
                        column,
                        format!(
                            "{} is empty; an {} needs it",
                            column.name(),
                            kind.map_or("", |kind| kind.console_name())
                        ),
                    ));
                }
                continue;
            }
            if self.control_characters(row.line, column, value, out)
                || self.too_long(row.line, column, value, MAX_NAME_CHARS, out)
            {
                continue;
            }
            if let Some(separator) = value.chars().find(|character| matches!(character, ',' | ';')) {
                out.push(
                    self.at(
                        Code::NameSeparator,
                        row.line,
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

    fn country(&self, kind: Option<IdentityType>, row: &UserRow, written: &str, out: &mut Vec<Diagnostic>) {
        let value = row.country.as_str();
        if value.is_empty() {
            if kind.is_some_and(|kind| kind != IdentityType::AdobeId) {
                out.push(
                    self.at(
                        Code::CountryMissing,
                        row.line,
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
        match country::check(value) {
            CountryCheck::Valid(_) => {}
            CountryCheck::Undefined => {
                if kind == Some(IdentityType::FederatedId) {
                    out.push(self.at(Code::CountryUndefinedFederated, row.line, Column::CountryCode,
                        "\"UD\" (undefined) is allowed for Adobe and Enterprise IDs, not for Federated IDs (UMAPI requires a country to create one)".into())
                        .with_value(value)
                        .with_hint("give the user's ISO 3166-1 alpha-2 country code"));
                }
            }
            CountryCheck::Invalid(suggestion) => {
                let hint = match suggestion {
                    Some((code, name)) => format!("did you mean \"{code}\" ({name})?"),
                    None => "use the two-letter ISO 3166-1 alpha-2 code, e.g. US, GB, DE, JP".to_string(),
                };
                out.push(
                    self.at(
                        Code::CountryInvalid,
                        row.line,
                        Column::CountryCode,
                        format!("\"{written}\" is not an ISO 3166-1 alpha-2 code"),
                    )
                    .with_value(written)
                    .with_hint(hint),
                );
            }
        }
    }

    fn memberships(&mut self, record: &SourceRecord, row: &mut UserRow, out: &mut Vec<Diagnostic>) {
        row.product_configurations = self.names_cell(record, Column::ProductConfigurations, out);
        row.product_configurations_administered =
            self.names_cell(record, Column::ProductConfigurationsAdministered, out);
        row.user_groups = self.names_cell(record, Column::UserGroups, out);
        row.user_groups_administered = self.names_cell(record, Column::UserGroupsAdministered, out);
        row.products_administered = self.names_cell(record, Column::ProductsAdministered, out);
        let role_names = self.names_cell(record, Column::AdminRoles, out);
        row.admin_roles = role_names.map(|names| self.roles(row.line, &names, out));
        let roles = row.admin_roles.as_deref().unwrap_or(&[]);
        for (role, column, names) in [
            (AdminRole::Product, Column::ProductsAdministered, &row.products_administered),
            (
                AdminRole::ProductConfiguration,
                Column::ProductConfigurationsAdministered,
                &row.product_configurations_administered,
            ),
            (AdminRole::UserGroup, Column::UserGroupsAdministered, &row.user_groups_administered),
        ] {
            let both_present = self.map.has(Column::AdminRoles) && self.map.has(column);
            if self.operation == Operation::Edit && !both_present {
                continue;
            }
            let has_role = roles.contains(&role);
            let has_names = names.as_ref().is_some_and(|names| !names.is_empty());
            if has_role && !has_names {
                let missing = if self.map.has(column) { "is empty" } else { "is not in the header" };
                out.push(
                    self.at(
                        Code::RoleWithoutAdministered,
                        row.line,
                        Column::AdminRoles,
                        format!("role \"{role}\" needs the names it administers, but {} {missing}", column.name()),
                    )
                    .with_value(role.console_name())
                    .with_hint(format!("list the names in {}, or remove the role", column.name())),
                );
            } else if has_names && !has_role {
                let names = names.as_deref().unwrap_or(&[]);
                out.push(
                    self.at(
                        Code::AdministeredWithoutRole,
                        row.line,
                        column,
                        format!("{} lists names but Admin Roles does not include \"{role}\"", column.name()),
                    )
                    .with_value(&multi_value::join(names))
                    .with_hint(format!("add \"{role}\" to Admin Roles, or empty {}", column.name())),
                );
            }
        }
    }

    /// Splits a multi-valued cell, reporting control characters, over-long names and duplicates;
    /// `None` when the column is absent.
    fn names_cell(&mut self, record: &SourceRecord, column: Column, out: &mut Vec<Diagnostic>) -> Option<Vec<String>> {
        let index = self.map.index(column)?;
        let cell = record.fields.get(index).map_or("", String::as_str);
        let mut names: Vec<String> = Vec::new();
        for name in multi_value::split(cell) {
            if self.control_characters(record.line, column, name, out)
                || self.too_long(record.line, column, name, MAX_STRING_CHARS, out)
            {
                continue;
            }
            names.push(name.to_string());
        }
        self.remove_duplicates(record.line, column, &mut names, out);
        Some(names)
    }

    /// Drops names listed twice (case-insensitively), keeping the first, with a warning each.
    fn remove_duplicates(&mut self, line: u64, column: Column, names: &mut Vec<String>, out: &mut Vec<Diagnostic>) {
        if names.len() < 2 {
            return;
        }
        let order = &mut self.scratch;
        order.clear();
        order.extend(0..names.len());
        let lowered = |index: &usize| names[*index].bytes().map(|byte| byte.to_ascii_lowercase());
        order.sort_by(|left, right| lowered(left).cmp(lowered(right)).then(left.cmp(right)));
        let mut drop = Vec::new();
        for pair in order.windows(2) {
            if names[pair[0]].eq_ignore_ascii_case(&names[pair[1]]) {
                drop.push(pair[1]);
            }
        }
        if drop.is_empty() {
            return;
        }
        drop.sort_unstable();
        for &index in drop.iter().rev() {
            let name = names.remove(index);
            out.push(
                self.at(
                    Code::DuplicateName,
                    line,
                    column,
                    format!("\"{name}\" is listed more than once in {}; it is used once", column.name()),
                )
                .with_value(&name),
            );
        }
    }

    fn roles(&self, line: u64, names: &[String], out: &mut Vec<Diagnostic>) -> Vec<AdminRole> {
        let mut roles = Vec::with_capacity(names.len());
        for name in names {
            match AdminRole::from_console(name) {
                Some(AdminRole::System) if self.operation == Operation::Add => {
                    out.push(
                        self.at(
                            Code::SystemRoleNotGrantable,
                            line,
                            Column::AdminRoles,
                            "the System administrator role (_org_admin) cannot be granted through UMAPI".into(),
                        )
                        .with_value(name)
                        .with_hint("grant it in the Admin Console, and remove \"System\" from this row"),
                    );
                }
                Some(role) => {
                    if role == AdminRole::System {
                        out.push(
                            self.at(
                                Code::SystemRoleUnchanged,
                                line,
                                Column::AdminRoles,
                                "the System administrator role is left unchanged: UMAPI cannot grant or remove it"
                                    .into(),
                            )
                            .with_value(name),
                        );
                    }
                    roles.push(role);
                }
                None => {
                    let accepted = AdminRole::ALL.iter().map(|role| role.console_name()).collect::<Vec<_>>().join(", ");
                    let near = suggest::closest(name, AdminRole::ALL.iter().map(|role| role.console_name()));
                    out.push(
                        self.at(
                            Code::AdminRoleUnknown,
                            line,
                            Column::AdminRoles,
                            format!("\"{name}\" is not an admin role"),
                        )
                        .with_value(name)
                        .with_hint(near.map_or_else(
                            || format!("use one of: {accepted}"),
                            |near| format!("did you mean \"{near}\"? (roles: {accepted})"),
                        )),
                    );
                }
            }
        }
        roles
    }

    fn too_long(&self, line: u64, column: Column, value: &str, umapi_limit: usize, out: &mut Vec<Diagnostic>) -> bool {
        let length = value.chars().count();
        let console_limit = matches!(column, Column::Username | Column::FirstName | Column::LastName);
        if console_limit && length > CONSOLE_MAX_CHARS {
            out.push(
                self.at(
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
            out.push(self.at(Code::TooLongForUmapi, line, column,
                format!("{} is {length} characters; UMAPI accepts at most {umapi_limit} (stricter than the Console's {CONSOLE_MAX_CHARS})", column.name()))
                .with_value(value));
            true
        } else {
            false
        }
    }

    fn control_characters(&self, line: u64, column: Column, value: &str, out: &mut Vec<Diagnostic>) -> bool {
        if !value.chars().any(char::is_control) {
            return false;
        }
        out.push(
            self.at(
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

    /// Validates one invitation record (revoke).
    pub fn invitation_row(&mut self, index: usize, record: &SourceRecord, out: &mut Vec<Diagnostic>) -> InvitationRow {
        let value = self.cell(record, Column::Email);
        if let Some(diagnostic) = self.email_cell(record.line, value, MAX_STRING_CHARS) {
            out.push(diagnostic);
        }
        InvitationRow { line: record.line, index, email: value.to_string() }
    }
}
