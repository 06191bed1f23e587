//! A UMAPI user → a row of the Console's user CSV: memberships split back into Product
//! Configurations, User Groups and Admin Roles (+ the "… Administered" columns) from UMAPI group
//! names (UMAPI.md D "admin roles", read backwards). `export users` ([`export`]) and `undo.csv`
//! write these rows.
//!
//! Formatting is serial, on purpose: an export is bound by UMAPI's read limit, not by this file.
//! 100,000 users are 500 users pages, 20 minutes at the documented 25 reads a minute, and their
//! formatting takes a fraction of a second; rayon (once a dependency, never used) could not shorten
//! a run by anything a person would notice, so it was removed rather than kept for this.

use crate::model::{AdminRole, IdentityType, admin_groups};
use crate::plan::catalogue::{Catalogue, GroupKind};
use crate::report::csv_safe::ReportWriter;
use crate::umapi::wire::User;

/// The Console's user CSV columns, in the Console's order (SPEC 2.1).
pub const USER_COLUMNS: [&str; 13] = [
    "Identity Type",
    "Username",
    "Domain",
    "Email",
    "First Name",
    "Last Name",
    "Country Code",
    "Product Configurations",
    "Admin Roles",
    "Product Configurations Administered",
    "User Groups",
    "User Groups Administered",
    "Products Administered",
];

/// An export as bytes: BOM, CRLF, the Console's columns, one row per user, formula-safe.
pub fn export(users: &[User], catalogue: &Catalogue) -> std::io::Result<Vec<u8>> {
    let mut writer = ReportWriter::new(Vec::new())?;
    writer.row(USER_COLUMNS).map_err(std::io::Error::other)?;
    for user in users {
        writer.row(user_cells(user, catalogue, true)).map_err(std::io::Error::other)?;
    }
    writer.finish()
}

/// The cells of one user in [`USER_COLUMNS`] order. Multi-valued cells are joined with `", "`.
/// Groups the catalogue does not know and `_developer_*` groups have no Console column and are left
/// out; `_org_admin` becomes the `System` role when `with_system` (an export shows it; an undo file
/// leaves it out, since UMAPI can neither grant nor remove it and `add` refuses it).
pub fn user_cells(user: &User, catalogue: &Catalogue, with_system: bool) -> Vec<String> {
    let mut configurations = Vec::new();
    let mut user_groups = Vec::new();
    let mut roles: Vec<AdminRole> = Vec::new();
    let mut configurations_administered = Vec::new();
    let mut groups_administered = Vec::new();
    let mut products_administered = Vec::new();
    let add_role = |roles: &mut Vec<AdminRole>, role: AdminRole| {
        if !roles.contains(&role) {
            roles.push(role);
        }
    };
    for group in &user.groups {
        if group == admin_groups::ORG_ADMIN {
            if with_system {
                add_role(&mut roles, AdminRole::System);
            }
        } else if group == admin_groups::DEPLOYMENT_ADMIN {
            add_role(&mut roles, AdminRole::Deployment);
        } else if group == admin_groups::SUPPORT_ADMIN {
            add_role(&mut roles, AdminRole::Support);
        } else if let Some(product) = group.strip_prefix(admin_groups::PRODUCT_ADMIN_PREFIX) {
            add_role(&mut roles, AdminRole::Product);
            products_administered.push(product.to_string());
        } else if let Some(name) = group.strip_prefix(admin_groups::ADMIN_PREFIX) {
            match catalogue.kind_of(name) {
                Some(GroupKind::ProductConfiguration) => {
                    add_role(&mut roles, AdminRole::ProductConfiguration);
                    configurations_administered.push(name.to_string());
                }
                Some(GroupKind::UserGroup) => {
                    add_role(&mut roles, AdminRole::UserGroup);
                    groups_administered.push(name.to_string());
                }
                _ => {}
            }
        } else {
            match catalogue.kind_of(group) {
                Some(GroupKind::ProductConfiguration) => configurations.push(group.clone()),
                Some(GroupKind::UserGroup) => user_groups.push(group.clone()),
                _ => {}
            }
        }
    }
    roles.sort();
    let identity = IdentityType::from_wire(&user.user_type)
        .map_or_else(|| user.user_type.clone(), |kind| kind.console_name().to_string());
    vec![
        identity,
        if user.username.is_empty() { user.email.clone() } else { user.username.clone() },
        user.domain.clone(),
        user.email.clone(),
        user.firstname.clone().unwrap_or_default(),
        user.lastname.clone().unwrap_or_default(),
        user.country.clone().unwrap_or_default(),
        configurations.join(", "),
        roles.iter().map(|role| role.console_name()).collect::<Vec<_>>().join(", "),
        configurations_administered.join(", "),
        user_groups.join(", "),
        groups_administered.join(", "),
        products_administered.join(", "),
    ]
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::plan::catalogue::tests::demo_groups;

    #[test]
    fn groups_split_back_into_console_columns() {
        let catalogue = Catalogue::from_groups(&demo_groups());
        let user = User {
            email: "jo@example.com".into(),
            username: "jo@example.com".into(),
            domain: "example.com".into(),
            user_type: "enterpriseID".into(),
            firstname: Some("Jo".into()),
            country: Some("DE".into()),
            groups: vec![
                "Designers".into(),
                "Photoshop - Default".into(),
                "_admin_Finance".into(),
                "_admin_Photoshop - Default".into(),
                "_product_admin_Acrobat Pro".into(),
                "_org_admin".into(),
                "_developer_Photoshop - Default".into(),
            ],
            ..User::default()
        };
        let cells = user_cells(&user, &catalogue, true);
        assert!(!user_cells(&user, &catalogue, false)[8].contains("System"));
        assert_eq!(cells.len(), USER_COLUMNS.len());
        assert_eq!(cells[0], "Enterprise ID");
        assert_eq!(cells[7], "Photoshop - Default");
        assert_eq!(cells[8], "System, Product, Product Configuration, User Group");
        assert_eq!(cells[9], "Photoshop - Default");
        assert_eq!(cells[10], "Designers");
        assert_eq!(cells[11], "Finance");
        assert_eq!(cells[12], "Acrobat Pro");
    }
}
