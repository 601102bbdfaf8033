//! Helpers shared by parsers: lenient JSON access, date parsing, CSV.

use chrono::{DateTime, NaiveDate, NaiveDateTime};
use serde_json::Value;
use std::borrow::{Borrow, Cow};
use std::collections::HashMap;
use std::hash::Hash;

use crate::error::ParseError;
use crate::xml::decode_text;

/// Parses a JSON report (UTF-8 with or without BOM).
pub fn parse_json(bytes: &[u8]) -> Result<Value, ParseError> {
    Ok(serde_json::from_str(&json_text(bytes))?)
}

/// The text of a JSON report, without byte-order marks; borrowed from
/// `bytes` when they are UTF-8.
pub fn json_text(bytes: &[u8]) -> Cow<'_, str> {
    const BOM: char = '\u{feff}';
    match decode_text(bytes) {
        Cow::Borrowed(s) => Cow::Borrowed(s.trim_start_matches(BOM)),
        Cow::Owned(s) if s.starts_with(BOM) => Cow::Owned(s.trim_start_matches(BOM).to_string()),
        owned => owned,
    }
}

/// Parses newline-delimited JSON (one object per line), skipping blanks.
pub fn parse_json_lines(bytes: &[u8]) -> Result<Vec<Value>, ParseError> {
    let text = decode_text(bytes);
    text.lines()
        .map(str::trim)
        .filter(|l| !l.is_empty())
        .map(|l| serde_json::from_str(l).map_err(ParseError::from))
        .collect()
}

/// Lenient accessors: reports are loosely typed, and missing or oddly typed
/// fields should degrade to `None` rather than fail the whole import.
pub trait JsonExt {
    fn get_path(&self, path: &str) -> Option<&Value>;
    /// A string field, or a number/bool rendered as text; blank is `None`.
    fn str_at(&self, path: &str) -> Option<String>;
    fn i64_at(&self, path: &str) -> Option<i64>;
    fn f64_at(&self, path: &str) -> Option<f64>;
    fn bool_at(&self, path: &str) -> Option<bool>;
    fn arr_at(&self, path: &str) -> &[Value];
}

impl JsonExt for Value {
    fn get_path(&self, path: &str) -> Option<&Value> {
        path.split('.').try_fold(self, |v, k| v.get(k))
    }

    fn str_at(&self, path: &str) -> Option<String> {
        self.get_path(path).and_then(scalar_string)
    }

    fn i64_at(&self, path: &str) -> Option<i64> {
        match self.get_path(path)? {
            Value::Number(n) => n.as_i64().or_else(|| n.as_f64().map(|f| f as i64)),
            Value::String(s) => s.trim().parse().ok(),
            _ => None,
        }
    }

    fn f64_at(&self, path: &str) -> Option<f64> {
        match self.get_path(path)? {
            Value::Number(n) => n.as_f64(),
            Value::String(s) => s.trim().parse().ok(),
            _ => None,
        }
    }

    fn bool_at(&self, path: &str) -> Option<bool> {
        match self.get_path(path)? {
            Value::Bool(b) => Some(*b),
            Value::String(s) => parse_bool(s),
            Value::Number(n) => n.as_i64().map(|i| i != 0),
            _ => None,
        }
    }

    fn arr_at(&self, path: &str) -> &[Value] {
        match self.get_path(path) {
            Some(Value::Array(a)) => a,
            _ => &[],
        }
    }
}

/// Text of a scalar JSON value; blank strings, null, arrays and objects are `None`.
pub fn scalar_string(v: &Value) -> Option<String> {
    match v {
        Value::String(s) if !is_blank(s) => Some(s.clone()),
        Value::Number(n) => Some(n.to_string()),
        Value::Bool(b) => Some(if *b { "True" } else { "False" }.to_string()),
        _ => None,
    }
}

/// `s.trim().is_empty()`, answered from the first character when it is
/// plainly not whitespace (the common case for long texts).
pub fn is_blank(s: &str) -> bool {
    match s.chars().next() {
        None => true,
        Some(c) if !c.is_whitespace() => false,
        Some(_) => s.trim().is_empty(),
    }
}

pub fn parse_bool(s: &str) -> Option<bool> {
    match s.trim().to_ascii_lowercase().as_str() {
        "true" | "yes" | "y" | "1" | "t" => Some(true),
        "false" | "no" | "n" | "0" | "f" => Some(false),
        _ => None,
    }
}

