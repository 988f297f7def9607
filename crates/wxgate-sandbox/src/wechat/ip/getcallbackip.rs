//! `GET /cgi-bin/getcallbackip`: the IPs pushes come from.
//!
//! See [WeChat Docs/获取微信推送服务器IP](https://developers.weixin.qq.com/doc/service/api/base/api_getcallbackip.html).

use super::*;

/// `GET /cgi-bin/getcallbackip`
pub(super) const API: Api = Api::get("cgi-bin/getcallbackip");

pub(crate) async fn handler(State(sb): State<Sandbox>, query: RawQuery) -> Response {
    let q = params(query);
    reply(
        sb.enter(&API, &q)
            .await
            .map(|_| json!({"ip_list": ["127.0.0.1"]})),
    )
}
