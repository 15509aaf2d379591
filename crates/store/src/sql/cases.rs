//! Cases, their household and vulnerabilities, search tokens and consent records, on both
//! engines. The case list's query is in `case_list`, cases read many at a time in
//! `case_batches`.

use std::sync::LazyLock;

use domain::audit::AuditAction;
use domain::case::{
    CaseStage, HouseholdMember, Relationship, ReturnType, ReturneeProfile, Sex, Vulnerability,
};
use domain::consent::{ConsentDecision, ConsentMethod, ConsentPurpose, ConsentRecord};
use domain::text::{fold, search_tokens};
use domain::{CaseId, CaseNumber, OfficeId, UserId};

use super::{Db, Row, Value, accounts, args, audit, match_keys, named, tallies};
use crate::model::*;
use crate::{AuditContext, Result, StoreError};

/// The columns a returnee profile is stored in, in the order [`profile_values`] gives them.
/// Insert and update both use this list, so a new profile field is added in one place.
const PROFILE_COLUMNS: [&str; 26] = [
    "given_name",
    "family_name",
    "family_name_folded",
    "sex",
    "gender",
    "date_of_birth",
    "age_at_return",
    "nationality",
    "return_date",
    "returned_from",
    "absence_months",
    "return_type",
    "free_choice",
    "informed_decision",
    "return_country",
    "return_province",
    "return_province_folded",
    "return_community",
    "community_is_origin",
    "vulnerability_details",
    "restricted_flag",
    "restricted",
    "phone",
    "email",
    "address",
    "preferred_language",
];

fn profile_values(p: &ReturneeProfile) -> [Value; 26] {
    args![
        &p.given_name,
        &p.family_name,
        fold(&p.family_name),
        p.sex.as_str(),
        &p.gender,
        p.date_of_birth,
        p.age_at_return(),
        &p.nationality,
        p.return_date,
        &p.returned_from,
        p.absence_months,
        p.return_type.as_str(),
        p.free_choice,
        p.informed_decision,
        &p.return_country,
        &p.return_province,
        fold(&p.return_province),
        &p.return_community,
        p.community_is_origin,
        &p.vulnerability_details,
        p.restricted,
        p.is_restricted(),
        &p.phone,
        &p.email,
        &p.address,
        &p.preferred_language,
    ]
}

/// Values: id, number, office, case manager, the profile, stage, then when and by whom (used
/// for both created and updated).
static INSERT_SQL: LazyLock<String> = LazyLock::new(|| {
    let n = PROFILE_COLUMNS.len();
    let placeholders: Vec<String> = (5..5 + n).map(|i| format!("?{i}")).collect();
    let (stage, at, by) = (n + 5, n + 6, n + 7);
    format!(
        "INSERT INTO cases (id, case_number, office_id, case_manager_id, {}, stage, version,
             created_at, created_by, updated_at, updated_by)
         VALUES (?1, ?2, ?3, ?4, {}, ?{stage}, 1, ?{at}, ?{by}, ?{at}, ?{by})",
        PROFILE_COLUMNS.join(", "),
        placeholders.join(", ")
    )
});

/// Values: id, expected version, case manager, the profile, when, by whom. The stage is not
/// edited with the profile: it is derived from the pathway and stored by `set_stage`.
static UPDATE_SQL: LazyLock<String> = LazyLock::new(|| {
    let n = PROFILE_COLUMNS.len();
    let sets: Vec<String> = PROFILE_COLUMNS
        .iter()
        .enumerate()
        .map(|(i, col)| format!("{col} = ?{}", i + 4))
        .collect();
    let (at, by) = (n + 4, n + 5);
    format!(
        "UPDATE cases SET case_manager_id = ?3, {}, version = version + 1,
             updated_at = ?{at}, updated_by = ?{by}
         WHERE id = ?1 AND version = ?2",
        sets.join(", ")
    )
});

