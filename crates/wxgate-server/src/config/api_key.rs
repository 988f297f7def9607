//! `server.api_keys`: bearer keys of the `/v1` API, each either a plain string (full access) or
//! a table limiting it to some accounts (configured ones by id, authorizers by AppID, or every
//! authorizer of some components) and some proxied WeChat API paths.
//!
//! ```toml
//! [server]
//! api_keys = [
//!   "a-key-with-full-access",
//!   { key = "menu-service-key", accounts = ["main"], paths = ["cgi-bin/menu/"] },
//!   { key = "platform-service-key", components = ["open"], accounts = ["wx5a1db0c0ffee0a01"] },
//! ]
//! ```

use std::fmt;

use serde::de::{self, MapAccess, Visitor};
use serde::{Deserialize, Deserializer, Serialize, Serializer};

use super::Secret;

/// One bearer key of the `/v1` API and what it may reach.
///
/// Written as a plain string it may reach everything; as a table (`key`, optional `accounts`,
/// optional `components`, optional `paths`) it is a scoped key: refused (403 `forbidden`) for an
/// account it is not granted (on every `/v1` route) and for a proxied WeChat API path that
/// starts with none of `paths` (on the proxy). An account is granted when `accounts` names it
/// (a configured account's id, or an authorizer's AppID) or when it is an authorizer of one of
/// `components`; with neither list every account is. A missing `paths` means every path.
#[derive(Clone, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub struct ApiKey {
    /// The key itself (`Authorization: Bearer <key>`).
    pub key: Secret,
    /// The account ids (and authorizer AppIDs) the key may use; `None` with `components`
    /// `None` too for all.
    pub accounts: Option<Vec<String>>,
    /// The components whose every authorizer the key may use; `None` for none beyond
    /// `accounts` (or all, when `accounts` is `None` too).
    pub components: Option<Vec<String>>,
    /// Prefixes of the WeChat API paths the key may call through the proxy, e.g.
    /// `cgi-bin/menu/`; `None` for all. A prefix matches whole path segments: `cgi-bin/menu`
    /// and `cgi-bin/menu/` both match `cgi-bin/menu/get`, neither matches `cgi-bin/menus`.
    pub paths: Option<Vec<String>>,
}

impl ApiKey {
    /// A key with full access.
    #[must_use]
    pub fn new(key: impl Into<Secret>) -> Self {
        Self {
            key: key.into(),
            accounts: None,
            components: None,
            paths: None,
        }
    }

    /// Limits the key to these accounts.
    #[must_use]
    pub fn accounts<S: Into<String>>(mut self, accounts: impl IntoIterator<Item = S>) -> Self {
        self.accounts = Some(accounts.into_iter().map(Into::into).collect());
        self
    }

    /// Grants the key every authorizer of these components (and, unless [`ApiKey::accounts`]
    /// names some, no configured account).
    #[must_use]
    pub fn components<S: Into<String>>(mut self, components: impl IntoIterator<Item = S>) -> Self {
        self.components = Some(components.into_iter().map(Into::into).collect());
        self
    }

    /// Limits the key to WeChat API paths starting with one of these prefixes.
    #[must_use]
    pub fn paths<S: Into<String>>(mut self, paths: impl IntoIterator<Item = S>) -> Self {
        self.paths = Some(paths.into_iter().map(Into::into).collect());
        self
    }

    /// Whether the key is limited to some accounts (or components' authorizers).
    #[must_use]
    pub fn is_account_scoped(&self) -> bool {
        self.accounts.is_some() || self.components.is_some()
    }

    /// Whether the key may use `account` by name alone: unscoped, or `account` is in
    /// `accounts`. When it is not, the key may still use it as an authorizer of one of
    /// [`ApiKey::granted_components`].
    #[must_use]
    pub fn allows_account(&self, account: &str) -> bool {
        !self.is_account_scoped()
            || self
                .accounts
                .as_ref()
                .is_some_and(|accounts| accounts.iter().any(|a| a == account))
    }

    /// The components whose authorizers the key may use (empty when none are granted).
    #[must_use]
    pub fn granted_components(&self) -> &[String] {
        self.components.as_deref().unwrap_or_default()
    }

    /// Whether the key may call the WeChat API `path` (e.g. `cgi-bin/menu/get`) through the
    /// proxy.
    #[must_use]
    pub fn allows_path(&self, path: &str) -> bool {
        self.paths.as_ref().is_none_or(|prefixes| {
            prefixes.iter().any(|prefix| {
                let prefix = prefix.trim_end_matches('/');
                path.strip_prefix(prefix)
                    .is_some_and(|rest| rest.is_empty() || rest.starts_with('/'))
            })
        })
    }
}

