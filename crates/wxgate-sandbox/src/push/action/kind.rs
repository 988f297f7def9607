//! The actions a virtual user can take, their names and their one-line summaries.

use serde::Deserialize;

/// One action, the body of the actions endpoint (`{"type": …, …}`).
#[derive(Debug, Deserialize)]
#[serde(tag = "type", rename_all = "snake_case")]
pub(crate) enum Action {
    Follow {
        #[serde(default)]
        scene: Option<String>,
    },
    Unfollow,
    Text {
        content: String,
    },
    Image {
        #[serde(default)]
        pic_url: Option<String>,
    },
    Voice {
        #[serde(default)]
        format: Option<String>,
        #[serde(default)]
        recognition: Option<String>,
    },
    Video,
    Shortvideo,
    Location {
        #[serde(default)]
        location_x: f64,
        #[serde(default)]
        location_y: f64,
        #[serde(default)]
        scale: Option<u32>,
        #[serde(default)]
        label: String,
    },
    Link {
        #[serde(default)]
        title: String,
        #[serde(default)]
        description: String,
        url: String,
    },
    Click {
        key: String,
    },
    View {
        url: String,
    },
    Scan {
        ticket: String,
    },
    ReportLocation {
        #[serde(default)]
        latitude: f64,
        #[serde(default)]
        longitude: f64,
        #[serde(default)]
        precision: f64,
    },
    ScancodePush {
        key: String,
        #[serde(default)]
        scan_result: String,
        #[serde(default)]
        scan_type: Option<String>,
    },
    ScancodeWaitmsg {
        key: String,
        #[serde(default)]
        scan_result: String,
        #[serde(default)]
        scan_type: Option<String>,
    },
    PicSysphoto {
        key: String,
        #[serde(default)]
        count: Option<u32>,
    },
    PicPhotoOrAlbum {
        key: String,
        #[serde(default)]
        count: Option<u32>,
    },
    PicWeixin {
        key: String,
        #[serde(default)]
        count: Option<u32>,
    },
    LocationSelect {
        key: String,
        #[serde(default)]
        location_x: f64,
        #[serde(default)]
        location_y: f64,
        #[serde(default)]
        scale: Option<u32>,
        #[serde(default)]
        label: String,
        #[serde(default)]
        poiname: String,
    },
}

/// What the user did, in a few words: the text they sent, or a bracketed description.
pub(super) fn summary(action: &Action, button: Option<String>) -> String {
    if let Some(button) = button {
        return button;
    }
    match action {
        Action::Follow { .. } => "[follows the account]".to_owned(),
        Action::Unfollow => "[unfollows the account]".to_owned(),
        Action::Text { content } => content.clone(),
        Action::Image { .. } => "[image]".to_owned(),
        Action::Voice { recognition, .. } => match recognition.as_deref() {
            Some(text) if !text.is_empty() => format!("[voice] {text}"),
            _ => "[voice]".to_owned(),
        },
        Action::Video => "[video]".to_owned(),
        Action::Shortvideo => "[short video]".to_owned(),
        Action::Location { label, .. } => format!("[location] {label}"),
        Action::Link { url, .. } => format!("[link] {url}"),
        Action::Click { key } => format!("[menu] {key}"),
        Action::View { url } => format!("[opens] {url}"),
        Action::Scan { .. } => "[scans a QR code]".to_owned(),
        Action::ReportLocation { .. } => "[reports location]".to_owned(),
        Action::ScancodePush { scan_result, .. } | Action::ScancodeWaitmsg { scan_result, .. } => {
            format!("[scan] {scan_result}")
        }
        Action::PicSysphoto { .. } | Action::PicPhotoOrAlbum { .. } | Action::PicWeixin { .. } => {
            "[photo]".to_owned()
        }
        Action::LocationSelect { label, .. } => format!("[location] {label}"),
    }
}

pub(super) fn action_name(action: &Action) -> &'static str {
    match action {
        Action::Follow { .. } => "follow",
        Action::Unfollow => "unfollow",
        Action::Text { .. } => "text",
        Action::Image { .. } => "image",
        Action::Voice { .. } => "voice",
        Action::Video => "video",
        Action::Shortvideo => "shortvideo",
        Action::Location { .. } => "location",
        Action::Link { .. } => "link",
        Action::Click { .. } => "click",
        Action::View { .. } => "view",
        Action::Scan { .. } => "scan",
        Action::ReportLocation { .. } => "report_location",
        Action::ScancodePush { .. } => "scancode_push",
        Action::ScancodeWaitmsg { .. } => "scancode_waitmsg",
        Action::PicSysphoto { .. } => "pic_sysphoto",
        Action::PicPhotoOrAlbum { .. } => "pic_photo_or_album",
        Action::PicWeixin { .. } => "pic_weixin",
        Action::LocationSelect { .. } => "location_select",
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parse(json: &str) -> Action {
        serde_json::from_str(json).unwrap()
    }

    #[test]
    fn names_are_the_wire_type_tags() {
        for name in ["unfollow", "video", "shortvideo"] {
            let action = parse(&format!(r#"{{"type": "{name}"}}"#));
            assert_eq!(action_name(&action), name);
        }
        let action = parse(r#"{"type": "pic_photo_or_album", "key": "K"}"#);
        assert_eq!(action_name(&action), "pic_photo_or_album");
        let action = parse(r#"{"type": "report_location"}"#);
        assert_eq!(action_name(&action), "report_location");
    }

    #[test]
    fn summaries_say_what_the_user_did() {
        assert_eq!(
            summary(&parse(r#"{"type": "text", "content": "hi"}"#), None),
            "hi"
        );
        assert_eq!(summary(&parse(r#"{"type": "voice"}"#), None), "[voice]");
        assert_eq!(
            summary(&parse(r#"{"type": "voice", "recognition": "ok"}"#), None),
            "[voice] ok"
        );
        assert_eq!(
            summary(&parse(r#"{"type": "voice", "recognition": ""}"#), None),
            "[voice]"
        );
        assert_eq!(
            summary(&parse(r#"{"type": "click", "key": "K"}"#), None),
            "[menu] K"
        );
        assert_eq!(
            summary(
                &parse(r#"{"type": "click", "key": "K"}"#),
                Some("[menu] Shop".to_owned())
            ),
            "[menu] Shop"
        );
    }
}
