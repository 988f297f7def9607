//! A small XML codec that is safe by construction, for the XML of WeChat's pushes (element order
//! is arbitrary, values come with or without CDATA, unknown elements are ignored, names are
//! case-sensitive).
//!
//! WeChat's XML is a flat `<xml>` document with a few nested blocks. The reader:
//! - refuses any DTD (`<!DOCTYPE`), so external entities (XXE) and entity expansion
//!   ("billion laughs") are rejected at once, before anything is expanded;
//! - knows only the five predefined entities and numeric character references;
//! - bounds input size ([`Limits::max_bytes`]), depth and element count;
//! - accepts text with or without CDATA, in any element order, ignoring comments.
//!
//! The [`Writer`] emits CDATA for text, splitting `]]>` so any content round-trips unchanged.

use std::fmt::Write as _;

use quick_xml::Reader;
use quick_xml::events::Event;

/// Bounds the reader enforces.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Limits {
    /// Largest accepted document, in bytes (default 1 MiB).
    pub max_bytes: usize,
    /// Deepest accepted element nesting, root included (default 16).
    pub max_depth: usize,
    /// Most elements in one document (default 10 000).
    pub max_elements: usize,
}

impl Default for Limits {
    fn default() -> Self {
        Self {
            max_bytes: 1 << 20,
            max_depth: 16,
            max_elements: 10_000,
        }
    }
}

/// Why a document was refused.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum XmlError {
    /// The document is larger than [`Limits::max_bytes`].
    #[error("document exceeds {0} bytes")]
    TooLarge(usize),
    /// Nesting deeper than [`Limits::max_depth`].
    #[error("document nests deeper than {0} levels")]
    TooDeep(usize),
    /// More elements than [`Limits::max_elements`].
    #[error("document has more than {0} elements")]
    TooManyElements(usize),
    /// A `<!DOCTYPE …>` declaration: DTDs and custom entities are never processed.
    #[error("DTD and entity declarations are not allowed")]
    Dtd,
    /// An entity reference other than the five predefined ones.
    #[error("undefined entity reference")]
    UnknownEntity,
    /// Not well-formed XML.
    #[error("malformed XML: {0}")]
    Malformed(String),
    /// No root element.
    #[error("document has no root element")]
    Empty,
    /// A required element is missing.
    #[error("missing element <{0}>")]
    Missing(&'static str),
    /// An element's text has the wrong form (e.g. a number that is not one).
    #[error("element <{0}> has an invalid value")]
    Invalid(&'static str),
}

/// One element: its name, its text (CDATA and text joined, entities resolved) and children.
#[derive(Clone, Debug, Default, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct Element {
    /// The tag name, e.g. `MsgType`.
    pub name: String,
    /// The element's own text, exactly as sent (not trimmed).
    pub text: String,
    /// Child elements in document order.
    pub children: Vec<Element>,
}

impl Element {
    /// A leaf element.
    #[must_use]
    pub fn leaf(name: impl Into<String>, text: impl Into<String>) -> Self {
        Self {
            name: name.into(),
            text: text.into(),
            children: Vec::new(),
        }
    }

    /// The first child named `name`.
    #[must_use]
    pub fn child(&self, name: &str) -> Option<&Self> {
        self.children.iter().find(|c| c.name == name)
    }

    /// All children named `name`.
    pub fn children_named<'a>(&'a self, name: &'a str) -> impl Iterator<Item = &'a Self> + 'a {
        self.children.iter().filter(move |c| c.name == name)
    }

    /// The text of the first child named `name`.
    #[must_use]
    pub fn text_of(&self, name: &str) -> Option<&str> {
        self.child(name).map(|c| c.text.as_str())
    }

    /// The text of a child that must be present.
    ///
    /// # Errors
    ///
    /// [`XmlError::Missing`] when there is no such child.
    pub fn required(&self, name: &'static str) -> Result<&str, XmlError> {
        Fields::required(self, name)
    }

    /// Parses a child's text as a number, if present.
    ///
    /// # Errors
    ///
    /// [`XmlError::Invalid`] when present but not a number of that type.
    pub fn parse_of<T: std::str::FromStr>(
        &self,
        name: &'static str,
    ) -> Result<Option<T>, XmlError> {
        Fields::parse_of(self, name)
    }

    /// Writes this element (and its children) as XML, text in CDATA.
    #[must_use]
    pub fn to_xml(&self) -> String {
        let mut out = String::with_capacity(256);
        write_element(&mut out, self);
        out
    }
}

