//! SARIF 2.1.0: one test per run, named after the run's tool driver.

use serde_json::{Map, Value};
use std::collections::BTreeMap;

use crate::error::ParseError;
use crate::finding::{severity_from_cvss, Finding, ParseOutput, ParsedTest};
use crate::registry::Input;
use crate::util::{parse_date, parse_json, JsonExt};

pub fn parse(input: &Input<'_>) -> Result<ParseOutput, ParseError> {
    let tree = parse_json(input.bytes)?;
    let mut tests = Vec::new();
    for run in tree.arr_at("runs") {
        let driver = run.get_path("tool.driver");
        let name = driver.and_then(|d| d.str_at("name"));
        tests.push(ParsedTest {
            name: name.clone(),
            test_type: name,
            version: driver.and_then(|d| d.str_at("version")),
            description: None,
            findings: run_findings(run)?,
        });
    }
    Ok(ParseOutput { tests })
}

fn run_findings(run: &Value) -> Result<Vec<Finding>, ParseError> {
    let mut rules: BTreeMap<String, &Value> = BTreeMap::new();
    for rule in run.arr_at("tool.driver.rules") {
        if let Some(id) = rule.str_at("id") {
            rules.insert(id, rule);
        }
    }
    // DefectDojo dates findings with the end of the last invocation.
    let date = run
        .arr_at("invocations")
        .last()
        .and_then(|i| i.str_at("endTimeUtc"))
        .and_then(|d| parse_date(&d));
    let mut out = Vec::new();
    for result in run.arr_at("results") {
        let kind = result.str_at("kind").unwrap_or_else(|| "fail".into());
        if kind != "fail" {
            continue;
        }
        let rule = result
            .str_at("ruleId")
            .and_then(|id| rules.get(&id).copied());
        // DefectDojo makes one finding per location of a result.
        let locations = result.arr_at("locations");
        if locations.len() <= 1 {
            let mut f = item(result, rule, locations.first())?;
            f.date = date;
            out.push(f);
        } else {
            for loc in locations {
                let mut f = item(result, rule, Some(loc))?;
                f.date = date;
                out.push(f);
            }
        }
    }
    Ok(out)
}

/// Resolves a multiformat message: plain text, or a rule message template
/// with `{n}` placeholders filled from `arguments`.
fn message(data: &Value, rule: Option<&Value>) -> Option<String> {
    if let (Some(rule), Some(id)) = (rule, data.str_at("id")) {
        let mut text = rule
            .get("messageStrings")
            .and_then(|m| m.get(&id))
            .and_then(|m| m.str_at("text"))?;
        let args = data.arr_at("arguments");
        for (i, a) in args.iter().enumerate().take(6) {
            let ph = format!("{{{i}}}");
            if !text.contains(&ph) {
                break;
            }
            text = text.replace(&ph, a.as_str().unwrap_or_default());
        }
        return Some(text);
    }
    data.get("text").and_then(Value::as_str).map(str::to_string)
}

fn title(result: &Value, rule: Option<&Value>) -> Result<String, ParseError> {
    let mut t = result.get("message").and_then(|m| message(m, rule));
    if t.is_none() {
        if let Some(rule) = rule {
            t = if let Some(sd) = rule.get("shortDescription") {
                message(sd, Some(rule))
            } else if let Some(fd) = rule.get("fullDescription") {
                message(fd, Some(rule))
            } else {
                rule.str_at("name").or_else(|| rule.str_at("id"))
            };
        }
    }
    let t = t.ok_or_else(|| ParseError::invalid("SARIF result without any title text"))?;
    Ok(crate::util::shorten(&t, 150))
}

fn snippet(location: Option<&Value>) -> Option<String> {
    let pl = location?.get("physicalLocation")?;
    pl.str_at("region.snippet.text")
        .or_else(|| pl.str_at("contextRegion.snippet.text"))
}

fn description(result: &Value, rule: Option<&Value>, location: Option<&Value>) -> String {
    let mut d = String::new();
    let mut msg = String::new();
    if let Some(m) = result.get("message") {
        msg = message(m, rule).unwrap_or_default();
        d.push_str(&format!("**Result message:** {msg}\n"));
    }
    if let Some(s) = snippet(location) {
        d.push_str(&format!("**Snippet:**\n```\n{s}\n```\n"));
    }
    if let Some(rule) = rule {
        if let Some(n) = rule.str_at("name") {
            d.push_str(&format!("**Rule name:** {n}\n"));
        }
        let short = rule
            .get("shortDescription")
            .and_then(|s| message(s, Some(rule)))
            .unwrap_or_default();
        if !short.is_empty() && short != msg {
            d.push_str(&format!("**Rule short description:** {short}\n"));
        }
        if let Some(full) = rule
            .get("fullDescription")
            .and_then(|s| message(s, Some(rule)))
        {
            if full != msg && full != short {
                d.push_str(&format!("**Rule full description:** {full}\n"));
            }
        }
    }
    if d.ends_with('\n') {
        d.pop();
    }
    d
}

fn severity(result: &Value, rule: Option<&Value>) -> &'static str {
    let level = result
        .str_at("level")
        .or_else(|| rule.and_then(|r| r.str_at("defaultConfiguration.level")));
    match level.as_deref() {
        Some("note") => "Info",
        Some("error") => "High",
        _ => "Medium",
    }
}

fn cwe_in(text: &str) -> Option<u32> {
    let lower = text.to_ascii_lowercase();
    let i = lower.find("cwe-")?;
    let digits: String = lower
        .get(i + 4..)?
        .chars()
        .take_while(char::is_ascii_digit)
        .collect();
    digits.parse().ok()
}

