//! Cases, their household and vulnerabilities, search tokens and consent records.

use domain::audit::AuditAction;
use domain::authz::RestrictedVisibility;
use domain::case::{
    CaseStage, HouseholdMember, Relationship, ReturnType, ReturneeProfile, Sex, Vulnerability,
};
use domain::consent::{ConsentDecision, ConsentMethod, ConsentPurpose, ConsentRecord};
use domain::text::{fold, search_tokens};
use domain::{CaseId, CaseNumber, OfficeId, UserId};
use rusqlite::types::Value;
use rusqlite::{Connection, OptionalExtension, Row, params, params_from_iter};
use std::sync::LazyLock;

use time::Date;

use super::{exec, from_ts, parse_named, parse_uuid, q_row, ts};
use crate::model::*;
use crate::{AuditContext, Result, StoreError};

pub(crate) fn date_col(idx: usize, s: &str) -> rusqlite::Result<Date> {
    parse_named(idx, s, domain::case::date::parse)
}

pub(crate) fn opt_date_col(idx: usize, s: Option<String>) -> rusqlite::Result<Option<Date>> {
    s.map(|s| date_col(idx, &s)).transpose()
}

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
    [
        p.given_name.clone().into(),
        p.family_name.clone().into(),
        fold(&p.family_name).into(),
        p.sex.as_str().to_string().into(),
        p.gender.clone().into(),
        p.date_of_birth.map(|d| d.to_string()).into(),
        p.age_at_return().into(),
        p.nationality.clone().into(),
        p.return_date.to_string().into(),
        p.returned_from.clone().into(),
        p.absence_months.into(),
        p.return_type.as_str().to_string().into(),
        p.free_choice.into(),
        p.informed_decision.into(),
        p.return_country.clone().into(),
        p.return_province.clone().into(),
        fold(&p.return_province).into(),
        p.return_community.clone().into(),
        p.community_is_origin.into(),
        p.vulnerability_details.clone().into(),
        p.restricted.into(),
        p.is_restricted().into(),
        p.phone.clone().into(),
        p.email.clone().into(),
        p.address.clone().into(),
        p.preferred_language.clone().into(),
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
fn next_case_number(c: &Connection, office: &Office, year: i32) -> Result<CaseNumber> {
    let last: u32 = c
        .prepare_cached(
            "INSERT INTO case_sequences (office_id, year, last) VALUES (?1, ?2, 1)
         ON CONFLICT (office_id, year) DO UPDATE SET last = last + 1
         RETURNING last",
        )?
        .query_row(params![office.id.to_string(), year], |r| r.get(0))?;
    Ok(CaseNumber::new(office.code.clone(), year, last))
}

pub(crate) fn insert(c: &Connection, case: &NewCase, audit: &AuditContext) -> Result<()> {
    let office = super::accounts::office(c, case.office)?;
    let number = next_case_number(c, &office, audit.at.year())?;
    let p = &case.profile;
    let mut values: Vec<Value> = vec![
        case.id.to_string().into(),
        number.to_string().into(),
        case.office.to_string().into(),
        case.case_manager.map(|u| u.to_string()).into(),
    ];
    values.extend(profile_values(p));
    values.extend([
        case.stage.as_str().to_string().into(),
        ts(audit.at).into(),
        audit.actor.map(|a| a.to_string()).into(),
    ]);
    c.prepare_cached(&INSERT_SQL)?
        .execute(params_from_iter(values.iter()))?;
    write_children(c, case.id, p, &number)?;
    let mut fields = vec![
        ("case_number".to_string(), number.to_string()),
        ("office".to_string(), office.code.to_string()),
    ];
    if let Some(cm) = case.case_manager {
        let manager = super::accounts::user(c, cm)?;
        fields.push(("case_manager".into(), manager.username.to_string()));
    }
    fields.extend(p.audit_fields());
    super::audit::insert(
        c,
        &audit.entry(
            AuditAction::Create,
            record_type::CASE,
            case.id.to_string(),
            domain::audit::created(&fields),
        ),
    )?;
    for consent in &case.consents {
        add_consent(c, case.id, consent, audit)?;
    }
    Ok(())
}

/// (Re)writes the rows that hang off a case: vulnerabilities, household, search tokens and the
/// keys of the duplicate check.
pub(crate) fn write_children(
    c: &Connection,
    case: CaseId,
    p: &ReturneeProfile,
    number: &CaseNumber,
) -> Result<()> {
    let id = case.to_string();
    for table in ["case_vulnerabilities", "household_members", "case_search"] {
        c.prepare_cached(&format!("DELETE FROM {table} WHERE case_id = ?1"))?
            .execute([&id])?;
    }
    let mut stmt = c.prepare_cached(
        "INSERT INTO case_vulnerabilities (case_id, vulnerability) VALUES (?1, ?2)",
    )?;
    for v in &p.vulnerabilities {
        stmt.execute(params![id, v.as_str()])?;
    }
    let mut stmt = c.prepare_cached(
        "INSERT INTO household_members (case_id, position, name, relationship, sex, date_of_birth,
             returned_together, notes)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8)",
    )?;
    for (i, m) in p.household.iter().enumerate() {
        stmt.execute(params![
            id,
            i as i64,
            m.name,
            m.relationship.as_str(),
            m.sex.map(Sex::as_str),
            m.date_of_birth.map(|d| d.to_string()),
            m.returned_together,
            m.notes,
        ])?;
    }
    let mut stmt = c.prepare_cached(
        "INSERT INTO case_search (token, case_id, office_id)
         VALUES (?1, ?2, (SELECT office_id FROM cases WHERE id = ?2))
         ON CONFLICT DO NOTHING",
    )?;
    let mut tokens = search_tokens(&format!("{} {}", p.given_name, p.family_name));
    tokens.push(number.to_string().to_ascii_lowercase());
    for t in tokens {
        stmt.execute(params![t, id])?;
    }
    super::match_keys::file(c, case, p)
}

