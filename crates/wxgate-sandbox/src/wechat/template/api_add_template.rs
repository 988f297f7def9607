//! `POST /cgi-bin/template/api_add_template`: add a library template, answer its id.
//!
//! See [WeChat Docs/选用模板](https://developers.weixin.qq.com/doc/service/api/notify/template/api_addtemplate.html).

use super::*;
use crate::state::{TEMPLATE_LIMIT, Template, URL_SAFE};

/// `POST /cgi-bin/template/api_add_template`
pub(super) const API: Api = Api::post("cgi-bin/template/api_add_template");

/// `{"template_id_short":"TM00015","keyword_name_list":["时间","地点"]}`
#[derive(Deserialize)]
struct Body {
    template_id_short: String,
    #[serde(default)]
    keyword_name_list: Vec<String>,
}

/// Whether the short id names an industry template (`TM…`, `OPENTM…`) or a category one
/// (digits); `None` when it is neither.
fn library_kind(short: &str) -> Option<bool> {
    let digits = |s: &str| !s.is_empty() && s.len() <= 16 && s.bytes().all(|b| b.is_ascii_digit());
    if let Some(rest) = short
        .strip_prefix("OPENTM")
        .or_else(|| short.strip_prefix("TM"))
    {
        return digits(rest).then_some(true);
    }
    digits(short).then_some(false)
}

pub(crate) async fn handler(State(sb): State<Sandbox>, query: RawQuery, body: Bytes) -> Response {
    let q = params(query);
    reply(
        async {
            let app_id = sb.enter(&API, &q).await?;
            let body: Body = typed_body(&body)?;
            let industry_template = library_kind(&body.template_id_short)
                .ok_or_else(|| WxError::new(40037, "invalid template_id"))?;
            let keywords = &body.keyword_name_list;
            let bad_keyword = keywords.iter().any(|k| k.trim().is_empty() || k.len() > 60);
            if (!industry_template && keywords.is_empty()) || bad_keyword {
                return Err(WxError::new(40246, "keyword name invalid"));
            }
            sb.with_state(|s| {
                let template_id = s.random_string(URL_SAFE, 43);
                let app = s.app_mut(&app_id)?;
                if app.templates.len() >= TEMPLATE_LIMIT {
                    return Err(WxError::new(45026, "template num exceeds limit"));
                }
                let content = if keywords.is_empty() {
                    "{{first.DATA}}\n{{keyword1.DATA}}\n{{remark.DATA}}".to_owned()
                } else {
                    keywords
                        .iter()
                        .enumerate()
                        .map(|(i, k)| format!("{k}：{{{{keyword{}.DATA}}}}", i + 1))
                        .collect::<Vec<_>>()
                        .join("\n")
                };
                let template = Template {
                    title: format!("模板 {}", body.template_id_short),
                    primary_industry: industry_name(app, true),
                    deputy_industry: industry_name(app, false),
                    example: content.replace(".DATA}}", "}}"),
                    content,
                };
                app.templates.insert(template_id.clone(), template);
                Ok(json!({"errcode": 0, "errmsg": "ok", "template_id": template_id}))
            })
        }
        .await,
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn library_short_ids() {
        assert_eq!(library_kind("TM00015"), Some(true));
        assert_eq!(library_kind("OPENTM207940503"), Some(true));
        assert_eq!(library_kind("47123"), Some(false));
        assert_eq!(library_kind("TM"), None);
        assert_eq!(library_kind("bogus"), None);
        assert_eq!(library_kind(""), None);
    }
}
