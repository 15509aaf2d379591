//! The hand-over packet: its content, signed with the sending instance's Ed25519 key and
//! encrypted to the receiving instance's X25519 key with HPKE (RFC 9180, base mode,
//! DHKEM(X25519, HKDF-SHA256), HKDF-SHA256, ChaCha20-Poly1305). The header (who from, to whom,
//! the packet's id and validity) is bound to the ciphertext as associated data and covered by
//! the signature, so that no part of a packet can be changed unnoticed.

use base64::Engine;
use base64::engine::general_purpose::STANDARD as B64;
use ed25519_dalek::{Signer, Verifier};
use hpke::aead::ChaCha20Poly1305;
use hpke::kdf::HkdfSha256;
use hpke::kem::X25519HkdfSha256;
use hpke::{Deserializable, Kem, OpModeR, OpModeS, Serializable};
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};
use store::{InstanceKeys, TrustedPartner};

/// The packet format's name; a packet of another format is refused.
pub const FORMAT: &str = "reintegra-handover/1";
/// The public key file's format name.
pub const KEY_FORMAT: &str = "reintegra-instance-key/1";
/// A packet larger than this is refused before it is read.
pub const MAX_PACKET_BYTES: usize = 8 * 1024 * 1024;
const HPKE_INFO: &[u8] = b"reintegra case hand-over v1";

/// The name of a pair of public keys: the first 16 bytes of their SHA-256, in hex, so that
/// two people can read it to each other over the phone to check a key file.
pub fn key_id(signing: &[u8; 32], encryption: &[u8; 32]) -> String {
    let mut h = Sha256::new();
    h.update(signing);
    h.update(encryption);
    h.finalize()[..16]
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect::<Vec<_>>()
        .chunks(2)
        .map(|c| c.concat())
        .collect::<Vec<_>>()
        .join("-")
}

/// New random keys for an instance.
pub fn new_keys(organisation: &str) -> InstanceKeys {
    let ikm: [u8; 32] = rand::random();
    let (sk, _) = X25519HkdfSha256::derive_keypair(&ikm);
    let mut encryption_secret = [0u8; 32];
    encryption_secret.copy_from_slice(&sk.to_bytes());
    InstanceKeys {
        organisation: organisation.to_string(),
        signing_secret: rand::random(),
        encryption_secret,
    }
}

/// An instance's public keys, as given to partners out of band.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct PublicKeyFile {
    pub format: String,
    pub organisation: String,
    /// Ed25519, base64.
    pub signing_key: String,
    /// X25519, base64.
    pub encryption_key: String,
}

fn public_halves(keys: &InstanceKeys) -> Result<([u8; 32], [u8; 32]), PacketError> {
    let signing = ed25519_dalek::SigningKey::from_bytes(&keys.signing_secret)
        .verifying_key()
        .to_bytes();
    let sk = <X25519HkdfSha256 as Kem>::PrivateKey::from_bytes(&keys.encryption_secret)
        .map_err(|_| PacketError::Unreadable)?;
    let mut encryption = [0u8; 32];
    encryption.copy_from_slice(&X25519HkdfSha256::sk_to_pk(&sk).to_bytes());
    Ok((signing, encryption))
}

/// This instance's key id.
pub fn own_key_id(keys: &InstanceKeys) -> Result<String, PacketError> {
    let (s, e) = public_halves(keys)?;
    Ok(key_id(&s, &e))
}

pub fn public_key_file(keys: &InstanceKeys) -> Result<PublicKeyFile, PacketError> {
    let (s, e) = public_halves(keys)?;
    Ok(PublicKeyFile {
        format: KEY_FORMAT.into(),
        organisation: keys.organisation.clone(),
        signing_key: B64.encode(s),
        encryption_key: B64.encode(e),
    })
}

fn key32(text: &str) -> Option<[u8; 32]> {
    B64.decode(text.trim()).ok()?.try_into().ok()
}

/// Reads a partner's public key file; `None` when it is not one.
pub fn read_key_file(text: &str) -> Option<TrustedPartner> {
    if text.len() > 16 * 1024 {
        return None;
    }
    let file: PublicKeyFile = serde_json::from_str(text).ok()?;
    if file.format != KEY_FORMAT {
        return None;
    }
    let signing_key = key32(&file.signing_key)?;
    let encryption_key = key32(&file.encryption_key)?;
    ed25519_dalek::VerifyingKey::from_bytes(&signing_key).ok()?;
    <X25519HkdfSha256 as Kem>::PublicKey::from_bytes(&encryption_key).ok()?;
    let organisation = file.organisation.trim().to_string();
    if organisation.is_empty() || organisation.chars().count() > 200 {
        return None;
    }
    Some(TrustedPartner {
        key_id: key_id(&signing_key, &encryption_key),
        organisation,
        signing_key,
        encryption_key,
        added_at: time::OffsetDateTime::UNIX_EPOCH,
    })
}

