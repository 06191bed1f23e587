//! The org's group catalogue: user groups, product configurations (profiles) and the admin groups
//! that exist implicitly beside them (UMAPI.md 6c): `_org_admin`, `_deployment_admin`,
//! `_support_admin`, `_product_admin_<product>` for each product of the org, and
//! `_admin_<group>` / `_developer_<profile>` for each user group and profile.
//!
//! Names are matched case-insensitively and kept as written. Ids are stable numbers in creation
//! order. Memberships live on the users ([`super::org::Org`]); this file knows only the groups.

use std::collections::{BTreeMap, HashMap};

use crate::umapi::wire::group_types;

use super::org::GroupId;

/// The admin group that cannot be granted or removed through UMAPI.
pub(crate) const ORG_ADMIN: &str = "_org_admin";
const DEPLOYMENT_ADMIN: &str = "_deployment_admin";
const SUPPORT_ADMIN: &str = "_support_admin";
const FIRST_GROUP_ID: GroupId = 4_000_001;

/// What a group is.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) enum GroupKind {
    /// A user group; its members get `profiles`.
    UserGroup {
        /// Description.
        description: Option<String>,
        /// Product configurations granted to the members.
        profiles: Vec<GroupId>,
        /// Shared (read-only): members and name are fixed, profiles are not (UMAPI.md 2c).
        read_only: bool,
    },
    /// A product configuration.
    Profile {
        /// Its product.
        product: String,
        /// Its licence quota.
        quota: u64,
    },
    /// `_org_admin`.
    OrgAdmin,
    /// `_deployment_admin`.
    DeploymentAdmin,
    /// `_support_admin`.
    SupportAdmin,
    /// `_product_admin_<product>`.
    ProductAdmin,
    /// `_admin_<profile>`.
    ProfileAdmin(GroupId),
    /// `_admin_<user group>`.
    UserGroupAdmin(GroupId),
    /// `_developer_<profile>`.
    Developer(GroupId),
}

impl GroupKind {
    /// The `type` the groups endpoint shows.
    pub(crate) fn wire_type(&self) -> &'static str {
        match self {
            Self::UserGroup { .. } => group_types::USER_GROUP,
            Self::Profile { .. } => group_types::PRODUCT_PROFILE,
            Self::OrgAdmin => group_types::SYSADMIN_GROUP,
            Self::DeploymentAdmin => group_types::DEPLOYMENT_ADMIN_GROUP,
            Self::SupportAdmin => group_types::SUPPORT_ADMIN_GROUP,
            Self::ProductAdmin => group_types::PRODUCT_ADMIN_GROUP,
            Self::ProfileAdmin(_) => group_types::PROFILE_ADMIN_GROUP,
            Self::UserGroupAdmin(_) => group_types::USER_ADMIN_GROUP,
            Self::Developer(_) => group_types::DEVELOPER_GROUP,
        }
    }

    /// Whether this is an admin or developer group (listed only while it has members).
    pub(crate) fn is_role(&self) -> bool {
        !matches!(self, Self::UserGroup { .. } | Self::Profile { .. })
    }
}

/// One group.
#[derive(Clone, Debug)]
pub(crate) struct GroupRecord {
    /// Stable id.
    pub(crate) id: GroupId,
    /// Name as written.
    pub(crate) name: String,
    /// What it is.
    pub(crate) kind: GroupKind,
}

/// All groups of the org.
#[derive(Debug)]
pub(crate) struct Catalogue {
    groups: BTreeMap<GroupId, GroupRecord>,
    by_name: HashMap<String, GroupId>,
    admin_of: HashMap<GroupId, GroupId>,
    next_id: GroupId,
}

impl Catalogue {
    /// A catalogue with the org-wide admin groups.
    pub(crate) fn new() -> Self {
        let mut catalogue = Self {
            groups: BTreeMap::new(),
            by_name: HashMap::new(),
            admin_of: HashMap::new(),
            next_id: FIRST_GROUP_ID,
        };
        catalogue.insert(ORG_ADMIN, GroupKind::OrgAdmin);
        catalogue.insert(DEPLOYMENT_ADMIN, GroupKind::DeploymentAdmin);
        catalogue.insert(SUPPORT_ADMIN, GroupKind::SupportAdmin);
        catalogue
    }

    fn insert(&mut self, name: &str, kind: GroupKind) -> GroupId {
        let id = self.next_id;
        self.next_id += 1;
        self.by_name.insert(name.to_lowercase(), id);
        if let GroupKind::ProfileAdmin(target) | GroupKind::UserGroupAdmin(target) = kind {
            self.admin_of.insert(target, id);
        }
        self.groups.insert(id, GroupRecord { id, name: name.to_string(), kind });
        id
    }

    /// Adds a product configuration with its `_admin_` and `_developer_` groups, and the
    /// product's `_product_admin_` group if the product is new.
    pub(crate) fn add_profile(&mut self, name: &str, product: &str, quota: u64) -> GroupId {
        let id = self.insert(name, GroupKind::Profile { product: product.to_string(), quota });
        self.insert(&format!("_admin_{name}"), GroupKind::ProfileAdmin(id));
        self.insert(&format!("_developer_{name}"), GroupKind::Developer(id));
        let product_admin = format!("_product_admin_{product}");
        if self.find(&product_admin).is_none() {
            self.insert(&product_admin, GroupKind::ProductAdmin);
        }
        id
    }

