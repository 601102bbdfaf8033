//! Reading a multipart upload (`title` and `file`, as DefectDojo's
//! `FileSerializer` takes them) straight into the store, within the size limit.

use std::collections::BTreeMap;

use axum::extract::multipart::{Field, MultipartError};
use axum::extract::{FromRequest, Multipart, Request};
use axum::http::header::CONTENT_TYPE;
use axum::http::HeaderMap;

use super::{Category, FileStore, StagedFile};
use crate::error::ApiError;

/// Text parts are small; this bounds each (and the parts besides the file).
const TEXT_LIMIT: usize = 64 * 1024;

/// A multipart upload, read: text fields (the last value of each), the staged
/// file, and the problems DRF would report per field.
#[derive(Debug, Default)]
pub struct UploadForm {
    pub fields: BTreeMap<String, String>,
    /// The client's name of the `file` part, when one was sent.
    pub file_name: Option<String>,
    pub file: Option<StagedFile>,
    pub errors: BTreeMap<String, Vec<String>>,
    /// An extension outside the allowed list: DefectDojo reports it only when
    /// the fields are otherwise valid (its serializer's `validate`).
    pub extension_error: Option<String>,
}

impl UploadForm {
    fn error(&mut self, field: &str, message: impl Into<String>) {
        self.errors
            .entry(field.to_owned())
            .or_default()
            .push(message.into());
    }
}

/// The media type of a request, lower case, without parameters.
pub(crate) fn media_type(headers: &HeaderMap) -> String {
    headers
        .get(CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .unwrap_or("")
        .split(';')
        .next()
        .unwrap_or("")
        .trim()
        .to_lowercase()
}

/// DRF's answer to a body that is not valid multipart.
pub(crate) fn parse_error(error: &MultipartError) -> ApiError {
    ApiError::Message(format!(
        "Multipart form parse error - {}",
        error.body_text()
    ))
}

/// Reads a multipart body; anything else is 415. The `file` part is written
/// to the store as it arrives (only when its extension is allowed), and a
/// file over the limit is refused at once, its bytes removed.
pub async fn read_upload(
    req: Request,
    store: &FileStore,
    category: Category,
) -> Result<UploadForm, ApiError> {
    let media = media_type(req.headers());
    if media != "multipart/form-data" {
        return Err(ApiError::UnsupportedMediaType(media));
    }
    let mut multipart = Multipart::from_request(req, &())
        .await
        .map_err(|e| ApiError::Message(e.body_text()))?;
    let mut form = UploadForm::default();
    let mut text_bytes = 0usize;
    while let Some(field) = multipart.next_field().await.map_err(|e| parse_error(&e))? {
        let name = field.name().unwrap_or_default().to_owned();
        match field.file_name().map(str::to_owned) {
            // A file input left empty by a browser: no file.
            Some(file_name) if file_name.is_empty() => drain(field, store).await?,
            Some(file_name) if name == "file" && form.file_name.is_none() => {
                form.file_name = Some(file_name.clone());
                match store.check_extension(&file_name) {
                    Ok(ext) => {
                        let staged = receive(field, store, category, &ext).await?;
                        if staged.is_empty() {
                            form.error("file", "The submitted file is empty.");
                        } else {
                            form.file = Some(staged);
                        }
                    }
                    Err(message) => {
                        form.extension_error = Some(message);
                        drain(field, store).await?;
                    }
                }
            }
            Some(_) => drain(field, store).await?,
            None => {
                let text = read_text(field, &mut text_bytes).await?;
                if name == "file" && !text.is_empty() {
                    form.error(
                        "file",
                        "The submitted data was not a file. Check the encoding type on the form.",
                    );
                    continue;
                }
                form.fields.insert(name, text);
            }
        }
    }
    Ok(form)
}

fn too_large(store: &FileStore) -> ApiError {
    ApiError::field("file", store.too_large_message())
}

fn io_error(error: std::io::Error) -> ApiError {
    ApiError::Internal(format!("cannot write an upload: {error}"))
}

/// Streams the file part into a new stored file.
async fn receive(
    mut field: Field<'_>,
    store: &FileStore,
    category: Category,
    ext: &str,
) -> Result<StagedFile, ApiError> {
    let mut staged = store.create(category, ext).await.map_err(io_error)?;
    while let Some(chunk) = field.chunk().await.map_err(|e| parse_error(&e))? {
        let size = u64::try_from(chunk.len()).unwrap_or(u64::MAX);
        if staged.len().saturating_add(size) > store.max_bytes() {
            // Dropping `staged` removes what was written.
            return Err(too_large(store));
        }
        staged.write(&chunk).await.map_err(io_error)?;
    }
    staged.finish().await.map_err(io_error)?;
    Ok(staged)
}

/// Reads past a part that is not kept, still bounded by the limit.
async fn drain(mut field: Field<'_>, store: &FileStore) -> Result<(), ApiError> {
    let mut seen = 0u64;
    while let Some(chunk) = field.chunk().await.map_err(|e| parse_error(&e))? {
        seen = seen.saturating_add(u64::try_from(chunk.len()).unwrap_or(u64::MAX));
        if seen > store.max_bytes() {
            return Err(too_large(store));
        }
    }
    Ok(())
}

/// A text part, with all text parts together at most [`TEXT_LIMIT`] bytes.
async fn read_text(mut field: Field<'_>, total: &mut usize) -> Result<String, ApiError> {
    let mut bytes = Vec::new();
    while let Some(chunk) = field.chunk().await.map_err(|e| parse_error(&e))? {
        *total = total.saturating_add(chunk.len());
        if *total > TEXT_LIMIT {
            return Err(ApiError::Message(
                "Multipart form parse error - the text fields exceed 64 KiB".to_owned(),
            ));
        }
        bytes.extend_from_slice(&chunk);
    }
    Ok(String::from_utf8_lossy(&bytes).into_owned())
}
