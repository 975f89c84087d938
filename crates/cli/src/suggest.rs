//! "Did you mean …?" for misspelt keys and kinds.

/// ` (did you mean `X`?)` for the candidate nearest to `word`, or nothing
/// when none is close enough to be a plausible typo.
pub fn did_you_mean<'a>(word: &str, candidates: impl IntoIterator<Item = &'a str>) -> String {
    let best = candidates.into_iter().map(|c| (distance(word, c), c)).min();
    match best {
        Some((d, c)) if d <= (word.chars().count() / 3).max(2) => format!(" (did you mean `{c}`?)"),
        _ => String::new(),
    }
}

/// Levenshtein distance over chars.
fn distance(a: &str, b: &str) -> usize {
    let b: Vec<char> = b.chars().collect();
    let mut row: Vec<usize> = (0..=b.len()).collect();
    for (i, ca) in a.chars().enumerate() {
        let mut diag = row[0];
        row[0] = i + 1;
        for (j, &cb) in b.iter().enumerate() {
            let next = (diag + usize::from(ca != cb)).min(row[j] + 1).min(row[j + 1] + 1);
            diag = row[j + 1];
            row[j + 1] = next;
        }
    }
    row[b.len()]
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn suggests_only_near_misses() {
        assert_eq!(did_you_mean("entyr", ["entry", "exit"]), " (did you mean `entry`?)");
        assert_eq!(did_you_mean("tickr", ["ticker"]), " (did you mean `ticker`?)");
        assert_eq!(did_you_mean("zzzzzz", ["entry", "exit"]), "");
        assert_eq!(distance("kitten", "sitting"), 3);
        assert_eq!(distance("", "abc"), 3);
    }
}
