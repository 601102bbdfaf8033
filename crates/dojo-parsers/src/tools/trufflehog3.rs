//! truffleHog3 (the feeltheajf fork) JSON: the legacy truffleHog-2 style
//! records (`reason`) and the current ones (`rule`).

use serde_json::Value;

use crate::error::ParseError;
use crate::finding::{Finding, ParseOutput};
use crate::registry::Input;
use crate::util::{parse_json, scalar_string, Folded, JsonExt};

const MITIGATION: &str =
    "Secrets and passwords should be stored in a secure vault or secure storage.";
const IMPACT: &str = "This weakness can lead to the exposure of resources or functionality to unintended actors, possibly providing attackers with sensitive information or even execute arbitrary code.";

pub fn parse(input: &Input<'_>) -> Result<ParseOutput, ParseError> {
    let data = parse_json(input.bytes)?;
    let items = data.as_array().map(Vec::as_slice).unwrap_or_default();
    let mut out: Folded<String, Finding> = Folded::new();
    for item in items {
        let (key, f) = if item.get("reason").is_some_and(|r| !r.is_null()) {
            legacy(item)
        } else if item.get("rule").is_some_and(|r| !r.is_null()) {
            current(item)
        } else {
            return Err(ParseError::invalid(
                "record is neither legacy nor current truffleHog3 format",
            ));
        };
        match out.get_mut(&key) {
            Some(o) => {
                o.description.push_str(&f.description);
                o.nb_occurences = Some(o.nb_occurences.unwrap_or(1) + 1);
            }
            None => out.insert(key, f),
        }
    }
    Ok(ParseOutput::single(out.into_values()))
}

fn legacy(item: &Value) -> (String, Finding) {
    let file = item.str_at("path").unwrap_or_default();
    let reason = item.str_at("reason").unwrap_or_default();
    let severity = if reason == "High Entropy" {
        "Info"
    } else if reason.contains("Oauth") || reason.contains("AWS") || reason.contains("Heroku") {
        "Critical"
    } else if reason == "Generic Secret" {
        "Medium"
    } else {
        "High"
    };
    let strings: Vec<String> = item
        .arr_at("stringsFound")
        .iter()
        .filter_map(scalar_string)
        .collect();
    let commit = item.str_at("commit").unwrap_or_default();
    let mut f = Finding::new_static(format!("Hard Coded {reason} in: {file}"), severity);
    f.description = format!(
        "**Commit:** {}\n**Commit Hash:** {}\n**Commit Date:** {}\n**Branch:** {}\n**Reason:** {reason}\n**Path:** {file}\n\n**Strings Found:**\n```\n{}\n```\n",
        commit.lines().next().unwrap_or_default(),
        item.str_at("commitHash").unwrap_or_default(),
        item.str_at("date").unwrap_or_default(),
        item.str_at("branch").unwrap_or_default(),
        strings.join("\n")
    );
    f.cwe = Some(798);
    f.mitigation = Some(MITIGATION.into());
    f.impact = Some(IMPACT.into());
    f.file_path = Some(file.clone());
    f.nb_occurences = Some(1);
    (format!("{file}{reason}"), f)
}

fn current(item: &Value) -> (String, Finding) {
    let message = item.str_at("rule.message").unwrap_or_default();
    let severity = item
        .str_at("rule.severity")
        .map(|s| crate::util::title_case(&s))
        .unwrap_or_else(|| "Info".into());
    let file = item.str_at("path").unwrap_or_default();
    let line = item.i64_at("line").unwrap_or(0);
    let secret = item.str_at("secret").unwrap_or_default();
    let title = format!("{message} found in {file}");
    let mut description = format!("**Secret:** {secret}\n");
    if let Some(Value::Object(ctx)) = item.get("context") {
        description.push_str("**Context:**\n");
        for (k, v) in ctx {
            description.push_str(&format!(
                "    {k}: {}\n",
                scalar_string(v).unwrap_or_default()
            ));
        }
    }
    for (label, key) in [
        ("Branch", "branch"),
        ("Commit message", "message"),
        ("Commit hash", "commit"),
        ("Commit date", "date"),
    ] {
        if let Some(v) = item.str_at(key) {
            description.push_str(&format!("**{label}:** {v}\n"));
        }
    }
    let mut f = Finding::new_static(title.clone(), severity.clone());
    f.description = description.trim_end_matches('\n').to_string();
    f.cwe = Some(798);
    f.mitigation = Some(MITIGATION.into());
    f.impact = Some(IMPACT.into());
    f.file_path = Some(file);
    f.line = Some(line);
    f.nb_occurences = Some(1);
    (format!("{title}{secret}{severity}{line}"), f)
}
