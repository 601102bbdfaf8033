//! Who may see and do what (rbac.md §8): the roles a user holds on a product or
//! product type, and the SQL that restricts a list to what the user may see.
//!
//! Lists are filtered in the query, never after it: [`Access::product_filter`]
//! yields an `IN (subquery)` over the membership tables, which are indexed on the
//! user, so a member of 3 products among 100,000 pays for 3 rows, not 100,000.

use dojo_domain::authz::{any_grants, global_may_add_product_type, role_grants, Permission};
use dojo_domain::entities::User;
use dojo_domain::Role;

use crate::bulk::{self, Param};
use crate::{Conn, StorageResult};

/// A user's standing, loaded once per request.
#[derive(Debug, Clone)]
pub struct Access {
    pub user_id: i64,
    pub superuser: bool,
    /// The strongest global role, held directly or through a group.
    pub global_role: Option<Role>,
}

/// Product ids where `$n` is a member: directly, through the product type,
/// through a group on either.
fn visible_products_sql(n: usize) -> String {
    format!(
        "SELECT product_id FROM product_member WHERE user_id = ${n} \
         UNION SELECT p.id FROM product p JOIN product_type_member m ON m.product_type_id = p.prod_type_id \
           WHERE m.user_id = ${n} \
         UNION SELECT g.product_id FROM product_group g JOIN dojo_group_member gm ON gm.group_id = g.group_id \
           WHERE gm.user_id = ${n} \
         UNION SELECT p.id FROM product p JOIN product_type_group g ON g.product_type_id = p.prod_type_id \
           JOIN dojo_group_member gm ON gm.group_id = g.group_id WHERE gm.user_id = ${n}"
    )
}

/// Product ids where `$n` holds one of `roles` (a list of role ids): directly,
/// through the product type, through a group on either.
fn products_with_roles_sql(n: usize, roles: &str) -> String {
    format!(
        "SELECT product_id FROM product_member WHERE user_id = ${n} AND role_id IN ({roles}) \
         UNION SELECT p.id FROM product p JOIN product_type_member m ON m.product_type_id = p.prod_type_id \
           WHERE m.user_id = ${n} AND m.role_id IN ({roles}) \
         UNION SELECT g.product_id FROM product_group g JOIN dojo_group_member gm ON gm.group_id = g.group_id \
           WHERE gm.user_id = ${n} AND g.role_id IN ({roles}) \
         UNION SELECT p.id FROM product p JOIN product_type_group g ON g.product_type_id = p.prod_type_id \
           JOIN dojo_group_member gm ON gm.group_id = g.group_id WHERE gm.user_id = ${n} AND g.role_id IN ({roles})"
    )
}

/// Product type ids where `$n` is a member, directly or through a group. A
/// product membership does not show its product type (rbac.md §5).
fn visible_product_types_sql(n: usize) -> String {
    format!(
        "SELECT product_type_id FROM product_type_member WHERE user_id = ${n} \
         UNION SELECT g.product_type_id FROM product_type_group g \
           JOIN dojo_group_member gm ON gm.group_id = g.group_id WHERE gm.user_id = ${n}"
    )
}

/// Orders roles by what they grant, for "the strongest global role".
fn strength(role: Role) -> u8 {
    match role {
        Role::Reader => 0,
        Role::ApiImporter => 1,
        Role::Writer => 2,
        Role::Maintainer => 3,
        Role::Owner => 4,
    }
}

impl Access {
    /// Loads the user's global role (its own or a group's).
    pub async fn of(conn: &mut Conn, user: &User) -> StorageResult<Access> {
        Access::for_user(conn, user.id, user.is_superuser).await
    }

