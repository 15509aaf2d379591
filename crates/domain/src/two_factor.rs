//! Two-step sign-in: after the password, a six-digit code from an authenticator app (TOTP,
//! RFC 6238, the parameters every app understands: SHA-1, 6 digits, 30 seconds), or one of the
//! account's recovery codes when the phone is lost.

use totp_rs::{Algorithm, TOTP};

use crate::Role;

/// Seconds each code lives.
pub const STEP_SECONDS: u64 = 30;
/// Digits of a code.
pub const CODE_DIGITS: usize = 6;
/// Bytes of a new secret (160 bits, as RFC 4226 recommends).
pub const SECRET_BYTES: usize = 20;
/// Recovery codes issued at once; each works one time.
pub const RECOVERY_CODES: usize = 10;
/// How long the code may be asked for after the password was accepted.
pub const SECOND_STEP_LIFETIME: time::Duration = time::Duration::minutes(5);
/// The name authenticator apps show next to the account.
pub const ISSUER: &str = "Reintegra";

fn totp(secret: &[u8], account: &str) -> Option<TOTP> {
    TOTP::new(
        Algorithm::SHA1,
        CODE_DIGITS,
        // Steps either side are checked by `accepted_step`, which also remembers which one.
        0,
        STEP_SECONDS,
        secret.to_vec(),
        Some(ISSUER.to_string()),
        account.to_string(),
    )
    .ok()
}

/// The secret as people type it into an app by hand: RFC 4648 base32 without padding.
pub fn secret_to_text(secret: &[u8]) -> String {
    totp_rs::Secret::Raw(secret.to_vec())
        .to_encoded()
        .to_string()
}

/// The secret back from its text (spaces and case ignored); `None` when it is not base32.
pub fn secret_from_text(text: &str) -> Option<Vec<u8>> {
    let compact: String = text
        .chars()
        .filter(|c| !c.is_whitespace())
        .collect::<String>()
        .to_uppercase();
    totp_rs::Secret::Encoded(compact).to_bytes().ok()
}

/// The secret in groups of four, easier to copy by hand.
pub fn secret_for_reading(secret: &[u8]) -> String {
    let text = secret_to_text(secret);
    text.as_bytes()
        .chunks(4)
        .map(|c| String::from_utf8_lossy(c).into_owned())
        .collect::<Vec<_>>()
        .join(" ")
}

/// The `otpauth://` address an authenticator app reads from the QR code.
pub fn setup_uri(secret: &[u8], account: &str) -> String {
    totp(secret, account)
        .map(|t| t.get_url())
        .unwrap_or_default()
}

/// The code for a moment (seconds since 1970): what the user's app shows.
pub fn code_at(secret: &[u8], unix_seconds: u64) -> String {
    totp(secret, "").map_or_else(String::new, |t| t.generate(unix_seconds))
}

/// The time step a moment falls in.
pub fn step_of(unix_seconds: u64) -> u64 {
    unix_seconds / STEP_SECONDS
}

/// Digits as typed: spaces and dashes removed, Arabic-Indic and Eastern Arabic-Indic digits read
/// as 0–9 (phones in Arabic often type those).
pub fn typed_digits(typed: &str) -> String {
    typed
        .chars()
        .filter(|c| !c.is_whitespace() && *c != '-')
        .map(|c| match c {
            '\u{0660}'..='\u{0669}' => char::from(b'0' + (c as u32 - 0x0660) as u8),
            '\u{06F0}'..='\u{06F9}' => char::from(b'0' + (c as u32 - 0x06F0) as u8),
            c => c,
        })
        .collect()
}

/// Whether what was typed has the shape of an app's code (and not of a recovery code).
pub fn is_app_code(typed: &str) -> bool {
    let d = typed_digits(typed);
    d.len() == CODE_DIGITS && d.bytes().all(|b| b.is_ascii_digit())
}

/// The step whose code was typed, when it is the current step or one either side (a phone's
/// clock may be a little off) and later than `last_step`, the step of the last code accepted:
/// a code seen over someone's shoulder cannot be used again.
pub fn accepted_step(secret: &[u8], typed: &str, unix_seconds: u64, last_step: u64) -> Option<u64> {
    let code = typed_digits(typed);
    if !is_app_code(&code) {
        return None;
    }
    let totp = totp(secret, "")?;
    let now = step_of(unix_seconds);
    [now, now.saturating_sub(1), now + 1]
        .into_iter()
        .filter(|step| *step > last_step)
        // The crate's check compares in constant time.
        .find(|step| totp.check(&code, step * STEP_SECONDS))
}

