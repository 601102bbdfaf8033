//! `GET /api/v2/user_profile/` (api.md §3.10): the caller and their contact
//! information, unpaginated.

use axum::extract::State;
use axum::routing::get;
use axum::{Json, Router};
use dojo_domain::entities::UserContactInfo;
use dojo_storage::bulk;
use serde_json::{json, Value};

use crate::api::shapes::users;
use crate::auth::Caller;
use crate::error::ApiError;
use crate::AppState;

pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/api/v2/user_profile/", get(user_profile))
        .route("/api/v2/user_profile", get(user_profile))
}

async fn user_profile(
    State(state): State<AppState>,
    caller: Caller,
) -> Result<Json<Value>, ApiError> {
    let mut conn = state.db.conn().await?;
    let contact: Option<UserContactInfo> = bulk::fetch_all(
        &mut conn,
        "SELECT * FROM user_contact_info WHERE user_id = $1",
        &[caller.user.id.into()],
    )
    .await?
    .into_iter()
    .next();
    Ok(Json(json!({
        "user": users::user_json(&caller.user, contact.as_ref()),
        "user_contact_info": contact.as_ref().map(|c| users::contact_json(c, &caller.user)),
    })))
}
