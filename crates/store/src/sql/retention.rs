//! Retention and erasure, on both engines: finding closed cases due, reading a case's free
//! text, anonymising a case in one transaction, erasure requests, and which stored files no
//! record names any more (shared with imports).

use domain::audit::{AuditAction, FieldChange};
use domain::{CaseId, OfficeId, UserId};
use time::OffsetDateTime;

use super::{Db, Engine, Row, args, audit, match_keys, now, on_both_engines};
use crate::model::*;
use crate::sqlite::Lite;
use crate::{AuditContext, Result, RetentionStore, StoreError, record_type};

/// Of `hashes`, those no submission, form version, instance still arriving or import file
/// names any more: their content may be deleted from the file store.
pub(crate) async fn unreferenced<D: Db>(db: &D, hashes: Vec<String>) -> Result<Vec<String>> {
    // Held and sealed submissions name their files inside a JSON text: SQLite looks for the
    // hash with `instr`, PostgreSQL with `strpos` (the same test, each engine's spelling).
    let sql = match db.engine() {
        Engine::Sqlite => {
            "SELECT (SELECT count(*) FROM submission_files WHERE sha256 = ?1)
                  + (SELECT count(*) FROM form_files WHERE sha256 = ?1)
                  + (SELECT count(*) FROM field_parts WHERE sha256 = ?1)
                  + (SELECT count(*) FROM held_submissions WHERE instr(files, ?1) > 0)
                  + (SELECT count(*) FROM sealed_submissions WHERE instr(files, ?1) > 0)
                  + (SELECT count(*) FROM import_files WHERE sha256 = ?1)"
        }
        Engine::Postgres => {
            "SELECT (SELECT count(*) FROM submission_files WHERE sha256 = ?1)
                  + (SELECT count(*) FROM form_files WHERE sha256 = ?1)
                  + (SELECT count(*) FROM field_parts WHERE sha256 = ?1)
                  + (SELECT count(*) FROM held_submissions WHERE strpos(files, ?1) > 0)
                  + (SELECT count(*) FROM sealed_submissions WHERE strpos(files, ?1) > 0)
                  + (SELECT count(*) FROM import_files WHERE sha256 = ?1)"
        }
    };
    let mut out = Vec::new();
    for h in hashes {
        let used: i64 = db.value(sql, &args![&h]).await?;
        if used == 0 {
            out.push(h);
        }
    }
    Ok(out)
}

async fn closed_not_anonymised<D: Db>(db: &D) -> Result<Vec<(CaseId, OffsetDateTime)>> {
    db.rows(
        "SELECT c.id, max(cl.approved_at) FROM cases c
         JOIN closures cl ON cl.case_id = c.id AND cl.approved_at IS NOT NULL
         WHERE c.stage = 'closed' AND c.anonymised_at IS NULL
         GROUP BY c.id",
        &[],
    )
    .await?
    .iter()
    .map(|r| Ok((CaseId(r.get(0)?), r.get(1)?)))
    .collect()
}

async fn pairs<D: Db>(db: &D, sql: &str, case: CaseId) -> Result<Vec<(uuid::Uuid, String)>> {
    db.rows(sql, &args![case.0])
        .await?
        .iter()
        .map(|r| Ok((r.get(0)?, r.get(1)?)))
        .collect()
}

