//! Nikto web-server scanner reports, JSON or XML.

use serde_json::Value;
use std::collections::HashMap;

use crate::endpoint::Endpoint;
use crate::error::ParseError;
use crate::finding::{Finding, ParseOutput};
use crate::registry::Input;
use crate::util::{parse_json, scalar_string, Folded, JsonExt};
use crate::xml::{self, Element};

pub fn parse(input: &Input<'_>) -> Result<ParseOutput, ParseError> {
    let findings = if input.extension() == "json" {
        json_findings(input.bytes)?
    } else {
        xml_findings(input.bytes)?
    };
    Ok(ParseOutput::single(findings))
}

fn json_findings(bytes: &[u8]) -> Result<Vec<Finding>, ParseError> {
    let mut data = parse_json(bytes)?;
    if let Value::Array(a) = &mut data {
        if a.len() == 1 {
            data = a.remove(0);
        }
    }
    let host = data.str_at("host");
    let port = data.i64_at("port").and_then(|p| u16::try_from(p).ok());
    let mut out: Folded<(String, String), Finding> = Folded::new();
    for v in data.arr_at("vulnerabilities") {
        let msg = v.str_at("msg").unwrap_or_default();
        let mut description = format!(
            "**id:** `{}`\n**msg:** `{msg}`\n**HTTP Method:** `{}`",
            v.str_at("id").unwrap_or_else(|| "None".into()),
            v.str_at("method").unwrap_or_else(|| "None".into())
        );
        let osvdb = v.get("OSVDB").and_then(scalar_string);
        if let Some(o) = &osvdb {
            description.push_str(&format!("\n**OSVDB:** `{o}`"));
        }
        let mut f = Finding::new_dynamic(msg, "Info");
        f.vuln_id_from_tool = v.str_at("id");
        f.nb_occurences = Some(1);
        f.references = v.str_at("references");
        // An OSVDB reference means a catalogued vulnerability, not just a
        // banner or header observation.
        if let Some(o) = osvdb.filter(|o| o != "0") {
            f.unique_id_from_tool = Some(format!("OSVDB-{o}"));
            description
                .push_str("\n*This finding is marked as medium as there is a link to OSVDB*");
            f.severity = "Medium".into();
        }
        f.description = description;
        let endpoint = Endpoint {
            host: host.clone(),
            port,
            path: v.str_at("url"),
            ..Endpoint::default()
        };
        let key = (f.severity.clone(), f.title.clone());
        match out.get_mut(&key) {
            Some(o) => {
                o.description
                    .push_str(&format!("\n-----\n{}", f.description));
                o.endpoints.push(endpoint);
                // An aggregated finding no longer stands for one tool id.
                o.unique_id_from_tool = None;
                o.vuln_id_from_tool = None;
                o.nb_occurences = Some(o.nb_occurences.unwrap_or(1) + 1);
            }
            None => {
                f.endpoints.push(endpoint);
                out.insert(key, f);
            }
        }
    }
    Ok(out.into_values())
}

/// The first sentence: text up to the first whitespace after "." or "?",
/// not counting abbreviations such as "e.g." or "Mr.".
fn first_sentence(s: &str) -> String {
    let chars: Vec<char> = s.chars().collect();
    let word = |i: usize| {
        chars
            .get(i)
            .is_some_and(|c| c.is_alphanumeric() || *c == '_')
    };
    for (i, c) in chars.iter().enumerate() {
        if !c.is_whitespace() || i == 0 {
            continue;
        }
        let prev = chars.get(i - 1).copied().unwrap_or(' ');
        if prev != '.' && prev != '?' {
            continue;
        }
        let dotted = i >= 4 && word(i - 4) && chars.get(i - 3) == Some(&'.') && word(i - 2);
        let title_abbrev = i >= 3
            && chars.get(i - 3).is_some_and(char::is_ascii_uppercase)
            && chars.get(i - 2).is_some_and(char::is_ascii_lowercase)
            && prev == '.';
        if !dotted && !title_abbrev {
            return chars.iter().take(i.min(900)).collect();
        }
    }
    chars.iter().take(900).collect()
}

fn xml_findings(bytes: &[u8]) -> Result<Vec<Finding>, ParseError> {
    let root = xml::parse(bytes)?;
    let mut out: Vec<Finding> = Vec::new();
    // Index in `out` by first description; see `xml_fold_target`.
    let mut by_description: HashMap<String, usize> = HashMap::new();
    let mut separator_seen = false;
    let scans: Vec<&Element> = match root.child("scandetails") {
        Some(s) => vec![s],
        None => root
            .children_named("niktoscan")
            .flat_map(|n| n.children_named("scandetails"))
            .collect(),
    };
    for scan in scans {
        for item in scan.children_named("item") {
            let desc = item
                .child("description")
                .map(|d| d.text.clone())
                .unwrap_or_default();
            let iplink = item
                .child("iplink")
                .map(|d| d.text.clone())
                .unwrap_or_default();
            let description = format!(
                "**Host:** `{iplink}`\n**Description:** `{desc}`\n**HTTP Method:** `{}`",
                item.attr("method").unwrap_or("None")
            );
            let severity = match item.attr("osvdbid") {
                Some(o) if o != "0" => "Medium",
                _ => "Info",
            };
            let mut f = Finding::new_dynamic(first_sentence(&desc), severity);
            f.vuln_id_from_tool = item.attr("id").map(str::to_string);
            f.nb_occurences = Some(1);
            f.description = description;
            let ep = Endpoint::from_uri(&iplink);
            // DefectDojo drops links it cannot parse (e.g. "http://:/x").
            if ep.is_valid() {
                f.endpoints.push(ep);
            }
            let target = xml_fold_target(&out, &by_description, separator_seen, &f.description);
            match target.and_then(|i| out.get_mut(i)) {
                Some(o) => {
                    o.description
                        .push_str(&format!("\n-----\n{}", f.description));
                    o.endpoints.append(&mut f.endpoints);
                    o.nb_occurences = Some(o.nb_occurences.unwrap_or(1) + 1);
                }
                None => {
                    separator_seen |= f.description.contains(SEPARATOR);
                    by_description.insert(f.description.clone(), out.len());
                    out.push(f);
                }
            }
        }
    }
    Ok(out)
}

const SEPARATOR: &str = "\n-----\n";

/// The finding an XML item folds into: DefectDojo merges an item into the
/// first finding whose description equals the item's or starts with it
/// followed by the separator. Without a separator inside any description,
/// only the exact match can hold, which a hash lookup finds.
fn xml_fold_target(
    out: &[Finding],
    by_description: &HashMap<String, usize>,
    separator_seen: bool,
    description: &str,
) -> Option<usize> {
    if !separator_seen && !description.contains(SEPARATOR) {
        return by_description.get(description).copied();
    }
    let prefix = format!("{description}{SEPARATOR}");
    out.iter()
        .position(|o| o.description == description || o.description.starts_with(&prefix))
}