    /// [`Access::of`] for callers that hold only the user's id and flag.
    pub async fn for_user(conn: &mut Conn, user_id: i64, superuser: bool) -> StorageResult<Access> {
        let rows: Vec<(i64,)> = bulk::fetch_all(
            conn,
            "SELECT role_id FROM global_role WHERE role_id IS NOT NULL AND (user_id = $1 \
             OR group_id IN (SELECT group_id FROM dojo_group_member WHERE user_id = $1))",
            &[user_id.into()],
        )
        .await?;
        let global_role = rows
            .into_iter()
            .filter_map(|(id,)| Role::from_id(id))
            .max_by_key(|r| strength(*r));
        Ok(Access {
            user_id,
            superuser,
            global_role,
        })
    }

    /// Superusers and holders of any global role see every product.
    pub fn sees_everything(&self) -> bool {
        self.superuser || self.global_role.is_some()
    }

    /// A condition restricting `column` (a product id) to visible products, with
    /// its parameter appended to `params`; `None` when nothing is hidden.
    pub fn product_filter(&self, column: &str, params: &mut Vec<Param>) -> Option<String> {
        if self.sees_everything() {
            return None;
        }
        params.push(self.user_id.into());
        Some(format!(
            "{column} IN ({})",
            visible_products_sql(params.len())
        ))
    }

    /// As [`Access::product_filter`], but only products where one of the user's
    /// roles grants `permission` (DefectDojo lists risk acceptances this way: a
    /// Reader of a product does not see them). `Some("FALSE")` when no role can.
    pub fn product_filter_granting(
        &self,
        column: &str,
        permission: Permission,
        params: &mut Vec<Param>,
    ) -> Option<String> {
        if self.superuser || self.global_role.is_some_and(|r| role_grants(r, permission)) {
            return None;
        }
        let roles: Vec<String> = Role::ALL
            .into_iter()
            .filter(|r| role_grants(*r, permission))
            .map(|r| r.id().to_string())
            .collect();
        if roles.is_empty() {
            return Some("FALSE".into());
        }
        params.push(self.user_id.into());
        Some(format!(
            "{column} IN ({})",
            products_with_roles_sql(params.len(), &roles.join(", "))
        ))
    }

    /// As [`Access::product_filter`], for a product type id column.
    pub fn product_type_filter(&self, column: &str, params: &mut Vec<Param>) -> Option<String> {
        if self.sees_everything() {
            return None;
        }
        params.push(self.user_id.into());
        Some(format!(
            "{column} IN ({})",
            visible_product_types_sql(params.len())
        ))
    }

    /// Every role the user holds on a product: direct, product type, groups on
    /// either, global.
    pub async fn roles_on_product(
        &self,
        conn: &mut Conn,
        product_id: i64,
    ) -> StorageResult<Vec<Role>> {
        let rows: Vec<(i64,)> = bulk::fetch_all(
            conn,
            "SELECT role_id FROM product_member WHERE product_id = $1 AND user_id = $2 \
             UNION ALL SELECT m.role_id FROM product_type_member m JOIN product p ON p.prod_type_id = m.product_type_id \
               WHERE p.id = $1 AND m.user_id = $2 \
             UNION ALL SELECT g.role_id FROM product_group g JOIN dojo_group_member gm ON gm.group_id = g.group_id \
               WHERE g.product_id = $1 AND gm.user_id = $2 \
             UNION ALL SELECT g.role_id FROM product_type_group g JOIN product p ON p.prod_type_id = g.product_type_id \
               JOIN dojo_group_member gm ON gm.group_id = g.group_id WHERE p.id = $1 AND gm.user_id = $2",
            &[product_id.into(), self.user_id.into()],
        )
        .await?;
        Ok(self.with_global(rows))
    }

    /// Every role the user holds on a product type: direct, groups, global.
    pub async fn roles_on_product_type(
        &self,
        conn: &mut Conn,
        product_type_id: i64,
    ) -> StorageResult<Vec<Role>> {
        let rows: Vec<(i64,)> = bulk::fetch_all(
            conn,
            "SELECT role_id FROM product_type_member WHERE product_type_id = $1 AND user_id = $2 \
             UNION ALL SELECT g.role_id FROM product_type_group g JOIN dojo_group_member gm ON gm.group_id = g.group_id \
               WHERE g.product_type_id = $1 AND gm.user_id = $2",
            &[product_type_id.into(), self.user_id.into()],
        )
        .await?;
        Ok(self.with_global(rows))
    }

