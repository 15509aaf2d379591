//! `reintegra backup`, `restore` and `verify-backup`: a data directory to one file and back.

use std::io::Read;
use std::path::PathBuf;

use anyhow::{Context, Result, bail};
use store::backup::BackupManifest;

use crate::DataDir;

/// Reads a passphrase from standard input (its last line break dropped). `new` passphrases must
/// pass the rule for encrypted files; one that opens an existing file is taken as it is.
pub fn passphrase_from_stdin(new: bool) -> Result<String> {
    let mut text = String::new();
    std::io::stdin()
        .read_to_string(&mut text)
        .context("cannot read the passphrase from standard input")?;
    let text = text.trim_end_matches(['\n', '\r']).to_string();
    if text.is_empty() {
        bail!("the passphrase on standard input is empty");
    }
    if new && let Err(why) = domain::security::check_passphrase(&text) {
        bail!(
            "the passphrase is not acceptable ({why}): use at least {} characters, several \
             unrelated words rather than a guessable phrase",
            domain::security::MIN_PASSPHRASE_CHARS
        );
    }
    Ok(text)
}

fn describe(m: &BackupManifest) -> String {
    format!(
        "instance {}, taken {}, schema version {}, {} rows in {} tables, {} stored files{}",
        m.instance,
        m.taken_at,
        m.schema_version,
        m.rows(),
        m.tables.len(),
        m.files,
        if m.database_encrypted {
            "; the database is encrypted (start the server with its key)"
        } else {
            ""
        }
    )
}

fn warn_missing(m: &BackupManifest) {
    if !m.missing_files.is_empty() {
        eprintln!(
            "warning: {} stored file(s) named by the database were already missing from the data \
             directory when the backup was made",
            m.missing_files.len()
        );
    }
}

async fn blocking<T: Send + 'static>(
    work: impl FnOnce() -> store::Result<T> + Send + 'static,
) -> Result<T> {
    tokio::task::spawn_blocking(work)
        .await
        .context("the work stopped unexpectedly")?
        .map_err(|e| match e {
            store::StoreError::Database(message) => anyhow::anyhow!(message),
            other => anyhow::anyhow!("{other}"),
        })
}

/// `reintegra backup OUT`.
pub async fn backup(data: &DataDir, out: PathBuf, passphrase_stdin: bool) -> Result<()> {
    let passphrase = passphrase_stdin
        .then(|| passphrase_from_stdin(true))
        .transpose()?;
    let (dir, key) = (data.data_dir.clone(), data.key()?);
    let target = out.clone();
    let m = blocking(move || {
        store::backup::write_backup(&dir, key.as_ref(), &target, passphrase.as_deref())
    })
    .await
    .context("no backup was written")?;
    warn_missing(&m);
    println!(
        "backed up to {}{}: {}",
        out.display(),
        if passphrase_stdin {
            " (encrypted with the passphrase)"
        } else {
            ""
        },
        describe(&m)
    );
    Ok(())
}

/// `reintegra verify-backup IN`.
pub async fn verify(data: &DataDir, archive: PathBuf, passphrase_stdin: bool) -> Result<()> {
    let passphrase = passphrase_stdin
        .then(|| passphrase_from_stdin(false))
        .transpose()?;
    let key = data.key()?;
    let shown = archive.display().to_string();
    let m = blocking(move || {
        store::backup::verify_backup(&archive, key.as_ref(), passphrase.as_deref())
    })
    .await
    .with_context(|| format!("{shown} is not a sound backup"))?;
    warn_missing(&m);
    println!("{shown} is sound: {}", describe(&m));
    Ok(())
}

/// `reintegra restore IN --data-dir DIR`.
pub async fn restore(data: &DataDir, archive: PathBuf, passphrase_stdin: bool) -> Result<()> {
    let passphrase = passphrase_stdin
        .then(|| passphrase_from_stdin(false))
        .transpose()?;
    let (dir, key) = (data.data_dir.clone(), data.key()?);
    let m = blocking(move || {
        store::backup::restore_backup(&archive, &dir, key.as_ref(), passphrase.as_deref())
    })
    .await
    .context("nothing was restored")?;
    warn_missing(&m);
    println!(
        "restored into {}: {}",
        data.data_dir.display(),
        describe(&m)
    );
    Ok(())
}
