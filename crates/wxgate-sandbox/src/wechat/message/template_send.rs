//! `POST /cgi-bin/message/template/send`: send a template message.
//!
//! See [WeChat Docs/发送模板消息](https://developers.weixin.qq.com/doc/service/api/notify/template/api_sendtemplatemessage.html).

use super::*;

/// `POST /cgi-bin/message/template/send`
pub(super) const API: Api = Api::post("cgi-bin/message/template/send").daily(100_000);

pub(crate) async fn handler(State(sb): State<Sandbox>, query: RawQuery, body: Bytes) -> Response {
    let q = params(query);
    let result = async {
        let app_id = sb.enter(&API, &q).await?;
        let body = json_body(&body)?;
        let template_id = str_field(&body, "template_id").unwrap_or_default();
        let valid_id = !template_id.is_empty()
            && template_id.len() <= 128
            && template_id
                .bytes()
                .all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_');
        if !valid_id {
            return Err(WxError::new(40037, "invalid template_id"));
        }
        if !body.get("data").is_some_and(Value::is_object) {
            return Err(WxError::argument_invalid("data"));
        }
        let openid = str_field(&body, "touser").unwrap_or_default().to_owned();
        let client_msg_id = str_field(&body, "client_msg_id").map(str::to_owned);
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
            let mut template = json!({"template_id": template_id, "data": body["data"]});
            for field in ["url", "miniprogram"] {
                if let Some(v) = body.get(field) {
                    template[field] = v.clone();
                }
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
