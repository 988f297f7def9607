//! Configured replies: `[[accounts.replies]]` and `[accounts.subscribe_reply]`.
//!
//! The file keeps WeChat-free, flat tables (`keyword = "hello"` next to `text = "Hi"`); serde
//! reads them into [`RawRule`]/[`RawContent`], whose fields are all optional, and converts them
//! into [`ReplyRule`]/[`ReplyContent`], whose trigger and content are one enum each: a rule
//! with two triggers, or none, is an error while the file is read and cannot be built in code.

use serde::{Deserialize, Serialize};

/// `[[accounts.replies]]`: one trigger and one reply.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(try_from = "RawRule", into = "RawRule")]
#[non_exhaustive]
pub struct ReplyRule {
    /// What the rule answers.
    pub trigger: Trigger,
    /// The reply.
    pub content: ReplyContent,
}

impl ReplyRule {
    /// A rule answering `trigger` with `content`.
    #[must_use]
    pub fn new(trigger: Trigger, content: ReplyContent) -> Self {
        Self { trigger, content }
    }
}

/// What a configured reply answers (the key next to the reply in `[[accounts.replies]]`).
#[derive(Clone, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub enum Trigger {
    /// `keyword`: the exact text of a user's message (surrounding whitespace ignored).
    Keyword(String),
    /// `regex`: a regular expression a user's text must match.
    Regex(String),
    /// `click`: the `key` of a clicked menu button (CLICK event).
    Click(String),
    /// `scene`: a QR scene value (subscribe through the QR code, or SCAN).
    Scene(String),
}

/// A configured reply: text, or one news card.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(try_from = "RawContent", into = "RawContent")]
#[non_exhaustive]
pub enum ReplyContent {
    /// `text`: a text reply.
    Text(String),
    /// `[….news]`: a news card.
    News(NewsCard),
}

/// `[accounts.replies.news]`: the passive reply's own article type.
pub use wxgate_proto::reply::Article as NewsCard;

/// A rule as written in the file: every trigger optional.
#[derive(Clone, Debug, Default, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub(super) struct RawRule {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    keyword: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    regex: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    click: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    scene: Option<String>,
    #[serde(flatten)]
    content: RawContent,
}

/// A reply as written in the file: text and news both optional.
#[derive(Clone, Debug, Default, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub(super) struct RawContent {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    text: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    news: Option<NewsCard>,
}

/// The message of a rule without exactly one trigger.
pub(super) const ONE_TRIGGER: &str = "needs exactly one of keyword, regex, click or scene";
/// The message of a reply without exactly one of text and news.
pub(super) const ONE_CONTENT: &str = "needs exactly one of text or news";

impl TryFrom<RawRule> for ReplyRule {
    type Error = &'static str;

    fn try_from(raw: RawRule) -> Result<Self, Self::Error> {
        let trigger = match (raw.keyword, raw.regex, raw.click, raw.scene) {
            (Some(keyword), None, None, None) => Trigger::Keyword(keyword),
            (None, Some(regex), None, None) => Trigger::Regex(regex),
            (None, None, Some(click), None) => Trigger::Click(click),
            (None, None, None, Some(scene)) => Trigger::Scene(scene),
            _ => return Err(ONE_TRIGGER),
        };
        Ok(Self::new(trigger, raw.content.try_into()?))
    }
}

impl From<ReplyRule> for RawRule {
    fn from(rule: ReplyRule) -> Self {
        let mut raw = Self {
            content: rule.content.into(),
            ..Self::default()
        };
        match rule.trigger {
            Trigger::Keyword(keyword) => raw.keyword = Some(keyword),
            Trigger::Regex(regex) => raw.regex = Some(regex),
            Trigger::Click(click) => raw.click = Some(click),
            Trigger::Scene(scene) => raw.scene = Some(scene),
        }
        raw
    }
}

impl TryFrom<RawContent> for ReplyContent {
    type Error = &'static str;

    fn try_from(raw: RawContent) -> Result<Self, Self::Error> {
        match (raw.text, raw.news) {
            (Some(text), None) => Ok(Self::Text(text)),
            (None, Some(news)) => Ok(Self::News(news)),
            _ => Err(ONE_CONTENT),
        }
    }
}

impl From<ReplyContent> for RawContent {
    fn from(content: ReplyContent) -> Self {
        match content {
            ReplyContent::Text(text) => Self {
                text: Some(text),
                news: None,
            },
            ReplyContent::News(news) => Self {
                text: None,
                news: Some(news),
            },
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn rule(toml: &str) -> Result<ReplyRule, String> {
        toml_edit::de::from_str::<ReplyRule>(toml).map_err(|e| e.message().to_owned())
    }

    #[test]
    fn each_trigger_key_reads_into_its_variant() {
        let cases = [
            ("keyword", Trigger::Keyword("k".into())),
            ("regex", Trigger::Regex("k".into())),
            ("click", Trigger::Click("k".into())),
            ("scene", Trigger::Scene("k".into())),
        ];
        for (key, trigger) in cases {
            let read = rule(&format!("{key} = \"k\"\ntext = \"t\"")).unwrap();
            assert_eq!(read.trigger, trigger);
            assert_eq!(read.content, ReplyContent::Text("t".into()));
        }
    }

    #[test]
    fn two_triggers_or_none_are_refused() {
        let err = rule("keyword = \"a\"\nclick = \"b\"\ntext = \"t\"").unwrap_err();
        assert!(err.contains(ONE_TRIGGER), "{err}");
        let err = rule("text = \"t\"").unwrap_err();
        assert!(err.contains(ONE_TRIGGER), "{err}");
    }

    #[test]
    fn text_and_news_together_or_neither_are_refused() {
        let err = rule("keyword = \"a\"\ntext = \"t\"\n[news]\ntitle = \"n\"").unwrap_err();
        assert!(err.contains(ONE_CONTENT), "{err}");
        let err = rule("keyword = \"a\"").unwrap_err();
        assert!(err.contains(ONE_CONTENT), "{err}");
    }

    #[test]
    fn a_rule_writes_back_as_it_was_read() {
        let read = rule("scene = \"promo\"\n[news]\ntitle = \"n\"").unwrap();
        let written = toml_edit::ser::to_string(&read).unwrap();
        assert_eq!(rule(&written).unwrap(), read);
    }
}
