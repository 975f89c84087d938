//! GNU grep's matches are the leftmost-longest (POSIX), where the regex
//! crate's are leftmost-first: `ab|abcd` finds `ab` in `abcd`, GNU grep
//! `abcd`; `-e '' -e root` finds the empty match before `root`. Which
//! lines match is the same either way, and so is where a match starts;
//! only its end differs, which `-o` and colour show. So a match is found
//! as before, then run on to its longest end from the same start by a DFA
//! that reports every match (built on first use: only `-o` and colour
//! ask).

use std::sync::OnceLock;

use regex_automata::dfa::{Automaton, dense};
use regex_automata::util::syntax;
use regex_automata::{Anchored, Input, MatchKind};

/// A DFA's memory past which it is not built: the end of a match is then
/// the regex crate's (a pattern that large is rare, and still selects the
/// same lines).
const DFA_BYTES: usize = 8 << 20;

/// The longest end of a match, for a pattern in the regex crate's syntax.
#[derive(Clone, Debug)]
pub struct Longest {
    pattern: String,
    ignore_case: bool,
    dfa: OnceLock<Option<Box<dense::DFA<Vec<u32>>>>>,
}

impl Longest {
    /// For `pattern`, compiled as the matcher compiles it: lines are
    /// lines (`^`, `$`), bytes are bytes, ASCII case ignored or not.
    pub(crate) fn new(pattern: &str, ignore_case: bool) -> Longest {
        Longest { pattern: pattern.to_owned(), ignore_case, dfa: OnceLock::new() }
    }

    /// The end of the longest match in `hay` that starts at `start`, or
    /// `end` (a match found there) when there is none longer.
    pub(crate) fn end(&self, hay: &[u8], start: usize, end: usize) -> usize {
        let Some(dfa) = self.dfa.get_or_init(|| self.build()) else { return end };
        let input = Input::new(hay).range(start..).anchored(Anchored::Yes);
        match dfa.try_search_fwd(&input) {
            Ok(Some(m)) => m.offset().max(end),
            _ => end,
        }
    }

    fn build(&self) -> Option<Box<dense::DFA<Vec<u32>>>> {
        let syntax =
            syntax::Config::new().multi_line(true).case_insensitive(self.ignore_case).unicode(false).utf8(false);
        // Every match is reported, so a forward search runs on to the
        // longest one.
        let config = dense::Config::new()
            .match_kind(MatchKind::All)
            .start_kind(regex_automata::dfa::StartKind::Anchored)
            .dfa_size_limit(Some(DFA_BYTES))
            .determinize_size_limit(Some(DFA_BYTES));
        dense::Builder::new().syntax(syntax).configure(config).build(&self.pattern).ok().map(Box::new)
    }
}
