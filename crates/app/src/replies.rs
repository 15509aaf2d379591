//! Posts sent twice (a double click, a browser resubmitting, a client retrying after a lost
//! answer) are answered once: the reply to a post carrying a one-time key is kept, and the same
//! post again gets that reply instead of making the change a second time.

use domain::UserId;
use store::{Reply, ReplyClaim};

use crate::{App, Error};

/// A one-time key as clients send it: 16 to 128 visible ASCII characters.
pub fn valid_key(key: &str) -> bool {
    (16..=128).contains(&key.len()) && key.bytes().all(|b| b.is_ascii_graphic())
}

/// Who answers this post: this copy, or the reply already given, or (while another copy,
/// maybe at another server, is being answered) nobody yet.
pub async fn claim(app: &App, user: UserId, key: &str, route: &str) -> Result<ReplyClaim, Error> {
    Ok(app.store.claim_reply(user, key, route, app.now()).await?)
}

/// Gives up the claim of a post that kept no reply (a refused form), so that its corrected copy
/// is answered.
pub async fn release(app: &App, user: UserId, key: &str, route: &str) -> Result<(), Error> {
    Ok(app.store.release_reply(user, key, route).await?)
}

/// Keeps the reply to a post, for a repeat of it.
pub async fn remember(
    app: &App,
    user: UserId,
    key: &str,
    route: &str,
    reply: Reply,
) -> Result<(), Error> {
    Ok(app
        .store
        .keep_reply(user, key, route, reply, app.now())
        .await?)
}
