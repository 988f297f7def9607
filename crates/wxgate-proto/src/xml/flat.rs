//! A scanner for the flat documents WeChat wraps encrypted pushes in (`<xml><ToUserName>…
//! </ToUserName><Encrypt>…</Encrypt></xml>`): one field's text is read where it lies, without
//! building the element tree or copying the text.
//!
//! It answers only for documents of one plain shape, for which [`super::parse`] is known to give
//! the same text; for anything else it answers `None` and the caller parses the document, so
//! what is accepted and every error stay the parser's.

use super::{Element, Limits};

/// The text of the first child named `name` of `document`, when `document` is
///
/// ```text
/// ws* <xml> (ws* <Name> (text | <![CDATA[…]]>) </Name>)* ws* </xml> ws*
/// ```
///
/// with names of `[A-Za-z_][A-Za-z0-9_]*`, text without `<`, `>`, `&` or `]`, and `ws` the four
/// XML whitespace characters; within [`Limits::default`]. `None` for any other document
/// (declaration, comments, attributes, entities, empty or nested elements, text beside a CDATA
/// section, …) and when there is no such child: then [`super::parse`] decides.
///
/// Whenever this answers `Some(text)`, `parse(document)?.text_of(name)` is `Some(text)`.
pub(crate) fn child_text<'d>(document: &'d str, name: &str) -> Option<&'d str> {
    let mut found = None;
    scan(document, |child, text| {
        if found.is_none() && child == name {
            found = Some(text);
        }
        Some(())
    })?;
    found
}

/// The most fields [`fields`] reads where they lie; a document with more is left to the parser.
const MAX_FIELDS: usize = 32;

/// The children of a flat document (the shape [`child_text`] reads), read where they lie: a
/// WeChat push of every common type (messages, and events without nested blocks).
pub(crate) struct FlatFields<'d> {
    fields: [(&'d str, &'d str); MAX_FIELDS],
    len: usize,
}

impl<'d> FlatFields<'d> {
    /// The text of the first child named `name`, as `parse(document)?.text_of(name)` gives it.
    pub(crate) fn text_of(&self, name: &str) -> Option<&'d str> {
        self.fields[..self.len]
            .iter()
            .find(|(child, _)| *child == name)
            .map(|(_, text)| *text)
    }
}

impl FlatFields<'_> {
    /// Where the fields lie in `document`, the document they were read from.
    pub(crate) fn spans(&self, document: &str) -> Spans {
        // Each part is a slice of `document`, within its 1 MiB limit.
        let span = |part: &str| {
            let from = part.as_ptr().addr() - document.as_ptr().addr();
            [from, from + part.len()].map(|at| u32::try_from(at).unwrap_or(u32::MAX))
        };
        let mut spans = Spans {
            spans: [[0; 4]; MAX_FIELDS],
            len: self.len,
        };
        for (out, (name, text)) in spans.spans.iter_mut().zip(&self.fields[..self.len]) {
            let ([name_from, name_to], [text_from, text_to]) = (span(name), span(text));
            *out = [name_from, name_to, text_from, text_to];
        }
        spans
    }
}

/// Where a flat document's fields lie in it (name start and end, text start and end), to read
/// them again without scanning it: kept with the document by [`super::Raw`].
pub(crate) struct Spans {
    spans: [[u32; 4]; MAX_FIELDS],
    len: usize,
}

impl Spans {
    /// The text of the first field named `name` of `document`, the document these spans
    /// were taken from.
    pub(crate) fn text_of<'d>(&self, document: &'d str, name: &str) -> Option<&'d str> {
        let part = |from: u32, to: u32| document.get(from as usize..to as usize);
        self.spans[..self.len]
            .iter()
            .find(|[from, to, ..]| part(*from, *to) == Some(name))
            .and_then(|[.., from, to]| part(*from, *to))
    }
}

/// The fields of `document` in order, when it has the shape [`child_text`] reads and at most
/// [`MAX_FIELDS`] children; `None` otherwise, and [`super::parse`] decides.
pub(crate) fn fields(document: &str) -> Option<FlatFields<'_>> {
    let mut fields = FlatFields {
        fields: [("", ""); MAX_FIELDS],
        len: 0,
    };
    scan(document, |child, text| {
        *fields.fields.get_mut(fields.len)? = (child, text);
        fields.len += 1;
        Some(())
    })?;
    Some(fields)
}

/// Scans a document of the shape [`child_text`] reads, calling `field` with each child's name
/// and text in document order; `None` for any other document, or as soon as `field` says so.
fn scan<'d>(
    document: &'d str,
    mut field: impl FnMut(&'d str, &'d str) -> Option<()>,
) -> Option<()> {
    let limits = Limits::default();
    if document.len() > limits.max_bytes {
        return None;
    }
    let b = document.as_bytes();
    let mut at = expect(b, skip_ws(b, 0), b"<xml>")?;
    let mut elements = 1usize;
    loop {
        at = skip_ws(b, at);
        if b.get(at..at + 2)? == b"</" {
            at = expect(b, at, b"</xml>")?;
            return (skip_ws(b, at) == b.len()).then_some(());
        }
        elements += 1;
        if elements > limits.max_elements {
            return None;
        }
        let name_start = at + 1;
        let name_end = name_end(b, expect(b, at, b"<")?)?;
        // ASCII on both sides: char boundaries.
        let child = &document[name_start..name_end];
        at = expect(b, name_end, b">")?;
        let text;
        if b[at..].starts_with(b"<![CDATA[") {
            let from = at + 9;
            let len = cdata_len(&b[from..])?;
            // `from` and `from + len` sit next to ASCII bytes: both are char boundaries.
            text = document.get(from..from + len)?;
            at = from + len + 3;
        } else {
            let len = text_len(&b[at..])?;
            text = document.get(at..at + len)?;
            at += len;
        }
        at = expect(b, at, b"</")?;
        at = expect(b, at, child.as_bytes())?;
        at = expect(b, at, b">")?;
        field(child, text)?;
    }
}

