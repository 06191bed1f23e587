//! "Did you mean …?" for names the file misspelt, case-insensitively, by Levenshtein distance
//! (`strsim`): [`closest`], the one nearest candidate within a distance that grows with the length
//! of the word (column headers, identity types, admin roles); and [`ranked`], up to three names of
//! the org similar enough to be what was meant (product configurations, user groups, products,
//! which the planner checks against the catalogue). The crate's one did-you-mean; pure, and used
//! only on the error path.

/// The candidate closest to `wanted`, if one is close enough to be a plausible typo.
pub fn closest<'a>(wanted: &str, candidates: impl IntoIterator<Item = &'a str>) -> Option<&'a str> {
    let wanted = wanted.trim().to_lowercase();
    if wanted.is_empty() {
        return None;
    }
    let allowed = (wanted.chars().count() / 3).clamp(1, 4);
    candidates
        .into_iter()
        .map(|candidate| (distance(&wanted, &candidate.to_lowercase()), candidate))
        .filter(|(distance, _)| *distance <= allowed)
        .min_by_key(|(distance, _)| *distance)
        .map(|(_, candidate)| candidate)
}

/// Levenshtein distance over characters.
pub fn distance(left: &str, right: &str) -> usize {
    strsim::levenshtein(left, right)
}

/// Up to three candidates close to `name` (normalised Levenshtein similarity ≥ 0.6, or a shared
/// prefix), best first, ties in name order.
pub fn ranked<'a>(name: &str, candidates: impl Iterator<Item = &'a String>) -> Vec<String> {
    let wanted = name.trim().to_lowercase();
    let mut scored: Vec<(f64, &String)> = candidates
        .map(|candidate| {
            let lower = candidate.to_lowercase();
            let mut score = strsim::normalized_levenshtein(&wanted, &lower);
            if !wanted.is_empty() && (lower.starts_with(&wanted) || wanted.starts_with(&lower)) {
                score = score.max(0.75);
            }
            (score, candidate)
        })
        .filter(|(score, _)| *score >= 0.6)
        .collect();
    scored.sort_by(|left, right| right.0.total_cmp(&left.0).then_with(|| left.1.cmp(right.1)));
    scored.into_iter().take(3).map(|(_, candidate)| candidate.clone()).collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn close_typos_are_found_and_far_words_are_not() {
        let names = ["Enterprise ID", "Federated ID", "Adobe ID"];
        assert_eq!(closest("Enterprize ID", names), Some("Enterprise ID"));
        assert_eq!(closest("federated", names), Some("Federated ID"));
        assert_eq!(closest("Google", names), None);
        assert_eq!(closest("", names), None);
        assert_eq!(distance("kitten", "sitting"), 3);
        assert_eq!(distance("zoë", "zoe"), 1, "characters, not bytes");
    }
}
