//! SSLyze JSON output (`sslyze --json_out`), both the 3.x/4.x layout
//! (`scan_commands_results` with bare command results) and the 5.x layout
//! (`scan_result` with each command's `status` and `result`).
//!
//! Reports embed certificates whose RSA moduli are integers too large for
//! any JSON number type, so only the fields read here are deserialized and
//! the rest is skipped unparsed.

use serde::Deserialize;

use crate::endpoint::Endpoint;
use crate::error::ParseError;
use crate::finding::{Finding, ParseOutput};
use crate::lax::{from_text, Obj, Present, Scalar, Seq};
use crate::registry::Input;
use crate::util::json_text;

/// TLS 1.2 cipher suites the German BSI recommended in 2020 (TR-02102-2).
/// The truncated DHE_DSS AES-256-CBC entry is how DefectDojo lists it, so
/// that suite is reported as unrecommended there and here.
const TLS12_RECOMMENDED: &[&str] = &[
    "TLS_ECDHE_ECDSA_WITH_AES_128_CBC_SHA256",
    "TLS_ECDHE_ECDSA_WITH_AES_256_CBC_SHA384",
    "TLS_ECDHE_ECDSA_WITH_AES_128_GCM_SHA256",
    "TLS_ECDHE_ECDSA_WITH_AES_256_GCM_SHA384",
    "TLS_ECDHE_ECDSA_WITH_AES_128_CCM",
    "TLS_ECDHE_ECDSA_WITH_AES_256_CCM",
    "TLS_ECDHE_RSA_WITH_AES_128_CBC_SHA256",
    "TLS_ECDHE_RSA_WITH_AES_256_CBC_SHA384",
    "TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256",
    "TLS_ECDHE_RSA_WITH_AES_256_GCM_SHA384",
    "TLS_DHE_DSS_WITH_AES_128_CBC_SHA256",
    "TLS_DHE_DSS_WITH_AES_256_CBC_",
    "TLS_DHE_DSS_WITH_AES_128_GCM_SHA256",
    "TLS_DHE_DSS_WITH_AES_256_GCM_SHA384",
    "TLS_DHE_RSA_WITH_AES_128_CBC_SHA256",
    "TLS_DHE_RSA_WITH_AES_256_CBC_SHA256",
    "TLS_DHE_RSA_WITH_AES_128_GCM_SHA256",
    "TLS_DHE_RSA_WITH_AES_256_GCM_SHA384",
    "TLS_DHE_RSA_WITH_AES_128_CCM",
    "TLS_DHE_RSA_WITH_AES_256_CCM",
    "TLS_ECDH_ECDSA_WITH_AES_128_CBC_SHA256",
    "TLS_ECDH_ECDSA_WITH_AES_256_CBC_SHA384",
    "TLS_ECDH_ECDSA_WITH_AES_128_GCM_SHA256",
    "TLS_ECDH_ECDSA_WITH_AES_256_GCM_SHA384",
    "TLS_ECDH_RSA_WITH_AES_128_CBC_SHA256",
    "TLS_ECDH_RSA_WITH_AES_256_CBC_SHA384",
    "TLS_ECDH_RSA_WITH_AES_128_GCM_SHA256",
    "TLS_ECDH_RSA_WITH_AES_256_GCM_SHA384",
    "TLS_DH_DSS_WITH_AES_128_CBC_SHA256",
    "TLS_DH_DSS_WITH_AES_256_CBC_SHA256",
    "TLS_DH_DSS_WITH_AES_128_GCM_SHA256",
    "TLS_DH_DSS_WITH_AES_256_GCM_SHA384",
    "TLS_DH_RSA_WITH_AES_128_CBC_SHA256",
    "TLS_DH_RSA_WITH_AES_256_CBC_SHA256",
    "TLS_DH_RSA_WITH_AES_128_GCM_SHA256",
    "TLS_DH_RSA_WITH_AES_256_GCM_SHA384",
    "TLS_ECDHE_PSK_WITH_AES_128_CBC_SHA256",
    "TLS_ECDHE_PSK_WITH_AES_256_CBC_SHA384",
    "TLS_ECDHE_PSK_WITH_AES_128_GCM_SHA256",
    "TLS_ECDHE_PSK_WITH_AES_256_GCM_SHA384",
    "TLS_ECDHE_PSK_WITH_AES_128_CCM_SHA256",
    "TLS_DHE_PSK_WITH_AES_128_CBC_SHA256",
    "TLS_DHE_PSK_WITH_AES_256_CBC_SHA384",
    "TLS_DHE_PSK_WITH_AES_128_GCM_SHA256",
    "TLS_DHE_PSK_WITH_AES_256_GCM_SHA384",
    "TLS_DHE_PSK_WITH_AES_128_CCM",
    "TLS_DHE_PSK_WITH_AES_256_CCM",
    "TLS_RSA_PSK_WITH_AES_128_CBC_SHA256",
    "TLS_RSA_PSK_WITH_AES_256_CBC_SHA384",
    "TLS_RSA_PSK_WITH_AES_128_GCM_SHA256",
    "TLS_RSA_PSK_WITH_AES_256_GCM_SHA384",
];

