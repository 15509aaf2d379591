//! Encrypted field submissions. A form version with a `public_key` setting is encrypted on the
//! device when it is finalised, as the ODK XForms encryption specification describes: a fresh
//! 256-bit key encrypts the instance and each file (AES-256-CFB, PKCS#7 padding, a per-file IV
//! derived from the MD5 of the instance id and the key), and the form's RSA public key
//! encrypts that key (OAEP with SHA-256). The server keeps what arrives, unreadable, and never
//! holds the private key: `reintegra forms decrypt --key FILE` decrypts what is waiting, checks
//! its signature, and receives each as the device's user sent it, through the same receipt as
//! any other submission.

use std::collections::BTreeMap;

use aes::cipher::{AsyncStreamCipher, KeyIvInit};
use base64::Engine as _;
use domain::authz::{Action, Actor, Resource, authorize};
use forms::xform::sealed::SealedManifest;
use md5::{Digest, Md5};
use rsa::pkcs1::DecodeRsaPrivateKey;
use rsa::pkcs8::DecodePrivateKey;
use rsa::{Oaep, RsaPrivateKey};
use store::{AuditContext, FormVersion, InstanceSeen, SealedSubmission};

use super::receive::{FieldPost, Received, Refusal, keep_parts, receive_post};
use crate::{App, Error};

type Aes256CfbDec = cfb_mode::Decryptor<aes::Aes256>;

/// Keeps an encrypted submission once all its files have come (the last of several posts).
pub(super) async fn receive_sealed(
    app: &App,
    actor: &Actor,
    version: &FormVersion,
    m: SealedManifest,
    post: FieldPost,
) -> Result<Result<Received, Refusal>, Error> {
    let form: forms::Form = serde_json::from_str(&version.definition).map_err(Error::internal)?;
    let has_key = form
        .settings
        .extra
        .iter()
        .any(|(k, v)| k.eq_ignore_ascii_case("public_key") && !v.trim().is_empty());
    if !has_key {
        return Ok(Err(Refusal::NotEncryptedForm));
    }
    match app.store.instance_seen(&m.instance_id).await? {
        Some(InstanceSeen::Stored(id)) => return Ok(Ok(Received::AlreadyStored(id))),
        Some(InstanceSeen::Held) => return Ok(Ok(Received::AlreadyHeld)),
        Some(InstanceSeen::Sealed) => return Ok(Ok(Received::AlreadySealed)),
        None => {}
    }
    if post.incomplete {
        keep_parts(app, &post.files, &m.instance_id, post.token).await?;
        return Ok(Ok(Received::PartKept));
    }
    let kept = app.store.field_parts(&m.instance_id, post.token).await?;
    let mut files = BTreeMap::new();
    let mut total = 0u64;
    for name in std::iter::once(&m.xml_file).chain(&m.media) {
        let sha256 = match post.files.iter().find(|(n, _)| n == name) {
            Some((_, bytes)) => {
                if bytes.len() > crate::attachments::MAX_FILE_BYTES {
                    return Ok(Err(Refusal::File(name.clone(), "file-too-large")));
                }
                total += bytes.len() as u64;
                app.store.put_file(bytes.clone()).await?
            }
            None => match kept.iter().find(|p| &p.name == name) {
                Some(p) => {
                    total += p.size;
                    p.sha256.clone()
                }
                None => return Ok(Err(Refusal::File(name.clone(), "file-not-attached"))),
            },
        };
        if total > crate::attachments::MAX_SUBMISSION_BYTES {
            return Ok(Err(Refusal::File(name.clone(), "files-too-large")));
        }
        files.insert(name.clone(), sha256);
    }
    let sealed = SealedSubmission {
        id: uuid::Uuid::new_v4(),
        instance_id: m.instance_id.clone(),
        token: Some(post.token),
        user: actor.user_id,
        form_id: version.info.form_id.clone(),
        form_version: version.info.version.clone(),
        manifest: manifest_xml(&m),
        files: serde_json::to_string(&files).map_err(Error::internal)?,
        received_at: app.now(),
    };
    let kept_now = app
        .store
        .seal_field_submission(sealed, AuditContext::by(actor.user_id, app.now()))
        .await?;
    Ok(Ok(if kept_now {
        Received::Sealed
    } else {
        Received::AlreadySealed
    }))
}

