//! TruffleHog JSON-lines output, version 2 (`reason`/`path`) and version 3
//! (`DetectorName`/`SourceMetadata`). Repeats of a secret are folded into one
//! finding with an occurrence count.

use serde_json::Value;

use crate::error::ParseError;
use crate::finding::{Finding, ParseOutput};
use crate::registry::Input;
use crate::util::{parse_json_lines, JsonExt};

pub fn parse(input: &Input<'_>) -> Result<ParseOutput, ParseError> {
    let items = parse_json_lines(input.bytes)?;
    let mut out: Vec<Finding> = Vec::new();
    for item in &items {
        let f = if item.get("SourceMetadata").is_some() {
            v3(item)
        } else {
            v2(item)
        };
        match out
            .iter_mut()
            .find(|o| o.title == f.title && o.file_path == f.file_path)
        {
            Some(o) => o.nb_occurences = Some(o.nb_occurences.unwrap_or(1) + 1),
            None => out.push(f),
        }
    }
    Ok(ParseOutput::single(out))
}

fn v2(item: &Value) -> Finding {
    let reason = item.str_at("reason").unwrap_or_default();
    let path = item.str_at("path").unwrap_or_default();
    // Named key types are unambiguous; the generic high-entropy rule is not.
    let severity = if reason.contains("Generic") || reason.contains("High Entropy") {
        "Medium"
    } else {
        "High"
    };
    let mut f = Finding::new_static(format!("Hard Coded {reason} in: {path}"), severity);
    f.description = format!(
        "**Commit:** {}\n**Commit Hash:** {}\n**Commit Date:** {}\n**Branch:** {}\n**Reason:** {reason}\n**Path:** {path}\n",
        item.str_at("commit").unwrap_or_default().trim_end(),
        item.str_at("commitHash").unwrap_or_default(),
        item.str_at("date").unwrap_or_default(),
        item.str_at("branch").unwrap_or_default(),
    );
    f.cwe = Some(798);
    f.file_path = Some(path);
    f.nb_occurences = Some(1);
    f
}

fn v3(item: &Value) -> Finding {
    let detector = item.str_at("DetectorName").unwrap_or_default();
    // Source metadata is keyed by source kind (Git, Github, Filesystem, ...).
    let meta = item
        .get_path("SourceMetadata.Data")
        .and_then(Value::as_object)
        .and_then(|m| m.values().next())
        .cloned()
        .unwrap_or(Value::Null);
    let file = meta.str_at("file").unwrap_or_default();
    let verified = item.bool_at("Verified").unwrap_or(false);
    let mut f = Finding::new_static(
        format!("Hard Coded {detector} secret in: {file}"),
        if verified { "Critical" } else { "High" },
    );
    f.description = format!(
        "**Repository:** {}\n**Commit:** {}\n**Email:** {}\n**Timestamp:** {}\n**Detector:** {detector}\n**Redacted:** {}\n",
        meta.str_at("repository").unwrap_or_default(),
        meta.str_at("commit").unwrap_or_default(),
        meta.str_at("email").unwrap_or_default(),
        meta.str_at("timestamp").unwrap_or_default(),
        item.str_at("Redacted").unwrap_or_default(),
    );
    f.cwe = Some(798);
    f.file_path = Some(file);
    f.line = meta.i64_at("line");
    f.verified = verified;
    f.nb_occurences = Some(1);
    f
}
