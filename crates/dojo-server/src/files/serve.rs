//! Sending a stored file: always as a download (`attachment`,
//! `application/octet-stream`, `nosniff`, a sandboxing CSP), so an uploaded
//! HTML or SVG file can never run in the application's origin. The body is
//! streamed from disk.

use axum::body::{Body, Bytes};
use axum::http::header::{
    CACHE_CONTROL, CONTENT_DISPOSITION, CONTENT_LENGTH, CONTENT_SECURITY_POLICY, CONTENT_TYPE,
    X_CONTENT_TYPE_OPTIONS,
};
use axum::http::HeaderValue;
use axum::response::{IntoResponse, Response};
use tokio::io::AsyncReadExt;

use super::FileStore;
use crate::error::ApiError;

/// Bytes read from disk per body frame.
const CHUNK: usize = 64 * 1024;

/// What can go wrong with a stored file.
#[derive(Debug, thiserror::Error)]
pub enum FileError {
    /// The upload is refused (extension, size); the message says why.
    #[error("{0}")]
    Invalid(String),
    /// The row names a file that is not on disk (or not inside the store).
    #[error("the stored file is missing")]
    Missing,
    #[error("file store: {0}")]
    Io(#[from] std::io::Error),
}

impl From<FileError> for ApiError {
    fn from(err: FileError) -> Self {
        match err {
            FileError::Invalid(message) => ApiError::field("file", message),
            FileError::Missing => ApiError::NotFound,
            FileError::Io(error) => ApiError::Internal(format!("file store: {error}")),
        }
    }
}

/// The stored file `stored` as a download named `download_name`.
pub async fn attachment(
    store: &FileStore,
    stored: &str,
    download_name: &str,
) -> Result<Response, FileError> {
    let path = store.path_of(stored).ok_or(FileError::Missing)?;
    let file = match tokio::fs::File::open(&path).await {
        Ok(file) => file,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => {
            tracing::warn!(file = %path.display(), "a stored file is missing");
            return Err(FileError::Missing);
        }
        Err(e) => return Err(e.into()),
    };
    let length = file.metadata().await?.len();
    let stream = futures_util::stream::try_unfold(file, |mut file| async move {
        let mut buffer = vec![0u8; CHUNK];
        let read = file.read(&mut buffer).await?;
        if read == 0 {
            return Ok::<_, std::io::Error>(None);
        }
        buffer.truncate(read);
        Ok(Some((Bytes::from(buffer), file)))
    });
    let mut response = Body::from_stream(stream).into_response();
    let headers = response.headers_mut();
    headers.insert(
        CONTENT_TYPE,
        HeaderValue::from_static("application/octet-stream"),
    );
    headers.insert(CONTENT_LENGTH, HeaderValue::from(length));
    headers.insert(X_CONTENT_TYPE_OPTIONS, HeaderValue::from_static("nosniff"));
    headers.insert(
        CONTENT_SECURITY_POLICY,
        HeaderValue::from_static("default-src 'none'; sandbox"),
    );
    headers.insert(CACHE_CONTROL, HeaderValue::from_static("private, no-store"));
    if let Ok(value) = HeaderValue::from_str(&content_disposition(download_name)) {
        headers.insert(CONTENT_DISPOSITION, value);
    }
    Ok(response)
}

/// `attachment` with an ASCII `filename` (anything unsafe in a header or a
/// path replaced by `_`) and the exact name as RFC 5987 `filename*`.
pub fn content_disposition(name: &str) -> String {
    let ascii: String = name
        .chars()
        .map(|c| {
            let unsafe_char = !c.is_ascii()
                || c.is_ascii_control()
                || matches!(
                    c,
                    '"' | '\\' | '/' | ':' | ';' | '*' | '?' | '<' | '>' | '|' | '%'
                );
            if unsafe_char {
                '_'
            } else {
                c
            }
        })
        .take(150)
        .collect();
    let ascii = ascii.trim_matches(|c: char| c == '.' || c == ' ');
    let ascii = if ascii.is_empty() { "download" } else { ascii };
    let mut encoded = String::new();
    for byte in name.bytes().take(600) {
        let plain = byte.is_ascii_alphanumeric() || b"!#$&+-.^_`|~".contains(&byte);
        if plain {
            encoded.push(char::from(byte));
        } else {
            encoded.push_str(&format!("%{byte:02X}"));
        }
    }
    format!("attachment; filename=\"{ascii}\"; filename*=UTF-8''{encoded}")
}

/// The name a FileUpload downloads as: its title with the stored file's
/// extension (DefectDojo's), unless the title already ends with it.
pub fn download_name(title: &str, stored: &str) -> String {
    match super::extension(stored) {
        Some(ext) if !title.to_ascii_lowercase().ends_with(&format!(".{ext}")) => {
            format!("{title}.{ext}")
        }
        _ => title.to_owned(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn disposition_names_are_safe_in_a_header() {
        assert_eq!(
            content_disposition("report.pdf"),
            "attachment; filename=\"report.pdf\"; filename*=UTF-8''report.pdf"
        );
        let tricky = content_disposition("../\"evil\"\r\n.html");
        assert!(
            tricky.starts_with("attachment; filename=\"__evil"),
            "{tricky}"
        );
        assert!(!tricky.contains('\r') && !tricky.contains('\n'));
        assert!(HeaderValue::from_str(&content_disposition("résumé ✓.txt")).is_ok());
        assert_eq!(
            download_name("Screenshot", "uploaded_files/x.png"),
            "Screenshot.png"
        );
        assert_eq!(
            download_name("shot.PNG", "uploaded_files/x.png"),
            "shot.PNG"
        );
    }
}
