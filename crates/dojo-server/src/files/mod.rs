//! The file store: uploaded files (FileUpload rows, domain.md §14) and risk
//! acceptance proofs, kept on disk under one folder.
//!
//! * Names on disk are random (`uploaded_files/<uuid>.<ext>`,
//!   `risk/YYYY/MM/DD/<uuid>.<ext>`), the layout of DefectDojo's `MEDIA_ROOT`;
//!   the user's file name never reaches the file system, and a stored name read
//!   back from the database is checked to stay inside the folder.
//! * An upload is written to its final place as a [`StagedFile`], which removes
//!   it when dropped unless [`StagedFile::keep`] is called after the database
//!   transaction that records it has committed: a failed upload leaves nothing.
//! * Files of deleted rows are removed after the delete commits
//!   ([`FileStore::remove`]); a removal that fails is logged, never an error of
//!   the request, since the rows are already gone.

mod serve;
pub(crate) mod upload;

use std::path::{Component, Path, PathBuf};
use std::sync::Arc;

use chrono::{DateTime, Utc};
use tokio::io::AsyncWriteExt;

pub use serve::{attachment, content_disposition, download_name, FileError};
pub use upload::{read_upload, UploadForm};

/// DefectDojo's default `DD_FILE_UPLOAD_TYPES`.
pub const DEFAULT_UPLOAD_TYPES: &[&str] = &[
    ".txt", ".pdf", ".json", ".xml", ".csv", ".yml", ".png", ".jpeg", ".sarif", ".xlsx", ".doc",
    ".html", ".js", ".nessus", ".zip", ".fpr",
];

/// The default largest upload: 100 MB, DefectDojo's scan file limit.
pub const DEFAULT_MAX_BYTES: u64 = 100 * 1024 * 1024;

/// Where an upload goes in the store.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Category {
    /// Files attached to findings, tests and engagements.
    Uploaded,
    /// A risk acceptance's proof, by upload day.
    RiskProof,
}

impl Category {
    fn folder(self, now: DateTime<Utc>) -> String {
        match self {
            Category::Uploaded => "uploaded_files".to_owned(),
            Category::RiskProof => now.format("risk/%Y/%m/%d").to_string(),
        }
    }
}

#[derive(Debug)]
struct Config {
    root: PathBuf,
    /// Lower case, with the leading dot, in the configured order.
    allowed: Vec<String>,
    max_bytes: u64,
}

/// The store. Cheap to clone.
#[derive(Debug, Clone)]
pub struct FileStore {
    config: Arc<Config>,
}

impl FileStore {
    /// A store under `root` with DefectDojo's allowed types and a 100 MB limit.
    pub fn new(root: impl Into<PathBuf>) -> Self {
        FileStore {
            config: Arc::new(Config {
                root: root.into(),
                allowed: DEFAULT_UPLOAD_TYPES
                    .iter()
                    .map(|s| (*s).to_owned())
                    .collect(),
                max_bytes: DEFAULT_MAX_BYTES,
            }),
        }
    }

    /// Replaces the allowed extensions (with or without their dot; compared
    /// case-insensitively). An empty list refuses every upload, as in DefectDojo.
    pub fn with_allowed_types<S: AsRef<str>>(self, types: &[S]) -> Self {
        let allowed = types
            .iter()
            .map(|t| t.as_ref().trim().to_ascii_lowercase())
            .filter(|t| !t.is_empty() && t != ".")
            .map(|t| {
                if t.starts_with('.') {
                    t
                } else {
                    format!(".{t}")
                }
            })
            .collect();
        self.with(|c| c.allowed = allowed)
    }

    /// Replaces the largest accepted upload, in bytes.
    pub fn with_max_bytes(self, max_bytes: u64) -> Self {
        self.with(|c| c.max_bytes = max_bytes)
    }

    fn with(self, change: impl FnOnce(&mut Config)) -> Self {
        let mut config = Config {
            root: self.config.root.clone(),
            allowed: self.config.allowed.clone(),
            max_bytes: self.config.max_bytes,
        };
        change(&mut config);
        FileStore {
            config: Arc::new(config),
        }
    }

