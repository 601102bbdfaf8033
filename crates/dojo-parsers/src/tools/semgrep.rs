//! Semgrep `--json` reports, including Semgrep Supply Chain (`vulns`).

use serde_json::Value;

use crate::error::ParseError;
use crate::finding::{Finding, ParseOutput};
use crate::registry::Input;
use crate::util::{parse_cwe, parse_json, Folded, JsonExt};

fn severity(raw: &str) -> Result<&'static str, ParseError> {
    Ok(match raw.to_ascii_uppercase().as_str() {
        "CRITICAL" => "Critical",
        "ERROR" | "HIGH" => "High",
        "WARNING" | "MEDIUM" => "Medium",
        "LOW" | "INFO" => "Low",
        _ => {
            return Err(ParseError::invalid(format!(
                "unknown Semgrep severity: {raw}"
            )))
        }
    })
}

/// "CWE-79: Improper Neutralization..." → 79; lists give all their CWEs.
fn cwes(v: Option<&Value>) -> Vec<u32> {
    match v {
        Some(Value::Array(a)) => a
            .iter()
            .filter_map(Value::as_str)
            .filter_map(|c| parse_cwe(c.split(':').next().unwrap_or(c)))
            .collect(),
        Some(Value::String(s)) => parse_cwe(s.split(':').next().unwrap_or(s))
            .into_iter()
            .collect(),
        _ => Vec::new(),
    }
}

fn fingerprint(item: &Value) -> Option<String> {
    item.str_at("extra.fingerprint")
        .filter(|f| f != "requires login")
}

fn description(item: &Value) -> String {
    let mut d = format!(
        "**Result message:** {}\n",
        item.str_at("extra.message").unwrap_or_default()
    );
    if let Some(Value::String(snippet)) = item.get_path("extra.lines") {
        if snippet.contains("<![") {
            d.push_str(&format!(
                "**Snippet:** ***Caution:*** Please remove the space between `!` and `[` to have the real value due to a workaround to circumvent [#8435](https://github.com/DefectDojo/django-DefectDojo/issues/8435).\n```{}```\n",
                snippet.replace("<![", "<! [")
            ));
        } else {
            d.push_str(&format!("**Snippet:**\n```{snippet}```\n"));
        }
    }
    d
}

fn code_finding(item: &Value) -> Result<Finding, ParseError> {
    let check = item.str_at("check_id").unwrap_or_default();
    let sev = severity(&item.str_at("extra.severity").unwrap_or_default())?;
    let mut f = Finding::new_static(check.clone(), sev);
    f.description = description(item);
    f.file_path = item.str_at("path");
    f.line = item.i64_at("start.line");
    f.vuln_id_from_tool = Some(check);
    f.nb_occurences = Some(1);
    f.unique_id_from_tool = fingerprint(item);
    let c = cwes(item.get_path("extra.metadata.cwe"));
    f.cwe = c.first().copied();
    f.cwes = c;
    let refs: Vec<String> = item
        .arr_at("extra.metadata.references")
        .iter()
        .filter_map(crate::util::scalar_string)
        .collect();
    if !refs.is_empty() {
        f.references = Some(refs.join("\n"));
    }
    if let Some(fix) = item.str_at("extra.fix") {
        f.mitigation = Some(fix);
    } else if let Some(re) = item.get_path("extra.fix_regex") {
        f.mitigation = Some(format!(
            "**You can automaticaly apply this regex:**\n\n```\n\n{re}\n\n```\n"
        ));
    }
    Ok(f)
}

fn supply_chain_finding(item: &Value) -> Result<Finding, ParseError> {
    let sev = severity(&item.str_at("advisory.severity").unwrap_or_default())?;
    let mut f = Finding::new_static(item.str_at("title").unwrap_or_default(), sev);
    f.description = item.str_at("advisory.description").unwrap_or_default();
    f.file_path = item.str_at("dependencyFileLocation.path");
    f.line = item.i64_at("dependencyFileLocation.startLine");
    f.vuln_id_from_tool = item.str_at("repositoryId");
    f.nb_occurences = Some(1);
    f.unique_id_from_tool = fingerprint(item);
    let c = cwes(item.get_path("advisory.references.cweIds"));
    f.cwe = c.first().copied();
    f.cwes = c;
    Ok(f)
}

pub fn parse(input: &Input<'_>) -> Result<ParseOutput, ParseError> {
    let data = parse_json(input.bytes)?;
    let mut out: Folded<_, Finding> = Folded::new();
    let (items, sca) = if data.get("results").is_some() {
        (data.arr_at("results"), false)
    } else {
        (data.arr_at("vulns"), true)
    };
    for item in items {
        let f = if sca {
            supply_chain_finding(item)?
        } else {
            code_finding(item)?
        };
        // The same rule on the same line counts as one finding seen again.
        let key = (f.title.clone(), f.file_path.clone(), f.line);
        match out.get_mut(&key) {
            Some(o) => o.nb_occurences = Some(o.nb_occurences.unwrap_or(1) + 1),
            None => out.insert(key, f),
        }
    }
    Ok(ParseOutput::single(out.into_values()))
}
