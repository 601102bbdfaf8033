//! Legacy endpoints and their statuses on the wire (api.md §3.7, legacy mode):
//! `EndpointSerializer` and `EndpointStatusSerializer` of DefectDojo 2.x.

use chrono::{DateTime, Utc};
use dojo_domain::entities::{Endpoint, EndpointStatus};
use dojo_domain::ids::Id;
use serde_json::{json, Value};

use super::{date_value, datetime_value, RefKind, Reference};
use crate::api::fields::{Blank, FieldErrors, Fields, Mode, Null};
use crate::api::RequestFields;

/// DefectDojo's refusal of a second endpoint with the same parts in a product.
pub const DUPLICATE_ENDPOINT: &str =
    "It appears as though an endpoint with this data already exists for this product.";
/// DefectDojo's refusal of a second status of one finding on one endpoint.
pub const DUPLICATE_STATUS: &str = "This endpoint-finding relation already exists";

/// What the endpoint JSON needs from other tables.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct EndpointExtra {
    pub tags: Vec<String>,
    pub active_finding_count: i64,
    pub endpoint_params: Vec<Id>,
    pub findings: Vec<Id>,
}

/// The tags a body set.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct EndpointInput {
    pub tags: Option<Vec<String>>,
}

pub fn endpoint_json(row: &Endpoint, extra: &EndpointExtra) -> Value {
    json!({
        "id": row.id,
        "active_finding_count": extra.active_finding_count,
        "tags": extra.tags,
        "protocol": row.protocol,
        "userinfo": row.userinfo,
        "host": row.host,
        "port": row.port,
        "path": row.path,
        "query": row.query,
        "fragment": row.fragment,
        "product": row.product_id,
        "endpoint_params": extra.endpoint_params,
        "findings": extra.findings,
    })
}

/// Reads a create or update body. The product is required on create and
/// cannot change afterwards; the handler checks it and the duplicate rule.
pub fn read_endpoint(
    fields: &RequestFields,
    mode: Mode,
    current: Option<&Endpoint>,
) -> Result<(Endpoint, EndpointInput), FieldErrors> {
    let mut f = Fields::new(fields, mode);
    let mut row = current.cloned().unwrap_or_default();
    let mut input = EndpointInput::default();
    for (field, max, slot, strip) in [
        ("protocol", 20, &mut row.protocol, None),
        ("userinfo", 500, &mut row.userinfo, None),
        ("host", 500, &mut row.host, None),
        ("path", 500, &mut row.path, Some('/')),
        ("query", 1000, &mut row.query, Some('?')),
        ("fragment", 500, &mut row.fragment, Some('#')),
    ] {
        if let Some(value) = f.text(field, max, Blank::Allowed) {
            // Stored without the separator that precedes the part in a URL.
            *slot = value
                .map(|v| match strip {
                    Some(c) => v.trim_start_matches(c).to_owned(),
                    None => v,
                })
                .filter(|v| !v.is_empty());
        }
    }
    if let Some(port) = f.integer("port", None, Null::Allowed) {
        match port {
            Some(p) if !(1..=65535).contains(&p) => {
                f.error("port", "The port number must be between 1 and 65535.");
            }
            other => row.port = other,
        }
    }
    if mode == Mode::Create {
        f.required("product");
    }
    if let Some(product) = f.pk("product", Null::Forbidden).flatten() {
        match current {
            Some(old) if old.product_id != Some(product) => {
                f.error("product", "Change of product is not possible");
            }
            _ => row.product_id = Some(product),
        }
    }
    input.tags = f.tags("tags");
    f.finish()?;
    Ok((row, input))
}

pub fn status_json(row: &EndpointStatus) -> Value {
    json!({
        "id": row.id,
        "date": date_value(&row.date),
        "last_modified": row.last_modified.as_ref().map(datetime_value),
        "mitigated": row.mitigated,
        "mitigated_time": row.mitigated_time.as_ref().map(datetime_value),
        "mitigated_by": row.mitigated_by_id,
        "false_positive": row.false_positive,
        "out_of_scope": row.out_of_scope,
        "risk_accepted": row.risk_accepted,
        "endpoint": row.endpoint_id,
        "finding": row.finding_id,
    })
}

