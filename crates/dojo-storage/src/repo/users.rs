//! User accounts.

use dojo_domain::entities::User;

table! {
    entity: User,
    table: "dojo_user",
    columns: [
        username,
        first_name,
        last_name,
        email,
        password,
        is_active,
        is_staff,
        is_superuser,
        last_login,
    ],
    set_on_insert: [date_joined],
    set_on_write: [],
    update: pub update,
    delete: pub delete,
}

use crate::{Conn, StorageResult};

pub async fn find_by_username(conn: &mut Conn, username: &str) -> StorageResult<Option<User>> {
    Ok(dispatch!(conn, c => {
        sqlx::query_as::<_, User>("SELECT * FROM dojo_user WHERE username = $1")
            .bind(username)
            .fetch_optional(&mut *c)
            .await?
    }))
}

/// Records a successful login.
pub async fn touch_last_login(conn: &mut Conn, id: i64) -> StorageResult<()> {
    let now = crate::table::now();
    dispatch!(conn, c => {
        sqlx::query("UPDATE dojo_user SET last_login = $2 WHERE id = $1")
            .bind(id)
            .bind(now)
            .execute(&mut *c)
            .await?;
    });
    Ok(())
}

/// Creates the user unless the username is taken (safe when several servers start at
/// once); returns whether this call created it.
pub async fn insert_if_absent(conn: &mut Conn, user: &User) -> StorageResult<bool> {
    let now = crate::table::now();
    let inserted = dispatch!(conn, c => {
        sqlx::query(
            "INSERT INTO dojo_user (username, first_name, last_name, email, password, is_active, \
             is_staff, is_superuser, date_joined) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9) \
             ON CONFLICT (username) DO NOTHING",
        )
        .bind(&user.username)
        .bind(&user.first_name)
        .bind(&user.last_name)
        .bind(&user.email)
        .bind(&user.password)
        .bind(user.is_active)
        .bind(user.is_staff)
        .bind(user.is_superuser)
        .bind(now)
        .execute(&mut *c)
        .await?
        .rows_affected()
    });
    Ok(inserted > 0)
}