impl From<&str> for ApiKey {
    fn from(key: &str) -> Self {
        Self::new(key)
    }
}

/// The table form.
#[derive(Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
struct Scoped {
    key: Secret,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    accounts: Option<Vec<String>>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    components: Option<Vec<String>>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    paths: Option<Vec<String>>,
}

impl Serialize for ApiKey {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        if !self.is_account_scoped() && self.paths.is_none() {
            return self.key.serialize(serializer);
        }
        Scoped {
            key: self.key.clone(),
            accounts: self.accounts.clone(),
            components: self.components.clone(),
            paths: self.paths.clone(),
        }
        .serialize(serializer)
    }
}

impl<'de> Deserialize<'de> for ApiKey {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        struct Either;

        impl<'de> Visitor<'de> for Either {
            type Value = ApiKey;

            fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str("a key string or a table with key, accounts, components and paths")
            }

            fn visit_str<E: de::Error>(self, key: &str) -> Result<ApiKey, E> {
                Ok(ApiKey::new(key))
            }

            fn visit_map<M: MapAccess<'de>>(self, map: M) -> Result<ApiKey, M::Error> {
                let scoped = Scoped::deserialize(de::value::MapAccessDeserializer::new(map))?;
                Ok(ApiKey {
                    key: scoped.key,
                    accounts: scoped.accounts,
                    components: scoped.components,
                    paths: scoped.paths,
                })
            }
        }

        deserializer.deserialize_any(Either)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn scopes_limit_accounts_and_whole_path_segments() {
        let full = ApiKey::new("full-access-key");
        assert!(full.allows_account("any") && full.allows_path("sns/userinfo"));
        let scoped = ApiKey::new("scoped-key-1")
            .accounts(["main"])
            .paths(["cgi-bin/menu/", "cgi-bin/user"]);
        assert!(scoped.allows_account("main"));
        assert!(!scoped.allows_account("other"));
        // `cgi-bin/menu/` covers the paths below the menu segment and that segment itself.
        for allowed in [
            "cgi-bin/menu/get",
            "cgi-bin/menu",
            "cgi-bin/user",
            "cgi-bin/user/info",
        ] {
            assert!(scoped.allows_path(allowed), "{allowed}");
        }
        for refused in ["cgi-bin/menus", "cgi-bin/userx", "cgi-bin", "sns/userinfo"] {
            assert!(!scoped.allows_path(refused), "{refused}");
        }
        let nothing = ApiKey::new("no-paths-key").paths(Vec::<String>::new());
        assert!(!nothing.allows_path("cgi-bin/menu/get"));
    }

    #[test]
    fn a_component_grant_scopes_the_key_to_authorizers() {
        let platform = ApiKey::new("platform-key").components(["open"]);
        assert!(platform.is_account_scoped());
        // No account by name: its authorizers are granted through the component.
        assert!(!platform.allows_account("main"));
        assert_eq!(platform.granted_components(), ["open"]);
        let both = platform.clone().accounts(["main"]);
        assert!(both.allows_account("main") && !both.allows_account("other"));
        let by_app_id = ApiKey::new("authorizer-key").accounts(["wx5a1db0c0ffee0a01"]);
        assert!(by_app_id.allows_account("wx5a1db0c0ffee0a01"));
        assert!(by_app_id.granted_components().is_empty());
        assert!(
            ApiKey::new("full-access-key")
                .granted_components()
                .is_empty()
        );
    }

    #[test]
    fn both_forms_read_and_write_back() {
        #[derive(Deserialize, Serialize)]
        struct Keys {
            api_keys: Vec<ApiKey>,
        }
        let text = r#"api_keys = ["plain-key-123", { key = "scoped-key-1", paths = ["cgi-bin/menu/"] },
            { key = "platform-key", components = ["open"] }]"#;
        let keys: Keys = toml::from_str(text).unwrap();
        assert_eq!(
            keys.api_keys,
            [
                ApiKey::new("plain-key-123"),
                ApiKey::new("scoped-key-1").paths(["cgi-bin/menu/"]),
                ApiKey::new("platform-key").components(["open"]),
            ]
        );
        let again: Keys = toml::from_str(&toml::to_string(&keys).unwrap()).unwrap();
        assert_eq!(again.api_keys, keys.api_keys);
        let unknown = toml::from_str::<Keys>(r#"api_keys = [{ key = "k-12345678", colour = 1 }]"#);
        assert!(unknown.is_err());
        assert!(format!("{:?}", keys.api_keys).contains("[redacted]"));
        assert!(!format!("{:?}", keys.api_keys).contains("plain-key-123"));
    }
}
