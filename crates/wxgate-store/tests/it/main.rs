//! Integration tests of wxgate-store: one conformance suite, run against every backend.

#[macro_use]
mod conformance;

mod memory;
#[cfg(feature = "redis")]
mod redis;
#[cfg(any(feature = "sqlite", feature = "postgres"))]
mod registry;
#[cfg(feature = "sqlite")]
mod sqlite;
mod trace;
mod url;

use static_assertions::{assert_impl_all, assert_obj_safe};
use wxgate_store::registry::{Registry, RegistryError};
use wxgate_store::{DeadJob, Job, JobId, MemoryStore, Store, StoreError, TraceStore};

assert_obj_safe!(Store);
assert_obj_safe!(Registry);
assert_impl_all!(std::sync::Arc<dyn Registry>: Registry, Send, Sync);
assert_impl_all!(RegistryError: Send, Sync, std::error::Error);
assert_impl_all!(MemoryStore: Send, Sync, Default);
assert_impl_all!(TraceStore<MemoryStore>: Store);
assert_impl_all!(std::sync::Arc<dyn Store>: Store, Send, Sync);
assert_impl_all!(Job: Send, Sync);
assert_impl_all!(JobId: Send, Sync);
assert_impl_all!(DeadJob: Send, Sync);
assert_impl_all!(StoreError: Send, Sync, std::error::Error);
#[cfg(feature = "sqlite")]
assert_impl_all!(wxgate_store::SqliteStore: Store, Send, Sync, Clone);
#[cfg(feature = "redis")]
assert_impl_all!(wxgate_store::RedisStore: Store, Send, Sync, Clone);
#[cfg(feature = "sqlite")]
assert_impl_all!(wxgate_store::registry::SqliteRegistry: Registry, Send, Sync, Clone);
#[cfg(feature = "postgres")]
assert_impl_all!(wxgate_store::registry::PostgresRegistry: Registry, Send, Sync, Clone);