const TLS13_RECOMMENDED: &[&str] = &[
    "TLS_AES_128_GCM_SHA256",
    "TLS_AES_256_GCM_SHA384",
    "TLS_AES_128_CCM_SHA256",
];

const BSI_REFERENCES: &str = "TLS recommendations of German BSI: https://www.bsi.bund.de/SharedDocs/Downloads/EN/BSI/Publications/TechGuidelines/TG02102/BSI-TR-02102-2.pdf?__blob=publicationFile&v=10";

pub fn parse(input: &Input<'_>) -> Result<ParseOutput, ParseError> {
    let text = json_text(input.bytes);
    let mut tree = None;
    let report: Obj<Report<'_>> = from_text(&text, &mut tree)?;
    let Some(servers) = report.server_scan_results.get() else {
        return Err(ParseError::MissingField("server_scan_results".into()));
    };
    let mut out = Vec::new();
    for server in servers.iter() {
        let endpoint = endpoint(server);
        let commands = server
            .scan_commands_results
            .get()
            .or_else(|| server.scan_result.get());
        let Some(commands) = commands else {
            continue;
        };
        let target = Target {
            endpoint: endpoint.as_ref(),
            url: url(endpoint.as_ref()),
        };
        let checks = [
            heartbleed(commands, &target),
            ccs_injection(commands, &target),
            renegotiation(commands, &target),
            weak_protocol(&commands.ssl_2_0_cipher_suites, "SSL 2.0", &target),
            weak_protocol(&commands.ssl_3_0_cipher_suites, "SSL 3.0", &target),
            weak_protocol(&commands.tls_1_0_cipher_suites, "TLS 1.0", &target),
            weak_protocol(&commands.tls_1_1_cipher_suites, "TLS 1.1", &target),
            strong_protocol(
                &commands.tls_1_2_cipher_suites,
                "TLS 1.2",
                TLS12_RECOMMENDED,
                &target,
            ),
            strong_protocol(
                &commands.tls_1_3_cipher_suites,
                "TLS 1.3",
                TLS13_RECOMMENDED,
                &target,
            ),
            certificate(commands, &target),
        ];
        out.extend(checks.into_iter().flatten());
    }
    Ok(ParseOutput::single(out))
}

#[derive(Default, Deserialize)]
#[serde(default)]
struct Report<'a> {
    #[serde(borrow)]
    server_scan_results: Present<Seq<Obj<Server<'a>>>>,
}

#[derive(Default, Deserialize)]
#[serde(default)]
struct Server<'a> {
    #[serde(borrow)]
    server_info: Present<Obj<ServerInfo<'a>>>,
    #[serde(borrow)]
    server_location: Obj<Location<'a>>,
    #[serde(borrow)]
    scan_commands_results: Present<Obj<Commands<'a>>>,
    #[serde(borrow)]
    scan_result: Present<Obj<Commands<'a>>>,
}

#[derive(Default, Deserialize)]
#[serde(default)]
struct ServerInfo<'a> {
    #[serde(borrow)]
    server_location: Obj<Location<'a>>,
}

#[derive(Default, Deserialize)]
#[serde(default)]
struct Location<'a> {
    #[serde(borrow)]
    hostname: Scalar<'a>,
    #[serde(borrow)]
    port: Scalar<'a>,
}

