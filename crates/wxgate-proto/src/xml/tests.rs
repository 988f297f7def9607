use super::*;

#[test]
fn cdata_and_text_both_accepted_in_any_order() {
    let root = parse("<xml><B>2</B><A><![CDATA[one]]></A></xml>").unwrap();
    assert_eq!(root.name, "xml");
    assert_eq!(root.text_of("A"), Some("one"));
    assert_eq!(root.parse_of::<u32>("B").unwrap(), Some(2));
}

#[test]
fn mixed_cdata_and_entities_join() {
    let root = parse("<xml><A>a&lt;<![CDATA[b]]>&#x1F600;&#65;</A></xml>").unwrap();
    assert_eq!(root.text_of("A"), Some("a<b😀A"));
}

#[test]
fn nested_blocks() {
    let root = parse(
        "<xml><SendPicsInfo><Count>2</Count><PicList><item><PicMd5Sum>a</PicMd5Sum></item><item><PicMd5Sum>b</PicMd5Sum></item></PicList></SendPicsInfo></xml>",
    )
    .unwrap();
    let list = root
        .child("SendPicsInfo")
        .unwrap()
        .child("PicList")
        .unwrap();
    let sums: Vec<_> = list
        .children_named("item")
        .map(|i| i.text_of("PicMd5Sum").unwrap())
        .collect();
    assert_eq!(sums, ["a", "b"]);
}

#[test]
fn xxe_is_rejected_without_expansion() {
    let xxe = r#"<?xml version="1.0"?><!DOCTYPE xml [<!ENTITY xxe SYSTEM "file:///etc/passwd">]><xml><Content>&xxe;</Content></xml>"#;
    assert_eq!(parse(xxe), Err(XmlError::Dtd));
}

#[test]
fn billion_laughs_is_rejected_without_expansion() {
    let mut doc = String::from("<?xml version=\"1.0\"?><!DOCTYPE lolz [<!ENTITY lol \"lol\">");
    for i in 1..10 {
        let prev = if i == 1 {
            "lol".to_owned()
        } else {
            format!("lol{}", i - 1)
        };
        doc.push_str(&format!(
            "<!ENTITY lol{i} \"{}\">",
            format!("&{prev};").repeat(10)
        ));
    }
    doc.push_str("]><xml><Content>&lol9;</Content></xml>");
    assert_eq!(parse(&doc), Err(XmlError::Dtd));
}

#[test]
fn undefined_entity_without_dtd_is_rejected() {
    assert_eq!(
        parse("<xml><A>&lol;</A></xml>"),
        Err(XmlError::UnknownEntity)
    );
}

#[test]
fn limits_are_enforced() {
    let limits = Limits {
        max_bytes: 64,
        max_depth: 3,
        max_elements: 4,
    };
    assert_eq!(
        parse_with(&"<xml>".repeat(20), limits),
        Err(XmlError::TooLarge(64))
    );
    assert_eq!(
        parse_with("<a><b><c><d/></c></b></a>", limits),
        Err(XmlError::TooDeep(3))
    );
    assert_eq!(
        parse_with("<a><b/><b/><b/><b/></a>", limits),
        Err(XmlError::TooManyElements(4))
    );
    let deep = "<x>".repeat(10_000) + &"</x>".repeat(10_000);
    assert_eq!(
        parse_with(
            &deep,
            Limits {
                max_bytes: 1 << 20,
                ..Limits::default()
            }
        ),
        Err(XmlError::TooDeep(16))
    );
}

#[test]
fn malformed_documents() {
    for bad in [
        "",
        "   ",
        "<xml>",
        "<xml></nope>",
        "<xml><a></xml>",
        "text",
        "<xml/><xml/>",
        "<xml>x</xml>trailing",
    ] {
        assert!(parse(bad).is_err(), "{bad:?} should fail");
    }
}

#[test]
fn unsigned_numbers_are_written_as_number_writes_them() {
    for value in [0, 7, 10, 1_714_037_059, 9_999_999_999, u64::MAX] {
        let (mut fast, mut formatted) = (Writer::new(), Writer::new());
        fast.unsigned("CreateTime", value);
        formatted.number("CreateTime", value);
        assert_eq!(fast.finish(), formatted.finish());
    }
}

#[test]
fn writer_round_trips_chinese_emoji_and_cdata_terminators() {
    for text in [
        "你好，世界",
        "emoji 🎉👍🏽",
        "a]]>b",
        "]]>",
        "]]]]>>",
        "<a href=\"x\">link</a>",
        " lead and trail \n",
        "",
    ] {
        let mut w = Writer::new();
        w.text("Content", text);
        let doc = w.finish();
        assert_eq!(parse(&doc).unwrap().text_of("Content"), Some(text), "{doc}");
        let element = Element {
            name: "xml".into(),
            text: String::new(),
            children: vec![Element::leaf("C", text)],
        };
        assert_eq!(parse(&element.to_xml()).unwrap(), element);
    }
}