fn write_element(out: &mut String, e: &Element) {
    out.push('<');
    out.push_str(&e.name);
    out.push('>');
    if e.children.is_empty() {
        push_cdata(out, &e.text);
    } else {
        for c in &e.children {
            write_element(out, c);
        }
    }
    out.push_str("</");
    out.push_str(&e.name);
    out.push('>');
}

/// Parses a document with the default [`Limits`].
///
/// # Errors
///
/// Any [`XmlError`].
///
/// # Examples
///
/// ```
/// let root = wxgate_proto::xml::parse("<xml><A><![CDATA[x<y]]></A><B>1 &amp; 2</B></xml>").unwrap();
/// assert_eq!(root.text_of("A"), Some("x<y"));
/// assert_eq!(root.text_of("B"), Some("1 & 2"));
/// assert!(wxgate_proto::xml::parse("<!DOCTYPE x [<!ENTITY a 'b'>]><xml>&a;</xml>").is_err());
/// ```
pub fn parse(document: &str) -> Result<Element, XmlError> {
    parse_with(document, Limits::default())
}

/// Parses a document with explicit limits.
///
/// # Errors
///
/// Any [`XmlError`].
pub fn parse_with(document: &str, limits: Limits) -> Result<Element, XmlError> {
    // WeChat's own documents are read by a plain scanner; anything it does not recognise goes
    // to quick-xml, which alone decides what is accepted and why not.
    if let Some(root) = flat::parse(document, limits) {
        // Every test in this crate that parses a document checks the two paths agree on it.
        #[cfg(test)]
        assert_eq!(
            parse_events(document, limits).as_ref(),
            Ok(&root),
            "the flat scanner and quick-xml disagree on {document:?}"
        );
        return Ok(root);
    }
    parse_events(document, limits)
}

