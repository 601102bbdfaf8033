//! What a page answers when it cannot show what was asked: the API's errors
//! turned into pages with the same status (404 for what the viewer may not
//! see, 403 for what they may see but not do, 400 for bad input).

use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use dojo_storage::StorageError;

use super::pages;
use crate::error::ApiError;

#[derive(Debug)]
pub enum PageError {
    NotFound,
    Forbidden(String),
    BadRequest(String),
    /// A response made already (a redirect to sign in, a CSRF refusal).
    Response(Response),
    Internal(String),
}

pub type PageResult<T = Response> = Result<T, PageError>;

impl PageError {
    pub fn forbidden() -> Self {
        PageError::Forbidden("You do not have permission to perform this action.".into())
    }
}

impl From<Response> for PageError {
    fn from(response: Response) -> Self {
        PageError::Response(response)
    }
}

impl From<StorageError> for PageError {
    fn from(error: StorageError) -> Self {
        PageError::from(ApiError::from(error))
    }
}

impl From<ApiError> for PageError {
    fn from(error: ApiError) -> Self {
        match error {
            ApiError::NoMatch(_) | ApiError::NotFound => PageError::NotFound,
            ApiError::Forbidden(detail) => PageError::Forbidden(detail),
            ApiError::Fields(fields) => PageError::BadRequest(
                fields
                    .iter()
                    .map(|(field, messages)| field_message(field, messages))
                    .collect::<Vec<_>>()
                    .join(" "),
            ),
            ApiError::List(messages) => PageError::BadRequest(messages.join(" ")),
            ApiError::Invalid(body) => PageError::BadRequest(body.to_string()),
            ApiError::Message(text)
            | ApiError::BadRequestDetail(text)
            | ApiError::ActionRefused(text)
            | ApiError::Conflict(text) => PageError::BadRequest(text),
            ApiError::MethodNotAllowed(method) => {
                PageError::BadRequest(format!("Method \"{method}\" not allowed."))
            }
            ApiError::UnsupportedMediaType(media) => {
                PageError::BadRequest(format!("Unsupported media type \"{media}\"."))
            }
            ApiError::Internal(cause) => PageError::Internal(cause),
        }
    }
}

/// One field's messages as a sentence a person reads: "title: This field is required."
pub fn field_message(field: &str, messages: &[String]) -> String {
    let text = messages.join(" ");
    if field == "non_field_errors" {
        text
    } else {
        format!("{}: {text}", field.replace('_', " "))
    }
}

impl IntoResponse for PageError {
    fn into_response(self) -> Response {
        match self {
            PageError::NotFound => pages::error_page(
                StatusCode::NOT_FOUND,
                "Not found",
                "The page you asked for does not exist, or you may not see it.",
                None,
            ),
            PageError::Forbidden(reason) => pages::error_page(
                StatusCode::FORBIDDEN,
                "Forbidden",
                "You may see this, but not do that.",
                Some(&reason),
            ),
            PageError::BadRequest(reason) => pages::error_page(
                StatusCode::BAD_REQUEST,
                "Bad request",
                "The request could not be carried out.",
                Some(&reason),
            ),
            PageError::Response(response) => response,
            PageError::Internal(cause) => pages::internal_error(&cause),
        }
    }
}
