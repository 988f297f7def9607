//! Finding the line of a field path such as `accounts[1].replies[0].regex`.

use toml_edit::{Document, Item};

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

/// The field path whose key or value covers `offset`, e.g. `accounts[0].mode`.
pub(super) fn path_at(text: &str, offset: usize) -> Option<String> {
    let doc = Document::parse(text.to_owned()).ok()?;
    let mut best = None;
    visit(doc.as_table(), "", offset, &mut best);
    best
}

fn visit(table: &toml_edit::Table, prefix: &str, offset: usize, best: &mut Option<String>) {
    for (key, item) in table.iter() {
        let path = if prefix.is_empty() {
            key.to_owned()
        } else {
            format!("{prefix}.{key}")
        };
        let covers =
            |span: Option<std::ops::Range<usize>>| span.is_some_and(|s| s.contains(&offset));
        let key_span = table.key(key).and_then(toml_edit::Key::span);
        match item {
            Item::Value(value) => {
                if covers(value.span()) || covers(key_span) {
                    *best = Some(path);
                }
            }
            Item::Table(inner) => {
                if covers(inner.span()) || covers(key_span) {
                    *best = Some(path.clone());
                }
                visit(inner, &path, offset, best);
            }
            Item::ArrayOfTables(array) => {
                for (i, entry) in array.iter().enumerate() {
                    let entry_path = format!("{path}[{i}]");
                    if covers(entry.span()) {
                        *best = Some(entry_path.clone());
                    }
                    visit(entry, &entry_path, offset, best);
                }
            }
            Item::None => {}
        }
    }
}
