//! Work that one server instance does for all that share the database: scheduled runs, and the
//! start-up work of an empty database (the first account, the shipped forms).

use async_trait::async_trait;
use time::OffsetDateTime;

use crate::Result;

/// Held while one instance does its start-up work; the others wait for it. Released when
/// dropped.
pub struct StartUpLock(#[allow(dead_code)] pub(crate) Option<Box<dyn Send + Sync>>);

impl std::fmt::Debug for StartUpLock {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("StartUpLock")
    }
}

#[async_trait]
pub trait ScheduleStore: Send + Sync + 'static {
    /// Claims the run `name` if it is due at `at`, making it due next at `then_due`: of the
    /// instances asking, one gets `true`. A run never seen before is first due at `first_due`.
    async fn claim_scheduled_run(
        &self,
        name: &str,
        at: OffsetDateTime,
        first_due: OffsetDateTime,
        then_due: OffsetDateTime,
    ) -> Result<bool>;

    /// Waits until no other instance is doing its start-up work, and holds the others off until
    /// the lock returned is dropped.
    async fn hold_start_up(&self) -> Result<StartUpLock>;
}
