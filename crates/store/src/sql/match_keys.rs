//! The keys cases are filed under for the duplicate check (`domain::duplicates`), written with
//! the profile they come from. The cases filed under some keys are read in `case_batches`.

use domain::CaseId;
use domain::case::ReturneeProfile;
use domain::duplicates::{birth_year_of, blocking_keys_of};

use super::{Db, args};
use crate::Result;

/// The version of the filing rules: raise it when `domain::duplicates` files cases differently,
/// and every case is filed again when the store next opens.
const FILING_RULES: i64 = 1;

/// How many cases [`refile`] reads at a time: the whole table is never held in memory.
const REFILE_BATCH: usize = 2_000;

const INSERT_KEY: &str =
    "INSERT INTO case_match_keys (key, case_id) VALUES (?1, ?2) ON CONFLICT DO NOTHING";

/// Files a case under the keys of its profile, replacing those it had.
pub(crate) async fn file<D: Db>(db: &D, case: CaseId, p: &ReturneeProfile) -> Result<()> {
    forget(db, case).await?;
    let keys = blocking_keys_of(
        &p.given_name,
        &p.family_name,
        birth_year_of(p.date_of_birth, p.age_at_return, p.return_date),
        p.phone.as_deref(),
    );
    for key in keys {
        db.exec(INSERT_KEY, &args![key, case.0]).await?;
    }
    Ok(())
}

/// Takes a case out of the duplicate check (anonymised: nothing left to match on).
pub(crate) async fn forget<D: Db>(db: &D, case: CaseId) -> Result<()> {
    db.exec(
        "DELETE FROM case_match_keys WHERE case_id = ?1",
        &args![case.0],
    )
    .await?;
    Ok(())
}

/// Whether the keys on file follow these rules (if not, [`refile`] files every case again).
pub(crate) async fn up_to_date<D: Db>(db: &D) -> Result<bool> {
    let filed: Option<i64> = db
        .value("SELECT MAX(version) FROM case_match_rules", &[])
        .await?;
    Ok(filed == Some(FILING_RULES))
}

/// Files every case again under these rules, and records that they are followed: run in one
/// transaction, after the migration that added the keys or a change of rules. Returns how many
/// cases were filed.
pub(crate) async fn refile<D: Db>(db: &D) -> Result<usize> {
    db.exec("DELETE FROM case_match_keys", &[]).await?;
    let mut n = 0;
    let mut after = String::new();
    loop {
        let rows = db
            .rows(
                &format!(
                    "SELECT id, given_name, family_name, date_of_birth, age_at_return,
                            return_date, phone
                     FROM cases WHERE anonymised_at IS NULL AND id > ?1
                     ORDER BY id LIMIT {REFILE_BATCH}"
                ),
                &args![&after],
            )
            .await?;
        for r in &rows {
            let id: String = r.get(0)?;
            let keys = blocking_keys_of(
                r.text(1)?,
                r.text(2)?,
                birth_year_of(r.get(3)?, r.get(4)?, r.get(5)?),
                r.get::<Option<String>>(6)?.as_deref(),
            );
            for key in keys {
                db.exec(INSERT_KEY, &args![key, &id]).await?;
            }
            n += 1;
        }
        match rows.last() {
            Some(r) if rows.len() == REFILE_BATCH => after = r.get(0)?,
            _ => break,
        }
    }
    db.exec("DELETE FROM case_match_rules", &[]).await?;
    db.exec(
        "INSERT INTO case_match_rules (version) VALUES (?1)",
        &args![FILING_RULES],
    )
    .await?;
    Ok(n)
}
