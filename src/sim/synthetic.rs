//! Generated orgs (`sim --synthetic-users N`, `samples/org-realistic.json`): a realistic catalogue
//! and N users made deterministically from the seed, for rehearsals and benchmarks without a file.
//!
//! The catalogue is fixed: 10 products named the way Adobe names them today, with commas
//! (`Photoshop (<CCE,Single App - Enterprise,PHSP>)`, UMAPI.md 5d), 3 product configurations each
//! (30 in all) with quotas sized to N so that some run short, 12 user groups of which 9 grant
//! configurations and one is read-only, the org's claimed domains (an Enterprise directory, an
//! email-login and a username-login Federated directory) and a trusted domain of another org.
//! Users are Enterprise IDs (55 %), email-login Federated IDs (20 %), username-login Federated IDs
//! (13 %, named by username + domain), users of the trusted domain (7 %) and Adobe IDs (5 %), each
//! in one or two user groups, some with a direct configuration or an admin role. User `i` depends
//! only on the seed and `i`, so users are generated one at a time, never all held at once.

use crate::model::IdentityType;
use crate::secret::Secret;

use super::dice::{Stream, roll, splitmix64};
use super::state_file::{
    ApiClient, ClaimedDomain, Directory, Login, MAX_USER_GROUP_MEMBERS, OrgState, ProductConfiguration, TrustedDomain,
    UserGroupSpec, UserSpec,
};

/// The org id of generated orgs (the demo org's, so that samples/umapi-bulk.toml works with them).
pub const SYNTHETIC_ORG_ID: &str = "DEMO0000000000000000000@AdobeOrg";

const ENTERPRISE_DOMAIN: &str = "example.com";
const FEDERATED_DOMAIN: &str = "fed.example.org";
const USERNAME_DOMAIN: &str = "sso.example.net";
const TRUSTED_DOMAIN: &str = "partner.example";
const ADOBE_ID_DOMAINS: [&str; 3] = ["gmail.com", "outlook.com", "yahoo.com"];

/// (short name, product name as the groups endpoint shows it).
const PRODUCTS: [(&str, &str); 10] = [
    ("All Apps", "Creative Cloud All Apps (<CCE,All Apps - Enterprise,ENT>)"),
    ("Photoshop", "Photoshop (<CCE,Single App - Enterprise,PHSP>)"),
    ("Illustrator", "Illustrator (<CCE,Single App - Enterprise,ILST>)"),
    ("InDesign", "InDesign (<CCE,Single App - Enterprise,IDSN>)"),
    ("Premiere Pro", "Premiere Pro (<CCE,Single App - Enterprise,PPRO>)"),
    ("Acrobat Pro", "Acrobat Pro (<DC,Enterprise,ACRO>)"),
    ("Adobe Express", "Adobe Express (<CCX,Enterprise,EXPRESS>)"),
    ("Adobe Stock", "Adobe Stock (<STOCK,Enterprise,10 assets>)"),
    ("Substance 3D", "Substance 3D Collection (<S3D,Enterprise,COLL>)"),
    ("Firefly", "Adobe Firefly (<FF,Enterprise,GEN>)"),
];

/// Suffixes of each product's three configurations, with their quota as a share of N (per mille).
const CONFIGURATIONS: [(&str, u64); 3] = [("Default", 400), ("Design Team", 20), ("Contractors", 5)];

/// A generated user group: name, the configurations it grants as (product index, configuration
/// index), read-only, and the per mille of users in it.
type GroupSeed = (&'static str, &'static [(usize, usize)], bool, u64);

const GROUPS: [GroupSeed; 12] = [
    ("All Staff", &[(5, 0), (6, 0)], false, 600),
    ("Design", &[(0, 0)], false, 150),
    ("Marketing", &[(1, 0), (2, 0), (7, 0)], false, 60),
    ("Video", &[(4, 0)], false, 30),
    ("Print", &[(3, 0)], false, 30),
    ("3D", &[(8, 0)], false, 20),
    ("Finance", &[(5, 1)], false, 40),
    ("Research", &[(9, 0)], false, 20),
    ("Interns", &[(6, 1)], false, 10),
    ("Contractors", &[], false, 20),
    ("Engineering", &[], false, 15),
    ("Shared - Global Brand", &[(7, 1)], true, 5),
];

