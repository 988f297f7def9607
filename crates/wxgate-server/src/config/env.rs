//! `WXGATE_*` environment overrides.
//!
//! [`overrides`] lists them; it is the one list (README.md's is tested against it). A
//! variable's name is its field's path in upper case, `.` written `_`, after `WXGATE_`:
//! `WXGATE_SERVER_LISTEN` sets `server.listen`. An account's fields are
//! `WXGATE_ACCOUNT_<ID>_<FIELD>` and a component's `WXGATE_COMPONENT_<ID>_<FIELD>`, `<ID>` being
//! the account's or component's id in upper case with `-` written as `_`. Values are read with serde from plain text (numbers, `local`/`shared`, `safe`, …), as
//! the TOML file's are; a list is comma-separated.

use serde::de::DeserializeOwned;

use super::{AccountConfig, ComponentConfig, Config, Problem};

/// Sets a field from a variable's value.
type Setter<T> = fn(&mut T, &str) -> Result<(), String>;

/// One override: the field's path (which names the variable) and how the value is set.
struct Override<T: 'static> {
    field: &'static str,
    set: Setter<T>,
}

/// `$section.$field => how` for each overridable field; `how` is [`plain`], [`some`] or
/// [`list`].
macro_rules! overrides {
    ($target:ty { $($($part:ident).+ => $how:ident),* $(,)? }) => {
        &[$(Override::<$target> {
            field: stringify!($($part).+),
            set: |target, value| $how(&mut target.$($part).+, value),
        }),*]
    };
}

/// The server-wide overrides, by field.
const SETTINGS: &[Override<Config>] = overrides!(Config {
    server.listen => plain,
    server.api_keys => list,
    server.callback_deadline_ms => plain,
    server.timestamp_window_secs => plain,
    server.max_body_bytes => plain,
    server.dedup_ttl_secs => plain,
    server.dedup_max_entries => plain,
    server.dedup_max_bytes => plain,
    server.dedup => some,
    server.token_wait_ms => plain,
    server.min_stale_age_secs => plain,
    server.refresh_limit_per_minute => plain,
    server.authorizer_refresh_rate => plain,
    server.store_call_budget_ms => plain,
    server.deferred_claim_ms => plain,
    server.public_url => some,
    storage.url => plain,
    registry.url => some,
});

/// The overrides of each account's fields.
const ACCOUNT: &[Override<AccountConfig>] = overrides!(AccountConfig {
    app_id => plain,
    app_secret => plain,
    token => plain,
    encoding_aes_key => some,
    previous_encoding_aes_key => some,
    mode => plain,
    api_base => plain,
    token_policy => plain,
});

/// The overrides of each component's fields (its replies and webhooks are tables, not values).
const COMPONENT: &[Override<ComponentConfig>] = overrides!(ComponentConfig {
    app_id => plain,
    app_secret => plain,
    token => plain,
    encoding_aes_key => plain,
    api_base => plain,
    authorize_base => some,
    public_url => some,
});

/// Every override: the variable and the field it sets, e.g.
/// (`WXGATE_SERVER_LISTEN`, `server.listen`) or (`WXGATE_ACCOUNT_<ID>_MODE`,
/// `accounts[id=<ID>].mode`) or (`WXGATE_COMPONENT_<ID>_TOKEN`, `components[id=<ID>].token`).
#[must_use]
pub fn overrides() -> Vec<(String, String)> {
    let settings = SETTINGS
        .iter()
        .map(|o| (variable(o.field), o.field.to_owned()));
    let accounts = ACCOUNT.iter().map(|o| {
        (
            format!("WXGATE_ACCOUNT_<ID>_{}", o.field.to_ascii_uppercase()),
            format!("accounts[id=<ID>].{}", o.field),
        )
    });
    let components = COMPONENT.iter().map(|o| {
        (
            format!("WXGATE_COMPONENT_<ID>_{}", o.field.to_ascii_uppercase()),
            format!("components[id=<ID>].{}", o.field),
        )
    });
    settings.chain(accounts).chain(components).collect()
}

/// `server.listen` → `WXGATE_SERVER_LISTEN`.
fn variable(field: &str) -> String {
    format!("WXGATE_{}", field.replace('.', "_").to_ascii_uppercase())
}

