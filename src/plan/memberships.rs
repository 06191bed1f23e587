//! What a row wants: the UMAPI group names for its product configurations, user groups and admin
//! roles (UMAPI.md D "admin roles"), resolved against the catalogue, and for `edit` the difference
//! against the user's current direct memberships.
//!
//! Memberships are handled per *dimension* (one per editable column family). A dimension is managed
//! only when the file has a column that speaks about it; an unmanaged dimension is left untouched.
//! `_org_admin` (System) and `_developer_*` groups belong to no dimension and are never touched.

use crate::model::{AdminRole, UserRow, admin_groups};
use crate::plan::PlanIssue;
use crate::plan::catalogue::{Catalogue, GroupKind, Lookup};

/// A family of memberships that one column (or a role + its "… Administered" column) controls.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Dimension {
    /// Product Configurations.
    ProductConfigurations,
    /// User Groups.
    UserGroups,
    /// Admin role Deployment (`_deployment_admin`).
    DeploymentAdmin,
    /// Admin role Support (`_support_admin`).
    SupportAdmin,
    /// Product Configuration admin (`_admin_<profile>`).
    ProfileAdmins,
    /// User Group admin (`_admin_<group>`).
    UserGroupAdmins,
    /// Product admin (`_product_admin_<product>`).
    ProductAdmins,
}

/// The memberships a row asks for, by dimension, in UMAPI group names (org spelling).
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Wanted {
    /// `(dimension, names)` for every dimension the row's file manages, in a stable order.
    pub dimensions: Vec<(Dimension, Vec<String>)>,
}

impl Wanted {
    /// Every wanted group name, in dimension order, without duplicates.
    pub fn all_names(&self) -> Vec<String> {
        let mut names: Vec<String> = Vec::new();
        for (_, group_names) in &self.dimensions {
            for name in group_names {
                if !names.iter().any(|known| known.eq_ignore_ascii_case(name)) {
                    names.push(name.clone());
                }
            }
        }
        names
    }

    /// Whether the dimension is managed.
    pub fn manages(&self, dimension: Dimension) -> bool {
        self.dimensions.iter().any(|(managed, _)| *managed == dimension)
    }
}

/// Resolves a row's names against the catalogue. Unknown names become [`PlanIssue`]s with a
/// did-you-mean; the row is then not planned.
pub fn wanted_for_row(row: &UserRow, catalogue: &Catalogue) -> Result<Wanted, Vec<PlanIssue>> {
    let mut issues = Vec::new();
    let mut wanted = Wanted::default();
    let roles = row.admin_roles.as_ref();
    let has_role = |role: AdminRole| roles.is_some_and(|roles| roles.contains(&role));

    if let Some(names) = &row.product_configurations {
        let resolved =
            resolve(row, names, "Product Configurations", &mut issues, |name| catalogue.product_configuration(name));
        wanted.dimensions.push((Dimension::ProductConfigurations, resolved));
    }
    if let Some(names) = &row.user_groups {
        let resolved = resolve(row, names, "User Groups", &mut issues, |name| catalogue.user_group(name));
        wanted.dimensions.push((Dimension::UserGroups, resolved));
    }
    if roles.is_some() {
        let deployment =
            if has_role(AdminRole::Deployment) { vec![admin_groups::DEPLOYMENT_ADMIN.to_string()] } else { vec![] };
        wanted.dimensions.push((Dimension::DeploymentAdmin, deployment));
        let support = if has_role(AdminRole::Support) { vec![admin_groups::SUPPORT_ADMIN.to_string()] } else { vec![] };
        wanted.dimensions.push((Dimension::SupportAdmin, support));
    }
    let administered = [
        (
            Dimension::ProfileAdmins,
            AdminRole::ProductConfiguration,
            &row.product_configurations_administered,
            "Product Configurations Administered",
        ),
        (Dimension::UserGroupAdmins, AdminRole::UserGroup, &row.user_groups_administered, "User Groups Administered"),
        (Dimension::ProductAdmins, AdminRole::Product, &row.products_administered, "Products Administered"),
    ];
    for (dimension, role, column, column_name) in administered {
        // Managed when the "… Administered" column is present, or when Admin Roles is present and
        // the row lacks the role (then none of that kind is wanted). A row that keeps the role
        // but has no "… Administered" column leaves those admin groups as they are (SPEC 2.1: an
        // absent column is left untouched).
        let names = match (roles.is_some(), has_role(role), column) {
            (_, _, None) if roles.is_none() || has_role(role) => continue,
            (true, false, _) | (_, _, None) => Vec::new(),
            (_, _, Some(names)) => names.clone(),
        };
        let resolved = resolve(row, &names, column_name, &mut issues, |name| match dimension {
            Dimension::ProfileAdmins => catalogue.product_configuration(name),
            Dimension::UserGroupAdmins => catalogue.user_group(name),
            _ => catalogue.product(name),
        });
        let groups = resolved
            .iter()
            .map(|name| match dimension {
                Dimension::ProductAdmins => admin_groups::product_admin(name),
                _ => admin_groups::admin_of(name),
            })
            .collect();
        wanted.dimensions.push((dimension, groups));
    }
    if issues.is_empty() { Ok(wanted) } else { Err(issues) }
}

