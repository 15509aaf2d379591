//! Headers sent with every response.

use axum::extract::{Request, State};
use axum::http::{HeaderValue, header};
use axum::middleware::Next;
use axum::response::Response;

use crate::AppState;

/// No inline scripts or styles, nothing from elsewhere, never framed.
pub const CONTENT_SECURITY_POLICY: &str = "default-src 'self'; script-src 'self'; \
     style-src 'self'; img-src 'self' data:; font-src 'self'; connect-src 'self'; \
     form-action 'self'; frame-ancestors 'none'; base-uri 'none'; object-src 'none'";

/// No page uses the camera, microphone, location or payments...
pub const PERMISSIONS_POLICY: &str = "camera=(), microphone=(), geolocation=(), payment=()";

/// ...but the web form client's, whose forms may take a location or a photo.
pub const WEB_FORMS_PERMISSIONS: &str =
    "camera=(self), microphone=(), geolocation=(self), payment=()";

/// The policy of the web form client's page (see `openrosa::web`): as strict as every other
/// page but for what ODK Web Forms needs to run. Its XPath engine is compiled to WebAssembly
/// (`'wasm-unsafe-eval'` allows compiling that, not `eval`); its components add their styles as
/// they load, each carrying this response's `nonce`; its fonts and icons are data URLs, and the
/// previews of attached photos blob URLs.
pub fn web_forms_policy(nonce: &str) -> String {
    format!(
        "default-src 'self'; script-src 'self' 'wasm-unsafe-eval'; \
         style-src 'self' 'nonce-{nonce}'; img-src 'self' data: blob:; font-src 'self' data:; \
         connect-src 'self'; worker-src 'self'; form-action 'self'; frame-ancestors 'none'; \
         base-uri 'none'; object-src 'none'"
    )
}

/// Largest request body accepted: a case with a full household is a few kilobytes.
pub const MAX_BODY_BYTES: usize = 256 * 1024;

/// Browsers that reached the site over HTTPS are told to keep to HTTPS for a year.
pub const STRICT_TRANSPORT_SECURITY: &str = "max-age=31536000; includeSubDomains";

pub async fn security_headers(State(state): State<AppState>, req: Request, next: Next) -> Response {
    let is_asset = req.uri().path().starts_with("/assets/");
    let over_https = crate::auth::is_secure(&state, req.headers());
    let mut res = next.run(req).await;
    let h = res.headers_mut();
    // A page that set its own policy (the web form client's) keeps it.
    if !h.contains_key(header::CONTENT_SECURITY_POLICY) {
        h.insert(
            header::CONTENT_SECURITY_POLICY,
            HeaderValue::from_static(CONTENT_SECURITY_POLICY),
        );
    }
    h.insert(
        header::X_CONTENT_TYPE_OPTIONS,
        HeaderValue::from_static("nosniff"),
    );
    h.insert(header::X_FRAME_OPTIONS, HeaderValue::from_static("DENY"));
    h.insert(
        header::REFERRER_POLICY,
        HeaderValue::from_static("same-origin"),
    );
    if !h.contains_key("permissions-policy") {
        h.insert(
            "permissions-policy",
            HeaderValue::from_static(PERMISSIONS_POLICY),
        );
    }
    h.insert(
        "cross-origin-opener-policy",
        HeaderValue::from_static("same-origin"),
    );
    if over_https {
        h.insert(
            header::STRICT_TRANSPORT_SECURITY,
            HeaderValue::from_static(STRICT_TRANSPORT_SECURITY),
        );
    }
    if !is_asset && !h.contains_key(header::CACHE_CONTROL) {
        // Pages hold personal data: keep them out of shared and back-button caches.
        h.insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    }
    res
}

/// A limit on what one address may do within a window, for pages used without an account.
/// Addresses are held only in memory, as a hash keyed with a secret drawn at start-up, for the
/// window: neither the database nor the logs ever hold them. Each server counts its own (with
/// several servers behind a balancer, the limit is per server).
pub struct RateLimit {
    salt: String,
    per_address: usize,
    window: std::time::Duration,
    recent: std::sync::Mutex<std::collections::HashMap<[u8; 32], Vec<std::time::Instant>>>,
}

/// Addresses remembered at most; past it, those with nothing in the window are forgotten, and
/// if that is not enough, new ones are refused until the window moves on.
const MAX_ADDRESSES: usize = 10_000;

impl RateLimit {
    pub fn new(per_address: usize, window: std::time::Duration) -> Self {
        RateLimit {
            salt: app::accounts::random_token(),
            per_address,
            window,
            recent: Default::default(),
        }
    }

    fn key(&self, addr: &str) -> [u8; 32] {
        use sha2::{Digest, Sha256};
        Sha256::new()
            .chain_update(self.salt.as_bytes())
            .chain_update(addr.as_bytes())
            .finalize()
            .into()
    }

    /// Whether one more may be taken from `addr` now.
    pub fn allows(&self, addr: &str) -> bool {
        let now = std::time::Instant::now();
        let key = self.key(addr);
        let Ok(mut recent) = self.recent.lock() else {
            return false;
        };
        if !recent.contains_key(&key) && recent.len() >= MAX_ADDRESSES {
            recent.retain(|_, times| times.iter().any(|t| now.duration_since(*t) < self.window));
            if recent.len() >= MAX_ADDRESSES {
                return false;
            }
        }
        recent.get(&key).is_none_or(|times| {
            times
                .iter()
                .filter(|t| now.duration_since(**t) < self.window)
                .count()
                < self.per_address
        })
    }

    /// Counts one taken from `addr`.
    pub fn count(&self, addr: &str) {
        let now = std::time::Instant::now();
        let key = self.key(addr);
        if let Ok(mut recent) = self.recent.lock() {
            let times = recent.entry(key).or_default();
            times.retain(|t| now.duration_since(*t) < self.window);
            times.push(now);
        }
    }
}

#[cfg(test)]
mod rate_limit_tests {
    use super::*;

    #[test]
    fn an_address_is_limited_within_the_window_and_others_are_not() {
        let limit = RateLimit::new(2, std::time::Duration::from_secs(60));
        assert!(limit.allows("10.0.0.1"));
        limit.count("10.0.0.1");
        limit.count("10.0.0.1");
        assert!(!limit.allows("10.0.0.1"));
        assert!(limit.allows("10.0.0.2"));
        let gone = RateLimit::new(1, std::time::Duration::from_millis(1));
        gone.count("10.0.0.1");
        std::thread::sleep(std::time::Duration::from_millis(5));
        assert!(gone.allows("10.0.0.1"), "the window moved on");
    }
}