/// Applies `WXGATE_*` overrides; returns problems for values that do not parse or name no field.
pub fn apply_env(
    config: &mut Config,
    env: impl IntoIterator<Item = (String, String)>,
) -> Vec<Problem> {
    let mut problems = Vec::new();
    for (name, value) in env {
        let Some(rest) = name.strip_prefix("WXGATE_") else {
            continue;
        };
        let applied = match SETTINGS.iter().find(|o| variable(o.field) == name) {
            Some(setting) => (setting.set)(config, &value),
            None => {
                if let Some(rest) = rest.strip_prefix("ACCOUNT_") {
                    apply_account(config, rest, &value)
                } else if let Some(rest) = rest.strip_prefix("COMPONENT_") {
                    apply_component(config, rest, &value)
                } else {
                    Ok(())
                }
            }
        };
        if let Err(message) = applied {
            problems.push(Problem::new(format!("${name}"), message));
        }
    }
    problems
}

/// Applies `WXGATE_ACCOUNT_<rest>`.
fn apply_account(config: &mut Config, rest: &str, value: &str) -> Result<(), String> {
    let (id, field) = split(ACCOUNT, rest).ok_or("names no account field")?;
    let account = config
        .accounts
        .iter_mut()
        .find(|a| upper_id(&a.id) == id)
        .ok_or("names no configured account")?;
    (field.set)(account, value)
}

/// Applies `WXGATE_COMPONENT_<rest>`.
fn apply_component(config: &mut Config, rest: &str, value: &str) -> Result<(), String> {
    let (id, field) = split(COMPONENT, rest).ok_or("names no component field")?;
    let component = config
        .components
        .iter_mut()
        .find(|c| upper_id(&c.id) == id)
        .ok_or("names no configured component")?;
    (field.set)(component, value)
}

/// An id as variables spell it: `my-app` → `MY_APP`.
fn upper_id(id: &str) -> String {
    id.to_ascii_uppercase().replace('-', "_")
}

/// `MAIN_TOKEN_POLICY` → (`MAIN`, `token_policy`): the longest field name of `table` that ends
/// `rest` after a `_` and a non-empty id, so that `TOKEN_POLICY` is not read as `TOKEN`.
fn split<'a, T>(
    table: &'static [Override<T>],
    rest: &'a str,
) -> Option<(&'a str, &'static Override<T>)>
where
    T: 'static,
{
    table
        .iter()
        .filter_map(|o| {
            let id = rest
                .strip_suffix(o.field.to_ascii_uppercase().as_str())?
                .strip_suffix('_')
                .filter(|id| !id.is_empty())?;
            Some((id, o))
        })
        .max_by_key(|(_, o)| o.field.len())
}

/// Reads a value with serde from plain text: as given (a secret or URL is kept whole), else
/// without surrounding whitespace (` 250 `).
fn read<T: DeserializeOwned>(value: &str) -> Result<T, String> {
    serde_plain::from_str(value)
        .or_else(|_| serde_plain::from_str(value.trim()))
        .map_err(|error| match error {
            serde_plain::Error::Parse(kind, _) if kind.starts_with(['u', 'i']) => {
                "must be a whole number".to_owned()
            }
            other => other.to_string(),
        })
}

fn plain<T: DeserializeOwned>(field: &mut T, value: &str) -> Result<(), String> {
    *field = read(value)?;
    Ok(())
}

fn some<T: DeserializeOwned>(field: &mut Option<T>, value: &str) -> Result<(), String> {
    *field = Some(read(value)?);
    Ok(())
}

