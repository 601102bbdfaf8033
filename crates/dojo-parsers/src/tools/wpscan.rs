//! WPScan (WordPress scanner) JSON output: plugin and core vulnerabilities,
//! plus "interesting findings".

use serde_json::Value;

use crate::endpoint::Endpoint;
use crate::error::ParseError;
use crate::finding::{Finding, ParseOutput};
use crate::registry::Input;
use crate::util::{parse_json, scalar_string, Folded, JsonExt};

pub fn parse(input: &Input<'_>) -> Result<ParseOutput, ParseError> {
    let tree = parse_json(input.bytes)?;
    let date = tree
        .i64_at("start_time")
        .and_then(|t| chrono::DateTime::from_timestamp(t, 0))
        .map(|d| d.date_naive());
    let mut out: Folded<String, Finding> = Folded::new();
    if let Some(plugins) = tree.get("plugins").and_then(Value::as_object) {
        for (name, node) in plugins {
            vulnerabilities(
                node.arr_at("vulnerabilities"),
                Some(node),
                Some(name),
                date,
                &mut out,
            );
        }
    }
    if let Some(version) = tree.get("version").filter(|v| v.is_object()) {
        vulnerabilities(
            version.arr_at("vulnerabilities"),
            None,
            None,
            date,
            &mut out,
        );
    }
    for item in tree.arr_at("interesting_findings") {
        let url = item.str_at("url").unwrap_or_default();
        let mut f = Finding::new_dynamic(
            format!(
                "Interesting finding: {}",
                item.str_at("to_s").unwrap_or_else(|| "None".into())
            ),
            "Info",
        );
        f.description = format!(
            "**Type:** `{}`\n\n**Url:** `{url}`\n",
            item.str_at("type").unwrap_or_default()
        );
        f.references = Some(references(item.get("references")));
        f.scanner_confidence = confidence(item.i64_at("confidence"));
        f.endpoints.push(Endpoint::from_uri(&url));
        f.date = date;
        let key = format!("interesting_findings{}{url}", f.title);
        upsert(&mut out, key, f);
    }
    Ok(ParseOutput::single(out.into_values()))
}

fn upsert(out: &mut Folded<String, Finding>, key: String, f: Finding) {
    match out.get_mut(&key) {
        Some(o) => {
            if let (Some(a), Some(b)) = (o.references.as_mut(), f.references.as_ref()) {
                a.push_str(b);
            }
            o.nb_occurences = Some(o.nb_occurences.unwrap_or(1) + f.nb_occurences.unwrap_or(1));
        }
        None => out.insert(key, f),
    }
}

/// WPScan confidence runs 0–100 (certain); DefectDojo's scale is inverted 0–10.
fn confidence(v: Option<i64>) -> Option<i64> {
    v.map(|c| 10 - ((c as f64) / 10.0).round() as i64)
}

fn references(node: Option<&Value>) -> String {
    let mut out = String::new();
    if let Some(map) = node.and_then(Value::as_object) {
        for (kind, items) in map {
            for item in items.as_array().map(Vec::as_slice).unwrap_or_default() {
                let item = scalar_string(item).unwrap_or_default();
                out.push_str(&match kind.as_str() {
                    "url" => format!("* [{item}]({item})\n"),
                    "wpvulndb" => {
                        format!("* [WPScan WPVDB](https://wpscan.com/vulnerability/{item})\n")
                    }
                    _ => format!("* {item} - {kind}\n"),
                });
            }
        }
    }
    out
}

fn vulnerabilities(
    vulns: &[Value],
    node: Option<&Value>,
    plugin: Option<&String>,
    date: Option<chrono::NaiveDate>,
    out: &mut Folded<String, Finding>,
) {
    for vul in vulns {
        let title = vul.str_at("title").unwrap_or_default();
        let mut description = format!("**Title:** `{title}`\n");
        if let Some(loc) = node.and_then(|n| n.str_at("location")) {
            description.push_str(&format!("**Location:** `{loc}`\n"));
        }
        if let Some(p) = plugin {
            description.push_str(&format!("**Plugin:** `{p}`\n"));
        }
        let mut f = Finding::new_dynamic(title, "Medium");
        f.description = description;
        f.cwe = Some(1035);
        f.references = Some(references(vul.get("references")));
        f.scanner_confidence = confidence(node.and_then(|n| n.i64_at("confidence")));
        f.unique_id_from_tool = vul
            .get_path("references.wpvulndb")
            .and_then(|w| w.as_array())
            .and_then(|a| a.first())
            .and_then(scalar_string);
        f.nb_occurences = Some(1);
        f.component_name = plugin.cloned();
        f.component_version = node.and_then(|n| n.str_at("version.number"));
        f.date = date;
        if let Some(fixed) = vul.str_at("fixed_in") {
            f.mitigation = Some(format!("fixed in : {fixed}"));
        }
        for cve in vul
            .arr_at("references.cve")
            .iter()
            .filter_map(scalar_string)
        {
            f.vulnerability_ids.push(format!("CVE-{cve}"));
        }
        let key = f
            .unique_id_from_tool
            .clone()
            .unwrap_or_else(|| "None".into());
        upsert(out, key, f);
    }
}
