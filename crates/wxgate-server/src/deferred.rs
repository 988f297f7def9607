//! Replies that missed the callback deadline, queued durably for the customer-service API.

use serde::{Deserialize, Serialize};
use wxgate_proto::reply::Reply;
use wxgate_store::{JobId, Store, StoreError};

/// The queue deferred replies wait in.
pub const QUEUE: &str = "deferred-replies";

/// A reply to deliver later through `message/custom/send`.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct DeferredReply {
    /// The account id (from the config).
    pub account: String,
    /// The user's OpenID.
    pub to_user: String,
    /// What the handler answered.
    pub reply: Reply,
    /// When the push arrived, Unix seconds.
    pub received_at: u64,
}

impl DeferredReply {
    /// Queues the reply durably.
    ///
    /// # Errors
    ///
    /// The store's error when it could not be written.
    pub async fn enqueue(&self, store: &dyn Store) -> Result<JobId, StoreError> {
        let payload = serde_json::to_vec(self).unwrap_or_default();
        store
            .push_job(QUEUE, &payload, std::time::Duration::ZERO)
            .await
    }
}
