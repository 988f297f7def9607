//! Every message and event example of WeChat's message and event pages (接收普通消息, 接收事件推送,
//! 自定义菜单事件推送 and the template, mass-send and subscription-message notices), parsed.

use super::*;
use crate::event::Event;

fn wrap(fields: &str) -> String {
    format!(
        "<xml><ToUserName><![CDATA[gh_e136c6e50636]]></ToUserName><FromUserName><![CDATA[oUser]]></FromUserName><CreateTime>1408090502</CreateTime>{fields}</xml>"
    )
}

fn parse(fields: &str) -> Inbound {
    Inbound::parse(&wrap(fields)).unwrap_or_else(|e| panic!("{e}: {fields}"))
}

fn event(fields: &str) -> Event {
    parse(&format!("<MsgType><![CDATA[event]]></MsgType>{fields}"))
        .event()
        .cloned()
        .expect("an event")
}

#[test]
fn text_with_article_fields_and_menu_id() {
    let m = parse(
        "<MsgType><![CDATA[text]]></MsgType><Content><![CDATA[this is a test 你好 🎉]]></Content><MsgId>1234567890123456</MsgId><MsgDataId>9</MsgDataId><Idx>1</Idx><bizmsgmenuid>101</bizmsgmenuid>",
    );
    let Body::Text(t) = &m.body else {
        panic!("{m:?}")
    };
    assert_eq!(t.content, "this is a test 你好 🎉");
    assert_eq!(t.msg_id.as_deref(), Some("1234567890123456"));
    assert_eq!(
        (
            t.msg_data_id.as_deref(),
            t.idx.as_deref(),
            t.biz_msg_menu_id.as_deref()
        ),
        (Some("9"), Some("1"), Some("101"))
    );
    assert_eq!(m.dedup_key(), "msg:1234567890123456");
    assert!(m.accepts_reply());
}

#[test]
fn values_without_cdata_and_any_order() {
    let m = Inbound::parse("<xml><MsgId>7</MsgId><Content>a &amp; b</Content><MsgType>text</MsgType><CreateTime>5</CreateTime><FromUserName>o</FromUserName><ToUserName>gh</ToUserName></xml>").unwrap();
    assert!(matches!(&m.body, Body::Text(t) if t.content == "a & b"));
    assert_eq!(m.create_time, 5);
}

#[test]
fn msg_id_beyond_i64() {
    let m = parse("<MsgType>text</MsgType><Content>x</Content><MsgId>18446744073709551615</MsgId>");
    assert_eq!(m.msg_id(), Some("18446744073709551615"));
}

#[test]
fn image_voice_video_shortvideo_location_link() {
    assert!(
        matches!(parse("<MsgType>image</MsgType><PicUrl>http://p</PicUrl><MediaId>m</MediaId><MsgId>1</MsgId>").body, Body::Image(ref i) if i.media_id == "m" && i.pic_url == "http://p")
    );
    let voice = parse(
        "<MsgType>voice</MsgType><MediaId>m</MediaId><Format>amr</Format><MsgId>1</MsgId><Recognition><![CDATA[]]></Recognition>",
    );
    assert!(
        matches!(voice.body, Body::Voice(ref v) if v.format == "amr" && v.recognition.as_deref() == Some(""))
    );
    assert!(
        matches!(parse("<MsgType>video</MsgType><MediaId>m</MediaId><ThumbMediaId>t</ThumbMediaId><MsgId>1</MsgId>").body, Body::Video(ref v) if v.thumb_media_id == "t")
    );
    assert!(matches!(parse("<MsgType>shortvideo</MsgType><MediaId>m</MediaId><ThumbMediaId>t</ThumbMediaId><MsgId>1</MsgId>").body, Body::ShortVideo(_)));
    let loc = parse(
        "<MsgType>location</MsgType><Location_X>23.134521</Location_X><Location_Y>113.358803</Location_Y><Scale>20</Scale><Label><![CDATA[位置信息]]></Label><MsgId>1</MsgId>",
    );
    assert!(
        matches!(loc.body, Body::Location(ref l) if (l.latitude - 23.134521).abs() < 1e-9 && l.label == "位置信息" && l.scale == Some(20.0))
    );
    assert!(
        matches!(parse("<MsgType>link</MsgType><Title>t</Title><Description>d</Description><Url>u</Url><MsgId>1</MsgId>").body, Body::Link(ref l) if l.url == "u")
    );
    assert!(
        matches!(parse("<MsgType>miniprogrampage</MsgType><AppId>wxa</AppId><Title>t</Title><PagePath>p</PagePath><ThumbUrl>u</ThumbUrl><ThumbMediaId>m</ThumbMediaId>").body, Body::MiniProgramPage(ref p) if p.page_path == "p")
    );
}

