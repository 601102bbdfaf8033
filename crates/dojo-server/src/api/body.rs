//! Request bodies as DefectDojo's API reads them: JSON, form-urlencoded or multipart.

use std::collections::BTreeMap;

use axum::body::Bytes;
use axum::extract::{FromRequest, Multipart, Request};
use axum::http::header::CONTENT_TYPE;
use serde_json::Value;

use crate::error::ApiError;

/// The fields of a request body by name; repeated fields keep every value in order.
#[derive(Debug, Default, Clone)]
pub struct RequestFields {
    pub values: BTreeMap<String, Vec<Value>>,
    /// Whether the body was a form (urlencoded or multipart), whose `""` means
    /// "not supplied" for optional fields; JSON bodies carry typed values.
    pub form: bool,
}

impl RequestFields {
    /// The first value of a field as text (numbers and booleans in their JSON spelling).
    pub fn text(&self, name: &str) -> Option<String> {
        self.values.get(name)?.first().and_then(|v| match v {
            Value::String(s) => Some(s.clone()),
            Value::Null => None,
            other => Some(other.to_string()),
        })
    }

    /// The text of a required field, or DRF's "This field is required." /
    /// "This field may not be blank." messages collected into `errors`.
    pub fn required_text(
        &self,
        name: &str,
        errors: &mut BTreeMap<String, Vec<String>>,
    ) -> Option<String> {
        match self.text(name) {
            None => {
                errors.insert(name.to_owned(), vec!["This field is required.".into()]);
                None
            }
            Some(text) if text.is_empty() => {
                errors.insert(name.to_owned(), vec!["This field may not be blank.".into()]);
                None
            }
            Some(text) => Some(text),
        }
    }
}

impl<S: Send + Sync> FromRequest<S> for RequestFields {
    type Rejection = ApiError;

    async fn from_request(req: Request, state: &S) -> Result<Self, Self::Rejection> {
        let content_type = req
            .headers()
            .get(CONTENT_TYPE)
            .and_then(|v| v.to_str().ok())
            .unwrap_or("")
            .to_owned();
        let media = content_type
            .split(';')
            .next()
            .unwrap_or("")
            .trim()
            .to_lowercase();
        let mut fields = RequestFields::default();
        match media.as_str() {
            "application/json" => {
                let bytes = Bytes::from_request(req, state)
                    .await
                    .map_err(|e| ApiError::Message(e.body_text()))?;
                if bytes.is_empty() {
                    return Ok(fields);
                }
                let value: Value = serde_json::from_slice(&bytes)
                    .map_err(|_| ApiError::Message("JSON request content is malformed".into()))?;
                let Value::Object(map) = value else {
                    return Err(ApiError::field(
                        "non_field_errors",
                        "Invalid data. Expected a dictionary, but got list.",
                    ));
                };
                for (key, value) in map {
                    fields.values.insert(key, vec![value]);
                }
            }
            "application/x-www-form-urlencoded" | "" => {
                fields.form = true;
                let bytes = Bytes::from_request(req, state)
                    .await
                    .map_err(|e| ApiError::Message(e.body_text()))?;
                for (key, value) in form_urlencoded_pairs(&bytes) {
                    fields
                        .values
                        .entry(key)
                        .or_default()
                        .push(Value::String(value));
                }
            }
            "multipart/form-data" => {
                fields.form = true;
                let mut multipart = Multipart::from_request(req, state)
                    .await
                    .map_err(|e| ApiError::Message(e.body_text()))?;
                while let Some(field) = multipart
                    .next_field()
                    .await
                    .map_err(|e| ApiError::Message(format!("Multipart form parse error - {e}")))?
                {
                    let name = field.name().unwrap_or_default().to_owned();
                    // Files are for the import endpoints; here only text fields count.
                    if field.file_name().is_some() {
                        continue;
                    }
                    let text = field.text().await.map_err(|e| {
                        ApiError::Message(format!("Multipart form parse error - {e}"))
                    })?;
                    fields
                        .values
                        .entry(name)
                        .or_default()
                        .push(Value::String(text));
                }
            }
            other => return Err(ApiError::UnsupportedMediaType(other.to_owned())),
        }
        Ok(fields)
    }
}

/// Decodes `application/x-www-form-urlencoded` pairs.
fn form_urlencoded_pairs(bytes: &[u8]) -> Vec<(String, String)> {
    url::form_urlencoded::parse(bytes).into_owned().collect()
}

/// A JSON object body, for unit tests of body readers.
#[cfg(test)]
pub(crate) fn test_json_body(value: Value) -> RequestFields {
    let mut body = RequestFields::default();
    if let Value::Object(map) = value {
        for (k, v) in map {
            body.values.insert(k, vec![v]);
        }
    }
    body
}

/// A form body (every value a string, names may repeat), for unit tests.
#[cfg(test)]
pub(crate) fn test_form_body(pairs: &[(&str, &str)]) -> RequestFields {
    let mut body = RequestFields {
        form: true,
        ..RequestFields::default()
    };
    for (k, v) in pairs {
        body.values
            .entry((*k).to_owned())
            .or_default()
            .push(Value::String((*v).to_owned()));
    }
    body
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn decodes_form_pairs() {
        let pairs = form_urlencoded_pairs(b"username=ad%40min&password=a+b%21&empty=&x");
        assert_eq!(
            pairs,
            vec![
                ("username".into(), "ad@min".into()),
                ("password".into(), "a b!".into()),
                ("empty".into(), String::new()),
                ("x".into(), String::new()),
            ]
        );
    }
}
