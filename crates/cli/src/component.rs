//! A component as the user wrote it: its kind, its options and where it
//! was written, before anything is built from it.

use crate::locate::Locator;
use crate::options::{OptionError, Options};
use crate::spec::Spec;

/// A configuration mistake, worded for the user: which flag or file
/// position, and what is wrong. Exit code 2.
#[derive(Debug, thiserror::Error)]
#[error("{0}")]
pub struct UsageError(pub String);

/// Where a component was given, for messages.
#[derive(Clone, Debug)]
pub enum Place {
    /// A flag and its text: `--sink bot:entyr=1`.
    Flag {
        /// The flag.
        flag: &'static str,
        /// Its value.
        text: String,
    },
    /// The flags of a command that are one component's keys (`sluice
    /// replay --tz X` is the csv source's `tz`): a key is named as its flag,
    /// and the keys the command takes as operands by the command.
    Flags {
        /// The command, as `replay`.
        command: &'static str,
        /// Its keys given as operands (`path`: the files).
        operands: &'static [&'static str],
    },
    /// A table of a pipeline file, and a way to find a key's line.
    File {
        /// The file.
        path: String,
        /// The table, as `[source]` or `[[sink]] #2`.
        table: String,
        /// Finds a key's line and column.
        locate: Locator,
    },
}

impl Place {
    /// The mistake `message`, at the key `key` if one is known.
    pub fn error(&self, key: Option<&str>, message: impl std::fmt::Display) -> UsageError {
        UsageError(match self {
            Place::Flag { flag, text } => format!("{flag} {text}: {message}"),
            Place::Flags { command, operands } => {
                let message = message.to_string();
                match key {
                    Some(key) if operands.contains(&key) => format!("{command}: {message}"),
                    Some(key) => {
                        // The key's name is the flag's now.
                        let message = message.strip_prefix(&format!("`{key}`: ")).unwrap_or(&message);
                        format!("--{}: {message}", key.replace('_', "-"))
                    }
                    None => format!("{command}: {message}"),
                }
            }
            Place::File { path, table, locate } => match key.and_then(|k| locate.find(k)) {
                Some((line, col)) => format!("{path}:{line}:{col}: {table}: {message}"),
                None => format!("{path}: {table}: {message}"),
            },
        })
    }

    fn option_error(&self, e: OptionError) -> UsageError {
        self.error(e.key.as_deref(), e.message)
    }
}

/// The options of a component, owned.
#[derive(Clone, Debug)]
pub enum OwnedOptions {
    /// From a flag: `key=value` pairs, values as text.
    Pairs(Vec<(String, String)>),
    /// From a file: a table, values typed.
    Table(toml::Table),
}

/// A source, filter or sink as a pipeline names it.
#[derive(Clone, Debug)]
pub struct Component {
    /// Its kind: `bot`, `csv`, `filter`…
    pub kind: String,
    /// Its options, as given.
    pub options: OwnedOptions,
    /// Where it was given.
    pub place: Place,
}

impl Component {
    /// A component from a `--source` or `--sink` spec.
    pub fn from_flag(flag: &'static str, text: &str) -> Result<Component, UsageError> {
        let place = Place::Flag { flag, text: text.to_owned() };
        let spec = Spec::parse(text).map_err(|e| place.error(None, e))?;
        Ok(Component { kind: spec.kind, options: OwnedOptions::Pairs(spec.pairs), place })
    }

    /// A filter from `--filter FIELD=VALUE`: a spec with one pair and no kind.
    pub fn filter_flag(text: &str) -> Result<Component, UsageError> {
        let place = Place::Flag { flag: "--filter", text: text.to_owned() };
        let spec = Spec::parse(&format!("filter:{text}")).map_err(|e| place.error(None, e))?;
        if spec.pairs.len() != 1 {
            return Err(place.error(None, "write one FIELD=VALUE: symbol=A[,B...], price=MIN..MAX or contains=TEXT"));
        }
        Ok(Component { kind: "filter".into(), options: OwnedOptions::Pairs(spec.pairs), place })
    }

    /// Sets `key` to `value` (text, read as the key's type), replacing what
    /// was given: how a command-line shorthand such as `--trades PATH`
    /// reaches its component.
    pub fn set(&mut self, key: &str, value: &str) {
        match &mut self.options {
            OwnedOptions::Pairs(pairs) => {
                pairs.retain(|(k, _)| k != key);
                pairs.push((key.to_owned(), value.to_owned()));
            }
            OwnedOptions::Table(table) => {
                let typed = value.parse::<bool>().map_or_else(|_| toml::Value::from(value), toml::Value::from);
                table.insert(key.to_owned(), typed);
            }
        }
    }

    /// Whether `key` was given.
    pub fn has(&self, key: &str) -> bool {
        self.options().keys().contains(&key)
    }

    fn options(&self) -> Options<'_> {
        match &self.options {
            OwnedOptions::Pairs(p) => Options::Pairs(p),
            OwnedOptions::Table(t) => Options::Table(t),
        }
    }

    /// Reads the options into the component's configuration struct; a
    /// mistake names the key where it was written.
    pub fn read<T: serde::de::DeserializeOwned>(&self) -> Result<T, UsageError> {
        self.options().deserialize().map_err(|e| self.place.option_error(e))
    }
}

/// Why a file cannot be written at `path`, checked before anything runs:
/// it is a directory, or its directory is missing or read-only.
pub fn check_output_path(path: &std::path::Path) -> Result<(), String> {
    let dir = path.parent().filter(|p| !p.as_os_str().is_empty()).unwrap_or(std::path::Path::new("."));
    if path.is_dir() {
        Err("is a directory".to_owned())
    } else if !dir.is_dir() {
        Err(format!("directory {} does not exist", dir.display()))
    } else if std::fs::metadata(dir).is_ok_and(|m| m.permissions().readonly()) {
        Err(format!("directory {} is read-only", dir.display()))
    } else {
        Ok(())
    }
}
