//! Backups: taken while writes go on, restored whole and checked; encrypted archives and
//! databases need their secrets; a damaged or foreign archive is refused and leaves nothing.

use std::io::{Read, Write};
use std::path::Path;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};

use domain::case::CaseStage;
use domain::{CaseId, OfficeCode, Role, UserId, Username};
use store::backup::{restore_backup, verify_backup, write_backup};
use store::prelude::*;
use store::*;
use time::OffsetDateTime;
use time::macros::date;

const PASSPHRASE: &str = "river lantern cobalt 42";

fn key() -> DatabaseKey {
    DatabaseKey::new("a database key for the test").unwrap()
}

fn audit(by: UserId) -> AuditContext {
    AuditContext::by(by, OffsetDateTime::now_utc())
}

/// A store with an office, a case manager, one case and a photo filed on a survey of it.
async fn filled(dir: &Path, key: Option<DatabaseKey>) -> (Arc<SqliteStore>, UserId, String) {
    let s = Arc::new(SqliteStore::open_in_with(dir, key).await.unwrap());
    let office = s
        .ensure_office(&OfficeCode::parse("BKP").unwrap(), "Backup office")
        .await
        .unwrap();
    let cm = s
        .create_user(
            NewUser {
                username: Username::parse("cm.backup").unwrap(),
                display_name: "CM".into(),
                role: Role::CaseManager,
                office: Some(office.id),
                password_hash: "hash".into(),
                must_change_password: false,
            },
            AuditContext::system(OffsetDateTime::now_utc(), "test"),
        )
        .await
        .unwrap();
    let case = add_case(&s, office.id, cm.id, "Aminata").await;
    let form = crate::conformance::forms::form("backup.photo", "1", "{}", FormOrigin::Upload);
    s.save_form_draft(form, audit(cm.id)).await.unwrap();
    s.publish_form("backup.photo", "1", audit(cm.id))
        .await
        .unwrap();
    let submission = uuid::Uuid::new_v4();
    s.create_submission(
        NewSubmission {
            id: submission,
            form_id: "backup.photo".into(),
            form_version: "1".into(),
            subject: Subject::Case(case),
            answers: "{}".into(),
            interviewer: cm.id,
            interview_date: date!(2026 - 11 - 20),
        },
        audit(cm.id),
    )
    .await
    .unwrap();
    let hash = s
        .put_file(b"a photo of the workshop".to_vec())
        .await
        .unwrap();
    s.add_submission_file(
        NewSubmissionFile {
            submission,
            name: "workshop.jpg".into(),
            question: "photo".into(),
            media_type: "image/jpeg".into(),
            size: 23,
            sha256: hash.clone(),
            added_by: cm.id,
            added_at: OffsetDateTime::now_utc(),
        },
        audit(cm.id),
    )
    .await
    .unwrap();
    (s, cm.id, hash)
}

async fn add_case(s: &SqliteStore, office: domain::OfficeId, cm: UserId, given: &str) -> CaseId {
    let mut profile = conformance_profile();
    profile.given_name = given.into();
    s.create_case(
        NewCase {
            id: CaseId::new(),
            office,
            case_manager: Some(cm),
            profile,
            stage: CaseStage::Intake,
            consents: vec![],
        },
        audit(cm),
    )
    .await
    .unwrap()
    .id
}

fn conformance_profile() -> domain::case::ReturneeProfile {
    crate::conformance::profile("Given", "Backupson")
}

