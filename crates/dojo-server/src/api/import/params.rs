//! The parameters of `import-scan` and `reimport-scan` (api.md §4.1, §4.2), read
//! with Django REST Framework's semantics: in multipart an empty value means "not
//! supplied", a repeated scalar field counts by its last value, and every field's
//! errors are collected before answering.

use std::collections::BTreeMap;

use chrono::NaiveDate;
use dojo_domain::Severity;
use dojo_importer::{ImportRequest, Report};
use serde_json::{json, Map, Value};

use super::form::ImportForm;

/// Which endpoint is being served.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Kind {
    Import,
    Reimport,
}

/// DRF's `BooleanField` spellings.
const TRUE: &[&str] = &[
    "t", "T", "y", "Y", "yes", "Yes", "YES", "true", "True", "TRUE", "on", "On", "ON", "1",
];
const FALSE: &[&str] = &[
    "f", "F", "n", "N", "no", "No", "NO", "false", "False", "FALSE", "off", "Off", "OFF", "0",
];

const SEVERITIES: &[&str] = &["Info", "Low", "Medium", "High", "Critical"];
const GROUP_BY: &[&str] = &[
    "component_name",
    "component_name+component_version",
    "file_path",
    "finding_title",
    "vuln_id_from_tool",
];
const DEDUPLICATION_MODES: &[&str] = &["async", "async_wait", "sync"];

pub type FieldErrors = BTreeMap<String, Vec<String>>;

/// Reads typed values out of the form, recording DRF's messages.
struct Reader<'a> {
    fields: &'a BTreeMap<String, Vec<String>>,
    errors: FieldErrors,
}

impl<'a> Reader<'a> {
    fn error(&mut self, name: &str, message: impl Into<String>) {
        self.errors
            .entry(name.to_owned())
            .or_default()
            .push(message.into());
    }

    /// The last value of a field; an empty value is no value.
    fn raw(&self, name: &str) -> Option<&'a str> {
        self.fields
            .get(name)?
            .last()
            .map(String::as_str)
            .filter(|v| !v.is_empty())
    }

    /// DRF's `CharField`: surrounding whitespace trimmed; whitespace alone is blank.
    fn text(&mut self, name: &str) -> Option<String> {
        let value = self.raw(name)?.trim().to_owned();
        if value.is_empty() {
            self.error(name, "This field may not be blank.");
            return None;
        }
        Some(value)
    }

    /// DRF's `URLField(max_length=600)`.
    fn url(&mut self, name: &str) -> Option<String> {
        let value = self.text(name)?;
        if value.chars().count() > 600 {
            self.error(name, "Ensure this field has no more than 600 characters.");
            return None;
        }
        let valid = url::Url::parse(&value).is_ok_and(|u| {
            matches!(u.scheme(), "http" | "https" | "ftp" | "ftps") && u.host().is_some()
        });
        if !valid {
            self.error(name, "Enter a valid URL.");
            return None;
        }
        Some(value)
    }

    fn boolean(&mut self, name: &str) -> Option<bool> {
        let value = self.raw(name)?;
        if TRUE.contains(&value) {
            Some(true)
        } else if FALSE.contains(&value) {
            Some(false)
        } else {
            self.error(name, "Must be a valid boolean.");
            None
        }
    }

    /// DRF's `IntegerField`: surrounding spaces and a zero fraction are accepted.
    fn integer(&mut self, name: &str) -> Option<i64> {
        let value = self.raw(name)?.trim();
        let digits = match value.split_once('.') {
            Some((whole, fraction)) if fraction.chars().all(|c| c == '0') => whole,
            Some(_) => "",
            None => value,
        };
        match digits.parse::<i64>() {
            Ok(n) if !digits.starts_with('+') => Some(n),
            _ => {
                self.error(name, "A valid integer is required.");
                None
            }
        }
    }

    fn date(&mut self, name: &str) -> Option<NaiveDate> {
        let value = self.raw(name)?;
        match parse_date(value) {
            Some(date) => Some(date),
            None => {
                self.error(
                    name,
                    "Date has wrong format. Use one of these formats instead: YYYY-MM-DD.",
                );
                None
            }
        }
    }

    fn choice(&mut self, name: &str, choices: &[&str]) -> Option<String> {
        let value = self.raw(name)?;
        if choices.contains(&value) {
            Some(value.to_owned())
        } else {
            let message = format!("\"{value}\" is not a valid choice.");
            self.error(name, message);
            None
        }
    }

    /// DefectDojo's `TagListSerializerField`: every value split on commas (quoted
    /// parts kept whole), then each tag checked and lower-cased.
    fn tags(&mut self, name: &str) -> Vec<String> {
        let Some(values) = self.fields.get(name) else {
            return Vec::new();
        };
        let mut tags = Vec::new();
        for value in values {
            tags.extend(split_tags(value));
        }
        let invalid: Vec<String> = tags
            .iter()
            .filter(|t| t.contains([' ', ',', '\'', '"']))
            .map(|t| {
                format!("Invalid tag: '{t}'. Tags should not contain spaces, commas, or quotes.")
            })
            .collect();
        for message in invalid {
            self.error(name, message);
        }
        let mut lower: Vec<String> = Vec::new();
        for tag in tags {
            let tag = tag.to_lowercase();
            if !lower.contains(&tag) {
                lower.push(tag);
            }
        }
        lower
    }
}

