//! The objects of the hierarchy that notes and files hang off (findings, tests,
//! engagements): what each is called, where its links live, and the lookup of
//! one the caller may see.

use dojo_domain::authz::Permission;
use dojo_storage::bulk::{self, Param};
use dojo_storage::links::Link;
use dojo_storage::Conn;

use crate::api::resource::Visibility;
use crate::auth::Caller;
use crate::error::ApiError;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Parent {
    Finding,
    Engagement,
    Test,
}

impl Parent {
    /// DefectDojo's model name (in 404s and `access_file` URLs).
    pub fn model(self) -> &'static str {
        match self {
            Parent::Finding => "Finding",
            Parent::Engagement => "Engagement",
            Parent::Test => "Test",
        }
    }

    pub fn from_model(model: &str) -> Option<Parent> {
        [Parent::Finding, Parent::Engagement, Parent::Test]
            .into_iter()
            .find(|p| p.model() == model)
    }

    /// The key naming the object in `{id}/notes/` and `{id}/files/` answers.
    pub fn key(self) -> &'static str {
        match self {
            Parent::Finding => "finding_id",
            Parent::Engagement => "engagement_id",
            Parent::Test => "test_id",
        }
    }

    /// What changing the object (adding a file) takes.
    pub fn edit_permission(self) -> Permission {
        match self {
            Parent::Finding => Permission::FindingEdit,
            Parent::Engagement => Permission::EngagementEdit,
            Parent::Test => Permission::TestEdit,
        }
    }

    /// The link table of the object's files, its column naming the object, its link.
    pub fn files(self) -> (&'static str, &'static str, Link) {
        match self {
            Parent::Finding => ("finding_files", "finding_id", Link::FindingFiles),
            Parent::Engagement => ("engagement_files", "engagement_id", Link::EngagementFiles),
            Parent::Test => ("test_files", "test_id", Link::TestFiles),
        }
    }

    /// The object's id and its product's id if the caller may see it;
    /// DefectDojo's 404 naming the model otherwise.
    pub async fn visible(
        self,
        conn: &mut Conn,
        caller: &Caller,
        id: &str,
    ) -> Result<(i64, i64), ApiError> {
        let missing = || ApiError::NoMatch(self.model());
        let id: i64 = id.parse().map_err(|_| missing())?;
        let (select, from) = match self {
            Parent::Finding => ("o.id, o.product_id", "finding o"),
            Parent::Engagement => ("o.id, o.product_id", "engagement o"),
            Parent::Test => (
                "o.id, e.product_id",
                "test o JOIN engagement e ON e.id = o.engagement_id",
            ),
        };
        let product_column = match self {
            Parent::Test => "e.product_id",
            Parent::Finding | Parent::Engagement => "o.product_id",
        };
        let mut params: Vec<Param> = vec![id.into()];
        let condition = Visibility::Product(product_column)
            .condition(caller, &mut params)
            .map(|c| format!(" AND {c}"))
            .unwrap_or_default();
        let sql = format!("SELECT {select} FROM {from} WHERE o.id = $1{condition}");
        let rows: Vec<(i64, i64)> = bulk::fetch_all(conn, &sql, &params).await?;
        rows.into_iter().next().ok_or_else(missing)
    }

    /// As [`Parent::visible`], and the caller must also hold `permission`
    /// on its product (403 otherwise).
    pub async fn permitted(
        self,
        conn: &mut Conn,
        caller: &Caller,
        id: &str,
        permission: Permission,
    ) -> Result<i64, ApiError> {
        let (id, product) = self.visible(conn, caller, id).await?;
        if !caller
            .access
            .may_on_product(conn, product, permission)
            .await?
        {
            return Err(ApiError::denied());
        }
        Ok(id)
    }
}
