//! THC-Hydra JSON output (`-b json`): each result is a working login.

use crate::endpoint::Endpoint;
use crate::error::ParseError;
use crate::finding::{Finding, ParseOutput};
use crate::registry::Input;
use crate::util::{parse_date, parse_json, JsonExt};

pub fn parse(input: &Input<'_>) -> Result<ParseOutput, ParseError> {
    let data = parse_json(input.bytes)?;
    let (Some(generator), Some(results)) = (data.get("generator"), data.get("results")) else {
        return Err(ParseError::invalid(
            "not a Hydra report (needs \"generator\" and \"results\")",
        ));
    };
    // Without a build date DefectDojo stamps the import day, which the
    // importer's default gives as well.
    let date = generator.str_at("built").and_then(|d| parse_date(&d));
    let service = generator.str_at("service");
    let mut out = Vec::new();
    for r in results.as_array().map(Vec::as_slice).unwrap_or_default() {
        // Results lacking any of these cannot be acted upon and are skipped.
        let (Some(host), Some(port), Some(login), Some(password)) = (
            r.str_at("host"),
            r.get("port").filter(|p| !p.is_null()),
            r.get("login").and_then(|l| l.as_str()),
            r.get("password").and_then(|p| p.as_str()),
        ) else {
            continue;
        };
        let port_text = crate::util::scalar_string(port).unwrap_or_default();
        let mut f = Finding::new_dynamic(
            format!("Weak username / password combination found for {host}"),
            "High",
        );
        f.date = date;
        f.description = format!(
            "{host} on port {port_text} is allowing logins with easy to guess username {login} and password {password}"
        );
        f.service = service.clone();
        let mut ep = Endpoint::host(host);
        ep.port = port_text.parse().ok();
        f.endpoints = vec![ep];
        out.push(f);
    }
    Ok(ParseOutput::single(out))
}
