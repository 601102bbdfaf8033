//! Qualys Web Application Scanning (WAS) XML reports: scan reports
//! (`WAS_SCAN_REPORT`) and web application reports (`WAS_WEBAPP_REPORT`).
//! Findings are folded by QID; the glossary supplies their text.

use std::collections::HashMap;

use chrono::{DateTime, FixedOffset, NaiveDateTime};

use crate::endpoint::Endpoint;
use crate::error::ParseError;
use crate::finding::{Finding, ParseOutput};
use crate::registry::Input;
use crate::util::Folded;
use crate::xml::{self, Element};

pub fn parse(input: &Input<'_>) -> Result<ParseOutput, ParseError> {
    let root = xml::parse(input.bytes)?;
    let app_report = root.name == "WAS_WEBAPP_REPORT";
    let results = if app_report {
        root.path("RESULTS/WEB_APPLICATION")
    } else {
        root.child("RESULTS")
    };
    let vulns = items(results, "VULNERABILITY_LIST", "VULNERABILITY");
    let infos = items(results, "INFORMATION_GATHERED_LIST", "INFORMATION_GATHERED");
    // First entry per QID, as Python's `list.index` finds it.
    let mut glossary: HashMap<i64, &Element> = HashMap::new();
    for g in root
        .path("GLOSSARY/QID_LIST")
        .into_iter()
        .flat_map(|l| l.children_named("QID"))
    {
        if let Some(q) = qid_of(g) {
            glossary.entry(q).or_insert(g);
        }
    }
    let mut first_info: HashMap<i64, &Element> = HashMap::new();
    for &i in &infos {
        if let Some(q) = qid_of(i) {
            first_info.entry(q).or_insert(i);
        }
    }

    let mut out: Folded<i64, Finding> = Folded::new();
    for (qid, mut f) in collect(&vulns, false, app_report)? {
        if let Some(g) = glossary.get(&qid) {
            apply_glossary(g, &mut f, false);
            out.insert(qid, f);
        }
    }
    for (qid, mut f) in collect(&infos, true, app_report)? {
        if let Some(g) = glossary.get(&qid) {
            apply_glossary(g, &mut f, true);
        }
        if let Some(info) = first_info.get(&qid) {
            if let Some(data) = info.child("DATA") {
                f.description.push_str("\n\n");
                f.description.push_str(&decode(data));
            }
            out.insert(qid, f);
        }
    }
    Ok(ParseOutput::single(out.into_values()))
}

fn items<'a>(results: Option<&'a Element>, list: &'a str, item: &'a str) -> Vec<&'a Element> {
    results
        .into_iter()
        .flat_map(|r| r.children_named(list))
        .flat_map(|l| l.children_named(item))
        .collect()
}

fn qid_of(el: &Element) -> Option<i64> {
    el.child_text("QID")?.parse().ok()
}

/// Qualys WAS dates: `12 Mar 2020 04:42PM GMT-0400` or without offset.
fn parse_date(s: &str) -> Option<DateTime<FixedOffset>> {
    let s = s.trim();
    if let Some(naive) = s.strip_suffix("GMT") {
        return NaiveDateTime::parse_from_str(naive.trim(), "%d %b %Y %I:%M%p")
            .ok()
            .map(|d| d.and_utc().fixed_offset());
    }
    let (head, offset) = s.rsplit_once("GMT")?;
    DateTime::parse_from_str(
        &format!("{} {}", head.trim(), offset.trim()),
        "%d %b %Y %I:%M%p %z",
    )
    .ok()
}

