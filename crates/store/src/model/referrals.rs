//! The service map, the stakeholder map and referrals

use super::*;

#[derive(Clone, Debug, Serialize)]
pub struct ProviderRecord {
    pub id: domain::ProviderId,
    pub provider: domain::services::Provider,
    pub version: i64,
    pub updated_at: OffsetDateTime,
}

#[derive(Clone, Debug, Serialize)]
pub struct ServiceRecord {
    pub id: domain::ServiceId,
    pub provider: domain::ProviderId,
    pub provider_name: String,
    pub service: domain::services::Service,
    pub version: i64,
    pub updated_at: OffsetDateTime,
}

#[derive(Clone, Debug, Serialize)]
pub struct StakeholderRecord {
    pub id: domain::StakeholderId,
    pub stakeholder: domain::stakeholder::Stakeholder,
    pub version: i64,
    pub updated_at: OffsetDateTime,
}

#[derive(Clone, Debug, Serialize)]
pub struct ServiceUpdateRecord {
    pub id: uuid::Uuid,
    pub service: domain::ServiceId,
    pub service_name: String,
    pub case: Option<CaseId>,
    pub feedback: domain::services::ServiceFeedback,
    pub status: domain::services::ProposalStatus,
    pub proposed_by_name: Option<String>,
    pub proposed_at: OffsetDateTime,
    pub decided_by_name: Option<String>,
    pub decision_note: Option<String>,
}

#[derive(Clone, Debug)]
pub struct NewReferral {
    pub id: domain::ReferralId,
    pub case: CaseId,
    pub service: domain::ServiceId,
    pub content: domain::referral::ReferralContent,
}

#[derive(Clone, Debug, Serialize)]
pub struct ReferralRecord {
    pub id: domain::ReferralId,
    pub case: CaseId,
    pub case_number: String,
    #[serde(skip)]
    pub case_access: domain::authz::CaseAccess,
    pub service: domain::ServiceId,
    pub service_name: String,
    pub provider: domain::ProviderId,
    pub provider_name: String,
    pub status: domain::referral::ReferralStatus,
    #[serde(skip)]
    pub content: domain::referral::ReferralContent,
    pub sent_on: Option<Date>,
    pub answer_due: Option<Date>,
    pub version: i64,
    pub created_by_name: Option<String>,
    pub created_at: OffsetDateTime,
    pub updated_at: OffsetDateTime,
}

impl ReferralRecord {
    pub fn access(&self) -> domain::authz::ReferralAccess {
        domain::authz::ReferralAccess {
            case: self.case_access,
            provider: self.provider,
            shared: domain::referral::is_shared(self.status, &self.content),
        }
    }
}

/// Which referrals to list. Every filter is optional; all given must hold.
#[derive(Clone, Debug, Default)]
pub struct ReferralFilter {
    pub case: Option<CaseId>,
    pub provider: Option<domain::ProviderId>,
    pub office: Option<OfficeId>,
    pub case_manager: Option<UserId>,
    pub status: Option<domain::referral::ReferralStatus>,
}

/// Where a step came from.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
pub enum Via {
    Staff,
    Partner,
    Link,
}

impl Via {
    pub fn as_str(self) -> &'static str {
        match self {
            Via::Staff => "staff",
            Via::Partner => "partner",
            Via::Link => "link",
        }
    }
    pub fn parse(s: &str) -> Option<Self> {
        [Via::Staff, Via::Partner, Via::Link]
            .into_iter()
            .find(|v| v.as_str() == s)
    }
}

#[derive(Clone, Debug)]
pub struct NewReferralStep {
    pub from: domain::referral::ReferralStatus,
    pub to: domain::referral::ReferralStatus,
    pub step: domain::referral::ReferralStep,
    pub note: String,
    pub via: Via,
    /// Set when the step sends the referral.
    pub sent_on: Option<Date>,
    pub answer_due: Option<Date>,
}

#[derive(Clone, Debug, Serialize)]
pub struct ReferralEvent {
    pub step: domain::referral::ReferralStep,
    pub note: String,
    pub via: Via,
    pub by_name: Option<String>,
    pub at: OffsetDateTime,
}

#[derive(Clone, Debug)]
pub struct NewReferralLink {
    pub id: uuid::Uuid,
    pub referral: domain::ReferralId,
    pub token_hash: String,
    pub expires_at: OffsetDateTime,
}

#[derive(Clone, Debug, Serialize)]
pub struct ReferralLink {
    pub id: uuid::Uuid,
    pub referral: domain::ReferralId,
    pub created_by_name: Option<String>,
    pub created_at: OffsetDateTime,
    pub expires_at: OffsetDateTime,
    pub revoked_at: Option<OffsetDateTime>,
}

impl ReferralLink {
    pub fn is_live(&self, now: OffsetDateTime) -> bool {
        self.revoked_at.is_none() && now < self.expires_at
    }
}
