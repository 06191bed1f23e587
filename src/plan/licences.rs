//! Licence pre-flight (SPEC 8): per product configuration, the licences free now
//! (`licenseQuota` − members) against the licences the plan needs, and which rows will end without
//! one. UMAPI grants licences in order of arrival, so rows are served in plan order.
//!
//! Only direct joins are counted: UMAPI's group listing does not say which product configurations a
//! user group grants, so a join through a user group cannot be forecast (the post-run deficit report
//! reads the real outcome).

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

use crate::plan::catalogue::Catalogue;
use crate::text::plural;

/// One join of a product configuration that the plan makes.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Join {
    /// The configuration (org spelling).
    pub configuration: String,
    /// Source row.
    pub row_index: usize,
    /// Source line.
    pub line: u64,
    /// The user.
    pub user: String,
}

/// The forecast for one product configuration the plan touches.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct LicenceForecast {
    /// Product configuration.
    pub configuration: String,
    /// Quota (`None`: the org reports no quota; nothing is forecast).
    pub quota: Option<u64>,
    /// Members now.
    pub members: u64,
    /// Licences free now, plus those freed by the plan's removals.
    pub free: u64,
    /// Licences the plan's direct joins need.
    pub needed: u64,
    /// The rows that would end without a licence: `(line, user)`, in plan order.
    pub short: Vec<(u64, String)>,
}

impl LicenceForecast {
    /// How many joins would end without a licence.
    pub fn deficit(&self) -> u64 {
        self.short.len() as u64
    }
}

/// Forecasts licences for the plan's joins and leaves (`leaves`: configuration → members leaving).
pub fn forecast(catalogue: &Catalogue, joins: &[Join], leaves: &BTreeMap<String, u64>) -> Vec<LicenceForecast> {
    let mut by_configuration: BTreeMap<String, Vec<&Join>> = BTreeMap::new();
    for join in joins {
        by_configuration.entry(join.configuration.clone()).or_default().push(join);
    }
    by_configuration
        .into_iter()
        .map(|(name, joins)| {
            let entry = catalogue.configuration(&name);
            let quota = entry.and_then(|entry| entry.licence_quota);
            let members = entry.map_or(0, |entry| entry.member_count);
            let leaving = leaves.get(&name).copied().unwrap_or(0);
            // Leaving members free licences only once the configuration is back under its quota.
            let free = quota.map_or(u64::MAX, |quota| quota.saturating_sub(members.saturating_sub(leaving)));
            let short = joins
                .iter()
                .skip(usize::try_from(free).unwrap_or(usize::MAX))
                .map(|join| (join.line, join.user.clone()))
                .collect::<Vec<_>>();
            LicenceForecast {
                configuration: name,
                quota,
                members,
                free: if quota.is_some() { free } else { 0 },
                needed: joins.len() as u64,
                short: if quota.is_some() { short } else { Vec::new() },
            }
        })
        .collect()
}

/// One warning per product configuration that would run out of licences.
pub fn warnings(licences: &[LicenceForecast]) -> Vec<String> {
    licences
        .iter()
        .filter(|forecast| forecast.deficit() > 0)
        .map(|forecast| {
            let lines: Vec<String> = forecast.short.iter().take(10).map(|(line, _)| line.to_string()).collect();
            let more = if forecast.short.len() > 10 {
                format!(" and {} more", forecast.short.len() - 10)
            } else {
                String::new()
            };
            let count = |value: u64| usize::try_from(value).unwrap_or(usize::MAX);
            format!(
                "\"{}\": {} for {}; {} end without a licence ({} {}{more})",
                forecast.configuration,
                plural(count(forecast.free), "free licence", "free licences"),
                plural(count(forecast.needed), "join", "joins"),
                plural(count(forecast.deficit()), "row would", "rows would"),
                if forecast.short.len() == 1 { "line" } else { "lines" },
                lines.join(", ")
            )
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::plan::catalogue::tests::demo_groups;

    fn joins(configuration: &str, count: usize) -> Vec<Join> {
        (0..count)
            .map(|index| Join {
                configuration: configuration.into(),
                row_index: index,
                line: index as u64 + 2,
                user: format!("u{index}@example.com"),
            })
            .collect()
    }

    #[test]
    fn photoshop_demo_forecasts_eight_of_thirteen_short() {
        let catalogue = Catalogue::from_groups(&demo_groups());
        let result = forecast(&catalogue, &joins("Photoshop - Default", 13), &BTreeMap::new());
        assert_eq!(result.len(), 1);
        assert_eq!((result[0].quota, result[0].free, result[0].needed, result[0].deficit()), (Some(5), 5, 13, 8));
        assert_eq!(result[0].short.first().map(|short| short.0), Some(7));
    }

    #[test]
    fn leaving_members_of_an_over_quota_configuration_free_nothing() {
        let mut groups = demo_groups();
        if let Some(photoshop) = groups.iter_mut().find(|group| group.group_name == "Photoshop - Default") {
            photoshop.member_count = 8;
        }
        let catalogue = Catalogue::from_groups(&groups);
        let leaves = BTreeMap::from([("Photoshop - Default".to_string(), 2)]);
        let result = forecast(&catalogue, &joins("Photoshop - Default", 3), &leaves);
        assert_eq!((result[0].free, result[0].deficit()), (0, 3));
    }

    #[test]
    fn leaving_members_of_a_full_configuration_free_their_licences() {
        let mut groups = demo_groups();
        if let Some(photoshop) = groups.iter_mut().find(|group| group.group_name == "Photoshop - Default") {
            photoshop.member_count = 5;
        }
        let catalogue = Catalogue::from_groups(&groups);
        let leaves = BTreeMap::from([("Photoshop - Default".to_string(), 2)]);
        let result = forecast(&catalogue, &joins("Photoshop - Default", 3), &leaves);
        assert_eq!((result[0].free, result[0].deficit()), (2, 1));
    }
}
