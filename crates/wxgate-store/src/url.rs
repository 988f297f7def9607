//! Store URLs: the `[storage] url` of the configuration.

use std::path::PathBuf;
use std::sync::Arc;

use crate::{MemoryStore, Store, StoreError};

/// Opens the store a URL names.
///
/// | url | store |
/// |---|---|
/// | `memory://` | a fresh, empty [`MemoryStore`] |
/// | `sqlite://wxgate.db`, `sqlite://data/wxgate.db` | `SqliteStore` on a path relative to the working directory |
/// | `sqlite:///var/lib/wxgate/wxgate.db` | `SqliteStore` on an absolute path |
/// | `sqlite:wxgate.db` | the same as `sqlite://wxgate.db` |
/// | `sqlite::memory:` (or `sqlite://:memory:`) | `SqliteStore` on a private in-memory database |
/// | `redis://[user:password@]host[:port][/db]` | `RedisStore`, connecting on first use if the server is down now ([`RedisStore::open_lazy`](crate::RedisStore::open_lazy)) |
///
/// Schemes are case-insensitive. SQLite paths are taken literally (no percent-decoding), and
/// query strings (`?mode=…`) are refused rather than silently becoming part of a file name.
/// Opening a SQLite file runs on a blocking thread.
///
/// # Errors
///
/// [`StoreError::InvalidUrl`] for an unknown scheme, a malformed URL, `rediss://` (no TLS in
/// this build) or a backend whose feature is off; [`StoreError::Backend`] if the backend cannot
/// be opened (a Redis server that is unreachable is not an error: the store connects later). Error texts never repeat a Redis URL, which may carry a password.
///
/// # Examples
///
/// ```
/// # async fn demo() -> Result<(), wxgate_store::StoreError> {
/// let store = wxgate_store::open("memory://").await?;
/// assert!(store.acquire_lease("refresh:main", "host-a", std::time::Duration::from_secs(30)).await?);
///
/// let err = wxgate_store::open("postgres://db/wxgate").await.unwrap_err();
/// assert!(matches!(err, wxgate_store::StoreError::InvalidUrl(_)));
/// # Ok(())
/// # }
/// ```
pub async fn open(url: &str) -> Result<Arc<dyn Store>, StoreError> {
    match parse(url)? {
        Target::Memory => Ok(Arc::new(MemoryStore::new())),
        Target::SqliteMemory => open_sqlite(None).await,
        Target::SqliteFile(path) => open_sqlite(Some(path)).await,
        Target::Redis => open_redis(url).await,
    }
}

/// What a URL names, before anything is opened.
#[derive(Debug, PartialEq, Eq)]
pub(crate) enum Target {
    Memory,
    SqliteMemory,
    SqliteFile(PathBuf),
    Redis,
}

fn parse(url: &str) -> Result<Target, StoreError> {
    let invalid = |message: &str| Err(StoreError::InvalidUrl(message.to_owned()));
    let url = url.trim();
    if url.is_empty() {
        return invalid(
            "the store url is empty; expected memory://, sqlite://PATH or redis://HOST",
        );
    }
    let Some((scheme, rest)) = url.split_once(':') else {
        return invalid(
            "the store url has no scheme; expected memory://, sqlite://PATH or redis://HOST",
        );
    };
    match scheme.to_ascii_lowercase().as_str() {
        "memory" => match rest {
            "//" | "" => Ok(Target::Memory),
            _ => invalid("memory:// takes no host, path or options"),
        },
        "sqlite" => parse_sqlite(rest),
        "redis" if rest.starts_with("//") => Ok(Target::Redis),
        "redis" => invalid("a redis url looks like redis://HOST[:PORT][/DB]"),
        "rediss" => invalid(
            "rediss:// (Redis over TLS) is not supported by this build of wxgate-store; \
             use redis:// (e.g. through a TLS tunnel)",
        ),
        other if is_scheme(other) => Err(StoreError::InvalidUrl(format!(
            "unsupported store url scheme `{other}`; expected memory://, sqlite://PATH or \
             redis://HOST"
        ))),
        _ => invalid(
            "the store url has no scheme; expected memory://, sqlite://PATH or redis://HOST",
        ),
    }
}

/// `rest` is what follows `sqlite:` (also for registry urls).
pub(crate) fn parse_sqlite(rest: &str) -> Result<Target, StoreError> {
    let path = rest.strip_prefix("//").unwrap_or(rest);
    if path == ":memory:" {
        return Ok(Target::SqliteMemory);
    }
    if path.is_empty() || path == "/" {
        return Err(StoreError::InvalidUrl(
            "the sqlite url names no file; expected sqlite://PATH, sqlite:///ABSOLUTE/PATH or \
             sqlite::memory:"
                .to_owned(),
        ));
    }
    if path.contains('?') || path.contains('#') {
        return Err(StoreError::InvalidUrl(format!(
            "the sqlite url `sqlite://{path}` has a query or fragment, which are not supported"
        )));
    }
    Ok(Target::SqliteFile(PathBuf::from(path)))
}