#[test]
fn unknown_type_keeps_every_field() {
    let m = parse("<MsgType>hologram</MsgType><Beam><Power>9000</Power></Beam><MsgId>3</MsgId>");
    assert_eq!(m.body, Body::Unknown);
    assert_eq!(m.msg_type, "hologram");
    assert_eq!(
        m.raw.child("Beam").and_then(|b| b.text_of("Power")),
        Some("9000")
    );
    assert_eq!(m.dedup_key(), "msg:3");
}

#[test]
fn subscribe_plain_and_via_qr() {
    let plain = event("<Event>subscribe</Event><EventKey><![CDATA[]]></EventKey>");
    assert_eq!(
        plain,
        Event::Subscribe(crate::event::Subscribe {
            event_key: None,
            ticket: None
        })
    );
    assert_eq!(plain.qr_scene(), None);
    let qr = event(
        "<Event><![CDATA[subscribe]]></Event><EventKey><![CDATA[qrscene_123123]]></EventKey><Ticket><![CDATA[TICKET]]></Ticket>",
    );
    assert_eq!(qr.qr_scene(), Some("123123"));
    assert_eq!(qr.event_key(), Some("qrscene_123123"));
}

#[test]
fn scan_unsubscribe_location_click_view() {
    let scan = event("<Event>SCAN</Event><EventKey>SCENE_VALUE</EventKey><Ticket>TICKET</Ticket>");
    assert_eq!(scan.qr_scene(), Some("SCENE_VALUE"));
    assert_eq!(scan.name(), "SCAN");
    let unsub = parse("<MsgType>event</MsgType><Event>unsubscribe</Event>");
    assert_eq!(unsub.event(), Some(&Event::Unsubscribe));
    assert!(!unsub.accepts_reply());
    assert_eq!(unsub.dedup_key(), "evt:oUser:1408090502:unsubscribe:");
    let loc = event(
        "<Event>LOCATION</Event><Latitude>23.137466</Latitude><Longitude>113.352425</Longitude><Precision>119.385040</Precision>",
    );
    assert!(matches!(loc, Event::Location(ref l) if l.precision == Some(119.38504)));
    assert_eq!(
        event("<Event>CLICK</Event><EventKey>V1001_TODAY_MUSIC</EventKey>").event_key(),
        Some("V1001_TODAY_MUSIC")
    );
    let view = event("<Event>VIEW</Event><EventKey>www.qq.com</EventKey><MenuId>MENUID</MenuId>");
    assert!(matches!(view, Event::View(ref v) if v.menu_id.as_deref() == Some("MENUID")));
    assert!(matches!(
        event("<Event>view_miniprogram</Event><EventKey>pages/index</EventKey><MenuId>1</MenuId>"),
        Event::ViewMiniprogram(_)
    ));
}

#[test]
fn menu_scan_photo_location_events() {
    let push = event(
        "<Event><![CDATA[scancode_push]]></Event><EventKey><![CDATA[6]]></EventKey><ScanCodeInfo><ScanType><![CDATA[qrcode]]></ScanType><ScanResult><![CDATA[1]]></ScanResult></ScanCodeInfo>",
    );
    assert!(
        matches!(push, Event::ScancodePush(ref s) if s.scan_type == "qrcode" && s.scan_result == "1")
    );
    assert!(matches!(
        event(
            "<Event>scancode_waitmsg</Event><EventKey>6</EventKey><ScanCodeInfo><ScanType>barcode</ScanType><ScanResult>x</ScanResult></ScanCodeInfo>"
        ),
        Event::ScancodeWaitmsg(_)
    ));
    for name in ["pic_sysphoto", "pic_photo_or_album", "pic_weixin"] {
        let pics = event(&format!(
            "<Event>{name}</Event><EventKey>6</EventKey><SendPicsInfo><Count>1</Count><PicList><item><PicMd5Sum><![CDATA[1b5f7c23b5bf75682a53e7b6d163e185]]></PicMd5Sum></item></PicList></SendPicsInfo>"
        ));
        assert_eq!(pics.name(), name);
        let (Event::PicSysphoto(p) | Event::PicPhotoOrAlbum(p) | Event::PicWeixin(p)) = pics else {
            panic!()
        };
        assert_eq!(
            (p.count, p.pic_md5_sums.as_slice()),
            (
                1,
                ["1b5f7c23b5bf75682a53e7b6d163e185".to_owned()].as_slice()
            )
        );
    }
    let sel = event(
        "<Event>location_select</Event><EventKey>6</EventKey><SendLocationInfo><Location_X><![CDATA[23]]></Location_X><Location_Y><![CDATA[113]]></Location_Y><Scale><![CDATA[15]]></Scale><Label><![CDATA[广州市海珠区客村艺苑路 106号]]></Label><Poiname><![CDATA[]]></Poiname></SendLocationInfo>",
    );
    assert!(
        matches!(sel, Event::LocationSelect(ref l) if l.latitude == Some(23.0) && l.label.starts_with("广州市"))
    );
}

