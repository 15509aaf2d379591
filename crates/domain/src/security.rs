//! Rules for passwords, sign-in throttling and session lifetimes.

use time::{Duration, OffsetDateTime};

/// Failed sign-ins counted over this window.
pub const FAILURE_WINDOW: Duration = Duration::minutes(15);

/// Recent failed attempts on one key (an account, an address, or an account from one address):
/// how many within [`FAILURE_WINDOW`], and when the last one was.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Failures {
    pub count: u32,
    pub last: Option<OffsetDateTime>,
}

/// A delay that grows with failures: nothing for the first `free`, then `base`, doubling with
/// each further failure, never more than the window.
fn growing(f: Failures, free: u32, base: Duration) -> Duration {
    if f.count < free {
        return Duration::ZERO;
    }
    let doublings = (f.count - free).min(16);
    (base * 2_i32.pow(doublings)).min(FAILURE_WINDOW)
}

/// How long to wait before one more guess at a secret (a current password) may be checked:
/// free for 3 failures, then 5 s, 10 s, 20 s… up to the window.
pub fn retry_wait(f: Failures, now: OffsetDateTime) -> Option<Duration> {
    let left = f.last? + growing(f, 3, Duration::seconds(5)) - now;
    left.is_positive().then_some(left)
}

/// How long to wait before the next attempt may even be checked, or `None` when it may be now.
/// Failures slow attempts down rather than lock the account, so that someone guessing cannot
/// keep its owner out:
/// - one account from one address: free for 3 failures, then 5 s, 10 s, 20 s…;
/// - one address, for all accounts: free for 20 (an office behind one address), then growing;
/// - one account, from all addresses: free for 10, then growing, except in a browser where the
///   account signed in before (`known_device`), so its owner still gets in from their own
///   device while someone elsewhere guesses.
pub fn sign_in_wait(
    pair: Failures,
    address: Failures,
    account: Failures,
    known_device: bool,
    now: OffsetDateTime,
) -> Option<Duration> {
    let base = Duration::seconds(5);
    let mut waits = vec![
        (pair, growing(pair, 3, base)),
        (address, growing(address, 20, base)),
    ];
    if !known_device {
        waits.push((account, growing(account, 10, base)));
    }
    waits
        .into_iter()
        .filter_map(|(f, delay)| Some(f.last? + delay - now))
        .filter(|left| left.is_positive())
        .max()
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

/// The shortest passphrase that may lock a backup or an export holding personal data.
pub const MIN_PASSPHRASE_CHARS: usize = 12;

/// Returns the message id of the problem with a passphrase for an encrypted file, if any. Such a
/// file can be attacked offline, as often as the attacker likes (a ZIP file's key derivation is
/// cheap), so the bar is higher than a password's: longer, and never guessable.
pub fn check_passphrase(passphrase: &str) -> Result<(), &'static str> {
    let n = passphrase.trim().chars().count();
    if n < MIN_PASSPHRASE_CHARS {
        Err("error-passphrase-too-short")
    } else if passphrase.chars().count() > MAX_PASSWORD_CHARS {
        Err("error-too-long")
    } else if guessable(passphrase, "") {
        Err("error-passphrase-guessable")
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
    fn a_passphrase_for_an_encrypted_file_is_long_and_not_guessable() {
        assert_eq!(
            check_passphrase("short one"),
            Err("error-passphrase-too-short")
        );
        assert_eq!(
            check_passphrase("passwordpassword"),
            Err("error-passphrase-guessable")
        );
        assert_eq!(
            check_passphrase("   11 chars   "),
            Err("error-passphrase-too-short")
        );
        assert_eq!(check_passphrase("river lantern cobalt 42"), Ok(()));
    }

    #[test]
    fn failures_slow_sign_in_down_more_and_more_but_never_lock_the_owner_out() {
        let now = datetime!(2026-11-23 08:00 UTC);
        let f = |count, ago: i64| Failures {
            count,
            last: Some(now - Duration::seconds(ago)),
        };
        let none = Failures::default();
        // Three mistakes of one's own cost nothing.
        assert_eq!(sign_in_wait(f(3 - 1, 0), none, none, false, now), None);
        // Then each further failure from that address doubles the wait: 5 s, 10 s, 20 s.
        assert_eq!(
            sign_in_wait(f(3, 1), f(3, 1), f(3, 1), false, now),
            Some(Duration::seconds(4))
        );
        assert_eq!(
            sign_in_wait(f(5, 0), f(5, 0), f(5, 0), false, now),
            Some(Duration::seconds(20))
        );
        assert_eq!(sign_in_wait(f(5, 25), none, none, false, now), None);
        // Never more than the window.
        assert_eq!(
            sign_in_wait(f(40, 0), none, none, false, now),
            Some(FAILURE_WINDOW)
        );
        // Guesses at one account from elsewhere slow down other browsers, not the owner's own
        // device, and from the owner's address nothing was tried.
        let guessed = f(30, 0);
        assert!(sign_in_wait(none, none, guessed, false, now).is_some());
        assert_eq!(sign_in_wait(none, none, guessed, true, now), None);
        // An office behind one address shares it: twenty failures go before anyone waits.
        assert_eq!(sign_in_wait(none, f(19, 0), none, false, now), None);
        assert!(sign_in_wait(none, f(20, 0), none, false, now).is_some());
        // Guessing a current password slows down the same way.
        assert_eq!(retry_wait(f(2, 0), now), None);
        assert_eq!(retry_wait(f(4, 0), now), Some(Duration::seconds(10)));
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