/// Takes the next number in the office's sequence for the year.
async fn next_case_number<D: Db>(db: &D, office: &Office, year: i32) -> Result<CaseNumber> {
    let last: u32 = db
        .value(
            "INSERT INTO case_sequences (office_id, year, last) VALUES (?1, ?2, 1)
             ON CONFLICT (office_id, year) DO UPDATE SET last = case_sequences.last + 1
             RETURNING last",
            &args![office.id.0, year],
        )
        .await?;
    Ok(CaseNumber::new(office.code.clone(), year, last))
}

pub(crate) async fn insert<D: Db>(db: &D, case: &NewCase, audit: &AuditContext) -> Result<()> {
    let office = accounts::office(db, case.office).await?;
    let number = next_case_number(db, &office, audit.at.year()).await?;
    let p = &case.profile;
    let mut values: Vec<Value> = args![
        case.id.0,
        number.to_string(),
        case.office.0,
        case.case_manager.map(|u| u.0),
    ]
    .into();
    values.extend(profile_values(p));
    values.extend(args![
        case.stage.as_str(),
        audit.at,
        audit.actor.map(|a| a.0)
    ]);
    db.exec(&INSERT_SQL, &values).await?;
    write_children(db, case.id, p, &number).await?;
    let mut fields = vec![
        ("case_number".to_string(), number.to_string()),
        ("office".to_string(), office.code.to_string()),
    ];
    if let Some(cm) = case.case_manager {
        let manager = accounts::user(db, cm).await?;
        fields.push(("case_manager".into(), manager.username.to_string()));
    }
    fields.extend(p.audit_fields());
    audit::insert(
        db,
        &audit.entry(
            AuditAction::Create,
            record_type::CASE,
            case.id.to_string(),
            domain::audit::created(&fields),
        ),
    )
    .await?;
    for consent in &case.consents {
        add_consent(db, case.id, consent, audit).await?;
    }
    Ok(())
}

/// Registers a case and reads it back, in one transaction.
pub(crate) async fn create<D: Db>(
    db: &D,
    case: &NewCase,
    audit: &AuditContext,
) -> Result<CaseRecord> {
    insert(db, case, audit).await?;
    get(db, case.id).await
}

/// (Re)writes the rows that hang off a case: vulnerabilities, household, search tokens and the
/// keys of the duplicate check.
pub(crate) async fn write_children<D: Db>(
    db: &D,
    case: CaseId,
    p: &ReturneeProfile,
    number: &CaseNumber,
) -> Result<()> {
    let id = case.0;
    for table in ["case_vulnerabilities", "household_members", "case_search"] {
        db.exec(
            &format!("DELETE FROM {table} WHERE case_id = ?1"),
            &args![id],
        )
        .await?;
    }
    for v in &p.vulnerabilities {
        db.exec(
            "INSERT INTO case_vulnerabilities (case_id, vulnerability) VALUES (?1, ?2)",
            &args![id, v.as_str()],
        )
        .await?;
    }
    for (i, m) in p.household.iter().enumerate() {
        db.exec(
            "INSERT INTO household_members (case_id, position, name, relationship, sex,
                 date_of_birth, returned_together, notes)
             VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8)",
            &args![
                id,
                i,
                &m.name,
                m.relationship.as_str(),
                m.sex.map(Sex::as_str),
                m.date_of_birth,
                m.returned_together,
                &m.notes,
            ],
        )
        .await?;
    }
    let mut tokens = search_tokens(&format!("{} {}", p.given_name, p.family_name));
    tokens.push(number.to_string().to_ascii_lowercase());
    for t in tokens {
        db.exec(
            "INSERT INTO case_search (token, case_id, office_id)
             VALUES (?1, ?2, (SELECT office_id FROM cases WHERE id = ?2))
             ON CONFLICT DO NOTHING",
            &args![t, id],
        )
        .await?;
    }
    match_keys::file(db, case, p).await
}

