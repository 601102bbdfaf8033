//! Nikto web-server scanner reports, JSON or XML.

use serde_json::Value;

use crate::endpoint::Endpoint;
use crate::error::ParseError;
use crate::finding::{Finding, ParseOutput};
use crate::registry::Input;
use crate::util::{parse_json, scalar_string, JsonExt};
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
    let mut out: Vec<Finding> = Vec::new();
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
        match out
            .iter_mut()
            .find(|o| o.severity == f.severity && o.title == f.title)
        {
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
                out.push(f);
            }
        }
    }
    Ok(out)
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
            match out.iter_mut().find(|o| {
                o.description == f.description
                    || o.description
                        .starts_with(&format!("{}\n-----\n", f.description))
            }) {
                Some(o) => {
                    o.description
                        .push_str(&format!("\n-----\n{}", f.description));
                    o.endpoints.append(&mut f.endpoints);
                    o.nb_occurences = Some(o.nb_occurences.unwrap_or(1) + 1);
                }
                None => out.push(f),
            }
        }
    }
    Ok(out)
}