#[derive(Default, Deserialize)]
#[serde(default)]
struct Commands<'a> {
    #[serde(borrow)]
    heartbleed: Obj<Command<'a>>,
    #[serde(borrow)]
    openssl_ccs_injection: Obj<Command<'a>>,
    #[serde(borrow)]
    session_renegotiation: Obj<Command<'a>>,
    #[serde(borrow)]
    ssl_2_0_cipher_suites: Obj<Command<'a>>,
    #[serde(borrow)]
    ssl_3_0_cipher_suites: Obj<Command<'a>>,
    #[serde(borrow)]
    tls_1_0_cipher_suites: Obj<Command<'a>>,
    #[serde(borrow)]
    tls_1_1_cipher_suites: Obj<Command<'a>>,
    #[serde(borrow)]
    tls_1_2_cipher_suites: Obj<Command<'a>>,
    #[serde(borrow)]
    tls_1_3_cipher_suites: Obj<Command<'a>>,
    #[serde(borrow)]
    certificate_info: Obj<Command<'a>>,
}

/// One scan command: in the old layout the result fields sit on the
/// command itself, in the new one under `result`.
#[derive(Default, Deserialize)]
#[serde(default)]
struct Command<'a> {
    #[serde(borrow)]
    status: Scalar<'a>,
    #[serde(borrow)]
    result: Present<Box<Obj<Command<'a>>>>,
    #[serde(borrow)]
    is_vulnerable_to_heartbleed: Scalar<'a>,
    #[serde(borrow)]
    is_vulnerable_to_ccs_injection: Scalar<'a>,
    #[serde(borrow)]
    accepts_client_renegotiation: Present<Scalar<'a>>,
    #[serde(borrow)]
    supports_secure_renegotiation: Present<Scalar<'a>>,
    #[serde(borrow)]
    is_vulnerable_to_client_renegotiation_dos: Scalar<'a>,
    #[serde(borrow)]
    accepted_cipher_suites: Seq<Obj<Accepted<'a>>>,
    #[serde(borrow)]
    certificate_deployments: Seq<Obj<Deployment<'a>>>,
}

#[derive(Default, Deserialize)]
#[serde(default)]
struct Accepted<'a> {
    #[serde(borrow)]
    cipher_suite: Obj<Suite<'a>>,
}

#[derive(Default, Deserialize)]
#[serde(default)]
struct Suite<'a> {
    #[serde(borrow)]
    name: Scalar<'a>,
}

#[derive(Default, Deserialize)]
#[serde(default)]
struct Deployment<'a> {
    #[serde(borrow)]
    leaf_certificate_subject_matches_hostname: Scalar<'a>,
    #[serde(borrow)]
    path_validation_results: Seq<Obj<Validation<'a>>>,
}

#[derive(Default, Deserialize)]
#[serde(default)]
struct Validation<'a> {
    #[serde(borrow)]
    openssl_error_string: Scalar<'a>,
    #[serde(borrow)]
    trust_store: Obj<TrustStore<'a>>,
}

#[derive(Default, Deserialize)]
#[serde(default)]
struct TrustStore<'a> {
    #[serde(borrow)]
    name: Scalar<'a>,
    #[serde(borrow)]
    version: Scalar<'a>,
}

struct Target<'a> {
    endpoint: Option<&'a Endpoint>,
    /// `host:port` as the findings' titles and descriptions name the server.
    url: String,
}

impl Target<'_> {
    fn finding(&self, title: &str, description: String) -> Finding {
        let mut f = Finding::new_static(format!("{title} ({})", self.url), "Medium");
        f.description = description;
        if let Some(e) = self.endpoint {
            f.endpoints.push(e.clone());
        }
        f
    }
}

fn endpoint(server: &Server<'_>) -> Option<Endpoint> {
    let location = match server.server_info.get() {
        Some(info) => &info.server_location,
        None => &server.server_location,
    };
    let host = location.hostname.text()?;
    Some(Endpoint {
        port: location.port.i64().and_then(|p| u16::try_from(p).ok()),
        ..Endpoint::host(host)
    })
}

fn url(endpoint: Option<&Endpoint>) -> String {
    let Some(e) = endpoint else {
        return "unkown host".into();
    };
    let mut url = e.host.clone().unwrap_or_else(|| "unkown host".into());
    if let Some(p) = e.port {
        url.push_str(&format!(":{p}"));
    }
    url
}

/// A command's result; nothing for commands that were not run.
fn result<'c, 'a>(node: &'c Command<'a>) -> Option<&'c Command<'a>> {
    if node.status.as_str() == Some("NOT_SCHEDULED") {
        return None;
    }
    Some(node.result.get().map_or(node, |r| &***r))
}

