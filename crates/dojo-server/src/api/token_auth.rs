//! `POST /api/v2/api-token-auth/`: username and password in, `{"token": …}` out.

use std::collections::BTreeMap;

use axum::extract::State;
use axum::Json;
use serde_json::{json, Value};

use super::RequestFields;
use crate::accounts;
use crate::error::ApiError;
use crate::AppState;

pub async fn obtain_token(
    State(state): State<AppState>,
    fields: RequestFields,
) -> Result<Json<Value>, ApiError> {
    let mut errors = BTreeMap::new();
    let username = fields.required_text("username", &mut errors);
    let password = fields.required_text("password", &mut errors);
    let (Some(username), Some(password)) = (username, password) else {
        return Err(ApiError::Fields(errors));
    };
    let Some(user) = accounts::authenticate(&state.db, &username, &password).await? else {
        return Err(ApiError::field(
            "non_field_errors",
            "Unable to log in with provided credentials.",
        ));
    };
    let token = accounts::token_for(&state.db, &state.secret, user.id).await?;
    Ok(Json(json!({ "token": token })))
}