/// Parses the date formats scanners use, keeping the calendar day written in
/// the report (no time-zone conversion, as DefectDojo keeps the offset).
pub fn parse_date(s: &str) -> Option<NaiveDate> {
    parse_datetime(s).map(|dt| dt.date())
}

/// Like [`parse_date`] with the time of day when the report gives one.
pub fn parse_datetime(s: &str) -> Option<NaiveDateTime> {
    let s = s.trim();
    if s.is_empty() {
        return None;
    }
    // Fast path for the most common spelling, a bare ISO day: every format
    // below that could accept it would read it as this same day.
    if let Some(d) = iso_day(s) {
        return d.and_hms_opt(0, 0, 0);
    }
    if let Ok(dt) = DateTime::parse_from_rfc3339(s) {
        return Some(dt.naive_local());
    }
    if let Ok(dt) = DateTime::parse_from_rfc2822(s) {
        return Some(dt.naive_local());
    }
    const TZ_FORMATS: &[&str] = &[
        "%Y-%m-%dT%H:%M:%S%.f%z",
        "%Y-%m-%d %H:%M:%S%.f%z",
        "%Y-%m-%d %H:%M:%S%.f %z",
        "%Y-%m-%dT%H:%M:%S%.f%:z",
        "%a %b %d %H:%M:%S %z %Y",
    ];
    for f in TZ_FORMATS {
        if let Ok(dt) = DateTime::parse_from_str(s, f) {
            return Some(dt.naive_local());
        }
    }
    const FORMATS: &[&str] = &[
        "%Y-%m-%dT%H:%M:%S%.f",
        "%Y-%m-%d %H:%M:%S%.f",
        "%Y-%m-%dT%H:%M",
        "%Y-%m-%d %H:%M",
        "%Y/%m/%d %H:%M:%S",
        "%m/%d/%Y %H:%M:%S",
        "%m/%d/%Y %I:%M:%S %p",
        "%m/%d/%Y %H:%M",
        "%d/%m/%Y %H:%M:%S",
        "%a %b %d %H:%M:%S %Y",
        "%a, %d %b %Y %H:%M:%S",
        "%d %b %Y %H:%M:%S",
        "%b %d, %Y %H:%M:%S",
        "%b %d, %Y, %I:%M:%S %p",
        "%Y%m%dT%H%M%S",
        "%A, %B %d, %Y %I:%M:%S %p",
    ];
    for f in FORMATS {
        if let Ok(dt) = NaiveDateTime::parse_from_str(s, f) {
            return Some(dt);
        }
    }
    const DATE_FORMATS: &[&str] = &[
        "%Y-%m-%d",
        "%Y/%m/%d",
        "%m/%d/%Y",
        "%d/%m/%Y",
        "%d.%m.%Y",
        "%d %b %Y",
        "%d %B %Y",
        "%b %d, %Y",
        "%B %d, %Y",
        "%b %d %Y",
        "%Y%m%d",
        "%d-%m-%Y",
        "%d-%b-%Y",
    ];
    for f in DATE_FORMATS {
        if let Ok(d) = NaiveDate::parse_from_str(s, f) {
            return d.and_hms_opt(0, 0, 0);
        }
    }
    // Timestamps with trailing zone names ("... UTC") or fractional noise:
    // fall back to a leading ISO day.
    let head: String = s.chars().take(10).collect();
    if let Ok(d) = NaiveDate::parse_from_str(&head, "%Y-%m-%d") {
        return d.and_hms_opt(0, 0, 0);
    }
    None
}

/// `YYYY-MM-DD` exactly, without going through chrono's format parser.
fn iso_day(s: &str) -> Option<NaiveDate> {
    let b = s.as_bytes();
    let digits = |r: std::ops::Range<usize>| {
        b.get(r).and_then(|d| {
            d.iter().try_fold(0u32, |n, c| {
                c.is_ascii_digit().then(|| n * 10 + u32::from(c - b'0'))
            })
        })
    };
    if b.len() != 10 || b.get(4) != Some(&b'-') || b.get(7) != Some(&b'-') {
        return None;
    }
    let year = i32::try_from(digits(0..4)?).ok()?;
    NaiveDate::from_ymd_opt(year, digits(5..7)?, digits(8..10)?)
}

/// Items folded by a key, in first-seen order: DefectDojo's parsers collect
/// findings in an insertion-ordered dict. Lookups are hashed, so folding n
/// items costs O(n) rather than a linear scan per item.
#[derive(Debug)]
pub struct Folded<K, V> {
    index: HashMap<K, usize>,
    items: Vec<V>,
}

