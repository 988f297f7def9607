//! `GET /cgi-bin/showqrcode`
//!
//! The image of a parametric QR code by its ticket, served by `https://mp.weixin.qq.com`
//! ([`BASE_URL`], not the API host) without an access token; unknown or expired tickets are
//! HTTP 404. Tickets contain `+`, `/` and `=`, so they must be URL-encoded: [`url`] builds the
//! address (to hand to a browser), [`Request`] downloads the image with a [`Client`](crate::Client)
//! whose base URL is [`BASE_URL`] (or the sandbox's).
//!
//! See [WeChat Docs/生成带参数的二维码 通过ticket换取二维码](https://developers.weixin.qq.com/doc/offiaccount/Account_Management/Generating_a_Parametric_QR_Code.html).

use serde::Serialize;

use crate::endpoint::{AuthKind, Download, Endpoint, Method};

/// Where WeChat serves QR code images.
pub const BASE_URL: &str = "https://mp.weixin.qq.com";

/// The image address of `ticket` on `base` (`BASE_URL`, or a sandbox's base URL), the ticket
/// URL-encoded.
///
/// ```
/// use wxgate_api::endpoint::showqrcode;
/// assert_eq!(
///     showqrcode::url(showqrcode::BASE_URL, "gQH4+/8="),
///     "https://mp.weixin.qq.com/cgi-bin/showqrcode?ticket=gQH4%2B%2F8%3D",
/// );
/// ```
pub fn url(base: &str, ticket: &str) -> String {
    let query = serde_urlencoded::to_string([("ticket", ticket)]).unwrap_or_default();
    format!("{}{}?{query}", base.trim_end_matches('/'), Request::PATH)
}

/// Query of `GET /cgi-bin/showqrcode` (no access token).
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
#[non_exhaustive]
pub struct Request {
    /// The ticket `qrcode/create` answered.
    pub ticket: String,
}

impl Request {
    /// The image of `ticket`.
    pub fn new(ticket: impl Into<String>) -> Self {
        Self {
            ticket: ticket.into(),
        }
    }
}

/// The image (WeChat: `image/jpeg`; the sandbox: `image/png`).
pub type Response = Download;

impl Endpoint for Request {
    const METHOD: Method = Method::Get;
    const PATH: &'static str = "/cgi-bin/showqrcode";
    const AUTH: AuthKind = AuthKind::None;
    const IDEMPOTENT: bool = true;
    type Response = Response;
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn urls_encode_the_ticket() {
        assert_eq!(
            url("http://127.0.0.1:9/", "a b&c"),
            "http://127.0.0.1:9/cgi-bin/showqrcode?ticket=a+b%26c"
        );
        assert_eq!(
            serde_urlencoded::to_string(Request::new("x+y")).unwrap(),
            "ticket=x%2By"
        );
    }
}