#[test]
fn job_and_notification_events() {
    let t = parse(
        "<MsgType>event</MsgType><Event>TEMPLATESENDJOBFINISH</Event><MsgID>200163836</MsgID><Status><![CDATA[failed: system failed]]></Status>",
    );
    assert!(
        matches!(t.event(), Some(Event::TemplateSendJobFinish(j)) if j.msg_id == "200163836" && j.status == "failed: system failed")
    );
    assert_eq!(t.msg_id(), Some("200163836"));
    assert!(!t.accepts_reply());
    let mass = event(
        "<Event>MASSSENDJOBFINISH</Event><MsgID>1988</MsgID><Status>send success</Status><TotalCount>100</TotalCount><FilterCount>80</FilterCount><SentCount>75</SentCount><ErrorCount>5</ErrorCount>",
    );
    assert!(matches!(mass, Event::MassSendJobFinish(ref m) if m.sent_count == Some(75)));
    let publish = event(
        "<Event>PUBLISHJOBFINISH</Event><PublishEventInfo><publish_id>2247503051</publish_id><publish_status>0</publish_status><article_id>b5O2</article_id><article_detail><count>1</count><item><idx>1</idx><article_url>https://a</article_url></item></article_detail></PublishEventInfo>",
    );
    assert!(matches!(publish, Event::PublishJobFinish(ref p) if p.article_urls == ["https://a"]));
    let popup = event(
        "<Event>subscribe_msg_popup_event</Event><SubscribeMsgPopupEvent><List><TemplateId>VRR</TemplateId><SubscribeStatusString>accept</SubscribeStatusString><PopupScene>2</PopupScene></List><List><TemplateId>9nL</TemplateId><SubscribeStatusString>reject</SubscribeStatusString><PopupScene>2</PopupScene></List></SubscribeMsgPopupEvent>",
    );
    assert!(
        matches!(popup, Event::SubscribeMsgPopup(ref l) if l.len() == 2 && l[1].subscribe_status == "reject")
    );
    // The official change-event example uses the popup tag: accepted.
    let change = event(
        "<Event>subscribe_msg_change_event</Event><SubscribeMsgPopupEvent><List><TemplateId>VRR</TemplateId><SubscribeStatusString>reject</SubscribeStatusString></List></SubscribeMsgPopupEvent>",
    );
    assert!(matches!(change, Event::SubscribeMsgChange(ref l) if l.len() == 1));
    let sent = event(
        "<Event>subscribe_msg_sent_event</Event><SubscribeMsgSentEvent><List><TemplateId>VRR</TemplateId><MsgID>1700827132819554304</MsgID><ErrorCode>0</ErrorCode><ErrorStatus>success</ErrorStatus></List></SubscribeMsgSentEvent>",
    );
    assert!(matches!(sent, Event::SubscribeMsgSent(ref l) if l[0].msg_id == "1700827132819554304"));
    assert!(
        matches!(event("<Event>kf_create_session</Event><KfAccount>test1@test</KfAccount>"), Event::KfCreateSession(ref k) if k.kf_account == "test1@test")
    );
    assert!(matches!(
        event("<Event>kf_close_session</Event><KfAccount>a</KfAccount>"),
        Event::KfCloseSession(_)
    ));
    assert!(
        matches!(event("<Event>kf_switch_session</Event><FromKfAccount>a</FromKfAccount><ToKfAccount>b</ToKfAccount>"), Event::KfSwitchSession(ref k) if k.to_kf_account == "b")
    );
}

