//! Retention and erasure: finding closed cases due, reading a case's free text, anonymising a
//! case in one transaction, and erasure requests (SQL and this part of the `Store` API).

use domain::audit::{AuditAction, FieldChange};
use domain::{CaseId, OfficeId, UserId};
use rusqlite::{Connection, OptionalExtension, params};
use time::OffsetDateTime;

use super::{exec, from_ts, parse_uuid, q_row, ts};
use crate::model::*;
use crate::{AuditContext, Result, StoreError, record_type};

pub(crate) fn closed_not_anonymised(c: &Connection) -> Result<Vec<(CaseId, OffsetDateTime)>> {
    let mut stmt = c.prepare_cached(
        "SELECT c.id, max(cl.approved_at) FROM cases c
         JOIN closures cl ON cl.case_id = c.id AND cl.approved_at IS NOT NULL
         WHERE c.stage = 'closed' AND c.anonymised_at IS NULL
         GROUP BY c.id",
    )?;
    let rows = stmt
        .query_map([], |r| {
            Ok((
                CaseId(parse_uuid(0, &r.get::<_, String>(0)?)?),
                from_ts(r.get(1)?),
            ))
        })?
        .collect::<rusqlite::Result<Vec<_>>>()?;
    Ok(rows)
}

fn pairs(c: &Connection, sql: &str, case: &str) -> Result<Vec<(uuid::Uuid, String)>> {
    let mut stmt = c.prepare(sql)?;
    let rows = stmt
        .query_map([case], |r| {
            Ok((parse_uuid(0, &r.get::<_, String>(0)?)?, r.get(1)?))
        })?
        .collect::<rusqlite::Result<Vec<_>>>()?;
    Ok(rows)
}

pub(crate) fn case_texts(c: &Connection, case: CaseId) -> Result<CaseTexts> {
    let id = case.to_string();
    let mut stmt = c.prepare("SELECT id, kind, body FROM pathway_entries WHERE case_id = ?1")?;
    let entries = stmt
        .query_map([&id], |r| {
            let kind: String = r.get(1)?;
            Ok((
                parse_uuid(0, &r.get::<_, String>(0)?)?,
                kind,
                r.get::<_, String>(2)?,
            ))
        })?
        .collect::<rusqlite::Result<Vec<_>>>()?
        .into_iter()
        .filter_map(|(id, kind, body)| EntryKind::parse(&kind).map(|k| (id, k, body)))
        .collect();
    let mut stmt = c.prepare("SELECT version, content FROM plan_versions WHERE case_id = ?1")?;
    let plans = stmt
        .query_map([&id], |r| Ok((r.get(0)?, r.get(1)?)))?
        .collect::<rusqlite::Result<Vec<_>>>()?;
    let mut stmt = c.prepare(
        "SELECT id, form_id, form_version, answers FROM submissions
         WHERE subject_type = 'case' AND subject_id = ?1",
    )?;
    let submissions = stmt
        .query_map([&id], |r| {
            Ok((
                parse_uuid(0, &r.get::<_, String>(0)?)?,
                r.get(1)?,
                r.get(2)?,
                r.get(3)?,
            ))
        })?
        .collect::<rusqlite::Result<Vec<_>>>()?;
    Ok(CaseTexts {
        entries,
        plans,
        closures: pairs(c, "SELECT id, body FROM closures WHERE case_id = ?1", &id)?,
        referrals: pairs(c, "SELECT id, body FROM referrals WHERE case_id = ?1", &id)?,
        submissions,
    })
}

/// The case's columns that identify or describe the person, emptied by anonymisation.
const PERSONAL_COLUMNS: &[&str] = &[
    "given_name",
    "family_name",
    "gender",
    "date_of_birth",
    "return_community",
    "vulnerability_details",
    "phone",
    "email",
    "address",
    "household",
    "consent_notes",
    "notes",
];

/// The content hashes of the files given as answers about a case.
fn case_file_hashes(c: &Connection, case: CaseId) -> Result<Vec<String>> {
    let mut stmt = c.prepare_cached(
        "SELECT DISTINCT f.sha256 FROM submission_files f JOIN submissions s ON s.id = f.submission_id
         WHERE s.subject_type = 'case' AND s.subject_id = ?1
         UNION
         SELECT DISTINCT json_extract(j.value, '$.sha256') FROM held_submissions h,
             json_each(h.files) j
         WHERE h.case_id = ?1",
    )?;
    let rows = stmt.query_map([case.to_string()], |r| r.get(0))?;
    Ok(rows.collect::<rusqlite::Result<Vec<String>>>()?)
}

/// Of `hashes`, those nothing names any more: the shared SQL in [`crate::sql::retention`].
pub(super) fn unreferenced(c: &Connection, hashes: Vec<String>) -> Result<Vec<String>> {
    crate::sql::now(crate::sql::retention::unreferenced(&super::Lite(c), hashes))
}