/// What a packet says of itself, in the clear.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Header {
    pub format: String,
    pub packet_id: uuid::Uuid,
    /// The sender's key id.
    pub from: String,
    pub from_organisation: String,
    /// The recipient's key id.
    pub to: String,
    /// Unix seconds.
    pub created_at: i64,
    pub expires_at: i64,
}

impl Header {
    fn bytes(&self) -> Vec<u8> {
        serde_json::to_vec(self).unwrap_or_default()
    }
}

/// A packet as written to a file.
#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct Envelope {
    pub header: Header,
    /// The HPKE encapsulated key, base64.
    pub enc: String,
    /// The encrypted content, base64.
    pub ciphertext: String,
    /// Ed25519 over the header, the encapsulated key and the ciphertext, base64.
    pub signature: String,
}

fn signed_bytes(header: &Header, enc: &[u8], ciphertext: &[u8]) -> Vec<u8> {
    let mut m = header.bytes();
    for part in [enc, ciphertext] {
        m.extend_from_slice(&(part.len() as u64).to_be_bytes());
        m.extend_from_slice(part);
    }
    m
}

/// Why a packet is refused.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum PacketError {
    /// Not a packet, or larger than [`MAX_PACKET_BYTES`].
    Unreadable,
    /// Addressed to another instance.
    NotForUs,
    /// From an instance not on the trusted-partner list.
    UnknownSender,
    /// The signature does not match: changed on the way, or not made by the named sender.
    Tampered,
    Expired,
}

/// Seals `content` for `to`.
pub fn seal(
    keys: &InstanceKeys,
    to: &TrustedPartner,
    packet_id: uuid::Uuid,
    now: time::OffsetDateTime,
    valid_days: i64,
    content: &[u8],
) -> Result<Vec<u8>, PacketError> {
    let header = Header {
        format: FORMAT.into(),
        packet_id,
        from: own_key_id(keys)?,
        from_organisation: keys.organisation.clone(),
        to: to.key_id.clone(),
        created_at: now.unix_timestamp(),
        expires_at: (now + time::Duration::days(valid_days)).unix_timestamp(),
    };
    let pk = <X25519HkdfSha256 as Kem>::PublicKey::from_bytes(&to.encryption_key)
        .map_err(|_| PacketError::Unreadable)?;
    let (enc, ciphertext) =
        hpke::single_shot_seal::<ChaCha20Poly1305, HkdfSha256, X25519HkdfSha256>(
            &OpModeS::Base,
            &pk,
            HPKE_INFO,
            content,
            &header.bytes(),
        )
        .map_err(|_| PacketError::Unreadable)?;
    let enc = enc.to_bytes().to_vec();
    let signature = ed25519_dalek::SigningKey::from_bytes(&keys.signing_secret)
        .sign(&signed_bytes(&header, &enc, &ciphertext));
    let envelope = Envelope {
        header,
        enc: B64.encode(&enc),
        ciphertext: B64.encode(&ciphertext),
        signature: B64.encode(signature.to_bytes()),
    };
    serde_json::to_vec_pretty(&envelope).map_err(|_| PacketError::Unreadable)
}

