//! Arachni JSON reports (`arachni_reporter --reporter json`): issues folded
//! by severity and name, with every affected URL as an endpoint.

use std::fmt;

use chrono::DateTime;
use serde::de::{Deserialize, Deserializer, MapAccess, SeqAccess, Visitor};
use serde_json::{Number, Value};

use crate::endpoint::Endpoint;
use crate::error::ParseError;
use crate::finding::{Finding, ParseOutput};
use crate::registry::Input;
use crate::util::{json_text, percent_decode, py_repr, title_case, Folded};

use crate::html2text::html2text;

pub fn parse(input: &Input<'_>) -> Result<ParseOutput, ParseError> {
    let data: Json = serde_json::from_str(&json_text(input.bytes))?;
    let issues = match data.get("issues") {
        Some(Json::Arr(a)) => a,
        _ => return Err(ParseError::MissingField("issues".into())),
    };
    let date = data
        .get("finish_datetime")
        .and_then(Json::as_str)
        .and_then(|d| DateTime::parse_from_str(d, "%Y-%m-%d %H:%M:%S %z").ok())
        .map(|d| d.date_naive());

    let mut out: Folded<String, Finding> = Folded::new();
    for issue in issues {
        let mut f = finding(issue);
        f.date = date;
        let key = format!("{}{}", f.severity, f.title);
        match out.get_mut(&key) {
            Some(existing) => {
                existing.endpoints.append(&mut f.endpoints);
                existing.req_resp.append(&mut f.req_resp);
                existing.nb_occurences = Some(existing.nb_occurences.unwrap_or(1) + 1);
            }
            None => {
                f.nb_occurences = Some(1);
                out.insert(key, f);
            }
        }
    }
    Ok(ParseOutput::single(out.into_values()))
}

/// JSON with objects kept in document order: DefectDojo joins reference
/// links and prints request/response dicts in the order the report has.
#[derive(Debug, Clone, PartialEq)]
enum Json {
    Null,
    Bool(bool),
    Num(Number),
    Str(String),
    Arr(Vec<Json>),
    Obj(Vec<(String, Json)>),
}

impl Json {
    fn get(&self, key: &str) -> Option<&Json> {
        match self {
            Json::Obj(o) => o.iter().find(|(k, _)| k == key).map(|(_, v)| v),
            _ => None,
        }
    }

    fn as_str(&self) -> Option<&str> {
        match self {
            Json::Str(s) => Some(s),
            _ => None,
        }
    }

    /// Python's `str()` of the value as `json.load` would have built it.
    fn py_str(&self) -> String {
        match self {
            Json::Str(s) => s.clone(),
            other => other.py_repr(),
        }
    }

    fn py_repr(&self) -> String {
        match self {
            Json::Null => "None".into(),
            Json::Bool(b) => if *b { "True" } else { "False" }.into(),
            Json::Num(n) => n.to_string(),
            Json::Str(s) => py_repr(&Value::String(s.clone())),
            Json::Arr(a) => format!(
                "[{}]",
                a.iter().map(Json::py_repr).collect::<Vec<_>>().join(", ")
            ),
            Json::Obj(o) => format!(
                "{{{}}}",
                o.iter()
                    .map(|(k, v)| format!(
                        "{}: {}",
                        py_repr(&Value::String(k.clone())),
                        v.py_repr()
                    ))
                    .collect::<Vec<_>>()
                    .join(", ")
            ),
        }
    }
}

impl<'de> Deserialize<'de> for Json {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct V;
        impl<'de> Visitor<'de> for V {
            type Value = Json;
            fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str("JSON")
            }
            fn visit_unit<E>(self) -> Result<Json, E> {
                Ok(Json::Null)
            }
            fn visit_none<E>(self) -> Result<Json, E> {
                Ok(Json::Null)
            }
            fn visit_bool<E>(self, b: bool) -> Result<Json, E> {
                Ok(Json::Bool(b))
            }
            fn visit_i64<E>(self, n: i64) -> Result<Json, E> {
                Ok(Json::Num(n.into()))
            }
            fn visit_u64<E>(self, n: u64) -> Result<Json, E> {
                Ok(Json::Num(n.into()))
            }
            fn visit_f64<E>(self, n: f64) -> Result<Json, E> {
                Ok(Number::from_f64(n).map_or(Json::Null, Json::Num))
            }
            fn visit_str<E>(self, s: &str) -> Result<Json, E> {
                Ok(Json::Str(s.to_string()))
            }
            fn visit_string<E>(self, s: String) -> Result<Json, E> {
                Ok(Json::Str(s))
            }
            fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<Json, A::Error> {
                let mut out = Vec::new();
                while let Some(v) = seq.next_element()? {
                    out.push(v);
                }
                Ok(Json::Arr(out))
            }
            fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Json, A::Error> {
                let mut out: Vec<(String, Json)> = Vec::new();
                while let Some((k, v)) = map.next_entry::<String, Json>()? {
                    // A repeated key keeps its first place and last value.
                    match out.iter_mut().find(|(key, _)| *key == k) {
                        Some(slot) => slot.1 = v,
                        None => out.push((k, v)),
                    }
                }
                Ok(Json::Obj(out))
            }
        }
        d.deserialize_any(V)
    }
}