const FIRST_NAMES: [&str; 16] = [
    "Ada", "Ben", "Chloé", "Dmitri", "Eva", "Farid", "Grace", "Hiro", "Inês", "José", "Kofi", "Lena", "Mei", "Nils",
    "Søren", "Zoë",
];
const LAST_NAMES: [&str; 16] = [
    "Okafor", "Smith", "García", "Müller", "Nguyen", "Rossi", "Kowalski", "Tanaka", "Silva", "Dubois", "Haddad",
    "Novak", "Larsen", "Chen", "Murphy", "Ibrahim",
];
const COUNTRIES: [&str; 10] = ["US", "GB", "DE", "FR", "JP", "CA", "AU", "IN", "BR", "ES"];

fn configuration_name(product: usize, configuration: usize) -> String {
    format!("{} - {}", PRODUCTS[product].0, CONFIGURATIONS[configuration].0)
}

/// The org of `users` generated users (a realistic catalogue, see the module note).
pub fn synthetic_state(users: usize, seed: u64) -> OrgState {
    OrgState { users: synthetic_users(users, seed).collect(), ..synthetic_catalogue(users) }
}

/// The catalogue, domains and client of a generated org of `users` users, without the users.
pub fn synthetic_catalogue(users: usize) -> OrgState {
    let scaled = |per_mille: u64| (users as u64 * per_mille).div_ceil(1000).max(2);
    let product_configurations = (0..PRODUCTS.len())
        .flat_map(|product| {
            CONFIGURATIONS.iter().enumerate().map(move |(configuration, (_, share))| (product, configuration, *share))
        })
        .map(|(product, configuration, share)| ProductConfiguration {
            name: configuration_name(product, configuration),
            product: PRODUCTS[product].1.to_string(),
            // Single apps get a tenth of the suite's share, so their group members run short.
            quota: scaled(if product == 0 || product == 5 || product == 6 { share } else { share / 10 }),
        })
        .collect();
    let user_groups = GROUPS
        .iter()
        .map(|(name, grants, read_only, _)| UserGroupSpec {
            name: (*name).to_string(),
            description: Some(format!("{name} (generated)")),
            product_configurations: grants
                .iter()
                .map(|(product, index)| configuration_name(*product, *index))
                .collect(),
            read_only: *read_only,
        })
        .collect();
    OrgState {
        org_id: SYNTHETIC_ORG_ID.to_string(),
        clients: vec![ApiClient {
            client_id: "demo-client".to_string(),
            client_secret: Secret::new("demo-secret".to_string()),
            tech_account: None,
        }],
        domains: vec![
            ClaimedDomain {
                name: ENTERPRISE_DOMAIN.to_string(),
                directory: Directory::Enterprise,
                login: Login::Email,
            },
            ClaimedDomain { name: FEDERATED_DOMAIN.to_string(), directory: Directory::Federated, login: Login::Email },
            ClaimedDomain {
                name: USERNAME_DOMAIN.to_string(),
                directory: Directory::Federated,
                login: Login::Username,
            },
        ],
        trusted_domains: vec![TrustedDomain {
            name: TRUSTED_DOMAIN.to_string(),
            directory: Directory::Federated,
            owner_org: Some("PARTNER00000000000000000@AdobeOrg".to_string()),
        }],
        product_configurations,
        user_groups,
        users: Vec::new(),
        max_user_group_members: MAX_USER_GROUP_MEMBERS,
    }
}

/// The generated users 0..count, one at a time.
pub(crate) fn synthetic_users(count: usize, seed: u64) -> impl Iterator<Item = UserSpec> {
    (0..count).map(move |index| synthetic_user(index, seed))
}

/// Picks an entry of a per-mille table with the draw `value` (0..1000); the rest of the range
/// picks nothing.
fn pick_group(value: u64, skip: Option<usize>) -> Option<usize> {
    let mut floor = 0;
    for (index, (_, _, _, share)) in GROUPS.iter().enumerate() {
        floor += share;
        if value < floor {
            return (Some(index) != skip).then_some(index);
        }
    }
    None
}

