//! The conformance suite through [`TraceStore`] (over an `Arc<dyn Store>`), and what it logs.

use std::io;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use tracing_subscriber::fmt::MakeWriter;
use wxgate_store::{MemoryStore, Store, TraceStore};

use crate::conformance::Fixture;

async fn fixture() -> Option<Fixture> {
    let inner: Arc<dyn Store> = Arc::new(MemoryStore::new());
    Some(Fixture::new(Arc::new(TraceStore::new(inner))))
}

conformance_suite!(fixture);

/// Collects everything the subscriber writes.
#[derive(Clone, Default)]
struct Captured(Arc<Mutex<Vec<u8>>>);

impl io::Write for Captured {
    fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
        self.0.lock().unwrap().extend_from_slice(buf);
        Ok(buf.len())
    }

    fn flush(&mut self) -> io::Result<()> {
        Ok(())
    }
}

impl<'a> MakeWriter<'a> for Captured {
    type Writer = Self;

    fn make_writer(&'a self) -> Self::Writer {
        self.clone()
    }
}

#[tokio::test]
async fn logs_keys_and_outcomes_but_never_values() {
    let captured = Captured::default();
    let subscriber = tracing_subscriber::fmt()
        .with_max_level(tracing::Level::TRACE)
        .with_writer(captured.clone())
        .with_ansi(false)
        .finish();
    let _guard = tracing::subscriber::set_default(subscriber);

    let store = TraceStore::new(MemoryStore::new());
    store
        .set("token:main", b"SECRET-VALUE", None)
        .await
        .unwrap();
    assert!(
        store
            .acquire_lease("lease:main", "SECRET-OWNER", Duration::from_secs(5))
            .await
            .unwrap()
    );
    let id = store
        .push_job("replies", b"SECRET-PAYLOAD", Duration::ZERO)
        .await
        .unwrap();
    store
        .claim_job("replies", Duration::from_secs(5))
        .await
        .unwrap();
    store
        .bury_job("replies", &id, "SECRET-REASON")
        .await
        .unwrap();
    store.get("token:main").await.unwrap();

    let log = String::from_utf8(captured.0.lock().unwrap().clone()).unwrap();
    for op in [
        "op=\"set\"",
        "op=\"acquire_lease\"",
        "op=\"push_job\"",
        "op=\"claim_job\"",
        "op=\"bury_job\"",
    ] {
        assert!(log.contains(op), "{op} missing from:\n{log}");
    }
    assert!(
        log.contains("token:main") && log.contains("replies"),
        "{log}"
    );
    assert!(log.contains("found"), "{log}");
    assert!(!log.contains("SECRET"), "a value leaked:\n{log}");
    assert_eq!(store.inner().queue_len("replies").await.unwrap(), 0);
}
