//! Where a key is written in a pipeline file, for messages that name its
//! line and column.

use std::sync::Arc;

/// Finds the line and column of a key inside one table of a file's text.
#[derive(Clone, Debug)]
pub struct Locator {
    /// The whole file's text.
    pub(crate) text: Arc<str>,
    /// The byte range of the table's text, when it could be found.
    pub(crate) region: Option<(usize, usize)>,
    /// The file is JSON, not TOML.
    pub(crate) json: bool,
}

impl Locator {
    /// The 1-based line and column where `key` is written.
    pub fn find(&self, key: &str) -> Option<(usize, usize)> {
        let (start, end) = self.region.unwrap_or((0, self.text.len()));
        let region = &self.text[start..end];
        let at = if self.json {
            let quoted = format!("\"{key}\"");
            region
                .match_indices(&quoted)
                .find(|(i, _)| region[i + quoted.len()..].trim_start().starts_with(':'))
                .map(|(i, _)| i)
        } else {
            let mut offset = 0;
            region.split_inclusive('\n').find_map(|line| {
                let here = offset;
                offset += line.len();
                let trimmed = line.trim_start();
                let indent = here + (line.len() - trimmed.len());
                // A table header (`[key]`, `[[key]]`) or an assignment.
                let header = trimmed
                    .trim_start_matches('[')
                    .strip_prefix(key)
                    .is_some_and(|r| r.starts_with(']') || r.starts_with('.'));
                if header && trimmed.starts_with('[') {
                    return Some(indent);
                }
                let rest = trimmed.strip_prefix(key)?;
                rest.trim_start().starts_with('=').then_some(indent)
            })
        }?;
        Some(position(&self.text, start + at))
    }
}

/// 1-based line and column of a byte offset.
pub(crate) fn position(text: &str, offset: usize) -> (usize, usize) {
    let before = &text[..offset.min(text.len())];
    let line = before.matches('\n').count() + 1;
    let col = before.len() - before.rfind('\n').map_or(0, |i| i + 1) + 1;
    (line, col)
}
