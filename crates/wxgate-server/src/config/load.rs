//! Loading: TOML text → typed [`Config`] → `WXGATE_*` overrides → validation, with every
//! problem's line filled in.

use std::path::Path;

use super::{Config, ConfigError, Problem, apply_env, locate, parse};

impl Config {
    /// Reads, overrides from the environment, and validates a configuration file.
    ///
    /// # Errors
    ///
    /// [`ConfigError`] listing every problem with its field and line. The problems do not repeat
    /// the file's name: print it once in front of them.
    pub fn load(path: &Path) -> Result<Self, ConfigError> {
        let text = std::fs::read_to_string(path).map_err(|e| {
            ConfigError(vec![Problem::new(
                String::new(),
                format!("cannot read: {e}"),
            )])
        })?;
        Self::from_toml(&text, std::env::vars())
    }

    /// Parses TOML text, applies `WXGATE_*` overrides from `env`, and validates.
    ///
    /// # Errors
    ///
    /// [`ConfigError`] listing every problem with its field and line.
    pub fn from_toml(
        text: &str,
        env: impl IntoIterator<Item = (String, String)>,
    ) -> Result<Self, ConfigError> {
        let parsed = parse::parse(text);
        let mut problems = parsed.problems.clone();
        if let Some(mut config) = parsed.config.clone() {
            problems.extend(apply_env(&mut config, env));
            problems.extend(
                config
                    .problems()
                    .into_iter()
                    .filter(|p| !parsed.follows_from_blanking(p)),
            );
            if problems.is_empty() {
                return Ok(config);
            }
        }
        locate::fill_lines(text, &mut problems);
        Err(ConfigError(problems))
    }
}

/// The first line of a (possibly multi-line) message, trimmed.
pub(super) fn first_line(message: &str) -> String {
    message.lines().next().unwrap_or_default().trim().to_owned()
}