#[test]
fn unknown_event_is_not_an_error() {
    let m = parse("<MsgType>event</MsgType><Event>user_get_card</Event><CardId>pFS7</CardId>");
    assert_eq!(
        m.event(),
        Some(&Event::Other {
            name: "user_get_card".into()
        })
    );
    assert_eq!(m.raw.text_of("CardId"), Some("pFS7"));
}

#[test]
fn events_in_the_same_second_do_not_collapse() {
    let click = parse("<MsgType>event</MsgType><Event>CLICK</Event><EventKey>A</EventKey>");
    let other = parse("<MsgType>event</MsgType><Event>CLICK</Event><EventKey>B</EventKey>");
    assert_ne!(click.dedup_key(), other.dedup_key());
}

#[test]
fn missing_header_and_bad_numbers_are_errors() {
    assert_eq!(
        Inbound::parse("<xml><MsgType>text</MsgType></xml>").map(|_| ()),
        Err(XmlError::Missing("ToUserName"))
    );
    assert!(Inbound::parse(&wrap("<Content>x</Content>")).is_err());
    let bad_time = "<xml><ToUserName>a</ToUserName><FromUserName>b</FromUserName><CreateTime>soon</CreateTime><MsgType>text</MsgType><Content>x</Content></xml>";
    assert_eq!(
        Inbound::parse(bad_time).map(|_| ()),
        Err(XmlError::Invalid("CreateTime"))
    );
}

#[test]
fn decrypted_vectors_parse() {
    use crate::crypto::vectors::{C_MSG, P1_MSG, W1_MSG};
    for doc in [C_MSG, P1_MSG, W1_MSG] {
        let m = Inbound::parse(doc).unwrap();
        assert!(matches!(m.body, Body::Text(_)));
    }
    let v3_like = "<xml><ToUserName><![CDATA[gh_97417a04a28d]]></ToUserName>\n<FromUserName><![CDATA[o9AgO5Kd5ggOC-bXrbNODIiE3bGY]]></FromUserName>\n<CreateTime>1715943329</CreateTime>\n<MsgType><![CDATA[event]]></MsgType>\n<Event><![CDATA[debug_demo]]></Event>\n<debug_str><![CDATA[hello world]]></debug_str>\n</xml>";
    let m = Inbound::parse(v3_like).unwrap();
    assert_eq!(m.event().map(Event::name), Some("debug_demo"));
}

#[test]
fn header_fields_that_cannot_be_real_are_refused() {
    let with = |to: &str, from: &str, rest: &str| {
        Inbound::parse(&format!(
            "<xml><ToUserName><![CDATA[{to}]]></ToUserName><FromUserName><![CDATA[{from}]]></FromUserName><CreateTime>1408090502</CreateTime><MsgType>text</MsgType><Content>x</Content>{rest}</xml>"
        ))
    };
    let long = "o".repeat(MAX_ID_CHARS + 1);
    assert_eq!(
        with("gh_1", &long, "").unwrap_err(),
        XmlError::Invalid("FromUserName")
    );
    assert_eq!(
        with(&long, "o1", "").unwrap_err(),
        XmlError::Invalid("ToUserName")
    );
    assert_eq!(
        with("gh_1", "o 1", "").unwrap_err(),
        XmlError::Invalid("FromUserName")
    );
    assert_eq!(
        with("gh_1", "", "").unwrap_err(),
        XmlError::Invalid("FromUserName")
    );
    assert_eq!(
        with("gh_1", "o<1>", "").unwrap_err(),
        XmlError::Invalid("FromUserName")
    );
    assert_eq!(
        with("gh_1", "o1", "<MsgId>12a</MsgId>").unwrap_err(),
        XmlError::Invalid("MsgId")
    );
    assert_eq!(
        with("gh_1", "o1", "<MsgId>+12</MsgId>").unwrap_err(),
        XmlError::Invalid("MsgId")
    );
    assert_eq!(
        with("gh_1", "o1", "<MsgId>18446744073709551616</MsgId>").unwrap_err(),
        XmlError::Invalid("MsgId")
    );
    assert_eq!(
        with("gh_1", "o1", "<MsgID>x</MsgID>").unwrap_err(),
        XmlError::Invalid("MsgID")
    );
    // The longest real shapes pass, surrounding whitespace is ignored, and an empty MsgId is
    // as good as none.
    let longest = "o".repeat(MAX_ID_CHARS);
    let m = with(" gh_e136c6e50636 ", &longest, "<MsgId></MsgId>").unwrap();
    assert_eq!(
        (m.to_user_name.as_str(), m.from_user_name.len()),
        ("gh_e136c6e50636", MAX_ID_CHARS)
    );
    assert!(
        with(
            "gh_1",
            "o9AgO5Kd5ggOC-bXrbNODIiE3bGY",
            "<MsgId>18446744073709551615</MsgId>"
        )
        .is_ok()
    );
}