pub(crate) fn anonymise(
    c: &Connection,
    case: CaseId,
    a: &Anonymised,
    audit: &AuditContext,
) -> Result<()> {
    let id = case.to_string();
    let n = exec(
        c,
        "UPDATE cases SET given_name = '', family_name = '', family_name_folded = '',
             gender = NULL, date_of_birth = NULL, age_at_return = ?2, return_community = NULL,
             vulnerability_details = NULL, phone = NULL, email = NULL, address = NULL,
             anonymised_at = ?3, version = version + 1, updated_at = ?3, updated_by = ?4
         WHERE id = ?1 AND anonymised_at IS NULL",
        params![
            id,
            a.age_at_return,
            ts(audit.at),
            audit.actor.map(|u: UserId| u.to_string())
        ],
    )?;
    if n == 0 {
        return match q_row(c, "SELECT 1 FROM cases WHERE id = ?1", [&id], |_| Ok(())).optional()? {
            Some(()) => Err(StoreError::Conflict),
            None => Err(StoreError::NotFound),
        };
    }
    exec(
        c,
        "UPDATE household_members SET name = '', date_of_birth = NULL, notes = NULL
         WHERE case_id = ?1",
        [&id],
    )?;
    super::match_keys::forget(c, case)?;
    // Only the case number stays searchable.
    exec(
        c,
        "DELETE FROM case_search WHERE case_id = ?1
           AND token <> (SELECT lower(case_number) FROM cases WHERE id = ?1)",
        [&id],
    )?;
    exec(
        c,
        "UPDATE consents SET notes = NULL WHERE case_id = ?1",
        [&id],
    )?;
    // What a partner's packet brought (profile, notes, assessments) is personal data too.
    exec(
        c,
        "UPDATE handovers_received SET content = '{}' WHERE case_id = ?1",
        [&id],
    )?;
    exec(
        c,
        "UPDATE pathway_entries SET closing_note = NULL WHERE case_id = ?1",
        [&id],
    )?;
    for (entry, body) in &a.entries {
        exec(
            c,
            "UPDATE pathway_entries SET body = ?2 WHERE id = ?1 AND case_id = ?3",
            params![entry.to_string(), body, id],
        )?;
    }
    exec(
        c,
        "UPDATE plan_versions SET returned_comments = NULL WHERE case_id = ?1",
        [&id],
    )?;
    for (version, content) in &a.plans {
        exec(
            c,
            "UPDATE plan_versions SET content = ?3 WHERE case_id = ?1 AND version = ?2",
            params![id, version, content],
        )?;
    }
    for (closure, body) in &a.closures {
        exec(
            c,
            "UPDATE closures SET body = ?2 WHERE id = ?1 AND case_id = ?3",
            params![closure.to_string(), body, id],
        )?;
    }
    for (referral, body) in &a.referrals {
        exec(
            c,
            "UPDATE referrals SET body = ?2 WHERE id = ?1 AND case_id = ?3",
            params![referral.to_string(), body, id],
        )?;
    }
    exec(
        c,
        "UPDATE referral_events SET note = ''
         WHERE referral_id IN (SELECT id FROM referrals WHERE case_id = ?1)",
        [&id],
    )?;
    exec(
        c,
        "UPDATE referral_links SET revoked_at = ?2
         WHERE revoked_at IS NULL AND referral_id IN (SELECT id FROM referrals WHERE case_id = ?1)",
        params![id, ts(audit.at)],
    )?;
    for (submission, answers) in &a.submissions {
        exec(
            c,
            "UPDATE submissions SET answers = ?2
             WHERE id = ?1 AND subject_type = 'case' AND subject_id = ?3",
            params![submission.to_string(), answers, id],
        )?;
    }
    // Photos, recordings and documents given as answers go with the answers: their rows now,
    // their content once no other record names it (see `anonymise_case`).
    exec(
        c,
        "DELETE FROM submission_files WHERE submission_id IN
             (SELECT id FROM submissions WHERE subject_type = 'case' AND subject_id = ?1)",
        [&id],
    )?;
    // Field submissions held for review go with the answers too.
    exec(c, "DELETE FROM held_submissions WHERE case_id = ?1", [&id])?;
    exec(c, "DELETE FROM erasure_requests WHERE case_id = ?1", [&id])?;
    // The trail keeps who did what and when, and which fields: not the values.
    exec(
        c,
        "UPDATE audit_log SET changes = (
             SELECT coalesce(json_group_array(json_object('field', json_extract(value, '$.field'),
                                                          'before', NULL, 'after', NULL)), '[]')
             FROM json_each(audit_log.changes))
         WHERE (record_type = ?1 AND record_id = ?2)
            OR (record_type = ?3 AND record_id IN (SELECT id FROM referrals WHERE case_id = ?2))",
        params![record_type::CASE, id, record_type::REFERRAL],
    )?;
    let changes = PERSONAL_COLUMNS
        .iter()
        .map(|f| FieldChange {
            field: (*f).to_string(),
            before: None,
            after: None,
        })
        .collect();
    super::audit::insert(
        c,
        &audit.entry(AuditAction::Anonymise, record_type::CASE, id, changes),
    )
}

