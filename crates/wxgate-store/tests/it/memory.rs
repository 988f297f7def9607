//! The conformance suite on [`MemoryStore`].

use std::sync::Arc;

use wxgate_store::MemoryStore;

use crate::conformance::Fixture;

async fn fixture() -> Option<Fixture> {
    Some(Fixture::new(Arc::new(MemoryStore::new())))
}

conformance_suite!(fixture);
