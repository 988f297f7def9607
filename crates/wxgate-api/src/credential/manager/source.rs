//! Where an access token comes from when it is not the account's own `cgi-bin/token`: a
//! component's token from its verify ticket, an authorizer's from its refresh token, a
//! component's pre-auth codes. The manager's machinery (single flight, store, lease,
//! refresh ahead, back-off) is the same for all of them.

use std::future::Future;
use std::pin::Pin;

use crate::{Client, Error};

/// A token as a source fetched it.
pub(crate) struct FetchedToken {
    pub(crate) token: String,
    /// Seconds it stays valid.
    pub(crate) expires_in: i64,
}

/// The future of [`TokenSource::fetch`].
pub(crate) type FetchFuture<'a> =
    Pin<Box<dyn Future<Output = Result<FetchedToken, Error>> + Send + 'a>>;

/// Fetches the access token of a [`Credentials`](crate::Credentials) built with
/// [`Credentials::with_source`](crate::Credentials::with_source). It runs inside the flight,
/// holding the store lease: one fetch at a time per token across instances.
pub(crate) trait TokenSource: Send + Sync + 'static {
    /// A new token; `replacing` is the token being replaced, if a caller reported one.
    fn fetch<'a>(&'a self, client: &'a Client, replacing: Option<&'a str>) -> FetchFuture<'a>;
}
