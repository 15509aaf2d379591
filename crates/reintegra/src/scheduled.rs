//! Work one instance does for all those sharing the database, on a schedule: each looks every
//! ten minutes, and the one that claims a due run does it.

/// How often an instance looks whether scheduled work is due. Every instance sharing the
/// database looks; the first to claim a due run does it.
const LOOK_FOR_DUE_WORK: std::time::Duration = std::time::Duration::from_secs(10 * 60);

/// Runs `work` whenever the scheduled run `name` is due and this instance claims it: first
/// `first_after` from the first start of any instance, then every `every`.
async fn on_schedule<F, Fut>(
    app: app::App,
    name: &str,
    first_after: time::Duration,
    every: time::Duration,
    work: F,
) where
    F: Fn(app::App) -> Fut,
    Fut: std::future::Future<Output = ()>,
{
    // A first look shortly after the start, out of the way of the start itself.
    tokio::time::sleep(std::time::Duration::from_secs(60)).await;
    let mut look = tokio::time::interval(LOOK_FOR_DUE_WORK);
    look.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
    loop {
        look.tick().await;
        let now = app.now();
        match app
            .store
            .claim_scheduled_run(name, now, now + first_after, now + every)
            .await
        {
            Ok(true) => work(app.clone()).await,
            Ok(false) => {}
            Err(e) => tracing::warn!(error = %e, run = name, "could not look for scheduled work"),
        }
    }
}

/// Anonymises closed cases past the programme's retention period: soon after the first start,
/// then once a day. Only counts are logged.
pub async fn retention_daily(app: app::App) {
    on_schedule(
        app,
        "retention",
        time::Duration::ZERO,
        time::Duration::days(1),
        |app| async move {
            match app::retention::run(&app).await {
                Ok(r) if r.anonymised > 0 => {
                    tracing::info!(
                        anonymised = r.anonymised,
                        "retention: closed cases anonymised"
                    )
                }
                Ok(_) => {}
                Err(e) => tracing::warn!(error = %e, "retention: the daily run failed"),
            }
        },
    )
    .await
}

/// Folds the survey tallies' changes into their counts every ten minutes (figures read both;
/// folding keeps the changes few).
pub async fn tallies_folded(app: app::App) {
    on_schedule(
        app,
        "survey tallies folded",
        time::Duration::minutes(10),
        time::Duration::minutes(10),
        |app| async move {
            if let Err(e) = app::results::fold_tallies(&app).await {
                tracing::warn!(error = %e, "tallies: the changes could not be folded");
            }
        },
    )
    .await
}

/// Rebuilds the duplicates queue once a day, the first time half an hour after the first start
/// (out of the way of a server's busy first minutes). Only counts are logged.
pub async fn duplicates_nightly(app: app::App) {
    on_schedule(
        app,
        "duplicates scan",
        time::Duration::minutes(30),
        time::Duration::days(1),
        |app| async move {
            match app::merges::scan(&app).await {
                Ok(s) => tracing::info!(
                    compared = s.compared,
                    found = s.found,
                    "duplicates: the queue was rebuilt"
                ),
                Err(e) => tracing::warn!(error = %e, "duplicates: the nightly scan failed"),
            }
        },
    )
    .await
}
