//! Who is looking at a page: the signed-in user, their access (the same
//! [`Caller`] the API checks), and the layout's [`Chrome`].

use axum::extract::FromRequestParts;
use axum::http::request::Parts;
use axum::response::Response;
use dojo_domain::authz::Permission;
use dojo_storage::authz::Access;
use dojo_storage::Conn;

use super::pages::{self, Chrome};
use super::session::{ActiveSession, WebUser};
use super::PageError;
use crate::auth::Caller;
use crate::AppState;

/// A signed-in user with their access, for pages that show or change data.
/// Without a session the page redirects to the sign-in form.
#[derive(Debug, Clone)]
pub struct Viewer {
    pub session: ActiveSession,
    pub caller: Caller,
}

impl Viewer {
    /// The viewer behind a session (for handlers that took a [`super::CsrfForm`]).
    pub async fn of(state: &AppState, user: WebUser) -> Result<Viewer, Response> {
        let WebUser(session) = user;
        let mut conn = state
            .db
            .conn()
            .await
            .map_err(|e| pages::internal_error(&e))?;
        let access = Access::of(&mut conn, &session.user)
            .await
            .map_err(|e| pages::internal_error(&e))?;
        let caller = Caller {
            user: session.user.clone(),
            access,
        };
        Ok(Viewer { session, caller })
    }

    /// The layout's header for a page of `section` (the highlighted menu entry).
    pub fn chrome(&self, section: &'static str) -> Chrome {
        Chrome::for_viewer(self, section)
    }

    pub fn is_superuser(&self) -> bool {
        self.caller.access.superuser
    }

    /// 403 unless the viewer's roles grant `permission` on the product.
    pub async fn require_on_product(
        &self,
        conn: &mut Conn,
        product_id: i64,
        permission: Permission,
    ) -> Result<(), PageError> {
        if self
            .caller
            .access
            .may_on_product(conn, product_id, permission)
            .await?
        {
            Ok(())
        } else {
            Err(PageError::forbidden())
        }
    }

    /// 403 unless the viewer's roles grant `permission` on the product type.
    pub async fn require_on_product_type(
        &self,
        conn: &mut Conn,
        product_type_id: i64,
        permission: Permission,
    ) -> Result<(), PageError> {
        if self
            .caller
            .access
            .may_on_product_type(conn, product_type_id, permission)
            .await?
        {
            Ok(())
        } else {
            Err(PageError::forbidden())
        }
    }
}

impl FromRequestParts<AppState> for Viewer {
    type Rejection = Response;

    async fn from_request_parts(
        parts: &mut Parts,
        state: &AppState,
    ) -> Result<Self, Self::Rejection> {
        let user = WebUser::from_request_parts(parts, state).await?;
        Viewer::of(state, user).await
    }
}

/// A form posted by a signed-in user, after the CSRF checks, with the viewer's
/// access. Forms with repeated fields (checkboxes, multiple selects) take
/// `Vec<(String, String)>` and read it through
/// [`ListQuery::from_pairs`](super::listing::ListQuery::from_pairs).
#[derive(Debug, Clone)]
pub struct ViewerForm<T> {
    pub viewer: Viewer,
    pub form: T,
}

impl<T> axum::extract::FromRequest<AppState> for ViewerForm<T>
where
    T: serde::de::DeserializeOwned + Send,
{
    type Rejection = Response;

    async fn from_request(
        request: axum::extract::Request,
        state: &AppState,
    ) -> Result<Self, Self::Rejection> {
        let super::CsrfForm { user, form } =
            super::CsrfForm::<T>::from_request(request, state).await?;
        Ok(ViewerForm {
            viewer: Viewer::of(state, user).await?,
            form,
        })
    }
}
