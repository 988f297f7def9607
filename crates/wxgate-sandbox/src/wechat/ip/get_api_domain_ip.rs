//! `GET /cgi-bin/get_api_domain_ip`: the IPs of the API servers.
//!
//! See the protocol reference, §11.6.

use super::*;

pub(crate) async fn handler(State(sb): State<Sandbox>, query: RawQuery) -> Response {
    let q = params(query);
    reply(
        sb.enter("cgi-bin/get_api_domain_ip", &q)
            .await
            .map(|_| json!({"ip_list": ["127.0.0.1"]})),
    )
}
