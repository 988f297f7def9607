//! `POST /cgi-bin/component/clear_quota`: reset the component's daily quotas (10 times per
//! Beijing calendar month, 48006 after that).
//!
//! See [WeChat Docs/第三方平台对其所有API调用次数清零](https://developers.weixin.qq.com/doc/oplatform/Third-party_Platforms/2.0/api/openApi/clear_quota.html).

use super::*;
use crate::clock;

/// `POST /cgi-bin/component/clear_quota`
pub(super) const API: Api = Api::post("cgi-bin/component/clear_quota");

const CLEARS_PER_MONTH: usize = 10;

pub(crate) async fn handler(State(sb): State<Sandbox>, query: RawQuery, body: Bytes) -> Response {
    let q = params(query);
    reply(
        async {
            let component_appid = component_of(&body)?;
            let id = sb.enter_component(&API, &q, Some(&component_appid))?;
            sb.with_state(|s| {
                let now = s.now();
                let component = s.component_mut(&id)?;
                let month = clock::beijing_month(now);
                component
                    .quota_clears
                    .retain(|t| clock::beijing_month(*t) == month);
                if component.quota_clears.len() >= CLEARS_PER_MONTH {
                    return Err(WxError::new(
                        48006,
                        "forbid to clear quota because of reaching the limit",
                    ));
                }
                component.quota_clears.push(now);
                component.quota_used.clear();
                Ok(ok())
            })
        }
        .await,
    )
}
