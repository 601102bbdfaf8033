//! The multipart body of `import-scan` / `reimport-scan`: text fields by name and
//! the uploaded `file` (name and bytes), read with a size limit.
//!
//! These endpoints take multipart only (api.md §1.3); other media types answer 415.
//! A body with no content at all parses as no fields, as DRF does.

use std::collections::BTreeMap;

use axum::body::HttpBody;
use axum::extract::{FromRequest, Multipart, Request};
use axum::http::StatusCode;

use crate::error::ApiError;
use crate::files::extension;
use crate::files::upload::{media_type, parse_error};

/// DefectDojo's `DD_SCAN_FILE_MAX_SIZE`: 100 MB.
pub const MAX_REPORT_BYTES: usize = 100 * 1024 * 1024;

/// The body limit of the import routes: the report plus room for the other fields.
pub const BODY_LIMIT: usize = MAX_REPORT_BYTES + 8 * 1024 * 1024;

pub const TOO_LARGE: &str = "Report file is too large. Maximum supported size is 100 MB";

/// DefectDojo's `DD_FILE_IMPORT_TYPES`.
pub const EXTENSIONS: &[&str] = &[
    "xml", "csv", "nessus", "json", "jsonl", "html", "js", "zip", "xlsx", "txt", "sarif", "fpr",
    "md", "log", "fvdl",
];

/// The uploaded report.
#[derive(Debug, Clone)]
pub struct Upload {
    pub file_name: String,
    pub bytes: Vec<u8>,
}

/// A parsed import body. Problems with the `file` part are kept in `errors` so that
/// they are answered together with the other fields' errors.
#[derive(Debug, Default)]
pub struct ImportForm {
    pub fields: BTreeMap<String, Vec<String>>,
    pub file: Option<Upload>,
    pub errors: BTreeMap<String, Vec<String>>,
}

impl ImportForm {
    fn file_error(&mut self, message: impl Into<String>) {
        self.errors
            .entry("file".to_owned())
            .or_default()
            .push(message.into());
    }
}

/// Django's FileExtensionValidator message for a name outside the allowed list.
fn extension_error(file_name: &str) -> Option<String> {
    let allowed = EXTENSIONS.join(", ");
    match extension(file_name) {
        Some(ext) if EXTENSIONS.contains(&ext.as_str()) => None,
        Some(ext) => Some(format!(
            "File extension “{ext}” is not allowed. Allowed extensions are: {allowed}."
        )),
        None => Some(format!(
            "The file \"{file_name}\" has no extension. Allowed extensions are: {allowed}."
        )),
    }
}

impl<S: Send + Sync> FromRequest<S> for ImportForm {
    type Rejection = ApiError;

    async fn from_request(req: Request, state: &S) -> Result<Self, Self::Rejection> {
        let media = media_type(req.headers());
        if media != "multipart/form-data" {
            // DRF reads an empty body as empty data whatever its type.
            if req.body().size_hint().exact() == Some(0) {
                return Ok(ImportForm::default());
            }
            return Err(ApiError::UnsupportedMediaType(media));
        }
        let mut multipart = Multipart::from_request(req, state)
            .await
            .map_err(|e| ApiError::Message(e.body_text()))?;
        let mut form = ImportForm::default();
        loop {
            let field = match multipart.next_field().await {
                Ok(Some(field)) => field,
                Ok(None) => break,
                Err(e) if e.status() == StatusCode::PAYLOAD_TOO_LARGE => {
                    return Err(ApiError::field("file", TOO_LARGE));
                }
                Err(e) => return Err(parse_error(&e)),
            };
            let name = field.name().unwrap_or_default().to_owned();
            let file_name = field.file_name().map(str::to_owned);
            match file_name {
                // A file input left empty by a browser: no file.
                Some(file_name) if file_name.is_empty() => continue,
                Some(file_name) if name == "file" => {
                    read_report(field, file_name, &mut form).await?;
                }
                // Other uploads are not parameters of these endpoints.
                Some(_) => continue,
                None => {
                    let text = field.text().await.map_err(|e| {
                        if e.status() == StatusCode::PAYLOAD_TOO_LARGE {
                            ApiError::field("file", TOO_LARGE)
                        } else {
                            parse_error(&e)
                        }
                    })?;
                    if name == "file" && !text.is_empty() {
                        form.file_error(
                            "The submitted data was not a file. Check the encoding type on the form.",
                        );
                        continue;
                    }
                    form.fields.entry(name).or_default().push(text);
                }
            }
        }
        Ok(form)
    }
}

/// Reads the `file` part in chunks, keeping at most [`MAX_REPORT_BYTES`].
async fn read_report(
    mut field: axum::extract::multipart::Field<'_>,
    file_name: String,
    form: &mut ImportForm,
) -> Result<(), ApiError> {
    let mut bytes: Vec<u8> = Vec::new();
    let mut too_large = false;
    loop {
        match field.chunk().await {
            Ok(Some(chunk)) => {
                if too_large || bytes.len() + chunk.len() > MAX_REPORT_BYTES {
                    too_large = true;
                    bytes = Vec::new();
                } else {
                    bytes.extend_from_slice(&chunk);
                }
            }
            Ok(None) => break,
            Err(e) if e.status() == StatusCode::PAYLOAD_TOO_LARGE => {
                return Err(ApiError::field("file", TOO_LARGE));
            }
            Err(e) => return Err(parse_error(&e)),
        }
    }
    if too_large {
        form.file_error(TOO_LARGE);
    } else if let Some(message) = extension_error(&file_name) {
        form.file_error(message);
    } else {
        // DefectDojo's file field allows empty files; the parser judges them.
        form.file = Some(Upload { file_name, bytes });
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn extensions_are_checked_case_insensitively_and_required() {
        assert_eq!(extension("report.XML").as_deref(), Some("xml"));
        assert_eq!(extension("dir.d/report"), None);
        assert_eq!(extension(".json"), None);
        assert_eq!(extension("report."), None);
        assert!(extension_error("a.sarif").is_none());
        assert!(extension_error("a.exe").is_some());
        assert!(extension_error("Makefile").is_some());
    }
}
