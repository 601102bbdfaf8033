//! Minimal XLSX reading: the first worksheet's cell values as text rows.
//! Built on the safe zip and XML readers; formulas, styles and dates are not
//! interpreted (cells yield their stored value).

use crate::archive::read_members;
use crate::error::ParseError;
use crate::xml::{self, Element};

/// Column index from a cell reference such as "AB12" (A = 0).
fn column(reference: &str) -> usize {
    reference
        .chars()
        .take_while(char::is_ascii_alphabetic)
        .fold(0usize, |acc, c| {
            acc * 26 + (c.to_ascii_uppercase() as usize - 'A' as usize + 1)
        })
        .saturating_sub(1)
}

fn shared_strings(root: &Element) -> Vec<String> {
    root.children_named("si")
        .map(|si| {
            si.descendants("t")
                .iter()
                .map(|t| t.text.as_str())
                .collect::<String>()
        })
        .collect()
}

/// Rows of the first worksheet; missing cells are `None`.
pub fn first_sheet_rows(bytes: &[u8]) -> Result<Vec<Vec<Option<String>>>, ParseError> {
    let members = read_members(bytes)?;
    let find = |name: &str| members.iter().find(|(n, _)| n == name).map(|(_, b)| b);
    let strings = match find("xl/sharedStrings.xml") {
        Some(b) => shared_strings(&xml::parse(b)?),
        None => Vec::new(),
    };
    let sheet = members
        .iter()
        .filter(|(n, _)| n.starts_with("xl/worksheets/sheet") && n.ends_with(".xml"))
        .min_by_key(|(n, _)| n.len() * 1000 + n.chars().filter(char::is_ascii_digit).count())
        .map(|(_, b)| b)
        .ok_or_else(|| ParseError::invalid("xlsx workbook has no worksheet"))?;
    let root = xml::parse(sheet)?;
    let mut rows = Vec::new();
    let Some(data) = root.child("sheetData") else {
        return Ok(rows);
    };
    for row in data.children_named("row") {
        let mut cells: Vec<Option<String>> = Vec::new();
        for (i, c) in row.children_named("c").enumerate() {
            let col = c.attr("r").map(column).unwrap_or(i);
            let value = match c.attr("t") {
                Some("s") => c
                    .child_text("v")
                    .and_then(|v| v.parse::<usize>().ok())
                    .and_then(|i| strings.get(i).cloned()),
                Some("inlineStr") => c.child("is").map(|is| is.all_text()),
                _ => c.child("v").map(|v| v.text.clone()),
            };
            if cells.len() <= col {
                cells.resize(col + 1, None);
            }
            if let Some(slot) = cells.get_mut(col) {
                *slot = value;
            }
        }
        rows.push(cells);
    }
    Ok(rows)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn columns() {
        assert_eq!(column("A1"), 0);
        assert_eq!(column("Z9"), 25);
        assert_eq!(column("AA3"), 26);
    }
}
