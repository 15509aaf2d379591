use super::*;

#[derive(Clone, Debug)]
pub struct NewCase {
    pub id: CaseId,
    pub office: OfficeId,
    pub case_manager: Option<UserId>,
    pub profile: ReturneeProfile,
    pub stage: CaseStage,
    /// Consent recorded at registration, written in the same transaction.
    pub consents: Vec<ConsentRecord>,
}

#[derive(Clone, Debug)]
pub struct CaseUpdate {
    pub id: CaseId,
    pub expected_version: i64,
    pub case_manager: Option<UserId>,
    pub profile: ReturneeProfile,
    pub changes: Vec<FieldChange>,
}

#[derive(Clone, Debug)]
pub struct CaseRecord {
    pub id: CaseId,
    pub number: CaseNumber,
    pub office: Office,
    pub case_manager: Option<UserId>,
    pub case_manager_name: Option<String>,
    pub profile: ReturneeProfile,
    pub stage: CaseStage,
    pub version: i64,
    pub created_at: OffsetDateTime,
    pub updated_at: OffsetDateTime,
    /// When the case's personal data was removed (retention or erasure), if it was.
    pub anonymised_at: Option<OffsetDateTime>,
}

impl CaseRecord {
    pub fn access(&self) -> CaseAccess {
        CaseAccess {
            office: self.office.id,
            case_manager: self.case_manager,
            restricted: self.profile.is_restricted(),
            self_approval: self.office.self_approval,
        }
    }
}

#[derive(Clone, Debug, Serialize)]
pub struct CaseSummary {
    pub id: CaseId,
    pub number: String,
    pub given_name: String,
    pub family_name: String,
    pub sex: Sex,
    pub age_at_return: Option<u16>,
    #[serde(with = "domain::case::date")]
    pub return_date: Date,
    pub return_province: String,
    pub office_code: String,
    pub case_manager_name: Option<String>,
    pub stage: CaseStage,
    pub restricted: bool,
}

#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum CaseSort {
    #[default]
    Updated,
    Number,
    Name,
    ReturnDate,
}

impl CaseSort {
    pub const ALL: [CaseSort; 4] = [
        CaseSort::Updated,
        CaseSort::Number,
        CaseSort::Name,
        CaseSort::ReturnDate,
    ];
    pub fn as_str(self) -> &'static str {
        match self {
            CaseSort::Updated => "updated",
            CaseSort::Number => "number",
            CaseSort::Name => "name",
            CaseSort::ReturnDate => "return_date",
        }
    }
    pub fn parse(s: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|v| v.as_str() == s)
    }
}

/// A page of the case list. `scope` comes from `domain::authz::case_list_scope` and is always
/// applied; the other fields are the user's filters.
#[derive(Clone, Debug)]
pub struct CaseQuery {
    pub scope: CaseListScope,
    pub text: Option<String>,
    pub office: Option<OfficeId>,
    pub stage: Option<CaseStage>,
    pub case_manager: Option<UserId>,
    pub sex: Option<Sex>,
    pub province: Option<String>,
    pub returned_from: Option<Date>,
    pub returned_to: Option<Date>,
    pub sort: CaseSort,
    pub descending: bool,
    /// Which page: the first, or the one after or before a place given by an earlier page
    /// ([`CasePage::next`], [`CasePage::previous`]). Pages are found from that place, never by
    /// counting past the rows before it.
    pub from: PageFrom,
    pub per_page: u32,
}

/// Where a page of a list begins.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub enum PageFrom {
    #[default]
    First,
    /// The rows after this case, in the list's order (a [`CasePage::next`]).
    After(CaseId),
    /// The rows before this case (a [`CasePage::previous`]).
    Before(CaseId),
}

impl CaseQuery {
    pub fn new(scope: CaseListScope) -> Self {
        Self {
            scope,
            text: None,
            office: None,
            stage: None,
            case_manager: None,
            sex: None,
            province: None,
            returned_from: None,
            returned_to: None,
            sort: CaseSort::Updated,
            descending: true,
            from: PageFrom::First,
            per_page: 25,
        }
    }
}

/// Counting beyond this many matches costs time and tells the reader nothing more.
pub const COUNT_CAP: u64 = 10_000;

