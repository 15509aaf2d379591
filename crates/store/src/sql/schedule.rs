//! Scheduled runs and the start-up lock, on both engines.

use time::OffsetDateTime;

use super::{Db, args, on_both_engines};
use crate::Result;
use crate::schedule::{ScheduleStore, StartUpLock};

async fn claim<D: Db>(
    db: &D,
    name: &str,
    at: OffsetDateTime,
    first_due: OffsetDateTime,
    then_due: OffsetDateTime,
) -> Result<bool> {
    db.exec(
        "INSERT INTO scheduled_runs (name, next_due) VALUES (?1, ?2) ON CONFLICT (name) DO NOTHING",
        &args![name, first_due],
    )
    .await?;
    let claimed = db
        .exec(
            "UPDATE scheduled_runs SET next_due = ?3, last_started_at = ?2
             WHERE name = ?1 AND next_due <= ?2",
            &args![name, at, then_due],
        )
        .await?;
    Ok(claimed == 1)
}

on_both_engines! {
    impl ScheduleStore {
        write fn claim_scheduled_run(
            &self,
            name: &str,
            at: OffsetDateTime,
            first_due: OffsetDateTime,
            then_due: OffsetDateTime,
        ) -> Result<bool> = |db| claim(db, name, *at, *first_due, *then_due);
    }
    sqlite {
        /// One SQLite database has one server: nothing to wait for.
        async fn hold_start_up(&self) -> Result<StartUpLock> {
            Ok(StartUpLock(None))
        }
    }
    postgres {
        /// A session advisory lock on a connection taken out of the pool: dropping the lock
        /// closes that connection, which releases it even if the instance dies.
        async fn hold_start_up(&self) -> Result<StartUpLock> {
            let held = self.start_up_lock().await?;
            Ok(StartUpLock(Some(Box::new(held))))
        }
    }
}
