//! `POST /cgi-bin/qrcode/create`
//!
//! Creates a parametric QR code. Scanning it makes WeChat push `subscribe` (with
//! `EventKey=qrscene_<scene>`) or `SCAN` with the scene. Four kinds: temporary or permanent,
//! with a numeric or a string scene. Temporary codes live up to 30 days (`expire_seconds` ≤
//! 2 592 000) and take any non-zero 32-bit scene id; permanent codes take scene ids 1–100 000
//! and are limited per account (45029). String scenes are 1–64 bytes. [`Request::temporary`]
//! and [`Request::permanent`] check these rules before anything is sent.
//!
//! The answer's `url` is what the QR code encodes (render it locally), its `ticket` fetches
//! WeChat's image ([`crate::endpoint::showqrcode`]).
//!
//! See [WeChat Docs/生成带参数的二维码](https://developers.weixin.qq.com/doc/offiaccount/Account_Management/Generating_a_Parametric_QR_Code.html).

use std::fmt;

use serde::ser::{SerializeMap, Serializer};
use serde::{Deserialize, Serialize};

use crate::endpoint::showqrcode;
use crate::endpoint::{AuthKind, Endpoint, Method};

/// The longest life of a temporary QR code: 30 days, in seconds.
pub const MAX_EXPIRE_SECONDS: u32 = 2_592_000;
/// The highest scene id of a permanent QR code.
pub const MAX_PERMANENT_SCENE_ID: u32 = 100_000;
/// The longest string scene, in bytes.
pub const MAX_SCENE_STR_BYTES: usize = 64;

/// What a QR code carries back in the scan event.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum Scene {
    /// A numeric scene (`scene_id`).
    Id(u32),
    /// A string scene (`scene_str`).
    Str(String),
}

impl Scene {
    /// A decimal number that fits a scene id as [`Scene::Id`], any other text as
    /// [`Scene::Str`] (`"42"` is an id, `"spring-sale"` and `"007x"` are strings).
    pub fn parse(text: &str) -> Self {
        match text.parse::<u32>() {
            Ok(id) if text.bytes().all(|b| b.is_ascii_digit()) => Self::Id(id),
            _ => Self::Str(text.to_owned()),
        }
    }
}

impl fmt::Display for Scene {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::Id(id) => write!(f, "{id}"),
            Self::Str(s) => f.write_str(s),
        }
    }
}

/// Why a QR code request was refused before sending.
#[derive(Clone, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub enum InvalidQrCode {
    /// A scene id of 0 (any code), or above 100 000 (permanent codes).
    SceneId {
        /// The id given.
        id: u32,
        /// The highest id allowed for this kind.
        max: u32,
    },
    /// A string scene that is empty or longer than 64 bytes.
    SceneStrLength {
        /// Its length in bytes.
        len: usize,
    },
    /// `expire_seconds` of 0 or above 2 592 000 (30 days).
    ExpireSeconds {
        /// The value given.
        seconds: u64,
    },
}

impl fmt::Display for InvalidQrCode {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::SceneId { id, max } => {
                write!(f, "invalid QR scene id {id}: it must be 1..={max}")
            }
            Self::SceneStrLength { len } => write!(
                f,
                "invalid QR scene string of {len} bytes: it must be 1..={MAX_SCENE_STR_BYTES} bytes"
            ),
            Self::ExpireSeconds { seconds } => write!(
                f,
                "invalid QR expiry of {seconds} s: it must be 1..={MAX_EXPIRE_SECONDS} s (30 days)"
            ),
        }
    }
}

impl std::error::Error for InvalidQrCode {}

/// Body of `POST /cgi-bin/qrcode/create` (plus the access token), e.g.
/// `{"expire_seconds":604800,"action_name":"QR_SCENE","action_info":{"scene":{"scene_id":123}}}`.
///
/// ```
/// use wxgate_api::endpoint::qrcode::create::{Request, Scene};
/// let request = Request::permanent(Scene::parse("spring-sale")).unwrap();
/// assert_eq!(
///     serde_json::to_string(&request).unwrap(),
///     r#"{"action_name":"QR_LIMIT_STR_SCENE","action_info":{"scene":{"scene_str":"spring-sale"}}}"#,
/// );
/// assert!(Request::permanent(Scene::Id(100_001)).is_err());
/// ```
#[derive(Clone, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub struct Request {
    scene: Scene,
    expire_seconds: Option<u32>,
}

