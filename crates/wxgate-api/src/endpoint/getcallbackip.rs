//! `GET /cgi-bin/getcallbackip`
//!
//! Lists the IP addresses WeChat's pushes come from. It needs only a valid access token, so the
//! credential manager also uses it as the cheapest check of whether WeChat still accepts a
//! token (an invalid one is answered 40001, 40014 or 42001).
//!
//! See [WeChat Docs/获取微信服务器IP地址](https://developers.weixin.qq.com/doc/offiaccount/Basic_Information/Get_the_WeChat_server_IP_address.html).

use serde::{Deserialize, Serialize};

use crate::endpoint::{AuthKind, Endpoint, Method};

/// Query of `GET /cgi-bin/getcallbackip` (only the access token).
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize)]
#[non_exhaustive]
pub struct Request {}

impl Request {
    /// The request.
    pub fn new() -> Self {
        Self {}
    }
}

/// `{"ip_list": ["101.226.62.77", ...]}`
#[derive(Clone, Debug, Default, PartialEq, Eq, Deserialize)]
#[non_exhaustive]
pub struct Response {
    /// WeChat's push addresses (IPs or CIDR ranges).
    #[serde(default)]
    pub ip_list: Vec<String>,
}

impl Endpoint for Request {
    const METHOD: Method = Method::Get;
    const PATH: &'static str = "/cgi-bin/getcallbackip";
    const AUTH: AuthKind = AuthKind::AccessToken;
    const IDEMPOTENT: bool = true;
    type Response = Response;
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn empty_query_and_response() {
        assert_eq!(serde_urlencoded::to_string(Request::new()).unwrap(), "");
        let response: Response =
            serde_json::from_str(r#"{"ip_list":["101.226.62.77","101.226.62.78"]}"#).unwrap();
        assert_eq!(response.ip_list, ["101.226.62.77", "101.226.62.78"]);
    }
}