/// DefectDojo's endpoint parser (hyperlink) percent-decodes query keys and
/// values once, keeping the escapes of the characters that delimit them.
fn decode_query(query: &str) -> String {
    query
        .split('&')
        .map(|part| {
            let decode = |s: &str| {
                let mut out = String::new();
                let mut rest = s;
                while let Some(i) = rest.find('%') {
                    out.push_str(rest.get(..i).unwrap_or_default());
                    let esc = rest.get(i..i + 3).unwrap_or_default();
                    let keep = matches!(
                        esc.to_ascii_uppercase().as_str(),
                        "%26" | "%23" | "%3D" | "%2B"
                    );
                    if keep || esc.len() < 3 {
                        out.push_str(esc.get(..1).unwrap_or("%"));
                        rest = rest.get(i + 1..).unwrap_or_default();
                    } else {
                        out.push_str(&percent_decode(esc));
                        rest = rest.get(i + 3..).unwrap_or_default();
                    }
                }
                out.push_str(rest);
                out
            };
            match part.split_once('=') {
                Some((k, v)) => format!("{}={}", decode(k), decode(v)),
                None => decode(part),
            }
        })
        .collect::<Vec<_>>()
        .join("&")
}

fn finding(issue: &Json) -> Finding {
    let url = issue
        .get("vector")
        .and_then(|v| v.get("action"))
        .or_else(|| issue.get("response").and_then(|r| r.get("url")))
        .map(Json::py_str)
        .unwrap_or_default();

    let raw_severity = issue
        .get("severity")
        .map_or_else(|| "Info".to_string(), Json::py_str);
    let severity = match title_case(&raw_severity).as_str() {
        "Low" => "Low",
        "Medium" => "Medium",
        "High" => "High",
        "Critical" => "Critical",
        _ => "Info",
    };
    let mut f = Finding::new_dynamic(
        issue.get("name").map(Json::py_str).unwrap_or_default(),
        severity,
    );
    f.description = html2text(
        &issue
            .get("description")
            .map_or_else(|| "N/A".into(), Json::py_str),
    );
    f.mitigation = Some(match issue.get("remedy_guidance") {
        Some(r) => {
            let text = r.py_str();
            if text.is_empty() {
                text
            } else {
                html2text(&text)
            }
        }
        None => html2text("n/a"),
    });
    let references: Vec<String> = match issue.get("references") {
        Some(Json::Obj(o)) => o.iter().map(|(_, v)| v.py_str()).collect(),
        _ => Vec::new(),
    };
    let references = references.join("<br/><br/>");
    f.references = Some(if references.is_empty() {
        references
    } else {
        html2text(&references)
    });
    f.impact = Some("No impact provided".into());
    f.cwe = match issue.get("cwe") {
        Some(Json::Num(n)) => n.as_u64().and_then(|c| u32::try_from(c).ok()),
        Some(Json::Str(s)) => s.trim().parse().ok(),
        _ => None,
    };
    f.vuln_id_from_tool = match issue.get("digest") {
        Some(Json::Null) | None => None,
        Some(d) => Some(d.py_str()),
    };
    if let Some(Json::Arr(tags)) = issue.get("tags") {
        f.tags = tags.iter().map(Json::py_str).collect();
    }
    let mut endpoint = Endpoint::from_uri(&url);
    endpoint.query = endpoint.query.map(|q| decode_query(&q));
    f.endpoints.push(endpoint);
    if let (Some(Json::Obj(req)), Some(Json::Obj(resp))) =
        (issue.get("request"), issue.get("response"))
    {
        let request: String = req
            .iter()
            .map(|(k, v)| format!("{k}: {}\n\n", v.py_str()))
            .collect();
        let mut response: String = resp
            .iter()
            .filter(|(k, _)| k.as_str() != "body")
            .map(|(k, v)| format!("{k}: {}\n\n", v.py_str()))
            .collect();
        response.push_str("\n\n\n");
        response.push_str(
            &resp
                .iter()
                .find(|(k, _)| k == "body")
                .map_or_else(|| "None".into(), |(_, b)| b.py_str()),
        );
        f.req_resp.push((request, response));
    }
    f
}
