//! "Did you mean …?" for names the file misspelt (column headers, identity types, admin roles):
//! the closest candidate by edit distance, case-insensitively, within a distance that grows with
//! the length of the word. Pure and allocation-light; used only on the error path.

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
    let right: Vec<char> = right.chars().collect();
    let mut previous: Vec<usize> = (0..=right.len()).collect();
    let mut current = vec![0; right.len() + 1];
    for (row, left_char) in left.chars().enumerate() {
        current[0] = row + 1;
        for (column, right_char) in right.iter().enumerate() {
            let substitution = previous[column] + usize::from(left_char != *right_char);
            current[column + 1] = substitution.min(previous[column + 1] + 1).min(current[column] + 1);
        }
        std::mem::swap(&mut previous, &mut current);
    }
    previous[right.len()]
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
    }
}
