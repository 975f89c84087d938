//! A component's options as command-line flags, generated from the JSON
//! Schema of its configuration: `sluice replay --tz X` is the csv source's
//! `tz`, read by the same deserializer as `--source csv:tz=X` and a
//! pipeline file's `tz = "X"`. An option added to the configuration struct
//! is a flag at once, with its doc comment as its help.

use std::marker::PhantomData;
use std::sync::OnceLock;

use clap::{Arg, ArgAction, ArgMatches, Args, Command, FromArgMatches};
use schemars::JsonSchema;
use schemars::generate::SchemaSettings;
use serde_json::Value;

use crate::schema::describe;

/// How one option is written on the command line.
#[derive(Debug)]
pub struct Flag {
    /// The option's key, which is also the flag's id.
    key: &'static str,
    /// `--key-with-dashes`.
    long: &'static str,
    /// The first paragraph of the option's doc.
    help: String,
    shape: Shape,
}

#[derive(Debug)]
enum Shape {
    /// A boolean: the flag alone sets it.
    Switch,
    /// A boolean that is detected when absent: `--key` and `--no-key`.
    Tristate { no: &'static str },
    /// A value, checked by the options deserializer (so a mistake reads
    /// as it does in `--source csv:…` and in files).
    Value { name: &'static str },
}

/// The flags of one configuration type, built once per process from its
/// schema. Ids and names are leaked once: clap wants `'static` strings.
fn flags_of<C: JsonSchema>(cell: &'static OnceLock<Vec<Flag>>, skip: &[&str]) -> &'static [Flag] {
    cell.get_or_init(|| {
        let mut generator = SchemaSettings::draft2020_12().into_generator();
        let schema = C::json_schema(&mut generator).to_value();
        let definitions = generator.take_definitions(true);
        let Some(props) = schema["properties"].as_object() else { return Vec::new() };
        props
            .iter()
            .filter(|(key, _)| !skip.contains(&key.as_str()))
            .map(|(key, p)| {
                let leak = |s: String| -> &'static str { Box::leak(s.into_boxed_str()) };
                let key = leak(key.clone());
                let long = leak(key.replace('_', "-"));
                let (_, doc) = describe(p, &definitions);
                let help = doc.split("\n\n").next().unwrap_or("").replace('\n', " ");
                let types: Vec<&str> = match &p["type"] {
                    Value::String(t) => vec![t.as_str()],
                    Value::Array(ts) => ts.iter().filter_map(Value::as_str).collect(),
                    _ => Vec::new(),
                };
                let shape = match (types.as_slice(), types.contains(&"null")) {
                    (["boolean"], _) => Shape::Switch,
                    (_, true) if types.contains(&"boolean") => Shape::Tristate { no: leak(format!("no-{long}")) },
                    _ => Shape::Value { name: leak(key.to_uppercase()) },
                };
                Flag { key, long, help, shape }
            })
            .collect()
    })
}

/// The configuration `C`'s options as flags, collected as `key=value`
/// pairs for the options deserializer. Options named in `F::SKIP` are left
/// to the command (a positional list of files).
pub struct ConfigFlags<F: FlagSet> {
    /// The options given, in the order clap has them.
    pub pairs: Vec<(String, String)>,
    set: PhantomData<F>,
}

impl<F: FlagSet> std::fmt::Debug for ConfigFlags<F> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("ConfigFlags").field("pairs", &self.pairs).finish()
    }
}

/// Which configuration a [`ConfigFlags`] is made from.
pub trait FlagSet: 'static {
    /// The configuration type.
    type Config: JsonSchema;
    /// Its options that are not flags.
    const SKIP: &'static [&'static str];
    /// Where the flags are kept once built.
    fn cell() -> &'static OnceLock<Vec<Flag>>;
}

/// The csv source's options, as `sluice replay` takes them.
#[derive(Debug)]
pub struct CsvFlags;

impl FlagSet for CsvFlags {
    type Config = sluice_replay::CsvConfig;
    const SKIP: &'static [&'static str] = &["path"];
    fn cell() -> &'static OnceLock<Vec<Flag>> {
        static FLAGS: OnceLock<Vec<Flag>> = OnceLock::new();
        &FLAGS
    }
}

fn flags<F: FlagSet>() -> &'static [Flag] {
    flags_of::<F::Config>(F::cell(), F::SKIP)
}

impl<F: FlagSet> FromArgMatches for ConfigFlags<F> {
    fn from_arg_matches(m: &ArgMatches) -> Result<Self, clap::Error> {
        let mut pairs = Vec::new();
        for flag in flags::<F>() {
            match &flag.shape {
                Shape::Switch => {
                    if m.get_flag(flag.key) {
                        pairs.push((flag.key.to_owned(), "true".to_owned()));
                    }
                }
                Shape::Tristate { no } => {
                    if m.get_flag(flag.key) {
                        pairs.push((flag.key.to_owned(), "true".to_owned()));
                    } else if m.get_flag(no) {
                        pairs.push((flag.key.to_owned(), "false".to_owned()));
                    }
                }
                Shape::Value { .. } => {
                    if let Some(v) = m.get_one::<String>(flag.key) {
                        pairs.push((flag.key.to_owned(), v.clone()));
                    }
                }
            }
        }
        Ok(ConfigFlags { pairs, set: PhantomData })
    }

    fn update_from_arg_matches(&mut self, m: &ArgMatches) -> Result<(), clap::Error> {
        *self = Self::from_arg_matches(m)?;
        Ok(())
    }
}

impl<F: FlagSet> Args for ConfigFlags<F> {
    fn augment_args(mut cmd: Command) -> Command {
        for flag in flags::<F>() {
            let arg = Arg::new(flag.key).long(flag.long).help(flag.help.clone());
            cmd = match &flag.shape {
                Shape::Switch => cmd.arg(arg.action(ArgAction::SetTrue)),
                Shape::Tristate { no } => {
                    let opposite = Arg::new(*no).long(*no).action(ArgAction::SetTrue).conflicts_with(flag.key);
                    cmd.arg(arg.action(ArgAction::SetTrue))
                        .arg(opposite.help(format!("The opposite of --{}.", flag.long)))
                }
                Shape::Value { name } => cmd.arg(arg.value_name(*name).action(ArgAction::Set)),
            };
        }
        cmd
    }

    fn augment_args_for_update(cmd: Command) -> Command {
        Self::augment_args(cmd)
    }
}
