//! The compact component spec of the command line, `KIND[:key=value,...]`;
//! `options` reads its pairs into the structs that pipeline files fill.

/// A parsed `KIND[:key=value,...]`.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Spec {
    /// What comes before the `:`.
    pub kind: String,
    /// The `key=value` pairs, in order.
    pub pairs: Vec<(String, String)>,
}

impl Spec {
    /// Parses a spec. A comma followed by text with no `=` continues the
    /// previous value, so lists need no other separator:
    /// `ticker:symbols=AAPL,MSFT,seed=7`.
    pub fn parse(text: &str) -> Result<Spec, String> {
        let (kind, rest) = text.split_once(':').unwrap_or((text, ""));
        let kind = kind.trim();
        if kind.is_empty() {
            return Err("the component kind is missing; write KIND[:key=value,...]".into());
        }
        let mut pairs: Vec<(String, String)> = Vec::new();
        for piece in rest.split(',').filter(|p| !rest.is_empty() || !p.is_empty()) {
            match piece.split_once('=') {
                Some((key, value)) => {
                    let key = key.trim();
                    if key.is_empty() {
                        return Err(format!("`{piece}` has no key; write key=value"));
                    }
                    if pairs.iter().any(|(k, _)| k == key) {
                        return Err(format!("key `{key}` is given twice"));
                    }
                    pairs.push((key.to_owned(), value.trim().to_owned()));
                }
                None => match pairs.last_mut() {
                    Some((_, value)) => {
                        value.push(',');
                        value.push_str(piece.trim());
                    }
                    None => return Err(format!("`{piece}` is not key=value")),
                },
            }
        }
        Ok(Spec { kind: kind.to_owned(), pairs })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_kind_and_pairs() {
        let s = Spec::parse("ticker:seed=7,symbols=AAPL,MSFT,count=10").unwrap();
        assert_eq!(s.kind, "ticker");
        let pairs: Vec<(&str, &str)> = s.pairs.iter().map(|(k, v)| (k.as_str(), v.as_str())).collect();
        assert_eq!(pairs, [("seed", "7"), ("symbols", "AAPL,MSFT"), ("count", "10")]);
        assert_eq!(Spec::parse("bot").unwrap().pairs, []);
        assert_eq!(Spec::parse("bot:").unwrap().pairs, []);
    }

    #[test]
    fn refuses_malformed_specs() {
        for (text, want) in [
            ("", "kind is missing"),
            (":a=1", "kind is missing"),
            ("bot:entry", "`entry` is not key=value"),
            ("bot:=3", "has no key"),
            ("bot:entry=1,entry=2", "given twice"),
        ] {
            let err = Spec::parse(text).unwrap_err();
            assert!(err.contains(want), "{text:?}: {err}");
        }
    }
}
