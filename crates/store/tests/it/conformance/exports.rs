//! Background exports: their records, their files, and the limit of running ones per user.

use std::sync::Arc;

use domain::Role;
use store::*;

use super::{NOW, user};

pub async fn run(s: Arc<dyn Store>) {
    records_and_files(&s).await;
    running_exports_are_limited_per_user(&s).await;
}

async fn records_and_files(s: &Arc<dyn Store>) {
    let o = super::office(s, "EXP").await;
    let pm = user(s, "exp.pm", Role::ProgrammeManager, Some(o.id)).await;
    // A background export: its progress, its file, then forgotten with its file.
    let mut job = running(pm.id, NOW);
    s.save_export_job(job.clone()).await.unwrap();
    job.rows = 1_000;
    job.status = ExportStatus::Done;
    job.file_name = Some("cases.zip".into());
    job.media_type = Some("application/zip".into());
    job.finished_at = Some(NOW);
    s.save_export_job(job.clone()).await.unwrap();
    // A late progress update does not undo the end.
    let late = ExportJob {
        status: ExportStatus::Running,
        rows: 10,
        ..job.clone()
    };
    s.save_export_job(late).await.unwrap();
    assert_eq!(s.export_job(job.id).await.unwrap(), Some(job.clone()));
    assert_eq!(
        s.export_jobs(pm.id, NOW - time::Duration::hours(1))
            .await
            .unwrap(),
        vec![job.clone()]
    );
    let tmp = tempfile::NamedTempFile::new().unwrap();
    std::fs::write(tmp.path(), b"PK export").unwrap();
    let (_, path) = tmp.keep().unwrap();
    s.keep_export_file(job.id, path).await.unwrap();
    let mut kept = String::new();
    std::io::Read::read_to_string(
        &mut s.open_export_file(job.id).await.unwrap().unwrap(),
        &mut kept,
    )
    .unwrap();
    assert_eq!(kept, "PK export");
    assert_eq!(
        s.remove_export_jobs(NOW).await.unwrap(),
        0,
        "made at the cut-off: kept"
    );
    assert_eq!(
        s.remove_export_jobs(NOW + time::Duration::seconds(1))
            .await
            .unwrap(),
        1
    );
    assert_eq!(s.export_job(job.id).await.unwrap(), None);
    assert!(s.open_export_file(job.id).await.unwrap().is_none());
}

fn running(user: domain::UserId, created_at: time::OffsetDateTime) -> ExportJob {
    ExportJob {
        id: uuid::Uuid::new_v4(),
        user,
        what: "cases".into(),
        status: ExportStatus::Running,
        rows: 0,
        file_name: None,
        media_type: None,
        error: None,
        created_at,
        finished_at: None,
    }
}

/// The count of running exports and the new record are one step: a third export while two
/// run is refused and leaves no record; finished and interrupted ones do not count.
async fn running_exports_are_limited_per_user(s: &Arc<dyn Store>) {
    let o = super::office(s, "EXL").await;
    let pm = user(s, "exl.pm", Role::ProgrammeManager, Some(o.id)).await;
    let other = user(s, "exl.other", Role::ProgrammeManager, Some(o.id)).await;
    let since = NOW - time::Duration::hours(1);
    // Started long ago and never finished: interrupted, not counted.
    let stalled = running(pm.id, NOW - time::Duration::hours(3));
    s.save_export_job(stalled).await.unwrap();
    let first = running(pm.id, NOW);
    assert!(s.start_export_job(first.clone(), 2, since).await.unwrap());
    assert!(
        s.start_export_job(running(pm.id, NOW), 2, since)
            .await
            .unwrap()
    );
    let third = running(pm.id, NOW);
    assert!(!s.start_export_job(third.clone(), 2, since).await.unwrap());
    assert_eq!(
        s.export_job(third.id).await.unwrap(),
        None,
        "refused: no record"
    );
    assert!(
        s.start_export_job(running(other.id, NOW), 2, since)
            .await
            .unwrap(),
        "another user's limit is their own"
    );

    // One finishes: a new one may start. One refused as it ran is forgotten.
    let done = ExportJob {
        status: ExportStatus::Done,
        finished_at: Some(NOW),
        ..first
    };
    s.save_export_job(done).await.unwrap();
    assert!(s.start_export_job(third.clone(), 2, since).await.unwrap());
    assert_eq!(s.export_job(third.id).await.unwrap(), Some(third.clone()));
    s.forget_export_job(third.id).await.unwrap();
    assert_eq!(s.export_job(third.id).await.unwrap(), None);
    assert!(
        s.start_export_job(running(pm.id, NOW), 2, since)
            .await
            .unwrap()
    );
    assert!(
        !s.start_export_job(running(pm.id, NOW), 2, since)
            .await
            .unwrap()
    );

    // Six starts at once (two instances, a double click): two are recorded.
    let busy = user(s, "exl.busy", Role::ProgrammeManager, Some(o.id)).await;
    let starts: Vec<_> = (0..6)
        .map(|_| {
            let s = s.clone();
            tokio::spawn(async move {
                s.start_export_job(running(busy.id, NOW), 2, since)
                    .await
                    .unwrap()
            })
        })
        .collect();
    let mut recorded = 0;
    for start in starts {
        recorded += usize::from(start.await.unwrap());
    }
    assert_eq!(recorded, 2, "the limit held under concurrent starts");
    assert_eq!(s.export_jobs(busy.id, since).await.unwrap().len(), 2);
}