async fn case_texts<D: Db>(db: &D, case: CaseId) -> Result<CaseTexts> {
    let entries = db
        .rows(
            "SELECT id, kind, body FROM pathway_entries WHERE case_id = ?1",
            &args![case.0],
        )
        .await?
        .iter()
        .map(|r| Ok((r.get(0)?, EntryKind::parse(r.text(1)?), r.get(2)?)))
        .collect::<Result<Vec<(uuid::Uuid, Option<EntryKind>, String)>>>()?
        .into_iter()
        .filter_map(|(id, kind, body)| kind.map(|k| (id, k, body)))
        .collect();
    let plans = db
        .rows(
            "SELECT version, content FROM plan_versions WHERE case_id = ?1",
            &args![case.0],
        )
        .await?
        .iter()
        .map(|r| Ok((r.get(0)?, r.get(1)?)))
        .collect::<Result<_>>()?;
    let submissions = db
        .rows(
            "SELECT id, form_id, form_version, answers FROM submissions
             WHERE subject_type = 'case' AND subject_id = ?1",
            &args![case.0],
        )
        .await?
        .iter()
        .map(|r| Ok((r.get(0)?, r.get(1)?, r.get(2)?, r.get(3)?)))
        .collect::<Result<_>>()?;
    Ok(CaseTexts {
        entries,
        plans,
        closures: pairs(db, "SELECT id, body FROM closures WHERE case_id = ?1", case).await?,
        referrals: pairs(
            db,
            "SELECT id, body FROM referrals WHERE case_id = ?1",
            case,
        )
        .await?,
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

/// The content hashes of the files given as answers about a case. Held submissions list theirs
/// in a JSON array: each engine reads it with its own JSON functions.
async fn case_file_hashes<D: Db>(db: &D, case: CaseId) -> Result<Vec<String>> {
    let sql = match db.engine() {
        Engine::Sqlite => {
            "SELECT DISTINCT f.sha256 FROM submission_files f
                 JOIN submissions s ON s.id = f.submission_id
             WHERE s.subject_type = 'case' AND s.subject_id = ?1
             UNION
             SELECT DISTINCT json_extract(j.value, '$.sha256') FROM held_submissions h,
                 json_each(h.files) j
             WHERE h.case_id = ?1"
        }
        Engine::Postgres => {
            "SELECT DISTINCT f.sha256 FROM submission_files f
                 JOIN submissions s ON s.id = f.submission_id
             WHERE s.subject_type = 'case' AND s.subject_id = ?1
             UNION
             SELECT DISTINCT j.value ->> 'sha256' FROM held_submissions h,
                 jsonb_array_elements(h.files::jsonb) AS j(value)
             WHERE h.case_id = ?1"
        }
    };
    db.rows(sql, &args![case.0])
        .await?
        .iter()
        .map(|r| r.get(0))
        .collect()
}

/// The trail keeps who did what and when, and which fields: not the values. Each engine
/// rewrites the changes' JSON with its own functions (element order kept). PostgreSQL does not
/// turn an `IN (SELECT …)` under `OR` into a join: it would read every referral's entries and
/// test each against the subquery, so its form takes the case's referrals as an array first
/// and looks both sides up in `audit_record`.
fn forget_audit_values_sql(engine: Engine) -> &'static str {
    match engine {
        Engine::Sqlite => {
            "UPDATE audit_log SET changes = (
                 SELECT coalesce(json_group_array(json_object('field', json_extract(value, '$.field'),
                                                              'before', NULL, 'after', NULL)), '[]')
                 FROM json_each(audit_log.changes))
             WHERE (record_type = ?1 AND record_id = ?2)
                OR (record_type = ?3 AND record_id IN (SELECT id FROM referrals WHERE case_id = ?2))"
        }
        Engine::Postgres => {
            "UPDATE audit_log SET changes = (
                 SELECT COALESCE(json_agg(json_build_object('field', j.value ->> 'field',
                                                            'before', NULL, 'after', NULL)
                                          ORDER BY j.n)::text, '[]')
                 FROM jsonb_array_elements(audit_log.changes::jsonb) WITH ORDINALITY AS j(value, n))
             WHERE (record_type = ?1 AND record_id = ?2)
                OR (record_type = ?3
                    AND record_id = ANY (ARRAY(SELECT id FROM referrals WHERE case_id = ?2)))"
        }
    }
}

