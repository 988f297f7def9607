//! `GET /sns/auth`: check an OAuth access token.
//!
//! See the protocol reference, §8.4.

use super::*;
use crate::wechat::ok;

pub(crate) async fn handler(State(sb): State<Sandbox>, query: RawQuery) -> Response {
    let q = params(query);
    reply(enter_oauth(&sb, "sns/auth", &q).await.map(|_| ok()))
}
