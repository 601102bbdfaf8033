//! AWS Inspector2 findings (`aws inspector2 list-findings` JSON): package,
//! code and network-reachability findings on EC2, ECR and Lambda resources.

use serde_json::Value;

use crate::cvss::base_score_v3;
use crate::endpoint::Endpoint;
use crate::error::ParseError;
use crate::finding::{normalize_severity, Finding, ParseOutput};
use crate::registry::Input;
use crate::util::{
    parse_cwe, parse_date, parse_datetime, parse_json, py_repr, title_case, JsonExt,
};

const BAD_FORMAT: &str = "Incorrect Inspector2 report format";

pub fn parse(input: &Input<'_>) -> Result<ParseOutput, ParseError> {
    let data = parse_json(input.bytes)?;
    let Some(Value::Array(raw)) = data.get("findings") else {
        return Err(ParseError::invalid(format!(
            "{BAD_FORMAT}: no \"findings\" list"
        )));
    };
    let mut out = Vec::with_capacity(raw.len());
    for r in raw {
        let mut f = base_finding(r);
        match r.str_at("type").as_deref() {
            Some("PACKAGE_VULNERABILITY") => package_vulnerability(&mut f, r),
            Some("CODE_VULNERABILITY") => code_vulnerability(&mut f, r),
            Some("NETWORK_REACHABILITY") => network_reachability(&mut f, r),
            other => {
                return Err(ParseError::invalid(format!(
                    "{BAD_FORMAT}: unknown finding type {}",
                    other.unwrap_or("(none)")
                )))
            }
        }
        if let Some(vector) = r.str_at("inspectorScoreDetails.adjustedCvss.scoringVector") {
            if let Some(score) = base_score_v3(&vector) {
                f.cvssv3 = Some(vector);
                f.cvssv3_score = Some(score);
            }
        }
        resources(&mut f, r)?;
        out.push(f);
    }
    Ok(ParseOutput::single(out))
}

/// Python's `str()` of a JSON value: strings bare, the rest as their repr.
fn text(v: &Value) -> String {
    match v {
        Value::String(s) => s.clone(),
        other => py_repr(other),
    }
}

/// `text` of `v[key]`, or "N/A" when the key is absent.
fn or_na(v: &Value, key: &str) -> String {
    v.get(key).map_or_else(|| "N/A".into(), text)
}

fn base_finding(r: &Value) -> Finding {
    let arn = r.get("findingArn").filter(|v| !v.is_null()).map(text);
    let title = r
        .get("title")
        .map_or_else(|| "The title could not be identified...".into(), text);
    let mut description = String::new();
    let mut line = |label: &str, key: &str| {
        if let Some(v) = r.get(key).filter(|v| !v.is_null()) {
            description.push_str(&format!("{label}{}\n", text(v)));
        }
    };
    line("**AWS Account**: ", "awsAccountId");
    line("**Finding ARN**: ", "findingArn");
    line("Inspector score: ", "inspectorScore");
    line("Discovered at: ", "firstObservedAt");
    line("Last seen: ", "lastObservedAt");
    if let Some(v) = r.get("description").filter(|v| !v.is_null()) {
        description.push_str(&format!("Original description: \n{}\n", text(v)));
    }
    let severity = match r.get("severity").map(text).as_deref() {
        None | Some("UNTRIAGED") => "Info".to_string(),
        Some(s) => normalize_severity(&title_case(s)),
    };
    let mut f = Finding::new_static(title, severity);
    f.description = description;
    f.unique_id_from_tool = arn;
    if r.get("status").is_none_or(|s| s.as_str() == Some("ACTIVE")) {
        f.active = true;
    } else {
        f.active = false;
        f.is_mitigated = true;
        // A closed finding without a last-seen time was closed "now"; the
        // importer stamps that itself.
        f.mitigated = r
            .str_at("lastObservedAt")
            .as_deref()
            .and_then(parse_datetime);
    }
    f.epss_score = r.f64_at("epss.score");
    f
}

