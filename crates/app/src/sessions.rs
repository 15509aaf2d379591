//! Session lookups kept for a moment. Every signed-in request needs its session and user; read
//! from the database each time, they are one more statement per page. Kept here for at most
//! [`SessionCache::FRESH`], a lookup is read again often enough that a session ended elsewhere
//! (signed out on another instance, its password changed, expired) stops working on every
//! instance within that time; on this instance, the use cases that end sessions or change the
//! user forget them at once.

use std::collections::HashMap;
use std::sync::Mutex;
use std::time::{Duration, Instant};

use domain::UserId;
use store::{Session, User};

/// At most this many sessions are kept; past it, the stale ones go, then all of them.
const MAX_KEPT: usize = 10_000;

struct Kept {
    read_at: Instant,
    session: Session,
    user: User,
}

/// Recently read sessions, by token hash.
pub struct SessionCache {
    fresh: Duration,
    kept: Mutex<HashMap<String, Kept>>,
}

impl Default for SessionCache {
    fn default() -> Self {
        SessionCache::new(SessionCache::FRESH)
    }
}

impl SessionCache {
    /// How long a lookup is trusted: revocation takes effect across instances within it.
    pub const FRESH: Duration = Duration::from_secs(1);

    pub fn new(fresh: Duration) -> Self {
        SessionCache {
            fresh,
            kept: Mutex::new(HashMap::new()),
        }
    }

    fn with<T>(&self, f: impl FnOnce(&mut HashMap<String, Kept>) -> T) -> T {
        // A panic while holding the lock leaves nothing half-written worth keeping.
        let mut kept = self.kept.lock().unwrap_or_else(|poisoned| {
            let mut map = poisoned.into_inner();
            map.clear();
            map
        });
        f(&mut kept)
    }

    /// The session and user read less than [`SessionCache::FRESH`] ago.
    pub(crate) fn get(&self, token_hash: &str) -> Option<(Session, User)> {
        self.with(|kept| {
            kept.get(token_hash)
                .filter(|k| k.read_at.elapsed() < self.fresh)
                .map(|k| (k.session.clone(), k.user.clone()))
        })
    }

    pub(crate) fn put(&self, token_hash: &str, session: Session, user: User) {
        self.with(|kept| {
            if kept.len() >= MAX_KEPT {
                kept.retain(|_, k| k.read_at.elapsed() < self.fresh);
                if kept.len() >= MAX_KEPT {
                    kept.clear();
                }
            }
            kept.insert(
                token_hash.to_string(),
                Kept {
                    read_at: Instant::now(),
                    session,
                    user,
                },
            );
        });
    }

    /// Notes that a kept session was touched (its last use moved on).
    pub(crate) fn touched(&self, token_hash: &str, at: time::OffsetDateTime) {
        self.with(|kept| {
            if let Some(k) = kept.get_mut(token_hash) {
                k.session.last_seen_at = at;
            }
        });
    }

    pub(crate) fn forget(&self, token_hash: &str) {
        self.with(|kept| kept.remove(token_hash));
    }

    /// Forgets every session of a user (their password, language or second step changed).
    pub(crate) fn forget_user(&self, user: UserId) {
        self.with(|kept| kept.retain(|_, k| k.user.id != user));
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;
    use domain::{Role, Username};
    use time::OffsetDateTime;

    fn kept(user: UserId) -> (Session, User) {
        let at = OffsetDateTime::UNIX_EPOCH;
        (
            Session {
                token_hash: "t".into(),
                user,
                csrf_token: "c".into(),
                created_at: at,
                last_seen_at: at,
            },
            User {
                id: user,
                username: Username::parse("someone").unwrap(),
                display_name: "Someone".into(),
                role: Role::Viewer,
                office: None,
                password_hash: String::new(),
                must_change_password: false,
                disabled: false,
                created_at: at,
                organisation: None,
                preferred_language: None,
                two_factor: false,
            },
        )
    }

    #[test]
    fn a_lookup_is_kept_for_a_moment_and_forgotten_when_asked() {
        let cache = SessionCache::new(Duration::from_millis(50));
        let (a, b) = (UserId::new(), UserId::new());
        let (s, u) = kept(a);
        cache.put("a1", s.clone(), u.clone());
        cache.put("a2", s, u);
        let (s, u) = kept(b);
        cache.put("b1", s, u);
        assert!(cache.get("a1").is_some());
        cache.forget("a1");
        assert!(cache.get("a1").is_none());
        cache.forget_user(a);
        assert!(cache.get("a2").is_none());
        assert!(cache.get("b1").is_some());
        let later = OffsetDateTime::UNIX_EPOCH + time::Duration::minutes(5);
        cache.touched("b1", later);
        assert_eq!(cache.get("b1").unwrap().0.last_seen_at, later);
        std::thread::sleep(Duration::from_millis(60));
        assert!(cache.get("b1").is_none(), "read again once stale");
    }
}