/// A comma-separated list; empty items are dropped.
fn list<T: DeserializeOwned>(field: &mut Vec<T>, value: &str) -> Result<(), String> {
    *field = value
        .split(',')
        .map(str::trim)
        .filter(|item| !item.is_empty())
        .map(read)
        .collect::<Result<_, _>>()?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use std::collections::BTreeSet;

    use super::*;
    use crate::config::{DedupScope, Secret, ServerConfig, StorageConfig};

    /// The keys a section writes in TOML (`Option` fields set, so that they are written).
    fn keys(section: &impl serde::Serialize) -> BTreeSet<String> {
        match toml::Value::try_from(section).unwrap() {
            toml::Value::Table(table) => table.keys().cloned().collect(),
            other => panic!("not a table: {other:?}"),
        }
    }

    #[test]
    fn every_server_storage_registry_account_and_component_field_has_an_override() {
        let server = ServerConfig {
            dedup: Some(DedupScope::Shared),
            public_url: Some("https://wx.example.com".to_owned()),
            ..ServerConfig::default()
        };
        let fields: BTreeSet<String> = SETTINGS.iter().map(|o| o.field.to_owned()).collect();
        let mut expected: BTreeSet<String> = keys(&server)
            .iter()
            .map(|k| format!("server.{k}"))
            .collect();
        expected.extend(
            keys(&StorageConfig::default())
                .iter()
                .map(|k| format!("storage.{k}")),
        );
        let registry = crate::config::RegistryConfig {
            url: Some("sqlite::memory:".to_owned()),
        };
        expected.extend(keys(&registry).iter().map(|k| format!("registry.{k}")));
        assert_eq!(fields, expected);

        let mut account = AccountConfig::new("a", "wx1", Secret::new("tok"));
        account.encoding_aes_key = Some(Secret::new("k"));
        account.previous_encoding_aes_key = Some(Secret::new("k"));
        let fields: BTreeSet<String> = ACCOUNT.iter().map(|o| o.field.to_owned()).collect();
        let mut expected = keys(&account);
        // The id names the account in the variable; replies are tables, not values.
        for not_overridable in ["id", "replies"] {
            expected.remove(not_overridable);
        }
        assert_eq!(fields, expected);

        let mut component = ComponentConfig::new(
            "open",
            "wxc1",
            Secret::new("s"),
            Secret::new("tok"),
            Secret::new("k"),
        );
        component.authorize_base = Some("http://127.0.0.1:1".to_owned());
        component.public_url = Some("https://platform.example.com".to_owned());
        let fields: BTreeSet<String> = COMPONENT.iter().map(|o| o.field.to_owned()).collect();
        let mut expected = keys(&component);
        // The id names the component in the variable; replies, the greeting and webhooks are
        // tables, not values (and are left unset above, so not written).
        expected.remove("id");
        assert_eq!(fields, expected);
    }

    #[test]
    fn component_variables_set_their_component_and_never_echo_secrets() {
        let mut config = Config::default();
        config.components.push(ComponentConfig::new(
            "open-platform",
            "wxc1",
            Secret::new("s"),
            Secret::new("tok"),
            Secret::new("k"),
        ));
        let env = [
            (
                "WXGATE_COMPONENT_OPEN_PLATFORM_APP_SECRET",
                "new-secret-value",
            ),
            (
                "WXGATE_COMPONENT_OPEN_PLATFORM_PUBLIC_URL",
                "https://p.example.com",
            ),
            (
                "WXGATE_COMPONENT_OPEN_PLATFORM_ENCODING_AES_KEY",
                "key-value-secret",
            ),
            ("WXGATE_COMPONENT_OTHER_TOKEN", "token-value-secret"),
            (
                "WXGATE_COMPONENT_OPEN_PLATFORM_COLOUR",
                "colour-value-secret",
            ),
        ]
        .map(|(k, v)| (k.to_owned(), v.to_owned()));
        let problems = apply_env(&mut config, env);
        let component = &config.components[0];
        assert_eq!(component.app_secret.expose(), "new-secret-value");
        assert_eq!(component.encoding_aes_key.expose(), "key-value-secret");
        assert_eq!(
            component.public_url.as_deref(),
            Some("https://p.example.com")
        );
        let paths: Vec<&str> = problems.iter().map(|p| p.path.as_str()).collect();
        assert_eq!(
            paths,
            [
                "$WXGATE_COMPONENT_OTHER_TOKEN",
                "$WXGATE_COMPONENT_OPEN_PLATFORM_COLOUR"
            ]
        );
        let text = format!("{problems:?}");
        assert!(!text.contains("secret"), "{text}");
        let (id, field) = split(COMPONENT, "OPEN_AUTHORIZE_BASE").unwrap();
        assert_eq!((id, field.field), ("OPEN", "authorize_base"));
    }

    #[test]
    fn account_variables_name_the_longest_field() {
        let (id, field) = split(ACCOUNT, "MAIN_TOKEN_POLICY").unwrap();
        assert_eq!((id, field.field), ("MAIN", "token_policy"));
        let (id, field) = split(ACCOUNT, "MY_APP_PREVIOUS_ENCODING_AES_KEY").unwrap();
        assert_eq!((id, field.field), ("MY_APP", "previous_encoding_aes_key"));
        let (id, field) = split(ACCOUNT, "MAIN_TOKEN").unwrap();
        assert_eq!((id, field.field), ("MAIN", "token"));
        assert!(split(ACCOUNT, "TOKEN").is_none());
        assert!(split(ACCOUNT, "MAIN_COLOUR").is_none());
    }

    #[test]
    fn values_are_read_by_serde_as_in_the_file() {
        let mut scope = None;
        some::<DedupScope>(&mut scope, "shared").unwrap();
        assert_eq!(scope, Some(DedupScope::Shared));
        let err = some::<DedupScope>(&mut scope, "everywhere").unwrap_err();
        assert!(err.contains("`local`") && err.contains("`shared`"), "{err}");
        let mut n = 0_u64;
        plain(&mut n, " 250 ").unwrap();
        assert_eq!(n, 250);
        assert_eq!(plain(&mut n, "-1").unwrap_err(), "must be a whole number");
        let mut s = String::new();
        plain(&mut s, " kept whole ").unwrap();
        assert_eq!(s, " kept whole ");
        let mut keys: Vec<Secret> = Vec::new();
        list(&mut keys, "a, ,b ,").unwrap();
        assert_eq!(keys, [Secret::new("a"), Secret::new("b")]);
    }

    /// README.md's list of variables (the paragraph that starts "Every value can be
    /// overridden") names exactly the variables of [`overrides`]: every server-wide one, and
    /// every account and component field as `WXGATE_ACCOUNT_<ID>_FIELD` and
    /// `WXGATE_COMPONENT_<ID>_FIELD`.
    #[test]
    fn the_readme_lists_exactly_these_variables() {
        let readme = include_str!("../../../../README.md");
        let start = readme
            .find("Every value can be overridden by an environment variable")
            .expect("README.md has the list of environment overrides");
        let paragraph = readme[start..].split("\n\n").next().unwrap_or_default();
        let named: BTreeSet<&str> = paragraph
            .split('`')
            .skip(1)
            .step_by(2)
            .filter(|s| s.starts_with("WXGATE_"))
            .collect();
        let settings: BTreeSet<String> = SETTINGS.iter().map(|o| variable(o.field)).collect();
        let named_settings: BTreeSet<String> = named
            .iter()
            .filter(|n| !n.starts_with("WXGATE_ACCOUNT_") && !n.starts_with("WXGATE_COMPONENT_"))
            .map(|n| (*n).to_owned())
            .collect();
        assert_eq!(
            named_settings, settings,
            "README.md vs the code's overrides"
        );

        assert_per_field(&named, "WXGATE_ACCOUNT_", ACCOUNT);
        assert_per_field(&named, "WXGATE_COMPONENT_", COMPONENT);
    }

    /// The variables of `named` that start with `prefix` name fields of `table`, and naming one
    /// field as `<prefix><ID>_FIELD` means naming them all.
    fn assert_per_field<T>(named: &BTreeSet<&str>, prefix: &str, table: &'static [Override<T>])
    where
        T: 'static,
    {
        let mut per_field = BTreeSet::new();
        for name in named.iter().filter_map(|n| n.strip_prefix(prefix)) {
            if name == "<ID>_<FIELD>" {
                continue;
            }
            let (id, field) = split(table, name)
                .unwrap_or_else(|| panic!("README.md: no such field: {prefix}{name}"));
            if id == "<ID>" {
                per_field.insert(field.field);
            }
        }
        let all: BTreeSet<&str> = table.iter().map(|o| o.field).collect();
        assert_eq!(
            per_field, all,
            "README.md must name every {prefix}<ID>_<FIELD> variable"
        );
    }
}
