use super::valid_severity;
use crate::endpoint::Endpoint;
use crate::error::ParseError;
use crate::finding::Finding;
use crate::xml;

pub(super) fn findings(bytes: &[u8]) -> Result<Vec<Finding>, ParseError> {
    let root = xml::parse(bytes)?;
    if !root.name.contains("report") {
        return Err(ParseError::invalid("not a Greenbone OpenVAS XML report"));
    }
    let mut out = Vec::new();
    let Some(results) = root.path("report/results") else {
        return Ok(out);
    };
    for result in &results.children {
        let mut title = String::new();
        let mut description: Vec<String> = Vec::new();
        let mut ep = Endpoint::default();
        let mut script_id = None;
        let mut severity = "Info".to_string();
        for field in &result.children {
            let text = field.text.trim();
            match field.name.as_str() {
                "name" => {
                    title = text.to_string();
                    description = vec![format!("**Name**: {text}")];
                }
                "hostname" => {
                    title = format!("{title}_{text}");
                    description.push(format!("**Hostname**: {text}"));
                    if !text.is_empty() {
                        ep.host = Some(text.to_string());
                    }
                }
                "host" => {
                    title = format!("{title}_{text}");
                    description.push(format!("**Host**: {text}"));
                    if ep.host.is_none() && !text.is_empty() {
                        ep.host = Some(text.to_string());
                    }
                }
                "port" => {
                    title = format!("{title}_{text}");
                    description.push(format!("**Port**: {text}"));
                    if let Some((port, proto)) = text.split_once('/') {
                        ep.port = port.parse().ok();
                        ep.protocol = Some(proto.to_string());
                    }
                }
                "nvt" => {
                    description.push(format!("**NVT**: {text}"));
                    script_id = field
                        .attr("oid")
                        .map(str::to_string)
                        .or_else(|| Some(text.to_string()));
                }
                "severity" => description.push(format!("**Severity**: {text}")),
                "threat" => {
                    description.push(format!("**Threat**: {text}"));
                    severity = valid_severity(text);
                }
                "qod" => description.push(format!("**QOD**: {}", field.all_text().trim())),
                "description" => description.push(format!("**Description**: {text}")),
                _ => {}
            }
        }
        let mut f = Finding::new_dynamic(title, severity);
        f.description = description.join("\n");
        f.vuln_id_from_tool = script_id;
        f.endpoints.push(ep);
        out.push(f);
    }
    Ok(out)
}