/// Whether `text` looks like a URL scheme (so it is not part of a credential and can be shown).
pub(crate) fn is_scheme(text: &str) -> bool {
    let mut chars = text.chars();
    chars
        .next()
        .is_some_and(|first| first.is_ascii_alphabetic())
        && text.len() <= 32
        && chars.all(|c| c.is_ascii_alphanumeric() || matches!(c, '+' | '-' | '.'))
}

#[cfg(feature = "sqlite")]
async fn open_sqlite(path: Option<PathBuf>) -> Result<Arc<dyn Store>, StoreError> {
    let opened = tokio::task::spawn_blocking(move || match path {
        Some(path) => crate::SqliteStore::open(path),
        None => crate::SqliteStore::open_in_memory(),
    })
    .await
    .map_err(|error| StoreError::Backend {
        backend: "sqlite",
        message: format!("blocking task failed: {error}"),
    })??;
    Ok(Arc::new(opened))
}

#[cfg(not(feature = "sqlite"))]
async fn open_sqlite(_path: Option<PathBuf>) -> Result<Arc<dyn Store>, StoreError> {
    Err(StoreError::InvalidUrl(
        "sqlite urls need the `sqlite` feature of wxgate-store, which this build lacks".to_owned(),
    ))
}

#[cfg(feature = "redis")]
async fn open_redis(url: &str) -> Result<Arc<dyn Store>, StoreError> {
    Ok(Arc::new(crate::RedisStore::open_lazy(url).await?))
}

#[cfg(not(feature = "redis"))]
async fn open_redis(_url: &str) -> Result<Arc<dyn Store>, StoreError> {
    Err(StoreError::InvalidUrl(
        "redis urls need the `redis` feature of wxgate-store, which this build lacks".to_owned(),
    ))
}

#[cfg(test)]
mod tests {
    use std::path::PathBuf;

    use super::{Target, parse};
    use crate::StoreError;

    fn target(url: &str) -> Target {
        parse(url).unwrap_or_else(|error| panic!("{url}: {error}"))
    }

    fn rejection(url: &str) -> String {
        match parse(url) {
            Err(StoreError::InvalidUrl(message)) => message,
            other => panic!("{url}: expected InvalidUrl, got {other:?}"),
        }
    }

    #[test]
    fn memory_urls() {
        assert_eq!(target("memory://"), Target::Memory);
        assert_eq!(target("MEMORY://"), Target::Memory);
        assert!(rejection("memory://x").contains("memory://"));
    }

    #[test]
    fn sqlite_urls() {
        let file = |path: &str| Target::SqliteFile(PathBuf::from(path));
        assert_eq!(target("sqlite://wxgate.db"), file("wxgate.db"));
        assert_eq!(target("sqlite://data/wxgate.db"), file("data/wxgate.db"));
        assert_eq!(target("sqlite:///var/lib/wx.db"), file("/var/lib/wx.db"));
        assert_eq!(target("sqlite:wxgate.db"), file("wxgate.db"));
        assert_eq!(target("sqlite::memory:"), Target::SqliteMemory);
        assert_eq!(target("sqlite://:memory:"), Target::SqliteMemory);
        assert!(rejection("sqlite://").contains("no file"));
        assert!(rejection("sqlite:///").contains("no file"));
        assert!(rejection("sqlite://x.db?mode=rwc").contains("query"));
    }

    #[test]
    fn redis_urls() {
        assert_eq!(target("redis://127.0.0.1:6379/0"), Target::Redis);
        assert_eq!(target("redis://:pw@host/"), Target::Redis);
        assert!(rejection("rediss://:hunter2@host/").contains("TLS"));
        assert!(rejection("redis:host").contains("redis://"));
    }

    #[test]
    fn unknown_and_malformed_urls_never_echo_credentials() {
        let message = rejection("postgres://user:hunter2@db/wx");
        assert!(message.contains("`postgres`"), "{message}");
        assert!(!message.contains("hunter2"), "{message}");
        for url in ["", "   ", "wxgate.db", "user:hunter2@host"] {
            let message = rejection(url);
            assert!(!message.contains("hunter2"), "{message}");
        }
        assert!(rejection("wxgate.db").contains("no scheme"));
        assert!(!rejection("rediss://:hunter2@h/").contains("hunter2"));
    }
}
