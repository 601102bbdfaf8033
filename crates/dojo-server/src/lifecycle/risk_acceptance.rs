//! Full risk acceptance (workflows §d, "Full risk acceptance"): a
//! `Risk_Acceptance` of one engagement holds findings that are inactive and
//! risk accepted until it is deleted, they are removed, or it expires.
//!
//! Every function runs inside the caller's transaction, except
//! [`attach_proof`], which must keep or remove a file once its own
//! transaction has ended. None de-duplicates: DefectDojo saves these changes
//! without it.

use chrono::{DateTime, Days, NaiveTime, Utc};
use dojo_domain::entities::{Finding, RiskAcceptance, User};
use dojo_domain::ids::Id;
use dojo_storage::bulk::{self, Param};
use dojo_storage::links::{self, Link};
use dojo_storage::{repo, settings, Conn, Db};

use super::{add_finding_note, save_status, set_endpoint_risk};
use crate::error::ApiError;
use crate::files::{FileStore, StagedFile};
use crate::notifications;

/// `risk_acceptance_form_default_days` when the setting is empty, as DefectDojo
/// falls back to.
const FALLBACK_DEFAULT_DAYS: i64 = 90;

/// The findings of a risk acceptance, in id order.
pub async fn accepted_findings(conn: &mut Conn, ra_id: Id) -> Result<Vec<Finding>, ApiError> {
    Ok(bulk::fetch_all(
        conn,
        "SELECT f.* FROM finding f JOIN risk_acceptance_findings l ON l.finding_id = f.id \
         WHERE l.risk_acceptance_id = $1 ORDER BY f.id",
        &[ra_id.into()],
    )
    .await?)
}

/// The engagement a risk acceptance belongs to (the first, as DefectDojo
/// treats the many-to-many as one-to-many).
pub async fn engagement_of(conn: &mut Conn, ra_id: Id) -> Result<Option<Id>, ApiError> {
    Ok(links::lefts(conn, Link::EngagementRiskAcceptance, ra_id)
        .await?
        .into_iter()
        .next())
}

/// The text DefectDojo's notes give after the name. DefectDojo 3.2 builds the
/// page's URL and then drops it, so its notes end in `()`; Dojo keeps the text
/// identical so that notes read the same in both.
fn named(ra: &RiskAcceptance) -> String {
    format!("\"{}\" ()", ra.name)
}

/// Adds findings to a risk acceptance. A duplicate that is not already risk
/// accepted stays out (DefectDojo's rule); the others become inactive and
/// risk accepted, with their endpoint statuses. Each finding, kept out or not,
/// gets a note saying who added it.
pub async fn add_findings(
    conn: &mut Conn,
    actor: &User,
    ra: &RiskAcceptance,
    findings: &[Finding],
    now: DateTime<Utc>,
) -> Result<(), ApiError> {
    let mut accepted: Vec<Id> = Vec::with_capacity(findings.len());
    for finding in findings {
        if !finding.duplicate || finding.risk_accepted {
            let mut row = finding.clone();
            row.active = false;
            row.risk_accepted = true;
            save_status(conn, finding, row, actor.id, now).await?;
            links::add(conn, Link::RiskAcceptanceFindings, ra.id, finding.id).await?;
            accepted.push(finding.id);
        }
        let what = format!("added this finding to the risk acceptance: {}", named(ra));
        add_finding_note(conn, actor, finding.id, &what, now).await?;
    }
    set_endpoint_risk(conn, &accepted, true, now).await?;
    touch(conn, ra).await
}

/// Takes a finding out of a risk acceptance: it becomes active and not risk
/// accepted again (even if it was mitigated meanwhile, as in DefectDojo), and
/// gets a note saying who removed it.
pub async fn remove_finding(
    conn: &mut Conn,
    actor: &User,
    ra: &RiskAcceptance,
    finding: &Finding,
    now: DateTime<Utc>,
) -> Result<(), ApiError> {
    links::remove(conn, Link::RiskAcceptanceFindings, ra.id, finding.id).await?;
    let mut row = finding.clone();
    row.active = true;
    row.risk_accepted = false;
    save_status(conn, finding, row, actor.id, now).await?;
    set_endpoint_risk(conn, &[finding.id], false, now).await?;
    let what = format!(
        "removed this finding from the risk acceptance: {}",
        named(ra)
    );
    add_finding_note(conn, actor, finding.id, &what, now).await
}

/// Deletes a risk acceptance after removing each of its findings (which
/// reactivates them), with its notes. Answers the stored proof file, for the
/// caller to remove from the file store once the transaction has committed.
pub async fn delete(
    conn: &mut Conn,
    actor: &User,
    ra: &RiskAcceptance,
    now: DateTime<Utc>,
) -> Result<Option<String>, ApiError> {
    for finding in accepted_findings(conn, ra.id).await? {
        remove_finding(conn, actor, ra, &finding, now).await?;
    }
    let notes = links::rights(conn, Link::RiskAcceptanceNotes, ra.id).await?;
    repo::risk_acceptances::delete(conn, ra.id).await?;
    bulk::execute_in(conn, &[], &notes, |list| {
        format!("DELETE FROM notes WHERE id IN ({list})")
    })
    .await?;
    Ok(ra.path.clone())
}

