//! The community and structural levels: one table of typed JSON records (`documents`), the
//! cases taking part in each, and the places of return of cases that communities are made of.
//! Each record is audited on itself; a returnee joining or leaving a project is also audited on
//! the case, so it shows in the case's timeline.

use domain::audit::{AuditAction, FieldChange};
use domain::authz::CaseAccess;
use domain::{CaseId, DocumentId, OfficeId};
use rusqlite::{Connection, OptionalExtension, Row, params};

use super::referrals::body_changes;
use super::{audit, exec, from_ts, parse_named, parse_uuid, q_row, ts};
use crate::model::*;
use crate::{AuditContext, Result, StoreError};

const DOC_COLUMNS: &str = "d.id, d.kind, d.parent_id, d.office_id, d.name, d.body, d.version,
     d.created_at, d.updated_at, u.display_name FROM documents d
     LEFT JOIN users u ON u.id = d.updated_by";

fn doc_row(r: &Row<'_>) -> rusqlite::Result<DocRecord> {
    let opt_id = |i: usize| -> rusqlite::Result<Option<uuid::Uuid>> {
        r.get::<_, Option<String>>(i)?
            .map(|v| parse_uuid(i, &v))
            .transpose()
    };
    Ok(DocRecord {
        id: DocumentId(parse_uuid(0, &r.get::<_, String>(0)?)?),
        kind: parse_named(1, &r.get::<_, String>(1)?, DocKind::parse)?,
        parent: opt_id(2)?.map(DocumentId),
        office: opt_id(3)?.map(OfficeId),
        name: r.get(4)?,
        body: r.get(5)?,
        version: r.get(6)?,
        created_at: from_ts(r.get(7)?),
        updated_at: from_ts(r.get(8)?),
        updated_by: r.get(9)?,
    })
}

pub(crate) fn documents(
    c: &Connection,
    kind: DocKind,
    parent: Option<DocumentId>,
) -> Result<Vec<DocRecord>> {
    let mut stmt = c.prepare_cached(&format!(
        "SELECT {DOC_COLUMNS}
         WHERE d.kind = ?1 AND (?2 IS NULL OR d.parent_id = ?2)
         ORDER BY d.name, d.created_at"
    ))?;
    let rows = stmt.query_map(
        params![kind.as_str(), parent.map(|p| p.to_string())],
        doc_row,
    )?;
    Ok(rows.collect::<rusqlite::Result<Vec<_>>>()?)
}

pub(crate) fn document(c: &Connection, id: DocumentId) -> Result<DocRecord> {
    q_row(
        c,
        &format!("SELECT {DOC_COLUMNS} WHERE d.id = ?1"),
        params![id.to_string()],
        doc_row,
    )
    .optional()?
    .ok_or(StoreError::NotFound)
}

pub(crate) fn documents_of_case(c: &Connection, case: CaseId) -> Result<Vec<DocRecord>> {
    let mut stmt = c.prepare_cached(&format!(
        "SELECT {DOC_COLUMNS}
         JOIN document_cases dc ON dc.document_id = d.id
         WHERE dc.case_id = ?1
         ORDER BY d.created_at DESC"
    ))?;
    let rows = stmt.query_map(params![case.to_string()], doc_row)?;
    Ok(rows.collect::<rusqlite::Result<Vec<_>>>()?)
}

fn linked_cases(c: &Connection, id: DocumentId) -> Result<Vec<CaseId>> {
    let mut stmt = c.prepare_cached("SELECT case_id FROM document_cases WHERE document_id = ?1")?;
    let rows = stmt.query_map(params![id.to_string()], |r| {
        Ok(CaseId(parse_uuid(0, &r.get::<_, String>(0)?)?))
    })?;
    Ok(rows.collect::<rusqlite::Result<Vec<_>>>()?)
}

