//! Gitleaks JSON reports: the v7 lower-case format and the v8 format
//! (`RuleID`, `StartLine`).

use serde_json::Value;

use crate::error::ParseError;
use crate::finding::{Finding, ParseOutput};
use crate::registry::Input;
use crate::util::{parse_json, JsonExt};

pub fn parse(input: &Input<'_>) -> Result<ParseOutput, ParseError> {
    let data = parse_json(input.bytes)?;
    let items: &[Value] = match &data {
        Value::Array(a) => a,
        Value::Null => &[],
        _ => return Err(ParseError::invalid("Gitleaks report must be a JSON list")),
    };
    let mut out: Vec<Finding> = Vec::new();
    for item in items {
        if item.get("RuleID").is_some() || item.get("Description").is_some() {
            let f = v8(item);
            // Gitleaks 8 repeats a leak for every commit that contains it.
            match out
                .iter_mut()
                .find(|o| o.title == f.title && o.line == f.line && o.file_path == f.file_path)
            {
                Some(o) => o.nb_occurences = Some(o.nb_occurences.unwrap_or(1) + 1),
                None => out.push(f),
            }
        } else {
            // v7 lists a leak once per commit; the first commit is kept.
            let f = v7(item);
            if !out
                .iter()
                .any(|o| o.title == f.title && o.line == f.line && o.file_path == f.file_path)
            {
                out.push(f);
            }
        }
    }
    Ok(ParseOutput::single(out))
}

fn v7(item: &Value) -> Finding {
    let rule = item.str_at("rule").unwrap_or_default();
    // Cloud provider and code-host tokens give direct account access.
    let severity = if rule.contains("Github") || rule.contains("AWS") || rule.contains("Heroku") {
        "Critical"
    } else {
        "High"
    };
    let mut f = Finding::new_static(format!("Hard Coded {rule}"), severity);
    let file = item.str_at("file").unwrap_or_default();
    f.description = format!(
        "**Commit:** {}\n**Commit Hash:** {}\n**Commit Date:** {}\n**Author:** {} <{}>\n**Reason:** {rule}\n**Path:** {file}\n",
        item.str_at("commitMessage").unwrap_or_default().trim_end(),
        item.str_at("commit").unwrap_or_default(),
        item.str_at("date").unwrap_or_default(),
        item.str_at("author").unwrap_or_default(),
        item.str_at("email").unwrap_or_default(),
    );
    if let Some(line) = item.str_at("line") {
        f.description
            .push_str(&format!("\n**String Found:**\n\n```\n{}\n```", line.trim()));
    }
    f.cwe = Some(798);
    f.file_path = Some(file);
    f.line = item.i64_at("lineNumber");
    f.tags = item
        .str_at("tags")
        .map(|t| {
            t.split(',')
                .map(|s| s.trim().to_string())
                .filter(|s| !s.is_empty())
                .collect()
        })
        .unwrap_or_default();
    f
}

fn v8(item: &Value) -> Finding {
    let desc = item.str_at("Description").unwrap_or_default();
    let file = item.str_at("File").unwrap_or_default();
    let mut f = Finding::new_static(format!("Hard coded {desc} found in {file}"), "High");
    f.description = format!(
        "**Secret:** {}\n**Match:** {}\n**Rule Id:** {}\n**Commit:** {}\n**Author:** {} <{}>\n**Date:** {}\n**Message:** {}",
        item.str_at("Secret").unwrap_or_default(),
        item.str_at("Match").unwrap_or_default(),
        item.str_at("RuleID").unwrap_or_default(),
        item.str_at("Commit").unwrap_or_default(),
        item.str_at("Author").unwrap_or_default(),
        item.str_at("Email").unwrap_or_default(),
        item.str_at("Date").unwrap_or_default(),
        item.str_at("Message").unwrap_or_default(),
    );
    f.cwe = Some(798);
    f.file_path = Some(file);
    f.line = item.i64_at("StartLine");
    f.nb_occurences = Some(1);
    f.tags = item
        .arr_at("Tags")
        .iter()
        .filter_map(crate::util::scalar_string)
        .collect();
    f
}
