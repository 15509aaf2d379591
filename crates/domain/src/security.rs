//! Rules for passwords, sign-in throttling and session lifetimes.

use time::{Duration, OffsetDateTime};

/// Failed sign-ins counted over this window.
pub const FAILURE_WINDOW: Duration = Duration::minutes(15);
/// After this many failures for one account within the window, that account is locked until
/// the window has passed, even for the right password.
pub const ACCOUNT_FAILURE_LIMIT: u32 = 5;
/// After this many failures from one address within the window, that address is locked.
pub const ADDRESS_FAILURE_LIMIT: u32 = 20;

/// Whether a sign-in attempt may be checked at all, given recent failures.
pub fn sign_in_allowed(account_failures: u32, address_failures: u32) -> bool {
    account_failures < ACCOUNT_FAILURE_LIMIT && address_failures < ADDRESS_FAILURE_LIMIT
}

/// How long a session lives. Field staff often leave a page open between interviews, so the idle
/// limit is generous; the absolute limit ends every session within a working day.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct SessionPolicy {
    pub idle: Duration,
    pub absolute: Duration,
}

impl Default for SessionPolicy {
    fn default() -> Self {
        Self {
            idle: Duration::hours(2),
            absolute: Duration::hours(12),
        }
    }
}

impl SessionPolicy {
    pub fn is_live(
        &self,
        created: OffsetDateTime,
        last_seen: OffsetDateTime,
        now: OffsetDateTime,
    ) -> bool {
        now - last_seen < self.idle && now - created < self.absolute
    }
    /// Touching the session on every request would make every read a write; once a minute is
    /// precise enough for an idle limit counted in hours.
    pub fn needs_touch(&self, last_seen: OffsetDateTime, now: OffsetDateTime) -> bool {
        now - last_seen >= Duration::minutes(1)
    }
}

pub const MIN_PASSWORD_CHARS: usize = 10;
pub const MAX_PASSWORD_CHARS: usize = 200;

/// Returns the message id of the problem with a new password, if any. After NIST SP 800-63B:
/// a minimum length (blanks around it do not count), no rules about kinds of characters, and
/// no password an attacker would guess early: common and leaked passwords, words from the
/// dictionaries zxcvbn ships, keyboard runs, sequences, repeats, dates, the username.
pub fn check_new_password(password: &str, username: &str) -> Result<(), &'static str> {
    let n = password.trim().chars().count();
    if n < MIN_PASSWORD_CHARS {
        Err("error-password-too-short")
    } else if password.chars().count() > MAX_PASSWORD_CHARS {
        Err("error-too-long")
    } else if password.to_lowercase().contains(&username.to_lowercase()) {
        Err("error-password-contains-username")
    } else if guessable(password, username) {
        Err("error-password-guessable")
    } else {
        Ok(())
    }
}

/// Whether zxcvbn estimates the password falls within 10^8 guesses (its scores 0 to 2).
fn guessable(password: &str, username: &str) -> bool {
    let estimate = zxcvbn::zxcvbn(password, &[username]);
    estimate.score() < zxcvbn::Score::Three
}

#[cfg(test)]
mod tests {
    use super::*;
    use time::macros::datetime;

    #[test]
    fn throttling_starts_at_the_limits() {
        assert!(sign_in_allowed(4, 19));
        assert!(!sign_in_allowed(5, 0));
        assert!(!sign_in_allowed(0, 20));
    }

    #[test]
    fn sessions_expire_when_idle_or_too_old() {
        let p = SessionPolicy::default();
        let start = datetime!(2026-11-23 08:00 UTC);
        assert!(p.is_live(start, start, start + Duration::minutes(90)));
        assert!(!p.is_live(start, start, start + Duration::hours(3)));
        let active = start + Duration::hours(11);
        assert!(p.is_live(start, active, active + Duration::minutes(30)));
        assert!(!p.is_live(start, active, start + Duration::hours(12)));
        assert!(!p.needs_touch(start, start + Duration::seconds(30)));
        assert!(p.needs_touch(start, start + Duration::seconds(61)));
    }

    #[test]
    fn passwords_must_be_long_and_not_the_username() {
        assert_eq!(
            check_new_password("short", "awa"),
            Err("error-password-too-short")
        );
        assert_eq!(
            check_new_password("awa.diop-2026!", "awa.diop"),
            Err("error-password-contains-username")
        );
        assert_eq!(check_new_password("correct horse battery", "awa"), Ok(()));
    }

    #[test]
    fn trivial_passwords_are_refused_whatever_their_length() {
        for trivial in [
            "password12",
            "1234567890",
            "qwertyuiop",
            "aaaaaaaaaaaa",
            "iloveyou123",
        ] {
            assert_eq!(
                check_new_password(trivial, "awa"),
                Err("error-password-guessable"),
                "{trivial}"
            );
        }
        assert_eq!(
            check_new_password("          ", "awa"),
            Err("error-password-too-short"),
            "ten spaces"
        );
        assert_eq!(check_new_password("tailors of Goudiry sew", "awa"), Ok(()));
    }
}
