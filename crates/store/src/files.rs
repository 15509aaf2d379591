//! Files kept beside the database (photos, recordings and documents given as answers): stored
//! once by the SHA-256 of their content under `files/` in the data directory, never in database
//! rows. When the database is encrypted, so are the files, under a key derived from the
//! database key (XChaCha20-Poly1305, a random nonce per file).

use std::io::Write as _;
use std::path::{Path, PathBuf};

use chacha20poly1305::aead::{Aead, KeyInit};
use chacha20poly1305::{XChaCha20Poly1305, XNonce};
use sha2::{Digest, Sha256};

use crate::{Result, StoreError};

/// What starts an encrypted file, then the nonce and the sealed content.
const SEALED: &[u8; 4] = b"RFE1";
const NONCE_LEN: usize = 24;

pub struct FileStore {
    root: PathBuf,
    cipher: Option<XChaCha20Poly1305>,
}

impl std::fmt::Debug for FileStore {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("FileStore")
            .field("root", &self.root)
            .field("encrypted", &self.cipher.is_some())
            .finish()
    }
}

/// The programme setting holding the secret files are sealed with, when they are.
pub const SECRET_SETTING: &str = "files_key";

/// The SHA-256 of `bytes`, as lower-case hexadecimal: a file's address.
pub fn content_hash(bytes: &[u8]) -> String {
    hex(&Sha256::digest(bytes))
}

/// Bytes as lower-case hexadecimal.
pub fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

impl FileStore {
    /// Files under `root`; `key` (the database key's text) encrypts them.
    pub fn new(root: PathBuf, key: Option<&str>) -> Self {
        let cipher = key.map(|k| {
            // A key of its own for files, derived from the database key.
            let derived = Sha256::new()
                .chain_update(b"reintegra files v1\0")
                .chain_update(k.as_bytes())
                .finalize();
            XChaCha20Poly1305::new(&derived)
        });
        FileStore { root, cipher }
    }

    fn path_of(&self, hash: &str) -> Result<PathBuf> {
        let valid = hash.len() == 64 && hash.bytes().all(|b| b.is_ascii_hexdigit());
        if !valid {
            return Err(StoreError::NotFound);
        }
        Ok(self.root.join(&hash[..2]).join(hash))
    }

    /// Stores `bytes` (once: the same content is the same file) and returns its hash.
    pub fn put(&self, bytes: &[u8]) -> Result<String> {
        let hash = content_hash(bytes);
        let path = self.path_of(&hash)?;
        if path.exists() {
            // Kept as it is, unless it is still in plain while files are now encrypted.
            let plain = self.cipher.is_some()
                && std::fs::read(&path).is_ok_and(|b| content_hash(&b) == hash);
            if !plain {
                return Ok(hash);
            }
        }
        let dir = path.parent().unwrap_or(&self.root);
        std::fs::create_dir_all(dir).map_err(|e| io(dir, e))?;
        let body = match &self.cipher {
            Some(cipher) => {
                let nonce: [u8; NONCE_LEN] = rand::random();
                let sealed = cipher
                    .encrypt(XNonce::from_slice(&nonce), bytes)
                    .map_err(|_| StoreError::Database("cannot encrypt a file".into()))?;
                [SEALED.as_slice(), &nonce, &sealed].concat()
            }
            None => bytes.to_vec(),
        };
        // Written aside, then renamed: a reader never sees half a file.
        let tmp = dir.join(format!(".{hash}.{}", uuid::Uuid::new_v4()));
        let mut f = std::fs::File::create(&tmp).map_err(|e| io(&tmp, e))?;
        f.write_all(&body)
            .and_then(|()| f.sync_all())
            .map_err(|e| io(&tmp, e))?;
        std::fs::rename(&tmp, &path).map_err(|e| io(&path, e))?;
        Ok(hash)
    }

    /// Deletes the content stored under `hash` (nothing when there is none).
    pub fn remove(&self, hash: &str) -> Result<()> {
        let path = self.path_of(hash)?;
        match std::fs::remove_file(&path) {
            Ok(()) => Ok(()),
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(()),
            Err(e) => Err(io(&path, e)),
        }
    }

    /// Encrypts every file still stored in plain (written before the database was
    /// encrypted). Returns how many were sealed.
    pub fn seal_all(&self) -> Result<usize> {
        let Some(_) = &self.cipher else { return Ok(0) };
        let Ok(dirs) = std::fs::read_dir(&self.root) else {
            return Ok(0);
        };
        let mut sealed = 0;
        for dir in dirs.flatten() {
            let Ok(entries) = std::fs::read_dir(dir.path()) else {
                continue;
            };
            for entry in entries.flatten() {
                let name = entry.file_name().to_string_lossy().into_owned();
                if self.path_of(&name).is_err() {
                    continue;
                }
                let body = std::fs::read(entry.path()).map_err(|e| io(&entry.path(), e))?;
                if content_hash(&body) == name {
                    std::fs::remove_file(entry.path()).map_err(|e| io(&entry.path(), e))?;
                    self.put(&body)?;
                    sealed += 1;
                }
            }
        }
        Ok(sealed)
    }