/// A flat push is read where it lies: its element tree is built only when read, and is then the
/// parser's, field for field; the fields the gateway reads on every push need no tree.
#[test]
fn a_flat_push_builds_its_tree_only_when_read() {
    let document = wrap(
        "<MsgType><![CDATA[text]]></MsgType><Content><![CDATA[hi]]></Content><MsgId>42</MsgId>",
    );
    let m = Inbound::parse(&document).unwrap();
    assert!(!m.raw.is_built());
    assert_eq!(m.msg_id(), Some("42"));
    assert_eq!(m.dedup_key(), "msg:42");
    assert_eq!(m.raw.text_of("Content"), Some("hi"));
    assert_eq!(m.raw.text_of("Absent"), None);
    assert!(!m.raw.is_built());
    // A clone shares the document and the tree.
    let copy = m.clone();
    assert_eq!(m.raw.children.len(), 6);
    assert!(m.raw.is_built() && copy.raw.is_built());
    assert_eq!(*m.raw, crate::xml::parse(&document).unwrap());
    assert_eq!(m.raw.text_of("Content"), Some("hi"));
}

/// The tree's way and the flat way serialize the same, so stored and forwarded pushes keep their
/// form.
#[test]
fn a_flat_push_serializes_as_its_tree() {
    let document = wrap(
        "<MsgType><![CDATA[event]]></MsgType><Event><![CDATA[subscribe]]></Event><EventKey><![CDATA[qrscene_7]]></EventKey>",
    );
    let flat = Inbound::parse(&document).unwrap();
    let tree = Inbound::from_element(crate::xml::parse(&document).unwrap()).unwrap();
    assert!(!flat.raw.is_built());
    let json = serde_json::to_string(&flat).unwrap();
    assert_eq!(json, serde_json::to_string(&tree).unwrap());
    assert!(json.contains(r#""raw":{"name":"xml""#), "{json}");
    let back: Inbound = serde_json::from_str(&json).unwrap();
    assert_eq!(back, flat);
    assert_eq!(back.event().and_then(Event::qr_scene), Some("7"));
}

/// What is not flat, or not a push the flat reader knows, goes to the tree and parses as before:
/// nested blocks, more fields than it holds, entities, and every error.
#[test]
fn what_is_not_flat_is_read_from_the_tree() {
    let nested = parse(
        "<MsgType><![CDATA[event]]></MsgType><Event><![CDATA[scancode_push]]></Event><EventKey><![CDATA[k]]></EventKey><ScanCodeInfo><ScanType><![CDATA[qrcode]]></ScanType><ScanResult><![CDATA[r]]></ScanResult></ScanCodeInfo>",
    );
    assert!(nested.raw.is_built());
    assert!(matches!(nested.event(), Some(Event::ScancodePush(s)) if s.scan_result == "r"));
    let many: String = (0..40).map(|i| format!("<F{i}>{i}</F{i}>")).collect();
    let wide = parse(&format!(
        "<MsgType><![CDATA[text]]></MsgType><Content>x</Content>{many}"
    ));
    assert!(wide.raw.is_built());
    assert_eq!(wide.raw.text_of("F39"), Some("39"));
    let escaped = parse("<MsgType>text</MsgType><Content>a &amp; b</Content>");
    assert!(escaped.raw.is_built());
    assert!(matches!(&escaped.body, Body::Text(t) if t.content == "a & b"));
    assert_eq!(
        Inbound::parse(&wrap("<Content>no type</Content>")),
        Err(XmlError::Missing("MsgType"))
    );
    assert_eq!(
        Inbound::parse(&wrap(
            "<MsgType>event</MsgType><Event>LOCATION</Event><Latitude>north</Latitude>"
        )),
        Err(XmlError::Invalid("Latitude"))
    );
}
