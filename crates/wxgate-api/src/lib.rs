#![doc = include_str!("../README.md")]
#![cfg_attr(docsrs, feature(doc_cfg))]
#![warn(missing_docs)]

pub mod api_path;
mod client;
#[cfg(feature = "credentials")]
#[cfg_attr(docsrs, doc(cfg(feature = "credentials")))]
pub mod credential;
pub mod endpoint;
mod errcode;
mod error;
mod id;
mod redact;

pub use client::{Attempt, Call, Client, ClientBuilder, DEFAULT_BASE_URL, RetryPolicy};
#[cfg(feature = "credentials")]
pub use credential::{
    AccessToken, AccountCredentials, Authorizer, Clock, ComponentAccount, ComponentCredentials,
    CredentialOptions, Credentials, ManualClock, PreAuthCode, Refresher, StaleOutcome, StaleReport,
    SystemClock, Ticket, TokenPolicy, VerifyTicket,
};
pub use errcode::ErrCode;
pub use error::{ApiError, Error, ErrorKind};
pub use id::{AppId, AppSecret, MediaId, OpenId, Secret};

#[cfg(test)]
mod tests {
    use static_assertions::assert_impl_all;

    use super::*;

    assert_impl_all!(Client: Send, Sync, Clone);
    #[cfg(feature = "credentials")]
    assert_impl_all!(Credentials: Send, Sync, Clone);
    #[cfg(feature = "credentials")]
    assert_impl_all!(ComponentCredentials: Send, Sync, Clone);
    assert_impl_all!(Error: Send, Sync, std::error::Error);
    assert_impl_all!(ErrorKind: Send, Sync, Clone);
    #[cfg(feature = "credentials")]
    assert_impl_all!(AccessToken: Send, Sync);
    #[cfg(feature = "credentials")]
    assert_impl_all!(Ticket: Send, Sync);
    #[cfg(feature = "credentials")]
    assert_impl_all!(Refresher: Send, Sync);
    #[cfg(feature = "credentials")]
    assert_impl_all!(ManualClock: Send, Sync);
}
