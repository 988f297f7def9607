//! `GET /sns/auth`: check an OAuth access token.
//!
//! See [WeChat Docs/检验网页授权凭证](https://developers.weixin.qq.com/doc/service/api/webdev/access/api_snsauth.html).

use super::*;
use crate::wechat::ok;

/// `GET /sns/auth`
pub(super) const API: Api = Api::get("sns/auth");

pub(crate) async fn handler(State(sb): State<Sandbox>, query: RawQuery) -> Response {
    let q = params(query);
    reply(enter_oauth(&sb, &API, &q).await.map(|_| ok()))
}
