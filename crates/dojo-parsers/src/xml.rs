//! A small owned XML tree on top of quick-xml.
//!
//! Reports are small enough to hold in memory, and a tree keeps the parsers
//! readable. Safety: quick-xml never fetches external entities and resolves
//! only the predefined and numeric ones; we also refuse any DOCTYPE that
//! declares entities (the billion-laughs shape) and cap nesting depth so a
//! hostile file cannot exhaust the stack when the tree is dropped.

use std::borrow::Cow;

use quick_xml::events::{BytesStart, Event};
use quick_xml::Reader;

use crate::error::{one_line, ParseError};

const MAX_DEPTH: usize = 512;

#[derive(Debug, Clone, Default, PartialEq)]
pub struct Element {
    /// Local name, namespace prefix removed.
    pub name: String,
    pub attrs: Vec<(String, String)>,
    pub children: Vec<Element>,
    /// All direct text and CDATA of this element, concatenated.
    pub text: String,
}

impl Element {
    pub fn attr(&self, name: &str) -> Option<&str> {
        self.attrs
            .iter()
            .find(|(k, _)| k == name)
            .map(|(_, v)| v.as_str())
    }

    pub fn child(&self, name: &str) -> Option<&Element> {
        self.children.iter().find(|c| c.name == name)
    }

    pub fn children_named<'a>(&'a self, name: &'a str) -> impl Iterator<Item = &'a Element> + 'a {
        self.children.iter().filter(move |c| c.name == name)
    }

    /// Trimmed text of the first child called `name`, if present.
    pub fn child_text(&self, name: &str) -> Option<&str> {
        self.child(name).map(|c| c.text.trim())
    }

    /// Like [`Element::child_text`], but absent and blank are both `None`.
    pub fn child_text_opt(&self, name: &str) -> Option<String> {
        self.child_text(name)
            .filter(|s| !s.is_empty())
            .map(str::to_string)
    }

    /// Follows a `/`-separated path of child names.
    pub fn path(&self, path: &str) -> Option<&Element> {
        path.split('/').try_fold(self, |el, part| el.child(part))
    }

    /// All descendants (not self) called `name`, in document order.
    pub fn descendants<'a>(&'a self, name: &'a str) -> Vec<&'a Element> {
        let mut out = Vec::new();
        let mut stack: Vec<&Element> = self.children.iter().rev().collect();
        while let Some(el) = stack.pop() {
            if el.name == name {
                out.push(el);
            }
            stack.extend(el.children.iter().rev());
        }
        out
    }

    /// Text of this element and all descendants, like ElementTree's itertext.
    pub fn all_text(&self) -> String {
        let mut out = self.text.clone();
        for c in &self.children {
            out.push_str(&c.all_text());
        }
        out
    }
}

fn local(name: &[u8]) -> String {
    let name = match name.iter().rposition(|b| *b == b':') {
        Some(i) => name.get(i + 1..).unwrap_or(name),
        None => name,
    };
    String::from_utf8_lossy(name).into_owned()
}

fn xml_err(e: impl std::fmt::Display) -> ParseError {
    ParseError::Xml(one_line(&e.to_string()))
}

fn element(start: &BytesStart<'_>) -> Result<Element, ParseError> {
    let mut el = Element {
        name: local(start.name().as_ref()),
        ..Element::default()
    };
    for a in start.attributes().with_checks(false) {
        let a = a.map_err(xml_err)?;
        let v = a.unescape_value().map_err(xml_err)?;
        el.attrs.push((local(a.key.as_ref()), v.into_owned()));
    }
    Ok(el)
}

