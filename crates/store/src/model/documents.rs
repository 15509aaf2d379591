use super::*;

/// Kinds of record of the community and structural levels.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize)]
pub enum DocKind {
    Community,
    Project,
    Visit,
    CapacityAssessment,
    CapacityPlan,
    Training,
    Mechanism,
    Meeting,
    Agreement,
    PolicyTrack,
    Programme,
    Result,
    Indicator,
    Evaluation,
    Lesson,
}

impl DocKind {
    pub const ALL: [DocKind; 15] = [
        DocKind::Community,
        DocKind::Project,
        DocKind::Visit,
        DocKind::CapacityAssessment,
        DocKind::CapacityPlan,
        DocKind::Training,
        DocKind::Mechanism,
        DocKind::Meeting,
        DocKind::Agreement,
        DocKind::PolicyTrack,
        DocKind::Programme,
        DocKind::Result,
        DocKind::Indicator,
        DocKind::Evaluation,
        DocKind::Lesson,
    ];
    /// The stored name, also the audit record type.
    pub fn as_str(self) -> &'static str {
        match self {
            DocKind::Community => "community",
            DocKind::Project => "project",
            DocKind::Visit => "visit",
            DocKind::CapacityAssessment => "capacity_assessment",
            DocKind::CapacityPlan => "capacity_plan",
            DocKind::Training => "training",
            DocKind::Mechanism => "mechanism",
            DocKind::Meeting => "meeting",
            DocKind::Agreement => "agreement",
            DocKind::PolicyTrack => "policy_track",
            DocKind::Programme => "programme",
            DocKind::Result => "result",
            DocKind::Indicator => "indicator",
            DocKind::Evaluation => "evaluation",
            DocKind::Lesson => "lesson",
        }
    }
    pub fn parse(s: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|k| k.as_str() == s)
    }
}

/// A record to add or replace. `cases` are the cases taking part (a project's returnees).
#[derive(Clone, Debug)]
pub struct NewDocument {
    pub id: domain::DocumentId,
    pub kind: DocKind,
    pub parent: Option<domain::DocumentId>,
    pub office: Option<OfficeId>,
    pub name: String,
    /// JSON of the matching `domain` type.
    pub body: String,
    pub cases: Vec<CaseId>,
}

#[derive(Clone, Debug)]
pub struct DocRecord {
    pub id: domain::DocumentId,
    pub kind: DocKind,
    pub parent: Option<domain::DocumentId>,
    pub office: Option<OfficeId>,
    pub name: String,
    pub body: String,
    pub version: i64,
    pub created_at: OffsetDateTime,
    pub updated_at: OffsetDateTime,
    pub updated_by: Option<String>,
}

/// A place of return as written on cases, with how many cases returned there.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ReturnPlace {
    pub province: String,
    pub community: String,
    pub cases: u64,
}

/// A case as the community level sees it: where the person returned, and what decides who may
/// read it.
#[derive(Clone, Debug)]
pub struct PlacedCase {
    pub id: CaseId,
    pub number: String,
    pub given_name: String,
    pub family_name: String,
    pub sex: Sex,
    pub return_province: String,
    pub return_community: Option<String>,
    pub access: CaseAccess,
}