/// Django's `parse_date`: `YYYY-M-D` with one or two digit month and day.
fn parse_date(value: &str) -> Option<NaiveDate> {
    let mut parts = value.split('-');
    let (year, month, day) = (parts.next()?, parts.next()?, parts.next()?);
    let digits = |s: &str, min: usize, max: usize| {
        (min..=max).contains(&s.len()) && s.bytes().all(|b| b.is_ascii_digit())
    };
    if parts.next().is_some() || !digits(year, 4, 4) || !digits(month, 1, 2) || !digits(day, 1, 2) {
        return None;
    }
    NaiveDate::from_ymd_opt(year.parse().ok()?, month.parse().ok()?, day.parse().ok()?)
}

/// Splits one tags value like the regex `(?:"[^"]*"|[^",]+)`.
fn split_tags(value: &str) -> Vec<String> {
    let mut out = Vec::new();
    let mut rest = value;
    while !rest.is_empty() {
        if let Some(quoted) = rest.strip_prefix('"') {
            if let Some(end) = quoted.find('"') {
                out.push(rest[..end + 2].to_owned());
                rest = &quoted[end + 1..];
                continue;
            }
            // An unmatched quote is skipped, as the regex skips it.
            rest = quoted;
            continue;
        }
        let end = rest.find([',', '"']).unwrap_or(rest.len());
        if end == 0 {
            // A comma separates tags.
            rest = &rest[1..];
            continue;
        }
        out.push(rest[..end].to_owned());
        rest = &rest[end..];
    }
    out
}

/// The validated request and the echo of its inputs for the response.
pub struct Accepted {
    pub request: ImportRequest,
    pub echo: Map<String, Value>,
}

