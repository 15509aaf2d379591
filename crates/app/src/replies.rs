//! Posts sent twice (a double click, a browser resubmitting, a client retrying after a lost
//! answer) are answered once: the reply to a post carrying a one-time key is kept, and the same
//! post again gets that reply instead of making the change a second time.

use domain::UserId;
use store::Reply;

use crate::{App, Error};

/// A one-time key as clients send it: 16 to 128 visible ASCII characters.
pub fn valid_key(key: &str) -> bool {
    (16..=128).contains(&key.len()) && key.bytes().all(|b| b.is_ascii_graphic())
}

/// The reply already given to this post, if it was made before.
pub async fn replayed(
    app: &App,
    user: UserId,
    key: &str,
    route: &str,
) -> Result<Option<Reply>, Error> {
    Ok(app.store.reply(user, key, route).await?)
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