fn synthetic_user(index: usize, seed: u64) -> UserSpec {
    let mut draws =
        std::iter::successors(Some(roll(seed, Stream::Synthetic, index as u64)), |state| Some(splitmix64(*state)));
    let mut next = move || draws.next().unwrap_or_default();
    let first = FIRST_NAMES[(next() % 16) as usize];
    let last = LAST_NAMES[(next() % 16) as usize];
    let ascii = |name: &str| {
        name.chars()
            .map(|character| match character {
                'é' => 'e',
                'ê' => 'e',
                'ë' => 'e',
                'ü' => 'u',
                'ø' => 'o',
                'í' => 'i',
                'á' => 'a',
                other => other,
            })
            .collect::<String>()
            .to_lowercase()
    };
    let local = format!("{}.{}{}", ascii(first), ascii(last), index + 1);
    let country = Some(COUNTRIES[(next() % 10) as usize].to_string());
    let bucket = next() % 100;
    let (identity_type, email, username, domain) = match bucket {
        0..55 => (IdentityType::EnterpriseId, format!("{local}@{ENTERPRISE_DOMAIN}"), None, None),
        55..75 => (IdentityType::FederatedId, format!("{local}@{FEDERATED_DOMAIN}"), None, None),
        75..88 => {
            let initial: String = first.chars().take(1).collect();
            let username = format!("{}{}{}", ascii(&initial), ascii(last), index + 1);
            let domain = Some(USERNAME_DOMAIN.to_string());
            (IdentityType::FederatedId, format!("{local}@{USERNAME_DOMAIN}"), Some(username), domain)
        }
        88..95 => (IdentityType::FederatedId, format!("{local}@{TRUSTED_DOMAIN}"), None, None),
        _ => {
            let domain = ADOBE_ID_DOMAINS[(next() % 3) as usize];
            (IdentityType::AdobeId, format!("{local}@{domain}"), None, None)
        }
    };
    let mut groups = Vec::new();
    if identity_type != IdentityType::AdobeId {
        let first_group = pick_group(next() % 1000, None);
        let second_group = if next() % 4 == 0 { pick_group(next() % 1000, first_group) } else { None };
        groups.extend([first_group, second_group].into_iter().flatten().map(|group| GROUPS[group].0.to_string()));
        if next() % 10 == 0 {
            let product = (next() % PRODUCTS.len() as u64) as usize;
            groups.push(configuration_name(product, (next() % 3) as usize));
        }
        // About one user in a hundred administers a product (named with its commas), a group or
        // support; every 97th user is a product admin, so that small orgs have some too.
        match (index % 97, next() % 100) {
            (5, _) | (_, 0) => groups.push(format!("_product_admin_{}", PRODUCTS[(index / 97) % PRODUCTS.len()].1)),
            (_, 1) => groups.push(format!("_admin_{}", GROUPS[(next() % 11) as usize].0)),
            (_, 2) if next() % 4 == 0 => groups.push("_support_admin".to_string()),
            _ => {}
        }
    } else if next() % 3 == 0 {
        groups.push(configuration_name(6, 0));
    }
    UserSpec {
        identity_type,
        email,
        username,
        domain,
        firstname: Some(first.to_string()),
        lastname: Some(last.to_string()),
        country,
        groups,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_same_seed_makes_the_same_org_and_every_kind_of_user_occurs() {
        let one = synthetic_state(500, 4);
        let again = synthetic_state(500, 4);
        let emails = |state: &OrgState| state.users.iter().map(|user| user.email.clone()).collect::<Vec<_>>();
        assert_eq!(emails(&one), emails(&again));
        assert_ne!(emails(&one), emails(&synthetic_state(500, 5)));
        assert_eq!(one.product_configurations.len(), 30);
        assert_eq!(one.user_groups.iter().filter(|group| group.read_only).count(), 1);
        let count = |domain: &str| one.users.iter().filter(|user| user.email.ends_with(domain)).count();
        for domain in [ENTERPRISE_DOMAIN, FEDERATED_DOMAIN, USERNAME_DOMAIN, TRUSTED_DOMAIN] {
            assert!(count(domain) > 10, "{domain}: {}", count(domain));
        }
        assert!(one.users.iter().any(|user| user.identity_type == IdentityType::AdobeId));
        assert!(one.users.iter().any(|user| user.groups.iter().any(|group| group.starts_with("_product_admin_"))));
    }
}
