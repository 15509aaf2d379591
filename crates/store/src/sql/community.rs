//! The community and structural levels, on both engines: one table of typed JSON records
//! (`documents`), the cases taking part in each, and the places of return of cases that
//! communities are made of. Each record is audited on itself; a returnee joining or leaving a
//! project is also audited on the case, so it shows in the case's timeline.

use domain::audit::{AuditAction, FieldChange};
use domain::authz::CaseAccess;
use domain::{CaseId, DocumentId, OfficeId, UserId};

use super::referrals::body_changes;
use super::{Db, Row, args, audit, named, on_both_engines, tallies};
use crate::model::*;
use crate::{AuditContext, DocumentStore, Result, StoreError};

const DOC_COLUMNS: &str = "d.id, d.kind, d.parent_id, d.office_id, d.name, d.body, d.version,
     d.created_at, d.updated_at, u.display_name FROM documents d
     LEFT JOIN users u ON u.id = d.updated_by";

fn doc_row(r: &Row) -> Result<DocRecord> {
    Ok(DocRecord {
        id: DocumentId(r.get(0)?),
        kind: named(1, r.text(1)?, DocKind::parse)?,
        parent: r.get::<Option<uuid::Uuid>>(2)?.map(DocumentId),
        office: r.get::<Option<uuid::Uuid>>(3)?.map(OfficeId),
        name: r.get(4)?,
        body: r.get(5)?,
        version: r.get(6)?,
        created_at: r.get(7)?,
        updated_at: r.get(8)?,
        updated_by: r.get(9)?,
    })
}

async fn documents<D: Db>(
    db: &D,
    kind: DocKind,
    parent: Option<DocumentId>,
) -> Result<Vec<DocRecord>> {
    db.rows(
        &format!(
            "SELECT {DOC_COLUMNS}
             WHERE d.kind = ?1 AND (CAST(?2 AS TEXT) IS NULL OR d.parent_id = ?2)
             ORDER BY d.name, d.created_at"
        ),
        &args![kind.as_str(), parent.map(|p| p.0)],
    )
    .await?
    .iter()
    .map(doc_row)
    .collect()
}

async fn document<D: Db>(db: &D, id: DocumentId) -> Result<DocRecord> {
    doc_row(
        &db.one(
            &format!("SELECT {DOC_COLUMNS} WHERE d.id = ?1"),
            &args![id.0],
        )
        .await?,
    )
}

async fn documents_of_case<D: Db>(db: &D, case: CaseId) -> Result<Vec<DocRecord>> {
    db.rows(
        &format!(
            "SELECT {DOC_COLUMNS}
             JOIN document_cases dc ON dc.document_id = d.id
             WHERE dc.case_id = ?1
             ORDER BY d.created_at DESC"
        ),
        &args![case.0],
    )
    .await?
    .iter()
    .map(doc_row)
    .collect()
}

async fn linked_cases<D: Db>(db: &D, id: DocumentId) -> Result<Vec<CaseId>> {
    db.rows(
        "SELECT case_id FROM document_cases WHERE document_id = ?1",
        &args![id.0],
    )
    .await?
    .iter()
    .map(|r| Ok(CaseId(r.get(0)?)))
    .collect()
}

/// Adds or replaces a record, keeps its cases in step, and audits the record and each case that
/// joined or left; answers the record as saved.
async fn save_document<D: Db>(
    db: &D,
    doc: &NewDocument,
    expected: Option<i64>,
    audit: &AuditContext,
) -> Result<DocRecord> {
    let id = doc.id.to_string();
    let before = match expected {
        Some(_) => Some(document(db, doc.id).await?),
        None => None,
    };
    let n = match expected {
        None => {
            db.exec(
                "INSERT INTO documents (id, kind, parent_id, office_id, name, body, version,
                     created_at, updated_at, updated_by)
                 VALUES (?1, ?2, ?3, ?4, ?5, ?6, 1, ?7, ?7, ?8)",
                &args![
                    &id,
                    doc.kind.as_str(),
                    doc.parent.map(|p| p.0),
                    doc.office.map(|o| o.0),
                    &doc.name,
                    &doc.body,
                    audit.at,
                    audit.actor.map(|a| a.0)
                ],
            )
            .await?
        }
        Some(v) => {
            db.exec(
                "UPDATE documents SET name = ?2, body = ?3, version = version + 1,
                     updated_at = ?4, updated_by = ?5
                 WHERE id = ?1 AND kind = ?6 AND version = ?7",
                &args![
                    &id,
                    &doc.name,
                    &doc.body,
                    audit.at,
                    audit.actor.map(|a| a.0),
                    doc.kind.as_str(),
                    v
                ],
            )
            .await?
        }
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
        db,
        &audit.entry(action, doc.kind.as_str(), id.clone(), changes),
    )
    .await?;

    let had = linked_cases(db, doc.id).await?;
    // Taking part in a project is a kind of assistance in the survey tallies.
    let changed: Vec<String> = if doc.kind == DocKind::Project {
        doc.cases
            .iter()
            .filter(|x| !had.contains(x))
            .chain(had.iter().filter(|x| !doc.cases.contains(x)))
            .map(|c| c.0.to_string())
            .collect()
    } else {
        Vec::new()
    };
    let tallied = tallies::Before::read(db, &changed).await?;
    for case in doc.cases.iter().filter(|x| !had.contains(x)) {
        db.exec(
            "INSERT INTO document_cases (document_id, case_id) VALUES (?1, ?2)",
            &args![&id, case.0],
        )
        .await?;
        case_entry(db, audit, *case, None, Some(doc.name.clone())).await?;
    }
    for case in had.iter().filter(|x| !doc.cases.contains(x)) {
        db.exec(
            "DELETE FROM document_cases WHERE document_id = ?1 AND case_id = ?2",
            &args![&id, case.0],
        )
        .await?;
        case_entry(db, audit, *case, Some(doc.name.clone()), None).await?;
    }
    tallied.settle(db).await?;
    document(db, doc.id).await
}

