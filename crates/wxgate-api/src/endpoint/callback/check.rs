//! `POST /cgi-bin/callback/check`
//!
//! Asks WeChat to resolve (`dns`) and reach (`ping`) the account's callback host from one
//! carrier's network or all of them, and answers what it saw: the addresses the host resolved
//! to, and each ping's packet loss and time.
//!
//! See [WeChat Docs/网络检测](https://developers.weixin.qq.com/doc/service/api/base/api_callbackcheck.html).

use serde::{Deserialize, Serialize};

use crate::endpoint::{AuthKind, Endpoint, Method};

/// Body of `POST /cgi-bin/callback/check` (plus the access token).
///
/// ```
/// use wxgate_api::endpoint::callback::check::{Action, Operator, Request};
/// assert_eq!(
///     serde_json::to_string(&Request::new(Action::All, Operator::Default)).unwrap(),
///     r#"{"action":"all","check_operator":"DEFAULT"}"#,
/// );
/// ```
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
#[non_exhaustive]
pub struct Request {
    /// What to check.
    pub action: Action,
    /// From which carrier's network.
    pub check_operator: Operator,
}

impl Request {
    /// Checks `action` from `operator`'s network.
    pub fn new(action: Action, operator: Operator) -> Self {
        Self {
            action,
            check_operator: operator,
        }
    }
}

/// `action`
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
#[non_exhaustive]
pub enum Action {
    /// `dns`: resolve the callback host.
    Dns,
    /// `ping`: reach the callback host.
    Ping,
    /// `all`: both.
    All,
}

/// `check_operator`
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "UPPERCASE")]
#[non_exhaustive]
pub enum Operator {
    /// `CHINANET`: China Telecom.
    Chinanet,
    /// `UNICOM`: China Unicom.
    Unicom,
    /// `CAP`: China Mobile (and others).
    Cap,
    /// `DEFAULT`: WeChat picks by the host.
    Default,
}

/// `{"dns":[{"ip":"111.161.64.40","real_operator":"UNICOM"}],"ping":[{...}]}`
#[derive(Clone, Debug, Default, PartialEq, Eq, Deserialize)]
#[non_exhaustive]
pub struct Response {
    /// What the host resolved to (empty unless `dns` or `all` was asked).
    #[serde(default)]
    pub dns: Vec<Dns>,
    /// The pings (empty unless `ping` or `all` was asked).
    #[serde(default)]
    pub ping: Vec<Ping>,
}

/// One resolved address.
#[derive(Clone, Debug, Default, PartialEq, Eq, Deserialize)]
#[non_exhaustive]
pub struct Dns {
    /// The address.
    pub ip: String,
    /// The carrier the address belongs to (`UNICOM`, `CHINANET`, `CAP`, …).
    #[serde(default)]
    pub real_operator: String,
}

/// One ping.
#[derive(Clone, Debug, Default, PartialEq, Eq, Deserialize)]
#[non_exhaustive]
pub struct Ping {
    /// The address pinged.
    pub ip: String,
    /// The carrier pinged from.
    #[serde(default)]
    pub from_operator: String,
    /// Packet loss (`0%`).
    #[serde(default)]
    pub package_loss: String,
    /// Round-trip time (`23.079ms`).
    #[serde(default)]
    pub time: String,
}

impl Endpoint for Request {
    const METHOD: Method = Method::Post;
    const PATH: &'static str = "/cgi-bin/callback/check";
    const AUTH: AuthKind = AuthKind::AccessToken;
    const IDEMPOTENT: bool = true;
    type Response = Response;
}
