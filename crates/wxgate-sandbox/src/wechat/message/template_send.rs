//! `POST /cgi-bin/message/template/send`: send a template message.
//!
//! See [WeChat Docs/发送模板消息](https://developers.weixin.qq.com/doc/service/api/notify/template/api_sendtemplatemessage.html).

use super::*;

/// `POST /cgi-bin/message/template/send`
pub(super) const API: Api = Api::post("cgi-bin/message/template/send").daily(100_000);

/// `{"touser","template_id","url"?,"miniprogram"?,"client_msg_id"?,"data":{...}}`
#[derive(Deserialize)]
struct Body {
    #[serde(default)]
    touser: String,
    #[serde(default)]
    template_id: String,
    #[serde(default)]
    url: Option<String>,
    #[serde(default)]
    miniprogram: Option<MiniProgram>,
    #[serde(default)]
    client_msg_id: Option<String>,
    #[serde(default)]
    data: Option<Value>,
}

#[derive(Deserialize, serde::Serialize)]
struct MiniProgram {
    appid: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pagepath: Option<String>,
}

pub(crate) async fn handler(State(sb): State<Sandbox>, query: RawQuery, body: Bytes) -> Response {
    let q = params(query);
    let result = async {
        let app_id = sb.enter(&API, &q).await?;
        let body: Body = typed_body(&body)?;
        let template_id = body.template_id.as_str();
        let known = sb.with_state_ro(|s| {
            s.app(&app_id)
                .is_some_and(|app| app.templates.contains_key(template_id))
        });
        if !known {
            return Err(WxError::new(40037, "invalid template_id"));
        }
        let data = body
            .data
            .as_ref()
            .filter(|d| d.is_object())
            .ok_or_else(|| WxError::argument_invalid("data"))?;
        let openid = body.touser.clone();
        let client_msg_id = body.client_msg_id.clone();
        let (msgid, fresh) = sb.with_state(|s| {
            let now = s.now();
            let msgid = s.random_u63() % 10_000_000_000;
            let app = s.app_mut(&app_id)?;
            let user = app.user(&openid).ok_or_else(WxError::invalid_openid)?;
            if !user.subscribed {
                return Err(WxError::new(43004, "require subscribe"));
            }
            if user.blacklisted {
                return Err(blacklisted());
            }
            if let Some(key) = &client_msg_id {
                app.template_msgs.retain(|_, (_, at)| *at + 600 > now);
                let key = format!("{openid}/{key}");
                if let Some((id, _)) = app.template_msgs.get(&key) {
                    return Ok((*id, false));
                }
                app.template_msgs.insert(key, (msgid, now));
            }
            let mut template = json!({"template_id": template_id, "data": data});
            if let Some(url) = &body.url {
                template["url"] = json!(url);
            }
            if let Some(miniprogram) = &body.miniprogram {
                template["miniprogram"] = json!(miniprogram);
            }
            app.user_mut(&openid)?.push_inbox(
                now,
                "template",
                json!({"msgtype": "template", "template": template, "msgid": msgid}),
            );
            Ok((msgid, true))
        })?;
        if fresh {
            push::template_finished(&sb, &app_id, &openid, msgid);
        }
        Ok(json!({"errcode": 0, "errmsg": "ok", "msgid": msgid}))
    }
    .await;
    reply(result)
}