fn heartbleed(commands: &Commands<'_>, t: &Target<'_>) -> Option<Finding> {
    let r = result(&commands.heartbleed)?;
    if r.is_vulnerable_to_heartbleed.bool() != Some(true) {
        return None;
    }
    let mut f = t.finding(
        "Heartbleed",
        format!("{} is vulnerable to heartbleed", t.url),
    );
    f.add_vulnerability_id("CVE-2014-0160");
    Some(f)
}

fn ccs_injection(commands: &Commands<'_>, t: &Target<'_>) -> Option<Finding> {
    let r = result(&commands.openssl_ccs_injection)?;
    if r.is_vulnerable_to_ccs_injection.bool() != Some(true) {
        return None;
    }
    let mut f = t.finding(
        "CCS injection",
        format!("{} is vulnerable to OpenSSL CCS injection", t.url),
    );
    f.add_vulnerability_id("CVE-2014-0224");
    Some(f)
}

fn renegotiation(commands: &Commands<'_>, t: &Target<'_>) -> Option<Finding> {
    let node = &commands.session_renegotiation;
    let r = result(node)?;
    let intro = format!("{} has problems with session renegotiation:", t.url);
    if let (Some(accepts), Some(secure)) = (
        r.accepts_client_renegotiation.get(),
        r.supports_secure_renegotiation.get(),
    ) {
        // The old layout: one finding listing both problems.
        let mut description = intro;
        let mut vulnerable = false;
        if accepts.bool() == Some(true) {
            vulnerable = true;
            description.push_str("\n - Client renegotiation is accepted");
        }
        if secure.bool() == Some(false) {
            vulnerable = true;
            description.push_str("\n - Secure session renegotiation is not supported");
        }
        return vulnerable.then(|| t.finding("Session renegotiation", description));
    }
    node.result.get()?;
    if r.is_vulnerable_to_client_renegotiation_dos.bool() == Some(true) {
        return Some(t.finding("Is vulnerable to client negotiation DoS", intro));
    }
    let secure = r.supports_secure_renegotiation.get().and_then(|s| s.bool());
    if secure == Some(false) {
        return Some(t.finding("Does not support secure negotiations", intro));
    }
    None
}

fn weak_protocol(node: &Command<'_>, name: &str, t: &Target<'_>) -> Option<Finding> {
    if result(node)?.accepted_cipher_suites.is_empty() {
        return None;
    }
    let mut f = t.finding(
        &format!("{name} not recommended"),
        format!("{} accepts {name} connections", t.url),
    );
    f.references = Some(BSI_REFERENCES.into());
    Some(f)
}

fn strong_protocol(
    node: &Command<'_>,
    name: &str,
    recommended: &[&str],
    t: &Target<'_>,
) -> Option<Finding> {
    let unrecommended: Vec<String> = result(node)?
        .accepted_cipher_suites
        .iter()
        .filter_map(|s| s.cipher_suite.name.text())
        .filter(|n| !recommended.contains(&n.as_str()))
        .collect();
    if unrecommended.is_empty() {
        return None;
    }
    let mut description = format!("{} accepts unrecommended cipher suites for {name}:", t.url);
    for n in &unrecommended {
        description.push_str(&format!("\n - {n}"));
    }
    let mut f = t.finding(
        &format!("Unrecommended cipher suites for {name}"),
        description,
    );
    f.references = Some(BSI_REFERENCES.into());
    Some(f)
}

/// The first certificate deployment with a problem: a subject that does not
/// match the host, or a trust store that failed to validate the chain.
fn certificate(commands: &Commands<'_>, t: &Target<'_>) -> Option<Finding> {
    let r = result(&commands.certificate_info)?;
    for deployment in r.certificate_deployments.iter() {
        let mut description = format!("{} has problems in certificate deployments:", t.url);
        let mut vulnerable = false;
        if deployment.leaf_certificate_subject_matches_hostname.bool() == Some(false) {
            vulnerable = true;
            description.push_str("\n - Certificate subject does not match hostname");
        }
        for validation in deployment.path_validation_results.iter() {
            let Some(error) = validation.openssl_error_string.text() else {
                continue;
            };
            vulnerable = true;
            description.push_str(&format!("\n - {error}"));
            if let Some(name) = validation.trust_store.name.text() {
                description.push_str(&format!(" for trust store {name}"));
            }
            if let Some(version) = validation.trust_store.version.text() {
                description.push_str(&format!(", version {version}"));
            }
        }
        if vulnerable {
            return Some(t.finding("Problems in certificate deployments", description));
        }
    }
    None
}
