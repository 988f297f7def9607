//! `POST /cgi-bin/template/api_set_industry`: set the app's two industries.
//!
//! See [WeChat Docs/设置所属行业](https://developers.weixin.qq.com/doc/service/api/notify/template/api_setindustry.html).

use super::*;

/// `POST /cgi-bin/template/api_set_industry`
pub(super) const API: Api = Api::post("cgi-bin/template/api_set_industry");

/// `{"industry_id1":"1","industry_id2":"4"}` (numbers accepted too).
#[derive(Deserialize)]
struct Body {
    industry_id1: IndustryId,
    industry_id2: IndustryId,
}

#[derive(Deserialize)]
#[serde(untagged)]
enum IndustryId {
    Number(u32),
    Text(String),
}

impl IndustryId {
    fn checked(&self, field: &str) -> Result<u32, WxError> {
        let id = match self {
            Self::Number(n) => Some(*n),
            Self::Text(s) => s.trim().parse().ok(),
        };
        id.filter(|id| industry(*id).is_some())
            .ok_or_else(|| WxError::argument_invalid(field))
    }
}

pub(crate) async fn handler(State(sb): State<Sandbox>, query: RawQuery, body: Bytes) -> Response {
    let q = params(query);
    reply(
        async {
            let app_id = sb.enter(&API, &q).await?;
            let body: Body = typed_body(&body)?;
            let primary = body.industry_id1.checked("industry_id1")?;
            let secondary = body.industry_id2.checked("industry_id2")?;
            if primary == secondary {
                return Err(WxError::argument_invalid(
                    "industry_id1 and industry_id2 must differ",
                ));
            }
            sb.with_state(|s| {
                s.app_mut(&app_id)?.industry = Some((primary, secondary));
                Ok(ok())
            })
        }
        .await,
    )
}