/// Reads every parameter; all field errors come back together.
pub fn read(kind: Kind, form: ImportForm) -> Result<Accepted, FieldErrors> {
    let mut r = Reader {
        fields: &form.fields,
        errors: form.errors.clone(),
    };
    let scan_type = match r.fields.get("scan_type").and_then(|v| v.last()) {
        None => {
            r.error("scan_type", "This field is required.");
            None
        }
        Some(name) => match dojo_importer::scan_type(name) {
            Ok(info) => Some(info.name.to_owned()),
            Err(dojo_importer::ImportError::Field { message, .. }) => {
                r.error("scan_type", message);
                None
            }
            Err(other) => {
                r.error("scan_type", other.to_string());
                None
            }
        },
    };
    let mut request = ImportRequest::new(scan_type.clone().unwrap_or_default());
    let mut echo = Map::new();

    match kind {
        Kind::Import => request.engagement_id = r.integer("engagement"),
        Kind::Reimport => {
            request.test_id = r.integer("test");
            request.do_not_reactivate = r.boolean("do_not_reactivate").unwrap_or(false);
            echo.insert("do_not_reactivate".into(), json!(request.do_not_reactivate));
        }
    }
    request.product_type_name = r.text("product_type_name");
    request.product_name = r.text("product_name");
    request.engagement_name = r.text("engagement_name");
    request.test_title = r.text("test_title");
    request.auto_create_context = r.boolean("auto_create_context").unwrap_or(false);
    request.engagement_end_date = r.date("engagement_end_date");
    request.deduplication_on_engagement = r.boolean("deduplication_on_engagement").unwrap_or(false);
    request.source_code_management_uri = r.url("source_code_management_uri");
    request.scan_date = r.date("scan_date");
    if request
        .scan_date
        .is_some_and(|d| d > chrono::Utc::now().date_naive())
    {
        r.error("scan_date", "The scan_date cannot be in the future!");
    }
    request.minimum_severity = r
        .choice("minimum_severity", SEVERITIES)
        .and_then(|s| Severity::normalise(&s).ok())
        .unwrap_or(Severity::Info);
    request.active = r.boolean("active");
    request.verified = r.boolean("verified");
    request.close_old_findings = r
        .boolean("close_old_findings")
        .unwrap_or(kind == Kind::Reimport);
    request.close_old_findings_product_scope = r
        .boolean("close_old_findings_product_scope")
        .unwrap_or(false);
    request.push_to_jira = r.boolean("push_to_jira").unwrap_or(false);
    request.environment = r.text("environment");
    request.version = r.text("version");
    request.build_id = r.text("build_id");
    request.branch_tag = r.text("branch_tag");
    request.commit_hash = r.text("commit_hash");
    request.service = r.text("service");
    request.tags = r.tags("tags");
    request.apply_tags_to_findings = r.boolean("apply_tags_to_findings").unwrap_or(false);
    request.apply_tags_to_endpoints = r.boolean("apply_tags_to_endpoints").unwrap_or(false);
    request.group_by = r.choice("group_by", GROUP_BY);
    request.create_finding_groups_for_all_findings = r
        .boolean("create_finding_groups_for_all_findings")
        .unwrap_or(true);
    request.lead_id = r.integer("lead");
    request.endpoint_to_add = r.integer("endpoint_to_add");
    request.api_scan_configuration = r.integer("api_scan_configuration");
    let deduplication_mode = r.choice("deduplication_execution_mode", DEDUPLICATION_MODES);
    request.report = form.file.map(|upload| Report {
        file_name: upload.file_name,
        bytes: upload.bytes.into(),
    });

    if !r.errors.is_empty() {
        return Err(r.errors);
    }
    echo_inputs(kind, &request, deduplication_mode, &mut echo);
    Ok(Accepted { request, echo })
}

