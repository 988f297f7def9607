//! `POST /cgi-bin/message/mass/delete`: delete a sent mass message.
//!
//! See [WeChat Docs/删除群发消息](https://developers.weixin.qq.com/doc/service/api/notify/message/api_deletemassmsg.html).

use super::*;

/// `POST /cgi-bin/message/mass/delete`
pub(super) const API: Api = Api::post("cgi-bin/message/mass/delete");

/// `{"msg_id":30124,"article_idx":2?,"url"?}` (`article_idx` and `url` are ignored: the whole
/// job is marked deleted).
#[derive(Deserialize)]
struct Body {
    #[serde(default)]
    msg_id: Option<NumberOrText>,
}

pub(crate) async fn handler(State(sb): State<Sandbox>, query: RawQuery, body: Bytes) -> Response {
    let q = params(query);
    reply(
        async {
            let app_id = sb.enter(&API, &q).await?;
            let body: Body = typed_body(&body)?;
            sb.with_state(|s| {
                let app = s.app_mut(&app_id)?;
                let id = mass_job_id(app, body.msg_id.as_ref())?;
                if let Some(job) = app.mass_jobs.get_mut(&id) {
                    job.status = "DELETE".to_owned();
                }
                Ok(ok())
            })
        }
        .await,
    )
}