/// Makes `proof` (staged in the store with [`crate::files::Category::RiskProof`])
/// the proof of risk acceptance `ra_id`: recorded in its own transaction,
/// then kept; an earlier proof is removed from the store. If recording fails,
/// the staged file is removed. The caller has checked the permission
/// (`Risk_Acceptance` on the product); DefectDojo's API has `path` read-only,
/// so this serves the web pages.
pub async fn attach_proof(
    db: &Db,
    files: &FileStore,
    ra_id: Id,
    proof: StagedFile,
) -> Result<RiskAcceptance, ApiError> {
    let mut tx = db.begin().await?;
    let current = repo::risk_acceptances::get(&mut tx, ra_id).await?;
    let mut row = current.clone();
    row.path = Some(proof.stored_name().to_owned());
    let saved = repo::risk_acceptances::update(&mut tx, &row).await?;
    tx.commit().await?;
    proof.keep();
    if let Some(old) = current.path.filter(|old| Some(old) != saved.path.as_ref()) {
        files.remove(&[old]).await;
    }
    Ok(saved)
}

/// What an expiry changed.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Expired {
    pub risk_acceptance_id: Id,
    /// Findings made active again (only with `reactivate_expired`).
    pub reactivated: Vec<Id>,
}

/// Expires a risk acceptance now. With `reactivate_expired`, each of its
/// inactive findings becomes active and not risk accepted (its SLA restarting
/// today with `restart_sla_expired`); the findings stay listed in it. The
/// expiration date and the handled date become now.
pub async fn expire(
    conn: &mut Conn,
    ra: &RiskAcceptance,
    now: DateTime<Utc>,
) -> Result<Expired, ApiError> {
    let mut reactivated = Vec::new();
    if ra.reactivate_expired {
        for finding in accepted_findings(conn, ra.id).await? {
            if finding.active {
                continue;
            }
            let mut row = finding.clone();
            row.active = true;
            row.risk_accepted = false;
            if ra.restart_sla_expired {
                row.sla_start_date = Some(now.date_naive());
                row.sla_expiration_date = sla_expiration(conn, &row).await?;
            }
            // The finding's owner of record did not act: nobody fills mitigated_by.
            save_status(conn, &finding, row, ra.owner_id, now).await?;
            reactivated.push(finding.id);
        }
        set_endpoint_risk(conn, &reactivated, false, now).await?;
    }
    let mut row = ra.clone();
    row.expiration_date = Some(now);
    row.expiration_date_handled = Some(now);
    repo::risk_acceptances::update(conn, &row).await?;
    // DefectDojo names the risk acceptance through its engagement; one without
    // an engagement expires silently.
    if let Some(engagement_id) = engagement_of(conn, ra.id).await? {
        let accepted = accepted_findings(conn, ra.id).await?.len();
        notifications::emit::risk_acceptance_expiration(conn, ra, engagement_id, accepted, None)
            .await?;
    }
    Ok(Expired {
        risk_acceptance_id: ra.id,
        reactivated,
    })
}

/// The SLA expiration of a finding from its start date and its product's
/// configuration.
async fn sla_expiration(
    conn: &mut Conn,
    finding: &Finding,
) -> Result<Option<chrono::NaiveDate>, ApiError> {
    let product = repo::products::get(conn, finding.product_id).await?;
    let sla = repo::sla_configurations::get(conn, product.sla_configuration_id).await?;
    let start = finding.sla_start_date.unwrap_or(finding.date);
    Ok(sla.expiration_date(finding.severity, start))
}

/// Reinstates an expired risk acceptance (its expiration date was changed):
/// the typed date is replaced by now plus the default days, and each of its
/// findings that is active again becomes inactive and risk accepted. A risk
/// acceptance that had not expired only loses its warned and handled marks.
pub async fn reinstate(
    conn: &mut Conn,
    ra: &RiskAcceptance,
    now: DateTime<Utc>,
) -> Result<RiskAcceptance, ApiError> {
    let mut row = ra.clone();
    if ra.expiration_date_handled.is_some() {
        let days = settings::load(conn)
            .await?
            .risk_acceptance_form_default_days
            .unwrap_or(FALLBACK_DEFAULT_DAYS);
        row.expiration_date = Some(now + chrono::Duration::days(days));
        let mut reinstated = Vec::new();
        for finding in accepted_findings(conn, ra.id).await? {
            if !finding.active {
                continue;
            }
            let mut accepted = finding.clone();
            accepted.active = false;
            accepted.risk_accepted = true;
            save_status(conn, &finding, accepted, ra.owner_id, now).await?;
            reinstated.push(finding.id);
        }
        set_endpoint_risk(conn, &reinstated, true, now).await?;
    }
    row.expiration_date_handled = None;
    row.expiration_date_warned = None;
    Ok(repo::risk_acceptances::update(conn, &row).await?)
}