fn request_row(r: &rusqlite::Row<'_>) -> rusqlite::Result<ErasureRequest> {
    let by: Option<String> = r.get(5)?;
    Ok(ErasureRequest {
        case: CaseId(parse_uuid(0, &r.get::<_, String>(0)?)?),
        case_number: r.get(1)?,
        office: OfficeId(parse_uuid(2, &r.get::<_, String>(2)?)?),
        reason: r.get(3)?,
        requested_by_name: r.get(4)?,
        requested_by: by.map(|s| parse_uuid(5, &s).map(UserId)).transpose()?,
        requested_at: from_ts(r.get(6)?),
    })
}

const REQUEST_COLUMNS: &str = "e.case_id, c.case_number, c.office_id, e.reason, u.display_name,
    e.requested_by, e.requested_at";

pub(crate) fn request(
    c: &Connection,
    case: CaseId,
    reason: &str,
    audit: &AuditContext,
) -> Result<()> {
    let id = case.to_string();
    let inserted = exec(
        c,
        "INSERT INTO erasure_requests (case_id, reason, requested_by, requested_at)
         SELECT id, ?2, ?3, ?4 FROM cases WHERE id = ?1 AND anonymised_at IS NULL
         ON CONFLICT (case_id) DO NOTHING",
        params![
            id,
            reason,
            audit.actor.map(|u: UserId| u.to_string()),
            ts(audit.at)
        ],
    )?;
    if inserted == 0 {
        return Err(StoreError::Conflict);
    }
    // The reason may say why the returnee asked; it stays with the request, not the trail.
    super::audit::insert(
        c,
        &audit.entry(AuditAction::ErasureRequest, record_type::CASE, id, vec![]),
    )
}

pub(crate) fn one(c: &Connection, case: CaseId) -> Result<Option<ErasureRequest>> {
    Ok(q_row(
        c,
        &format!(
            "SELECT {REQUEST_COLUMNS} FROM erasure_requests e JOIN cases c ON c.id = e.case_id
             LEFT JOIN users u ON u.id = e.requested_by WHERE e.case_id = ?1"
        ),
        [case.to_string()],
        request_row,
    )
    .optional()?)
}

pub(crate) fn waiting(c: &Connection, office: Option<OfficeId>) -> Result<Vec<ErasureRequest>> {
    let mut stmt = c.prepare_cached(&format!(
        "SELECT {REQUEST_COLUMNS} FROM erasure_requests e JOIN cases c ON c.id = e.case_id
         LEFT JOIN users u ON u.id = e.requested_by
         WHERE ?1 IS NULL OR c.office_id = ?1 ORDER BY e.requested_at"
    ))?;
    let rows = stmt
        .query_map([office.map(|o| o.to_string())], request_row)?
        .collect::<rusqlite::Result<Vec<_>>>()?;
    Ok(rows)
}

pub(crate) fn refuse(c: &Connection, case: CaseId, audit: &AuditContext) -> Result<()> {
    let id = case.to_string();
    if exec(c, "DELETE FROM erasure_requests WHERE case_id = ?1", [&id])? == 0 {
        return Err(StoreError::NotFound);
    }
    super::audit::insert(
        c,
        &audit.entry(AuditAction::ErasureRefuse, record_type::CASE, id, vec![]),
    )
}

#[async_trait::async_trait]
impl crate::RetentionStore for super::SqliteStore {
    async fn closed_cases_not_anonymised(&self) -> Result<Vec<(CaseId, OffsetDateTime)>> {
        self.read(closed_not_anonymised).await
    }
    async fn case_texts(&self, case: CaseId) -> Result<CaseTexts> {
        self.read(move |c| case_texts(c, case)).await
    }
    async fn anonymise_case(
        &self,
        case: CaseId,
        anonymised: Anonymised,
        audit: AuditContext,
    ) -> Result<()> {
        let files = self.files.clone();
        let orphans = self
            .write(move |tx| {
                let hashes = case_file_hashes(tx, case)?;
                anonymise(tx, case, &anonymised, &audit)?;
                unreferenced(tx, hashes)
            })
            .await?;
        // The content of files no record names any more is deleted from the file store.
        for hash in orphans {
            files.remove(&hash)?;
        }
        Ok(())
    }
    async fn request_erasure(&self, case: CaseId, reason: &str, audit: AuditContext) -> Result<()> {
        let reason = reason.to_string();
        self.write(move |tx| request(tx, case, &reason, &audit))
            .await
    }
    async fn erasure_request(&self, case: CaseId) -> Result<Option<ErasureRequest>> {
        self.read(move |c| one(c, case)).await
    }
    async fn erasure_requests(&self, office: Option<OfficeId>) -> Result<Vec<ErasureRequest>> {
        self.read(move |c| waiting(c, office)).await
    }
    async fn refuse_erasure(&self, case: CaseId, audit: AuditContext) -> Result<()> {
        self.write(move |tx| refuse(tx, case, &audit)).await
    }
}