fn package_vulnerability(f: &mut Finding, r: &Value) {
    let empty = Value::Null;
    let details = r.get("packageVulnerabilityDetails").unwrap_or(&empty);
    let packages = details.arr_at("vulnerablePackages");
    let listing: Vec<String> = packages
        .iter()
        .map(|p| {
            format!(
                "*Vulnerable package*: {}\n\tpackage manager: {}\n\tversion: {}\n\tfixed version: {}\n\tremediation: {}\n",
                or_na(p, "name"),
                or_na(p, "packageManager"),
                or_na(p, "version"),
                or_na(p, "fixedInVersion"),
                or_na(p, "remediation")
            )
        })
        .collect();
    if let Some(first) = packages.first() {
        f.component_name = first.str_at("name");
        f.component_version = first.str_at("version");
        f.file_path = first.str_at("filePath");
    }
    if let Some(id) = details.get("vulnerabilityId").filter(|v| !v.is_null()) {
        f.add_vulnerability_id(text(id));
    }
    let refs: Vec<String> = details.arr_at("referenceUrls").iter().map(text).collect();
    if !refs.is_empty() {
        f.references = Some(refs.join("\n"));
    }
    f.publish_date = details
        .str_at("vendorCreatedAt")
        .as_deref()
        .and_then(parse_date);
    let source = details.get("source").filter(|v| !v.is_null());
    let url = details.get("sourceUrl").filter(|v| !v.is_null());
    if let (Some(source), Some(url)) = (source, url) {
        f.url = Some(text(url));
        f.description.push_str(&format!(
            "\n**Additional info**\nVulnerability info from: {} {}\nAffected packages:\n{}\n",
            text(source),
            text(url),
            listing.join("\n")
        ));
    }
}

fn code_vulnerability(f: &mut Finding, r: &Value) {
    // DefectDojo reads these from the finding itself, not from
    // `codeVulnerabilityDetails`, so real reports show "N/A" for most.
    let cwes: Vec<String> = r.arr_at("cwes").iter().map(text).collect();
    let empty = Value::Null;
    let location = r.get("filePath").unwrap_or(&empty);
    let path = format!(
        "{}{}",
        or_na(location, "filePath"),
        or_na(location, "fileName")
    );
    let joined = |key: &str| {
        let items: Vec<String> = r.arr_at(key).iter().map(text).collect();
        if items.is_empty() {
            "N/A".to_string()
        } else {
            items.join(", ")
        }
    };
    f.description.push_str(&format!(
        "\n**Additional info**\nCWEs: {}\nVulnerability info from: {} {}\nRule: {}\nLines: {} - {}\nTags: {}\nURLs: {}\nLambda layer ARN: {}\n",
        cwes.join(", "),
        or_na(r, "detectorId"),
        or_na(r, "detectorName"),
        or_na(r, "ruleId"),
        or_na(location, "startLine"),
        or_na(location, "endLine"),
        joined("detectorTags"),
        joined("referenceUrls"),
        or_na(r, "sourceLambdaLayerArn"),
    ));
    let numbers: Vec<u32> = cwes.iter().filter_map(|c| parse_cwe(c)).collect();
    f.cwe = numbers.first().copied();
    f.cwes = numbers;
    f.file_path = Some(path.clone());
    f.sast_source_file_path = Some(path);
    f.line = location.i64_at("startLine");
    f.sast_source_line = f.line;
}

fn network_reachability(f: &mut Finding, r: &Value) {
    let steps: Vec<String> = r
        .arr_at("networkPath.steps")
        .iter()
        .enumerate()
        .map(|(i, s)| {
            format!(
                "steps:\n{i}: {} {}",
                or_na(s, "componentId"),
                or_na(s, "componentType")
            )
        })
        .collect();
    let empty = Value::Null;
    let ports = r.get("openPortRange").unwrap_or(&empty);
    f.description.push_str(&format!(
        "\n**Additional info**\nprotocol {}, port range {} - {}{}\n",
        or_na(r, "protocol"),
        or_na(ports, "begin"),
        or_na(ports, "end"),
        steps.join("\n")
    ));
}

