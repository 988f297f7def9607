//! `POST /cgi-bin/tags/members/batchunblacklist`: unblock up to 20 users.
//!
//! See the protocol reference, §9.4.

use super::*;

pub(crate) async fn handler(State(sb): State<Sandbox>, query: RawQuery, body: Bytes) -> Response {
    let q = params(query);
    reply(
        set_blacklisted(
            &sb,
            "cgi-bin/tags/members/batchunblacklist",
            &q,
            &body,
            false,
        )
        .await,
    )
}