/// Adds or replaces a record, keeps its cases in step, and audits the record and each case that
/// joined or left.
pub(crate) fn save_document(
    c: &Connection,
    doc: &NewDocument,
    expected: Option<i64>,
    audit: &AuditContext,
) -> Result<()> {
    let id = doc.id.to_string();
    let before = match expected {
        Some(_) => Some(document(c, doc.id)?),
        None => None,
    };
    let n = match expected {
        None => exec(
            c,
            "INSERT INTO documents (id, kind, parent_id, office_id, name, body, version,
                 created_at, updated_at, updated_by)
             VALUES (?1, ?2, ?3, ?4, ?5, ?6, 1, ?7, ?7, ?8)",
            params![
                id,
                doc.kind.as_str(),
                doc.parent.map(|p| p.to_string()),
                doc.office.map(|o| o.to_string()),
                doc.name,
                doc.body,
                ts(audit.at),
                audit.actor.map(|a| a.to_string())
            ],
        )?,
        Some(v) => exec(
            c,
            "UPDATE documents SET name = ?2, body = ?3, version = version + 1, updated_at = ?4,
                 updated_by = ?5
             WHERE id = ?1 AND kind = ?6 AND version = ?7",
            params![
                id,
                doc.name,
                doc.body,
                ts(audit.at),
                audit.actor.map(|a| a.to_string()),
                doc.kind.as_str(),
                v
            ],
        )?,
    };
    if n == 0 {
        return Err(StoreError::Conflict);
    }
    let value = |body: &str| serde_json::from_str::<serde_json::Value>(body).ok();
    let changes = body_changes(
        before.as_ref().and_then(|b| value(&b.body)).as_ref(),
        &value(&doc.body).unwrap_or_default(),
    );
    let action = if expected.is_some() {
        AuditAction::Update
    } else {
        AuditAction::Create
    };
    audit::insert(
        c,
        &audit.entry(action, doc.kind.as_str(), id.clone(), changes),
    )?;

    let had = linked_cases(c, doc.id)?;
    for case in doc.cases.iter().filter(|x| !had.contains(x)) {
        exec(
            c,
            "INSERT INTO document_cases (document_id, case_id) VALUES (?1, ?2)",
            params![id, case.to_string()],
        )?;
        case_entry(c, audit, *case, None, Some(doc.name.clone()))?;
    }
    for case in had.iter().filter(|x| !doc.cases.contains(x)) {
        exec(
            c,
            "DELETE FROM document_cases WHERE document_id = ?1 AND case_id = ?2",
            params![id, case.to_string()],
        )?;
        case_entry(c, audit, *case, Some(doc.name.clone()), None)?;
    }
    Ok(())
}

fn case_entry(
    c: &Connection,
    audit: &AuditContext,
    case: CaseId,
    before: Option<String>,
    after: Option<String>,
) -> Result<()> {
    audit::insert(
        c,
        &audit.entry(
            AuditAction::Update,
            "case",
            case.to_string(),
            vec![FieldChange {
                field: "community_project".into(),
                before,
                after,
            }],
        ),
    )
}

/// Places of return written on cases, with counts, in an office or all offices.
pub(crate) fn return_places(c: &Connection, office: Option<OfficeId>) -> Result<Vec<ReturnPlace>> {
    let mut stmt = c.prepare_cached(
        "SELECT return_province, return_community, COUNT(*) FROM cases
         WHERE (?1 IS NULL OR office_id = ?1)
           AND return_community IS NOT NULL AND TRIM(return_community) <> ''
         GROUP BY return_province, return_community
         ORDER BY COUNT(*) DESC, return_province, return_community",
    )?;
    let rows = stmt.query_map(params![office.map(|o| o.to_string())], |r| {
        Ok(ReturnPlace {
            province: r.get(0)?,
            community: r.get(1)?,
            cases: r.get::<_, i64>(2)?.max(0) as u64,
        })
    })?;
    Ok(rows.collect::<rusqlite::Result<Vec<_>>>()?)
}

/// Cases that returned to a province (compared without accents or case), in an office or all.
pub(crate) fn cases_in_province(
    c: &Connection,
    office: Option<OfficeId>,
    province: &str,
) -> Result<Vec<PlacedCase>> {
    let mut stmt = c.prepare_cached(
        "SELECT c.id, c.case_number, c.given_name, c.family_name, c.sex, c.return_province,
             c.return_community, c.office_id, c.case_manager_id, c.restricted, o.self_approval
         FROM cases c JOIN offices o ON o.id = c.office_id
         WHERE c.return_province_folded = ?1 AND (?2 IS NULL OR c.office_id = ?2)
         ORDER BY c.case_number",
    )?;
    let rows = stmt.query_map(
        params![domain::text::fold(province), office.map(|o| o.to_string())],
        |r| {
            Ok(PlacedCase {
                id: CaseId(parse_uuid(0, &r.get::<_, String>(0)?)?),
                number: r.get(1)?,
                given_name: r.get(2)?,
                family_name: r.get(3)?,
                sex: parse_named(4, &r.get::<_, String>(4)?, domain::case::Sex::parse)?,
                return_province: r.get(5)?,
                return_community: r.get(6)?,
                access: CaseAccess {
                    office: OfficeId(parse_uuid(7, &r.get::<_, String>(7)?)?),
                    case_manager: r
                        .get::<_, Option<String>>(8)?
                        .map(|v| parse_uuid(8, &v).map(domain::UserId))
                        .transpose()?,
                    restricted: r.get(9)?,
                    self_approval: r.get(10)?,
                },
            })
        },
    )?;
    Ok(rows.collect::<rusqlite::Result<Vec<_>>>()?)
}
