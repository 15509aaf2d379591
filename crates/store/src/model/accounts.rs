use super::*;

#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct Office {
    pub id: OfficeId,
    pub code: OfficeCode,
    pub name: String,
    /// Staff may approve their own plans and closures (small offices).
    pub self_approval: bool,
}

#[derive(Clone, Debug)]
pub struct NewUser {
    pub username: Username,
    pub display_name: String,
    pub role: Role,
    pub office: Option<OfficeId>,
    pub password_hash: String,
    pub must_change_password: bool,
}

#[derive(Clone, Debug)]
pub struct User {
    pub id: UserId,
    pub username: Username,
    pub display_name: String,
    pub role: Role,
    pub office: Option<OfficeId>,
    pub password_hash: String,
    pub must_change_password: bool,
    pub disabled: bool,
    pub created_at: OffsetDateTime,
    /// For partner accounts: the organisation on the service map they work for.
    pub organisation: Option<domain::ProviderId>,
    /// The language the person reads Reintegra in, once chosen (`fr`, `ar`…).
    pub preferred_language: Option<String>,
    /// Signing in asks for a code from an authenticator app after the password.
    pub two_factor: bool,
}

#[derive(Clone, Debug)]
pub struct NewSession {
    pub token_hash: String,
    pub user: UserId,
    pub csrf_token: String,
    pub at: OffsetDateTime,
}

#[derive(Clone, Debug)]
pub struct Session {
    pub token_hash: String,
    pub user: UserId,
    pub csrf_token: String,
    pub created_at: OffsetDateTime,
    pub last_seen_at: OffsetDateTime,
}

/// What a token opens: the JSON API, or (a device account's token) the OpenRosa paths of field
/// clients. One never works as the other.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
pub enum TokenKind {
    Api,
    Device,
}

impl TokenKind {
    pub fn as_str(self) -> &'static str {
        match self {
            TokenKind::Api => "api",
            TokenKind::Device => "device",
        }
    }
    pub fn parse(s: &str) -> Option<Self> {
        match s {
            "api" => Some(TokenKind::Api),
            "device" => Some(TokenKind::Device),
            _ => None,
        }
    }
}

#[derive(Clone, Debug)]
pub struct NewApiToken {
    pub user: UserId,
    pub name: String,
    pub token_hash: String,
    pub kind: TokenKind,
}

#[derive(Clone, Debug)]
pub struct ApiToken {
    pub id: uuid::Uuid,
    pub user: UserId,
    pub name: String,
    pub kind: TokenKind,
    pub created_at: OffsetDateTime,
    pub last_used_at: Option<OffsetDateTime>,
    pub revoked_at: Option<OffsetDateTime>,
}

/// Who answers a post sent with a one-time key, when several copies of it arrive (a double
/// click, a retry), possibly at different server instances.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum ReplyClaim {
    /// This copy answers it: run it, then keep or release the reply.
    Mine,
    /// It was answered already: give the same reply.
    Answered(Reply),
    /// Another copy is being answered right now: wait for its reply.
    InProgress,
}

/// What was answered to a post sent with a one-time key, to answer a repeat of it the same way.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Reply {
    pub status: u16,
    pub location: Option<String>,
    pub content_type: Option<String>,
    pub body: Vec<u8>,
}

/// An account's two-step sign-in: its secret (base32), whether it is confirmed, and what was
/// used of it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct TwoFactor {
    pub secret: String,
    pub enabled_at: Option<OffsetDateTime>,
    /// The time step of the last code accepted.
    pub last_step: u64,
    /// Recovery codes not used yet.
    pub recovery_codes_left: u32,
}