/// Reads a create or update body at `now` (today is `now`'s date). The
/// endpoint and finding are required on create and fixed afterwards; the
/// handler checks that they exist and share a product.
pub fn read_status(
    fields: &RequestFields,
    mode: Mode,
    current: Option<&EndpointStatus>,
    now: DateTime<Utc>,
) -> Result<(EndpointStatus, Vec<Reference>), FieldErrors> {
    let mut f = Fields::new(fields, mode);
    let mut row = current.cloned().unwrap_or_else(|| EndpointStatus {
        date: now.date_naive(),
        ..EndpointStatus::default()
    });
    let mut refs = Vec::new();
    if let Some(date) = f.date("date", Null::Forbidden).flatten() {
        row.date = date;
    }
    let was_mitigated = current.is_some_and(|c| c.mitigated);
    for (field, slot) in [
        ("mitigated", &mut row.mitigated),
        ("false_positive", &mut row.false_positive),
        ("out_of_scope", &mut row.out_of_scope),
        ("risk_accepted", &mut row.risk_accepted),
    ] {
        if let Some(v) = f.boolean(field) {
            *slot = v;
        }
    }
    if let Some(by) = f.pk("mitigated_by", Null::Allowed) {
        if let Some(id) = by {
            refs.push(Reference::new("mitigated_by", RefKind::User, id));
        }
        row.mitigated_by_id = by;
    }
    for (field, kind) in [
        ("endpoint", RefKind::Endpoint),
        ("finding", RefKind::Finding),
    ] {
        if mode != Mode::Partial {
            f.required(field);
        }
        let Some(id) = f.pk(field, Null::Forbidden).flatten() else {
            continue;
        };
        let slot = if field == "endpoint" {
            &mut row.endpoint_id
        } else {
            &mut row.finding_id
        };
        if current.is_some() && *slot != id {
            f.error(field, format!("Change of {field} is not possible"));
            continue;
        }
        *slot = id;
        refs.push(Reference::new(
            if field == "endpoint" {
                "endpoint"
            } else {
                "finding"
            },
            kind,
            id,
        ));
    }
    f.finish()?;
    // The time of mitigation follows the flag.
    match (was_mitigated, row.mitigated) {
        (false, true) => row.mitigated_time = Some(now),
        (_, false) => row.mitigated_time = None,
        (true, true) => {}
    }
    row.last_modified = Some(now);
    Ok((row, refs))
}

#[cfg(test)]
mod unit {
    use super::*;
    use crate::api::body::test_json_body as body;
    use chrono::{NaiveDate, TimeZone};

    #[test]
    fn endpoint_parts_lose_their_separators_and_product_is_fixed() {
        let (row, input) = read_endpoint(
            &body(
                json!({"host": "shop.example.com", "path": "/cart", "query": "?a=1",
                          "port": 443, "protocol": "https", "product": 3, "tags": ["Web"]}),
            ),
            Mode::Create,
            None,
        )
        .unwrap_or_else(|e| panic!("{e:?}"));
        assert_eq!(row.path.as_deref(), Some("cart"));
        assert_eq!(row.query.as_deref(), Some("a=1"));
        assert_eq!(row.product_id, Some(3));
        assert_eq!(input.tags, Some(vec!["web".into()]));
        let errors = read_endpoint(&body(json!({"port": 0})), Mode::Create, None)
            .err()
            .unwrap_or_default();
        assert_eq!(errors["product"], vec!["This field is required."]);
        assert!(errors.contains_key("port"));
        let errors = read_endpoint(&body(json!({"product": 4})), Mode::Partial, Some(&row))
            .err()
            .unwrap_or_default();
        assert_eq!(errors["product"], vec!["Change of product is not possible"]);
        let v = endpoint_json(&row, &EndpointExtra::default());
        assert_eq!(v["active_finding_count"], 0);
        assert_eq!(v["findings"], json!([]));
    }

    #[test]
    fn status_defaults_and_mitigation_time() {
        let now = Utc
            .with_ymd_and_hms(2026, 3, 4, 5, 6, 7)
            .single()
            .unwrap_or_default();
        let (row, refs) = read_status(
            &body(json!({"endpoint": 2, "finding": 9, "mitigated": true})),
            Mode::Create,
            None,
            now,
        )
        .unwrap_or_else(|e| panic!("{e:?}"));
        assert_eq!(Some(row.date), NaiveDate::from_ymd_opt(2026, 3, 4));
        assert_eq!(row.mitigated_time, Some(now));
        assert_eq!(refs.len(), 2);
        let v = status_json(&row);
        assert_eq!(v["mitigated_time"], "2026-03-04T05:06:07Z");
        let errors = read_status(&body(json!({})), Mode::Create, None, now)
            .err()
            .unwrap_or_default();
        assert_eq!(errors["endpoint"], vec!["This field is required."]);
        assert_eq!(errors["finding"], vec!["This field is required."]);
        let errors = read_status(
            &body(json!({"finding": 10})),
            Mode::Partial,
            Some(&row),
            now,
        )
        .err()
        .unwrap_or_default();
        assert_eq!(errors["finding"], vec!["Change of finding is not possible"]);
        let (row, _) = read_status(
            &body(json!({"mitigated": false})),
            Mode::Partial,
            Some(&row),
            now,
        )
        .unwrap_or_else(|e| panic!("{e:?}"));
        assert_eq!(row.mitigated_time, None);
    }
}
