//! Backups of a data directory: one ZIP file holding a consistent snapshot of the database, the
//! files stored beside it and a manifest (row counts, hashes) that restoring checks against.
//!
//! The snapshot is taken with SQLite's online backup in a single step: one read transaction, so
//! it is consistent, and in WAL mode writers go on meanwhile. An encrypted database stays
//! encrypted in the backup (under its own key); a passphrase additionally encrypts every entry
//! of the archive (AES-256, WinZip AE-2), so that a backup copied off the server is unreadable
//! without it.

use std::collections::{BTreeMap, BTreeSet};
use std::fs::File;
use std::io::{BufReader, BufWriter, Read, Write};
use std::path::{Path, PathBuf};
use std::time::Duration;

use rusqlite::Connection;
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};
use time::OffsetDateTime;
use zip::write::SimpleFileOptions;
use zip::{AesMode, CompressionMethod, ZipArchive, ZipWriter};

use super::{DATABASE_FILE, DatabaseKey, INSTANCE_MARKER, INSTANCE_SETTING, files, pathway};
use crate::{Result, StoreError};

/// What the archive calls its manifest.
const MANIFEST: &str = "manifest.json";
/// The format this code writes and reads.
const FORMAT: &str = "reintegra-backup-1";

/// What a backup holds, as its manifest records it (and restoring checks).
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, Eq)]
pub struct BackupManifest {
    pub format: String,
    /// When the snapshot was taken (RFC 3339, UTC).
    pub taken_at: String,
    pub instance: String,
    /// The last database migration applied.
    pub schema_version: i64,
    /// The database is encrypted (SQLCipher): restoring needs its key.
    pub database_encrypted: bool,
    pub database_sha256: String,
    /// Rows per table at the moment of the snapshot.
    pub tables: BTreeMap<String, i64>,
    /// Stored files copied.
    pub files: usize,
    /// Files the database names that were not in the data directory when the backup was made
    /// (a data directory damaged before): reported, and not held against the backup.
    pub missing_files: Vec<String>,
}

impl BackupManifest {
    pub fn rows(&self) -> i64 {
        self.tables.values().sum()
    }
}

fn fail(message: impl Into<String>) -> StoreError {
    StoreError::Database(message.into())
}

fn io(path: &Path, e: std::io::Error) -> StoreError {
    fail(format!("{}: {e}", path.display()))
}

fn zip_error(e: zip::result::ZipError) -> StoreError {
    match e {
        zip::result::ZipError::InvalidPassword => fail("the passphrase does not open this backup"),
        zip::result::ZipError::UnsupportedArchive(m)
            if m == zip::result::ZipError::PASSWORD_REQUIRED =>
        {
            fail(
                "this backup is encrypted: give its passphrase on standard input (--passphrase-stdin)",
            )
        }
        other => fail(format!("the backup cannot be read: {other}")),
    }
}

fn open_database(path: &Path, key: Option<&DatabaseKey>) -> Result<Connection> {
    let c = Connection::open(path)?;
    super::unlock(&c, key).map_err(|e| super::unreadable(path, key.is_some(), e))?;
    c.busy_timeout(Duration::from_secs(30))?;
    Ok(c)
}

/// A directory beside `near` for work in progress, removed when dropped.
struct Staging(PathBuf);

impl Staging {
    fn beside(near: &Path) -> Result<Self> {
        let parent = near
            .parent()
            .filter(|p| !p.as_os_str().is_empty())
            .unwrap_or(Path::new("."));
        let dir = parent.join(format!(".reintegra-backup-{}", uuid::Uuid::new_v4()));
        std::fs::create_dir_all(&dir).map_err(|e| io(&dir, e))?;
        Ok(Staging(dir))
    }
}

impl Drop for Staging {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.0);
    }
}

