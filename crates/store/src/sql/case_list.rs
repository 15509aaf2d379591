//! The case list: one page of the cases a query matches, and how many there are.

use domain::CaseNumber;
use domain::authz::RestrictedVisibility;
use domain::text::{fold, search_tokens};

use super::cases::{SUMMARY_COLUMNS, SUMMARY_FROM, summary};
use super::{Db, Engine, Value};
use crate::model::*;
use crate::{Result, StoreError};

/// How the page query finds its cases. The count, run first, tells which is cheaper.
#[derive(Clone, Copy, PartialEq, Eq)]
pub(crate) enum Plan {
    /// Few cases match: collect them through the filters' indexes, then sort them.
    Narrow,
    /// Many match (all women of an office, a common family name among a million cases): walk
    /// the cases in the requested order and keep those that match, so the first page is found
    /// after a few dozen rows instead of sorting tens of thousands. On SQLite, a `+` before a
    /// column keeps it from using that column's index (its documented way to steer the
    /// planner). PostgreSQL has no such hint (and no unary `+` on text): its planner weighs
    /// the LIMIT itself, and only the name search's form differs.
    Broad,
}

/// Above this many matches the page walks the list order instead of sorting every match.
const BROAD: u64 = 2_000;

/// Counting name-search matches means a lookup per match; beyond this many the page says
/// "more than" and asks for a narrower search. A name search is for finding someone: a total
/// in the thousands helps nobody, and counting it cost 37 ms at a million cases.
const SEARCH_COUNT_CAP: u64 = 100;