    pub fn root(&self) -> &Path {
        &self.config.root
    }

    pub fn max_bytes(&self) -> u64 {
        self.config.max_bytes
    }

    /// The extension (lower case, with its dot) of an allowed file name, or
    /// DefectDojo's message naming the allowed ones.
    pub fn check_extension(&self, file_name: &str) -> Result<String, String> {
        let allowed = &self.config.allowed;
        if allowed.is_empty() {
            return Err(
                "File uploads are prohibited due to the list of acceptable file \
                        extensions being empty"
                    .to_owned(),
            );
        }
        match extension(file_name).map(|e| format!(".{e}")) {
            Some(ext) if allowed.contains(&ext) => Ok(ext),
            _ => Err(format!(
                "Unsupported extension. Supported extensions are as follows: {}",
                allowed.join(", ")
            )),
        }
    }

    /// The message of an upload over the limit.
    pub fn too_large_message(&self) -> String {
        format!(
            "The file is too large. Maximum supported size is {}",
            describe_size(self.config.max_bytes)
        )
    }

    /// The path on disk of a stored name, if the name stays inside the store
    /// (relative, no `..`, no empty or special components).
    pub fn path_of(&self, stored: &str) -> Option<PathBuf> {
        if stored.is_empty() || stored.contains(['\\', '\0']) {
            return None;
        }
        let relative = Path::new(stored);
        let plain = relative
            .components()
            .all(|c| matches!(c, Component::Normal(_)));
        (plain && relative.components().next().is_some()).then(|| self.config.root.join(relative))
    }

    /// Creates a new, empty file for an upload with extension `ext` (with its
    /// dot), removed again unless kept.
    pub async fn create(&self, category: Category, ext: &str) -> std::io::Result<StagedFile> {
        let stored = format!(
            "{}/{}{ext}",
            category.folder(Utc::now()),
            uuid::Uuid::new_v4()
        );
        let path = self.path_of(&stored).ok_or_else(|| {
            std::io::Error::new(std::io::ErrorKind::InvalidInput, "bad stored name")
        })?;
        if let Some(parent) = path.parent() {
            tokio::fs::create_dir_all(parent).await?;
        }
        let file = tokio::fs::OpenOptions::new()
            .write(true)
            .create_new(true)
            .open(&path)
            .await?;
        Ok(StagedFile {
            stored,
            path,
            file: Some(file),
            written: 0,
            kept: false,
        })
    }

    /// Stages `bytes` as an upload named `file_name` (its extension must be
    /// allowed, its size within the limit): for callers that hold the whole
    /// file, such as a web form.
    pub async fn stage_bytes(
        &self,
        category: Category,
        file_name: &str,
        bytes: &[u8],
    ) -> Result<StagedFile, FileError> {
        let ext = self
            .check_extension(file_name)
            .map_err(FileError::Invalid)?;
        if u64::try_from(bytes.len()).unwrap_or(u64::MAX) > self.config.max_bytes {
            return Err(FileError::Invalid(self.too_large_message()));
        }
        let mut staged = self.create(category, &ext).await?;
        staged.write(bytes).await?;
        staged.finish().await?;
        Ok(staged)
    }

    /// Removes stored files whose rows are gone (after the delete committed).
    /// Missing files are fine; other failures are logged.
    pub async fn remove(&self, stored: &[String]) {
        for name in stored {
            let Some(path) = self.path_of(name) else {
                tracing::warn!(file = %name, "not removing a stored file outside the store");
                continue;
            };
            match tokio::fs::remove_file(&path).await {
                Ok(()) => {}
                Err(e) if e.kind() == std::io::ErrorKind::NotFound => {}
                Err(error) => {
                    tracing::warn!(file = %path.display(), %error, "cannot remove a stored file");
                }
            }
        }
    }
}

/// A file being uploaded: removed on drop unless kept.
#[derive(Debug)]
pub struct StagedFile {
    stored: String,
    path: PathBuf,
    file: Option<tokio::fs::File>,
    written: u64,
    kept: bool,
}

