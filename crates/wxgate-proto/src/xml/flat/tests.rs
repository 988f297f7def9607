use super::child_text;
use crate::crypto::vectors::{
    A2_MSG, C_BODY, C_MSG, D_MSG, F1_BODY, F1_MSG, F2_MSG, P1_MSG, W1_MSG,
};
use crate::envelope::RequestEnvelope;
use crate::xml::{Limits, Writer, parse_quick_xml};

fn parse(document: &str) -> Result<crate::xml::Element, crate::xml::XmlError> {
    parse_quick_xml(document, Limits::default())
}

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

/// Whenever the tree scanner answers, quick-xml's path builds the same tree.
fn same_tree(document: &str, limits: Limits) -> bool {
    match super::parse(document, limits) {
        Some(root) => {
            assert_eq!(parse_quick_xml(document, limits), Ok(root), "{document:?}");
            true
        }
        None => false,
    }
}

#[test]
fn builds_the_trees_of_wechat_pushes() {
    for document in [
        A2_MSG, C_BODY, C_MSG, D_MSG, F1_BODY, F1_MSG, F2_MSG, P1_MSG, W1_MSG,
    ] {
        assert!(
            same_tree(document, Limits::default()),
            "{document:?} not read"
        );
    }
    let indented = "\n<xml>\n <A>1</A>\r\n <B>\n  <C><![CDATA[x]]></C>\n  <D></D>\n </B>\n</xml>\n";
    assert!(same_tree(indented, Limits::default()));
    let root = super::parse(indented, Limits::default()).unwrap();
    assert_eq!(root.text, "\n \r\n \n");
    assert_eq!(root.child("B").unwrap().children.len(), 2);
    // Past a limit, quick-xml's path answers with its error.
    let tight = Limits {
        max_depth: 2,
        ..Limits::default()
    };
    assert!(!same_tree("<xml><B><C>1</C></B></xml>", tight));
    let few = Limits {
        max_elements: 2,
        ..Limits::default()
    };
    assert!(!same_tree("<xml><A>1</A><B>2</B></xml>", few));
    assert!(same_tree("<xml><A>1</A></xml>", few));
    let small = Limits {
        max_bytes: 10,
        ..Limits::default()
    };
    assert!(!same_tree("<xml><A>1</A></xml>", small));
}

#[test]
fn leaves_mixed_content_and_markup_to_quick_xml() {
    for document in [
        "<xml>a<B>1</B></xml>",
        "<xml><B>1</B>a</xml>",
        "<xml><B>1</B><![CDATA[a]]></xml>",
        "<xml><B/></xml>",
        "<xml><B>1</B><!--c--></xml>",
        "<xml><B>1</B><?pi x?></xml>",
        "<xml><B>a&amp;b</B></xml>",
        "<xml><B>1</B></xml><C/>",
        "<?xml version=\"1.0\"?><xml/>",
        "<xml><B><C>1</C></B >",
        "<xml><B><C>1</B></C></xml>",
    ] {
        assert!(!same_tree(document, Limits::default()), "{document:?}");
    }
}

/// Nested generated documents, and every truncation and one-byte deletion of them.
#[test]
fn trees_agree_with_quick_xml_on_generated_documents() {
    let leaves = [
        "",
        "abc",
        " ",
        "\r\n",
        "中文",
        "<![CDATA[x]]>",
        "<![CDATA[]]>",
        "<![CDATA[a]]b<c>]]>",
        "a&amp;b",
        "a>b",
        "a]]>b",
        "<![CDATA[x]]>y",
        "<y/>",
        "\u{1}",
        "\"'=/!?",
    ];
    let separators = ["", " ", "\n\t", "x", "<!--c-->", "\r\n  "];
    let mut read = 0;
    for (i, leaf) in leaves.iter().enumerate() {
        for (j, sep) in separators.iter().enumerate() {
            let other = leaves[(i + j + 3) % leaves.len()];
            let document = format!(
                "<xml>{sep}<A>{leaf}</A>{sep}<B>{sep}<C>{other}</C>{sep}<D>{leaf}</D>{sep}</B>{sep}<_e1>{other}</_e1></xml>{sep}"
            );
            read += usize::from(same_tree(&document, Limits::default()));
            let mut cut = document.clone();
            while cut.pop().is_some() {
                same_tree(&cut, Limits::default());
            }
            for (at, ch) in document.char_indices() {
                let mut dropped = document.clone();
                dropped.replace_range(at..at + ch.len_utf8(), "");
                same_tree(&dropped, Limits::default());
            }
        }
    }
    assert!(read > 20, "only {read} read");
}
