//! Reading TOML text into a [`Config`] without stopping at the first mistake.
//!
//! serde stops at the first unknown field or wrongly typed value. To report them all, each such
//! field is recorded as a problem, blanked out of a working copy of the text (spaces, so every
//! byte offset and line stays where it was), and the text is read again; once it reads, the
//! configuration is validated as usual. Problems that only follow from a blanked field (a
//! required field reported missing, a default judged by validation) are not reported again.

use toml_edit::Document;

use super::load::first_line;
use super::locate;
use super::{Config, Problem};

/// At most this many fields are blanked before giving up: a config file is short, and each
/// attempt parses the whole text again.
const MAX_ATTEMPTS: usize = 100;

/// What reading the text gave.
pub(super) struct Parsed {
    /// The configuration, if the text could be read (possibly with fields blanked).
    pub(super) config: Option<Config>,
    /// Unknown fields, wrong types and syntax errors, with their lines.
    pub(super) problems: Vec<Problem>,
    /// Paths of the blanked fields.
    pub(super) blanked: Vec<String>,
}

impl Parsed {
    /// Whether `problem` is about a blanked field (or something inside it).
    pub(super) fn follows_from_blanking(&self, problem: &Problem) -> bool {
        self.blanked.iter().any(|path| {
            problem.path == *path
                || problem
                    .path
                    .strip_prefix(path.as_str())
                    .is_some_and(|rest| rest.starts_with(['.', '[']))
        })
    }
}

pub(super) fn parse(text: &str) -> Parsed {
    let mut work = text.to_owned();
    let mut parsed = Parsed {
        config: None,
        problems: Vec::new(),
        blanked: Vec::new(),
    };
    for _ in 0..MAX_ATTEMPTS {
        let error = match toml_edit::de::from_str::<Config>(&work) {
            Ok(config) => {
                parsed.config = Some(config);
                return parsed;
            }
            Err(error) => error,
        };
        let message = without_values(&first_line(error.message()));
        let offset = error.span().map(|span| span.start);
        // A syntax error leaves no document to find fields in.
        let doc = Document::parse(work.clone()).ok();
        let mut segments = doc
            .as_ref()
            .zip(offset)
            .and_then(|(doc, offset)| locate::segments_at(doc, offset));
        if let (Some(doc), Some(found), Some(name)) = (
            &doc,
            &mut segments,
            quoted_after(&message, "unknown field "),
        ) {
            match found.iter().rposition(|s| s.key == name) {
                // The whole unknown field, not one entry of it or something inside it.
                Some(at) => {
                    found.truncate(at + 1);
                    found[at].entry = None;
                }
                None => {
                    if let Some(inside) = locate::find_key(doc, found, name) {
                        *found = inside;
                    }
                }
            }
        }
        let line = doc
            .as_ref()
            .zip(segments.as_deref())
            .and_then(|(doc, segments)| locate::line_of_segments(&work, doc, segments))
            .or_else(|| offset.map(|offset| locate::line_of(text, offset)));
        if let Some(name) = quoted_after(&message, "missing field ") {
            let table = segments.as_deref().map(locate::render);
            let consequence = parsed.blanked.iter().any(|path| match &table {
                Some(table) => *path == format!("{table}.{name}"),
                None => path.rsplit('.').next() == Some(name),
            });
            if !consequence {
                parsed.problems.push(Problem {
                    path: table.unwrap_or_default(),
                    line,
                    message,
                });
            }
            // A required field cannot be blanked away: stop here.
            return parsed;
        }
        parsed.problems.push(Problem {
            path: segments.as_deref().map_or_else(String::new, locate::render),
            line,
            message,
        });
        // Only whole fields are blanked: blanking one entry of an array of tables would
        // renumber the entries after it.
        let (Some(doc), Some(segments)) = (doc, segments) else {
            return parsed;
        };
        if segments.last().is_none_or(|s| s.entry.is_some()) {
            return parsed;
        }
        let ranges = locate::ranges_of(&work, &doc, &segments);
        if !blank(&mut work, &ranges) {
            return parsed;
        }
        parsed.blanked.push(locate::render(&segments));
    }
    parsed
}

/// A type error without the value serde quotes ("invalid type: integer `123`, expected a
/// string", "invalid type: string \"k\", expected a sequence"): the value may be a secret
/// given the wrong type.
fn without_values(message: &str) -> String {
    let Some(rest) = message.strip_prefix("invalid type: ") else {
        return message.to_owned();
    };
    let (found, expected) = rest.rsplit_once(", expected ").unwrap_or((rest, ""));
    let kind = found
        .split(['`', '"'])
        .next()
        .unwrap_or_default()
        .trim_end();
    if expected.is_empty() {
        format!("invalid type: {kind}")
    } else {
        format!("invalid type: {kind}, expected {expected}")
    }
}

/// The text between backquotes after `prefix` at the start of `message`:
/// "unknown field `colour`, expected …" → `colour`.
fn quoted_after<'a>(message: &'a str, prefix: &str) -> Option<&'a str> {
    let rest = message.strip_prefix(prefix)?.strip_prefix('`')?;
    rest.split_once('`').map(|(name, _)| name)
}

/// Overwrites the ranges with spaces, keeping line breaks; false if nothing changed.
fn blank(text: &mut String, ranges: &[std::ops::Range<usize>]) -> bool {
    let mut bytes = text.as_bytes().to_vec();
    let mut changed = false;
    for range in ranges {
        let end = range.end.min(bytes.len());
        for byte in bytes
            .get_mut(range.start.min(end)..end)
            .into_iter()
            .flatten()
        {
            if !matches!(*byte, b' ' | b'\n' | b'\r') {
                *byte = b' ';
                changed = true;
            }
        }
    }
    // Ranges start and end on character boundaries and every byte in them became ASCII, so
    // this holds; should it not, the text is left as it was.
    match String::from_utf8(bytes) {
        Ok(blanked) if changed => {
            *text = blanked;
            true
        }
        _ => false,
    }
}