fn rule_cwes(rule: &Value) -> Vec<u32> {
    if let Some(Value::Array(rels)) = rule.get("relationships") {
        return rels
            .iter()
            .filter_map(|r| r.str_at("target.id"))
            .filter_map(|v| cwe_in(&v))
            .collect();
    }
    rule.arr_at("properties.tags")
        .iter()
        .filter_map(Value::as_str)
        .filter_map(cwe_in)
        .collect()
}

fn cve_in(text: &str) -> Option<String> {
    let upper = text.to_ascii_uppercase();
    let mut from = 0;
    while let Some(i) = upper
        .get(from..)
        .and_then(|s| s.find("CVE-"))
        .map(|i| i + from)
    {
        let rest = upper.get(i + 4..).unwrap_or_default();
        let year: String = rest.chars().take_while(char::is_ascii_digit).collect();
        let after = rest.get(year.len()..).unwrap_or_default();
        if !year.is_empty() {
            if let Some(num) = after.strip_prefix('-') {
                let n: String = num.chars().take_while(char::is_ascii_digit).collect();
                if !n.is_empty() {
                    return Some(format!("CVE-{year}-{n}"));
                }
            }
        }
        from = i + 4;
    }
    None
}

/// `fingerprints` (or sorted `partialFingerprints`) become the tool's unique
/// id; for versioned keys (`name/v2`) the highest version wins.
fn fingerprint_hashes(values: &Map<String, Value>) -> Vec<(String, String)> {
    let mut best: Vec<(String, i64, String)> = Vec::new();
    for (key, v) in values {
        // Black Duck nests the hash as {"value": ...}.
        let v = v.get("value").unwrap_or(v);
        let value = match v {
            Value::String(s) => s.clone(),
            other => other.to_string(),
        };
        let (method, version) = match key.rsplit_once('/') {
            Some((head, ver)) => {
                let method = head.rsplit('/').next().unwrap_or(head).to_string();
                (method, ver.trim_start_matches('v').parse().unwrap_or(0))
            }
            None => (key.clone(), 0),
        };
        match best.iter_mut().find(|(m, _, _)| *m == method) {
            Some(entry) if entry.1 < version => *entry = (method, version, value),
            Some(_) => {}
            None => best.push((method, version, value)),
        }
    }
    best.into_iter().map(|(m, _, v)| (m, v)).collect()
}

fn item(
    result: &Value,
    rule: Option<&Value>,
    location: Option<&Value>,
) -> Result<Finding, ParseError> {
    let mut f = Finding::new_static(title(result, rule)?, severity(result, rule));
    f.description = description(result, rule, location);
    if let Some(pl) = location.and_then(|l| l.get("physicalLocation")) {
        f.file_path = pl.str_at("artifactLocation.uri");
        f.line = pl.i64_at("region.startLine");
    }
    if let Some(rule) = rule {
        f.references = rule.str_at("helpUri").or_else(|| {
            rule.get("help")
                .and_then(|h| message(h, Some(rule)))
                .filter(|h| h.starts_with("http"))
        });
        if let Some(c) = rule_cwes(rule).last() {
            f.cwe = Some(*c);
        }
        if let Some(v) = rule.get_path("properties.security-severity") {
            let score = v
                .as_f64()
                .or_else(|| v.as_str().and_then(|s| s.trim().parse().ok()));
            if let Some(score) = score {
                f.cvssv3_score = Some(score);
                f.severity = severity_from_cvss(score).into();
            } else if let Some(word) = v.as_str() {
                // Some tools (GitLab's semgrep) put a severity word here.
                f.severity = crate::finding::severity_or(word, &f.severity);
            }
        }
        f.tags = rule
            .arr_at("properties.tags")
            .iter()
            .filter_map(crate::util::scalar_string)
            .collect();
    }
    if let Some(id) = result.str_at("ruleId") {
        if let Some(cve) = cve_in(&id) {
            f.vulnerability_ids.push(cve);
        }
        f.vuln_id_from_tool = Some(id);
    }
    // An external or in-source suppression that was not rejected marks the
    // result as a known false positive.
    let suppressed = result
        .arr_at("suppressions")
        .iter()
        .any(|sup| matches!(sup.str_at("state").as_deref(), None | Some("accepted")));
    if suppressed {
        f.active = false;
        f.false_p = true;
    }
    if let Some(c) = result.str_at("properties.cwe").and_then(|c| cwe_in(&c)) {
        f.cwe = Some(c);
    }
    let fixes = result.arr_at("fixes");
    if !fixes.is_empty() {
        let texts: Vec<String> = fixes
            .iter()
            .map(|fx| fx.str_at("description.text").unwrap_or_default())
            .collect();
        f.mitigation = Some(texts.join("\n"));
    }
    if let Some(Value::Object(fp)) = result.get("fingerprints").filter(|v| !is_empty_obj(v)) {
        f.unique_id_from_tool = fingerprint_hashes(fp).into_iter().next().map(|(_, v)| v);
    } else if let Some(Value::Object(fp)) = result
        .get("partialFingerprints")
        .filter(|v| !is_empty_obj(v))
    {
        let mut hashes = fingerprint_hashes(fp);
        hashes.sort();
        let joined: Vec<String> = hashes.iter().map(|(k, v)| format!("{k}:{v}")).collect();
        f.unique_id_from_tool = Some(joined.join("|"));
    }
    Ok(f)
}

fn is_empty_obj(v: &&Value) -> bool {
    v.as_object().is_none_or(Map::is_empty)
}
