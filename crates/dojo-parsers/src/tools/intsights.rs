//! IntSights (Rapid7 Threat Command) alerts: JSON API export or CSV export.

use std::collections::HashMap;

use crate::error::ParseError;
use crate::finding::{Finding, ParseOutput};
use crate::registry::Input;
use crate::util::{cell, parse_json, read_csv, JsonExt};

const NONE: &str = "None provided";

/// The fields both export formats share.
struct Alert {
    id: String,
    title: String,
    description: String,
    severity: String,
    kind: String,
    source_date: String,
    report_date: String,
    network_type: String,
    source_url: String,
    assets: String,
    closed: bool,
    link: String,
}

const CSV_HEADERS: [&str; 19] = [
    "Alert ID",
    "Title",
    "Description",
    "Severity",
    "Type",
    "Source Date (UTC)",
    "Report Date (UTC)",
    "Network Type",
    "Source URL",
    "Source Name",
    "Assets",
    "Tags",
    "Assignees",
    "Remediation",
    "Status",
    "Closed Reason",
    "Additional Info",
    "Rating",
    "Alert Link",
];

pub fn parse(input: &Input<'_>) -> Result<ParseOutput, ParseError> {
    let name = input.file_name.to_ascii_lowercase();
    let alerts = if name.ends_with(".json") {
        json_alerts(input.bytes)?
    } else if name.ends_with(".csv") {
        csv_alerts(input.bytes)?
    } else {
        return Err(ParseError::invalid(
            "IntSights report must be a .json or .csv file",
        ));
    };
    let mut out: Vec<Finding> = Vec::new();
    let mut seen: HashMap<String, usize> = HashMap::new();
    for a in alerts {
        let mut f = Finding::new_dynamic(a.title.clone(), a.severity.clone());
        f.active = !a.closed;
        f.verified = true;
        f.description = [
            a.description.clone(),
            format!("**Date Found**: `{} `", a.report_date),
            format!("**Type**: `{} `", a.kind),
            format!("**Source**: `{} `", a.source_url),
            format!("**Source Date**: ` {} `", a.source_date),
            format!("**Source Network Type**: `{} `", a.network_type),
            format!("**Assets Affected**: `{} `", a.assets),
            format!("**Alert Link**: {}", a.link),
        ]
        .join("\n");
        f.references = Some(a.link.clone());
        f.unique_id_from_tool = Some(a.id.clone());
        // A repeated alert id replaces the earlier one in place.
        match seen.get(&a.id).and_then(|&i| out.get_mut(i)) {
            Some(prev) => *prev = f,
            None => {
                seen.insert(a.id, out.len());
                out.push(f);
            }
        }
    }
    Ok(ParseOutput::single(out))
}

fn json_alerts(bytes: &[u8]) -> Result<Vec<Alert>, ParseError> {
    let data = parse_json(bytes)?;
    if !data.is_object() {
        return Err(ParseError::invalid("IntSights report is not a JSON object"));
    }
    Ok(data
        .arr_at("Alerts")
        .iter()
        .map(|a| {
            let id = a.str_at("_id").unwrap_or_default();
            let d = |k: &str| a.str_at(&format!("Details.{k}")).unwrap_or_default();
            Alert {
                link: format!(
                    "https://dashboard.intsights.com/#/threat-command/alerts?search={id}"
                ),
                id,
                title: d("Title"),
                description: d("Description"),
                severity: d("Severity"),
                kind: d("Type"),
                source_date: a
                    .str_at("Details.Source.Date")
                    .unwrap_or_else(|| NONE.into()),
                report_date: a.str_at("FoundDate").unwrap_or_else(|| NONE.into()),
                network_type: a
                    .str_at("Details.Source.NetworkType")
                    .unwrap_or_else(|| "None".into()),
                source_url: a
                    .str_at("Details.Source.URL")
                    .unwrap_or_else(|| "None".into()),
                assets: a
                    .arr_at("Assets")
                    .iter()
                    .filter_map(|x| x.str_at("Value"))
                    .collect::<Vec<_>>()
                    .join(","),
                closed: a.bool_at("Closed.IsClosed").unwrap_or(false),
            }
        })
        .collect())
}

fn csv_alerts(bytes: &[u8]) -> Result<Vec<Alert>, ParseError> {
    let rows = read_csv(bytes, b',')?;
    let mut out = Vec::new();
    for row in rows {
        // Only the exact IntSights column set is understood.
        let mut headers: Vec<&str> = row.iter().map(|(k, _)| k.as_str()).collect();
        headers.sort_unstable();
        let mut expected = CSV_HEADERS.to_vec();
        expected.sort_unstable();
        if headers != expected {
            return Ok(Vec::new());
        }
        let get = |k: &str| cell(&row, k).unwrap_or_default().to_string();
        let alert = Alert {
            id: get("Alert ID"),
            title: get("Title"),
            description: get("Description"),
            severity: get("Severity"),
            kind: get("Type"),
            source_date: get("Source Date (UTC)"),
            report_date: get("Report Date (UTC)"),
            network_type: get("Network Type"),
            source_url: get("Source URL"),
            assets: get("Assets"),
            closed: get("Status") == "Closed",
            link: get("Alert Link"),
        };
        // Alerts missing an id, title, severity or status are incomplete.
        if [&alert.id, &alert.title, &alert.severity]
            .iter()
            .any(|v| v.is_empty())
            || get("Status").is_empty()
        {
            continue;
        }
        out.push(alert);
    }
    Ok(out)
}
