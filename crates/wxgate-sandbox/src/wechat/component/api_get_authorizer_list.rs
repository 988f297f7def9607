//! `POST /cgi-bin/component/api_get_authorizer_list`: the accounts that authorized the
//! component, by AppID, `offset`/`count` (count 1–500, 47003 otherwise).
//!
//! See [WeChat Docs/拉取已授权的帐号信息](https://developers.weixin.qq.com/doc/oplatform/Third-party_Platforms/2.0/api/ThirdParty/Account_Authorization/api_get_authorizer_list.html).

use super::*;

/// `POST /cgi-bin/component/api_get_authorizer_list`
pub(super) const API: Api = Api::post("cgi-bin/component/api_get_authorizer_list");

#[derive(Deserialize)]
struct Body {
    #[serde(default)]
    component_appid: String,
    #[serde(default)]
    offset: u64,
    #[serde(default)]
    count: u64,
}

pub(crate) async fn handler(State(sb): State<Sandbox>, query: RawQuery, body: Bytes) -> Response {
    let q = params(query);
    reply(
        async {
            let body: Body = typed_body(&body)?;
            let id = sb.enter_component(&API, &q, Some(&body.component_appid))?;
            if !(1..=500).contains(&body.count) {
                return Err(WxError::argument_invalid("count must be 1 to 500"));
            }
            sb.with_state_ro(|s| {
                let component = s.component(&id).ok_or_else(not_authorized)?;
                let list: Vec<Value> = component
                    .authorizers
                    .iter()
                    .skip(usize::try_from(body.offset).unwrap_or(usize::MAX))
                    .take(usize::try_from(body.count).unwrap_or(500))
                    .map(|(app_id, a)| {
                        json!({
                            "authorizer_appid": app_id,
                            "refresh_token": a.refresh_token,
                            "auth_time": a.auth_time,
                        })
                    })
                    .collect();
                Ok(json!({"total_count": component.authorizers.len(), "list": list}))
            })
        }
        .await,
    )
}