    fn with_global(&self, rows: Vec<(i64,)>) -> Vec<Role> {
        rows.into_iter()
            .filter_map(|(id,)| Role::from_id(id))
            .chain(self.global_role)
            .collect()
    }

    /// Whether the user may do `permission` on (something in) a product.
    pub async fn may_on_product(
        &self,
        conn: &mut Conn,
        product_id: i64,
        permission: Permission,
    ) -> StorageResult<bool> {
        if self.superuser {
            return Ok(true);
        }
        let roles = self.roles_on_product(conn, product_id).await?;
        Ok(any_grants(&roles, permission))
    }

    /// Whether the user may do `permission` on a product type.
    pub async fn may_on_product_type(
        &self,
        conn: &mut Conn,
        product_type_id: i64,
        permission: Permission,
    ) -> StorageResult<bool> {
        if self.superuser {
            return Ok(true);
        }
        let roles = self.roles_on_product_type(conn, product_type_id).await?;
        Ok(any_grants(&roles, permission))
    }

    /// Creating product types: superusers and global Maintainers or Owners.
    pub fn may_add_product_type(&self) -> bool {
        self.superuser || global_may_add_product_type(self.global_role)
    }
}

/// A condition true when the user whose id is the column `user` (superuser
/// flag in the column `superuser`) may view the product `$n`: superusers,
/// holders of any global role, and members of the product or its product type,
/// directly or through a group (every role grants viewing). The reverse of
/// [`Access::product_filter`], for choosing the recipients of a notification
/// about a product in one query.
pub fn user_may_view_product_sql(user: &str, superuser: &str, n: usize) -> String {
    format!(
        "({} \
         OR EXISTS (SELECT 1 FROM product_member m WHERE m.user_id = {user} AND m.product_id = ${n}) \
         OR EXISTS (SELECT 1 FROM product p JOIN product_type_member m ON m.product_type_id = p.prod_type_id \
           WHERE p.id = ${n} AND m.user_id = {user}) \
         OR EXISTS (SELECT 1 FROM product_group g JOIN dojo_group_member gm ON gm.group_id = g.group_id \
           WHERE g.product_id = ${n} AND gm.user_id = {user}) \
         OR EXISTS (SELECT 1 FROM product p JOIN product_type_group g ON g.product_type_id = p.prod_type_id \
           JOIN dojo_group_member gm ON gm.group_id = g.group_id WHERE p.id = ${n} AND gm.user_id = {user}))",
        sees_everything_sql(user, superuser)
    )
}

/// As [`user_may_view_product_sql`], for the product type `$n`: members of the
/// product type itself (a product membership does not show its type).
pub fn user_may_view_product_type_sql(user: &str, superuser: &str, n: usize) -> String {
    format!(
        "({} \
         OR EXISTS (SELECT 1 FROM product_type_member m WHERE m.user_id = {user} AND m.product_type_id = ${n}) \
         OR EXISTS (SELECT 1 FROM product_type_group g JOIN dojo_group_member gm ON gm.group_id = g.group_id \
           WHERE g.product_type_id = ${n} AND gm.user_id = {user}))",
        sees_everything_sql(user, superuser)
    )
}

/// True for superusers and holders of any global role (direct or through a
/// group): [`Access::sees_everything`] for a user column.
fn sees_everything_sql(user: &str, superuser: &str) -> String {
    format!(
        "{superuser} = TRUE \
         OR EXISTS (SELECT 1 FROM global_role gr WHERE gr.role_id IS NOT NULL AND (gr.user_id = {user} \
           OR gr.group_id IN (SELECT group_id FROM dojo_group_member WHERE user_id = {user})))"
    )
}
