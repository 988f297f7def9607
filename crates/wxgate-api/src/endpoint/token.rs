//! `GET /cgi-bin/token`
//!
//! Gets an access token with the AppSecret; every call issues a new token, and the previous
//! one stays valid for 5 more minutes. Daily quota: 2000.
//!
//! See [WeChat Docs/获取Access token](https://developers.weixin.qq.com/doc/offiaccount/Basic_Information/Get_access_token.html).

use serde::ser::{Serialize, SerializeStruct, Serializer};

use crate::endpoint::{AuthKind, Endpoint, Method};
use crate::{AppId, AppSecret};

/// Query of `GET /cgi-bin/token`.
#[derive(Clone, Debug)]
#[non_exhaustive]
pub struct Request {
    /// The account's `appid`.
    pub app_id: AppId,
    /// The account's AppSecret (sent as `secret`; redacted from logs and errors).
    pub secret: AppSecret,
}

impl Request {
    /// A `client_credential` request.
    pub fn new(app_id: AppId, secret: AppSecret) -> Self {
        Self { app_id, secret }
    }
}

impl Serialize for Request {
    fn serialize<S>(&self, serializer: S) -> Result<S::Ok, S::Error>
    where
        S: Serializer,
    {
        let mut s = serializer.serialize_struct("Request", 3)?;
        s.serialize_field("grant_type", "client_credential")?;
        s.serialize_field("appid", self.app_id.as_str())?;
        s.serialize_field("secret", self.secret.expose())?;
        s.end()
    }
}

/// `{"access_token": "...", "expires_in": 7200}`
#[derive(Clone, serde::Deserialize)]
#[non_exhaustive]
pub struct Response {
    /// The access token (up to 512 characters).
    pub access_token: String,
    /// Seconds the token stays valid (currently 7200).
    pub expires_in: i64,
}

impl std::fmt::Debug for Response {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Response")
            .field("access_token", &"[redacted]")
            .field("expires_in", &self.expires_in)
            .finish()
    }
}

impl Endpoint for Request {
    const METHOD: Method = Method::Get;
    const PATH: &'static str = "/cgi-bin/token";
    const AUTH: AuthKind = AuthKind::None;
    const IDEMPOTENT: bool = true;
    type Response = Response;
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn query_has_the_wire_names() {
        let request = Request::new(AppId::new("wx1"), AppSecret::new("S"));
        let query = serde_urlencoded::to_string(&request).unwrap();
        assert_eq!(query, "grant_type=client_credential&appid=wx1&secret=S");
        assert!(!format!("{request:?}").contains("\"S\""));
    }
}