/// Checks and opens a packet: addressed to this instance, from a trusted partner, signed by
/// it, unchanged and not expired. Whether it was received before is the caller's check.
pub fn open(
    keys: &InstanceKeys,
    partners: &[TrustedPartner],
    bytes: &[u8],
    now: time::OffsetDateTime,
) -> Result<(Header, TrustedPartner, Vec<u8>), PacketError> {
    if bytes.len() > MAX_PACKET_BYTES {
        return Err(PacketError::Unreadable);
    }
    let envelope: Envelope = serde_json::from_slice(bytes).map_err(|_| PacketError::Unreadable)?;
    let header = envelope.header;
    if header.format != FORMAT {
        return Err(PacketError::Unreadable);
    }
    if header.to != own_key_id(keys)? {
        return Err(PacketError::NotForUs);
    }
    let sender = partners
        .iter()
        .find(|p| p.key_id == header.from)
        .ok_or(PacketError::UnknownSender)?;
    let decode = |s: &str| B64.decode(s).map_err(|_| PacketError::Tampered);
    let enc = decode(&envelope.enc)?;
    let ciphertext = decode(&envelope.ciphertext)?;
    let signature: [u8; 64] = decode(&envelope.signature)?
        .try_into()
        .map_err(|_| PacketError::Tampered)?;
    ed25519_dalek::VerifyingKey::from_bytes(&sender.signing_key)
        .map_err(|_| PacketError::UnknownSender)?
        .verify(
            &signed_bytes(&header, &enc, &ciphertext),
            &ed25519_dalek::Signature::from_bytes(&signature),
        )
        .map_err(|_| PacketError::Tampered)?;
    if now.unix_timestamp() > header.expires_at {
        return Err(PacketError::Expired);
    }
    let sk = <X25519HkdfSha256 as Kem>::PrivateKey::from_bytes(&keys.encryption_secret)
        .map_err(|_| PacketError::Unreadable)?;
    let enc = <X25519HkdfSha256 as Kem>::EncappedKey::from_bytes(&enc)
        .map_err(|_| PacketError::Tampered)?;
    let content = hpke::single_shot_open::<ChaCha20Poly1305, HkdfSha256, X25519HkdfSha256>(
        &OpModeR::Base,
        &sk,
        &enc,
        HPKE_INFO,
        &ciphertext,
        &header.bytes(),
    )
    .map_err(|_| PacketError::Tampered)?;
    Ok((header, sender.clone(), content))
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;

    fn partner_of(keys: &InstanceKeys) -> TrustedPartner {
        let file = serde_json::to_string(&public_key_file(keys).unwrap()).unwrap();
        read_key_file(&file).unwrap()
    }

    #[test]
    fn a_packet_opens_only_for_its_recipient_from_a_trusted_sender_unchanged_and_in_time() {
        let (host, origin, third) = (new_keys("Host"), new_keys("Origin"), new_keys("Third"));
        let now = time::OffsetDateTime::now_utc();
        let id = uuid::Uuid::new_v4();
        let packet = seal(&host, &partner_of(&origin), id, now, 30, b"the content").unwrap();
        assert!(!String::from_utf8_lossy(&packet).contains("the content"));

        let trusted = [partner_of(&host)];
        let (header, from, content) = open(&origin, &trusted, &packet, now).unwrap();
        assert_eq!(
            (header.packet_id, content.as_slice()),
            (id, &b"the content"[..])
        );
        assert_eq!(from.organisation, "Host");

        assert_eq!(
            open(&third, &trusted, &packet, now).unwrap_err(),
            PacketError::NotForUs
        );
        assert_eq!(
            open(&origin, &[], &packet, now).unwrap_err(),
            PacketError::UnknownSender
        );
        let later = now + time::Duration::days(31);
        assert_eq!(
            open(&origin, &trusted, &packet, later).unwrap_err(),
            PacketError::Expired
        );

        // Any change, to the content or to the header, is caught.
        let mut env: Envelope = serde_json::from_slice(&packet).unwrap();
        let mut ct = B64.decode(&env.ciphertext).unwrap();
        ct[3] ^= 1;
        env.ciphertext = B64.encode(ct);
        let changed = serde_json::to_vec(&env).unwrap();
        assert_eq!(
            open(&origin, &trusted, &changed, now).unwrap_err(),
            PacketError::Tampered
        );
        let mut env: Envelope = serde_json::from_slice(&packet).unwrap();
        env.header.expires_at += 3600 * 24 * 365;
        let changed = serde_json::to_vec(&env).unwrap();
        assert_eq!(
            open(&origin, &trusted, &changed, now).unwrap_err(),
            PacketError::Tampered
        );
        assert_eq!(
            open(&origin, &trusted, b"{}", now).unwrap_err(),
            PacketError::Unreadable
        );
    }

    #[test]
    fn a_key_file_names_its_keys_and_refuses_what_is_not_one() {
        let keys = new_keys("IOM Dakar");
        let partner = partner_of(&keys);
        assert_eq!(partner.key_id, own_key_id(&keys).unwrap());
        assert_eq!(partner.key_id.len(), 39, "{}", partner.key_id);
        assert!(read_key_file("not json").is_none());
        assert!(read_key_file(r#"{"format":"reintegra-instance-key/1","organisation":"X","signing_key":"AA==","encryption_key":"AA=="}"#).is_none());
    }
}
