//! WeChat endpoints as plain data, one file per WeChat path.
//!
//! An endpoint is a request value plus its metadata ([`Endpoint`]): the HTTP method, the path,
//! which credential goes in the query string and the response type. Nothing here does I/O;
//! [`Client::call`](crate::Client::call) sends them.
//!
//! GET endpoints serialize into the query string, POST endpoints into a JSON body (raw UTF-8,
//! never `\u` escapes, which some WeChat APIs reject with 40033).

use serde::Serialize;
use serde::de::DeserializeOwned;

pub mod clear_quota;
pub mod getcallbackip;
pub mod message;
pub mod openapi;
pub mod stable_token;
pub mod ticket;
pub mod token;

/// A WeChat endpoint: the request's data and the facts about its wire form.
pub trait Endpoint: Serialize + Sync {
    /// GET (the request is the query string) or POST (the request is the JSON body).
    const METHOD: Method;
    /// The path under the API base URL, starting with `/`.
    const PATH: &'static str;
    /// Which credential the query string carries.
    const AUTH: AuthKind;
    /// Whether sending it twice is harmless, so transport failures may be retried.
    /// WeChat's `errcode` -1 is retried either way.
    const IDEMPOTENT: bool;
    /// What a successful answer decodes into.
    type Response: DeserializeOwned + Send;
}

/// The HTTP method of an endpoint.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub enum Method {
    /// `GET`, parameters in the query string.
    Get,
    /// `POST`, a JSON body.
    Post,
}

/// The credential an endpoint carries in its query string.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub enum AuthKind {
    /// None (the token endpoints themselves).
    None,
    /// `?access_token=` (an account's access token, or an authorizer access token).
    AccessToken,
    /// `?component_access_token=` (third-party platform APIs).
    ComponentAccessToken,
}

impl AuthKind {
    /// The query parameter carrying the credential, if any.
    pub fn query_name(self) -> Option<&'static str> {
        match self {
            Self::None => None,
            Self::AccessToken => Some("access_token"),
            Self::ComponentAccessToken => Some("component_access_token"),
        }
    }
}

/// The answer of "action" APIs: `{"errcode":0,"errmsg":"ok"}` (the errcode is checked before
/// decoding, so nothing is left to keep).
#[derive(Clone, Debug, Default, PartialEq, Eq, serde::Deserialize)]
#[non_exhaustive]
pub struct Ack {}