    /// The content stored under `hash`, checked against it.
    pub fn get(&self, hash: &str) -> Result<Vec<u8>> {
        let path = self.path_of(hash)?;
        let body = match std::fs::read(&path) {
            Ok(b) => b,
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Err(StoreError::NotFound),
            Err(e) => return Err(io(&path, e)),
        };
        // Stored in plain (before the database was encrypted, or without a key): its hash
        // says so, whatever its first bytes.
        if content_hash(&body) == hash {
            return Ok(body);
        }
        let bytes = match (&self.cipher, body.strip_prefix(SEALED.as_slice())) {
            (Some(cipher), Some(rest)) if rest.len() > NONCE_LEN => {
                let (nonce, sealed) = rest.split_at(NONCE_LEN);
                cipher
                    .decrypt(XNonce::from_slice(nonce), sealed)
                    .map_err(|_| {
                        StoreError::Database(format!("{} cannot be decrypted", path.display()))
                    })?
            }
            (None, Some(_)) => {
                return Err(StoreError::Database(format!(
                    "{} is encrypted and no database key was given",
                    path.display()
                )));
            }
            // Stored before the database was encrypted.
            _ => body,
        };
        if content_hash(&bytes) != hash {
            return Err(StoreError::Database(format!(
                "{} is damaged",
                path.display()
            )));
        }
        Ok(bytes)
    }
}

fn io(path: &Path, e: std::io::Error) -> StoreError {
    StoreError::Database(format!("{}: {e}", path.display()))
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;

    #[test]
    fn files_are_stored_once_by_content_and_read_back() {
        let dir = tempfile::tempdir().unwrap();
        let files = FileStore::new(dir.path().to_path_buf(), None);
        let a = files.put(b"a photo").unwrap();
        assert_eq!(
            files.put(b"a photo").unwrap(),
            a,
            "the same content is the same file"
        );
        assert_eq!(files.get(&a).unwrap(), b"a photo");
        assert!(matches!(
            files.get(&"0".repeat(64)),
            Err(StoreError::NotFound)
        ));
        assert!(matches!(
            files.get("../../etc/passwd"),
            Err(StoreError::NotFound)
        ));
    }

    #[test]
    fn with_a_key_files_are_encrypted_on_disk() {
        let dir = tempfile::tempdir().unwrap();
        let files = FileStore::new(dir.path().to_path_buf(), Some("secret key"));
        let hash = files.put(b"a recording of the interview").unwrap();
        let on_disk = std::fs::read(dir.path().join(&hash[..2]).join(&hash)).unwrap();
        assert!(on_disk.starts_with(SEALED));
        assert!(!on_disk.windows(9).any(|w| w == b"recording"));
        assert_eq!(files.get(&hash).unwrap(), b"a recording of the interview");
        let wrong = FileStore::new(dir.path().to_path_buf(), Some("another key"));
        assert!(wrong.get(&hash).is_err());
        let none = FileStore::new(dir.path().to_path_buf(), None);
        assert!(none.get(&hash).is_err());
    }

    #[test]
    fn files_stored_in_plain_are_sealed_once_a_key_comes_and_can_be_removed() {
        let dir = tempfile::tempdir().unwrap();
        let plain = FileStore::new(dir.path().to_path_buf(), None);
        // A plain file that happens to start like a sealed one still reads back.
        let odd = plain.put(b"RFE1 is how this note starts").unwrap();
        assert_eq!(plain.get(&odd).unwrap(), b"RFE1 is how this note starts");
        let photo = plain.put(b"a photo taken before encryption").unwrap();
        let keyed = FileStore::new(dir.path().to_path_buf(), Some("secret key"));
        assert_eq!(keyed.seal_all().unwrap(), 2);
        let on_disk = std::fs::read(dir.path().join(&photo[..2]).join(&photo)).unwrap();
        assert!(on_disk.starts_with(SEALED));
        assert_eq!(
            keyed.get(&photo).unwrap(),
            b"a photo taken before encryption"
        );
        keyed.remove(&photo).unwrap();
        assert!(matches!(keyed.get(&photo), Err(StoreError::NotFound)));
        keyed.remove(&photo).unwrap();
    }
}