/// The manifest kept, rebuilt from what was read of it (what decryption needs).
fn manifest_xml(m: &SealedManifest) -> String {
    serde_json::json!({
        "form_id": m.form_id, "version": m.version, "instance_id": m.instance_id,
        "encrypted_key": m.encrypted_key, "xml_file": m.xml_file, "media": m.media,
        "signature": m.signature,
    })
    .to_string()
}

fn manifest_of(stored: &str) -> Option<SealedManifest> {
    let v: serde_json::Value = serde_json::from_str(stored).ok()?;
    let text = |k: &str| v[k].as_str().map(str::to_string);
    Some(SealedManifest {
        form_id: text("form_id")?,
        version: text("version")?,
        instance_id: text("instance_id")?,
        encrypted_key: text("encrypted_key")?,
        xml_file: text("xml_file")?,
        media: v["media"]
            .as_array()?
            .iter()
            .filter_map(|m| m.as_str().map(str::to_string))
            .collect(),
        signature: text("signature")?,
    })
}

/// What became of one encrypted submission when decrypting.
#[derive(Debug)]
pub struct Unsealed {
    pub instance_id: String,
    /// Received (stored, held or already there), or why not: it then stays encrypted.
    pub outcome: Result<Received, String>,
}

/// Reads a private key in PEM (PKCS#8 or PKCS#1).
pub fn private_key(pem: &str) -> Result<RsaPrivateKey, String> {
    RsaPrivateKey::from_pkcs8_pem(pem)
        .or_else(|_| RsaPrivateKey::from_pkcs1_pem(pem))
        .map_err(|_| "the file is not an RSA private key in PEM".to_string())
}

/// How many encrypted submissions wait for their key holder.
pub async fn waiting(app: &App, actor: &Actor) -> Result<usize, Error> {
    authorize(actor, Action::ManageForms, Resource::Programme)?;
    Ok(app.store.sealed_submissions().await?.len())
}

/// Decrypts the waiting submissions with a private key given for this request only (a key
/// holder's upload): the key is read here, used, and dropped; never stored nor logged. `Err`
/// says why the text is not a key.
pub async fn decrypt_with(
    app: &App,
    actor: &Actor,
    pem: &str,
) -> Result<Result<Vec<Unsealed>, String>, Error> {
    authorize(actor, Action::ManageForms, Resource::Programme)?;
    let key = match private_key(pem) {
        Ok(k) => k,
        Err(why) => return Ok(Err(why)),
    };
    Ok(Ok(decrypt_waiting(app, &key).await?))
}

/// Decrypts every encrypted submission waiting with `key` and receives each as its sender's.
/// The key is used here and never stored. One that cannot be decrypted with this key, or
/// whose receipt is refused, stays waiting.
pub async fn decrypt_waiting(app: &App, key: &RsaPrivateKey) -> Result<Vec<Unsealed>, Error> {
    let mut out = Vec::new();
    for s in app.store.sealed_submissions().await? {
        let outcome = unseal_one(app, key, &s).await?;
        out.push(Unsealed {
            instance_id: s.instance_id,
            outcome,
        });
    }
    Ok(out)
}

async fn unseal_one(
    app: &App,
    key: &RsaPrivateKey,
    s: &SealedSubmission,
) -> Result<Result<Received, String>, Error> {
    let Some(m) = manifest_of(&s.manifest) else {
        return Ok(Err("the kept manifest is unreadable".into()));
    };
    let names: BTreeMap<String, String> =
        serde_json::from_str(&s.files).map_err(Error::internal)?;
    let mut sealed_files = BTreeMap::new();
    for (name, sha256) in &names {
        sealed_files.insert(name.clone(), app.store.read_file(sha256).await?);
    }
    let clear = match open(key, &m, &sealed_files) {
        Ok(c) => c,
        Err(why) => return Ok(Err(why)),
    };
    let user = app.store.user(s.user).await?;
    let actor = Actor {
        user_id: user.id,
        role: user.role,
        office: user.office,
        organisation: user.organisation,
    };
    let post = FieldPost {
        token: s.token.unwrap_or_default(),
        xml: clear.xml,
        files: clear.media,
        incomplete: false,
    };
    let lang = user.preferred_language.unwrap_or_else(|| "en".into());
    Ok(match receive_post(app, &actor, post, &lang, true).await? {
        Ok(received) => {
            app.store
                .unseal_field_submission(s.id, AuditContext::system(app.now(), "decrypt"))
                .await?;
            Ok(received)
        }
        Err(refusal) => Err(format!("{refusal:?}")),
    })
}