/// Writes a backup of the data directory `data_dir` to `out` (which must not exist), while the
/// server may be running. `passphrase` encrypts the archive.
pub fn write_backup(
    data_dir: &Path,
    key: Option<&DatabaseKey>,
    out: &Path,
    passphrase: Option<&str>,
) -> Result<BackupManifest> {
    let db = data_dir.join(DATABASE_FILE);
    if std::fs::metadata(&db).map(|m| m.len()).unwrap_or(0) == 0 {
        return Err(fail(format!("{} is missing or empty", db.display())));
    }
    if out.exists() {
        return Err(fail(format!(
            "{} already exists: name a new file for the backup",
            out.display()
        )));
    }
    let staging = Staging::beside(out)?;
    let snapshot = staging.0.join(DATABASE_FILE);
    {
        let source = open_database(&db, key)?;
        let mut copy = Connection::open(&snapshot)?;
        if let Some(k) = key {
            copy.pragma_update(None, "key", &k.0)?;
        }
        // All pages in one step: one read transaction, hence one consistent snapshot.
        let backup = rusqlite::backup::Backup::new(&source, &mut copy)?;
        while backup.step(-1)? != rusqlite::backup::StepResult::Done {}
        drop(backup);
        copy.execute_batch("PRAGMA journal_mode = DELETE")?;
    }
    let copy = open_database(&snapshot, key)?;
    let quick: String = copy.query_row("PRAGMA quick_check", [], |r| r.get(0))?;
    if quick != "ok" {
        return Err(fail(format!(
            "the database failed its check while being copied: {quick}"
        )));
    }
    let facts = SnapshotFacts::read(&copy)?;
    drop(copy);

    let stored = stored_files(&data_dir.join("files"))?;
    let missing_files: Vec<String> = facts.referenced.difference(&stored).cloned().collect();
    let partial = staging.0.join("backup.zip");
    let file = private_file(&partial)?;
    let mut zip = ZipWriter::new(BufWriter::new(file));
    let options = |method: CompressionMethod| {
        let o = SimpleFileOptions::default()
            .compression_method(method)
            .large_file(true)
            .unix_permissions(0o600);
        match passphrase {
            Some(p) => o.with_aes_encryption(AesMode::Aes256, p),
            None => o,
        }
    };
    zip.start_file(DATABASE_FILE, options(CompressionMethod::Deflated))
        .map_err(zip_error)?;
    let database_sha256 = copy_hashing(&snapshot, &mut zip)?;
    for hash in &stored {
        let path = data_dir.join("files").join(&hash[..2]).join(hash);
        zip.start_file(
            format!("files/{}/{hash}", &hash[..2]),
            options(CompressionMethod::Stored),
        )
        .map_err(zip_error)?;
        // A file removed since the listing (retention) is simply not in the backup.
        match File::open(&path) {
            Ok(mut f) => {
                std::io::copy(&mut f, &mut zip).map_err(|e| io(&path, e))?;
            }
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => {}
            Err(e) => return Err(io(&path, e)),
        }
    }
    let manifest = BackupManifest {
        format: FORMAT.into(),
        taken_at: facts.taken_at,
        instance: facts.instance,
        schema_version: facts.schema_version,
        database_encrypted: key.is_some(),
        database_sha256,
        tables: facts.tables,
        files: stored.len(),
        missing_files,
    };
    zip.start_file(MANIFEST, options(CompressionMethod::Deflated))
        .map_err(zip_error)?;
    let json = serde_json::to_vec_pretty(&manifest).map_err(|e| fail(e.to_string()))?;
    zip.write_all(&json).map_err(|e| io(out, e))?;
    let writer = zip.finish().map_err(zip_error)?;
    let file = writer
        .into_inner()
        .map_err(|e| io(&partial, e.into_error()))?;
    file.sync_all().map_err(|e| io(&partial, e))?;
    drop(file);
    // Put in place only once whole: a backup named `out` is always complete.
    std::fs::rename(&partial, out).map_err(|e| io(out, e))?;
    Ok(manifest)
}

/// A new file only its owner may read: a backup holds personal data.
fn private_file(path: &Path) -> Result<File> {
    let mut options = std::fs::OpenOptions::new();
    options.write(true).create_new(true);
    #[cfg(unix)]
    std::os::unix::fs::OpenOptionsExt::mode(&mut options, 0o600);
    options.open(path).map_err(|e| io(path, e))
}

/// What is read from a snapshot for its manifest.
struct SnapshotFacts {
    taken_at: String,
    instance: String,
    schema_version: i64,
    tables: BTreeMap<String, i64>,
    referenced: BTreeSet<String>,
}

impl SnapshotFacts {
    fn read(c: &Connection) -> Result<Self> {
        let instance = pathway::setting(c, INSTANCE_SETTING)?.unwrap_or_default();
        let schema_version: i64 = c.query_row(
            "SELECT coalesce(max(version), 0) FROM schema_migrations",
            [],
            |r| r.get(0),
        )?;
        Ok(SnapshotFacts {
            taken_at: OffsetDateTime::now_utc()
                .format(&time::format_description::well_known::Rfc3339)
                .map_err(|e| fail(e.to_string()))?,
            instance,
            schema_version,
            tables: table_counts(c)?,
            referenced: referenced_files(c)?,
        })
    }
}

