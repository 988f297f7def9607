//! `POST /cgi-bin/draft/batchget`: a page of drafts, most recently changed first.
//!
//! See [WeChat Docs/获取草稿列表](https://developers.weixin.qq.com/doc/offiaccount/Draft_Box/Get_draft_list.html).

use super::*;

/// `POST /cgi-bin/draft/batchget`
pub(super) const API: Api = Api::post("cgi-bin/draft/batchget").daily(1_000);

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
            let body: PageBody = typed_body(&body)?;
            let (offset, count) = body.range()?;
            sb.with_state_ro(|s| {
                let app = s.app(&app_id).ok_or_else(WxError::invalid_appid)?;
                let mut all: Vec<(&String, &Draft)> = app.drafts.iter().collect();
                all.sort_by_key(|(id, d)| (std::cmp::Reverse(d.update_time), (*id).clone()));
                let items: Vec<Value> = all
                    .iter()
                    .skip(offset)
                    .take(count)
                    .map(|(id, draft)| {
                        let mut news = news_items(&headers, id, draft);
                        if body.no_content == 1 {
                            for item in &mut news {
                                item["content"] = json!("");
                            }
                        }
                        json!({
                            "media_id": id,
                            "content": {"news_item": news},
                            "update_time": draft.update_time,
                        })
                    })
                    .collect();
                Ok(json!({"total_count": all.len(), "item_count": items.len(), "item": items}))
            })
        }
        .await,
    )
}