async fn anonymise<D: Db>(
    db: &D,
    case: CaseId,
    a: &Anonymised,
    audit: &AuditContext,
) -> Result<()> {
    let id = case.0;
    let n = db
        .exec(
            "UPDATE cases SET given_name = '', family_name = '', family_name_folded = '',
                 gender = NULL, date_of_birth = NULL, age_at_return = ?2, return_community = NULL,
                 vulnerability_details = NULL, phone = NULL, email = NULL, address = NULL,
                 anonymised_at = ?3, version = version + 1, updated_at = ?3, updated_by = ?4
             WHERE id = ?1 AND anonymised_at IS NULL",
            &args![
                id,
                a.age_at_return,
                audit.at,
                audit.actor.map(|u: UserId| u.0)
            ],
        )
        .await?;
    if n == 0 {
        return match db
            .opt("SELECT 1 FROM cases WHERE id = ?1", &args![id])
            .await?
        {
            Some(_) => Err(StoreError::Conflict),
            None => Err(StoreError::NotFound),
        };
    }
    db.exec(
        "UPDATE household_members SET name = '', date_of_birth = NULL, notes = NULL
         WHERE case_id = ?1",
        &args![id],
    )
    .await?;
    match_keys::forget(db, case).await?;
    // Only the case number stays searchable.
    db.exec(
        "DELETE FROM case_search WHERE case_id = ?1
           AND token <> (SELECT lower(case_number) FROM cases WHERE id = ?1)",
        &args![id],
    )
    .await?;
    db.exec(
        "UPDATE consents SET notes = NULL WHERE case_id = ?1",
        &args![id],
    )
    .await?;
    // What a partner's packet brought (profile, notes, assessments) is personal data too.
    db.exec(
        "UPDATE handovers_received SET content = '{}' WHERE case_id = ?1",
        &args![id],
    )
    .await?;
    db.exec(
        "UPDATE pathway_entries SET closing_note = NULL WHERE case_id = ?1",
        &args![id],
    )
    .await?;
    for (entry, body) in &a.entries {
        db.exec(
            "UPDATE pathway_entries SET body = ?2 WHERE id = ?1 AND case_id = ?3",
            &args![*entry, body, id],
        )
        .await?;
    }
    db.exec(
        "UPDATE plan_versions SET returned_comments = NULL WHERE case_id = ?1",
        &args![id],
    )
    .await?;
    for (version, content) in &a.plans {
        db.exec(
            "UPDATE plan_versions SET content = ?3 WHERE case_id = ?1 AND version = ?2",
            &args![id, *version, content],
        )
        .await?;
    }
    for (closure, body) in &a.closures {
        db.exec(
            "UPDATE closures SET body = ?2 WHERE id = ?1 AND case_id = ?3",
            &args![*closure, body, id],
        )
        .await?;
    }
    for (referral, body) in &a.referrals {
        db.exec(
            "UPDATE referrals SET body = ?2 WHERE id = ?1 AND case_id = ?3",
            &args![*referral, body, id],
        )
        .await?;
    }
    db.exec(
        "UPDATE referral_events SET note = ''
         WHERE referral_id IN (SELECT id FROM referrals WHERE case_id = ?1)",
        &args![id],
    )
    .await?;
    db.exec(
        "UPDATE referral_links SET revoked_at = ?2
         WHERE revoked_at IS NULL AND referral_id IN (SELECT id FROM referrals WHERE case_id = ?1)",
        &args![id, audit.at],
    )
    .await?;
    for (submission, answers) in &a.submissions {
        db.exec(
            "UPDATE submissions SET answers = ?2
             WHERE id = ?1 AND subject_type = 'case' AND subject_id = ?3",
            &args![*submission, answers, id],
        )
        .await?;
    }
    // Photos, recordings and documents given as answers go with the answers: their rows now,
    // their content once no other record names it (see `anonymise_case`).
    db.exec(
        "DELETE FROM submission_files WHERE submission_id IN
             (SELECT id FROM submissions WHERE subject_type = 'case' AND subject_id = ?1)",
        &args![id],
    )
    .await?;
    // Field submissions held for review go with the answers too.
    db.exec(
        "DELETE FROM held_submissions WHERE case_id = ?1",
        &args![id],
    )
    .await?;
    db.exec(
        "DELETE FROM erasure_requests WHERE case_id = ?1",
        &args![id],
    )
    .await?;
    db.exec(
        forget_audit_values_sql(db.engine()),
        &args![record_type::CASE, id, record_type::REFERRAL],
    )
    .await?;
    let changes = PERSONAL_COLUMNS
        .iter()
        .map(|f| FieldChange {
            field: (*f).to_string(),
            before: None,
            after: None,
        })
        .collect();
    audit::insert(
        db,
        &audit.entry(
            AuditAction::Anonymise,
            record_type::CASE,
            id.to_string(),
            changes,
        ),
    )
    .await
}

/// Anonymises the case and answers the hashes of the files its answers held that no record
/// names any more: the caller deletes their content once the transaction is over.
async fn anonymise_case<D: Db>(
    db: &D,
    case: CaseId,
    a: &Anonymised,
    audit: &AuditContext,
) -> Result<Vec<String>> {
    let hashes = case_file_hashes(db, case).await?;
    // The age may be kept only as a band: the tallies move with it.
    let tallied = super::tallies::Before::read(db, &[case.0.to_string()]).await?;
    anonymise(db, case, a, audit).await?;
    tallied.settle(db).await?;
    unreferenced(db, hashes).await
}

fn request_row(r: &Row) -> Result<ErasureRequest> {
    Ok(ErasureRequest {
        case: CaseId(r.get(0)?),
        case_number: r.get(1)?,
        office: OfficeId(r.get(2)?),
        reason: r.get(3)?,
        requested_by_name: r.get(4)?,
        requested_by: r.get::<Option<uuid::Uuid>>(5)?.map(UserId),
        requested_at: r.get(6)?,
    })
}

