use super::child_text;
use crate::crypto::vectors::{C_BODY, F1_BODY};
use crate::envelope::RequestEnvelope;
use crate::xml::{Writer, parse};

/// Whenever the scanner answers, the parser accepts the document and gives the same text.
fn agrees(document: &str, name: &str) -> bool {
    match child_text(document, name) {
        Some(text) => {
            let root = parse(document)
                .unwrap_or_else(|e| panic!("scanner read {document:?} that parse refuses: {e}"));
            assert_eq!(root.text_of(name), Some(text), "{document:?} / {name}");
            true
        }
        None => false,
    }
}

#[test]
fn reads_what_wechat_sends() {
    let safe = RequestEnvelope::safe_body("gh_10f6c3c3ac5a", "aGVsbG8=");
    assert_eq!(child_text(&safe, "Encrypt"), Some("aGVsbG8="));
    assert_eq!(child_text(&safe, "ToUserName"), Some("gh_10f6c3c3ac5a"));
    let component = RequestEnvelope::component_body("wxbbd3f07e2945cf2a", "eHl6");
    assert_eq!(child_text(&component, "Encrypt"), Some("eHl6"));
    for (document, name) in [
        (safe.as_str(), "Encrypt"),
        (component.as_str(), "AppId"),
        (C_BODY, "Encrypt"),
        (C_BODY, "CreateTime"),
        (C_BODY, "Content"),
        (F1_BODY, "Encrypt"),
        (F1_BODY, "AppId"),
        // Indented, with line breaks, as some senders write it.
        (
            "<xml>\n  <ToUserName><![CDATA[gh_1]]></ToUserName>\r\n  <Encrypt>\n abc= \n</Encrypt>\n</xml>\n",
            "Encrypt",
        ),
        ("  <xml><Encrypt></Encrypt></xml>", "Encrypt"),
        ("<xml><Encrypt><![CDATA[]]></Encrypt></xml>", "Encrypt"),
        (
            "<xml><A><![CDATA[</xml> ]] ]> <x>&amp;]]></A><Encrypt>z</Encrypt></xml>",
            "A",
        ),
        (
            "<xml><Encrypt>1</Encrypt><Encrypt>2</Encrypt></xml>",
            "Encrypt",
        ),
        ("<xml><xml>1</xml><Encrypt>中文</Encrypt></xml>", "Encrypt"),
    ] {
        assert!(agrees(document, name), "{document:?} / {name} not read");
    }
    assert_eq!(
        child_text(
            "<xml><Encrypt>1</Encrypt><Encrypt>2</Encrypt></xml>",
            "Encrypt"
        ),
        Some("1")
    );
}