/// Each affected resource becomes an endpoint whose host names it, and its
/// details go into the impact text.
fn resources(f: &mut Finding, r: &Value) -> Result<(), ParseError> {
    let mut impact: Vec<String> = Vec::new();
    for res in r.arr_at("resources") {
        let kind = res.str_at("type");
        let id = or_na(res, "id");
        let mut host =
            format!("{}_{id}", kind.as_deref().unwrap_or("None")).replace([':', '/'], "_");
        let details = res.get("details");
        match kind.as_deref() {
            Some("AWS_EC2_INSTANCE") => {
                host = id.clone();
                if let Some(d) = details.and_then(|d| d.get("awsEc2Instance")) {
                    impact.extend([
                        format!("ARN: {id}"),
                        format!("Image ID: {}", or_na(d, "imageId")),
                        format!("IPv4 address: {}", or_na(d, "ipV4Addresses")),
                        format!("Subnet: {}", or_na(d, "subnetId")),
                        format!("VPC: {}", or_na(d, "vpcId")),
                        format!("Region: {}", or_na(res, "region")),
                        format!(
                            "AWS Account: {}",
                            r.get("awsAccountId").map_or_else(|| "None".into(), text)
                        ),
                        format!("Launched at: {}", or_na(d, "launchedAt")),
                        "---".into(),
                    ]);
                }
            }
            Some("AWS_ECR_CONTAINER_IMAGE") => {
                let image = id
                    .split_once("repository/")
                    .map(|(_, t)| t)
                    .ok_or_else(|| {
                        ParseError::invalid(format!("{BAD_FORMAT}: ECR image id {id}"))
                    })?;
                host = image.replace("sha256:", "").replace('/', "-");
                if let Some(d) = details.and_then(|d| d.get("awsEcrContainerImage")) {
                    let tags: Vec<String> = d.arr_at("imageTags").iter().map(text).collect();
                    impact.extend([
                        format!("ARN: {id}"),
                        format!("Registry: {}", or_na(d, "registry")),
                        format!("Repository: {}", or_na(d, "repositoryName")),
                        format!("Hash: {}", or_na(d, "imageHash")),
                        format!("Author: {}", or_na(d, "author")),
                        format!("Pushed at: {}", or_na(d, "pushedAt")),
                        format!("Image tags: {}", tags.join(",")),
                        "---".into(),
                    ]);
                }
            }
            // The API documents no details for repositories.
            Some("AWS_ECR_REPOSITORY") => {}
            Some("AWS_LAMBDA_FUNCTION") => {
                let function = id.split_once("function:").map(|(_, t)| t).ok_or_else(|| {
                    ParseError::invalid(format!("{BAD_FORMAT}: Lambda function id {id}"))
                })?;
                host = function.replace([':', '/'], "-");
                if let Some(d) = details.and_then(|d| d.get("awsLambdaFunction")) {
                    impact.extend([
                        format!("ARN: {id}"),
                        format!("Name: {}", or_na(d, "functionName")),
                        format!("Version: {}", or_na(d, "version")),
                        format!("Runtime: {}", or_na(d, "runtime")),
                        format!("Hash: {}", or_na(d, "codeSha256")),
                        format!("Pushed at: {}", or_na(d, "lastModifiedAt")),
                    ]);
                }
            }
            other => {
                return Err(ParseError::invalid(format!(
                    "{BAD_FORMAT}: unknown resource type {}",
                    other.unwrap_or("(none)")
                )))
            }
        }
        f.endpoints.push(Endpoint::host(host));
    }
    f.impact = Some(impact.join("\n"));
    Ok(())
}
