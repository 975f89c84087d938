//! A sweep's grid: `entry=140..160:5,exit=190..210:5`, each key's values as
//! a range with a step or a `|`-separated list, every combination of them.

use sluice_core::Decimal;

/// Most combinations one sweep runs: each is a whole bot.
pub const MAX_COMBINATIONS: usize = 10_000;

/// The keys swept and each one's values, as text for the bot's options.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Grid {
    axes: Vec<(String, Vec<String>)>,
}

impl std::str::FromStr for Grid {
    type Err = String;

    /// Parses `KEY=FROM..TO:STEP` or `KEY=A|B|C`, comma-separated.
    fn from_str(spec: &str) -> Result<Grid, String> {
        let mut axes: Vec<(String, Vec<String>)> = Vec::new();
        for part in spec.split(',').map(str::trim).filter(|p| !p.is_empty()) {
            let (key, values) =
                part.split_once('=').ok_or_else(|| format!("`{part}` is not KEY=FROM..TO:STEP or KEY=A|B"))?;
            let key = key.trim();
            if axes.iter().any(|(k, _)| k == key) {
                return Err(format!("`{key}` is swept twice"));
            }
            let values = match values.split_once("..") {
                Some((from, rest)) => range(key, from, rest)?,
                None => values.split('|').map(|v| v.trim().to_owned()).filter(|v| !v.is_empty()).collect(),
            };
            if values.is_empty() {
                return Err(format!("`{key}` has no values"));
            }
            axes.push((key.to_owned(), values));
        }
        if axes.is_empty() {
            return Err("nothing to sweep; write KEY=FROM..TO:STEP or KEY=A|B".into());
        }
        let count = axes.iter().try_fold(1usize, |n, (_, v)| n.checked_mul(v.len())).unwrap_or(usize::MAX);
        if count > MAX_COMBINATIONS {
            return Err(format!("{count} combinations; at most {MAX_COMBINATIONS} run in one sweep"));
        }
        Ok(Grid { axes })
    }
}

/// `FROM..TO:STEP`, both ends inclusive, in exact decimals.
fn range(key: &str, from: &str, rest: &str) -> Result<Vec<String>, String> {
    let (to, step) = rest.split_once(':').ok_or_else(|| format!("`{key}`: a range needs a step: FROM..TO:STEP"))?;
    let number =
        |s: &str| s.trim().parse::<Decimal>().map_err(|e| format!("`{key}`: `{}` is not a number: {e}", s.trim()));
    let (from, to, step) = (number(from)?, number(to)?, number(step)?);
    if step <= Decimal::ZERO {
        return Err(format!("`{key}`: the step must be above 0"));
    }
    if to < from {
        return Err(format!("`{key}`: the range ends ({to}) before it starts ({from})"));
    }
    let mut values = Vec::new();
    let mut v = from;
    while v <= to {
        values.push(v.to_string());
        if values.len() > MAX_COMBINATIONS {
            return Err(format!("`{key}`: more than {MAX_COMBINATIONS} values"));
        }
        v = v.checked_add(step).ok_or_else(|| format!("`{key}`: the range passes what a number holds"))?;
    }
    Ok(values)
}

impl Grid {
    /// The keys, in the order given.
    pub fn keys(&self) -> Vec<&str> {
        self.axes.iter().map(|(k, _)| k.as_str()).collect()
    }

    /// Each key's values.
    pub fn values(&self, axis: usize) -> &[String] {
        &self.axes[axis].1
    }

    /// Every combination, the last key varying fastest: each a value per
    /// key, in the keys' order.
    pub fn combinations(&self) -> Vec<Vec<&str>> {
        let mut out: Vec<Vec<&str>> = vec![Vec::new()];
        for (_, values) in &self.axes {
            out = out
                .into_iter()
                .flat_map(|c| values.iter().map(move |v| [c.clone(), vec![v.as_str()]].concat()))
                .collect();
        }
        out
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ranges_and_lists_make_a_grid() {
        let g: Grid = "entry=140..150:5, side=long|short".parse().unwrap();
        assert_eq!(g.keys(), ["entry", "side"]);
        let all: Vec<String> = g.combinations().iter().map(|c| c.join(" ")).collect();
        assert_eq!(all, ["140 long", "140 short", "145 long", "145 short", "150 long", "150 short"]);
        // Exact decimals: 0.1 steps land on 0.3, where floats would not.
        let g: Grid = "stop_loss_pct=0.1..0.3:0.1".parse().unwrap();
        assert_eq!(g.values(0), ["0.1", "0.2", "0.3"]);
        // A step past the end stops before it.
        assert_eq!("fast=5..12:5".parse::<Grid>().unwrap().values(0), ["5", "10"]);
    }

    #[test]
    fn mistakes_are_named() {
        let err = |s: &str| s.parse::<Grid>().unwrap_err();
        assert_eq!(err("entry=140..160"), "`entry`: a range needs a step: FROM..TO:STEP");
        assert_eq!(err("entry=160..140:5"), "`entry`: the range ends (140) before it starts (160)");
        assert_eq!(err("entry=140..160:0"), "`entry`: the step must be above 0");
        assert_eq!(err("entry=1|2,entry=3"), "`entry` is swept twice");
        assert_eq!(err("fast=1..200:1,slow=1..100:1"), "20000 combinations; at most 10000 run in one sweep");
        assert_eq!(err(""), "nothing to sweep; write KEY=FROM..TO:STEP or KEY=A|B");
    }
}