const REQUEST_COLUMNS: &str = "e.case_id, c.case_number, c.office_id, e.reason, u.display_name,
    e.requested_by, e.requested_at";

async fn request<D: Db>(db: &D, case: CaseId, reason: &str, audit: &AuditContext) -> Result<()> {
    let inserted = db
        .exec(
            "INSERT INTO erasure_requests (case_id, reason, requested_by, requested_at)
             SELECT id, ?2, ?3, ?4 FROM cases WHERE id = ?1 AND anonymised_at IS NULL
             ON CONFLICT (case_id) DO NOTHING",
            &args![case.0, reason, audit.actor.map(|u: UserId| u.0), audit.at],
        )
        .await?;
    if inserted == 0 {
        return Err(StoreError::Conflict);
    }
    // The reason may say why the returnee asked; it stays with the request, not the trail.
    audit::insert(
        db,
        &audit.entry(
            AuditAction::ErasureRequest,
            record_type::CASE,
            case.to_string(),
            vec![],
        ),
    )
    .await
}

async fn one<D: Db>(db: &D, case: CaseId) -> Result<Option<ErasureRequest>> {
    db.opt(
        &format!(
            "SELECT {REQUEST_COLUMNS} FROM erasure_requests e JOIN cases c ON c.id = e.case_id
             LEFT JOIN users u ON u.id = e.requested_by WHERE e.case_id = ?1"
        ),
        &args![case.0],
    )
    .await?
    .as_ref()
    .map(request_row)
    .transpose()
}

async fn waiting<D: Db>(db: &D, office: Option<OfficeId>) -> Result<Vec<ErasureRequest>> {
    db.rows(
        &format!(
            "SELECT {REQUEST_COLUMNS} FROM erasure_requests e JOIN cases c ON c.id = e.case_id
             LEFT JOIN users u ON u.id = e.requested_by
             WHERE CAST(?1 AS TEXT) IS NULL OR c.office_id = ?1 ORDER BY e.requested_at"
        ),
        &args![office.map(|o| o.0)],
    )
    .await?
    .iter()
    .map(request_row)
    .collect()
}

async fn refuse<D: Db>(db: &D, case: CaseId, audit: &AuditContext) -> Result<()> {
    let removed = db
        .exec(
            "DELETE FROM erasure_requests WHERE case_id = ?1",
            &args![case.0],
        )
        .await?;
    if removed == 0 {
        return Err(StoreError::NotFound);
    }
    audit::insert(
        db,
        &audit.entry(
            AuditAction::ErasureRefuse,
            record_type::CASE,
            case.to_string(),
            vec![],
        ),
    )
    .await
}

on_both_engines! {
    impl RetentionStore {
        read fn closed_cases_not_anonymised(&self) -> Result<Vec<(CaseId, OffsetDateTime)>> =
            |db| closed_not_anonymised(db);
        read fn case_texts(&self, case: CaseId) -> Result<CaseTexts> = |db| case_texts(db, *case);
        write fn request_erasure(&self, case: CaseId, reason: &str, audit: AuditContext) -> Result<()> =
            |db| request(db, *case, reason, audit);
        read fn erasure_request(&self, case: CaseId) -> Result<Option<ErasureRequest>> =
            |db| one(db, *case);
        read fn erasure_requests(&self, office: Option<OfficeId>) -> Result<Vec<ErasureRequest>> =
            |db| waiting(db, *office);
        write fn refuse_erasure(&self, case: CaseId, audit: AuditContext) -> Result<()> =
            |db| refuse(db, *case, audit);
    }
    sqlite {
        async fn anonymise_case(
            &self,
            case: CaseId,
            anonymised: Anonymised,
            audit: AuditContext,
        ) -> Result<()> {
            let orphans = self
                .write(move |tx| now(anonymise_case(&Lite(tx), case, &anonymised, &audit)))
                .await?;
            // The content of files no record names any more is deleted from the file store.
            for hash in orphans {
                self.files.remove(&hash)?;
            }
            Ok(())
        }
    }
    postgres {
        async fn anonymise_case(
            &self,
            case: CaseId,
            anonymised: Anonymised,
            audit: AuditContext,
        ) -> Result<()> {
            let orphans = self
                .write((anonymised, audit), move |db, (anonymised, audit)| {
                    Box::pin(anonymise_case(db, case, anonymised, audit))
                })
                .await?;
            // The content of files no record names any more is deleted from the file store.
            for hash in orphans {
                self.files.remove(&hash)?;
            }
            Ok(())
        }
    }
}