/// Rows in every table of the database.
fn table_counts(c: &Connection) -> Result<BTreeMap<String, i64>> {
    let names: Vec<String> = c
        .prepare(
            "SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%'
             ORDER BY name",
        )?
        .query_map([], |r| r.get(0))?
        .collect::<rusqlite::Result<_>>()?;
    let mut counts = BTreeMap::new();
    for name in names {
        // Names come from the schema itself; quoted all the same.
        let quoted = name.replace('"', "\"\"");
        let n: i64 = c.query_row(&format!("SELECT count(*) FROM \"{quoted}\""), [], |r| {
            r.get(0)
        })?;
        counts.insert(name, n);
    }
    Ok(counts)
}

/// The content hashes of every stored file the database names.
fn referenced_files(c: &Connection) -> Result<BTreeSet<String>> {
    let mut stmt = c.prepare(
        "SELECT sha256 FROM submission_files
         UNION SELECT sha256 FROM form_files
         UNION SELECT sha256 FROM field_parts
         UNION SELECT sha256 FROM import_files
         UNION SELECT json_extract(j.value, '$.sha256') FROM held_submissions h, json_each(h.files) j
         UNION SELECT json_extract(j.value, '$.sha256') FROM sealed_submissions s, json_each(s.files) j",
    )?;
    let rows = stmt.query_map([], |r| r.get::<_, Option<String>>(0))?;
    let mut out = BTreeSet::new();
    for h in rows {
        if let Some(h) = h? {
            out.insert(h);
        }
    }
    Ok(out)
}

fn is_hash(name: &str) -> bool {
    name.len() == 64 && name.bytes().all(|b| b.is_ascii_hexdigit())
}

/// The hashes of the files stored under `root` (`root/ab/ab…`).
fn stored_files(root: &Path) -> Result<BTreeSet<String>> {
    let mut out = BTreeSet::new();
    let Ok(dirs) = std::fs::read_dir(root) else {
        return Ok(out);
    };
    for dir in dirs.flatten() {
        let Ok(entries) = std::fs::read_dir(dir.path()) else {
            continue;
        };
        for entry in entries.flatten() {
            let name = entry.file_name().to_string_lossy().into_owned();
            if is_hash(&name) && dir.file_name().to_string_lossy() == name[..2] {
                out.insert(name);
            }
        }
    }
    Ok(out)
}

/// Copies the file at `from` into `to`, returning its SHA-256.
fn copy_hashing(from: &Path, to: &mut impl Write) -> Result<String> {
    let mut reader = BufReader::new(File::open(from).map_err(|e| io(from, e))?);
    let mut hasher = Sha256::new();
    let mut buf = vec![0u8; 1 << 16];
    loop {
        let n = reader.read(&mut buf).map_err(|e| io(from, e))?;
        if n == 0 {
            break;
        }
        hasher.update(&buf[..n]);
        to.write_all(&buf[..n]).map_err(|e| io(from, e))?;
    }
    Ok(crate::files::hex(&hasher.finalize()))
}

/// Checks the backup `archive` without restoring it: unpacks it aside, checks the database's
/// hash, integrity and row counts against the manifest, and every stored file.
pub fn verify_backup(
    archive: &Path,
    key: Option<&DatabaseKey>,
    passphrase: Option<&str>,
) -> Result<BackupManifest> {
    let staging = Staging::beside(archive)?;
    let manifest = unpack(archive, &staging.0, passphrase)?;
    check_unpacked(&staging.0, &manifest, key)?;
    Ok(manifest)
}

/// Restores the backup `archive` into `data_dir`, which must be empty or not exist. Checked as
/// [`verify_backup`] checks before it is left in place; on any failure the directory is left
/// empty.
pub fn restore_backup(
    archive: &Path,
    data_dir: &Path,
    key: Option<&DatabaseKey>,
    passphrase: Option<&str>,
) -> Result<BackupManifest> {
    if let Ok(mut entries) = std::fs::read_dir(data_dir)
        && entries.next().is_some()
    {
        return Err(fail(format!(
            "{} is not empty: restore into a new or empty directory",
            data_dir.display()
        )));
    }
    std::fs::create_dir_all(data_dir).map_err(|e| io(data_dir, e))?;
    let restored = unpack(archive, data_dir, passphrase)
        .and_then(|m| check_unpacked(data_dir, &m, key).map(|()| m))
        .and_then(|m| {
            let marker = data_dir.join(INSTANCE_MARKER);
            std::fs::write(&marker, format!("{}\n", m.instance)).map_err(|e| io(&marker, e))?;
            Ok(m)
        });
    if restored.is_err()
        && let Ok(entries) = std::fs::read_dir(data_dir)
    {
        for entry in entries.flatten() {
            let path = entry.path();
            let _ = if path.is_dir() {
                std::fs::remove_dir_all(&path)
            } else {
                std::fs::remove_file(&path)
            };
        }
    }
    restored
}

