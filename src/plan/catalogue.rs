//! The org's group catalogue as the planner sees it: product configurations (with product and
//! licence quota), user groups, and the admin groups derived from them, looked up by name
//! case-insensitively with did-you-mean suggestions for typos.
//!
//! Built from the wire `Group` list that `GET /groups/{orgId}/{page}` returns; owns no I/O.

use std::collections::{HashMap, HashSet};

use crate::umapi::wire::{Group, group_types};
use crate::validation::suggest::ranked;

/// What kind of name a catalogue entry is.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum GroupKind {
    /// A product profile (the Console's "product configuration").
    ProductConfiguration,
    /// A user group.
    UserGroup,
    /// Any admin or developer group (`_admin_*`, `_product_admin_*`, `_org_admin`, ...).
    Admin,
}

/// One product configuration of the catalogue.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ProductConfiguration {
    /// Name as the org spells it.
    pub name: String,
    /// The product it belongs to.
    pub product: Option<String>,
    /// Licence quota; `None` when the org reports none (unlimited or unknown).
    pub licence_quota: Option<u64>,
    /// Members now (direct and through user groups).
    pub member_count: u64,
}

/// The catalogue: every group by lower-cased name.
#[derive(Clone, Debug, Default)]
pub struct Catalogue {
    by_name: HashMap<String, (GroupKind, String)>,
    configurations: HashMap<String, ProductConfiguration>,
    products: HashMap<String, String>,
    /// Lower-cased names of read-only (shared) user groups.
    read_only: HashSet<String>,
}

/// The result of looking a name up.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Lookup {
    /// Found, with the org's spelling.
    Found(String),
    /// Not found; the closest names of the right kind, best first (may be empty).
    Missing(Vec<String>),
}

impl Catalogue {
    /// Builds the catalogue from the groups endpoint's entries.
    pub fn from_groups(groups: &[Group]) -> Self {
        let mut catalogue = Self::default();
        for group in groups {
            let kind = match group.group_type.as_str() {
                group_types::PRODUCT_PROFILE => GroupKind::ProductConfiguration,
                group_types::USER_GROUP => GroupKind::UserGroup,
                _ => GroupKind::Admin,
            };
            let key = group.group_name.to_lowercase();
            if let Some(product) = group.group_name.strip_prefix(crate::model::admin_groups::PRODUCT_ADMIN_PREFIX)
                && !product.is_empty()
            {
                // A product with admins but no configuration listed still has a product-admin group.
                catalogue.products.entry(product.to_lowercase()).or_insert_with(|| product.to_string());
            }
            if kind == GroupKind::UserGroup && group.is_read_only {
                catalogue.read_only.insert(key.clone());
            }
            catalogue.by_name.insert(key.clone(), (kind, group.group_name.clone()));
            if kind == GroupKind::ProductConfiguration {
                if let Some(product) = &group.product_name {
                    catalogue.products.insert(product.to_lowercase(), product.clone());
                }
                catalogue.configurations.insert(
                    key,
                    ProductConfiguration {
                        name: group.group_name.clone(),
                        product: group.product_name.clone(),
                        licence_quota: group.license_quota.as_deref().and_then(|quota| quota.trim().parse().ok()),
                        member_count: group.member_count,
                    },
                );
            }
        }
        catalogue
    }

    /// Looks up a product configuration by name.
    pub fn product_configuration(&self, name: &str) -> Lookup {
        self.lookup(name, GroupKind::ProductConfiguration)
    }

    /// Looks up a user group by name.
    pub fn user_group(&self, name: &str) -> Lookup {
        self.lookup(name, GroupKind::UserGroup)
    }

    /// Looks up a product (for Products Administered) by name.
    pub fn product(&self, name: &str) -> Lookup {
        match self.products.get(&name.trim().to_lowercase()) {
            Some(found) => Lookup::Found(found.clone()),
            None => Lookup::Missing(ranked(name, self.products.values())),
        }
    }

    /// The kind of a group the user is in, by its name; `None` when the catalogue does not know it.
    pub fn kind_of(&self, name: &str) -> Option<GroupKind> {
        if name.starts_with('_') {
            return Some(GroupKind::Admin);
        }
        self.by_name.get(&name.to_lowercase()).map(|(kind, _)| *kind)
    }

    /// Whether `name` is a user group whose members a `usergroup` command may change: a user group
    /// of the catalogue that is not read-only (UMAPI.md 2c).
    pub fn packable_user_group(&self, name: &str) -> bool {
        let key = name.to_lowercase();
        matches!(self.by_name.get(&key), Some((GroupKind::UserGroup, _))) && !self.read_only.contains(&key)
    }

