//! `ScheduleStore`: a scheduled run is claimed by one asker when due, and is then due again
//! when the claimer said; start-up work is held to one instance at a time.

use std::sync::Arc;

use store::*;
use time::Duration;

use super::NOW;

pub async fn run(s: Arc<dyn Store>) {
    let day = Duration::days(1);
    // Never run before: due from `first_due` (half an hour on), not before.
    assert!(
        !s.claim_scheduled_run("scan", NOW, NOW + Duration::minutes(30), NOW + day)
            .await
            .unwrap()
    );
    let due = NOW + Duration::minutes(30);
    assert!(
        s.claim_scheduled_run("scan", due, due, due + day)
            .await
            .unwrap()
    );
    // Claimed: the next asker (another instance) finds it not due.
    assert!(
        !s.claim_scheduled_run("scan", due, due, due + day)
            .await
            .unwrap()
    );
    assert!(
        s.claim_scheduled_run("scan", due + day, due, due + day + day)
            .await
            .unwrap()
    );
    // Runs are counted apart.
    assert!(
        s.claim_scheduled_run("retention", NOW, NOW, NOW + day)
            .await
            .unwrap()
    );
    // Holding the start-up lock and letting it go.
    let held = s.hold_start_up().await.unwrap();
    drop(held);
    drop(s.hold_start_up().await.unwrap());
}