fn resolve(
    row: &UserRow,
    names: &[String],
    column: &str,
    issues: &mut Vec<PlanIssue>,
    lookup: impl Fn(&str) -> Lookup,
) -> Vec<String> {
    let mut resolved: Vec<String> = Vec::new();
    for name in names {
        match lookup(name) {
            Lookup::Found(spelling) => {
                if !resolved.contains(&spelling) {
                    resolved.push(spelling);
                }
            }
            Lookup::Missing(suggestions) => issues.push(PlanIssue::unknown_name(row, column, name, &suggestions)),
        }
    }
    resolved
}

/// Which dimension a group the user is in belongs to; `None` for groups this tool never touches.
pub fn dimension_of(group: &str, catalogue: &Catalogue) -> Option<Dimension> {
    if group == admin_groups::DEPLOYMENT_ADMIN {
        return Some(Dimension::DeploymentAdmin);
    }
    if group == admin_groups::SUPPORT_ADMIN {
        return Some(Dimension::SupportAdmin);
    }
    if let Some(product) = group.strip_prefix(admin_groups::PRODUCT_ADMIN_PREFIX) {
        return (!product.is_empty()).then_some(Dimension::ProductAdmins);
    }
    if let Some(administered) = group.strip_prefix(admin_groups::ADMIN_PREFIX) {
        return match catalogue.kind_of(administered) {
            Some(GroupKind::ProductConfiguration) => Some(Dimension::ProfileAdmins),
            Some(GroupKind::UserGroup) => Some(Dimension::UserGroupAdmins),
            _ => None,
        };
    }
    match catalogue.kind_of(group) {
        Some(GroupKind::ProductConfiguration) => Some(Dimension::ProductConfigurations),
        Some(GroupKind::UserGroup) => Some(Dimension::UserGroups),
        _ => None,
    }
}

/// A group as the Admin Console names it for people: an admin group is the role it grants
/// (`_admin_Designers` → `User Group admin of Designers`, `_product_admin_Photoshop` → `Product
/// admin of Photoshop`, `_deployment_admin` → `Deployment admin`); other names are their own.
pub fn console_name<'a>(group: &'a str, catalogue: &Catalogue) -> std::borrow::Cow<'a, str> {
    use std::borrow::Cow;
    match group {
        admin_groups::ORG_ADMIN => return Cow::Borrowed("System admin"),
        admin_groups::DEPLOYMENT_ADMIN => return Cow::Borrowed("Deployment admin"),
        admin_groups::SUPPORT_ADMIN => return Cow::Borrowed("Support admin"),
        _ => {}
    }
    if let Some(product) = group.strip_prefix(admin_groups::PRODUCT_ADMIN_PREFIX).filter(|name| !name.is_empty()) {
        return Cow::Owned(format!("Product admin of {product}"));
    }
    if let Some(profile) = group.strip_prefix(admin_groups::DEVELOPER_PREFIX).filter(|name| !name.is_empty()) {
        return Cow::Owned(format!("Developer of {profile}"));
    }
    if let Some(administered) = group.strip_prefix(admin_groups::ADMIN_PREFIX) {
        match catalogue.kind_of(administered) {
            Some(GroupKind::ProductConfiguration) => {
                return Cow::Owned(format!("Product Configuration admin of {administered}"));
            }
            Some(GroupKind::UserGroup) => return Cow::Owned(format!("User Group admin of {administered}")),
            _ => {}
        }
    }
    Cow::Borrowed(group)
}

/// The change an edit makes to one user's memberships.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct MembershipDiff {
    /// Groups to leave (only in managed dimensions).
    pub remove: Vec<String>,
    /// Groups to join.
    pub add: Vec<String>,
}

impl MembershipDiff {
    /// Whether nothing changes.
    pub fn is_empty(&self) -> bool {
        self.remove.is_empty() && self.add.is_empty()
    }
}

