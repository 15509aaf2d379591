//! PostgreSQL's migrations: the same numbers and meanings as SQLite's, each written in
//! PostgreSQL's own terms (`migrations/postgres/`), applied in order at start-up.

use super::{PgStore, error};
use crate::Result;

const MIGRATIONS: &[(i64, &str, &str)] = &[
    (
        1,
        "foundation",
        include_str!("../../migrations/postgres/0001_foundation.sql"),
    ),
    (
        2,
        "audit changes index",
        include_str!("../../migrations/postgres/0002_audit_changes_index.sql"),
    ),
    (
        3,
        "case count indexes",
        include_str!("../../migrations/postgres/0003_case_count_indexes.sql"),
    ),
    (
        4,
        "forms",
        include_str!("../../migrations/postgres/0004_forms.sql"),
    ),
    (
        5,
        "covering case search index",
        include_str!("../../migrations/postgres/0005_case_search_covering.sql"),
    ),
    (
        6,
        "list order indexes",
        include_str!("../../migrations/postgres/0006_list_order_indexes.sql"),
    ),
    (
        7,
        "case search by office",
        include_str!("../../migrations/postgres/0007_case_search_office.sql"),
    ),
    (
        8,
        "survey scores",
        include_str!("../../migrations/postgres/0008_rss.sql"),
    ),
    (
        9,
        "individual pathway",
        include_str!("../../migrations/postgres/0009_pathway.sql"),
    ),
    (
        10,
        "service map, stakeholders and referrals",
        include_str!("../../migrations/postgres/0010_referrals.sql"),
    ),
    (
        11,
        "community and structural levels",
        include_str!("../../migrations/postgres/0011_community.sql"),
    ),
    (
        12,
        "results framework and learning",
        include_str!("../../migrations/postgres/0012_results.sql"),
    ),
    (
        13,
        "indicator index on surveys",
        include_str!("../../migrations/postgres/0013_indicator_index.sql"),
    ),
    (
        14,
        "survey indicators read in case order",
        include_str!("../../migrations/postgres/0014_indicators_by_case.sql"),
    ),
    (
        15,
        "open cases' follow-up facts in case order",
        include_str!("../../migrations/postgres/0015_followup_index.sql"),
    ),
    (
        16,
        "replies to posts sent twice",
        include_str!("../../migrations/postgres/0016_replies.sql"),
    ),
    (
        17,
        "plans returned with comments",
        include_str!("../../migrations/postgres/0017_plan_returned.sql"),
    ),
    (
        18,
        "each account's language",
        include_str!("../../migrations/postgres/0018_user_language.sql"),
    ),
    (
        19,
        "browsers accounts signed in from",
        include_str!("../../migrations/postgres/0019_known_devices.sql"),
    ),
    (
        20,
        "two-step sign-in",
        include_str!("../../migrations/postgres/0020_two_factor.sql"),
    ),
    (
        21,
        "retention and erasure",
        include_str!("../../migrations/postgres/0021_retention.sql"),
    ),
    (
        22,
        "files given as answers",
        include_str!("../../migrations/postgres/0022_submission_files.sql"),
    ),
    (
        23,
        "files attached to form versions",
        include_str!("../../migrations/postgres/0023_form_files.sql"),
    ),
    (
        24,
        "field collection with OpenRosa clients",
        include_str!("../../migrations/postgres/0024_field_collection.sql"),
    ),
    (
        25,
        "held field submissions and incremental pulls",
        include_str!("../../migrations/postgres/0025_held_and_pulls.sql"),
    ),
    (
        26,
        "encrypted field submissions",
        include_str!("../../migrations/postgres/0026_sealed_submissions.sql"),
    ),
    (
        27,
        "files uploaded for bulk imports",
        include_str!("../../migrations/postgres/0027_import_files.sql"),
    ),
    (
        28,
        "the secret of pseudonymised exports",
        include_str!("../../migrations/postgres/0028_pseudonym_secret.sql"),
    ),
    (
        29,
        "exports made in the background",
        include_str!("../../migrations/postgres/0029_export_jobs.sql"),
    ),
    (
        30,
        "the progress of an import's dry run",
        include_str!("../../migrations/postgres/0030_import_progress.sql"),
    ),
    (
        31,
        "monitoring samples",
        include_str!("../../migrations/postgres/0031_monitoring_samples.sql"),
    ),
    (
        32,
        "spot checks",
        include_str!("../../migrations/postgres/0032_spot_checks.sql"),
    ),
    (
        33,
        "feedback and complaints",
        include_str!("../../migrations/postgres/0033_feedback.sql"),
    ),
    (
        34,
        "approved plan items",
        include_str!("../../migrations/postgres/0034_approved_plan_items.sql"),
    ),
    (
        35,
        "case match keys",
        include_str!("../../migrations/postgres/0035_case_match_keys.sql"),
    ),
    (
        36,
        "merges and distinct pairs",
        include_str!("../../migrations/postgres/0036_merges.sql"),
    ),
    (
        37,
        "case hand-overs",
        include_str!("../../migrations/postgres/0037_handovers.sql"),
    ),
    (
        38,
        "resumable duplicates scan",
        include_str!("../../migrations/postgres/0038_scan_resume.sql"),
    ),
    (
        39,
        "scheduled runs shared by instances",
        include_str!("../../migrations/postgres/0039_scheduled_runs.sql"),
    ),
    (
        40,
        "survey tallies",
        include_str!("../../migrations/postgres/0040_survey_tallies.sql"),
    ),
    (
        41,
        "survey tally changes",
        include_str!("../../migrations/postgres/0041_survey_tally_changes.sql"),
    ),
];

/// Applies every migration not yet recorded, each in its own transaction holding an advisory
/// lock on the schema, so that instances starting together apply each one once.
pub(super) async fn migrate(store: &PgStore) -> Result<usize> {
    let mut client = store.client().await?;
    client
        .batch_execute(
            "CREATE TABLE IF NOT EXISTS schema_migrations (
                 version BIGINT PRIMARY KEY, name TEXT NOT NULL, applied_at BIGINT NOT NULL)",
        )
        .await
        .map_err(error)?;
    let mut applied_now = 0;
    for (version, name, sql) in MIGRATIONS {
        let tx = client.transaction().await.map_err(error)?;
        tx.execute(
            "SELECT pg_advisory_xact_lock(hashtext('reintegra migrate ' || current_schema()))",
            &[],
        )
        .await
        .map_err(error)?;
        let applied = tx
            .query_opt(
                "SELECT 1 FROM schema_migrations WHERE version = $1",
                &[version],
            )
            .await
            .map_err(error)?
            .is_some();
        if !applied {
            tx.batch_execute(sql).await.map_err(error)?;
            tx.execute(
                "INSERT INTO schema_migrations (version, name, applied_at)
                 VALUES ($1, $2, extract(epoch FROM now())::bigint)",
                &[version, name],
            )
            .await
            .map_err(error)?;
            tracing::info!(version, name, "applied migration");
            applied_now += 1;
        }
        tx.commit().await.map_err(error)?;
    }
    Ok(applied_now)
}