/// [`parse_with`] through quick-xml's events: every document the flat scanner leaves.
pub(crate) fn parse_events(document: &str, limits: Limits) -> Result<Element, XmlError> {
    if document.len() > limits.max_bytes {
        return Err(XmlError::TooLarge(limits.max_bytes));
    }
    let mut reader = Reader::from_str(document);
    let config = reader.config_mut();
    config.trim_text(false);
    config.check_end_names = true;
    config.expand_empty_elements = false;

    let mut stack: Vec<Element> = Vec::new();
    let mut root: Option<Element> = None;
    let mut elements = 0usize;
    loop {
        let event = reader
            .read_event()
            .map_err(|e| XmlError::Malformed(short(&e.to_string())))?;
        match event {
            Event::DocType(_) => return Err(XmlError::Dtd),
            Event::Start(start) | Event::Empty(start) if root.is_some() => {
                let _ = start;
                return Err(XmlError::Malformed(
                    "content after the root element".to_owned(),
                ));
            }
            Event::Start(start) => {
                elements += 1;
                if elements > limits.max_elements {
                    return Err(XmlError::TooManyElements(limits.max_elements));
                }
                if stack.len() + 1 > limits.max_depth {
                    return Err(XmlError::TooDeep(limits.max_depth));
                }
                stack.push(Element {
                    name: name_of(document, start.name().as_ref())?,
                    ..Element::default()
                });
            }
            Event::Empty(start) => {
                elements += 1;
                if elements > limits.max_elements {
                    return Err(XmlError::TooManyElements(limits.max_elements));
                }
                if stack.len() + 1 > limits.max_depth {
                    return Err(XmlError::TooDeep(limits.max_depth));
                }
                let element = Element {
                    name: name_of(document, start.name().as_ref())?,
                    ..Element::default()
                };
                close(&mut stack, &mut root, element);
            }
            Event::End(_) => {
                let element = stack
                    .pop()
                    .ok_or_else(|| XmlError::Malformed("unexpected end tag".to_owned()))?;
                close(&mut stack, &mut root, element);
            }
            Event::Text(text) => {
                let raw = match in_document(document, &text) {
                    Some(raw) => std::borrow::Cow::Borrowed(raw),
                    None => text
                        .decode()
                        .map_err(|e| XmlError::Malformed(short(&e.to_string())))?,
                };
                match stack.last_mut() {
                    Some(top) => top.text.push_str(&raw),
                    None if raw.trim().is_empty() => {}
                    None => {
                        return Err(XmlError::Malformed(
                            "text outside the root element".to_owned(),
                        ));
                    }
                }
            }
            Event::GeneralRef(reference) => {
                let name = reference
                    .decode()
                    .map_err(|e| XmlError::Malformed(short(&e.to_string())))?;
                let ch = resolve_entity(&name)?;
                match stack.last_mut() {
                    Some(top) => top.text.push(ch),
                    None => {
                        return Err(XmlError::Malformed(
                            "text outside the root element".to_owned(),
                        ));
                    }
                }
            }
            Event::CData(cdata) => {
                let raw = match in_document(document, &cdata) {
                    Some(raw) => raw,
                    None => std::str::from_utf8(cdata.as_ref())
                        .map_err(|_| XmlError::Malformed("CDATA is not UTF-8".to_owned()))?,
                };
                match stack.last_mut() {
                    Some(top) => top.text.push_str(raw),
                    None => {
                        return Err(XmlError::Malformed(
                            "CDATA outside the root element".to_owned(),
                        ));
                    }
                }
            }
            Event::Decl(_) | Event::PI(_) | Event::Comment(_) => {}
            Event::Eof => break,
        }
    }
    if !stack.is_empty() {
        return Err(XmlError::Malformed("unclosed element".to_owned()));
    }
    root.ok_or(XmlError::Empty)
}

/// Room for a parent's children when it gets its first: a WeChat push has six to a dozen
/// fields, so one allocation instead of growing through 4, 8 and 16.
const CHILDREN: usize = 16;

fn close(stack: &mut [Element], root: &mut Option<Element>, element: Element) {
    match stack.last_mut() {
        Some(parent) => {
            if parent.children.capacity() == 0 {
                parent.children.reserve_exact(CHILDREN);
            }
            parent.children.push(element);
        }
        None => *root = Some(element),
    }
}

/// `bytes` as the `&str` it is a slice of, when it lies within `document`: the reader's events
/// borrow from the document, which is UTF-8 already, so their bytes need no second validation
/// (`str::get` checks only that the ends fall on character boundaries). `None` for bytes from
/// anywhere else.
fn in_document<'d>(document: &'d str, bytes: &[u8]) -> Option<&'d str> {
    let start = (bytes.as_ptr() as usize).checked_sub(document.as_ptr() as usize)?;
    document.get(start..start.checked_add(bytes.len())?)
}

fn name_of(document: &str, raw: &[u8]) -> Result<String, XmlError> {
    match in_document(document, raw) {
        Some(name) => Ok(name.to_owned()),
        None => std::str::from_utf8(raw)
            .map(str::to_owned)
            .map_err(|_| XmlError::Malformed("element name is not UTF-8".to_owned())),
    }
}

fn resolve_entity(name: &str) -> Result<char, XmlError> {
    match name {
        "amp" => Ok('&'),
        "lt" => Ok('<'),
        "gt" => Ok('>'),
        "quot" => Ok('"'),
        "apos" => Ok('\''),
        _ => {
            let code =
                if let Some(hex) = name.strip_prefix("#x").or_else(|| name.strip_prefix("#X")) {
                    u32::from_str_radix(hex, 16).ok()
                } else if let Some(dec) = name.strip_prefix('#') {
                    dec.parse().ok()
                } else {
                    return Err(XmlError::UnknownEntity);
                };
            code.and_then(char::from_u32).ok_or(XmlError::UnknownEntity)
        }
    }
}

