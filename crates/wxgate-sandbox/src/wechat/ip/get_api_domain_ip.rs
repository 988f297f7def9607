//! `GET /cgi-bin/get_api_domain_ip`: the IPs of the API servers.
//!
//! See [WeChat Docs/获取微信API服务器IP](https://developers.weixin.qq.com/doc/service/api/base/api_getapidomainip.html).

use super::*;

/// `GET /cgi-bin/get_api_domain_ip`
pub(super) const API: Api = Api::get("cgi-bin/get_api_domain_ip");

pub(crate) async fn handler(State(sb): State<Sandbox>, query: RawQuery) -> Response {
    let q = params(query);
    reply(
        sb.enter(&API, &q)
            .await
            .map(|_| json!({"ip_list": ["127.0.0.1"]})),
    )
}