pub(crate) fn update(c: &Connection, u: &CaseUpdate, audit: &AuditContext) -> Result<()> {
    let mut values: Vec<Value> = vec![
        u.id.to_string().into(),
        u.expected_version.into(),
        u.case_manager.map(|x| x.to_string()).into(),
    ];
    values.extend(profile_values(&u.profile));
    values.extend([
        ts(audit.at).into(),
        audit.actor.map(|a| a.to_string()).into(),
    ]);
    let n = c
        .prepare_cached(&UPDATE_SQL)?
        .execute(params_from_iter(values.iter()))?;
    if n == 0 {
        let exists: bool = q_row(
            c,
            "SELECT EXISTS(SELECT 1 FROM cases WHERE id = ?1)",
            [u.id.to_string()],
            |r| r.get(0),
        )?;
        return Err(if exists {
            StoreError::Conflict
        } else {
            StoreError::NotFound
        });
    }
    let number: String = q_row(
        c,
        "SELECT case_number FROM cases WHERE id = ?1",
        [u.id.to_string()],
        |r| r.get(0),
    )?;
    let number = parse_named(0, &number, |s| CaseNumber::parse(s).ok())?;
    write_children(c, u.id, &u.profile, &number)?;
    super::audit::insert(
        c,
        &audit.entry(
            AuditAction::Update,
            record_type::CASE,
            u.id.to_string(),
            u.changes.clone(),
        ),
    )
}

/// The columns of a [`CaseSummary`], read by [`summary_row`] from the first twelve columns.
pub(crate) const SUMMARY_COLUMNS: &str = "c.id, c.case_number, c.given_name, c.family_name,
    c.sex, c.age_at_return, c.return_date, c.return_province, o.code, cm.display_name, c.stage,
    c.restricted";
pub(crate) const SUMMARY_FROM: &str = "FROM cases c JOIN offices o ON o.id = c.office_id
    LEFT JOIN users cm ON cm.id = c.case_manager_id";

pub(crate) fn summary_row(r: &Row<'_>) -> rusqlite::Result<CaseSummary> {
    Ok(CaseSummary {
        id: CaseId(parse_uuid(0, &r.get::<_, String>(0)?)?),
        number: r.get(1)?,
        given_name: r.get(2)?,
        family_name: r.get(3)?,
        sex: parse_named(4, &r.get::<_, String>(4)?, Sex::parse)?,
        age_at_return: r.get(5)?,
        return_date: date_col(6, &r.get::<_, String>(6)?)?,
        return_province: r.get(7)?,
        office_code: r.get(8)?,
        case_manager_name: r.get(9)?,
        stage: parse_named(10, &r.get::<_, String>(10)?, CaseStage::parse)?,
        restricted: r.get(11)?,
    })
}