impl Request {
    /// A temporary code living `expire_seconds` (1 to 2 592 000, 30 days).
    ///
    /// # Errors
    ///
    /// [`InvalidQrCode`] for a scene id of 0, a string scene of 0 or more than 64 bytes, or an
    /// expiry out of range.
    pub fn temporary(scene: Scene, expire_seconds: u64) -> Result<Self, InvalidQrCode> {
        check_scene(&scene, u32::MAX)?;
        let seconds = u32::try_from(expire_seconds)
            .ok()
            .filter(|s| (1..=MAX_EXPIRE_SECONDS).contains(s))
            .ok_or(InvalidQrCode::ExpireSeconds {
                seconds: expire_seconds,
            })?;
        Ok(Self {
            scene,
            expire_seconds: Some(seconds),
        })
    }

    /// A permanent code.
    ///
    /// # Errors
    ///
    /// [`InvalidQrCode`] for a scene id outside 1–100 000 or a string scene of 0 or more than
    /// 64 bytes.
    pub fn permanent(scene: Scene) -> Result<Self, InvalidQrCode> {
        check_scene(&scene, MAX_PERMANENT_SCENE_ID)?;
        Ok(Self {
            scene,
            expire_seconds: None,
        })
    }

    /// The scene.
    pub fn scene(&self) -> &Scene {
        &self.scene
    }

    /// How long a temporary code lives; `None` for a permanent one.
    pub fn expire_seconds(&self) -> Option<u32> {
        self.expire_seconds
    }

    /// WeChat's `action_name`: `QR_SCENE`, `QR_STR_SCENE`, `QR_LIMIT_SCENE` or
    /// `QR_LIMIT_STR_SCENE`.
    pub fn action_name(&self) -> &'static str {
        match (&self.scene, self.expire_seconds.is_some()) {
            (Scene::Id(_), true) => "QR_SCENE",
            (Scene::Str(_), true) => "QR_STR_SCENE",
            (Scene::Id(_), false) => "QR_LIMIT_SCENE",
            (Scene::Str(_), false) => "QR_LIMIT_STR_SCENE",
        }
    }
}

fn check_scene(scene: &Scene, max_id: u32) -> Result<(), InvalidQrCode> {
    match scene {
        Scene::Id(id) if !(1..=max_id).contains(id) => Err(InvalidQrCode::SceneId {
            id: *id,
            max: max_id,
        }),
        Scene::Str(s) if s.is_empty() || s.len() > MAX_SCENE_STR_BYTES => {
            Err(InvalidQrCode::SceneStrLength { len: s.len() })
        }
        _ => Ok(()),
    }
}

impl Serialize for Request {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        #[derive(Serialize)]
        struct ActionInfo<'a> {
            scene: SceneWire<'a>,
        }
        #[derive(Serialize)]
        enum SceneWire<'a> {
            #[serde(rename = "scene_id")]
            Id(u32),
            #[serde(rename = "scene_str")]
            Str(&'a str),
        }
        let scene = match &self.scene {
            Scene::Id(id) => SceneWire::Id(*id),
            Scene::Str(s) => SceneWire::Str(s),
        };
        let mut map = serializer.serialize_map(None)?;
        if let Some(seconds) = self.expire_seconds {
            map.serialize_entry("expire_seconds", &seconds)?;
        }
        map.serialize_entry("action_name", self.action_name())?;
        map.serialize_entry("action_info", &ActionInfo { scene })?;
        map.end()
    }
}

/// `{"ticket":"..","expire_seconds":60,"url":"http://weixin.qq.com/q/.."}`
#[derive(Clone, Debug, PartialEq, Eq, Deserialize)]
#[non_exhaustive]
pub struct Response {
    /// Fetches the image ([`crate::endpoint::showqrcode`]).
    pub ticket: String,
    /// How long a temporary code lives; absent for permanent codes.
    #[serde(default)]
    pub expire_seconds: Option<u64>,
    /// What the QR code encodes.
    pub url: String,
}

