//! `POST /cgi-bin/message/mass/delete`: delete a sent mass message.
//!
//! See [WeChat Docs/删除群发消息](https://developers.weixin.qq.com/doc/service/api/notify/message/api_deletemassmsg.html).

use super::*;

/// `POST /cgi-bin/message/mass/delete`
pub(super) const API: Api = Api::post("cgi-bin/message/mass/delete");

pub(crate) async fn handler(State(sb): State<Sandbox>, query: RawQuery, body: Bytes) -> Response {
    let q = params(query);
    reply(
        async {
            let app_id = sb.enter(&API, &q).await?;
            let body = json_body(&body)?;
            sb.with_state(|s| {
                let app = s.app_mut(&app_id)?;
                let id = mass_job_id(app, &body)?;
                if let Some(job) = app.mass_jobs.get_mut(&id) {
                    job.status = "DELETE".to_owned();
                }
                Ok(ok())
            })
        }
        .await,
    )
}