pub(super) const CASE_COLUMNS: &str =
    "c.id, c.case_number, c.office_id, o.code, o.name, c.case_manager_id,
    cm.display_name, c.given_name, c.family_name, c.sex, c.gender, c.date_of_birth,
    c.age_at_return, c.nationality, c.return_date, c.returned_from, c.absence_months,
    c.return_type, c.free_choice, c.informed_decision, c.return_country, c.return_province,
    c.return_community, c.community_is_origin, c.vulnerability_details, c.restricted_flag,
    c.phone, c.email, c.address, c.preferred_language, c.stage, c.version, c.created_at,
    c.updated_at, o.self_approval, c.anonymised_at";

pub(super) fn case_row(r: &Row<'_>) -> rusqlite::Result<CaseRecord> {
    let dob = opt_date_col(11, r.get(11)?)?;
    let cm: Option<String> = r.get(5)?;
    Ok(CaseRecord {
        id: CaseId(parse_uuid(0, &r.get::<_, String>(0)?)?),
        number: parse_named(1, &r.get::<_, String>(1)?, |s| CaseNumber::parse(s).ok())?,
        office: Office {
            id: OfficeId(parse_uuid(2, &r.get::<_, String>(2)?)?),
            code: parse_named(3, &r.get::<_, String>(3)?, |s| {
                domain::OfficeCode::parse(s).ok()
            })?,
            name: r.get(4)?,
            self_approval: r.get(34)?,
        },
        case_manager: cm.map(|s| parse_uuid(5, &s).map(UserId)).transpose()?,
        case_manager_name: r.get(6)?,
        profile: ReturneeProfile {
            given_name: r.get(7)?,
            family_name: r.get(8)?,
            sex: parse_named(9, &r.get::<_, String>(9)?, Sex::parse)?,
            gender: r.get(10)?,
            date_of_birth: dob,
            age_at_return: if dob.is_some() { None } else { r.get(12)? },
            nationality: r.get(13)?,
            return_date: date_col(14, &r.get::<_, String>(14)?)?,
            returned_from: r.get(15)?,
            absence_months: r.get(16)?,
            return_type: parse_named(17, &r.get::<_, String>(17)?, ReturnType::parse)?,
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
        stage: parse_named(30, &r.get::<_, String>(30)?, CaseStage::parse)?,
        version: r.get(31)?,
        created_at: from_ts(r.get(32)?),
        updated_at: from_ts(r.get(33)?),
        anonymised_at: r.get::<_, Option<i64>>(35)?.map(from_ts),
    })
}

pub(crate) fn get(c: &Connection, id: CaseId) -> Result<CaseRecord> {
    let id_s = id.to_string();
    let mut case = q_row(
        c,
        &format!(
            "SELECT {CASE_COLUMNS} FROM cases c
                 JOIN offices o ON o.id = c.office_id
                 LEFT JOIN users cm ON cm.id = c.case_manager_id
                 WHERE c.id = ?1"
        ),
        [&id_s],
        case_row,
    )
    .optional()?
    .ok_or(StoreError::NotFound)?;
    with_children(c, &mut case)?;
    Ok(case)
}

/// Reads a case's vulnerabilities and household into its record.
pub(crate) fn with_children(c: &Connection, case: &mut CaseRecord) -> Result<()> {
    let id_s = case.id.to_string();
    let mut stmt = c.prepare_cached(
        "SELECT vulnerability FROM case_vulnerabilities WHERE case_id = ?1 ORDER BY vulnerability",
    )?;
    case.profile.vulnerabilities = stmt
        .query_map([&id_s], |r| {
            parse_named(0, &r.get::<_, String>(0)?, Vulnerability::parse)
        })?
        .collect::<rusqlite::Result<_>>()?;
    case.profile.vulnerabilities.sort();
    let mut stmt = c.prepare_cached(
        "SELECT name, relationship, sex, date_of_birth, returned_together, notes
         FROM household_members WHERE case_id = ?1 ORDER BY position",
    )?;
    case.profile.household = stmt
        .query_map([&id_s], |r| {
            let sex: Option<String> = r.get(2)?;
            Ok(HouseholdMember {
                name: r.get(0)?,
                relationship: parse_named(1, &r.get::<_, String>(1)?, Relationship::parse)?,
                sex: sex.map(|s| parse_named(2, &s, Sex::parse)).transpose()?,
                date_of_birth: opt_date_col(3, r.get(3)?)?,
                returned_together: r.get(4)?,
                notes: r.get(5)?,
            })
        })?
        .collect::<rusqlite::Result<_>>()?;
    Ok(())
}

pub(crate) fn id_by_number(c: &Connection, number: &str) -> Result<Option<CaseId>> {
    let id: Option<String> = q_row(
        c,
        "SELECT id FROM cases WHERE case_number = ?1",
        [number],
        |r| r.get(0),
    )
    .optional()?;
    Ok(id.map(|s| parse_uuid(0, &s).map(CaseId)).transpose()?)
}

/// How a name search joins the case list.
/// How the page query finds its cases. The count, run first, tells which is cheaper.
#[derive(Clone, Copy, PartialEq, Eq)]
pub(super) enum Plan {
    /// Few cases match: collect them through the filters' indexes, then sort them.
    Narrow,
    /// Many match (all women of an office, a common family name among a million cases): walk
    /// the cases in the requested order and keep those that match, so the first page is found
    /// after a few dozen rows instead of sorting tens of thousands. A `+` before a column keeps
    /// SQLite from using that column's index (its documented way to steer the planner).
    Broad,
}

/// Above this many matches the page walks the list order instead of sorting every match.
const BROAD: u64 = 2_000;

/// Counting name-search matches means a lookup per match; beyond this many the page says
/// "more than" and asks for a narrower search. A name search is for finding someone: a total
/// in the thousands helps nobody, and counting it cost 37 ms at a million cases.
const SEARCH_COUNT_CAP: u64 = 100;

/// Builds the WHERE clause shared by the page and its count.
pub(super) fn where_clause(q: &CaseQuery, plan: Plan) -> (String, Vec<Value>) {
    // The filter columns, written so that a broad plan does not use their indexes.
    let col = |c: &str| match plan {
        Plan::Narrow => format!("c.{c}"),
        Plan::Broad => format!("+c.{c}"),
    };
    let mut cond: Vec<String> = Vec::new();
    let mut args: Vec<Value> = Vec::new();
    let arg = |v: Value, args: &mut Vec<Value>| {
        args.push(v);
        format!("?{}", args.len())
    };
    if let Some(o) = q.scope.office {
        cond.push(format!(
            "c.office_id = {}",
            arg(o.to_string().into(), &mut args)
        ));
    }
    match q.scope.restricted {
        RestrictedVisibility::All => {}
        RestrictedVisibility::None => cond.push("c.restricted = 0".into()),
        RestrictedVisibility::AssignedTo(u) => cond.push(format!(
            "(c.restricted = 0 OR c.case_manager_id = {})",
            arg(u.to_string().into(), &mut args)
        )),
    }
    if let Some(o) = q.office {
        cond.push(format!(
            "c.office_id = {}",
            arg(o.to_string().into(), &mut args)
        ));
    }
    if let Some(s) = q.stage {
        cond.push(format!(
            "{} = {}",
            col("stage"),
            arg(s.as_str().to_string().into(), &mut args)
        ));
    }
    if let Some(u) = q.case_manager {
        cond.push(format!(
            "{} = {}",
            col("case_manager_id"),
            arg(u.to_string().into(), &mut args)
        ));
    }
    if let Some(s) = q.sex {
        cond.push(format!(
            "{} = {}",
            col("sex"),
            arg(s.as_str().to_string().into(), &mut args)
        ));
    }
    if let Some(p) = q
        .province
        .as_deref()
        .map(fold)
        .filter(|p| !p.trim().is_empty())
    {
        cond.push(format!(
            "{} = {}",
            col("return_province_folded"),
            arg(p.trim().to_string().into(), &mut args)
        ));
    }
    if let Some(d) = q.returned_from {
        cond.push(format!(
            "{} >= {}",
            col("return_date"),
            arg(d.to_string().into(), &mut args)
        ));
    }
    if let Some(d) = q.returned_to {
        cond.push(format!(
            "{} <= {}",
            col("return_date"),
            arg(d.to_string().into(), &mut args)
        ));
    }
    if let Some(text) = q.text.as_deref().filter(|t| !t.trim().is_empty()) {
        let text = text.trim();
        if CaseNumber::parse(text).is_ok() || looks_like_case_number(text) {
            // A case number, whole or its beginning.
            let prefix = text.to_ascii_uppercase();
            let lo = arg(prefix.clone().into(), &mut args);
            let hi = arg(format!("{prefix}\u{10FFFF}").into(), &mut args);
            let number = col("case_number");
            cond.push(format!("{number} >= {lo} AND {number} < {hi}"));
        } else {
            // Every word must begin some word of the name. Within one office, only that
            // office's entries of the search index are read.
            let words: Vec<String> = search_tokens(text).into_iter().take(4).collect();
            if words.is_empty() {
                // Nothing searchable was typed (only punctuation such as `%` or `_`): no name
                // can match it. Bind nothing either: every bound value must appear in the SQL.
                cond.push("1 = 0".to_string());
            }
            let search_office = q
                .scope
                .office
                .or(q.office)
                .filter(|_| !words.is_empty())
                .map(|o| arg(o.to_string().into(), &mut args));
            for word in words {
                let lo = arg(word.clone().into(), &mut args);
                let hi = arg(format!("{word}\u{10FFFF}").into(), &mut args);
                cond.push(match plan {
                    Plan::Narrow => match &search_office {
                        Some(office) => format!(
                            "c.id IN (SELECT case_id FROM case_search \
                             WHERE office_id = {office} AND token >= {lo} AND token < {hi})"
                        ),
                        None => format!(
                            "c.id IN (SELECT case_id FROM case_search \
                             WHERE token >= {lo} AND token < {hi})"
                        ),
                    },
                    Plan::Broad => format!(
                        "EXISTS (SELECT 1 FROM case_search s WHERE s.case_id = c.id \
                         AND s.token >= {lo} AND s.token < {hi})"
                    ),
                });
            }
        }
    }
    let sql = if cond.is_empty() {
        String::new()
    } else {
        format!("WHERE {}", cond.join(" AND "))
    };
    (sql, args)
}

/// "DKR-2026", "dkr-2026-000": an office code followed by a dash and digits.
fn looks_like_case_number(text: &str) -> bool {
    match text.split_once('-') {
        Some((office, rest)) => {
            domain::OfficeCode::parse(office).is_ok()
                && !rest.is_empty()
                && rest.chars().all(|c| c.is_ascii_digit() || c == '-')
        }
        None => false,
    }
}

pub(crate) fn list(c: &Connection, q: &CaseQuery) -> Result<CasePage> {
    // Counting first (capped) also tells how broad the list is, which decides the plan.
    let (where_sql, args) = where_clause(q, Plan::Narrow);
    let name_search = q.text.as_deref().is_some_and(|t| !t.trim().is_empty());
    let cap = if name_search {
        SEARCH_COUNT_CAP
    } else {
        COUNT_CAP
    };
    let count_sql = format!(
        "SELECT count(*) FROM (SELECT 1 FROM cases c {where_sql} LIMIT {})",
        cap + 1
    );
    let counted: u64 = c
        .prepare_cached(&count_sql)?
        .query_row(params_from_iter(args.iter()), |r| r.get(0))?;
    // Walking the list in name order to find a name is the one case where the broad plan
    // loses: matches all sit together, possibly at the far end of the alphabet.
    let walk_for_name = name_search && q.sort == CaseSort::Name;
    let (where_sql, args) = if counted > BROAD.min(cap) && !walk_for_name {
        where_clause(q, Plan::Broad)
    } else {
        (where_sql, args)
    };

    let dir = if q.descending { "DESC" } else { "ASC" };
    let order = match q.sort {
        CaseSort::Updated => format!("c.updated_at {dir}, c.id {dir}"),
        CaseSort::Number => format!("c.case_number {dir}"),
        CaseSort::Name => format!("c.family_name_folded {dir}, c.given_name {dir}, c.id {dir}"),
        CaseSort::ReturnDate => format!("c.return_date {dir}, c.id {dir}"),
    };
    let per_page = q.per_page.clamp(1, 200);
    let offset = (u64::from(q.page.max(1)) - 1) * u64::from(per_page);
    let sql = format!(
        "SELECT {SUMMARY_COLUMNS}
         {SUMMARY_FROM}
         {where_sql}
         ORDER BY {order}
         LIMIT {per_page} OFFSET {offset}"
    );
    let mut stmt = c.prepare_cached(&sql)?;
    let items = stmt
        .query_map(params_from_iter(args.iter()), summary_row)?
        .collect::<rusqlite::Result<Vec<_>>>()?;
    Ok(CasePage {
        items,
        total: counted.min(cap),
        total_capped: counted > cap,
        count_cap: cap,
    })
}

pub(crate) fn counts(c: &Connection, office: Option<OfficeId>) -> Result<Vec<CaseCount>> {
    let mut stmt = c.prepare_cached(
        "SELECT o.code, c.stage, c.sex, count(*)
         FROM cases c JOIN offices o ON o.id = c.office_id
         WHERE (?1 IS NULL OR c.office_id = ?1)
         GROUP BY o.code, c.stage, c.sex
         ORDER BY o.code, c.stage, c.sex",
    )?;
    let rows = stmt.query_map([office.map(|o| o.to_string())], |r| {
        Ok(CaseCount {
            office_code: r.get(0)?,
            stage: parse_named(1, &r.get::<_, String>(1)?, CaseStage::parse)?,
            sex: parse_named(2, &r.get::<_, String>(2)?, Sex::parse)?,
            count: r.get(3)?,
        })
    })?;
    Ok(rows.collect::<rusqlite::Result<_>>()?)
}

pub(crate) fn add_consent(
    c: &Connection,
    case: CaseId,
    rec: &ConsentRecord,
    audit: &AuditContext,
) -> Result<()> {
    let id = uuid::Uuid::new_v4();
    let n = exec(c,
        "INSERT INTO consents (id, case_id, purpose, decision, method, date, notes, recorded_by,
             recorded_at)
         SELECT ?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9 WHERE EXISTS (SELECT 1 FROM cases WHERE id = ?2)",
        params![
            id.to_string(),
            case.to_string(),
            rec.purpose.as_str(),
            rec.decision.as_str(),
            rec.method.as_str(),
            rec.date.to_string(),
            rec.notes,
            rec.recorded_by.to_string(),
            ts(rec.recorded_at),
        ],
    )?;
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
    super::audit::insert(
        c,
        &audit.entry(
            AuditAction::Update,
            record_type::CASE,
            case.to_string(),
            changes,
        ),
    )
}

