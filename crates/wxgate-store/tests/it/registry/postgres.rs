//! The registry suite on [`PostgresRegistry`], plus migrations, URLs and secrets.
//!
//! The server comes from `WXGATE_TEST_POSTGRES_URL` (default
//! `postgres://postgres@127.0.0.1:5432/test`). Every test works in a schema of its own
//! (`wxgate_test_<random>`) and drops it at the end, so tests run in parallel and leave
//! nothing behind. Without a server a test prints `skipped: no PostgreSQL at …` and passes —
//! unless `WXGATE_REQUIRE_POSTGRES=1` (CI), then it fails.

use std::sync::Arc;
use std::time::Duration;

use tokio_postgres::NoTls;
use wxgate_store::registry::{self, PostgresRegistry, Push, Registry, RegistryError};

use super::{Fixture, profile};

const DEFAULT_URL: &str = "postgres://postgres@127.0.0.1:5432/test";

fn url() -> String {
    std::env::var("WXGATE_TEST_POSTGRES_URL").unwrap_or_else(|_| DEFAULT_URL.to_owned())
}

fn required() -> bool {
    std::env::var("WXGATE_REQUIRE_POSTGRES").is_ok_and(|value| value == "1")
}

/// The URL with any password replaced, for messages.
fn redacted(url: &str) -> String {
    let Some((scheme, rest)) = url.split_once("://") else {
        return "<unparsable url>".to_owned();
    };
    let authority_end = rest.find('/').unwrap_or(rest.len());
    match rest[..authority_end].rfind('@') {
        Some(at) => format!("{scheme}://***@{}", &rest[at + 1..]),
        None => url.to_owned(),
    }
}

fn unique_schema() -> String {
    format!("wxgate_test_{:016x}", rand::random::<u64>())
}

/// Opens a registry in `schema` on the test server, or `None` (test skipped) if there is no
/// server and it is not required.
async fn open(schema: &str) -> Option<PostgresRegistry> {
    let url = url();
    let outcome = tokio::time::timeout(
        Duration::from_secs(15),
        PostgresRegistry::connect_in_schema(&url, schema),
    )
    .await;
    let error = match outcome {
        Ok(Ok(registry)) => return Some(registry),
        Ok(Err(error)) => error.to_string(),
        Err(_) => "no answer within 15 s".to_owned(),
    };
    let message = format!("no PostgreSQL at {}: {error}", redacted(&url));
    assert!(!required(), "WXGATE_REQUIRE_POSTGRES=1 but {message}");
    eprintln!("skipped: {message}");
    None
}

/// A plain connection to the test server, for set-up and clean-up.
async fn raw() -> tokio_postgres::Client {
    let (client, connection) = tokio_postgres::connect(&url(), NoTls).await.unwrap();
    tokio::spawn(connection);
    client
}

async fn drop_schema(schema: String) {
    raw()
        .await
        .batch_execute(&format!("DROP SCHEMA IF EXISTS {schema} CASCADE"))
        .await
        .unwrap();
}

async fn fixture() -> Option<Fixture> {
    let schema = unique_schema();
    let first = open(&schema).await?;
    let second = open(&schema).await?;
    Some(Fixture {
        registry: Arc::new(first),
        second: Some(Arc::new(second)),
        guard: None,
        teardown: Some(Box::pin(drop_schema(schema))),
    })
}

registry_suite!(fixture);

