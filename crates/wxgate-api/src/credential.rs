//! The credential manager: one account's `access_token`, `jsapi_ticket` and `wx_card` ticket.
//!
//! [`Credentials`] is the brain of the central token server (中控服务器). For each credential:
//!
//! - **single flight**: concurrent callers that find no valid value wait for one fetch;
//! - **refresh ahead**: inside the [margin](CredentialOptions::refresh_margin) before expiry,
//!   callers keep getting the current value while one background task refreshes it;
//! - **compare and refresh**: [`Credentials::refresh_access_token`] with the token that failed
//!   refreshes only if the store still holds that token, else returns the newer one;
//!   [`Credentials::call_with_token`] retries a call rejected with 40001/40014/42001 once;
//! - **persistence**: values live in the [`Store`](wxgate_store::Store), so a restart fetches
//!   nothing while they are valid;
//! - **one refresher per account across instances**: a store lease elects the instance that
//!   calls WeChat; the others poll the store for the new value;
//! - **guarded stale reports**: with [`CredentialOptions::min_stale_age`], a report of a young
//!   current token is checked with WeChat (`getcallbackip`) and refused while WeChat accepts
//!   it ([`Credentials::report_stale`]); [`CredentialOptions::refresh_limit_per_minute`] caps
//!   the refreshes reports and forced refreshes may cause;
//! - **outages**: a valid value keeps being served while WeChat fails; failed refreshes back
//!   off exponentially instead of being repeated by every caller, and once the value is
//!   invalid callers get the last error until the next attempt is due, except for one probe
//!   every [`CredentialOptions::failure_probe`] (1 s), so a recovery is seen at once;
//! - **flights outlive callers**: a fetch runs in its own task, so a caller that stops
//!   waiting (a gateway's wait cap) does not cancel it for the others.
//!
//! # Store keys
//!
//! With the default prefix `wxgate` and account id `main` (the account sits in a Redis Cluster
//! hash tag so all keys of an account share a slot):
//!
//! | key | value |
//! |---|---|
//! | `wxgate:{main}:access_token` | `{"token":"…","expires_at":<unix s>}`, TTL = remaining life |
//! | `wxgate:{main}:jsapi_ticket` | same shape |
//! | `wxgate:{main}:wx_card_ticket` | same shape |
//! | `wxgate:{main}:access_token:lease` (and per ticket) | the refresh lease, owner = instance id |
//!
//! `{`, `}` and `%` in an account id are percent-encoded in keys. A third-party platform's keys
//! are listed in [`component`].

mod account;
pub mod component;
mod manager;
mod record;

pub use account::{AccountCredentials, CredentialOptions, TokenPolicy};
pub use component::{
    Authorizer, ComponentAccount, ComponentCredentials, PreAuthCode, VerifyTicket,
};
pub use manager::{AccessToken, Credentials, Refresher, StaleOutcome, StaleReport, Ticket};
pub use wxgate_proto::clock::{Clock, ManualClock, SystemClock};