/// Builds the element tree of `document` when every element in it is
///
/// ```text
/// <Name> (text | <![CDATA[…]]> | (ws* element)+ ws*) </Name>
/// ```
///
/// (names, text and whitespace as in [`child_text`]), with only whitespace around the root and
/// within `limits`: WeChat's pushes, flat with a few nested blocks. `None` for any other
/// document; [`super::parse_with`] then hands it to quick-xml, which decides.
///
/// Whenever this answers, the answer is what quick-xml's path builds: the same names, texts
/// (the whitespace between an element's children joined as its text) and children.
pub(crate) fn parse(document: &str, limits: Limits) -> Option<Element> {
    if document.len() > limits.max_bytes {
        return None;
    }
    let b = document.as_bytes();
    let mut scan = Scan {
        document,
        at: skip_ws(b, 0),
        elements: 0,
        limits,
    };
    let root = scan.element(1)?;
    (skip_ws(b, scan.at) == b.len()).then_some(root)
}

struct Scan<'d> {
    document: &'d str,
    at: usize,
    elements: usize,
    limits: Limits,
}

impl Scan<'_> {
    fn element(&mut self, depth: usize) -> Option<Element> {
        let b = self.document.as_bytes();
        self.elements += 1;
        if depth > self.limits.max_depth || self.elements > self.limits.max_elements {
            return None;
        }
        let name_start = expect(b, self.at, b"<")?;
        let name_end = name_end(b, name_start)?;
        self.at = expect(b, name_end, b">")?;
        let mut element = Element {
            name: self.document[name_start..name_end].to_owned(),
            ..Element::default()
        };
        if b[self.at..].starts_with(b"<![CDATA[") {
            let from = self.at + 9;
            let len = cdata_len(&b[from..])?;
            element.text = self.document.get(from..from + len)?.to_owned();
            self.at = from + len + 3;
        } else {
            loop {
                let len = text_len(&b[self.at..])?;
                let text = &self.document[self.at..self.at + len];
                self.at += len;
                let blank = text.bytes().all(is_ws);
                // Text beside child elements is left to quick-xml unless it is whitespace.
                if !element.children.is_empty() && !blank {
                    return None;
                }
                element.text.push_str(text);
                if b[self.at..].starts_with(b"</") {
                    break;
                }
                if b[self.at] != b'<' || !blank {
                    return None;
                }
                let child = self.element(depth + 1)?;
                if element.children.capacity() == 0 {
                    element.children.reserve_exact(super::CHILDREN);
                }
                element.children.push(child);
            }
        }
        self.at = expect(b, self.at, b"</")?;
        self.at = expect(b, self.at, &b[name_start..name_end])?;
        self.at = expect(b, self.at, b">")?;
        Some(element)
    }
}

/// The length of a CDATA section's text: up to its first `]]>`. Texts seldom hold a `]`, so
/// one byte search usually finds the end, with no substring searcher set up per section.
fn cdata_len(b: &[u8]) -> Option<usize> {
    let mut from = 0;
    loop {
        let at = from + memchr::memchr(b']', &b[from..])?;
        if b[at..].starts_with(b"]]>") {
            return Some(at);
        }
        from = at + 1;
    }
}

/// The length of plain text up to the next `<`; `None` when it holds `>`, `&` or `]` (or no
/// `<` follows), which the scanner leaves to quick-xml.
fn text_len(b: &[u8]) -> Option<usize> {
    let len = memchr::memchr(b'<', b)?;
    memchr::memchr3(b'>', b'&', b']', &b[..len])
        .is_none()
        .then_some(len)
}

const fn is_ws(c: u8) -> bool {
    matches!(c, b' ' | b'\t' | b'\n' | b'\r')
}

fn skip_ws(b: &[u8], mut at: usize) -> usize {
    while at < b.len() && is_ws(b[at]) {
        at += 1;
    }
    at
}

/// The index past `literal` when `b[at..]` starts with it.
fn expect(b: &[u8], at: usize, literal: &[u8]) -> Option<usize> {
    b.get(at..)?
        .starts_with(literal)
        .then_some(at + literal.len())
}

/// The end of the name starting at `at`: `[A-Za-z_][A-Za-z0-9_]*`.
fn name_end(b: &[u8], at: usize) -> Option<usize> {
    let first = *b.get(at)?;
    if !(first.is_ascii_alphabetic() || first == b'_') {
        return None;
    }
    let len = b[at..]
        .iter()
        .position(|&c| !(c.is_ascii_alphanumeric() || c == b'_'))?;
    Some(at + len)
}

#[cfg(test)]
mod tests;
