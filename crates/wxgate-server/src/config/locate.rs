//! Finding the line of a field path such as `accounts[1].replies[0].regex`, and the field at a
//! byte offset of the file.

use std::ops::Range;

use toml_edit::{Document, Item, Table};

use super::Problem;

/// 1-based line of a byte offset.
pub(super) fn line_of(text: &str, offset: usize) -> usize {
    text.as_bytes()[..offset.min(text.len())]
        .iter()
        .filter(|&&b| b == b'\n')
        .count()
        + 1
}

/// Sets `line` on each problem whose path can be found in the document.
pub(super) fn fill_lines(text: &str, problems: &mut [Problem]) {
    let Ok(doc) = Document::parse(text.to_owned()) else {
        return;
    };
    for problem in problems.iter_mut().filter(|p| p.line.is_none()) {
        problem.line = span_of(&doc, &problem.path).map(|offset| line_of(text, offset));
    }
}

/// Walks the path; returns the offset of the deepest part found (the key if present).
fn span_of(doc: &Document<String>, path: &str) -> Option<usize> {
    let mut table = doc.as_table();
    let mut best = None;
    let mut parts = path.split('.').peekable();
    while let Some(part) = parts.next() {
        let (name, index) = match part.split_once('[') {
            Some((name, rest)) => (name, rest.trim_end_matches(']').parse::<usize>().ok()),
            None => (part, None),
        };
        let (key, item) = table.get_key_value(name)?;
        best = key.span().map(|s| s.start).or(best);
        match (item, index) {
            (Item::ArrayOfTables(array), Some(i)) => {
                let entry = array.get(i)?;
                best = entry.span().map(|s| s.start).or(best);
                table = entry;
            }
            (Item::Table(inner), None) => table = inner,
            (Item::Value(value), _) => {
                if let Some(span) = value.span() {
                    best = Some(span.start);
                }
                if parts.peek().is_some() {
                    return best;
                }
            }
            _ => return best,
        }
    }
    best
}

/// One step from the root towards a field: a key, and for an array of tables, which entry.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(super) struct Segment {
    pub(super) key: String,
    pub(super) entry: Option<usize>,
}

/// Renders segments as a field path: `accounts[0].replies[1].regex`.
pub(super) fn render(segments: &[Segment]) -> String {
    let mut path = String::new();
    for segment in segments {
        if !path.is_empty() {
            path.push('.');
        }
        path.push_str(&segment.key);
        if let Some(i) = segment.entry {
            path.push_str(&format!("[{i}]"));
        }
    }
    path
}

/// The segments of the deepest field whose key, value or table header covers `offset`.
pub(super) fn segments_at(doc: &Document<String>, offset: usize) -> Option<Vec<Segment>> {
    let mut best = None;
    visit(doc.as_table(), &mut Vec::new(), offset, &mut best);
    best
}

fn visit(table: &Table, prefix: &mut Vec<Segment>, offset: usize, best: &mut Option<Vec<Segment>>) {
    let covers = |span: Option<Range<usize>>| span.is_some_and(|s| s.contains(&offset));
    for (key, item) in table.iter() {
        let key_span = table.key(key).and_then(toml_edit::Key::span);
        prefix.push(Segment {
            key: key.to_owned(),
            entry: None,
        });
        match item {
            Item::Value(value) => {
                if covers(value.span()) || covers(key_span) {
                    *best = Some(prefix.clone());
                }
            }
            Item::Table(inner) => {
                if covers(inner.span()) || covers(key_span) {
                    *best = Some(prefix.clone());
                }
                visit(inner, prefix, offset, best);
            }
            Item::ArrayOfTables(array) => {
                for (i, entry) in array.iter().enumerate() {
                    if let Some(last) = prefix.last_mut() {
                        last.entry = Some(i);
                    }
                    if covers(entry.span()) {
                        *best = Some(prefix.clone());
                    }
                    visit(entry, prefix, offset, best);
                }
            }
            Item::None => {}
        }
        prefix.pop();
    }
}

