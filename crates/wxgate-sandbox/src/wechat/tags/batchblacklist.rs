//! `POST /cgi-bin/tags/members/batchblacklist`: block up to 20 users.
//!
//! See [WeChat Docs/拉黑用户](https://developers.weixin.qq.com/doc/service/api/usermanage/userinfo/api_batchblacklist.html).

use super::*;

/// `POST /cgi-bin/tags/members/batchblacklist`
pub(super) const API: Api = Api::post("cgi-bin/tags/members/batchblacklist");

pub(crate) async fn handler(State(sb): State<Sandbox>, query: RawQuery, body: Bytes) -> Response {
    let q = params(query);
    reply(set_blacklisted(&sb, &API, &q, &body, true).await)
}