#[test]
fn leaves_every_other_shape_to_the_parser() {
    for document in [
        "<?xml version=\"1.0\"?><xml><Encrypt>a</Encrypt></xml>",
        "<!-- c --><xml><Encrypt>a</Encrypt></xml>",
        "<xml><!-- c --><Encrypt>a</Encrypt></xml>",
        "<xml><Encrypt a=\"1\">a</Encrypt></xml>",
        "<xml ><Encrypt>a</Encrypt></xml>",
        "<xml><Encrypt >a</Encrypt></xml>",
        "<xml><Encrypt>a</Encrypt ></xml>",
        "<xml><Encrypt>a&amp;b</Encrypt></xml>",
        "<xml><Encrypt>a&#65;</Encrypt></xml>",
        "<xml><Encrypt>a>b</Encrypt></xml>",
        "<xml><Encrypt>a]]>b</Encrypt></xml>",
        "<xml><Encrypt/></xml>",
        "<xml><Encrypt><B>a</B></Encrypt></xml>",
        "<xml><Encrypt><![CDATA[a]]>b</Encrypt></xml>",
        "<xml><Encrypt>b<![CDATA[a]]></Encrypt></xml>",
        "<xml><Encrypt><![CDATA[a]]><![CDATA[b]]></Encrypt></xml>",
        "<xml><Encrypt>a</Encrypted></xml>",
        "<xml><Encrypt>a</Encrypt>",
        "<xml><Encrypt>a</Encrypt></xml><x/>",
        "<xml><Encrypt>a</Encrypt></xml>x",
        "<xml>x<Encrypt>a</Encrypt></xml>",
        "<root><Encrypt>a</Encrypt></root>",
        "<xml><ToUserName>a</ToUserName></xml>",
        "<xml><1a>b</1a><Encrypt>a</Encrypt></xml>",
        "<xml><a-b>b</a-b><Encrypt>a</Encrypt></xml>",
        "<xml><a:b>b</a:b><Encrypt>a</Encrypt></xml>",
        "<xml><Encrypt><![CDATA[a</Encrypt></xml>",
        "\u{feff}<xml><Encrypt>a</Encrypt></xml>",
        "<!DOCTYPE x [<!ENTITY a 'b'>]><xml><Encrypt>a</Encrypt></xml>",
        "",
        "<xml>",
    ] {
        assert_eq!(child_text(document, "Encrypt"), None, "{document:?}");
    }
    // Past the parser's limits, the parser refuses: so the scanner does not answer.
    let mut many = String::from("<xml>");
    for _ in 0..10_000 {
        many.push_str("<A>1</A>");
    }
    many.push_str("<Encrypt>a</Encrypt></xml>");
    assert_eq!(child_text(&many, "Encrypt"), None);
    assert!(parse(&many).is_err());
    let large = format!("<xml><Encrypt>{}</Encrypt></xml>", "a".repeat(1 << 20));
    assert_eq!(child_text(&large, "Encrypt"), None);
    assert!(parse(&large).is_err());
}

/// Generated documents, and every truncation and one-byte deletion of them: wherever the
/// scanner answers, it agrees with the parser.
#[test]
fn agrees_with_the_parser_on_generated_documents() {
    let contents = [
        "",
        "abc",
        " a b ",
        "\r\n",
        "中文 🎉",
        "<![CDATA[x]]>",
        "<![CDATA[]]>",
        "<![CDATA[a]]b]]>",
        "<![CDATA[<x>&amp;</Encrypt>]]>",
        "<![CDATA[ ]] ]>]]>",
        "a&amp;b",
        "a&lt;",
        "a>b",
        "a]]>b",
        "a]b",
        "<![CDATA[x]]>y",
        "y<![CDATA[x]]>",
        "<!--c-->x",
        "<y/>",
        "<y>z</y>",
    ];
    let names = ["Encrypt", "ToUserName", "encrypt", "Encrypt2", "_a", "xml"];
    let separators = ["", " ", "\n\t", "x", "<!--c-->"];
    let mut read = 0;
    let mut documents = Vec::new();
    for (i, content) in contents.iter().enumerate() {
        for (j, name) in names.iter().enumerate() {
            let other = contents[(i + j + 1) % contents.len()];
            let sep = separators[(i + j) % separators.len()];
            documents.push(format!(
                "{sep}<xml>{sep}<{name}>{content}</{name}>{sep}<Encrypt>{other}</Encrypt></xml>{sep}"
            ));
            documents.push(format!(
                "<xml><Encrypt>{content}</Encrypt>{sep}<{name}>{other}</{name}></xml>"
            ));
        }
    }
    let mut w = Writer::new();
    w.text("ToUserName", "a ]]> b").text("Encrypt", "x]]>y");
    documents.push(w.finish());
    documents.push(C_BODY.to_owned());
    documents.push(F1_BODY.to_owned());
    for document in &documents {
        for name in names {
            read += usize::from(agrees(document, name));
        }
        let mut cut = document.clone();
        while cut.pop().is_some() {
            for name in ["Encrypt", "ToUserName"] {
                agrees(&cut, name);
            }
        }
        for (at, ch) in document.char_indices() {
            let mut dropped = document.clone();
            dropped.replace_range(at..at + ch.len_utf8(), "");
            agrees(&dropped, "Encrypt");
        }
    }
    // The scanner is not vacuous: it reads a good share of these.
    assert!(read > 50, "only {read} read");
}
