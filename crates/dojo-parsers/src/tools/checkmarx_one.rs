//! Checkmarx One exports: the scan-results document (SAST, IaC), the
//! `vulnerabilities` list, and the `results` list (sast, kics, sca).

use serde_json::Value;

use crate::error::ParseError;
use crate::finding::{Finding, ParseOutput};
use crate::registry::Input;
use crate::util::{parse_date, parse_json, scalar_string, title_case, JsonExt};

pub fn parse(input: &Input<'_>) -> Result<ParseOutput, ParseError> {
    let data = parse_json(input.bytes)?;
    let mut out = Vec::new();
    if ["scaScanResults", "iacScanResults", "scanResults"]
        .iter()
        .any(|k| data.get(*k).is_some())
    {
        from_scan_list(&data, &mut out);
    }
    if let Some(Value::Array(v)) = data.get("vulnerabilities") {
        out = v.iter().map(vulnerability).collect();
    } else if let Some(Value::Array(r)) = data.get("results") {
        out = r.iter().filter_map(result).collect();
    }
    Ok(ParseOutput::single(out))
}

/// Checkmarx One triage states.
fn apply_state(f: &mut Finding, v: &Value) {
    let state = v.str_at("state").unwrap_or_default();
    f.active = matches!(
        state.as_str(),
        "TO_VERIFY" | "PROPOSED_NOT_EXPLOITABLE" | "CONFIRMED" | "URGENT"
    );
    f.verified = matches!(state.as_str(), "NOT_EXPLOITABLE" | "CONFIRMED" | "URGENT");
    f.false_p = state == "NOT_EXPLOITABLE";
}

fn date(v: Option<&Value>) -> Option<chrono::NaiveDate> {
    match v? {
        Value::String(s) => parse_date(s),
        other => other
            .i64_at("seconds")
            .and_then(|s| chrono::DateTime::from_timestamp(s, 0))
            .map(|d| d.date_naive()),
    }
}

fn from_scan_list(data: &Value, out: &mut Vec<Finding>) {
    let cwe_store = data.arr_at("vulnerabilityDetails");
    for result in data.arr_at("scanResults.resultsList") {
        let cwe = result.i64_at("cweId");
        let info = cwe_store
            .iter()
            .find(|e| cwe.is_some() && e.i64_at("cweId") == cwe)
            .cloned()
            .unwrap_or(Value::Null);
        let title = result
            .str_at("queryPath")
            .or_else(|| result.str_at("queryName"))
            .unwrap_or_else(|| "SAST Finding".into())
            .replace('_', " ");
        for inst in result.arr_at("vulnerabilities") {
            let mut f = Finding::new_dynamic(
                title.clone(),
                title_case(&inst.str_at("severity").unwrap_or_default()),
            );
            f.description = format!(
                "{}\n\n{}",
                result
                    .str_at("description")
                    .unwrap_or_else(|| "None".into()),
                info.str_at("cause").unwrap_or_default()
            );
            f.impact = Some(info.str_at("risk").unwrap_or_default());
            f.mitigation = Some(info.str_at("generalRecommendations").unwrap_or_default());
            f.cwe = cwe.and_then(|c| u32::try_from(c).ok());
            f.date = date(inst.get("foundDate"));
            f.file_path = inst.str_at("destinationFileName");
            f.line = inst.i64_at("destinationLine");
            apply_state(&mut f, inst);
            f.tags = vec!["sast".into()];
            out.push(f);
        }
    }
    for tech in data.arr_at("iacScanResults.technology") {
        let name = tech.str_at("name").unwrap_or_else(|| "IaC Finding".into());
        for query in tech.arr_at("queries") {
            let title = format!(
                "{name}: {}",
                query.str_at("queryName").unwrap_or_else(|| "None".into())
            );
            for inst in query.arr_at("resultsList") {
                let mut f = Finding::new_dynamic(
                    title.clone(),
                    title_case(&inst.str_at("severity").unwrap_or_default()),
                );
                f.description = format!(
                    "{}\n\n**Category**: {}\n**Issue Type**: {}\n",
                    query.str_at("description").unwrap_or_else(|| "None".into()),
                    query.str_at("category").unwrap_or_else(|| "None".into()),
                    inst.str_at("issueType").unwrap_or_else(|| "None".into())
                );
                f.date = date(inst.get("lastDetectionDate"));
                f.file_path = inst.str_at("fileName");
                f.mitigation = Some(format!(
                    "**Actual Value**: {}\n**Expected Value**: {}\n",
                    inst.str_at("actualValue").unwrap_or_default(),
                    inst.str_at("expectedValue").unwrap_or_default()
                ));
                apply_state(&mut f, inst);
                f.tags = vec!["iac".into()];
                out.push(f);
            }
        }
    }
}

fn vulnerability(v: &Value) -> Finding {
    let id = v
        .arr_at("identifiers")
        .first()
        .and_then(|i| i.get("value"))
        .and_then(scalar_string)
        .unwrap_or_default();
    let uri = v.str_at("location.file").unwrap_or_default();
    let start = v.i64_at("location.start_line");
    let mut f = Finding::new_static(
        format!("{id}_{uri}"),
        v.str_at("severity").unwrap_or_default(),
    );
    f.description = format!(
        "**id**: {id}\n**uri**: {uri}\n**startLine**: {}\n**endLine**: {}\n",
        start.map(|s| s.to_string()).unwrap_or_default(),
        v.i64_at("location.end_line")
            .map(|s| s.to_string())
            .unwrap_or_default()
    );
    f.unique_id_from_tool = Some(id);
    f.file_path = Some(uri);
    f.line = start;
    apply_state(&mut f, v);
    f
}

fn result(v: &Value) -> Option<Finding> {
    let ty = v.str_at("type").unwrap_or_default();
    let severity = title_case(&v.str_at("severity").unwrap_or_default());
    let description = v.str_at("description").unwrap_or_else(|| {
        format!(
            "{severity} {}",
            v.str_at("data.queryName")
                .unwrap_or_default()
                .replace('_', " ")
        )
    });
    let mut f = Finding::new_dynamic(description.clone(), severity);
    f.static_finding = true;
    f.description = description;
    f.unique_id_from_tool = v.str_at("id").or_else(|| v.str_at("similarityId"));
    match ty.as_str() {
        "sast" => {
            f.file_path = v
                .arr_at("data.nodes")
                .first()
                .and_then(|n| n.str_at("fileName"));
        }
        "kics" => {
            f.file_path = v
                .str_at("data.filename")
                .or_else(|| v.str_at("data.fileName"));
        }
        "sca" | "sca-container" => {
            if let Some(c) = v.str_at("cveId") {
                f.vulnerability_ids = vec![c];
            }
        }
        _ => return None,
    }
    apply_state(&mut f, v);
    f.date = date(v.get("firstFoundAt"));
    f.cwe = match v.get_path("vulnerabilityDetails.cweId") {
        Some(Value::Number(n)) => n.as_u64().and_then(|n| u32::try_from(n).ok()),
        Some(Value::String(s)) => {
            let digits: String = s
                .chars()
                .skip_while(|c| !c.is_ascii_digit())
                .take_while(char::is_ascii_digit)
                .collect();
            digits.parse().ok()
        }
        _ => None,
    };
    f.tags = vec![ty];
    Some(f)
}