/// A decrypted submission: the instance and its media, by their names in clear.
struct Clear {
    xml: Vec<u8>,
    media: Vec<(String, Vec<u8>)>,
}

/// Decrypts a submission's key and files and checks its signature.
fn open(
    key: &RsaPrivateKey,
    m: &SealedManifest,
    files: &BTreeMap<String, Vec<u8>>,
) -> Result<Clear, String> {
    let b64 = base64::engine::general_purpose::STANDARD;
    let sealed_key = b64
        .decode(m.encrypted_key.trim())
        .map_err(|_| "the encrypted key is not base64")?;
    let aes_key = key
        .decrypt(Oaep::new::<sha2::Sha256>(), &sealed_key)
        .map_err(|_| "this private key does not open this submission")?;
    if aes_key.len() != 32 {
        return Err("the submission's key is not a 256-bit key".into());
    }
    // Files are numbered in the manifest's order, the instance last; each one's IV is the
    // seed with one more byte incremented.
    let mut seed: [u8; 16] = Md5::new()
        .chain_update(m.instance_id.as_bytes())
        .chain_update(&aes_key)
        .finalize()
        .into();
    let mut next_iv = |i: usize| {
        seed[i % 16] = seed[i % 16].wrapping_add(1);
        seed
    };
    let decrypt = |name: &str, iv: [u8; 16]| -> Result<Vec<u8>, String> {
        let mut data = files
            .get(name)
            .cloned()
            .ok_or_else(|| format!("{name} is missing"))?;
        Aes256CfbDec::new(aes_key.as_slice().into(), &iv.into()).decrypt(&mut data);
        unpad(data).ok_or_else(|| format!("{name} does not decrypt with this key"))
    };
    let mut media = Vec::new();
    for (i, name) in m.media.iter().enumerate() {
        let clear = decrypt(name, next_iv(i))?;
        media.push((clear_name(name), clear));
    }
    let xml = decrypt(&m.xml_file, next_iv(m.media.len()))?;
    // The signature: the MD5 of what the client saw, encrypted with the same public key.
    let mut signed = format!(
        "{}\n{}\n{}\n{}\n",
        m.form_id, m.version, m.encrypted_key, m.instance_id
    );
    for (name, bytes) in &media {
        signed.push_str(&format!("{name}::{}\n", super::md5_hex(bytes)));
    }
    signed.push_str(&format!(
        "{}::{}\n",
        clear_name(&m.xml_file),
        super::md5_hex(&xml)
    ));
    let expected = b64
        .decode(m.signature.trim())
        .ok()
        .and_then(|s| key.decrypt(Oaep::new::<sha2::Sha256>(), &s).ok())
        .ok_or("the signature does not open with this key")?;
    if expected.as_slice() != Md5::digest(signed.as_bytes()).as_slice() {
        return Err("the signature does not match: the submission was altered".into());
    }
    Ok(Clear { xml, media })
}

/// `photo.jpg` from `photo.jpg.enc`.
fn clear_name(name: &str) -> String {
    name.strip_suffix(".enc").unwrap_or(name).to_string()
}

/// Takes PKCS#7 padding off; `None` when it is not valid padding (a wrong key, or damage).
fn unpad(mut data: Vec<u8>) -> Option<Vec<u8>> {
    let n = usize::from(*data.last()?);
    if n == 0
        || n > 16
        || n > data.len()
        || !data[data.len() - n..].iter().all(|b| usize::from(*b) == n)
    {
        return None;
    }
    data.truncate(data.len() - n);
    Some(data)
}
