//! The OpenRosa documents: the form list, the manifest and the message body.

use std::fmt::Write as _;

use app::field::{DeviceForm, MediaFile};
use forms::xform::esc;

/// A path segment, percent-encoded.
pub fn path_segment(s: &str) -> String {
    crate::auth::urlencode(s).replace('/', "%2F")
}

/// The form list (OpenRosa form list API, `xformsList`).
pub fn form_list(base: &str, forms: &[DeviceForm]) -> String {
    let mut x = String::from(
        "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<xforms xmlns=\"http://openrosa.org/xforms/xformsList\">",
    );
    for f in forms {
        let (id, version) = (&f.info.form_id, &f.info.version);
        let form_url = format!(
            "{base}/forms/{}/{}",
            path_segment(id),
            path_segment(version)
        );
        let _ = write!(
            x,
            "<xform><formID>{}</formID><name>{}</name><version>{}</version>\
             <hash>md5:{}</hash><downloadUrl>{}.xml</downloadUrl>\
             <manifestUrl>{}/manifest</manifestUrl></xform>",
            esc(id),
            esc(&f.info.title),
            esc(version),
            f.md5,
            esc(&form_url),
            esc(&form_url),
        );
    }
    x.push_str("</xforms>\n");
    x
}

/// A form's manifest (`xformsManifest`): each file with its hash and address.
pub fn manifest(files_url: &str, files: &[MediaFile]) -> String {
    let mut x = String::from(
        "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<manifest xmlns=\"http://openrosa.org/xforms/xformsManifest\">",
    );
    for f in files {
        let _ = write!(
            x,
            "<mediaFile><filename>{}</filename><hash>md5:{}</hash>\
             <downloadUrl>{}/{}</downloadUrl></mediaFile>",
            esc(&f.name),
            f.md5,
            esc(files_url),
            esc(&path_segment(&f.name)),
        );
    }
    x.push_str("</manifest>\n");
    x
}

/// The OpenRosa response body with one message; `nature` is `submit_success` or `error`.
pub fn message(nature: &str, text: &str) -> String {
    format!(
        "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<OpenRosaResponse xmlns=\"http://openrosa.org/http/response\">\
         <message nature=\"{nature}\">{}</message></OpenRosaResponse>\n",
        esc(text)
    )
}
