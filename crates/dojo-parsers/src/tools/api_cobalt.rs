//! Cobalt.io pentest findings as returned by its `/findings` API.

use crate::endpoint::Endpoint;
use crate::error::ParseError;
use crate::finding::{Finding, ParseOutput};
use crate::registry::Input;
use crate::util::{parse_date, parse_json, shorten_with, JsonExt};

/// Cobalt states that represent a reported issue; drafts and the like are
/// not imported.
const IMPORTED_STATES: [&str; 10] = [
    "carried_over",
    "check_fix",
    "duplicate",
    "invalid",
    "need_fix",
    "new",
    "out_of_scope",
    "triaging",
    "valid_fix",
    "wont_fix",
];

pub fn parse(input: &Input<'_>) -> Result<ParseOutput, ParseError> {
    let data = parse_json(input.bytes)?;
    let Some(entries) = data.get("data").and_then(|d| d.as_array()) else {
        return Err(ParseError::invalid("Cobalt.io export has no \"data\" list"));
    };
    let mut out = Vec::new();
    for entry in entries {
        let Some(res) = entry.get("resource") else {
            continue;
        };
        let state = res.str_at("state").unwrap_or_default();
        if !IMPORTED_STATES.contains(&state.as_str()) {
            continue;
        }
        let severity = match res.str_at("severity").as_deref() {
            Some("low") => "Low",
            Some("medium") => "Medium",
            Some("high") => "High",
            Some("critical") => "Critical",
            _ => "Info",
        };
        let mut f = Finding::new_dynamic(
            shorten_with(&res.str_at("title").unwrap_or_default(), 511, "..."),
            severity,
        );
        let log = res.arr_at("log");
        f.date = log
            .iter()
            .find(|l| l.str_at("action").as_deref() == Some("created"))
            .and_then(|l| l.str_at("timestamp"))
            .and_then(|t| parse_date(&t));
        f.description = [
            res.str_at("description").unwrap_or_default(),
            String::new(),
            "Cobalt.io details:".into(),
            format!("- Impact: {}", res.str_at("impact").unwrap_or_default()),
            format!(
                "- Likelihood: {}",
                res.str_at("likelihood").unwrap_or_default()
            ),
            String::new(),
            "Cobalt.io link:".into(),
            entry.str_at("links.ui.url").unwrap_or_default(),
        ]
        .join("\n");
        f.mitigation = res.str_at("suggested_fix");
        f.steps_to_reproduce = res.str_at("proof_of_concept");
        f.is_mitigated = state == "valid_fix";
        f.false_p = state == "invalid";
        f.out_of_scope = state == "out_of_scope";
        f.duplicate = state == "duplicate";
        f.risk_accepted = state == "wont_fix";
        f.active = !(f.is_mitigated || f.false_p || f.out_of_scope);
        f.verified = !matches!(state.as_str(), "new" | "triaging");
        f.unique_id_from_tool = res.str_at("id");
        f.endpoints = res
            .arr_at("affected_targets")
            .iter()
            .filter_map(|t| t.as_str())
            .map(Endpoint::from_uri)
            .collect();
        out.push(f);
    }
    Ok(ParseOutput::single(out))
}
