//! njsscan (`njsscan --json`): findings grouped by scanned section
//! (`nodejs`, `templates`), then by rule id, each rule listing its matches.

use serde::de::{Deserializer, MapAccess, SeqAccess, Visitor};
use serde::Deserialize;
use serde_json::Value;
use std::collections::HashMap;
use std::fmt;

use crate::error::ParseError;
use crate::finding::{Finding, ParseOutput};
use crate::lax::{drain_seq, scalars_give};
use crate::registry::Input;
use crate::util::{json_text, Folded, JsonExt};

/// A JSON object's members in document order. `serde_json::Map` sorts its
/// keys, but these reports list rules in the order DefectDojo emits them
/// (a Python dict keeps document order). Anything but an object is empty.
#[derive(Debug, Default)]
pub(crate) struct Members(pub Vec<(String, Value)>);

struct MembersVisitor;

impl<'de> Visitor<'de> for MembersVisitor {
    type Value = Members;

    fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
        f.write_str("any JSON value")
    }

    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Members, A::Error> {
        // A repeated key keeps its first place and the last value, as
        // Python's json module does.
        let mut out = Folded::new();
        while let Some((k, v)) = map.next_entry::<String, Value>()? {
            out.insert(k.clone(), (k, v));
        }
        Ok(Members(out.into_values()))
    }

    fn visit_seq<A: SeqAccess<'de>>(self, seq: A) -> Result<Members, A::Error> {
        drain_seq(seq).map(|()| Members::default())
    }

    fn visit_some<D: Deserializer<'de>>(self, d: D) -> Result<Members, D::Error> {
        d.deserialize_any(self)
    }

    scalars_give!(Members::default());
}

impl<'de> Deserialize<'de> for Members {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        d.deserialize_any(MembersVisitor)
    }
}

/// The top-level object's members, each object-valued one with its own
/// members in document order (other values read as empty); `None` when the
/// document is not an object.
pub(crate) fn ordered_top(bytes: &[u8]) -> Result<Option<HashMap<String, Members>>, ParseError> {
    let text = json_text(bytes);
    if let Ok(top) = serde_json::from_str::<HashMap<String, Members>>(&text) {
        return Ok(Some(top));
    }
    // Not JSON (the tree reader names the problem), not an object, or a
    // repeated top-level key: read the tree, losing only member order.
    let v: Value = serde_json::from_str(&text)?;
    let members = |v: &Value| {
        Members(
            v.as_object()
                .map(|o| o.iter().map(|(k, v)| (k.clone(), v.clone())).collect())
                .unwrap_or_default(),
        )
    };
    Ok(v.as_object()
        .map(|o| o.iter().map(|(k, v)| (k.clone(), members(v))).collect()))
}

const SECTIONS: [&str; 2] = ["nodejs", "templates"];

pub fn parse(input: &Input<'_>) -> Result<ParseOutput, ParseError> {
    let Some(mut top) = ordered_top(input.bytes)? else {
        return Err(ParseError::invalid(
            "njsscan reports are a JSON object with nodejs/templates sections",
        ));
    };
    let mut out: Folded<String, Finding> = Folded::new();
    for section in SECTIONS {
        let rules = top.remove(section).unwrap_or_default().0;
        for (rule_id, rule) in rules {
            let empty = Value::Null;
            let metadata = rule.get("metadata").unwrap_or(&empty);
            let severity = severity(metadata.get("severity"))?;
            for m in rule.arr_at("files") {
                let file_path = m.str_at("file_path");
                let line = m.arr_at("match_lines").first().and_then(Value::as_i64);
                let key = format!(
                    "{section}|{rule_id}|{}|{}",
                    file_path.as_deref().unwrap_or("None"),
                    line.map_or_else(|| "None".into(), |l| l.to_string())
                );
                if let Some(f) = out.get_mut(&key) {
                    f.nb_occurences = Some(f.nb_occurences.unwrap_or(1) + 1);
                    continue;
                }
                let mut f = Finding::new_static(rule_id.clone(), severity);
                f.description = description(section, metadata, m);
                f.cwe = metadata.str_at("cwe").as_deref().and_then(cwe_number);
                f.file_path = file_path;
                f.line = line;
                f.vuln_id_from_tool = Some(rule_id.clone());
                f.nb_occurences = Some(1);
                out.insert(key, f);
            }
        }
    }
    Ok(ParseOutput::single(out.into_values()))
}

/// njsscan uses Semgrep's severity words.
fn severity(v: Option<&Value>) -> Result<&'static str, ParseError> {
    let word = match v {
        None | Some(Value::Null) => return Ok("Info"),
        Some(Value::String(s)) if s.is_empty() => return Ok("Info"),
        Some(Value::String(s)) => s.to_uppercase(),
        Some(other) => other.to_string(),
    };
    Ok(match word.as_str() {
        "CRITICAL" => "Critical",
        "ERROR" | "HIGH" => "High",
        "WARNING" | "MEDIUM" => "Medium",
        "INFO" | "LOW" => "Low",
        _ => {
            return Err(ParseError::invalid(format!(
                "unknown njsscan severity: {word}"
            )))
        }
    })
}

/// The first `CWE-<n>` anywhere in the metadata's CWE text.
fn cwe_number(s: &str) -> Option<u32> {
    s.match_indices("CWE-").find_map(|(i, _)| {
        let digits: String = s
            .get(i + 4..)?
            .chars()
            .take_while(char::is_ascii_digit)
            .collect();
        digits.parse().ok()
    })
}

fn scalar_text(v: &Value) -> String {
    match v {
        Value::String(s) => s.clone(),
        other => crate::util::py_repr(other),
    }
}

fn description(section: &str, metadata: &Value, m: &Value) -> String {
    let mut parts = Vec::new();
    for (key, label) in [
        ("description", "Result message"),
        ("owasp-web", "OWASP"),
        ("cwe", "CWE"),
        ("reference", "Reference"),
    ] {
        if let Some(v) = metadata.str_at(key) {
            parts.push(format!("**{label}:** {v}"));
        }
    }
    parts.push(format!("**Scanned as:** {section}"));
    if let [a, b] = m.arr_at("match_lines") {
        if a != b {
            parts.push(format!("**Lines:** {}-{}", scalar_text(a), scalar_text(b)));
        }
    }
    if let [a, b] = m.arr_at("match_position") {
        parts.push(format!(
            "**Columns:** {}-{}",
            scalar_text(a),
            scalar_text(b)
        ));
    }
    if let Some(snippet) = m.str_at("match_string") {
        // A literal "<![" breaks DefectDojo's markdown rendering (its issue
        // #8435), so it is broken up with a space and the reader told so.
        if snippet.contains("<![") {
            parts.push(format!(
                "**Snippet:** ***Caution:*** Please remove the space between `!` and `[` to have \
                 the real value due to a workaround to circumvent \
                 [#8435](https://github.com/DefectDojo/django-DefectDojo/issues/8435).\n```\n{}\n```",
                snippet.replace("<![", "<! [")
            ));
        } else {
            parts.push(format!("**Snippet:**\n```\n{snippet}\n```"));
        }
    }
    parts.join("\n")
}