/// Keeps parser messages short: they may end up in an HTTP 400 body.
fn short(message: &str) -> String {
    message.chars().take(120).collect()
}

/// Appends `text` as CDATA, splitting any `]]>` so it survives unchanged.
pub fn push_cdata(out: &mut String, text: &str) {
    out.push_str("<![CDATA[");
    let mut rest = text;
    // Most texts have no ']' at all: a byte scan is cheaper than setting up a substring search.
    while rest.as_bytes().contains(&b']')
        && let Some(at) = rest.find("]]>")
    {
        out.push_str(&rest[..at + 2]);
        out.push_str("]]><![CDATA[");
        rest = &rest[at + 2..];
    }
    out.push_str(rest);
    out.push_str("]]>");
}

/// Builds a WeChat-style XML document element by element.
///
/// # Examples
///
/// ```
/// use wxgate_proto::xml::{parse, Writer};
/// let mut w = Writer::new();
/// w.text("Content", "a ]]> b 你好 🎉").number("CreateTime", 1_700_000_000);
/// let doc = w.finish();
/// assert_eq!(parse(&doc).unwrap().text_of("Content"), Some("a ]]> b 你好 🎉"));
/// ```
#[derive(Debug)]
pub struct Writer {
    out: String,
    open: Vec<&'static str>,
}

impl Default for Writer {
    fn default() -> Self {
        Self::new()
    }
}

impl Writer {
    /// Starts a document with the `<xml>` root.
    #[must_use]
    pub fn new() -> Self {
        let mut out = String::with_capacity(512);
        out.push_str("<xml>");
        Self {
            out,
            open: Vec::new(),
        }
    }

    /// Adds `<name><![CDATA[value]]></name>`.
    pub fn text(&mut self, name: &str, value: &str) -> &mut Self {
        self.open_tag(name);
        push_cdata(&mut self.out, value);
        self.close_tag(name);
        self
    }

    fn open_tag(&mut self, name: &str) {
        self.out.push('<');
        self.out.push_str(name);
        self.out.push('>');
    }

    fn close_tag(&mut self, name: &str) {
        self.out.push_str("</");
        self.out.push_str(name);
        self.out.push('>');
    }

    /// Adds `<name>value</name>` for a number.
    pub fn number(&mut self, name: &str, value: impl std::fmt::Display) -> &mut Self {
        self.open_tag(name);
        let _ = write!(self.out, "{value}");
        self.close_tag(name);
        self
    }

    /// Adds `<name>value</name>` for an unsigned number, as [`Writer::number`] writes it, without
    /// going through `std::fmt` (every passive reply's `CreateTime`).
    pub fn unsigned(&mut self, name: &str, value: u64) -> &mut Self {
        self.open_tag(name);
        self.out.push_str(itoa::Buffer::new().format(value));
        self.close_tag(name);
        self
    }

    /// Opens a nested element; close it with [`Writer::end`].
    pub fn start(&mut self, name: &'static str) -> &mut Self {
        self.open_tag(name);
        self.open.push(name);
        self
    }

    /// Closes the innermost element opened with [`Writer::start`].
    pub fn end(&mut self) -> &mut Self {
        if let Some(name) = self.open.pop() {
            self.close_tag(name);
        }
        self
    }

    /// Closes every open element and the root; returns the document.
    #[must_use]
    pub fn finish(mut self) -> String {
        while let Some(name) = self.open.pop() {
            self.close_tag(name);
        }
        self.out.push_str("</xml>");
        self.out
    }
}

/// A document's top-level fields read by name: from its element tree, or from a flat document
/// where they lie ([`flat::fields`]). The typed messages and events are read through it, so the
/// common pushes need no element tree.
pub(crate) trait Fields {
    /// The text of the first child named `name`.
    fn text_of(&self, name: &str) -> Option<&str>;

    /// The text of a child that must be present.
    fn required(&self, name: &'static str) -> Result<&str, XmlError> {
        self.text_of(name).ok_or(XmlError::Missing(name))
    }