/// Replaces a case's profile, moving the survey tallies with it.
pub(crate) async fn update<D: Db>(db: &D, u: &CaseUpdate, audit: &AuditContext) -> Result<()> {
    let tallied = tallies::Before::read(db, &[u.id.0.to_string()]).await?;
    update_profile(db, u, audit).await?;
    tallied.settle(db).await
}

/// Replaces a case's profile; the caller keeps the tallies in step.
pub(crate) async fn update_profile<D: Db>(
    db: &D,
    u: &CaseUpdate,
    audit: &AuditContext,
) -> Result<()> {
    let mut values: Vec<Value> =
        args![u.id.0, u.expected_version, u.case_manager.map(|x| x.0)].into();
    values.extend(profile_values(&u.profile));
    values.extend(args![audit.at, audit.actor.map(|a| a.0)]);
    let n = db.exec(&UPDATE_SQL, &values).await?;
    if n == 0 {
        let exists: bool = db
            .value(
                "SELECT EXISTS(SELECT 1 FROM cases WHERE id = ?1)",
                &args![u.id.0],
            )
            .await?;
        return Err(if exists {
            StoreError::Conflict
        } else {
            StoreError::NotFound
        });
    }
    let row = db
        .one(
            "SELECT case_number FROM cases WHERE id = ?1",
            &args![u.id.0],
        )
        .await?;
    let number = named(0, row.text(0)?, |s| CaseNumber::parse(s).ok())?;
    write_children(db, u.id, &u.profile, &number).await?;
    audit::insert(
        db,
        &audit.entry(
            AuditAction::Update,
            record_type::CASE,
            u.id.to_string(),
            u.changes.clone(),
        ),
    )
    .await
}

/// Replaces a case's profile and reads it back, in one transaction.
pub(crate) async fn update_and_get<D: Db>(
    db: &D,
    u: &CaseUpdate,
    audit: &AuditContext,
) -> Result<CaseRecord> {
    update(db, u, audit).await?;
    get(db, u.id).await
}

/// The columns of a [`CaseSummary`], read by [`summary`] from the first twelve columns.
pub(crate) const SUMMARY_COLUMNS: &str = "c.id, c.case_number, c.given_name, c.family_name,
    c.sex, c.age_at_return, c.return_date, c.return_province, o.code, cm.display_name, c.stage,
    c.restricted";
pub(crate) const SUMMARY_FROM: &str = "FROM cases c JOIN offices o ON o.id = c.office_id
    LEFT JOIN users cm ON cm.id = c.case_manager_id";

pub(crate) fn summary(r: &Row) -> Result<CaseSummary> {
    Ok(CaseSummary {
        id: CaseId(r.get(0)?),
        number: r.get(1)?,
        given_name: r.get(2)?,
        family_name: r.get(3)?,
        sex: named(4, r.text(4)?, Sex::parse)?,
        age_at_return: r.get(5)?,
        return_date: r.get(6)?,
        return_province: r.get(7)?,
        office_code: r.get(8)?,
        case_manager_name: r.get(9)?,
        stage: named(10, r.text(10)?, CaseStage::parse)?,
        restricted: r.get(11)?,
    })
}

/// The columns of a [`CaseRecord`] (without its children), read by [`record`], from `cases c`
/// joined as in [`CASE_FROM`].
pub(crate) const CASE_COLUMNS: &str =
    "c.id, c.case_number, c.office_id, o.code, o.name, c.case_manager_id,
    cm.display_name, c.given_name, c.family_name, c.sex, c.gender, c.date_of_birth,
    c.age_at_return, c.nationality, c.return_date, c.returned_from, c.absence_months,
    c.return_type, c.free_choice, c.informed_decision, c.return_country, c.return_province,
    c.return_community, c.community_is_origin, c.vulnerability_details, c.restricted_flag,
    c.phone, c.email, c.address, c.preferred_language, c.stage, c.version, c.created_at,
    c.updated_at, o.self_approval, c.anonymised_at";
pub(crate) const CASE_FROM: &str = "FROM cases c
    JOIN offices o ON o.id = c.office_id
    LEFT JOIN users cm ON cm.id = c.case_manager_id";

