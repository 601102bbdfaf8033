//! API errors in DefectDojo's (Django REST Framework's) shapes.

use std::collections::BTreeMap;

use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use axum::Json;
use serde_json::json;

use crate::accounts::AccountError;
use dojo_storage::StorageError;

#[derive(Debug, thiserror::Error)]
pub enum ApiError {
    /// 400 with `{"field": ["message", …]}`; `non_field_errors` for whole-request problems.
    #[error("invalid request: {0:?}")]
    Fields(BTreeMap<String, Vec<String>>),
    /// 400 with `{"message": …}`, DefectDojo's shape for unparseable bodies.
    #[error("{0}")]
    Message(String),
    /// 403 with `{"detail": …}`. DefectDojo answers missing or bad credentials with 403.
    #[error("{0}")]
    Forbidden(String),
    #[error("not found")]
    NotFound,
    #[error("unsupported media type {0}")]
    UnsupportedMediaType(String),
    #[error("internal error: {0}")]
    Internal(String),
}

impl ApiError {
    pub fn field(name: &str, message: impl Into<String>) -> Self {
        ApiError::Fields(BTreeMap::from([(name.to_owned(), vec![message.into()])]))
    }

    pub fn not_authenticated() -> Self {
        ApiError::Forbidden("Authentication credentials were not provided.".into())
    }
}

impl IntoResponse for ApiError {
    fn into_response(self) -> Response {
        match self {
            ApiError::Fields(fields) => (StatusCode::BAD_REQUEST, Json(fields)).into_response(),
            ApiError::Message(message) => {
                (StatusCode::BAD_REQUEST, Json(json!({ "message": message }))).into_response()
            }
            ApiError::Forbidden(detail) => {
                (StatusCode::FORBIDDEN, Json(json!({ "detail": detail }))).into_response()
            }
            ApiError::NotFound => (
                StatusCode::NOT_FOUND,
                Json(json!({ "detail": "Not found." })),
            )
                .into_response(),
            ApiError::UnsupportedMediaType(media) => (
                StatusCode::UNSUPPORTED_MEDIA_TYPE,
                Json(
                    json!({ "detail": format!("Unsupported media type \"{media}\" in request.") }),
                ),
            )
                .into_response(),
            ApiError::Internal(cause) => {
                // The cause goes to the log, never to the client.
                tracing::error!(%cause, "request failed");
                (
                    StatusCode::INTERNAL_SERVER_ERROR,
                    Json(json!({ "detail": "A server error occurred." })),
                )
                    .into_response()
            }
        }
    }
}

impl From<StorageError> for ApiError {
    fn from(err: StorageError) -> Self {
        match err {
            StorageError::NotFound { .. } => ApiError::NotFound,
            // Rule violations are the client's to fix: 400 with the reason.
            StorageError::Duplicate { .. }
            | StorageError::InUse { .. }
            | StorageError::MissingReference { .. }
            | StorageError::Invalid { .. }
            | StorageError::Refused(_) => ApiError::field("non_field_errors", err.to_string()),
            other => ApiError::Internal(other.to_string()),
        }
    }
}

impl From<AccountError> for ApiError {
    fn from(err: AccountError) -> Self {
        match err {
            AccountError::Storage(storage) => storage.into(),
            AccountError::Hashing(cause) => ApiError::Internal(cause),
            AccountError::WeakPassword(problems) => {
                ApiError::Fields(BTreeMap::from([("password".to_owned(), problems)]))
            }
            other => ApiError::field("non_field_errors", other.to_string()),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use axum::body::to_bytes;

    async fn render(error: ApiError) -> (StatusCode, serde_json::Value) {
        let response = error.into_response();
        let status = response.status();
        let bytes = to_bytes(response.into_body(), usize::MAX)
            .await
            .unwrap_or_default();
        (status, serde_json::from_slice(&bytes).unwrap_or_default())
    }

    #[tokio::test]
    async fn storage_rule_violations_are_400_and_causes_of_500_stay_private() {
        let (status, body) = render(
            StorageError::Duplicate {
                constraint: "product_name_key".into(),
            }
            .into(),
        )
        .await;
        assert_eq!(status, StatusCode::BAD_REQUEST);
        assert!(body["non_field_errors"][0]
            .as_str()
            .unwrap_or_default()
            .contains("already exists"));
        let (status, body) = render(
            StorageError::NotFound {
                entity: "product",
                id: 3,
            }
            .into(),
        )
        .await;
        assert_eq!(
            (status, body),
            (StatusCode::NOT_FOUND, json!({ "detail": "Not found." }))
        );
        let (status, body) = render(ApiError::Internal("password=hunter2 in a query".into())).await;
        assert_eq!(status, StatusCode::INTERNAL_SERVER_ERROR);
        assert_eq!(body, json!({ "detail": "A server error occurred." }));
    }
}
