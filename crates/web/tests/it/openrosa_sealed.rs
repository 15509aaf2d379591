//! An encrypted form: a device encrypts its submission as ODK Collect does for a form with a
//! public key; the server keeps it unreadable (nothing on the case), recognises it sent again,
//! and files it on the case only when the key holder decrypts it. A submission encrypted for a
//! form without a key is refused.

use aes::cipher::{AsyncStreamCipher, KeyIvInit};
use base64::Engine as _;
use md5::{Digest, Md5};
use reqwest::multipart::{Form, Part};
use rsa::pkcs8::DecodePublicKey;
use rsa::{Oaep, RsaPublicKey};

use crate::common::*;
use crate::openrosa::{instance_of, start};

const PRIVATE: &str = include_str!("fixtures/field-form-key.pem");
const PUBLIC: &str = include_str!("fixtures/field-form-key.pub.b64");

type Aes256CfbEnc = cfb_mode::Encryptor<aes::Aes256>;

/// An XLSForm whose settings carry the public key.
fn sealed_form() -> Vec<u8> {
    let survey = "type,name,label\ntext,visit_note,What was discussed\n";
    let settings = format!(
        "form_id,version,form_title,public_key\nsealed_visit,1,Sealed visit,{}\n",
        PUBLIC.trim()
    );
    let book = forms::text::read(&[("survey", survey), ("settings", &settings)]).unwrap();
    let form = forms::xlsform::read(&book, "sealed_visit").unwrap();
    forms::export_xlsx(&form).unwrap()
}

/// What ODK Collect sends for an encrypted form: the manifest, and the instance encrypted.
fn seal(xml: &str, (form_id, version): (&str, &str), instance_id: &str) -> Form {
    let b64 = base64::engine::general_purpose::STANDARD;
    let public = RsaPublicKey::from_public_key_der(&b64.decode(PUBLIC.trim()).unwrap()).unwrap();
    let mut rng = rsa::rand_core::OsRng;
    let key: Vec<u8> = [uuid::Uuid::new_v4(), uuid::Uuid::new_v4()]
        .iter()
        .flat_map(|u| *u.as_bytes())
        .collect();
    let sealed_key = b64.encode(
        public
            .encrypt(&mut rng, Oaep::new::<sha2::Sha256>(), &key)
            .unwrap(),
    );
    // The instance is the only file: its IV is the seed with its first byte incremented.
    let mut iv: [u8; 16] = Md5::new()
        .chain_update(instance_id.as_bytes())
        .chain_update(&key)
        .finalize()
        .into();
    iv[0] = iv[0].wrapping_add(1);
    let mut data = xml.as_bytes().to_vec();
    let pad = 16 - data.len() % 16;
    data.extend(std::iter::repeat_n(pad as u8, pad));
    Aes256CfbEnc::new(key.as_slice().into(), &iv.into()).encrypt(&mut data);
    let md5_hex = |b: &[u8]| {
        Md5::digest(b)
            .iter()
            .map(|x| format!("{x:02x}"))
            .collect::<String>()
    };
    let signed = format!(
        "{form_id}\n{version}\n{sealed_key}\n{instance_id}\nsubmission.xml::{}\n",
        md5_hex(xml.as_bytes())
    );
    let signature = b64.encode(
        public
            .encrypt(
                &mut rng,
                Oaep::new::<sha2::Sha256>(),
                &Md5::digest(signed.as_bytes()),
            )
            .unwrap(),
    );
    let manifest = format!(
        r#"<data xmlns="http://opendatakit.org/submissions" id="{form_id}" version="{version}" encrypted="yes"><base64EncryptedKey>{sealed_key}</base64EncryptedKey><encryptedXmlFile>submission.xml.enc</encryptedXmlFile><base64EncryptedElementSignature>{signature}</base64EncryptedElementSignature><meta xmlns="http://openrosa.org/xforms"><instanceID>{instance_id}</instanceID></meta></data>"#
    );
    Form::new()
        .part(
            "xml_submission_file",
            Part::bytes(manifest.into_bytes()).file_name("submission.xml"),
        )
        .part(
            "submission.xml.enc",
            Part::bytes(data).file_name("submission.xml.enc"),
        )
}