    /// The product configuration entry, for licence figures.
    pub fn configuration(&self, name: &str) -> Option<&ProductConfiguration> {
        self.configurations.get(&name.to_lowercase())
    }

    /// All product configurations, sorted by name.
    pub fn configurations(&self) -> Vec<&ProductConfiguration> {
        let mut all: Vec<&ProductConfiguration> = self.configurations.values().collect();
        all.sort_by(|left, right| left.name.cmp(&right.name));
        all
    }

    fn lookup(&self, name: &str, kind: GroupKind) -> Lookup {
        match self.by_name.get(&name.trim().to_lowercase()) {
            Some((found_kind, spelling)) if *found_kind == kind => Lookup::Found(spelling.clone()),
            _ => {
                let candidates = self
                    .by_name
                    .values()
                    .filter(|(candidate_kind, _)| *candidate_kind == kind)
                    .map(|(_, spelling)| spelling);
                Lookup::Missing(ranked(name, candidates))
            }
        }
    }
}

#[cfg(test)]
pub(crate) mod tests {
    use super::*;

    /// The demo org's catalogue (SPEC 6.1), for planner tests.
    pub(crate) fn demo_groups() -> Vec<Group> {
        let profile = |name: &str, product: &str, quota: &str, members: u64| Group {
            group_name: name.into(),
            group_type: group_types::PRODUCT_PROFILE.into(),
            product_name: Some(product.into()),
            license_quota: Some(quota.into()),
            member_count: members,
            ..Group::default()
        };
        let user_group = |name: &str, members: u64| Group {
            group_name: name.into(),
            group_type: group_types::USER_GROUP.into(),
            member_count: members,
            ..Group::default()
        };
        vec![
            profile("Creative Cloud All Apps - Default", "Creative Cloud All Apps", "50", 12),
            profile("Acrobat Pro - Default", "Acrobat Pro", "20", 5),
            profile("Photoshop - Default", "Photoshop", "5", 0),
            profile("Audience Manager - Default Access", "Audience Manager", "100", 0),
            user_group("Designers", 12),
            user_group("Finance", 5),
            user_group("Contractors", 0),
            Group {
                group_name: "_org_admin".into(),
                group_type: group_types::SYSADMIN_GROUP.into(),
                ..Group::default()
            },
        ]
    }

    #[test]
    fn names_match_case_insensitively_and_return_the_org_spelling() {
        let catalogue = Catalogue::from_groups(&demo_groups());
        assert_eq!(catalogue.product_configuration("photoshop - default"), Lookup::Found("Photoshop - Default".into()));
        assert_eq!(catalogue.user_group(" designers "), Lookup::Found("Designers".into()));
        assert_eq!(catalogue.product("acrobat pro"), Lookup::Found("Acrobat Pro".into()));
    }

    #[test]
    fn only_user_groups_that_are_not_read_only_are_packable() {
        let mut groups = demo_groups();
        groups.push(Group {
            group_name: "Shared Brand".into(),
            group_type: group_types::USER_GROUP.into(),
            is_read_only: true,
            ..Group::default()
        });
        let catalogue = Catalogue::from_groups(&groups);
        assert!(catalogue.packable_user_group("designers"));
        assert!(!catalogue.packable_user_group("Shared Brand"), "read-only (UMAPI.md 2c)");
        assert!(!catalogue.packable_user_group("Photoshop - Default"));
        assert!(!catalogue.packable_user_group("_admin_Designers"));
        assert!(!catalogue.packable_user_group("Nowhere"));
    }

    #[test]
    fn typos_get_did_you_mean_of_the_right_kind_only() {
        let catalogue = Catalogue::from_groups(&demo_groups());
        assert_eq!(
            catalogue.product_configuration("Photoshop Default"),
            Lookup::Missing(vec!["Photoshop - Default".into()])
        );
        assert_eq!(catalogue.user_group("Designer"), Lookup::Missing(vec!["Designers".into()]));
        // A user group is not a product configuration, even when the name matches exactly.
        assert_eq!(catalogue.product_configuration("Designers"), Lookup::Missing(vec![]));
        assert_eq!(catalogue.user_group("Zebra"), Lookup::Missing(vec![]));
    }

    #[test]
    fn licence_quota_is_parsed_from_the_string_field() {
        let catalogue = Catalogue::from_groups(&demo_groups());
        let photoshop = catalogue.configuration("PHOTOSHOP - DEFAULT");
        assert_eq!(photoshop.map(|entry| entry.licence_quota), Some(Some(5)));
        assert_eq!(catalogue.kind_of("_admin_Designers"), Some(GroupKind::Admin));
        assert_eq!(catalogue.kind_of("Finance"), Some(GroupKind::UserGroup));
    }
}