    /// Adds a user group with its `_admin_` group.
    pub(crate) fn add_user_group(&mut self, name: &str, description: Option<String>, read_only: bool) -> GroupId {
        let id = self.insert(name, GroupKind::UserGroup { description, profiles: Vec::new(), read_only });
        self.insert(&format!("_admin_{name}"), GroupKind::UserGroupAdmin(id));
        id
    }

    /// Renames a user group and its admin group.
    pub(crate) fn rename_user_group(&mut self, id: GroupId, new_name: &str) {
        let admin = self.admin_group_of(id);
        self.rename(id, new_name);
        if let Some(admin) = admin {
            self.rename(admin, &format!("_admin_{new_name}"));
        }
    }

    fn rename(&mut self, id: GroupId, new_name: &str) {
        if let Some(group) = self.groups.get_mut(&id) {
            self.by_name.remove(&group.name.to_lowercase());
            group.name = new_name.to_string();
            self.by_name.insert(new_name.to_lowercase(), id);
        }
    }

    /// Removes a user group and its admin group; returns the ids removed.
    pub(crate) fn remove_user_group(&mut self, id: GroupId) -> Vec<GroupId> {
        let mut removed = Vec::new();
        for victim in [Some(id), self.admin_group_of(id)].into_iter().flatten() {
            if let Some(group) = self.groups.remove(&victim) {
                self.by_name.remove(&group.name.to_lowercase());
                self.admin_of.remove(&victim);
                removed.push(victim);
            }
        }
        removed
    }

    /// The admin group (`_admin_<name>`) of a user group or profile.
    pub(crate) fn admin_group_of(&self, id: GroupId) -> Option<GroupId> {
        self.admin_of.get(&id).copied()
    }

    /// A group by name, case-insensitively.
    pub(crate) fn find(&self, name: &str) -> Option<&GroupRecord> {
        self.by_name.get(&name.to_lowercase()).and_then(|id| self.groups.get(id))
    }

    /// A group by id, to change it.
    pub(crate) fn get_mut(&mut self, id: GroupId) -> Option<&mut GroupRecord> {
        self.groups.get_mut(&id)
    }

    /// The name of a group ("" for an unknown id).
    pub(crate) fn name_of(&self, id: GroupId) -> &str {
        self.groups.get(&id).map_or("", |group| group.name.as_str())
    }

    /// Every group, by id.
    pub(crate) fn all(&self) -> impl Iterator<Item = &GroupRecord> {
        self.groups.values()
    }

    /// Profiles granted by a user group (empty for other kinds).
    pub(crate) fn granted_by(&self, id: GroupId) -> &[GroupId] {
        match self.groups.get(&id).map(|group| &group.kind) {
            Some(GroupKind::UserGroup { profiles, .. }) => profiles,
            _ => &[],
        }
    }

    /// Whether a group is a read-only (shared) user group.
    pub(crate) fn is_read_only(&self, id: GroupId) -> bool {
        matches!(self.groups.get(&id).map(|group| &group.kind), Some(GroupKind::UserGroup { read_only: true, .. }))
    }

    /// Whether a group is a product configuration.
    pub(crate) fn is_profile(&self, id: GroupId) -> bool {
        matches!(self.groups.get(&id).map(|group| &group.kind), Some(GroupKind::Profile { .. }))
    }

    /// The quota of a profile.
    pub(crate) fn quota_of(&self, id: GroupId) -> Option<u64> {
        match self.groups.get(&id).map(|group| &group.kind) {
            Some(GroupKind::Profile { quota, .. }) => Some(*quota),
            _ => None,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn profiles_and_user_groups_bring_their_admin_groups_and_renames_follow() {
        let mut catalogue = Catalogue::new();
        let profile = catalogue.add_profile("Photoshop - Default", "Photoshop", 5);
        let group = catalogue.add_user_group("Designers", None, false);
        assert_eq!(catalogue.find("PHOTOSHOP - default").map(|group| group.id), Some(profile));
        for name in ["_admin_Photoshop - Default", "_developer_Photoshop - Default", "_product_admin_Photoshop"] {
            assert!(catalogue.find(name).is_some(), "{name}");
        }
        assert!(catalogue.find("_admin_designers").is_some());
        catalogue.rename_user_group(group, "Creatives");
        assert!(catalogue.find("Designers").is_none());
        assert!(catalogue.find("_admin_Designers").is_none());
        assert_eq!(
            catalogue.find("_admin_Creatives").map(|group| group.kind.clone()),
            Some(GroupKind::UserGroupAdmin(group))
        );
        assert_eq!(catalogue.remove_user_group(group).len(), 2);
        assert!(catalogue.find("_admin_Creatives").is_none());
        assert_eq!(catalogue.quota_of(profile), Some(5));
    }
}