/// Decodes report bytes to text: UTF-8 (with or without BOM), UTF-16 with a
/// BOM, otherwise Latin-1, which is what older scanners emit. Valid UTF-8
/// is borrowed, not copied: reports run to tens of megabytes.
pub fn decode_text(bytes: &[u8]) -> Cow<'_, str> {
    if let Some(rest) = bytes.strip_prefix(&[0xEF, 0xBB, 0xBF]) {
        return String::from_utf8_lossy(rest);
    }
    if bytes.starts_with(&[0xFF, 0xFE]) || bytes.starts_with(&[0xFE, 0xFF]) {
        let le = bytes.starts_with(&[0xFF, 0xFE]);
        let units: Vec<u16> = bytes
            .get(2..)
            .unwrap_or_default()
            .chunks_exact(2)
            .map(|c| match c {
                [a, b] if le => u16::from_le_bytes([*a, *b]),
                [a, b] => u16::from_be_bytes([*a, *b]),
                _ => 0,
            })
            .collect();
        return Cow::Owned(String::from_utf16_lossy(&units));
    }
    match std::str::from_utf8(bytes) {
        Ok(s) => Cow::Borrowed(s),
        Err(_) => Cow::Owned(bytes.iter().map(|b| char::from(*b)).collect()),
    }
}

/// Parses a whole document and returns its root element.
pub fn parse(bytes: &[u8]) -> Result<Element, ParseError> {
    let text = decode_text(bytes);
    let mut reader = Reader::from_str(&text);
    reader.config_mut().check_end_names = true;
    let mut stack: Vec<Element> = Vec::new();
    let mut root: Option<Element> = None;
    loop {
        let ev = reader.read_event().map_err(xml_err)?;
        match ev {
            Event::DocType(d) => {
                let d = String::from_utf8_lossy(d.as_ref()).to_ascii_uppercase();
                if d.contains("<!ENTITY") {
                    return Err(ParseError::Xml(
                        "DOCTYPE with entity declarations is not accepted".into(),
                    ));
                }
            }
            Event::Start(s) => {
                if stack.len() >= MAX_DEPTH {
                    return Err(ParseError::Xml("elements nested too deeply".into()));
                }
                stack.push(element(&s)?);
            }
            Event::Empty(s) => {
                let el = element(&s)?;
                match stack.last_mut() {
                    Some(parent) => parent.children.push(el),
                    None if root.is_none() => root = Some(el),
                    None => return Err(ParseError::Xml("more than one root element".into())),
                }
            }
            Event::End(_) => {
                let el = stack
                    .pop()
                    .ok_or_else(|| ParseError::Xml("unbalanced end tag".into()))?;
                match stack.last_mut() {
                    Some(parent) => parent.children.push(el),
                    None if root.is_none() => root = Some(el),
                    None => return Err(ParseError::Xml("more than one root element".into())),
                }
            }
            Event::Text(t) => {
                if let Some(cur) = stack.last_mut() {
                    cur.text.push_str(&t.unescape().map_err(xml_err)?);
                }
            }
            Event::CData(c) => {
                if let Some(cur) = stack.last_mut() {
                    cur.text.push_str(&String::from_utf8_lossy(c.as_ref()));
                }
            }
            Event::Eof => break,
            _ => {}
        }
    }
    if !stack.is_empty() {
        return Err(ParseError::Xml("document ends inside an element".into()));
    }
    root.ok_or_else(|| ParseError::Xml("no root element".into()))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn builds_tree_with_local_names() {
        let root = parse(
            b"<?xml version='1.0'?><a:r xmlns:a='x'><b k='v'>t&amp;<![CDATA[<c>]]></b><b/></a:r>",
        )
        .expect("valid");
        assert_eq!(root.name, "r");
        assert_eq!(root.children_named("b").count(), 2);
        let b = root.child("b").expect("b");
        assert_eq!(b.attr("k"), Some("v"));
        assert_eq!(b.text, "t&<c>");
    }

    #[test]
    fn rejects_entity_declarations_and_garbage() {
        let bomb =
            b"<?xml version='1.0'?><!DOCTYPE l [<!ENTITY a 'aaaa'><!ENTITY b '&a;&a;'>]><l>&b;</l>";
        assert!(parse(bomb).is_err());
        let xxe = b"<!DOCTYPE x [<!ENTITY e SYSTEM 'file:///etc/passwd'>]><x>&e;</x>";
        assert!(parse(xxe).is_err());
        assert!(parse(b"<a><b></a>").is_err());
        assert!(parse(b"").is_err());
        assert!(parse(b"not xml").is_err());
    }

    #[test]
    fn deep_nesting_is_an_error() {
        let doc = "<a>".repeat(10_000);
        assert!(parse(doc.as_bytes()).is_err());
    }
}