/// Vulnerabilities (or information-gathered items) folded by QID, in
/// first-seen order, each with its endpoints and request/response pairs.
fn collect(
    items: &[&Element],
    is_info: bool,
    app_report: bool,
) -> Result<Vec<(i64, Finding)>, ParseError> {
    let mut out: Vec<(i64, Finding)> = Vec::new();
    let mut index: HashMap<i64, usize> = HashMap::new();
    let mut dates: HashMap<i64, DateTime<FixedOffset>> = HashMap::new();
    for item in items {
        let qid = qid_of(item).ok_or_else(|| ParseError::MissingField("QID".into()))?;
        let mut urls: Vec<String> = item
            .child("URL")
            .map(|u| u.text.clone())
            .into_iter()
            .collect();
        if let Some(path) = item.child("ACCESS_PATH") {
            urls.extend(path.descendants("URL").into_iter().map(|u| u.text.clone()));
        }
        let pairs: Vec<(String, String)> = item
            .children_named("PAYLOADS")
            .take(1)
            .flat_map(|p| p.descendants("PAYLOAD"))
            .filter(|p| p.child("REQUEST").is_some() || p.child("RESPONSE").is_some())
            .map(|p| (request(p.child("REQUEST")), response(p.child("RESPONSE"))))
            .collect();
        let date_field = if is_info {
            "LAST_TIME_DETECTED"
        } else if app_report {
            "FIRST_TIME_DETECTED"
        } else {
            "DETECTION_DATE"
        };
        let date = item.child(date_field).and_then(|d| parse_date(&d.text));

        let idx = *index.entry(qid).or_insert_with(|| {
            let mut f = Finding::new_dynamic("", "Info");
            f.vuln_id_from_tool = Some(qid.to_string());
            out.push((qid, f));
            out.len() - 1
        });
        if let Some(d) = date {
            // The earliest detection dates the finding.
            if dates.get(&qid).is_none_or(|old| d < *old) {
                dates.insert(qid, d);
            }
        }
        if let Some((_, f)) = out.get_mut(idx) {
            f.date = dates.get(&qid).map(|d| d.naive_local().date());
            f.endpoints
                .extend(urls.iter().map(|u| Endpoint::from_uri(u)));
            f.req_resp.extend(
                pairs
                    .into_iter()
                    .filter(|(q, r)| !q.is_empty() || !r.is_empty()),
            );
        }
    }
    Ok(out)
}

fn request(req: Option<&Element>) -> String {
    let Some(req) = req else {
        return String::new();
    };
    let text = |el: &Element, name: &str| {
        el.child(name)
            .map_or_else(|| "None".to_string(), |c| c.text.clone())
    };
    let mut out = format!("{}: {}\n", text(req, "METHOD"), text(req, "URL"));
    if let Some(headers) = req.child("HEADERS") {
        for h in headers.descendants("HEADER") {
            out.push_str(&format!("{}: {}\n", text(h, "key"), text(h, "value")));
        }
    }
    if let Some(body) = req.child("BODY") {
        out.push_str(&format!("BODY: {}\n", body.text));
    }
    out
}

fn response(resp: Option<&Element>) -> String {
    resp.and_then(|r| r.child("CONTENTS"))
        .map(decode)
        .unwrap_or_default()
}

/// An element's text, base64-decoded when it says so.
fn decode(el: &Element) -> String {
    if el.attr("base64") == Some("true") {
        String::from_utf8_lossy(&base64_decode(&el.text)).into_owned()
    } else {
        el.text.clone()
    }
}

/// Standard base64, ignoring whitespace and stopping at padding or junk.
fn base64_decode(s: &str) -> Vec<u8> {
    let value = |c: u8| -> Option<u32> {
        Some(u32::from(match c {
            b'A'..=b'Z' => c - b'A',
            b'a'..=b'z' => c - b'a' + 26,
            b'0'..=b'9' => c - b'0' + 52,
            b'+' => 62,
            b'/' => 63,
            _ => return None,
        }))
    };
    let mut out = Vec::with_capacity(s.len() * 3 / 4);
    let mut acc = 0u32;
    let mut bits = 0;
    for c in s.bytes().filter(|c| !c.is_ascii_whitespace()) {
        let Some(v) = value(c) else {
            break;
        };
        acc = (acc << 6) | v;
        bits += 6;
        if bits >= 8 {
            bits -= 8;
            out.push(((acc >> bits) & 0xff) as u8);
        }
    }
    out
}

/// Severities 1-5; level 1 shows as Low in the Qualys portal.
const SEVERITIES: [&str; 5] = ["Low", "Low", "Medium", "High", "Critical"];

fn apply_glossary(g: &Element, f: &mut Finding, is_info: bool) {
    if let Some(t) = g.child("TITLE") {
        f.title = t.text.clone();
    }
    if let Some(s) = g.child("SEVERITY") {
        // Information gathered and scan diagnostics are informational.
        f.severity = if is_info {
            "Info".into()
        } else {
            s.text
                .trim()
                .parse::<usize>()
                .ok()
                .and_then(|n| n.checked_sub(1))
                .and_then(|i| SEVERITIES.get(i))
                .copied()
                .unwrap_or("Info")
                .to_string()
        };
    }
    if let Some(d) = g.child("DESCRIPTION") {
        f.description = d.text.clone();
    }
    if let Some(i) = g.child("IMPACT") {
        f.impact = Some(i.text.clone());
    }
    if let Some(s) = g.child("SOLUTION") {
        f.mitigation = Some(s.text.clone());
    }
    if let Some(c) = g.child("CWE") {
        let lower = c.text.to_ascii_lowercase();
        f.cwe = lower.find("cwe-").and_then(|i| {
            let digits: String = lower
                .get(i + 4..)
                .unwrap_or_default()
                .chars()
                .take_while(char::is_ascii_digit)
                .collect();
            digits.parse().ok()
        });
    }
}
