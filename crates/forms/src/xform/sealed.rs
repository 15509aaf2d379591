//! The manifest of an encrypted submission (ODK's encryption of a form with a `public_key`):
//! the client encrypts the filled instance and its files with a fresh symmetric key, encrypts
//! that key with the form's public key, and sends this manifest in the instance's place. The
//! server reads only the manifest; the answers stay unreadable until a key holder decrypts them.

use super::instance::{InstanceError, MAX_INSTANCE_BYTES};

/// What an encrypted submission's manifest says.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct SealedManifest {
    pub form_id: String,
    pub version: String,
    pub instance_id: String,
    /// The symmetric key, encrypted with the form's public key (base64).
    pub encrypted_key: String,
    /// The encrypted instance's file name (`submission.xml.enc`).
    pub xml_file: String,
    /// The encrypted files' names, in order.
    pub media: Vec<String>,
    /// The digest of the whole, encrypted with the form's public key (base64).
    pub signature: String,
}

/// The manifest of an encrypted submission, or `None` for a submission in clear.
pub fn manifest(xml: &[u8]) -> Result<Option<SealedManifest>, InstanceError> {
    if xml.len() > MAX_INSTANCE_BYTES {
        return Err(InstanceError::TooLarge);
    }
    let text = std::str::from_utf8(xml)
        .map_err(|_| InstanceError::NotXml("it is not UTF-8 text".into()))?;
    let options = roxmltree::ParsingOptions {
        allow_dtd: false,
        nodes_limit: 10_000,
        ..roxmltree::ParsingOptions::default()
    };
    let doc = roxmltree::Document::parse_with_options(text, options)
        .map_err(|e| InstanceError::NotXml(e.to_string()))?;
    let root = doc.root_element();
    if root.attribute("encrypted") != Some("yes") {
        return Ok(None);
    }
    let child = |name: &str| {
        root.descendants()
            .find(|n| n.is_element() && n.tag_name().name() == name)
            .and_then(|n| n.text())
            .map(|t| t.trim().to_string())
            .filter(|t| !t.is_empty())
    };
    let form_id = root
        .attribute("id")
        .map(str::trim)
        .filter(|s| !s.is_empty())
        .ok_or(InstanceError::NoFormId)?;
    let unreadable = |what: &str| InstanceError::NotXml(format!("the manifest has no {what}"));
    Ok(Some(SealedManifest {
        form_id: form_id.to_string(),
        version: root.attribute("version").unwrap_or("").trim().to_string(),
        instance_id: child("instanceID").ok_or(InstanceError::NoInstanceId)?,
        encrypted_key: child("base64EncryptedKey").ok_or_else(|| unreadable("key"))?,
        xml_file: child("encryptedXmlFile").ok_or_else(|| unreadable("encrypted file"))?,
        media: root
            .descendants()
            .filter(|n| n.is_element() && n.tag_name().name() == "file")
            .filter_map(|n| n.text().map(|t| t.trim().to_string()))
            .filter(|t| !t.is_empty())
            .collect(),
        signature: child("base64EncryptedElementSignature")
            .ok_or_else(|| unreadable("signature"))?,
    }))
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;

    #[test]
    fn a_manifest_is_read_and_a_clear_instance_is_not_one() {
        let xml = br#"<data xmlns="http://opendatakit.org/submissions" id="visit" encrypted="yes" version="3">
            <base64EncryptedKey>a2V5</base64EncryptedKey><encryptedXmlFile>submission.xml.enc</encryptedXmlFile>
            <media><file>photo.jpg.enc</file></media>
            <base64EncryptedElementSignature>c2ln</base64EncryptedElementSignature>
            <meta xmlns="http://openrosa.org/xforms"><instanceID>uuid:1</instanceID></meta></data>"#;
        let m = manifest(xml).unwrap().unwrap();
        assert_eq!((m.form_id.as_str(), m.version.as_str()), ("visit", "3"));
        assert_eq!(m.instance_id, "uuid:1");
        assert_eq!(m.media, vec!["photo.jpg.enc".to_string()]);
        assert_eq!(
            manifest(br#"<data id="visit"><q>1</q></data>"#).unwrap(),
            None
        );
    }
}