pub(crate) fn record(r: &Row) -> Result<CaseRecord> {
    let dob: Option<time::Date> = r.get(11)?;
    Ok(CaseRecord {
        id: CaseId(r.get(0)?),
        number: named(1, r.text(1)?, |s| CaseNumber::parse(s).ok())?,
        office: Office {
            id: OfficeId(r.get(2)?),
            code: named(3, r.text(3)?, |s| domain::OfficeCode::parse(s).ok())?,
            name: r.get(4)?,
            self_approval: r.get(34)?,
        },
        case_manager: r.get::<Option<uuid::Uuid>>(5)?.map(UserId),
        case_manager_name: r.get(6)?,
        profile: ReturneeProfile {
            given_name: r.get(7)?,
            family_name: r.get(8)?,
            sex: named(9, r.text(9)?, Sex::parse)?,
            gender: r.get(10)?,
            date_of_birth: dob,
            age_at_return: if dob.is_some() { None } else { r.get(12)? },
            nationality: r.get(13)?,
            return_date: r.get(14)?,
            returned_from: r.get(15)?,
            absence_months: r.get(16)?,
            return_type: named(17, r.text(17)?, ReturnType::parse)?,
            free_choice: r.get(18)?,
            informed_decision: r.get(19)?,
            return_country: r.get(20)?,
            return_province: r.get(21)?,
            return_community: r.get(22)?,
            community_is_origin: r.get(23)?,
            vulnerabilities: Vec::new(),
            vulnerability_details: r.get(24)?,
            restricted: r.get(25)?,
            phone: r.get(26)?,
            email: r.get(27)?,
            address: r.get(28)?,
            preferred_language: r.get(29)?,
            household: Vec::new(),
        },
        stage: named(30, r.text(30)?, CaseStage::parse)?,
        version: r.get(31)?,
        created_at: r.get(32)?,
        updated_at: r.get(33)?,
        anonymised_at: r.get(35)?,
    })
}

pub(crate) async fn get<D: Db>(db: &D, id: CaseId) -> Result<CaseRecord> {
    let row = db
        .opt(
            &format!("SELECT {CASE_COLUMNS} {CASE_FROM} WHERE c.id = ?1"),
            &args![id.0],
        )
        .await?
        .ok_or(StoreError::NotFound)?;
    let mut case = record(&row)?;
    with_children(db, &mut case).await?;
    Ok(case)
}

/// Reads a case's vulnerabilities and household into its record.
pub(crate) async fn with_children<D: Db>(db: &D, case: &mut CaseRecord) -> Result<()> {
    let id = case.id.0;
    case.profile.vulnerabilities = db
        .rows(
            "SELECT vulnerability FROM case_vulnerabilities WHERE case_id = ?1
             ORDER BY vulnerability",
            &args![id],
        )
        .await?
        .iter()
        .map(|r| named(0, r.text(0)?, Vulnerability::parse))
        .collect::<Result<_>>()?;
    case.profile.vulnerabilities.sort();
    case.profile.household = db
        .rows(
            "SELECT name, relationship, sex, date_of_birth, returned_together, notes
             FROM household_members WHERE case_id = ?1 ORDER BY position",
            &args![id],
        )
        .await?
        .iter()
        .map(|r| {
            Ok(HouseholdMember {
                name: r.get(0)?,
                relationship: named(1, r.text(1)?, Relationship::parse)?,
                sex: r
                    .get::<Option<String>>(2)?
                    .map(|s| named(2, &s, Sex::parse))
                    .transpose()?,
                date_of_birth: r.get(3)?,
                returned_together: r.get(4)?,
                notes: r.get(5)?,
            })
        })
        .collect::<Result<_>>()?;
    Ok(())
}

pub(crate) async fn id_by_number<D: Db>(db: &D, number: &str) -> Result<Option<CaseId>> {
    db.opt(
        "SELECT id FROM cases WHERE case_number = ?1",
        &args![number],
    )
    .await?
    .map(|r| r.get(0).map(CaseId))
    .transpose()
}

