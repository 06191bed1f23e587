//! Rules for the multi-valued columns (SPEC 2.1): Product Configurations, Admin Roles, User
//! Groups and the "… Administered" columns. Splits each cell into names, reports control
//! characters, over-long names (UMAPI's 250) and names listed twice (W002, used once), parses
//! admin roles (System: E041 in add, W003 in edit) and applies the cross-field rules between a
//! role and its "… Administered" column.
//!
//! A second `impl` block of `user_rules::RowRules`; it owns no state of its own. Hot path on large
//! files (thousands of names): duplicate detection sorts hashes, not strings, and allocates only
//! the names the row keeps.

use crate::console_csv::{Column, SourceRecord, encoding, multi_value};
use crate::model::{AdminRole, Operation, UserRow};
use crate::umapi::wire::MAX_STRING_CHARS;

use super::diagnostic::{Code, Diagnostic};
use super::suggest;
use super::user_rules::RowRules;

impl RowRules<'_> {
    /// Fills the row's multi-valued fields from the record (`None` for absent columns) and checks
    /// them, roles included, with the cross-field rules.
    pub(super) fn memberships(&mut self, record: &SourceRecord, row: &mut UserRow, out: &mut Vec<Diagnostic>) {
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
        let mut names: Vec<String> = Vec::with_capacity(1 + encoding::count_byte(cell.as_bytes(), b',') as usize);
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
        order.extend(names.iter().enumerate().map(|(index, name)| (folded_hash(name), index)));
        order.sort_unstable();
        let mut drop = Vec::new();
        for (position, &(hash, index)) in order.iter().enumerate() {
            let earlier = order[..position].iter().rev().take_while(|(other, _)| *other == hash);
            if earlier.clone().any(|&(_, other)| names[other].eq_ignore_ascii_case(&names[index])) {
                drop.push(index);
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
}

/// A hash of a name's ASCII-lower-cased bytes, equal for names that differ only in case,
/// computed eight bytes at a time without allocating (one multiply per word; a per-byte hash was
/// the hottest spot of the benchmark). Collisions are harmless: names are compared before one is
/// dropped.
fn folded_hash(name: &str) -> u64 {
    const MULTIPLIER: u64 = 0x9E37_79B9_7F4A_7C15;
    let bytes = name.as_bytes();
    let mut hash = bytes.len() as u64;
    let mut words = bytes.chunks_exact(8);
    for word in &mut words {
        let mut array = [0u8; 8];
        array.copy_from_slice(word);
        hash = (hash ^ lower_word(u64::from_le_bytes(array))).wrapping_mul(MULTIPLIER).rotate_left(31);
    }
    let mut array = [0u8; 8];
    array[..words.remainder().len()].copy_from_slice(words.remainder());
    (hash ^ lower_word(u64::from_le_bytes(array))).wrapping_mul(MULTIPLIER)
}

/// ASCII-lower-cases the eight bytes of a word at once (bytes outside `A`–`Z` are unchanged).
fn lower_word(word: u64) -> u64 {
    const HIGH_BITS: u64 = 0x8080_8080_8080_8080;
    let low_seven = word & !HIGH_BITS;
    let above_z = low_seven.wrapping_add(0x2525_2525_2525_2525); // high bit set when byte > 'Z'
    let from_a = low_seven.wrapping_add(0x3F3F_3F3F_3F3F_3F3F); // high bit set when byte >= 'A'
    let upper = from_a & !above_z & !word & HIGH_BITS;
    word | (upper >> 2)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn folded_hash_ignores_ascii_case_only() {
        assert_eq!(folded_hash("Designers - EMEA Team"), folded_hash("designers - emea TEAM"));
        assert_ne!(folded_hash("Designers"), folded_hash("Designer"));
        assert_ne!(folded_hash("Team 0042"), folded_hash("Team 0043"));
        assert_eq!(folded_hash("Zoë"), folded_hash("ZOë"));
        for byte in 0u8..=255 {
            let word = u64::from_le_bytes([byte; 8]);
            assert_eq!(lower_word(word), u64::from_le_bytes([byte.to_ascii_lowercase(); 8]), "{byte}");
        }
    }
}
