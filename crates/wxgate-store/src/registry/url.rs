//! Registry URLs: the `[registry] url` of the configuration.

use std::path::PathBuf;
use std::sync::Arc;

use super::{Registry, RegistryError};
use crate::StoreError;
use crate::url::{Target, is_scheme, parse_sqlite};

/// Opens the registry a URL names, applying its migrations.
///
/// | url | registry |
/// |---|---|
/// | `sqlite://wxgate.db`, `sqlite:///var/lib/wxgate/wxgate.db`, `sqlite:wxgate.db` | `SqliteRegistry` on that file (the store's file is fine: the tables differ) |
/// | `sqlite::memory:` (or `sqlite://:memory:`) | `SqliteRegistry` on a private in-memory database |
/// | `postgres://[user[:password]@]host[:port]/database[?options]`, `postgresql://…` | `PostgresRegistry` (no TLS: `sslmode=require` is refused) |
///
/// Schemes are case-insensitive. SQLite paths are taken literally, as by
/// [`open`](crate::open). PostgreSQL URLs take libpq's query options that tokio-postgres
/// understands (`connect_timeout`, `application_name`, `options`, …).
///
/// # Errors
///
/// [`RegistryError::InvalidUrl`] for an unknown scheme, a malformed URL or a backend whose
/// feature is off; [`RegistryError::SchemaTooNew`] for a database a newer wxgate migrated;
/// [`RegistryError::Backend`] if the database cannot be opened or reached. Error texts never
/// contain a password from the URL.
///
/// # Examples
///
/// ```
/// # #[tokio::main(flavor = "current_thread")]
/// # async fn main() -> Result<(), wxgate_store::registry::RegistryError> {
/// let registry = wxgate_store::registry::open("sqlite::memory:").await?;
/// assert_eq!(registry.scene_counts("main", "table-7").await?.scans, 0);
///
/// let err = wxgate_store::registry::open("mysql://user:hunter2@db/wx").await.unwrap_err();
/// assert!(!err.to_string().contains("hunter2"));
/// # Ok(())
/// # }
/// ```
pub async fn open(url: &str) -> Result<Arc<dyn Registry>, RegistryError> {
    match parse(url)? {
        Backend::Sqlite(None) => open_sqlite(None).await,
        Backend::Sqlite(Some(path)) => open_sqlite(Some(path)).await,
        Backend::Postgres => open_postgres(url.trim()).await,
    }
}

#[derive(Debug, PartialEq, Eq)]
enum Backend {
    /// A file, or `None` for an in-memory database.
    Sqlite(Option<PathBuf>),
    Postgres,
}

const EXPECTED: &str = "expected sqlite://PATH, sqlite::memory: or postgres://HOST/DATABASE";

fn parse(url: &str) -> Result<Backend, RegistryError> {
    let invalid = |message: String| Err(RegistryError::InvalidUrl(message));
    let url = url.trim();
    if url.is_empty() {
        return invalid(format!("the registry url is empty; {EXPECTED}"));
    }
    let Some((scheme, rest)) = url.split_once(':') else {
        return invalid(format!("the registry url has no scheme; {EXPECTED}"));
    };
    match scheme.to_ascii_lowercase().as_str() {
        "sqlite" => match parse_sqlite(rest) {
            Ok(Target::SqliteFile(path)) => Ok(Backend::Sqlite(Some(path))),
            Ok(_) => Ok(Backend::Sqlite(None)),
            Err(StoreError::InvalidUrl(message)) => invalid(message),
            Err(other) => invalid(other.to_string()),
        },
        "postgres" | "postgresql" if rest.starts_with("//") => Ok(Backend::Postgres),
        "postgres" | "postgresql" => invalid(format!(
            "a PostgreSQL url looks like {scheme}://[USER@]HOST[:PORT]/DATABASE"
        )),
        other if is_scheme(other) => invalid(format!(
            "unsupported registry url scheme `{other}`; {EXPECTED}"
        )),
        _ => invalid(format!("the registry url has no scheme; {EXPECTED}")),
    }
}

#[cfg(feature = "sqlite")]
async fn open_sqlite(path: Option<PathBuf>) -> Result<Arc<dyn Registry>, RegistryError> {
    let opened = tokio::task::spawn_blocking(move || match path {
        Some(path) => super::SqliteRegistry::open(path),
        None => super::SqliteRegistry::open_in_memory(),
    })
    .await
    .map_err(|error| RegistryError::Backend {
        backend: "sqlite",
        message: format!("blocking task failed: {error}"),
    })??;
    Ok(Arc::new(opened))
}

#[cfg(not(feature = "sqlite"))]
async fn open_sqlite(_path: Option<PathBuf>) -> Result<Arc<dyn Registry>, RegistryError> {
    Err(RegistryError::InvalidUrl(
        "sqlite urls need the `sqlite` feature of wxgate-store, which this build lacks".to_owned(),
    ))
}

#[cfg(feature = "postgres")]
async fn open_postgres(url: &str) -> Result<Arc<dyn Registry>, RegistryError> {
    Ok(Arc::new(super::PostgresRegistry::connect(url).await?))
}

#[cfg(not(feature = "postgres"))]
async fn open_postgres(_url: &str) -> Result<Arc<dyn Registry>, RegistryError> {
    Err(RegistryError::InvalidUrl(
        "postgres urls need the `postgres` feature of wxgate-store, which this build lacks"
            .to_owned(),
    ))
}

#[cfg(test)]
mod tests {
    use std::path::PathBuf;

    use super::{Backend, parse};
    use crate::registry::RegistryError;

    fn backend(url: &str) -> Backend {
        parse(url).unwrap_or_else(|error| panic!("{url}: {error}"))
    }

    fn rejection(url: &str) -> String {
        match parse(url) {
            Err(RegistryError::InvalidUrl(message)) => message,
            other => panic!("{url}: expected InvalidUrl, got {other:?}"),
        }
    }

    #[test]
    fn sqlite_urls() {
        let file = |path: &str| Backend::Sqlite(Some(PathBuf::from(path)));
        assert_eq!(backend("sqlite://wxgate.db"), file("wxgate.db"));
        assert_eq!(backend("SQLITE:///var/lib/wx.db"), file("/var/lib/wx.db"));
        assert_eq!(backend("sqlite:wxgate.db"), file("wxgate.db"));
        assert_eq!(backend("sqlite::memory:"), Backend::Sqlite(None));
        assert!(rejection("sqlite://").contains("no file"));
        assert!(rejection("sqlite://x.db?mode=rwc").contains("query"));
    }

    #[test]
    fn postgres_urls() {
        assert_eq!(backend("postgres://db/wx"), Backend::Postgres);
        assert_eq!(
            backend(" postgresql://u:pw@db:5433/wx?connect_timeout=3 "),
            Backend::Postgres
        );
        assert!(rejection("postgres:db").contains("postgres://"));
    }

    #[test]
    fn unknown_and_malformed_urls_never_echo_credentials() {
        let message = rejection("mysql://user:hunter2@db/wx");
        assert!(message.contains("`mysql`"), "{message}");
        assert!(!message.contains("hunter2"), "{message}");
        for url in [
            "",
            "  ",
            "wxgate.db",
            "user:hunter2@host",
            "redis://:hunter2@h/",
        ] {
            let message = rejection(url);
            assert!(!message.contains("hunter2"), "{message}");
        }
        assert!(rejection("memory://").contains("`memory`"));
    }
}