impl StagedFile {
    /// The name to record in the database (relative to the store).
    pub fn stored_name(&self) -> &str {
        &self.stored
    }

    pub fn path(&self) -> &Path {
        &self.path
    }

    pub fn len(&self) -> u64 {
        self.written
    }

    pub fn is_empty(&self) -> bool {
        self.written == 0
    }

    pub async fn write(&mut self, bytes: &[u8]) -> std::io::Result<()> {
        let file = self.file.as_mut().ok_or_else(|| {
            std::io::Error::new(std::io::ErrorKind::BrokenPipe, "the upload is finished")
        })?;
        file.write_all(bytes).await?;
        self.written += u64::try_from(bytes.len()).unwrap_or(u64::MAX);
        Ok(())
    }

    /// Flushes the file to disk and closes it.
    pub async fn finish(&mut self) -> std::io::Result<()> {
        if let Some(mut file) = self.file.take() {
            file.flush().await?;
            file.sync_all().await?;
        }
        Ok(())
    }

    /// The database has recorded the file: it stays.
    pub fn keep(mut self) {
        self.kept = true;
    }
}

impl Drop for StagedFile {
    fn drop(&mut self) {
        if !self.kept {
            // Close before removing (Windows refuses to remove an open file).
            drop(self.file.take());
            if let Err(error) = std::fs::remove_file(&self.path) {
                if error.kind() != std::io::ErrorKind::NotFound {
                    tracing::warn!(file = %self.path.display(), %error, "cannot remove an abandoned upload");
                }
            }
        }
    }
}

/// The extension of a file name, lower-cased, without its dot; `None` when it
/// has none (as Python's `Path.suffix`: a leading dot does not start one).
pub fn extension(file_name: &str) -> Option<String> {
    let base = file_name.rsplit(['/', '\\']).next().unwrap_or(file_name);
    let (stem, ext) = base.rsplit_once('.')?;
    (!stem.is_empty() && !ext.is_empty()).then(|| ext.to_ascii_lowercase())
}

/// "100 MB" for whole megabytes, else bytes.
fn describe_size(bytes: u64) -> String {
    const MB: u64 = 1024 * 1024;
    if bytes >= MB && bytes.checked_rem(MB) == Some(0) {
        format!("{} MB", bytes / MB)
    } else {
        format!("{bytes} bytes")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn stored_names_stay_inside_the_store() {
        let store = FileStore::new("/srv/files");
        assert_eq!(
            store.path_of("uploaded_files/a.png"),
            Some(PathBuf::from("/srv/files/uploaded_files/a.png"))
        );
        for bad in [
            "",
            "../x",
            "uploaded_files/../../x",
            "/etc/passwd",
            "a\\b",
            "./a",
            "a//b\0",
        ] {
            assert_eq!(store.path_of(bad), None, "{bad:?}");
        }
    }

    #[test]
    fn extensions_follow_the_configured_list() {
        let store = FileStore::new("/x");
        assert_eq!(store.check_extension("Report.PDF").as_deref(), Ok(".pdf"));
        assert!(store.check_extension("a.exe").is_err());
        assert!(store.check_extension(".png").is_err());
        assert!(store.check_extension("png").is_err());
        let store = store.with_allowed_types(&["exe", ".PNG"]);
        assert_eq!(store.check_extension("a.exe").as_deref(), Ok(".exe"));
        assert_eq!(store.check_extension("a.png").as_deref(), Ok(".png"));
        let message = store.check_extension("a.pdf").expect_err("not allowed");
        assert!(message.ends_with(".exe, .png"), "{message}");
        let none = FileStore::new("/x").with_allowed_types::<&str>(&[]);
        assert!(none
            .check_extension("a.png")
            .expect_err("nothing allowed")
            .contains("prohibited"));
    }

    #[test]
    fn sizes_are_described_in_megabytes_when_whole() {
        assert_eq!(describe_size(DEFAULT_MAX_BYTES), "100 MB");
        assert_eq!(describe_size(10), "10 bytes");
    }
}
