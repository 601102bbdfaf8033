//! Just enough HTML reading for report tables (SonarQube's HTML export):
//! a lenient tag scanner that never fails, tracks nested tables, and turns
//! cell markup into text.

/// One `<tag ...>` or `</tag>` found in the input.
struct Tag {
    start: usize,
    end: usize,
    name: String,
    closing: bool,
}

fn tags(html: &str) -> Vec<Tag> {
    let bytes = html.as_bytes();
    let mut out = Vec::new();
    let mut i = 0;
    while let Some(off) = html.get(i..).and_then(|s| s.find('<')) {
        let start = i + off;
        if html.get(start..).is_some_and(|s| s.starts_with("<!--")) {
            i = html
                .get(start..)
                .and_then(|s| s.find("-->"))
                .map_or(html.len(), |e| start + e + 3);
            continue;
        }
        let Some(end) = html
            .get(start..)
            .and_then(|s| s.find('>'))
            .map(|e| start + e + 1)
        else {
            break;
        };
        let closing = bytes.get(start + 1) == Some(&b'/');
        let name_start = start + if closing { 2 } else { 1 };
        let name: String = html
            .get(name_start..end)
            .unwrap_or_default()
            .chars()
            .take_while(char::is_ascii_alphanumeric)
            .collect::<String>()
            .to_ascii_lowercase();
        out.push(Tag {
            start,
            end,
            name,
            closing,
        });
        i = end;
    }
    out
}

/// A table: its header cells (`<th>`) as text and its data rows as raw cell
/// markup. Tables nested inside cells stay inside the cell markup.
#[derive(Debug, Default)]
pub struct Table {
    pub header: Vec<String>,
    pub rows: Vec<Vec<String>>,
}

/// Every table that is not inside another table, in document order.
pub fn top_level_tables(html: &str) -> Vec<Table> {
    let mut out = Vec::new();
    let mut depth = 0usize;
    let mut row: Option<Vec<String>> = None;
    let mut row_is_header = false;
    let mut cell_start: Option<usize> = None;
    for t in tags(html) {
        match (t.name.as_str(), t.closing) {
            ("table", false) => {
                depth += 1;
                if depth == 1 {
                    out.push(Table::default());
                }
            }
            ("table", true) => depth = depth.saturating_sub(1),
            ("tr", false) if depth == 1 => {
                row = Some(Vec::new());
                row_is_header = false;
            }
            ("td" | "th", false) if depth == 1 => {
                row_is_header |= t.name == "th";
                cell_start = Some(t.end);
            }
            ("td" | "th", true) if depth == 1 => {
                if let (Some(s), Some(r)) = (cell_start.take(), row.as_mut()) {
                    r.push(html.get(s..t.start).unwrap_or_default().to_string());
                }
            }
            ("tr", true) if depth == 1 => {
                if let (Some(r), Some(table)) = (row.take(), out.last_mut()) {
                    if row_is_header {
                        table.header = r.iter().map(|c| text(c)).collect();
                    } else {
                        table.rows.push(r);
                    }
                }
            }
            _ => {}
        }
    }
    out
}

/// Inner markup of the first `<name>` element, if any.
pub fn first_inner<'a>(html: &'a str, name: &str) -> Option<&'a str> {
    let all = tags(html);
    let open = all.iter().position(|t| t.name == name && !t.closing)?;
    let start = all.get(open)?.end;
    let mut depth = 0usize;
    for t in all.iter().skip(open + 1) {
        if t.name != name {
            continue;
        }
        if !t.closing {
            depth += 1;
        } else if depth == 0 {
            return html.get(start..t.start);
        } else {
            depth -= 1;
        }
    }
    html.get(start..)
}

/// Texts of every `<a>` element.
pub fn link_texts(html: &str) -> Vec<String> {
    let all = tags(html);
    let mut out = Vec::new();
    for (i, t) in all.iter().enumerate() {
        if t.name == "a" && !t.closing {
            let end = all
                .iter()
                .skip(i + 1)
                .find(|c| c.name == "a" && c.closing)
                .map_or(html.len(), |c| c.start);
            out.push(text(html.get(t.end..end).unwrap_or_default()));
        }
    }
    out
}

fn decode_entity(entity: &str) -> Option<char> {
    if let Some(num) = entity.strip_prefix('#') {
        let code = match num.strip_prefix(['x', 'X']) {
            Some(hex) => u32::from_str_radix(hex, 16).ok()?,
            None => num.parse().ok()?,
        };
        return char::from_u32(code);
    }
    Some(match entity {
        "amp" => '&',
        "lt" => '<',
        "gt" => '>',
        "quot" => '"',
        "apos" => '\'',
        "nbsp" => '\u{a0}',
        _ => return None,
    })
}

/// Markup to text: tags removed, entities decoded, ends trimmed.
pub fn text(html: &str) -> String {
    let mut stripped = String::with_capacity(html.len());
    let mut last = 0;
    for t in tags(html) {
        stripped.push_str(html.get(last..t.start).unwrap_or_default());
        last = t.end;
    }
    stripped.push_str(html.get(last..).unwrap_or_default());
    let mut out = String::with_capacity(stripped.len());
    let mut rest = stripped.as_str();
    while let Some(i) = rest.find('&') {
        out.push_str(rest.get(..i).unwrap_or_default());
        let after = rest.get(i + 1..).unwrap_or_default();
        match after.find(';').filter(|e| *e <= 10) {
            Some(e) => match after.get(..e).and_then(decode_entity) {
                Some(c) => {
                    out.push(c);
                    rest = after.get(e + 1..).unwrap_or_default();
                }
                None => {
                    out.push('&');
                    rest = after;
                }
            },
            None => {
                out.push('&');
                rest = after;
            }
        }
    }
    out.push_str(rest);
    out.trim().to_string()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn nested_tables_stay_in_their_cell() {
        let html = "<table><tr><th>A</th><th>B</th></tr><tr><td>x &amp; y</td><td><table><tr><td>in</td></tr></table></td></tr></table>";
        let t = top_level_tables(html);
        assert_eq!(t.len(), 1);
        assert_eq!(t[0].header, vec!["A", "B"]);
        assert_eq!(t[0].rows.len(), 1);
        assert_eq!(text(&t[0].rows[0][0]), "x & y");
        assert!(t[0].rows[0][1].contains("<table>"));
    }

    #[test]
    fn garbage_does_not_panic() {
        for s in [
            "<",
            "<table",
            "&#99999999;",
            "<a>unclosed",
            "</td></tr></table>",
        ] {
            let _ = top_level_tables(s);
            let _ = text(s);
            let _ = link_texts(s);
        }
    }
}