/// The table at `segments`: the root, a table, or an entry of an array of tables.
fn table_at<'a>(doc: &'a Document<String>, segments: &[Segment]) -> Option<&'a Table> {
    let mut table = doc.as_table();
    for segment in segments {
        table = match (table.get(&segment.key)?, segment.entry) {
            (Item::ArrayOfTables(array), Some(entry)) => array.get(entry)?,
            (Item::Table(inner), None) => inner,
            _ => return None,
        };
    }
    Some(table)
}

/// The field called `name` in the table at `segments`, or in a table inside it (serde reports
/// an unknown field of a flattened struct at the enclosing table, not at the field).
pub(super) fn find_key(
    doc: &Document<String>,
    segments: &[Segment],
    name: &str,
) -> Option<Vec<Segment>> {
    fn search(table: &Table, name: &str, path: &mut Vec<Segment>) -> bool {
        if table.contains_key(name) {
            path.push(Segment {
                key: name.to_owned(),
                entry: None,
            });
            return true;
        }
        for (key, item) in table.iter() {
            if let Item::Table(inner) = item {
                path.push(Segment {
                    key: key.to_owned(),
                    entry: None,
                });
                if search(inner, name, path) {
                    return true;
                }
                path.pop();
            }
        }
        false
    }
    let mut path = segments.to_vec();
    search(table_at(doc, segments)?, name, &mut path).then_some(path)
}

/// The 1-based line of the field at `segments`.
pub(super) fn line_of_segments(
    text: &str,
    doc: &Document<String>,
    segments: &[Segment],
) -> Option<usize> {
    let (last, parent) = segments.split_last()?;
    let table = table_at(doc, parent)?;
    let (key, item) = table.get_key_value(&last.key)?;
    let span = match (item, last.entry) {
        (Item::ArrayOfTables(array), Some(entry)) => array.get(entry)?.span(),
        _ => key.span().or_else(|| item.span()),
    }?;
    Some(line_of(text, span.start))
}

/// The byte ranges that hold the field at `segments` (a key and its value, or a table with
/// everything in it): blanking them removes the field and keeps the rest valid TOML.
pub(super) fn ranges_of(
    text: &str,
    doc: &Document<String>,
    segments: &[Segment],
) -> Vec<Range<usize>> {
    let mut table = doc.as_table();
    let mut out = Vec::new();
    for (i, segment) in segments.iter().enumerate() {
        let last = i + 1 == segments.len();
        let Some(item) = table.get(&segment.key) else {
            return Vec::new();
        };
        match (item, segment.entry) {
            (Item::ArrayOfTables(array), Some(entry)) => {
                let Some(entry) = array.get(entry) else {
                    return Vec::new();
                };
                if last {
                    table_ranges(text, entry, &mut out);
                }
                table = entry;
            }
            (item, None) if last => item_ranges(text, item, &mut out),
            (Item::Table(inner), None) => table = inner,
            _ => return Vec::new(),
        }
    }
    out
}

fn item_ranges(text: &str, item: &Item, out: &mut Vec<Range<usize>>) {
    match item {
        // A key-value pair has a line of its own (TOML), which starts with its possibly dotted
        // key: blank from the line's start to the end of the value.
        Item::Value(value) => {
            if let Some(span) = value.span() {
                out.push(line_start(text, span.start)..span.end);
            }
        }
        Item::Table(table) => table_ranges(text, table, out),
        Item::ArrayOfTables(array) => {
            for entry in array.iter() {
                table_ranges(text, entry, out);
            }
        }
        Item::None => {}
    }
}

fn table_ranges(text: &str, table: &Table, out: &mut Vec<Range<usize>>) {
    // A dotted table's span is its key, on the line of a value, which covers it.
    if !table.is_dotted()
        && let Some(header) = table.span()
    {
        out.push(header);
    }
    for (_, item) in table.iter() {
        item_ranges(text, item, out);
    }
}

fn line_start(text: &str, offset: usize) -> usize {
    text.as_bytes()[..offset.min(text.len())]
        .iter()
        .rposition(|&b| b == b'\n')
        .map_or(0, |newline| newline + 1)
}
