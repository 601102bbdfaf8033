use super::valid_severity;
use crate::endpoint::Endpoint;
use crate::error::ParseError;
use crate::finding::Finding;
use crate::util::parse_date;
use crate::xml::decode_text;
use std::collections::HashSet;

fn flag(v: &str) -> Option<bool> {
    match v.to_ascii_lowercase().as_str() {
        "true" => Some(true),
        "false" => Some(false),
        _ => None,
    }
}

/// Applies one cell. Columns are handled in file order because later ones
/// refine earlier ones (a summary replaces the description).
fn apply(f: &mut Finding, ep: &mut Endpoint, column: &str, v: &str) {
    let digits = !v.is_empty() && v.chars().all(|c| c.is_ascii_digit());
    match column.to_ascii_lowercase().as_str() {
        "timestamp" => f.date = parse_date(v),
        "nvt name" => f.title = v.to_string(),
        "cweid" if digits => f.cwe = v.parse().ok(),
        "port" if digits => ep.port = v.parse().ok(),
        "port protocol" if !v.is_empty() => ep.protocol = Some(v.to_string()),
        "cves" if v.contains(',') => {
            f.description.push_str(&format!("\n**All CVEs:** {v}"));
            f.vulnerability_ids.extend(v.split(',').map(str::to_string));
        }
        "cves" if !v.is_empty() => f.vulnerability_ids.push(v.to_string()),
        "nvt oid" => f.vulnerability_ids.extend(crate::util::find_cves(v)),
        // A hostname, when present, wins over the IP whatever the column order.
        "ip" if ep.host.is_none() => {
            ep.host = Some(v.trim().to_string()).filter(|h| !h.is_empty());
        }
        "hostname" if !v.is_empty() => ep.host = Some(v.trim().to_string()),
        "severity" => f.severity = valid_severity(v),
        "cvss" if !v.is_empty() => f.cvssv3_score = v.trim().parse().ok(),
        "summary" => f.description = v.to_string(),
        "solution" => f.mitigation = Some(v.to_string()),
        "vulnerability insight" => f.impact = Some(v.to_string()),
        "specific result" => f.references = Some(v.to_string()),
        "active" => f.active = flag(v).unwrap_or(false),
        "verified" => f.verified = flag(v).unwrap_or(false),
        "falsepositive" => f.false_p = flag(v).unwrap_or(false),
        "duplicate" => f.duplicate = flag(v).unwrap_or(false),
        _ => {}
    }
}

pub(super) fn findings(bytes: &[u8]) -> Result<Vec<Finding>, ParseError> {
    let text = decode_text(bytes);
    let mut rdr = csv::ReaderBuilder::new()
        .has_headers(false)
        .flexible(true)
        .from_reader(text.as_bytes());
    let mut header: Vec<String> = Vec::new();
    let mut out: Vec<Finding> = Vec::new();
    let mut keys: HashSet<String> = HashSet::new();
    for (n, rec) in rdr.records().enumerate() {
        let rec = rec?;
        if n == 0 {
            header = rec.iter().map(str::to_string).collect();
            continue;
        }
        let mut f = Finding::new_dynamic("", "Info");
        let mut ep = Endpoint::default();
        let mut ip = None;
        for (i, v) in rec.iter().enumerate() {
            let Some(col) = header.get(i) else { continue };
            apply(&mut f, &mut ep, col, v);
            if col.eq_ignore_ascii_case("ip") {
                ip = Some(v.to_string());
            }
        }
        if let Some(ip) = ip.filter(|i| !i.is_empty()) {
            f.description.push_str(&format!("\n**IP**: {ip}"));
        }
        let key = format!("{ep}|{}|{}|{}", f.severity, f.title, f.description);
        if keys.insert(key) {
            f.endpoints.push(ep);
            out.push(f);
        }
    }
    Ok(out)
}
