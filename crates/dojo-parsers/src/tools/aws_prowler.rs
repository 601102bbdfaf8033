//! AWS Prowler v2 output, CSV or JSON lines. Repeats of the same check result
//! in a region are one finding.

use crate::error::ParseError;
use crate::finding::{Finding, ParseOutput};
use crate::registry::Input;
use crate::util::{cell, parse_date, parse_json_lines, read_csv, shorten, Folded, JsonExt};

struct Row {
    result: String,
    level: String,
    severity: String,
    region: String,
    message: String,
    control: String,
    account: String,
    risk: Option<String>,
    remediation: Option<String>,
    doc: Option<String>,
    date: Option<chrono::NaiveDate>,
}

pub fn parse(input: &Input<'_>) -> Result<ParseOutput, ParseError> {
    let rows: Vec<Row> = if input.extension() == "json" {
        // The JSON export lists every check; only failures are findings.
        parse_json_lines(input.bytes)?
            .iter()
            .filter(|v| {
                v.str_at("Status")
                    .is_some_and(|s| s.eq_ignore_ascii_case("FAIL"))
            })
            .map(|v| Row {
                result: v.str_at("Status").unwrap_or_default(),
                level: v.str_at("Level").unwrap_or_default(),
                severity: v.str_at("Severity").unwrap_or_default(),
                region: v.str_at("Region").unwrap_or_default(),
                message: v.str_at("Message").unwrap_or_default(),
                control: v.str_at("Control").unwrap_or_default(),
                account: v.str_at("Account Number").unwrap_or_default(),
                risk: v.str_at("Risk"),
                remediation: v.str_at("Remediation"),
                doc: v.str_at("Doc link"),
                date: v.str_at("Timestamp").and_then(|d| parse_date(&d)),
            })
            .collect()
    } else {
        read_csv(input.bytes, b',')?
            .iter()
            .map(|r| {
                let c = |k: &str| cell(r, k).unwrap_or_default().to_string();
                Row {
                    result: cell(r, "RESULT")
                        .or_else(|| cell(r, "CHECK_RESULT"))
                        .unwrap_or_default()
                        .to_string(),
                    level: cell(r, "LEVEL")
                        .or_else(|| cell(r, "ITEM_LEVEL"))
                        .unwrap_or_default()
                        .to_string(),
                    severity: cell(r, "SEVERITY")
                        .or_else(|| cell(r, "CHECK_SEVERITY"))
                        .unwrap_or_default()
                        .to_string(),
                    region: c("REGION"),
                    message: c("CHECK_RESULT_EXTENDED"),
                    control: c("TITLE_TEXT"),
                    account: c("ACCOUNT_NUM"),
                    risk: cell(r, "CHECK_RISK").map(str::to_string),
                    remediation: cell(r, "CHECK_REMEDIATION").map(str::to_string),
                    doc: cell(r, "CHECK_DOC").map(str::to_string),
                    date: None,
                }
            })
            .collect()
    };
    let mut out: Folded<String, Finding> = Folded::new();
    for row in rows {
        let passed = row.result == "INFO" || row.result == "PASS";
        let severity = if passed {
            "Info".to_string()
        } else if row.severity.eq_ignore_ascii_case("informational") {
            // Prowler's "informational" checks still failed; DefectDojo
            // files them as Low rather than Info.
            "Low".into()
        } else if !row.severity.is_empty() {
            row.severity.clone()
        } else if row.level == "Level 1" {
            "Critical".into()
        } else {
            "High".into()
        };
        let description = format!(
            "**Issue:** {}\n**Control:** {}\n**AWS Account:** {} | **Region:** {}\n",
            row.message, row.control, row.account, row.region
        );
        let key = format!("{severity}|{}|{}", row.region, row.message);
        match out.get_mut(&key) {
            Some(f) => {
                f.description.push_str(&format!("{description}\n\n"));
                f.nb_occurences = Some(f.nb_occurences.unwrap_or(1) + 1);
            }
            None => {
                let mut f = Finding::new_static(shorten(&row.message, 150), severity);
                f.active = !passed;
                f.cwe = Some(1032);
                f.description = description;
                f.references = row.doc;
                f.mitigation = row.remediation;
                f.impact = row.risk;
                f.date = row.date;
                f.nb_occurences = Some(1);
                out.insert(key, f);
            }
        }
    }
    Ok(ParseOutput::single(out.into_values()))
}