impl<K: Hash + Eq, V> Default for Folded<K, V> {
    fn default() -> Self {
        Folded {
            index: HashMap::new(),
            items: Vec::new(),
        }
    }
}

impl<K: Hash + Eq, V> Folded<K, V> {
    pub fn new() -> Self {
        Self::default()
    }

    /// The item already stored under `key`.
    pub fn get_mut<Q>(&mut self, key: &Q) -> Option<&mut V>
    where
        K: Borrow<Q>,
        Q: Hash + Eq + ?Sized,
    {
        let i = *self.index.get(key)?;
        self.items.get_mut(i)
    }

    pub fn contains<Q>(&self, key: &Q) -> bool
    where
        K: Borrow<Q>,
        Q: Hash + Eq + ?Sized,
    {
        self.index.contains_key(key)
    }

    /// Appends `value` under a key not seen before; an existing key keeps
    /// its place and gets the new value (a Python dict assignment).
    pub fn insert(&mut self, key: K, value: V) {
        match self.index.get(&key).and_then(|i| self.items.get_mut(*i)) {
            Some(slot) => *slot = value,
            None => {
                self.index.insert(key, self.items.len());
                self.items.push(value);
            }
        }
    }

    pub fn len(&self) -> usize {
        self.items.len()
    }

    pub fn is_empty(&self) -> bool {
        self.items.is_empty()
    }

    /// The items in first-seen order.
    pub fn into_values(self) -> Vec<V> {
        self.items
    }
}

/// Reads a CSV report into header-keyed rows. Headers keep their spaces, as
/// Python's DictReader does, so a stray " Url" column is not "Url".
pub fn read_csv(bytes: &[u8], delimiter: u8) -> Result<Vec<Vec<(String, String)>>, ParseError> {
    let text = decode_text(bytes);
    let mut rdr = csv::ReaderBuilder::new()
        .delimiter(delimiter)
        .flexible(true)
        .from_reader(text.as_bytes());
    let headers: Vec<String> = rdr
        .headers()?
        .iter()
        .map(|h| h.trim_start_matches('\u{feff}').to_string())
        .collect();
    let mut rows = Vec::new();
    for rec in rdr.records() {
        let rec = rec?;
        let row = headers
            .iter()
            .cloned()
            .zip(rec.iter().map(str::to_string))
            .collect();
        rows.push(row);
    }
    Ok(rows)
}

/// Looks up a CSV cell by header name.
pub fn cell<'a>(row: &'a [(String, String)], name: &str) -> Option<&'a str> {
    row.iter().find(|(k, _)| k == name).map(|(_, v)| v.as_str())
}

/// A non-blank CSV cell.
pub fn cell_opt(row: &[(String, String)], name: &str) -> Option<String> {
    cell(row, name)
        .filter(|v| !v.trim().is_empty())
        .map(str::to_string)
}

/// Parses "CWE-79", "79" or "cwe-79: text" into 79.
pub fn parse_cwe(s: &str) -> Option<u32> {
    let t = s.trim();
    let t = t
        .strip_prefix("CWE-")
        .or_else(|| t.strip_prefix("cwe-"))
        .or_else(|| t.strip_prefix("CWE"))
        .unwrap_or(t)
        .trim_start();
    let digits: String = t.chars().take_while(char::is_ascii_digit).collect();
    digits.parse().ok()
}

/// Every `CVE-YYYY-NNNN…` identifier in a text, in order.
pub fn find_cves(text: &str) -> Vec<String> {
    let mut out = Vec::new();
    let mut rest = text;
    while let Some(i) = rest.find("CVE-") {
        let tail = rest.get(i + 4..).unwrap_or_default();
        let year: String = tail.chars().take_while(char::is_ascii_digit).collect();
        let after = tail.get(year.len()..).unwrap_or_default();
        let num: String = after
            .strip_prefix('-')
            .map(|a| a.chars().take_while(char::is_ascii_digit).collect())
            .unwrap_or_default();
        if year.len() == 4 && (4..=7).contains(&num.len()) {
            out.push(format!("CVE-{year}-{num}"));
        }
        rest = tail;
    }
    out
}

/// Python's `str.title()` for a single word: "HIGH" → "High".
pub fn title_case(s: &str) -> String {
    let lower = s.to_lowercase();
    let mut c = lower.chars();
    match c.next() {
        Some(f) => f.to_uppercase().chain(c).collect(),
        None => String::new(),
    }
}