async fn case_entry<D: Db>(
    db: &D,
    audit: &AuditContext,
    case: CaseId,
    before: Option<String>,
    after: Option<String>,
) -> Result<()> {
    audit::insert(
        db,
        &audit.entry(
            AuditAction::Update,
            record_type::CASE,
            case.to_string(),
            vec![FieldChange {
                field: "community_project".into(),
                before,
                after,
            }],
        ),
    )
    .await
}

/// Places of return written on cases, with counts, in an office or all offices.
async fn return_places<D: Db>(db: &D, office: Option<OfficeId>) -> Result<Vec<ReturnPlace>> {
    db.rows(
        "SELECT return_province, return_community, COUNT(*) FROM cases
         WHERE (CAST(?1 AS TEXT) IS NULL OR office_id = ?1)
           AND return_community IS NOT NULL AND TRIM(return_community) <> ''
         GROUP BY return_province, return_community
         ORDER BY COUNT(*) DESC, return_province, return_community",
        &args![office.map(|o| o.0)],
    )
    .await?
    .iter()
    .map(|r| {
        Ok(ReturnPlace {
            province: r.get(0)?,
            community: r.get(1)?,
            cases: r.get::<i64>(2)?.max(0) as u64,
        })
    })
    .collect()
}

/// Cases that returned to a province (compared without accents or case), in an office or all.
async fn cases_in_province<D: Db>(
    db: &D,
    office: Option<OfficeId>,
    province: &str,
) -> Result<Vec<PlacedCase>> {
    db.rows(
        "SELECT c.id, c.case_number, c.given_name, c.family_name, c.sex, c.return_province,
             c.return_community, c.office_id, c.case_manager_id, c.restricted, o.self_approval
         FROM cases c JOIN offices o ON o.id = c.office_id
         WHERE c.return_province_folded = ?1 AND (CAST(?2 AS TEXT) IS NULL OR c.office_id = ?2)
         ORDER BY c.case_number",
        &args![domain::text::fold(province), office.map(|o| o.0)],
    )
    .await?
    .iter()
    .map(|r| {
        Ok(PlacedCase {
            id: CaseId(r.get(0)?),
            number: r.get(1)?,
            given_name: r.get(2)?,
            family_name: r.get(3)?,
            sex: named(4, r.text(4)?, domain::case::Sex::parse)?,
            return_province: r.get(5)?,
            return_community: r.get(6)?,
            access: CaseAccess {
                office: OfficeId(r.get(7)?),
                case_manager: r.get::<Option<uuid::Uuid>>(8)?.map(UserId),
                restricted: r.get(9)?,
                self_approval: r.get(10)?,
            },
        })
    })
    .collect()
}

on_both_engines! {
    impl DocumentStore {
        read fn documents(
            &self,
            kind: DocKind,
            parent: Option<DocumentId>,
        ) -> Result<Vec<DocRecord>> = |db| documents(db, *kind, *parent);
        read fn document(&self, id: DocumentId) -> Result<DocRecord> = |db| document(db, *id);
        write fn save_document(
            &self,
            doc: NewDocument,
            expected_version: Option<i64>,
            audit: AuditContext,
        ) -> Result<DocRecord> = |db| save_document(db, doc, *expected_version, audit);
        read fn documents_of_case(&self, case: CaseId) -> Result<Vec<DocRecord>> =
            |db| documents_of_case(db, *case);
        read fn return_places(&self, office: Option<OfficeId>) -> Result<Vec<ReturnPlace>> =
            |db| return_places(db, *office);
        read fn cases_in_province(
            &self,
            office: Option<OfficeId>,
            province: &str,
        ) -> Result<Vec<PlacedCase>> = |db| cases_in_province(db, *office, province);
    }
}
