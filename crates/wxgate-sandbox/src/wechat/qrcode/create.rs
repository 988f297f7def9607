//! `POST /cgi-bin/qrcode/create`: create a parametric QR code.
//!
//! See [WeChat Docs/生成带参数的二维码](https://developers.weixin.qq.com/doc/service/api/qrcode/qrcodes/api_createqrcode.html).

use super::*;

/// `POST /cgi-bin/qrcode/create`
pub(super) const API: Api = Api::post("cgi-bin/qrcode/create").daily(100_000);

/// The request body. Missing fields get WeChat's field codes below; wrong types are 47001.
#[derive(Deserialize)]
struct Body {
    #[serde(default)]
    action_name: String,
    #[serde(default)]
    expire_seconds: Option<u64>,
    #[serde(default)]
    action_info: Option<ActionInfo>,
}

#[derive(Deserialize)]
struct ActionInfo {
    #[serde(default)]
    scene: Option<Scene>,
}

#[derive(Deserialize)]
struct Scene {
    #[serde(default)]
    scene_id: Option<SceneId>,
    #[serde(default)]
    scene_str: Option<String>,
}

/// `scene_id` as a JSON number, or a decimal string (some clients send strings).
#[derive(Deserialize)]
#[serde(untagged)]
enum SceneId {
    Number(u64),
    Text(String),
}

impl SceneId {
    fn value(&self) -> Option<u64> {
        match self {
            Self::Number(n) => Some(*n),
            Self::Text(s) => s.parse().ok(),
        }
    }
}

pub(crate) async fn handler(State(sb): State<Sandbox>, query: RawQuery, body: Bytes) -> Response {
    let q = params(query);
    reply(
        async {
            let app_id = sb.enter(&API, &q).await?;
            let body: Body = typed_body(&body)?;
            create_qr(&sb, &app_id, body)
        }
        .await,
    )
}

fn create_qr(sb: &Sandbox, app_id: &str, body: Body) -> Result<Value, WxError> {
    let action = body.action_name;
    let (permanent, string_scene) = match action.as_str() {
        "QR_SCENE" => (false, false),
        "QR_STR_SCENE" => (false, true),
        "QR_LIMIT_SCENE" => (true, false),
        "QR_LIMIT_STR_SCENE" => (true, true),
        _ => return Err(WxError::invalid_args("action_name")),
    };
    let scene = body.action_info.and_then(|info| info.scene);
    let (scene_id, scene_str) = if string_scene {
        let s = scene.and_then(|s| s.scene_str).unwrap_or_default();
        if s.is_empty() || s.len() > 64 {
            return Err(WxError::invalid_args("scene_str"));
        }
        (None, Some(s))
    } else {
        let id = scene.and_then(|s| s.scene_id).and_then(|id| id.value());
        let max = if permanent {
            100_000
        } else {
            u64::from(u32::MAX)
        };
        match id {
            Some(id) if (1..=max).contains(&id) => (Some(id), None),
            _ => return Err(WxError::invalid_args("scene_id")),
        }
    };
    let expire = if permanent {
        None
    } else {
        let requested = body
            .expire_seconds
            .filter(|s| *s > 0)
            .unwrap_or(DEFAULT_EXPIRE);
        Some(requested.min(MAX_EXPIRE))
    };
    let limit = sb.config().permanent_qr_limit;
    sb.with_state(|s| {
        let now = s.now();
        if s.app(app_id).is_none() {
            return Err(WxError::invalid_appid());
        }
        if permanent {
            let mut existing = s
                .qrcodes
                .iter()
                .filter(|(_, q)| q.app_id == app_id && q.permanent());
            if let Some((ticket, qr)) = existing.clone().find(|(_, q)| {
                q.scene_id == scene_id && q.scene_str == scene_str && q.action_name == action
            }) {
                return Ok(json!({"ticket": ticket, "url": qr.url}));
            }
            if existing.by_ref().count() >= limit {
                return Err(WxError::new(45029, "qrcode count out of limit"));
            }
        }
        let mut raw = [0u8; 50];
        s.rng.fill_bytes(&mut raw);
        let ticket = format!(
            "gQ{}",
            base64::engine::general_purpose::STANDARD.encode(raw)
        );
        let url = format!("http://weixin.qq.com/q/{}", s.random_string(ALNUM, 22));
        s.qrcodes.insert(
            ticket.clone(),
            QrCode {
                app_id: app_id.to_owned(),
                action_name: action.clone(),
                scene_id,
                scene_str,
                url: url.clone(),
                created_at: now,
                expires_at: expire.map(|e| now + e),
            },
        );
        Ok(match expire {
            Some(e) => json!({"ticket": ticket, "expire_seconds": e, "url": url}),
            None => json!({"ticket": ticket, "url": url}),
        })
    })
}

const MAX_EXPIRE: u64 = 2_592_000;

const DEFAULT_EXPIRE: u64 = 60;
