//! The keys cases are filed under for the duplicate check (`domain::duplicates`), written with
//! the profile they come from. The cases filed under some keys are read in `case_batches`.

use domain::CaseId;
use domain::case::ReturneeProfile;
use domain::duplicates::{birth_year_of, blocking_keys_of};
use rusqlite::{Connection, OptionalExtension, TransactionBehavior, params};

use super::cases::{date_col, opt_date_col};
use crate::Result;

/// The version of the filing rules: raise it when `domain::duplicates` files cases differently,
/// and every case is filed again when the store next opens.
const FILING_RULES: i64 = 1;

/// Files a case under the keys of its profile, replacing those it had.
pub(crate) fn file(c: &Connection, case: CaseId, p: &ReturneeProfile) -> Result<()> {
    let id = case.to_string();
    forget(c, case)?;
    let mut insert =
        c.prepare_cached("INSERT OR IGNORE INTO case_match_keys (key, case_id) VALUES (?1, ?2)")?;
    let keys = blocking_keys_of(
        &p.given_name,
        &p.family_name,
        birth_year_of(p.date_of_birth, p.age_at_return, p.return_date),
        p.phone.as_deref(),
    );
    for key in keys {
        insert.execute(params![key, id])?;
    }
    Ok(())
}

/// Takes a case out of the duplicate check (anonymised: nothing left to match on).
pub(crate) fn forget(c: &Connection, case: CaseId) -> Result<()> {
    c.prepare_cached("DELETE FROM case_match_keys WHERE case_id = ?1")?
        .execute([case.to_string()])?;
    Ok(())
}

/// Files every case again when the keys follow other rules than these (after the migration
/// that added them, or a change of rules), in one transaction. Returns how many were filed.
pub(crate) fn refile_if_needed(conn: &mut Connection) -> Result<usize> {
    let filed: Option<i64> = conn
        .query_row("SELECT MAX(version) FROM case_match_rules", [], |r| {
            r.get(0)
        })
        .optional()?
        .flatten();
    if filed == Some(FILING_RULES) {
        return Ok(0);
    }
    let tx = conn.transaction_with_behavior(TransactionBehavior::Immediate)?;
    tx.execute("DELETE FROM case_match_keys", [])?;
    let mut n = 0;
    {
        let mut cases = tx.prepare(
            "SELECT id, given_name, family_name, date_of_birth, age_at_return, return_date, phone
             FROM cases WHERE anonymised_at IS NULL",
        )?;
        let mut insert =
            tx.prepare("INSERT OR IGNORE INTO case_match_keys (key, case_id) VALUES (?1, ?2)")?;
        let mut rows = cases.query([])?;
        while let Some(r) = rows.next()? {
            let id: String = r.get(0)?;
            let born = opt_date_col(3, r.get(3)?)?;
            let age: Option<u16> = r.get(4)?;
            let returned = date_col(5, &r.get::<_, String>(5)?)?;
            let phone: Option<String> = r.get(6)?;
            let keys = blocking_keys_of(
                &r.get::<_, String>(1)?,
                &r.get::<_, String>(2)?,
                birth_year_of(born, age, returned),
                phone.as_deref(),
            );
            for key in keys {
                insert.execute(params![key, id])?;
            }
            n += 1;
        }
    }
    tx.execute("DELETE FROM case_match_rules", [])?;
    tx.execute(
        "INSERT INTO case_match_rules (version) VALUES (?1)",
        [FILING_RULES],
    )?;
    tx.commit()?;
    Ok(n)
}
