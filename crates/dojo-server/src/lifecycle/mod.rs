//! What happens to findings after they arrive (workflows §d): the transitions
//! the API and the web pages share. Each is one function over a connection (the
//! caller owns the transaction), recording who and when.

pub mod risk_acceptance;
pub mod scheduler;
pub mod templates;
pub mod transitions;

use chrono::{DateTime, Utc};
use dojo_domain::entities::{Finding, Note, User};
use dojo_domain::ids::Id;
use dojo_storage::bulk::{self, Param};
use dojo_storage::links::{self, Link};
use dojo_storage::{repo, Conn};

use crate::error::ApiError;

/// A finding's endpoint statuses follow its risk acceptance: accepted ones are
/// mitigated and risk accepted, unaccepted ones neither.
pub async fn set_endpoint_risk(
    conn: &mut Conn,
    finding_ids: &[Id],
    accept: bool,
    now: DateTime<Utc>,
) -> Result<(), ApiError> {
    let fixed: Vec<Param> = vec![accept.into(), now.into()];
    bulk::execute_in(conn, &fixed, finding_ids, |list| {
        format!(
            "UPDATE endpoint_status SET mitigated = $1, risk_accepted = $1, last_modified = $2 \
             WHERE finding_id IN ({list})"
        )
    })
    .await?;
    Ok(())
}

/// Takes a finding out of every risk acceptance holding it (a close, a
/// simple unacceptance); the finding's own flags are the caller's to set.
pub async fn leave_risk_acceptances(conn: &mut Conn, finding_id: Id) -> Result<(), ApiError> {
    bulk::execute(
        conn,
        "DELETE FROM risk_acceptance_findings WHERE finding_id = $1",
        &[finding_id.into()],
    )
    .await?;
    Ok(())
}

/// Simple risk (un)acceptance on a finding about to be saved: accepting makes
/// it inactive; unaccepting takes it out of every risk acceptance and makes it
/// active again unless it is mitigated, a false positive or out of scope.
/// Answers the note DefectDojo leaves for the change.
pub async fn simple_risk_change(
    conn: &mut Conn,
    row: &mut Finding,
    accept: bool,
) -> Result<&'static str, ApiError> {
    if accept {
        row.risk_accepted = true;
        row.active = false;
        return Ok("has risk accepted this finding");
    }
    leave_risk_acceptances(conn, row.id).await?;
    if row.mitigated.is_none() && !row.false_p && !row.out_of_scope {
        row.active = true;
    }
    row.risk_accepted = false;
    Ok("removed a risk exception from this finding")
}

/// The note DefectDojo leaves on a finding when someone changes its risk
/// standing: "<display name> (<user id>) <what happened>".
pub async fn add_finding_note(
    conn: &mut Conn,
    actor: &User,
    finding_id: Id,
    what: &str,
    now: DateTime<Utc>,
) -> Result<(), ApiError> {
    let entry = format!("{} ({}) {what}", actor.display_name(), actor.id);
    let note = repo::notes::insert(
        conn,
        &Note {
            id: 0,
            note_type_id: None,
            entry,
            date: now,
            author_id: actor.id,
            private: false,
            edited: false,
            editor_id: None,
            edit_time: None,
        },
    )
    .await?;
    links::add(conn, Link::FindingNotes, finding_id, note.id).await?;
    Ok(())
}

/// Saves a finding whose status flags changed, running the status hooks
/// against its stored state, without de-duplication (risk changes never
/// de-duplicate, workflows §c.1).
pub async fn save_status(
    conn: &mut Conn,
    before: &Finding,
    mut after: Finding,
    actor_id: Id,
    now: DateTime<Utc>,
) -> Result<Finding, ApiError> {
    after.apply_status_hooks(Some(before), actor_id, now);
    Ok(repo::findings::save(conn, &after).await?)
}
