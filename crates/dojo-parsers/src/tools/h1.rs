//! HackerOne: the API's "get all reports" JSON (vulnerability disclosure,
//! `{"data": [...]}`) and the bug-bounty program export (`{"findings": [...]}`).

use md5::Digest;
use serde_json::Value;

use crate::error::ParseError;
use crate::finding::{Finding, ParseOutput};
use crate::registry::Input;
use crate::util::{parse_date, parse_json, JsonExt};

pub fn parse(input: &Input<'_>) -> Result<ParseOutput, ParseError> {
    let data = parse_json(input.bytes)?;
    if let Some(items) = data.get("findings").and_then(Value::as_array) {
        return Ok(ParseOutput::single(items.iter().map(bug_bounty).collect()));
    }
    let Some(items) = data.get("data").and_then(Value::as_array) else {
        return Err(ParseError::invalid(
            "HackerOne export has neither \"data\" nor \"findings\"",
        ));
    };
    let mut out = Vec::new();
    let mut seen = std::collections::HashSet::new();
    for item in items {
        let f = disclosure(item);
        // Reports with the same title and references were filed twice.
        if seen.insert(f.unique_id_from_tool.clone()) {
            out.push(f);
        }
    }
    Ok(ParseOutput::single(out))
}

fn rating(s: &str) -> &'static str {
    match s.to_ascii_lowercase().as_str() {
        "low" => "Low",
        "medium" => "Medium",
        "high" => "High",
        "critical" => "Critical",
        _ => "Info",
    }
}

fn disclosure(item: &Value) -> Finding {
    let attrs = item.get("attributes").unwrap_or(&Value::Null);
    let rel = item.get("relationships").unwrap_or(&Value::Null);
    let id = item.str_at("id").unwrap_or_default();
    let title = format!("#{id} {}", attrs.str_at("title").unwrap_or_default());
    let mut references = String::new();
    if let (Some(tid), Some(turl)) = (
        attrs.str_at("issue_tracker_reference_id"),
        attrs.str_at("issue_tracker_reference_url"),
    ) {
        references.push_str(&format!("[{tid}]({turl})\n"));
    }
    let link = format!("https://hackerone.com/reports/{id}");
    references.push_str(&format!("[{link}]({link})"));
    let mut f = Finding::new_static(
        title.clone(),
        rating(
            &rel.str_at("severity.data.attributes.rating")
                .unwrap_or_default(),
        ),
    );
    f.static_finding = false;
    // DefectDojo derives the id as the MD5 hex digest of references + title.
    let digest = md5::Md5::digest(format!("{references}{title}").as_bytes());
    f.unique_id_from_tool = Some(hex::encode(digest));
    let created = attrs.str_at("created_at").and_then(|d| parse_date(&d));
    f.date = created;
    let closed = attrs.str_at("main_state").as_deref() == Some("closed")
        || (attrs.get("main_state").is_none()
            && !matches!(attrs.str_at("state").as_deref(), Some("triaged" | "new")));
    f.active = !closed;
    f.is_mitigated = closed;
    f.cvssv3_score = rel.f64_at("severity.data.attributes.score");
    f.cwe = rel
        .str_at("weakness.data.attributes.external_id")
        .and_then(|e| e.get(4..).and_then(|n| n.parse().ok()));
    let mut d = format!(
        "#{}\nSubmitted: {}\nBy: {}\n",
        attrs.str_at("title").unwrap_or_default(),
        created.map(|c| c.to_string()).unwrap_or_default(),
        rel.str_at("reporter.data.attributes.username")
            .unwrap_or_default()
    );
    if let Some(t) = attrs.str_at("triaged_at").and_then(|d| parse_date(&d)) {
        d.push_str(&format!("Triaged: {t}\n"));
    }
    if let Some(score) = rel.str_at("severity.data.attributes.score") {
        d.push_str(&format!("CVSS: {score}\n"));
    }
    d.push_str(&format!(
        "##Report: \n{}\n",
        attrs
            .str_at("vulnerability_information")
            .unwrap_or_default()
    ));
    if let Some(w) = rel.str_at("weakness.data.attributes.name") {
        d.push_str(&format!(
            "\n##Weakness: {w}\n{}",
            rel.str_at("weakness.data.attributes.description")
                .unwrap_or_default()
        ));
    }
    f.description = d;
    f.mitigation = Some("See description".into());
    f.impact = Some("No impact provided".into());
    f.references = Some(references);
    f
}

fn bug_bounty(item: &Value) -> Finding {
    let mut f = Finding::new_dynamic(
        item.str_at("title").unwrap_or_default(),
        rating(&item.str_at("severity_rating").unwrap_or_default()),
    );
    f.date = item.str_at("reported_at").and_then(|d| parse_date(&d));
    for cve in item.str_at("cve_ids").unwrap_or_default().split(',') {
        f.add_vulnerability_id(cve);
    }
    let open = item.str_at("state").as_deref() == Some("open");
    f.active = open;
    f.is_mitigated = !open;
    let fields = [
        ("Report ID", "id"),
        ("State", "state"),
        ("Substate", "substate"),
        ("Weakness", "weakness"),
        ("Severity Score", "severity_score"),
        ("Reporter", "reporter"),
        ("Assigned", "assigned"),
        ("Structured Scope", "structured_scope"),
        ("Bounty", "bounty"),
        ("CVE IDs", "cve_ids"),
        ("Reference", "reference_url"),
    ];
    f.description = fields
        .iter()
        .filter_map(|(label, key)| item.str_at(key).map(|v| format!("**{label}**: {v}")))
        .collect::<Vec<_>>()
        .join("\n");
    f
}
