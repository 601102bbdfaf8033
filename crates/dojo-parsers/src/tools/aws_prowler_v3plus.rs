//! AWS Prowler 3 JSON and Prowler 4 OCSF JSON (`*.ocsf.json`). Only failed,
//! unmuted checks become findings, folded per Prowler finding id.

use serde_json::Value;

use crate::error::ParseError;
use crate::finding::{Finding, ParseOutput};
use crate::registry::Input;
use crate::util::{parse_date, parse_json, scalar_string, shorten, title_case, Folded, JsonExt};

pub fn parse(input: &Input<'_>) -> Result<ParseOutput, ParseError> {
    let data = parse_json(input.bytes)?;
    let ocsf = input.file_name.to_ascii_lowercase().ends_with(".ocsf.json");
    let mut out: Folded<String, Finding> = Folded::new();
    for item in data.as_array().map(Vec::as_slice).unwrap_or_default() {
        let Some((key, f)) = (if ocsf { v4(item) } else { v3(item) }) else {
            continue;
        };
        match out.get_mut(&key) {
            Some(o) => {
                o.description.push_str(&format!("{}\n\n", f.description));
                o.nb_occurences = Some(o.nb_occurences.unwrap_or(1) + 1);
            }
            None => out.insert(key, f),
        }
    }
    Ok(ParseOutput::single(out.into_values()))
}

fn base(
    title: &str,
    severity: Option<String>,
    uid: &str,
    component: String,
    date: Option<String>,
) -> Finding {
    let mut f = Finding::new_static(
        shorten(title, 150),
        title_case(&severity.unwrap_or_else(|| "Info".into())),
    );
    f.cwe = Some(1032);
    f.component_name = Some(component);
    f.unique_id_from_tool = Some(uid.to_string());
    f.date = date.and_then(|d| parse_date(d.get(..10).unwrap_or(&d)));
    f.nb_occurences = Some(1);
    f
}

fn component(
    arn: Option<String>,
    provider: &str,
    account: &str,
    region: &str,
    resource: &str,
) -> String {
    match arn.filter(|a| !a.is_empty()) {
        Some(a) => a,
        None => format!("{provider}-{account}-{region}-{resource}"),
    }
}

fn v3(d: &Value) -> Option<(String, Finding)> {
    if !d.str_at("Status")?.eq_ignore_ascii_case("FAIL") {
        return None;
    }
    let uid = d.str_at("FindingUniqueId").unwrap_or_default();
    let account = d.str_at("AccountId").unwrap_or_default();
    let region = d.str_at("Region").unwrap_or_default();
    let comp = component(
        d.str_at("ResourceArn"),
        &d.str_at("Provider").unwrap_or_default(),
        &account,
        &region,
        &d.str_at("ResourceId").unwrap_or_default(),
    );
    let issue = d.str_at("StatusExtended").unwrap_or_default();
    let mut f = base(
        &issue,
        d.str_at("Severity"),
        &uid,
        comp,
        d.str_at("AssessmentStartTime"),
    );
    f.description = format!(
        "**Issue:** {issue}\n**Description:** {}\n**AWS Account:** {account} | **Region:** {region}\n**AWS Service:** {}",
        d.str_at("Description").unwrap_or_default(),
        d.str_at("ServiceName").unwrap_or_default()
    );
    f.impact = d.str_at("Risk");
    f.mitigation = Some(format!(
        "{}\n{}",
        d.str_at("Remediation.Recommendation.Text")
            .unwrap_or_default(),
        d.get_path("Remediation.Code")
            .map(|c| c.to_string())
            .unwrap_or_else(|| "None".into())
    ));
    f.references = Some(format!(
        "{}\n{}",
        d.str_at("Remediation.Recommendation.Url")
            .unwrap_or_else(|| "None".into()),
        d.str_at("RelatedUrl").unwrap_or_else(|| "None".into())
    ));
    Some((uid, f))
}

fn v4(d: &Value) -> Option<(String, Finding)> {
    let status = d.str_at("status_code")?;
    if !status.eq_ignore_ascii_case("FAIL") || d.str_at("status").as_deref() == Some("Suppressed") {
        return None;
    }
    let uid = d.str_at("finding_info.uid").unwrap_or_default();
    let account = d.str_at("cloud.account.uid").unwrap_or_default();
    let res = d
        .arr_at("resources")
        .first()
        .cloned()
        .unwrap_or(Value::Null);
    let region = res.str_at("region").unwrap_or_default();
    let comp = component(
        res.str_at("uid"),
        &d.str_at("cloud.provider").unwrap_or_default(),
        &account,
        &region,
        &res.str_at("name").unwrap_or_default(),
    );
    let issue = d.str_at("status_detail").unwrap_or_default();
    let time = d.str_at("time_dt").or_else(|| d.str_at("event_time"));
    let mut f = base(&issue, d.str_at("severity"), &uid, comp, time);
    f.description = format!(
        "**Issue:** {issue}\n**Description:** {}\n**AWS Account:** {account}\n**Region:** {region}\n**AWS Service:** {}",
        d.str_at("finding_info.desc").unwrap_or_default(),
        res.str_at("group.name").unwrap_or_default()
    );
    f.impact = d.str_at("risk_details");
    f.mitigation = Some(d.str_at("remediation.desc").unwrap_or_default());
    let refs: Vec<String> = d
        .arr_at("remediation.references")
        .iter()
        .filter_map(scalar_string)
        .collect();
    f.references = Some(format!(
        "{}\n{}",
        refs.join("\n"),
        d.str_at("unmapped.related_url").unwrap_or_default()
    ));
    Some((uid, f))
}