/// A recovery code as typed, in the form it was issued: lower case, without spaces or dashes.
pub fn typed_recovery_code(typed: &str) -> String {
    typed
        .chars()
        .filter(|c| c.is_ascii_alphanumeric())
        .map(|c| c.to_ascii_lowercase())
        .collect()
}

/// Roles whose accounts must use two-step sign-in, as the programme keeps them (role names
/// separated by commas). Unknown names are ignored.
pub fn parse_required_roles(setting: &str) -> Vec<Role> {
    let mut roles: Vec<Role> = setting
        .split(',')
        .filter_map(|r| r.trim().parse::<Role>().ok())
        .collect();
    roles.sort_by_key(|r| r.as_str());
    roles.dedup();
    roles
}

/// The setting's text for a set of roles.
pub fn required_roles_setting(roles: &[Role]) -> String {
    let mut names: Vec<&str> = roles.iter().map(|r| r.as_str()).collect();
    names.sort_unstable();
    names.dedup();
    names.join(",")
}

#[cfg(test)]
mod tests {
    use super::*;

    // RFC 6238 appendix B: the SHA-1 key "12345678901234567890", 8-digit codes end in these 6.
    const RFC_KEY: &[u8] = b"12345678901234567890";

    #[test]
    fn codes_follow_rfc_6238() {
        assert_eq!(code_at(RFC_KEY, 59), "287082");
        assert_eq!(code_at(RFC_KEY, 1_111_111_109), "081804");
        assert_eq!(code_at(RFC_KEY, 1_234_567_890), "005924");
        assert_eq!(code_at(RFC_KEY, 2_000_000_000), "279037");
    }

    #[test]
    fn a_code_is_accepted_once_within_a_step_either_side() {
        let t = 1_700_000_000;
        let now = step_of(t);
        let code = code_at(RFC_KEY, t);
        assert_eq!(accepted_step(RFC_KEY, &code, t, 0), Some(now));
        // The same code again: refused, its step was used.
        assert_eq!(accepted_step(RFC_KEY, &code, t, now), None);
        // The previous step's code still works half a minute later; two steps back does not.
        let previous = code_at(RFC_KEY, t - 30);
        assert_eq!(accepted_step(RFC_KEY, &previous, t, 0), Some(now - 1));
        let old = code_at(RFC_KEY, t - 90);
        assert_eq!(accepted_step(RFC_KEY, &old, t, 0), None);
        // A phone running a little fast.
        let next = code_at(RFC_KEY, t + 30);
        assert_eq!(accepted_step(RFC_KEY, &next, t, 0), Some(now + 1));
        assert_eq!(accepted_step(RFC_KEY, "12345", t, 0), None);
        assert_eq!(accepted_step(RFC_KEY, "abcdef", t, 0), None);
    }

    #[test]
    fn codes_are_read_as_typed() {
        let t = 1_700_000_000;
        let code = code_at(RFC_KEY, t);
        let spaced = format!("{} {}", &code[..3], &code[3..]);
        assert!(accepted_step(RFC_KEY, &spaced, t, 0).is_some());
        let arabic: String = code
            .chars()
            .map(|c| char::from_u32(0x0660 + c.to_digit(10).unwrap_or(0)).unwrap_or(c))
            .collect();
        assert!(accepted_step(RFC_KEY, &arabic, t, 0).is_some());
        assert_eq!(typed_recovery_code(" AbCd-2345 efgh "), "abcd2345efgh");
    }

    #[test]
    fn secrets_round_trip_through_their_text() {
        let text = secret_to_text(RFC_KEY);
        assert_eq!(text, "GEZDGNBVGY3TQOJQGEZDGNBVGY3TQOJQ");
        assert_eq!(
            secret_from_text(&text.to_lowercase()),
            Some(RFC_KEY.to_vec())
        );
        assert_eq!(secret_for_reading(RFC_KEY).split(' ').count(), 8);
        let uri = setup_uri(RFC_KEY, "cm.dakar");
        assert!(
            uri.starts_with("otpauth://totp/Reintegra:cm.dakar?secret="),
            "{uri}"
        );
        assert!(uri.contains("issuer=Reintegra"), "{uri}");
    }

    #[test]
    fn required_roles_round_trip() {
        let roles = parse_required_roles("programme-manager, admin,nobody,admin");
        assert_eq!(roles, vec![Role::Admin, Role::ProgrammeManager]);
        assert_eq!(required_roles_setting(&roles), "admin,programme-manager");
        assert!(parse_required_roles("").is_empty());
    }
}