/// Python's `textwrap.shorten(s, width)`: whitespace collapses, words may
/// break after a hyphen, and a cut text ends in " [...]".
pub fn shorten(s: &str, width: usize) -> String {
    shorten_with(s, width, " [...]")
}

/// [`shorten`] with another placeholder, appended right after the last word.
pub fn shorten_with(s: &str, width: usize, marker: &str) -> String {
    // The words joined by single spaces; a long text is only joined as far
    // as the cut below can look (two characters past `width`).
    let mut joined = String::new();
    let mut count = 0;
    for word in s.split_whitespace() {
        if !joined.is_empty() {
            joined.push(' ');
            count += 1;
        }
        joined.push_str(word);
        count += word.chars().count();
        if count > width + 3 {
            break;
        }
    }
    if count <= width {
        return joined;
    }
    let limit = width.saturating_sub(marker.len());
    // Candidate cut points: ends of words and positions right after a
    // hyphen between letters, as textwrap's word splitter allows.
    let chars: Vec<char> = joined.chars().take(limit + 3).collect();
    let mut best = 0;
    for i in 1..=chars.len().min(limit) {
        let prev = chars.get(i - 1).copied().unwrap_or(' ');
        let next = chars.get(i).copied();
        let word_end = prev != ' ' && matches!(next, None | Some(' '));
        // textwrap only splits "ab-cd": two letters before, letters after.
        let letter = |j: usize| chars.get(j).is_some_and(|c| c.is_alphabetic());
        let hyphen = prev == '-'
            && i >= 3
            && letter(i - 2)
            && letter(i - 3)
            && letter(i)
            && (letter(i + 1) || (chars.get(i + 1) == Some(&'-') && letter(i + 2)));
        if word_end || hyphen {
            best = i;
        }
    }
    if best == 0 {
        return marker.trim_start().to_string();
    }
    let mut out: String = chars.iter().take(best).collect();
    out.push_str(marker);
    out
}

/// Truncates to at most `max` characters (DefectDojo's title column is 511).
pub fn truncate_chars(s: &str, max: usize) -> String {
    s.chars().take(max).collect()
}

/// Strips HTML tags and decodes the common entities, for fields that scanners
/// fill with HTML fragments.
pub fn strip_html(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    let mut in_tag = false;
    for c in s.chars() {
        match c {
            '<' => in_tag = true,
            '>' if in_tag => in_tag = false,
            _ if !in_tag => out.push(c),
            _ => {}
        }
    }
    out.replace("&lt;", "<")
        .replace("&gt;", ">")
        .replace("&quot;", "\"")
        .replace("&#39;", "'")
        .replace("&nbsp;", " ")
        .replace("&amp;", "&")
}

/// Python's `repr()` of a JSON value: DefectDojo builds some ids by
/// formatting a parsed dict, so matching ids needs the same spelling.
pub fn py_repr(v: &Value) -> String {
    fn quote(s: &str) -> String {
        let q = if s.contains('\'') && !s.contains('"') {
            '"'
        } else {
            '\''
        };
        let mut out = String::with_capacity(s.len() + 2);
        out.push(q);
        for c in s.chars() {
            match c {
                '\\' => out.push_str("\\\\"),
                '\n' => out.push_str("\\n"),
                '\r' => out.push_str("\\r"),
                '\t' => out.push_str("\\t"),
                c if c == q => {
                    out.push('\\');
                    out.push(c);
                }
                c => out.push(c),
            }
        }
        out.push(q);
        out
    }
    match v {
        Value::Null => "None".into(),
        Value::Bool(true) => "True".into(),
        Value::Bool(false) => "False".into(),
        Value::Number(n) => n.to_string(),
        Value::String(s) => quote(s),
        Value::Array(a) => format!("[{}]", a.iter().map(py_repr).collect::<Vec<_>>().join(", ")),
        Value::Object(o) => format!(
            "{{{}}}",
            o.iter()
                .map(|(k, v)| format!("{}: {}", quote(k), py_repr(v)))
                .collect::<Vec<_>>()
                .join(", ")
        ),
    }
}