impl Response {
    /// The address of WeChat's image of this code ([`showqrcode::url`] on
    /// [`showqrcode::BASE_URL`]).
    pub fn image_url(&self) -> String {
        showqrcode::url(showqrcode::BASE_URL, &self.ticket)
    }
}

impl Endpoint for Request {
    const METHOD: Method = Method::Post;
    const PATH: &'static str = "/cgi-bin/qrcode/create";
    const AUTH: AuthKind = AuthKind::AccessToken;
    const IDEMPOTENT: bool = true;
    type Response = Response;
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn four_kinds_on_the_wire() {
        let json = |r: Request| serde_json::to_string(&r).unwrap();
        assert_eq!(
            json(Request::temporary(Scene::Id(123), 604_800).unwrap()),
            r#"{"expire_seconds":604800,"action_name":"QR_SCENE","action_info":{"scene":{"scene_id":123}}}"#
        );
        assert_eq!(
            json(Request::temporary(Scene::Str("test".into()), 60).unwrap()),
            r#"{"expire_seconds":60,"action_name":"QR_STR_SCENE","action_info":{"scene":{"scene_str":"test"}}}"#
        );
        assert_eq!(
            json(Request::permanent(Scene::Id(123)).unwrap()),
            r#"{"action_name":"QR_LIMIT_SCENE","action_info":{"scene":{"scene_id":123}}}"#
        );
        assert_eq!(
            json(Request::permanent(Scene::Str("test".into())).unwrap()),
            r#"{"action_name":"QR_LIMIT_STR_SCENE","action_info":{"scene":{"scene_str":"test"}}}"#
        );
    }

    #[test]
    fn limits_are_checked_locally() {
        assert_eq!(
            Request::permanent(Scene::Id(0)),
            Err(InvalidQrCode::SceneId {
                id: 0,
                max: 100_000
            })
        );
        assert!(Request::permanent(Scene::Id(100_000)).is_ok());
        assert!(Request::permanent(Scene::Id(100_001)).is_err());
        assert!(Request::temporary(Scene::Id(u32::MAX), 60).is_ok());
        assert!(Request::temporary(Scene::Id(0), 60).is_err());
        assert!(Request::temporary(Scene::Str(String::new()), 60).is_err());
        assert!(Request::permanent(Scene::Str("x".repeat(64))).is_ok());
        let long = Request::permanent(Scene::Str("字".repeat(22))).unwrap_err();
        assert_eq!(long, InvalidQrCode::SceneStrLength { len: 66 });
        assert!(long.to_string().contains("1..=64 bytes"), "{long}");
        assert!(Request::temporary(Scene::Id(1), 0).is_err());
        assert!(Request::temporary(Scene::Id(1), 2_592_000).is_ok());
        assert!(Request::temporary(Scene::Id(1), 2_592_001).is_err());
        assert!(Request::temporary(Scene::Id(1), u64::MAX).is_err());
    }

    #[test]
    fn scenes_from_text() {
        assert_eq!(Scene::parse("42"), Scene::Id(42));
        assert_eq!(
            Scene::parse("spring-sale"),
            Scene::Str("spring-sale".into())
        );
        assert_eq!(Scene::parse("+42"), Scene::Str("+42".into()));
        assert_eq!(
            Scene::parse("99999999999"),
            Scene::Str("99999999999".into())
        );
        assert_eq!(Scene::parse("0"), Scene::Id(0));
    }

    #[test]
    fn answers_decode() {
        let temp: Response = serde_json::from_str(
            r#"{"ticket":"gQH4+/=","expire_seconds":60,"url":"http://weixin.qq.com/q/kZ"}"#,
        )
        .unwrap();
        assert_eq!(temp.expire_seconds, Some(60));
        assert_eq!(
            temp.image_url(),
            "https://mp.weixin.qq.com/cgi-bin/showqrcode?ticket=gQH4%2B%2F%3D"
        );
        let permanent: Response =
            serde_json::from_str(r#"{"ticket":"t","url":"http://weixin.qq.com/q/x"}"#).unwrap();
        assert_eq!(permanent.expire_seconds, None);
    }
}
