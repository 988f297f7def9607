//! Identifier and secret newtypes, defined once in [`wxgate_proto`] and re-exported here so the
//! typed messages, the client and the gateway share them.

pub use wxgate_proto::id::{AppId, MediaId, OpenId};
/// An account's `AppSecret`: the workspace's one redacting secret type.
pub use wxgate_proto::secret::Secret as AppSecret;
/// A redacting secret: `Debug` and `Display` print `[redacted]` (web tokens, refresh tokens).
pub use wxgate_proto::secret::Secret;
