//! The message an outbox row carries: the event as JSON, in the shape of
//! DefectDojo's webhook payload (`description`, `title`, `user`, `url_ui`,
//! `url_api`, the objects with their own links, and for scans the finding
//! lists). Mail, Slack and Teams messages are rendered from it at delivery,
//! when links are made absolute with the server's site URL.

use serde::Deserialize;
use serde_json::{json, Map, Value};

use super::events::Event;

/// The JSON text of `event` as sent to `user` (a username; `None` for the
/// system destinations).
pub fn of(event: &Event, user: Option<&str>) -> String {
    let mut body = Map::new();
    body.insert("event".into(), json!(event.name));
    body.insert("title".into(), json!(event.title));
    body.insert("description".into(), json!(event.description_text()));
    body.insert("user".into(), json!(user));
    if let Some(url) = &event.url {
        body.insert("url_ui".into(), json!(url));
    }
    if let Some(url) = &event.url_api {
        body.insert("url_api".into(), json!(url));
    }
    for (key, object) in [
        ("product_type", &event.product_type),
        ("product", &event.product),
        ("engagement", &event.engagement),
        ("test", &event.test),
    ] {
        if let Some(r) = object {
            body.insert(key.into(), json!(r));
        }
    }
    if let Some(finding) = &event.finding {
        body.insert("finding".into(), json!(finding));
    }
    if let Some(findings) = &event.findings {
        let c = findings.counts;
        body.insert(
            "finding_count".into(),
            json!(c.new + c.reactivated + c.mitigated),
        );
        body.insert(
            "findings".into(),
            json!({
                "new": findings.new,
                "reactivated": findings.reactivated,
                "mitigated": findings.mitigated,
                "untouched": findings.untouched,
            }),
        );
        body.insert("counts".into(), json!(c));
    }
    Value::Object(body).to_string()
}

/// What the text channels need of a payload.
#[derive(Debug, Clone, Default, Deserialize)]
pub struct Summary {
    #[serde(default)]
    pub title: String,
    #[serde(default)]
    pub description: String,
    #[serde(default)]
    pub url_ui: Option<String>,
}

/// Makes every `url_ui` / `url_api` path absolute under `site_url`.
pub fn absolutize(value: &mut Value, site_url: Option<&str>) {
    let Some(site) = site_url.map(|s| s.trim_end_matches('/')) else {
        return;
    };
    match value {
        Value::Object(map) => {
            for (key, item) in map.iter_mut() {
                match item {
                    Value::String(path)
                        if (key == "url_ui" || key == "url_api") && path.starts_with('/') =>
                    {
                        *path = format!("{site}{path}");
                    }
                    other => absolutize(other, Some(site)),
                }
            }
        }
        Value::Array(items) => {
            for item in items {
                absolutize(item, Some(site));
            }
        }
        _ => {}
    }
}

#[cfg(test)]
mod unit {
    use super::*;

    #[test]
    fn links_become_absolute() {
        let mut v = json!({"url_ui": "/product/1", "product": {"url_api": "/api/v2/products/1/"},
                           "findings": {"new": [{"url_ui": "/finding/2"}]}, "title": "/x"});
        absolutize(&mut v, Some("https://dojo.example/"));
        assert_eq!(v["url_ui"], "https://dojo.example/product/1");
        assert_eq!(
            v["product"]["url_api"],
            "https://dojo.example/api/v2/products/1/"
        );
        assert_eq!(
            v["findings"]["new"][0]["url_ui"],
            "https://dojo.example/finding/2"
        );
        assert_eq!(v["title"], "/x");
    }
}