/// Saves the risk acceptance so its `updated` moves, as DefectDojo's save does.
async fn touch(conn: &mut Conn, ra: &RiskAcceptance) -> Result<(), ApiError> {
    repo::risk_acceptances::update(conn, ra).await?;
    Ok(())
}

/// Expires every risk acceptance whose expiration day has come (UTC) and that
/// is not handled yet, each in its own transaction. Several `dojo serve`
/// processes may run this at once: each risk acceptance is claimed by an
/// UPDATE on `expiration_date_handled IS NULL`, which only one transaction can
/// win (PostgreSQL re-checks the condition after the winner commits; SQLite
/// has one writer), so none is applied twice.
pub async fn expire_due(db: &Db, now: DateTime<Utc>) -> Result<Vec<Expired>, ApiError> {
    let tomorrow = now
        .date_naive()
        .checked_add_days(Days::new(1))
        .map(|day| day.and_time(NaiveTime::MIN).and_utc())
        .unwrap_or(now);
    let mut conn = db.conn().await?;
    let due: Vec<(i64,)> = bulk::fetch_all(
        &mut conn,
        "SELECT id FROM risk_acceptance WHERE expiration_date IS NOT NULL \
         AND expiration_date_handled IS NULL AND expiration_date < $1 ORDER BY id",
        &[Param::Instant(Some(tomorrow))],
    )
    .await?;
    drop(conn);
    let mut expired = Vec::with_capacity(due.len());
    for (id,) in due {
        let mut tx = db.begin().await?;
        let claimed = bulk::execute(
            &mut tx,
            "UPDATE risk_acceptance SET expiration_date_handled = $1 \
             WHERE id = $2 AND expiration_date_handled IS NULL",
            &[now.into(), id.into()],
        )
        .await?;
        if claimed == 0 {
            continue;
        }
        let ra = repo::risk_acceptances::get(&mut tx, id).await?;
        expired.push(expire(&mut tx, &ra, now).await?);
        tx.commit().await?;
    }
    Ok(expired)
}

/// The heads-up of workflows §d: each risk acceptance expiring within
/// System Settings `risk_acceptance_notify_before_expiration` days (today
/// included; empty or 0 turns it off), not yet warned and not handled, gets a
/// `risk_acceptance_expiration` notification, then `expiration_date_warned` =
/// now. Each is claimed by an UPDATE on `expiration_date_warned IS NULL` in
/// the transaction that notifies, as [`expire_due`] claims, so servers
/// sharing a database warn once. Returns the ids warned.
pub async fn warn_expiring(db: &Db, now: DateTime<Utc>) -> Result<Vec<Id>, ApiError> {
    let mut conn = db.conn().await?;
    let days = settings::load(&mut conn)
        .await?
        .risk_acceptance_notify_before_expiration
        .unwrap_or(0);
    if days <= 0 {
        return Ok(Vec::new());
    }
    let horizon = now
        .date_naive()
        .checked_add_days(Days::new(u64::try_from(days).unwrap_or(0) + 1))
        .map(|day| day.and_time(NaiveTime::MIN).and_utc())
        .unwrap_or(now);
    let due: Vec<(i64,)> = bulk::fetch_all(
        &mut conn,
        "SELECT id FROM risk_acceptance WHERE expiration_date IS NOT NULL \
         AND expiration_date_warned IS NULL AND expiration_date_handled IS NULL \
         AND expiration_date < $1 ORDER BY id",
        &[Param::Instant(Some(horizon))],
    )
    .await?;
    drop(conn);
    let mut warned = Vec::with_capacity(due.len());
    for (id,) in due {
        let mut tx = db.begin().await?;
        let claimed = bulk::execute(
            &mut tx,
            "UPDATE risk_acceptance SET expiration_date_warned = $1 \
             WHERE id = $2 AND expiration_date_warned IS NULL AND expiration_date_handled IS NULL",
            &[now.into(), id.into()],
        )
        .await?;
        if claimed == 0 {
            continue;
        }
        let ra = repo::risk_acceptances::get(&mut tx, id).await?;
        if let (Some(engagement_id), Some(expires)) =
            (engagement_of(&mut tx, id).await?, ra.expiration_date)
        {
            let accepted = accepted_findings(&mut tx, id).await?.len();
            notifications::emit::risk_acceptance_expiration(
                &mut tx,
                &ra,
                engagement_id,
                accepted,
                Some(expires.date_naive()),
            )
            .await?;
        }
        tx.commit().await?;
        warned.push(id);
    }
    Ok(warned)
}