#[tokio::test]
async fn an_encrypted_submission_is_kept_unreadable_until_decrypted() {
    let f = start().await;
    let pm = f.app.signed_in("pm.dakar").await;
    let token = api_token(&pm).await;
    let upload = Form::new().part("file", Part::bytes(sealed_form()).file_name("sealed.xlsx"));
    let res = f
        .http
        .post(f.app.url("/api/v1/forms"))
        .bearer_auth(&token)
        .multipart(upload)
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 201, "{}", res.text().await.unwrap());
    let res = f
        .http
        .post(f.app.url("/api/v1/forms/sealed_visit/versions/1/publish"))
        .bearer_auth(&token)
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 200);

    // The device's form carries the key; what it sends is encrypted.
    let xform = f
        .http
        .get(format!("{}/forms/sealed_visit/1.xml", f.device))
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(xform.contains("base64RsaPublicKey"), "{xform}");
    let answers = [
        ("reintegra_case", f.case_number.as_str()),
        ("visit_note", "Met at home; the shop is open"),
    ];
    let xml = instance_of(&xform, &answers, &[], "uuid:sealed-1");
    let (status, body) = f
        .submit(
            &f.device,
            seal(&xml, ("sealed_visit", "1"), "uuid:sealed-1"),
        )
        .await;
    assert_eq!(status, 201, "{body}");
    assert!(body.contains("encrypted"), "{body}");
    let (status, _) = f
        .submit(
            &f.device,
            seal(&xml, ("sealed_visit", "1"), "uuid:sealed-1"),
        )
        .await;
    assert_eq!(status, 202, "received once");
    let case_subs = |f: &crate::openrosa::Field| {
        let store = f.app.store.clone();
        let id = f.case_id.parse().unwrap();
        async move {
            store
                .submissions_for(store::Subject::Case(id))
                .await
                .unwrap()
        }
    };
    assert!(case_subs(&f).await.is_empty(), "unreadable until decrypted");

    // Encrypted for a form without a key: refused.
    let (status, body) = f
        .submit(
            &f.device,
            seal(&xml, ("field_visit", "2026.1"), "uuid:sealed-2"),
        )
        .await;
    assert_eq!(status, 400, "{body}");

    // The key holder decrypts on the page, giving the key for this request only: the visit
    // lands on the case as its sender's.
    let (status, page) = pm.get_text("/forms-encrypted").await;
    assert_eq!(status, 200);
    assert!(page.contains("1 encrypted submissions wait"), "{page}");
    let post_key = |key: &'static str| {
        let csrf = csrf_of(&page);
        let form = Form::new().text("_csrf", csrf).part(
            "file",
            Part::bytes(key.as_bytes().to_vec()).file_name("key.pem"),
        );
        pm.http
            .post(f.app.url("/forms-encrypted"))
            .multipart(form)
            .send()
    };
    let res = post_key("not a key").await.unwrap();
    assert_eq!(res.status(), 422);
    assert!(res.text().await.unwrap().contains("not an RSA private key"));
    let res = post_key(PRIVATE).await.unwrap();
    assert_eq!(res.status(), 200);
    let done = res.text().await.unwrap();
    assert!(
        done.contains("uuid:sealed-1: decrypted and filed on its case"),
        "{done}"
    );
    assert!(done.contains("0 encrypted submissions wait"), "{done}");
    let core = app::App::new(f.app.store.clone());
    let key = app::field::private_key(PRIVATE).unwrap();
    let subs = case_subs(&f).await;
    assert_eq!(subs.len(), 1);
    assert_eq!(subs[0].interviewer_name, "cm.dakar name");
    let answers: serde_json::Value = serde_json::from_str(&subs[0].answers).unwrap();
    assert_eq!(answers["visit_note"], "Met at home; the shop is open");
    assert!(
        app::field::decrypt_waiting(&core, &key)
            .await
            .unwrap()
            .is_empty(),
        "nothing left to decrypt"
    );
    let (status, _) = f
        .submit(
            &f.device,
            seal(&xml, ("sealed_visit", "1"), "uuid:sealed-1"),
        )
        .await;
    assert_eq!(status, 202, "the decrypted instance sent again");
}