/// The accepted inputs with their defaults, as DefectDojo echoes them (api.md §4.3).
fn echo_inputs(
    kind: Kind,
    request: &ImportRequest,
    deduplication_mode: Option<String>,
    echo: &mut Map<String, Value>,
) {
    let mut put = |key: &str, value: Value| {
        echo.insert(key.to_owned(), value);
    };
    put("scan_type", json!(request.scan_type));
    if kind == Kind::Import {
        put("engagement", json!(request.engagement_id));
    }
    put("minimum_severity", json!(request.minimum_severity.as_str()));
    put("active", json!(request.active));
    put("verified", json!(request.verified));
    put("close_old_findings", json!(request.close_old_findings));
    put(
        "close_old_findings_product_scope",
        json!(request.close_old_findings_product_scope),
    );
    put("push_to_jira", json!(request.push_to_jira));
    put("auto_create_context", json!(request.auto_create_context));
    put(
        "deduplication_on_engagement",
        json!(request.deduplication_on_engagement),
    );
    put(
        "apply_tags_to_findings",
        json!(request.apply_tags_to_findings),
    );
    put(
        "apply_tags_to_endpoints",
        json!(request.apply_tags_to_endpoints),
    );
    put(
        "create_finding_groups_for_all_findings",
        json!(request.create_finding_groups_for_all_findings),
    );
    put("tags", json!(request.tags));
    put("lead", json!(request.lead_id));
    put("endpoint_to_add", json!(request.endpoint_to_add));
    put(
        "api_scan_configuration",
        json!(request.api_scan_configuration),
    );
    let optional = [
        ("product_type_name", &request.product_type_name),
        ("product_name", &request.product_name),
        ("engagement_name", &request.engagement_name),
        ("test_title", &request.test_title),
        (
            "source_code_management_uri",
            &request.source_code_management_uri,
        ),
        ("environment", &request.environment),
        ("version", &request.version),
        ("build_id", &request.build_id),
        ("branch_tag", &request.branch_tag),
        ("commit_hash", &request.commit_hash),
        ("service", &request.service),
        ("group_by", &request.group_by),
        ("deduplication_execution_mode", &deduplication_mode),
    ];
    for (key, value) in optional {
        if let Some(value) = value {
            put(key, json!(value));
        }
    }
    for (key, value) in [
        ("scan_date", request.scan_date),
        ("engagement_end_date", request.engagement_end_date),
    ] {
        if let Some(date) = value {
            put(key, json!(date.to_string()));
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn form(pairs: &[(&str, &str)]) -> ImportForm {
        let mut form = ImportForm::default();
        for (k, v) in pairs {
            form.fields
                .entry((*k).to_owned())
                .or_default()
                .push((*v).to_owned());
        }
        form
    }

    #[test]
    fn tags_split_like_defectdojo() {
        assert_eq!(split_tags("a,b"), vec!["a", "b"]);
        assert_eq!(split_tags("a, b"), vec!["a", " b"]);
        assert_eq!(split_tags("\"x,y\",z"), vec!["\"x,y\"", "z"]);
        assert_eq!(split_tags(",,a,"), vec!["a"]);
    }

    #[test]
    fn dates_and_integers_follow_drf() {
        assert_eq!(parse_date("2024-1-5"), NaiveDate::from_ymd_opt(2024, 1, 5));
        assert_eq!(parse_date("2024-02-30"), None);
        assert_eq!(parse_date("05/01/2024"), None);
        let f = form(&[("engagement", " 7 "), ("test", "7.0"), ("lead", "7.5")]);
        let mut r = Reader {
            fields: &f.fields,
            errors: FieldErrors::new(),
        };
        assert_eq!(r.integer("engagement"), Some(7));
        assert_eq!(r.integer("test"), Some(7));
        assert_eq!(r.integer("lead"), None);
        assert_eq!(r.errors["lead"], vec!["A valid integer is required."]);
    }

    #[test]
    fn every_field_error_is_reported_at_once() {
        let errors = match read(
            Kind::Import,
            form(&[
                ("active", "maybe"),
                ("minimum_severity", "Severe"),
                ("scan_date", "yesterday"),
                ("tags", "ok,not ok"),
            ]),
        ) {
            Err(errors) => errors,
            Ok(_) => panic!("invalid input accepted"),
        };
        assert_eq!(errors["scan_type"], vec!["This field is required."]);
        assert_eq!(errors["active"], vec!["Must be a valid boolean."]);
        assert_eq!(
            errors["minimum_severity"],
            vec!["\"Severe\" is not a valid choice."]
        );
        assert_eq!(errors.len(), 5);
    }

    #[test]
    fn reimport_closes_old_findings_by_default_and_ignores_engagement() {
        let accepted = read(
            Kind::Reimport,
            form(&[
                ("scan_type", "ZAP Scan"),
                ("engagement", "x"),
                ("active", ""),
                ("tags", "A"),
                ("tags", "b,C"),
            ]),
        )
        .unwrap_or_else(|e| panic!("{e:?}"));
        assert!(accepted.request.close_old_findings);
        assert_eq!(accepted.request.active, None);
        assert_eq!(accepted.request.tags, vec!["a", "b", "c"]);
        assert!(!accepted.echo.contains_key("engagement"));
    }
}
