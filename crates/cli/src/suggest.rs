//! "Did you mean …?" for misspelt keys and kinds.

/// ` (did you mean `X`?)` for the candidate nearest to `word`, or nothing
/// when none is close enough to be a plausible typo.
pub fn did_you_mean<'a>(word: &str, candidates: impl IntoIterator<Item = &'a str>) -> String {
    let best = candidates.into_iter().map(|c| (strsim::levenshtein(word, c), c)).min();
    match best {
        Some((d, c)) if d <= (word.chars().count() / 3).max(2) => format!(" (did you mean `{c}`?)"),
        _ => String::new(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn suggests_only_near_misses() {
        assert_eq!(did_you_mean("entyr", ["entry", "exit"]), " (did you mean `entry`?)");
        assert_eq!(did_you_mean("tickr", ["ticker"]), " (did you mean `ticker`?)");
        assert_eq!(did_you_mean("zzzzzz", ["entry", "exit"]), "");
        // The nearest wins; a tie goes to the first alphabetically.
        assert_eq!(did_you_mean("exot", ["entry", "exit"]), " (did you mean `exit`?)");
        assert_eq!(did_you_mean("ab", ["aa", "bb"]), " (did you mean `aa`?)");
    }
}