/// Builds the WHERE clause shared by the page and its count.
pub(crate) fn where_clause(q: &CaseQuery, plan: Plan, engine: Engine) -> (String, Vec<Value>) {
    // The filter columns, written so that a broad plan does not use their indexes on SQLite.
    let col = |c: &str| match (plan, engine) {
        (Plan::Broad, Engine::Sqlite) => format!("+c.{c}"),
        _ => format!("c.{c}"),
    };
    let mut cond: Vec<String> = Vec::new();
    let mut args: Vec<Value> = Vec::new();
    let arg = |v: Value, args: &mut Vec<Value>| {
        args.push(v);
        format!("?{}", args.len())
    };
    if let Some(o) = q.scope.office {
        cond.push(format!("c.office_id = {}", arg(o.0.into(), &mut args)));
    }
    match q.scope.restricted {
        RestrictedVisibility::All => {}
        RestrictedVisibility::None => cond.push("c.restricted = 0".into()),
        RestrictedVisibility::AssignedTo(u) => cond.push(format!(
            "(c.restricted = 0 OR c.case_manager_id = {})",
            arg(u.0.into(), &mut args)
        )),
    }
    if let Some(o) = q.office {
        cond.push(format!("c.office_id = {}", arg(o.0.into(), &mut args)));
    }
    if let Some(s) = q.stage {
        cond.push(format!(
            "{} = {}",
            col("stage"),
            arg(s.as_str().into(), &mut args)
        ));
    }
    if let Some(u) = q.case_manager {
        cond.push(format!(
            "{} = {}",
            col("case_manager_id"),
            arg(u.0.into(), &mut args)
        ));
    }
    if let Some(s) = q.sex {
        cond.push(format!(
            "{} = {}",
            col("sex"),
            arg(s.as_str().into(), &mut args)
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
            arg(p.trim().into(), &mut args)
        ));
    }
    if let Some(d) = q.returned_from {
        cond.push(format!(
            "{} >= {}",
            col("return_date"),
            arg(d.into(), &mut args)
        ));
    }
    if let Some(d) = q.returned_to {
        cond.push(format!(
            "{} <= {}",
            col("return_date"),
            arg(d.into(), &mut args)
        ));
    }
    if let Some(text) = q.text.as_deref().filter(|t| !t.trim().is_empty()) {
        let text = text.trim();
        if CaseNumber::parse(text).is_ok() || looks_like_case_number(text) {
            // A case number, whole or its beginning. Both engines compare text byte by byte
            // (PostgreSQL databases are made with the C collation), so the range holds exactly
            // the numbers that begin with the prefix.
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
            // Bound only where the SQL names it: PostgreSQL refuses a parameter it cannot
            // type, and the broad plan's test does not look at the office.
            let search_office = q
                .scope
                .office
                .or(q.office)
                .filter(|_| !words.is_empty() && plan == Plan::Narrow)
                .map(|o| arg(o.0.into(), &mut args));
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

pub(crate) async fn list<D: Db>(db: &D, q: &CaseQuery) -> Result<CasePage> {
    // Counting first (capped) also tells how broad the list is, which decides the plan.
    let engine = db.engine();
    let (where_sql, args) = where_clause(q, Plan::Narrow, engine);
    let name_search = q.text.as_deref().is_some_and(|t| !t.trim().is_empty());
    let cap = if name_search {
        SEARCH_COUNT_CAP
    } else {
        COUNT_CAP
    };
    // PostgreSQL (before 16) wants a name for a subquery in FROM.
    let count_sql = format!(
        "SELECT count(*) FROM (SELECT 1 FROM cases c {where_sql} LIMIT {}) AS matched",
        cap + 1
    );
    let counted: u64 = db.value(&count_sql, &args).await?;
    // Walking the list in name order to find a name is the one case where the broad plan
    // loses: matches all sit together, possibly at the far end of the alphabet.
    let walk_for_name = name_search && q.sort == CaseSort::Name;
    let (where_sql, args) = if counted > BROAD.min(cap) && !walk_for_name {
        where_clause(q, Plan::Broad, engine)
    } else {
        (where_sql, args)
    };

    // The page runs from its place in the list's order: after a case (forward), before one
    // (backward, read in reverse and turned round), or from the start.
    let keys: &[&str] = match q.sort {
        CaseSort::Updated => &["c.updated_at", "c.id"],
        CaseSort::Number => &["c.case_number"],
        CaseSort::Name => &["c.family_name_folded", "c.given_name", "c.id"],
        CaseSort::ReturnDate => &["c.return_date", "c.id"],
    };
    let (place, forward) = match q.from {
        PageFrom::First => (None, true),
        PageFrom::After(c) => (Some(c), true),
        PageFrom::Before(c) => (Some(c), false),
    };
    // Read in the list's order going forward, in reverse going back.
    let descending = q.descending == forward;
    let dir = if descending { "DESC" } else { "ASC" };
    let order: Vec<String> = keys.iter().map(|k| format!("{k} {dir}")).collect();
    let (mut where_sql, mut args) = (where_sql, args);
    if let Some(place) = place {
        // The place's own values, read first, so that the page's query compares with values
        // (and walks the order's index from there).
        let key = db
            .opt(
                &format!("SELECT {} FROM cases c WHERE c.id = ?1", keys.join(", ")),
                &[place.0.into()],
            )
            .await?
            .ok_or(StoreError::NotFound)?;
        let marks: Vec<String> = (0..keys.len())
            .map(|i| {
                args.push(key.0.get(i).cloned().unwrap_or(Value::Null));
                format!("?{}", args.len())
            })
            .collect();
        let cmp = if descending { "<" } else { ">" };
        let cond = format!("({}) {cmp} ({})", keys.join(", "), marks.join(", "));
        where_sql = if where_sql.is_empty() {
            format!("WHERE {cond}")
        } else {
            format!("{where_sql} AND {cond}")
        };
    }
    let per_page = q.per_page.clamp(1, 200);
    let sql = format!(
        "SELECT {SUMMARY_COLUMNS}
         {SUMMARY_FROM}
         {where_sql}
         ORDER BY {}
         LIMIT {}",
        order.join(", "),
        per_page + 1
    );
    let mut items = db
        .rows(&sql, &args)
        .await?
        .iter()
        .map(summary)
        .collect::<Result<Vec<_>>>()?;
    // One row more than the page says whether more lie beyond it in the direction read.
    let beyond = items.len() > per_page as usize;
    items.truncate(per_page as usize);
    if !forward {
        items.reverse();
    }
    let (first, last) = (items.first().map(|c| c.id), items.last().map(|c| c.id));
    let (next, previous) = match (forward, place) {
        (true, None) => (last.filter(|_| beyond), None),
        (true, Some(p)) => (last.filter(|_| beyond), first.or(Some(p))),
        (false, p) => (last.or(p), first.filter(|_| beyond)),
    };
    Ok(CasePage {
        items,
        total: counted.min(cap),
        total_capped: counted > cap,
        count_cap: cap,
        next,
        previous,
    })
}
