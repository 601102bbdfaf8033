//! Who is calling: `Authorization: Token <key>` or HTTP Basic, as DefectDojo accepts.

use axum::extract::FromRequestParts;
use axum::http::header::AUTHORIZATION;
use axum::http::request::Parts;
use base64::Engine;
use dojo_domain::entities::User;

use crate::accounts::{self, TokenCheck};
use crate::error::ApiError;
use crate::AppState;

/// The authenticated, active user of a request. Missing or bad credentials answer
/// 403 with DefectDojo's messages (never 401).
#[derive(Debug, Clone)]
pub struct AuthUser(pub User);

impl FromRequestParts<AppState> for AuthUser {
    type Rejection = ApiError;

    async fn from_request_parts(
        parts: &mut Parts,
        state: &AppState,
    ) -> Result<Self, Self::Rejection> {
        let Some(header) = parts.headers.get(AUTHORIZATION) else {
            return Err(ApiError::not_authenticated());
        };
        let header = header
            .to_str()
            .map_err(|_| ApiError::Forbidden("Invalid token header.".into()))?;
        let (scheme, credentials) = header.split_once(' ').unwrap_or((header, ""));
        let credentials = credentials.trim();
        if scheme.eq_ignore_ascii_case("token") {
            if credentials.is_empty() {
                return Err(ApiError::Forbidden(
                    "Invalid token header. No credentials provided.".into(),
                ));
            }
            if credentials.contains(' ') {
                return Err(ApiError::Forbidden(
                    "Invalid token header. Token string should not contain spaces.".into(),
                ));
            }
            return match accounts::check_token(&state.db, credentials).await? {
                TokenCheck::Valid(user) => Ok(AuthUser(user)),
                TokenCheck::Invalid => Err(ApiError::Forbidden("Invalid token.".into())),
                TokenCheck::Inactive => {
                    Err(ApiError::Forbidden("User inactive or deleted.".into()))
                }
            };
        }
        if scheme.eq_ignore_ascii_case("basic") {
            let invalid = || {
                ApiError::Forbidden(
                    "Invalid basic header. Credentials not correctly base64 encoded.".into(),
                )
            };
            let decoded = base64::engine::general_purpose::STANDARD
                .decode(credentials)
                .map_err(|_| invalid())?;
            let decoded = String::from_utf8(decoded).map_err(|_| invalid())?;
            let (username, password) = decoded.split_once(':').ok_or_else(invalid)?;
            return match accounts::authenticate(&state.db, username, password).await? {
                Some(user) => Ok(AuthUser(user)),
                None => Err(ApiError::Forbidden("Invalid username/password.".into())),
            };
        }
        Err(ApiError::not_authenticated())
    }
}

/// The authenticated user with their access (global role), for handlers that
/// filter or check by role.
#[derive(Debug, Clone)]
pub struct Caller {
    pub user: User,
    pub access: dojo_storage::authz::Access,
}

impl FromRequestParts<AppState> for Caller {
    type Rejection = ApiError;

    async fn from_request_parts(
        parts: &mut Parts,
        state: &AppState,
    ) -> Result<Self, Self::Rejection> {
        let AuthUser(user) = AuthUser::from_request_parts(parts, state).await?;
        let mut conn = state.db.conn().await?;
        let access = dojo_storage::authz::Access::of(&mut conn, &user).await?;
        Ok(Caller { user, access })
    }
}