    /// Parses a child's text as a number, if present.
    fn parse_of<T: std::str::FromStr>(&self, name: &'static str) -> Result<Option<T>, XmlError> {
        self.text_of(name)
            .map(|t| t.trim().parse().map_err(|_| XmlError::Invalid(name)))
            .transpose()
    }
}

impl Fields for Element {
    fn text_of(&self, name: &str) -> Option<&str> {
        Element::text_of(self, name)
    }
}

impl Fields for flat::FlatFields<'_> {
    fn text_of(&self, name: &str) -> Option<&str> {
        flat::FlatFields::text_of(self, name)
    }
}

/// A whole document as an [`Element`] tree, which a flat document (every common push) only
/// builds when something reads it.
///
/// It dereferences to the [`Element`]; [`Raw::text_of`] reads a top-level field without
/// building the tree. It compares, prints and serializes as its tree. Clones share the document
/// and the tree.
#[derive(Clone)]
pub struct Raw(std::sync::Arc<Repr>);

#[allow(
    clippy::large_enum_variant,
    reason = "it lives in an Arc: one allocation either way, and a tree-built Raw (nested or escaped documents) is the rare one"
)]
enum Repr {
    Tree(Element),
    /// A document [`flat::fields`] read, where its fields lie in it, and its tree once built.
    Flat {
        document: Box<str>,
        fields: flat::Spans,
        tree: std::sync::OnceLock<Element>,
    },
}

impl Raw {
    /// A flat document's raw tree, built when first read, from `fields`, which
    /// [`flat::fields`] read from `document`.
    pub(crate) fn flat(document: &str, fields: &flat::FlatFields<'_>) -> Self {
        Self(std::sync::Arc::new(Repr::Flat {
            document: document.into(),
            fields: fields.spans(document),
            tree: std::sync::OnceLock::new(),
        }))
    }

    /// The element tree, built now if it was not yet.
    #[must_use]
    pub fn tree(&self) -> &Element {
        match self.0.as_ref() {
            Repr::Tree(tree) => tree,
            Repr::Flat { document, tree, .. } => tree.get_or_init(|| {
                // A document `flat::fields` reads is one the flat parser reads; quick-xml is
                // only the safety net, and never fails on it.
                flat::parse(document, Limits::default())
                    .or_else(|| parse_events(document, Limits::default()).ok())
                    .unwrap_or_default()
            }),
        }
    }

    /// The text of the first top-level child named `name`, as `self.tree().text_of(name)`, read
    /// without building the tree.
    #[must_use]
    pub fn text_of(&self, name: &str) -> Option<&str> {
        match self.0.as_ref() {
            Repr::Tree(tree) => tree.text_of(name),
            Repr::Flat {
                document, fields, ..
            } => fields.text_of(document, name),
        }
    }
}

#[cfg(test)]
impl Raw {
    /// Whether the element tree exists yet.
    pub(crate) fn is_built(&self) -> bool {
        match self.0.as_ref() {
            Repr::Tree(_) => true,
            Repr::Flat { tree, .. } => tree.get().is_some(),
        }
    }
}

impl From<Element> for Raw {
    fn from(tree: Element) -> Self {
        Self(std::sync::Arc::new(Repr::Tree(tree)))
    }
}

impl std::ops::Deref for Raw {
    type Target = Element;

    fn deref(&self) -> &Element {
        self.tree()
    }
}

impl PartialEq for Raw {
    fn eq(&self, other: &Self) -> bool {
        self.tree() == other.tree()
    }
}

impl Eq for Raw {}

impl std::fmt::Debug for Raw {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        self.tree().fmt(f)
    }
}

impl serde::Serialize for Raw {
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        self.tree().serialize(serializer)
    }
}

impl<'de> serde::Deserialize<'de> for Raw {
    fn deserialize<D: serde::Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        Element::deserialize(deserializer).map(Self::from)
    }
}

mod flat;
pub(crate) use flat::child_text as flat_child_text;
pub(crate) use flat::fields as flat_fields;
#[cfg(test)]
pub(crate) use parse_events as parse_quick_xml;

#[cfg(test)]
mod tests;