#[derive(Clone, Debug)]
pub struct CasePage {
    pub items: Vec<CaseSummary>,
    /// Number of matching cases, at most `count_cap`.
    pub total: u64,
    /// True when more than `count_cap` cases match.
    pub total_capped: bool,
    /// Where counting stopped: [`COUNT_CAP`], or less for name searches.
    pub count_cap: u64,
    /// The page's last case, when rows follow it: the next page is [`PageFrom::After`] it.
    /// A place is a case, never the values it is sorted by (names stay out of addresses).
    pub next: Option<CaseId>,
    /// The page's first case, when rows come before it: [`PageFrom::Before`] it.
    pub previous: Option<CaseId>,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct CaseCount {
    pub office_code: String,
    pub stage: CaseStage,
    pub sex: Sex,
    pub count: u64,
}

#[derive(Clone, Debug)]
pub struct ConsentEntry {
    pub id: uuid::Uuid,
    pub record: ConsentRecord,
    pub recorded_by_name: String,
}

#[derive(Clone, Debug)]
pub struct NewAuditEntry {
    pub actor: Option<UserId>,
    pub at: OffsetDateTime,
    pub action: AuditAction,
    pub record_type: String,
    pub record_id: String,
    pub changes: Vec<FieldChange>,
    pub reason: Option<String>,
}

#[derive(Clone, Debug, Serialize)]
pub struct AuditEntry {
    pub id: i64,
    #[serde(with = "time::serde::rfc3339")]
    pub at: OffsetDateTime,
    pub actor: Option<UserId>,
    /// The actor's username, or `None` for the system.
    pub actor_name: Option<String>,
    pub action: AuditAction,
    pub record_type: String,
    pub record_id: String,
    pub changes: Vec<FieldChange>,
    pub reason: Option<String>,
}

/// How much of a record's audit trail to read. Views can far outnumber changes, so the
/// timeline of a case reads changes only.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum AuditScope {
    Changes,
    ChangesAndViews,
}

/// Record types named in audit entries.
pub mod record_type {
    pub const CASE: &str = "case";
    pub const PROVIDER: &str = "provider";
    pub const SERVICE: &str = "service";
    pub const STAKEHOLDER: &str = "stakeholder";
    /// Disclosures of a referral (partner views, slips printed, links opened) are recorded on it.
    pub const REFERRAL: &str = "referral";
    pub const USER: &str = "user";
    pub const API_TOKEN: &str = "api_token";
}

/// A case's records that hold free text, as stored (JSON bodies), to be anonymised by the
/// application (which knows their types) and written back with [`Anonymised`].
#[derive(Clone, Debug, Default)]
pub struct CaseTexts {
    pub entries: Vec<(uuid::Uuid, EntryKind, String)>,
    /// (version, content)
    pub plans: Vec<(i64, String)>,
    pub closures: Vec<(uuid::Uuid, String)>,
    pub referrals: Vec<(uuid::Uuid, String)>,
    /// (id, form id, form version, answers)
    pub submissions: Vec<(uuid::Uuid, String, String, String)>,
}

/// What replaces a case's personal data: the age kept (an age band's lower bound) and the
/// anonymised bodies. Names, contacts, addresses, notes and the search index go in the store.
#[derive(Clone, Debug, Default)]
pub struct Anonymised {
    pub age_at_return: Option<u16>,
    pub entries: Vec<(uuid::Uuid, String)>,
    pub plans: Vec<(i64, String)>,
    pub closures: Vec<(uuid::Uuid, String)>,
    pub referrals: Vec<(uuid::Uuid, String)>,
    pub submissions: Vec<(uuid::Uuid, String)>,
}

/// A returnee's request that their data be erased, waiting for a programme manager.
#[derive(Clone, Debug, Serialize)]
pub struct ErasureRequest {
    pub case: CaseId,
    pub case_number: String,
    pub office: OfficeId,
    pub reason: String,
    pub requested_by_name: Option<String>,
    pub requested_by: Option<UserId>,
    pub requested_at: OffsetDateTime,
}

/// A file uploaded for a bulk import, kept until it is imported or abandoned.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ImportFile {
    pub id: uuid::Uuid,
    /// Who uploaded it: only they may import it.
    pub user: UserId,
    pub file_name: String,
    pub sha256: String,
    pub uploaded_at: OffsetDateTime,
}
