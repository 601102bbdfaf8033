//! StackHawk HawkScan "scan completed" webhook payload.

use std::collections::HashSet;

use crate::endpoint::Endpoint;
use crate::error::ParseError;
use crate::finding::{Finding, ParseOutput};
use crate::registry::Input;
use crate::util::{parse_date, parse_json, JsonExt};

pub fn parse(input: &Input<'_>) -> Result<ParseOutput, ParseError> {
    let data = parse_json(input.bytes)?;
    let scan = match data.get("scanCompleted") {
        Some(s) if data.str_at("service").as_deref() == Some("StackHawk") && s.is_object() => s,
        _ => {
            return Err(ParseError::invalid(
                "not a StackHawk scanCompleted payload (service must be \"StackHawk\")",
            ))
        }
    };
    let date = scan
        .str_at("scan.startedTimestamp")
        .and_then(|d| parse_date(&d));
    let application = scan.str_at("scan.application");
    let env = scan.str_at("scan.env");
    let link = |u: &str| format!("[{u}]({u})");
    let mut out = Vec::new();
    let mut seen = HashSet::new();
    for raw in scan.arr_at("findings") {
        // One finding per plugin; later repeats of a plugin are ignored.
        if !seen.insert(raw.str_at("pluginId").unwrap_or_default()) {
            continue;
        }
        let severity = raw.str_at("severity").unwrap_or_default();
        let mut f = Finding::new_dynamic(raw.str_at("pluginName").unwrap_or_default(), severity);
        f.date = date;
        f.description = format!(
            "View this finding in the StackHawk platform at:\n{}",
            link(&raw.str_at("findingURL").unwrap_or_default())
        );
        let host = raw.str_at("host").unwrap_or_default();
        let mut steps =
            String::from("Use a specific message link and click 'Validate' to see the cURL!\n\n");
        let mut statuses = Vec::new();
        for p in raw.arr_at("paths") {
            let path = p.str_at("path").unwrap_or_default();
            steps.push_str(&format!(
                "**{path}**\n{}\n",
                link(&p.str_at("pathURL").unwrap_or_default())
            ));
            f.endpoints
                .push(Endpoint::from_uri(&format!("{host}{path}")));
            statuses.push(p.str_at("status").unwrap_or_default());
        }
        // Triage done in StackHawk carries over only when every path agrees.
        if !statuses.is_empty() {
            f.false_p = statuses.iter().all(|s| s == "FALSE_POSITIVE");
            f.risk_accepted = statuses.iter().all(|s| s == "RISK_ACCEPTED");
        }
        f.steps_to_reproduce = Some(steps);
        f.component_name = application.clone();
        f.component_version = env.clone();
        f.service = application.clone();
        f.vuln_id_from_tool = raw.str_at("pluginId");
        f.nb_occurences = raw.i64_at("totalCount");
        out.push(f);
    }
    Ok(ParseOutput::single(out))
}