#[tokio::test]
async fn migrations_run_once_and_a_newer_schema_is_refused() {
    let schema = unique_schema();
    let Some(first) = open(&schema).await else {
        return;
    };
    let fixture = Fixture {
        registry: Arc::new(first),
        second: None,
        guard: None,
        teardown: Some(Box::pin(drop_schema(schema.clone()))),
    };
    fixture
        .run(async move {
            // Several gateways starting together.
            let opening: Vec<_> = (0..4)
                .map(|_| {
                    let schema = schema.clone();
                    tokio::spawn(async move {
                        PostgresRegistry::connect_in_schema(&url(), &schema).await
                    })
                })
                .collect();
            for task in opening {
                task.await.unwrap().unwrap();
            }
            let client = raw().await;
            let versions: Vec<i64> = client
                .query(
                    &format!("SELECT version FROM {schema}.registry_schema ORDER BY version"),
                    &[],
                )
                .await
                .unwrap()
                .iter()
                .map(|row| row.get(0))
                .collect();
            assert_eq!(versions, vec![1], "each migration once");

            client
                .batch_execute(&format!(
                    "INSERT INTO {schema}.registry_schema (version) VALUES (99)"
                ))
                .await
                .unwrap();
            match PostgresRegistry::connect_in_schema(&url(), &schema).await {
                Err(RegistryError::SchemaTooNew {
                    backend: "postgres",
                    found: 99,
                    supported: 1,
                }) => {}
                other => panic!("expected SchemaTooNew, got {other:?}"),
            }
        })
        .await;
}

/// `registry::open` with the URL alone, the schema chosen with libpq's `options`.
#[tokio::test]
async fn open_takes_a_url() {
    let schema = unique_schema();
    let Some(first) = open(&schema).await else {
        return;
    };
    let fixture = Fixture {
        registry: Arc::new(first),
        second: None,
        guard: None,
        teardown: Some(Box::pin(drop_schema(schema.clone()))),
    };
    let written = Arc::clone(&fixture.registry);
    fixture
        .run(async move {
            written
                .record_subscribe("main", &Push::new("u1", 1), Some("s"), Some(&profile("u1")))
                .await
                .unwrap();
            let base = url();
            let separator = if base.contains('?') { '&' } else { '?' };
            let with_path = format!("{base}{separator}options=-c%20search_path%3D{schema}");
            let postgresql = with_path.replacen("postgres://", "postgresql://", 1);
            for url in [with_path, postgresql] {
                let registry = registry::open(&url).await.unwrap();
                let follower = registry.follower("main", "u1").await.unwrap().unwrap();
                assert_eq!(follower.qr_scene.as_deref(), Some("s"));
                assert!(!format!("{registry:?}").contains("hunter2"));
            }
        })
        .await;
}

#[tokio::test]
async fn errors_never_show_the_password() {
    // Nothing listens on port 1 of loopback.
    let error = registry::open("postgres://postgres:hunter2@127.0.0.1:1/test?connect_timeout=2")
        .await
        .unwrap_err();
    assert!(
        matches!(
            error,
            RegistryError::Backend {
                backend: "postgres",
                ..
            }
        ),
        "{error:?}"
    );
    assert!(!error.to_string().contains("hunter2"), "{error}");
    assert!(!format!("{error:?}").contains("hunter2"), "{error:?}");

    for url in [
        "postgres://postgres:hunter2@127.0.0.1:notaport/test",
        "postgres://postgres@127.0.0.1/test?password=hunter2&port=x",
        "postgresql://u:hunter2@h/db?sslmode=require",
    ] {
        let error = registry::open(url).await.unwrap_err();
        assert!(
            matches!(error, RegistryError::InvalidUrl(_)),
            "{url}: {error:?}"
        );
        assert!(
            !format!("{error} {error:?}").contains("hunter2"),
            "{error:?}"
        );
    }
    let error = registry::open("postgresql://u:hunter2@h/db?sslmode=require")
        .await
        .unwrap_err();
    assert!(error.to_string().contains("TLS"), "{error}");
}

#[tokio::test]
async fn schema_names_are_checked() {
    for schema in ["", "Public", "a-b", "x; DROP TABLE y", "1abc"] {
        let error = PostgresRegistry::connect_in_schema(&url(), schema)
            .await
            .unwrap_err();
        assert!(
            matches!(error, RegistryError::InvalidArgument(_)),
            "{schema}: {error:?}"
        );
    }
}
