//! `POST /cgi-bin/material/batchget_material`: a page of materials of one type.
//!
//! See [WeChat Docs/获取素材列表](https://developers.weixin.qq.com/doc/service/api/material/permanent/api_batchgetmaterial.html).

use super::*;

/// `POST /cgi-bin/material/batchget_material`
pub(super) const API: Api = Api::post("cgi-bin/material/batchget_material");

/// `{"type": "image", "offset": 0, "count": 20}`
#[derive(Deserialize)]
struct Body {
    #[serde(rename = "type")]
    kind: String,
    offset: u64,
    count: u64,
}

pub(crate) async fn handler(
    State(sb): State<Sandbox>,
    headers: HeaderMap,
    query: RawQuery,
    body: Bytes,
) -> Response {
    let q = params(query);
    reply(
        async {
            let app_id = sb.enter(&API, &q).await?;
            let body: Body = typed_body(&body)?;
            let kind = body.kind;
            if !matches!(kind.as_str(), "image" | "voice" | "video" | "news") {
                return Err(WxError::new(40004, "invalid media type"));
            }
            if !(1..=20).contains(&body.count) {
                return Err(WxError::argument_invalid("count must be 1-20"));
            }
            let offset = usize::try_from(body.offset).unwrap_or(usize::MAX);
            let count = usize::try_from(body.count).unwrap_or(20);
            sb.with_state_ro(|s| {
                let app = s.app(&app_id).ok_or_else(WxError::invalid_appid)?;
                let mut all: Vec<(&String, &Media)> =
                    app.materials.iter().filter(|(_, m)| m.kind == kind).collect();
                all.sort_by_key(|(id, m)| (std::cmp::Reverse(m.created_at), (*id).clone()));
                let items: Vec<Value> = all
                    .iter()
                    .skip(offset)
                    .take(count)
                    .map(|(id, m)| {
                        let mut item = json!({"media_id": id, "name": m.filename, "update_time": m.created_at});
                        if kind == "image" {
                            item["url"] = json!(media_url(&headers, id));
                        }
                        item
                    })
                    .collect();
                Ok(json!({"total_count": all.len(), "item_count": items.len(), "item": items}))
            })
        }
        .await,
    )
}