/// The cases in an unencrypted database file, after checking its integrity.
fn cases_in(db: &Path) -> i64 {
    let c = rusqlite::Connection::open(db).unwrap();
    let ok: String = c
        .query_row("PRAGMA integrity_check", [], |r| r.get(0))
        .unwrap();
    assert_eq!(ok, "ok");
    c.query_row("SELECT count(*) FROM cases", [], |r| r.get(0))
        .unwrap()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_backup_taken_under_writes_restores_whole_and_consistent() {
    let tmp = tempfile::tempdir().unwrap();
    let data = tmp.path().join("data");
    let (s, cm, hash) = filled(&data, None).await;
    let office = s.user(cm).await.unwrap().office.unwrap();

    // Case managers keep registering while the backup is taken.
    let stop = Arc::new(AtomicBool::new(false));
    let writer = {
        let (s, stop) = (s.clone(), stop.clone());
        tokio::spawn(async move {
            let mut n = 0;
            while !stop.load(Ordering::Relaxed) && n < 2_000 {
                add_case(&s, office, cm, &format!("Writer{n}")).await;
                n += 1;
            }
            n
        })
    };
    tokio::time::sleep(std::time::Duration::from_millis(150)).await;
    let archive = tmp.path().join("backup.zip");
    let (d, a) = (data.clone(), archive.clone());
    let manifest =
        tokio::task::spawn_blocking(move || write_backup(&d, None, &a, Some(PASSPHRASE)))
            .await
            .unwrap()
            .unwrap();
    stop.store(true, Ordering::Relaxed);
    let written = writer.await.unwrap();
    assert!(written > 0, "writes went on during the backup");
    let backed_up = manifest.tables["cases"];
    assert!(backed_up >= 1 && backed_up <= 1 + written as i64);
    assert_eq!(manifest.files, 1);
    assert!(manifest.missing_files.is_empty());

    // The archive's entries are all encrypted: nothing readable without the passphrase.
    let raw = std::fs::read(&archive).unwrap();
    assert!(!raw.windows(7).any(|w| w == b"Aminata"));
    assert!(!raw.windows(8).any(|w| w == b"workshop"));

    let restored = tmp.path().join("restored");
    let m = restore_backup(&archive, &restored, None, Some(PASSPHRASE)).unwrap();
    assert_eq!(m, manifest);
    assert_eq!(
        cases_in(&restored.join(DATABASE_FILE)),
        backed_up,
        "the restored rows are the backed-up ones"
    );
    // The restored directory starts as the same instance, with its file.
    let again = SqliteStore::open_in(&restored).await.unwrap();
    assert_eq!(again.instance_id().await.unwrap(), Some(manifest.instance));
    assert_eq!(
        again.read_file(&hash).await.unwrap(),
        b"a photo of the workshop"
    );

    // A directory that is not empty is refused.
    let refused = restore_backup(&archive, &restored, None, Some(PASSPHRASE)).unwrap_err();
    assert!(refused.to_string().contains("not empty"), "{refused}");
    // The backup is never written over an existing file.
    let refused = write_backup(&data, None, &archive, None).unwrap_err();
    assert!(refused.to_string().contains("already exists"), "{refused}");
}

#[tokio::test]
async fn secrets_are_asked_for_and_a_damaged_backup_is_refused_leaving_nothing() {
    let tmp = tempfile::tempdir().unwrap();
    let data = tmp.path().join("data");
    let (s, _, hash) = filled(&data, Some(key())).await;
    drop(s);
    let archive = tmp.path().join("backup.zip");
    let manifest = write_backup(&data, Some(&key()), &archive, Some(PASSPHRASE)).unwrap();
    assert!(manifest.database_encrypted);

    let why = |r: Result<store::backup::BackupManifest>| r.unwrap_err().to_string();
    assert!(why(verify_backup(&archive, Some(&key()), None)).contains("passphrase"));
    assert!(
        why(verify_backup(
            &archive,
            Some(&key()),
            Some("another long passphrase")
        ))
        .contains("passphrase does not open")
    );
    assert!(why(verify_backup(&archive, None, Some(PASSPHRASE))).contains("key"));
    assert_eq!(
        verify_backup(&archive, Some(&key()), Some(PASSPHRASE)).unwrap(),
        manifest
    );

    // The same backup without its stored file: refused, naming the file, and a restore from it
    // leaves the directory empty.
    let damaged = tmp.path().join("damaged.zip");
    copy_without(&archive, &damaged, &hash);
    assert!(why(verify_backup(&damaged, Some(&key()), Some(PASSPHRASE))).contains(&hash));
    let target = tmp.path().join("target");
    assert!(
        why(restore_backup(
            &damaged,
            &target,
            Some(&key()),
            Some(PASSPHRASE)
        ))
        .contains(&hash)
    );
    assert_eq!(std::fs::read_dir(&target).unwrap().count(), 0);

    // A ZIP file that is not a backup is refused.
    let foreign = tmp.path().join("foreign.zip");
    let mut zip = zip::ZipWriter::new(std::fs::File::create(&foreign).unwrap());
    zip.start_file("../escape.txt", zip::write::SimpleFileOptions::default())
        .unwrap();
    zip.write_all(b"x").unwrap();
    zip.finish().unwrap();
    assert!(why(verify_backup(&foreign, None, None)).contains("no Reintegra backup holds"));
    assert!(!tmp.path().join("escape.txt").exists());
}

/// Copies the encrypted archive `from` to `to`, leaving out the entry of the file `hash`.
fn copy_without(from: &Path, to: &Path, hash: &str) {
    let mut src = zip::ZipArchive::new(std::fs::File::open(from).unwrap()).unwrap();
    let mut dst = zip::ZipWriter::new(std::fs::File::create(to).unwrap());
    for i in 0..src.len() {
        let mut entry = src.by_index_decrypt(i, PASSPHRASE.as_bytes()).unwrap();
        let name = entry.name().unwrap().into_owned();
        if name.ends_with(hash) {
            continue;
        }
        let mut body = Vec::new();
        entry.read_to_end(&mut body).unwrap();
        dst.start_file(
            name,
            zip::write::SimpleFileOptions::default()
                .large_file(true)
                .with_aes_encryption(zip::AesMode::Aes256, PASSPHRASE),
        )
        .unwrap();
        dst.write_all(&body).unwrap();
    }
    dst.finish().unwrap();
}