/// Decodes `%XX` escapes; invalid escapes stay as written and invalid UTF-8
/// becomes U+FFFD.
pub fn percent_decode(s: &str) -> String {
    let bytes = s.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while let Some(&b) = bytes.get(i) {
        if b == b'%' {
            if let Some(v) = bytes
                .get(i + 1..i + 3)
                .and_then(|h| std::str::from_utf8(h).ok())
                .and_then(|h| u8::from_str_radix(h, 16).ok())
            {
                out.push(v);
                i += 3;
                continue;
            }
        }
        out.push(b);
        i += 1;
    }
    String::from_utf8_lossy(&out).into_owned()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn dates_keep_the_written_day() {
        let d = |s| parse_date(s).map(|d| d.to_string());
        assert_eq!(
            d("2021-03-04T23:30:00-05:00").as_deref(),
            Some("2021-03-04")
        );
        assert_eq!(d("2021-03-04 10:00:00").as_deref(), Some("2021-03-04"));
        assert_eq!(d("03/04/2021").as_deref(), Some("2021-03-04"));
        assert_eq!(
            d("Thu, 04 Mar 2021 10:00:00 GMT").as_deref(),
            Some("2021-03-04")
        );
        assert_eq!(d("nonsense"), None);
    }

    #[test]
    fn iso_day_fast_path_agrees_with_chrono() {
        for s in [
            "2024-05-17",
            "2024-02-29",
            "2023-02-29",
            "0000-01-01",
            "2024-1-017",
            "20240517",
        ] {
            let chrono = NaiveDate::parse_from_str(s, "%Y-%m-%d").ok();
            if s.len() == 10 {
                assert_eq!(iso_day(s), chrono, "{s}");
            }
        }
        assert_eq!(iso_day("2024-13-01"), None);
        assert_eq!(parse_date("2023-02-29"), None);
    }

    #[test]
    fn folded_keeps_first_seen_order() {
        let mut f = Folded::new();
        f.insert("b", 1);
        f.insert("a", 2);
        f.insert("b", 3);
        if let Some(v) = f.get_mut("a") {
            *v += 10;
        }
        assert_eq!(f.len(), 2);
        assert_eq!(f.into_values(), vec![3, 12]);
    }

    #[test]
    fn cwe_forms() {
        assert_eq!(parse_cwe("CWE-79"), Some(79));
        assert_eq!(parse_cwe("89"), Some(89));
        assert_eq!(parse_cwe("x"), None);
    }

    #[test]
    fn py_repr_matches_python() {
        let v: Value = serde_json::json!({"a": [1, true, null], "b": "it's"});
        assert_eq!(py_repr(&v), "{'a': [1, True, None], 'b': \"it's\"}");
    }

    #[test]
    fn percent_decode_keeps_bad_escapes() {
        assert_eq!(percent_decode("a%3db%2"), "a=b%2");
        assert_eq!(percent_decode("%zz%20"), "%zz ");
    }

    #[test]
    fn shorten_matches_joining_everything_first() {
        // The straightforward version: join every word, then cut.
        fn reference(s: &str, width: usize, marker: &str) -> String {
            let joined = s.split_whitespace().collect::<Vec<_>>().join(" ");
            if joined.chars().count() <= width {
                return joined;
            }
            let limit = width.saturating_sub(marker.len());
            let chars: Vec<char> = joined.chars().collect();
            let letter = |j: usize| chars.get(j).is_some_and(|c| c.is_alphabetic());
            let mut best = 0;
            for i in 1..=chars.len().min(limit) {
                let prev = chars.get(i - 1).copied().unwrap_or(' ');
                let next = chars.get(i).copied();
                let word_end = prev != ' ' && matches!(next, None | Some(' '));
                let hyphen = prev == '-'
                    && i >= 3
                    && letter(i - 2)
                    && letter(i - 3)
                    && letter(i)
                    && (letter(i + 1) || (chars.get(i + 1) == Some(&'-') && letter(i + 2)));
                if word_end || hyphen {
                    best = i;
                }
            }
            if best == 0 {
                return marker.trim_start().to_string();
            }
            let mut out: String = chars.iter().take(best).collect();
            out.push_str(marker);
            out
        }
        let long = "word-split  text\twith \u{e9}t\u{e9} many words ".repeat(20);
        for width in [0, 1, 5, 10, 11, 12, 13, 20, 50, 149, 150, 151, 1000] {
            for s in [
                long.as_str(),
                "a b",
                "  lead and trail  ",
                "ab-cd-ef-gh-ij-kl-mn",
            ] {
                assert_eq!(
                    shorten_with(s, width, " [...]"),
                    reference(s, width, " [...]"),
                    "{width} {s:?}"
                );
            }
        }
    }

    #[test]
    fn shorten_with_plain_placeholder() {
        assert_eq!(shorten_with("CVE-1: libxml2 - 2", 10, "..."), "CVE-1:...");
        assert_eq!(shorten_with(&"x".repeat(300), 200, "..."), "...");
    }
}
