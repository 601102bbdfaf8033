//! The set-based helpers imports rely on, on both databases: ids handed out in
//! one query, multi-row inserts, per-row updates and IN-list reads of thousands
//! of rows (more than one statement's worth of binds on SQLite).

use dojo_domain::entities::DevelopmentEnvironment;
use dojo_storage::bulk::{self, Param};
use dojo_storage::{db_test, repo};

const ROWS: i64 = 12_000;

db_test!(bulk_writes_and_reads_thousands_of_rows, |db| {
    let mut tx = db.begin().await.expect("transaction");
    let ids = bulk::allocate_ids(
        &mut tx,
        repo::development_environments::TABLE,
        ROWS as usize,
    )
    .await
    .expect("ids");
    assert_eq!(ids.len(), ROWS as usize);
    assert!(ids.windows(2).all(|w| w[0] < w[1]), "ascending ids");

    let rows: Vec<Vec<Param>> = ids
        .iter()
        .map(|id| vec![(*id).into(), format!("tag-{id}").into()])
        .collect();
    bulk::insert_rows(
        &mut tx,
        "development_environment",
        &["id", "name"],
        &rows,
        "ON CONFLICT (name) DO NOTHING",
    )
    .await
    .expect("insert");
    // A second insert of the same names is absorbed by ON CONFLICT.
    bulk::insert_rows(
        &mut tx,
        "development_environment",
        &["id", "name"],
        &rows,
        "ON CONFLICT DO NOTHING",
    )
    .await
    .expect("insert again");

    let updates: Vec<(i64, Vec<Param>)> = ids
        .iter()
        .step_by(2)
        .map(|id| (*id, vec![format!("even-{id}").into()]))
        .collect();
    bulk::update_rows(&mut tx, "development_environment", &["name"], &updates)
        .await
        .expect("update");

    let found: Vec<DevelopmentEnvironment> = bulk::fetch_in(&mut tx, &[Param::from("even-%")], &ids, |list| {
        format!("SELECT * FROM development_environment WHERE name LIKE $1 AND id IN ({list}) ORDER BY id")
    })
    .await
    .expect("read");
    assert_eq!(found.len(), (ROWS / 2) as usize);
    assert_eq!(found[0].name, format!("even-{}", ids[0]));

    // Ids handed out later never collide with the ones already used.
    let more = bulk::allocate_ids(&mut tx, repo::development_environments::TABLE, 3)
        .await
        .expect("more ids");
    assert!(more[0] > *ids.last().expect("ids"));
    tx.commit().await.expect("commit");
});
