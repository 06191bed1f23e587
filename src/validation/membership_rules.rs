//! Rules for the multi-valued columns (SPEC 2.1): Product Configurations, Admin Roles, User
//! Groups and the "… Administered" columns. Splits each cell into names, reports control
//! characters, over-long names (UMAPI's 250) and names listed twice (W002, used once), parses
//! admin roles (System: E041 in add, W003 in edit) and applies the cross-field rules between a
//! role and its "… Administered" column.
//!
//! A second `impl` block of `user_rules::RowRules`; it owns no state of its own: the names kept
//! are byte ranges of the cells in `RowRules::names` (see `names`), the roles in
//! `RowRules::roles`, both reused from row to row.

use crate::console_csv::{Column, multi_value};
use crate::model::{AdminRole, Operation};
use crate::umapi::wire::MAX_STRING_CHARS;

use super::collector::Collector;
use super::diagnostic::Code;
use super::names::slot;
use super::row_view::RowView;
use super::suggest;
use super::user_rules::{RowRules, control_characters, printable_ascii, too_long};

impl RowRules<'_> {
    /// Splits the row's multi-valued cells into `self.names` (absent columns stay absent) and
    /// checks them, roles included (into `self.roles`), with the cross-field rules.
    pub(super) fn memberships(&mut self, view: &RowView<'_>, out: &mut Collector) {
        for column in [
            Column::ProductConfigurations,
            Column::ProductConfigurationsAdministered,
            Column::UserGroups,
            Column::UserGroupsAdministered,
            Column::ProductsAdministered,
            Column::AdminRoles,
        ] {
            self.names_cell(view, column, out);
        }
        self.roles(view, out);
        let roles: &[AdminRole] = &self.roles;
        for (role, column) in [
            (AdminRole::Product, Column::ProductsAdministered),
            (AdminRole::ProductConfiguration, Column::ProductConfigurationsAdministered),
            (AdminRole::UserGroup, Column::UserGroupsAdministered),
        ] {
            let both_present = self.map.has(Column::AdminRoles) && self.map.has(column);
            if self.operation == Operation::Edit && !both_present {
                continue;
            }
            let Some(list) = slot(column) else {
                continue;
            };
            let has_role = roles.contains(&role);
            let has_names = self.names.has_names(list);
            if has_role && !has_names {
                let missing = if self.map.has(column) { "is empty" } else { "is not in the header" };
                out.push(
                    self.at(
                        Code::RoleWithoutAdministered,
                        view.line,
                        Column::AdminRoles,
                        format!("role \"{role}\" needs the names it administers, but {} {missing}", column.name()),
                    )
                    .with_value(role.console_name())
                    .with_hint(format!("list the names in {}, or remove the role", column.name())),
                );
            } else if has_names && !has_role {
                let names: Vec<&str> = self.names.names(list, view.raw(column)).collect();
                out.push(
                    self.at(
                        Code::AdministeredWithoutRole,
                        view.line,
                        column,
                        format!("{} lists names but Admin Roles does not include \"{role}\"", column.name()),
                    )
                    .with_value(&multi_value::join(&names))
                    .with_hint(format!("add \"{role}\" to Admin Roles, or empty {}", column.name())),
                );
            }
        }
    }

    /// Splits a multi-valued cell into its list, reporting control characters, over-long names
    /// and names listed twice (W002, the later copies, last first); nothing when the column is
    /// absent.
    fn names_cell(&mut self, view: &RowView<'_>, column: Column, out: &mut Collector) {
        let Some(list) = slot(column).filter(|_| self.map.has(column)) else {
            return;
        };
        let cell = view.raw(column);
        let (map, line) = (self.map, view.line);
        // A printable ASCII cell cannot hold a name with a control character.
        let printable_ascii = printable_ascii(cell);
        self.names.split(list, cell, |name| {
            (!printable_ascii && control_characters(map, line, column, name, out))
                || (name.len() > MAX_STRING_CHARS && too_long(map, line, column, name, MAX_STRING_CHARS, out))
        });
        for &(start, end) in self.names.repeated().iter().rev() {
            let name = cell.get(start..end).unwrap_or_default();
            out.push(
                self.at(
                    Code::DuplicateName,
                    line,
                    column,
                    format!("\"{name}\" is listed more than once in {}; it is used once", column.name()),
                )
                .with_value(name),
            );
        }
    }

    /// Parses the Admin Roles names kept into `self.roles` (empty when the column is absent).
    fn roles(&mut self, view: &RowView<'_>, out: &mut Collector) {
        let mut roles = std::mem::take(&mut self.roles);
        roles.clear();
        let line = view.line;
        let list = slot(Column::AdminRoles).filter(|&list| self.names.is_present(list));
        let cell = view.raw(Column::AdminRoles);
        for name in list.into_iter().flat_map(|list| self.names.names(list, cell)) {
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
        self.roles = roles;
    }
}