/// Replace semantics: in each managed dimension, leave what is not wanted and join what is missing.
/// With `additive`, nothing is left. Comparison ignores ASCII case.
pub fn diff(current: &[String], wanted: &Wanted, catalogue: &Catalogue, additive: bool) -> MembershipDiff {
    let contains = |list: &[String], name: &str| list.iter().any(|known| known.eq_ignore_ascii_case(name));
    let wanted_names = wanted.all_names();
    let mut result = MembershipDiff::default();
    if !additive {
        for group in current {
            let managed = dimension_of(group, catalogue).is_some_and(|dimension| wanted.manages(dimension));
            if managed && !contains(&wanted_names, group) && !contains(&result.remove, group) {
                result.remove.push(group.clone());
            }
        }
    }
    for name in wanted_names {
        if !contains(current, &name) {
            result.add.push(name);
        }
    }
    result
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::plan::catalogue::tests::demo_groups;

    fn row() -> UserRow {
        UserRow { line: 2, email: "user01@example.com".into(), ..UserRow::default() }
    }

    #[test]
    fn admin_groups_read_as_the_console_names_the_roles() {
        let catalogue = Catalogue::from_groups(&demo_groups());
        for (group, console) in [
            ("_admin_Designers", "User Group admin of Designers"),
            ("_admin_Photoshop - Default", "Product Configuration admin of Photoshop - Default"),
            (
                "_product_admin_Photoshop (<CCE,Single App - Enterprise,PHSP>)",
                "Product admin of Photoshop (<CCE,Single App - Enterprise,PHSP>)",
            ),
            ("_deployment_admin", "Deployment admin"),
            ("_support_admin", "Support admin"),
            ("_org_admin", "System admin"),
            ("_developer_Photoshop - Default", "Developer of Photoshop - Default"),
            ("Designers", "Designers"),
            ("_admin_Unknown", "_admin_Unknown"),
        ] {
            assert_eq!(console_name(group, &catalogue), console, "{group}");
        }
    }

    #[test]
    fn admin_roles_map_to_umapi_admin_groups() {
        let catalogue = Catalogue::from_groups(&demo_groups());
        let mut row = row();
        row.admin_roles = Some(vec![
            AdminRole::Deployment,
            AdminRole::Support,
            AdminRole::ProductConfiguration,
            AdminRole::UserGroup,
            AdminRole::Product,
        ]);
        row.product_configurations_administered = Some(vec!["photoshop - default".into()]);
        row.user_groups_administered = Some(vec!["Finance".into()]);
        row.products_administered = Some(vec!["Acrobat Pro".into()]);
        let wanted = wanted_for_row(&row, &catalogue).unwrap_or_default();
        assert_eq!(
            wanted.all_names(),
            vec![
                "_deployment_admin",
                "_support_admin",
                "_admin_Photoshop - Default",
                "_admin_Finance",
                "_product_admin_Acrobat Pro"
            ]
        );
    }

    #[test]
    fn unknown_names_are_issues_with_suggestions() {
        let catalogue = Catalogue::from_groups(&demo_groups());
        let mut row = row();
        row.product_configurations = Some(vec!["Photoshop Default".into(), "Acrobat Pro - Default".into()]);
        row.user_groups = Some(vec!["Designerz".into()]);
        let issues = wanted_for_row(&row, &catalogue).err().unwrap_or_default();
        assert_eq!(issues.len(), 2);
        assert_eq!(issues[0].column, "Product Configurations");
        assert!(issues[0].hint.as_deref().unwrap_or_default().contains("Photoshop - Default"));
        assert_eq!(issues[1].column, "User Groups");
    }

    #[test]
    fn edit_replaces_only_managed_dimensions_and_never_touches_org_admin() {
        let catalogue = Catalogue::from_groups(&demo_groups());
        let mut row = row();
        row.user_groups = Some(vec!["Contractors".into()]);
        let current: Vec<String> =
            vec!["Designers".into(), "Photoshop - Default".into(), "_org_admin".into(), "_admin_Designers".into()];
        let wanted = wanted_for_row(&row, &catalogue).unwrap_or_default();
        let change = diff(&current, &wanted, &catalogue, false);
        assert_eq!(change.remove, vec!["Designers"]);
        assert_eq!(change.add, vec!["Contractors"]);
        let additive = diff(&current, &wanted, &catalogue, true);
        assert!(additive.remove.is_empty());
    }

    #[test]
    fn admin_roles_column_without_a_role_removes_that_roles_groups() {
        let catalogue = Catalogue::from_groups(&demo_groups());
        let mut row = row();
        row.admin_roles = Some(vec![]);
        let current: Vec<String> = vec!["_admin_Designers".into(), "_support_admin".into(), "_org_admin".into()];
        let wanted = wanted_for_row(&row, &catalogue).unwrap_or_default();
        let change = diff(&current, &wanted, &catalogue, false);
        assert_eq!(change.remove, vec!["_admin_Designers", "_support_admin"]);
        assert!(change.add.is_empty());
    }

    #[test]
    fn a_kept_role_without_its_administered_column_leaves_those_admin_groups_alone() {
        let catalogue = Catalogue::from_groups(&demo_groups());
        let mut row = row();
        row.admin_roles = Some(vec![AdminRole::ProductConfiguration, AdminRole::Product, AdminRole::System]);
        let current: Vec<String> = vec![
            "_admin_Photoshop - Default".into(),
            "_product_admin_Photoshop".into(),
            "_admin_Designers".into(),
            "_deployment_admin".into(),
        ];
        let wanted = wanted_for_row(&row, &catalogue).unwrap_or_default();
        let change = diff(&current, &wanted, &catalogue, false);
        assert_eq!(change.remove, vec!["_admin_Designers", "_deployment_admin"], "only roles the row lacks go");
        assert!(change.add.is_empty());
    }

    #[test]
    fn unchanged_memberships_give_an_empty_diff_regardless_of_case() {
        let catalogue = Catalogue::from_groups(&demo_groups());
        let mut row = row();
        row.user_groups = Some(vec!["designers".into()]);
        row.product_configurations = Some(vec![]);
        let wanted = wanted_for_row(&row, &catalogue).unwrap_or_default();
        assert!(diff(&["Designers".to_string()], &wanted, &catalogue, false).is_empty());
    }
}