/// Unpacks the archive's database and files into `dir`, and returns its manifest. Only the
/// names a backup holds are accepted.
fn unpack(archive: &Path, dir: &Path, passphrase: Option<&str>) -> Result<BackupManifest> {
    let file = File::open(archive).map_err(|e| io(archive, e))?;
    let mut zip = ZipArchive::new(BufReader::new(file)).map_err(zip_error)?;
    let mut manifest = None;
    for i in 0..zip.len() {
        let mut entry = match passphrase {
            Some(p) => zip.by_index_decrypt(i, p.as_bytes()),
            None => zip.by_index(i),
        }
        .map_err(zip_error)?;
        let name = entry.name().map_err(zip_error)?.into_owned();
        let target = match name.as_str() {
            MANIFEST => {
                let mut text = Vec::new();
                (&mut entry)
                    .take(1 << 20)
                    .read_to_end(&mut text)
                    .map_err(|e| io(archive, e))?;
                let m: BackupManifest = serde_json::from_slice(&text)
                    .map_err(|e| fail(format!("the backup's manifest cannot be read: {e}")))?;
                manifest = Some(m);
                continue;
            }
            DATABASE_FILE => dir.join(DATABASE_FILE),
            other => match other.strip_prefix("files/").and_then(|r| r.split_once('/')) {
                Some((shard, hash)) if is_hash(hash) && shard == &hash[..2] => {
                    dir.join("files").join(shard).join(hash)
                }
                _ => {
                    return Err(fail(format!(
                        "the backup holds {other:?}, which no Reintegra backup holds"
                    )));
                }
            },
        };
        if let Some(parent) = target.parent() {
            std::fs::create_dir_all(parent).map_err(|e| io(parent, e))?;
        }
        let mut out = BufWriter::new(File::create(&target).map_err(|e| io(&target, e))?);
        // Reading to the end also checks the entry's authentication code when encrypted.
        std::io::copy(&mut entry, &mut out).map_err(|e| {
            fail(format!(
                "{name} in the backup cannot be read (damaged, or a wrong passphrase): {e}"
            ))
        })?;
        out.flush().map_err(|e| io(&target, e))?;
    }
    let manifest =
        manifest.ok_or_else(|| fail("the file is not a Reintegra backup (no manifest)"))?;
    if manifest.format != FORMAT {
        return Err(fail(format!(
            "the backup's format is {}; this version reads {FORMAT}",
            manifest.format
        )));
    }
    Ok(manifest)
}

/// Checks an unpacked backup against its manifest.
fn check_unpacked(dir: &Path, manifest: &BackupManifest, key: Option<&DatabaseKey>) -> Result<()> {
    let db = dir.join(DATABASE_FILE);
    let mut hasher = Sha256::new();
    let mut f = File::open(&db).map_err(|_| fail("the backup holds no database"))?;
    std::io::copy(&mut f, &mut hasher).map_err(|e| io(&db, e))?;
    if crate::files::hex(&hasher.finalize()) != manifest.database_sha256 {
        return Err(fail(
            "the backup's database does not match its manifest: the file is damaged",
        ));
    }
    if manifest.database_encrypted && key.is_none() {
        return Err(fail(
            "the backed-up database is encrypted: give its key in REINTEGRA_DATABASE_KEY or \
             --database-key-file",
        ));
    }
    let c = open_database(&db, key.filter(|_| manifest.database_encrypted))?;
    let integrity: String = c.query_row("PRAGMA integrity_check", [], |r| r.get(0))?;
    if integrity != "ok" {
        return Err(fail(format!(
            "the backup's database fails its integrity check: {integrity}"
        )));
    }
    let counts = table_counts(&c)?;
    if counts != manifest.tables {
        let differing: Vec<String> = manifest
            .tables
            .iter()
            .filter(|(t, n)| counts.get(*t) != Some(n))
            .map(|(t, n)| {
                format!(
                    "{t} ({n} expected, {} found)",
                    counts.get(t).copied().unwrap_or(0)
                )
            })
            .collect();
        return Err(fail(format!(
            "the backup's database does not hold the rows its manifest counts: {}",
            differing.join(", ")
        )));
    }
    let secret = files::secret(&c)?;
    let store = crate::files::FileStore::new(dir.join("files"), secret.as_deref());
    for hash in referenced_files(&c)? {
        if manifest.missing_files.contains(&hash) {
            continue;
        }
        store.get(&hash).map_err(|_| {
            fail(format!(
                "the stored file {hash} is missing from the backup or damaged"
            ))
        })?;
    }
    Ok(())
}