/// The case with the number as a user typed it (any case, spaces around).
pub(crate) async fn by_number<D: Db>(db: &D, number: &str) -> Result<Option<CaseId>> {
    id_by_number(db, &number.trim().to_ascii_uppercase()).await
}

pub(crate) async fn counts<D: Db>(db: &D, office: Option<OfficeId>) -> Result<Vec<CaseCount>> {
    db.rows(
        "SELECT o.code, c.stage, c.sex, count(*)
         FROM cases c JOIN offices o ON o.id = c.office_id
         WHERE (CAST(?1 AS TEXT) IS NULL OR c.office_id = ?1)
         GROUP BY o.code, c.stage, c.sex
         ORDER BY o.code, c.stage, c.sex",
        &args![office.map(|o| o.0)],
    )
    .await?
    .iter()
    .map(|r| {
        Ok(CaseCount {
            office_code: r.get(0)?,
            stage: named(1, r.text(1)?, CaseStage::parse)?,
            sex: named(2, r.text(2)?, Sex::parse)?,
            count: r.get(3)?,
        })
    })
    .collect()
}

pub(crate) async fn add_consent<D: Db>(
    db: &D,
    case: CaseId,
    rec: &ConsentRecord,
    audit: &AuditContext,
) -> Result<()> {
    let id = uuid::Uuid::new_v4();
    let n = db
        .exec(
            "INSERT INTO consents (id, case_id, purpose, decision, method, date, notes,
                 recorded_by, recorded_at)
             SELECT ?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9
             WHERE EXISTS (SELECT 1 FROM cases WHERE id = ?2)",
            &args![
                id,
                case.0,
                rec.purpose.as_str(),
                rec.decision.as_str(),
                rec.method.as_str(),
                rec.date,
                &rec.notes,
                rec.recorded_by.0,
                rec.recorded_at,
            ],
        )
        .await?;
    if n == 0 {
        return Err(StoreError::NotFound);
    }
    let change = |field: &str, value: String| domain::audit::FieldChange {
        field: field.into(),
        before: None,
        after: Some(value),
    };
    let mut changes = vec![
        change(
            &format!("consent.{}", rec.purpose),
            rec.decision.to_string(),
        ),
        change("consent.method", rec.method.to_string()),
        change("consent.date", rec.date.to_string()),
    ];
    if let Some(n) = &rec.notes {
        changes.push(change("consent.notes", n.clone()));
    }
    audit::insert(
        db,
        &audit.entry(
            AuditAction::Update,
            record_type::CASE,
            case.to_string(),
            changes,
        ),
    )
    .await
}

/// A case's consent records, in the order they took effect. Records of the same day and
/// second keep the order they were written in (`rowid`; PostgreSQL has it on `consents`), so
/// that the last one read is the one in force on both engines.
pub(crate) async fn consents<D: Db>(db: &D, case: CaseId) -> Result<Vec<ConsentEntry>> {
    db.rows(
        "SELECT k.id, k.purpose, k.decision, k.method, k.date, k.notes, k.recorded_by,
                k.recorded_at, u.display_name
         FROM consents k JOIN users u ON u.id = k.recorded_by
         WHERE k.case_id = ?1
         ORDER BY k.date, k.recorded_at, k.rowid",
        &args![case.0],
    )
    .await?
    .iter()
    .map(|r| {
        Ok(ConsentEntry {
            id: r.get(0)?,
            record: ConsentRecord {
                purpose: named(1, r.text(1)?, ConsentPurpose::parse)?,
                decision: named(2, r.text(2)?, ConsentDecision::parse)?,
                method: named(3, r.text(3)?, ConsentMethod::parse)?,
                date: r.get(4)?,
                notes: r.get(5)?,
                recorded_by: UserId(r.get(6)?),
                recorded_at: r.get(7)?,
            },
            recorded_by_name: r.get(8)?,
        })
    })
    .collect()
}