pub(crate) fn consents(c: &Connection, case: CaseId) -> Result<Vec<ConsentEntry>> {
    let mut stmt = c.prepare_cached(
        "SELECT k.id, k.purpose, k.decision, k.method, k.date, k.notes, k.recorded_by,
                k.recorded_at, u.display_name
         FROM consents k JOIN users u ON u.id = k.recorded_by
         WHERE k.case_id = ?1
         ORDER BY k.date, k.recorded_at",
    )?;
    let rows = stmt.query_map([case.to_string()], |r| {
        Ok(ConsentEntry {
            id: parse_uuid(0, &r.get::<_, String>(0)?)?,
            record: ConsentRecord {
                purpose: parse_named(1, &r.get::<_, String>(1)?, ConsentPurpose::parse)?,
                decision: parse_named(2, &r.get::<_, String>(2)?, ConsentDecision::parse)?,
                method: parse_named(3, &r.get::<_, String>(3)?, ConsentMethod::parse)?,
                date: date_col(4, &r.get::<_, String>(4)?)?,
                notes: r.get(5)?,
                recorded_by: UserId(parse_uuid(6, &r.get::<_, String>(6)?)?),
                recorded_at: from_ts(r.get(7)?),
            },
            recorded_by_name: r.get(8)?,
        })
    })?;
    Ok(rows.collect::<rusqlite::Result<_>>()?)
}
