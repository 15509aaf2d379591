//! The service map, the stakeholder map and referrals (`ReferralStore`) on both engines.

use domain::referral::ReferralContent;
use domain::services::{Provider, Service, ServiceFeedback};
use domain::stakeholder::Stakeholder;
use domain::{CaseId, ProviderId, ReferralId, ServiceId, StakeholderId, UserId};

use super::{on_both_engines, referrals};
use crate::model::*;
use crate::{AuditContext, ReferralStore, Result};

on_both_engines! {
    impl ReferralStore {
        read fn providers(&self) -> Result<Vec<ProviderRecord>> = |db| referrals::providers(db);
        read fn provider(&self, id: ProviderId) -> Result<ProviderRecord> =
            |db| referrals::provider(db, *id);
        write fn save_provider(
            &self,
            id: ProviderId,
            expected_version: Option<i64>,
            provider: Provider,
            audit: AuditContext,
        ) -> Result<ProviderRecord> =
            |db| referrals::save_provider(db, *id, *expected_version, provider, audit);
        read fn services(&self) -> Result<Vec<ServiceRecord>> = |db| referrals::services(db);
        read fn service(&self, id: ServiceId) -> Result<ServiceRecord> =
            |db| referrals::service(db, *id);
        write fn save_service(
            &self,
            id: ServiceId,
            provider: ProviderId,
            expected_version: Option<i64>,
            service: Service,
            audit: AuditContext,
        ) -> Result<ServiceRecord> = |db| {
            referrals::save_service(db, *id, *provider, *expected_version, service, audit)
        };
        write fn propose_service_update(
            &self,
            service: ServiceId,
            case: Option<CaseId>,
            feedback: ServiceFeedback,
            audit: AuditContext,
        ) -> Result<uuid::Uuid> =
            |db| referrals::propose_service_update(db, *service, *case, feedback, audit);
        read fn service_updates(
            &self,
            service: Option<ServiceId>,
        ) -> Result<Vec<ServiceUpdateRecord>> = |db| referrals::service_updates(db, *service);
        write fn decide_service_update(
            &self,
            id: uuid::Uuid,
            updated: Option<(i64, Service)>,
            note: String,
            audit: AuditContext,
        ) -> Result<()> = |db| referrals::decide_service_update(db, *id, updated, note, audit);
        write fn set_user_organisation(
            &self,
            user: UserId,
            organisation: Option<ProviderId>,
            audit: AuditContext,
        ) -> Result<()> = |db| referrals::set_user_organisation(db, *user, *organisation, audit);
        read fn stakeholders(&self) -> Result<Vec<StakeholderRecord>> =
            |db| referrals::stakeholders(db);
        read fn stakeholder(&self, id: StakeholderId) -> Result<StakeholderRecord> =
            |db| referrals::stakeholder(db, *id);
        write fn save_stakeholder(
            &self,
            id: StakeholderId,
            expected_version: Option<i64>,
            stakeholder: Stakeholder,
            audit: AuditContext,
        ) -> Result<StakeholderRecord> =
            |db| referrals::save_stakeholder(db, *id, *expected_version, stakeholder, audit);
        write fn create_referral(&self, r: NewReferral, audit: AuditContext) -> Result<ReferralRecord> =
            |db| referrals::create_referral(db, r, audit);
        read fn referral(&self, id: ReferralId) -> Result<ReferralRecord> =
            |db| referrals::referral(db, *id);
        read fn referrals(&self, filter: &ReferralFilter) -> Result<Vec<ReferralRecord>> =
            |db| referrals::referrals(db, filter);
        write fn update_referral(
            &self,
            id: ReferralId,
            expected_version: i64,
            content: ReferralContent,
            audit: AuditContext,
        ) -> Result<ReferralRecord> =
            |db| referrals::update_referral(db, *id, *expected_version, content, audit);
        write fn referral_step(
            &self,
            id: ReferralId,
            expected_version: i64,
            step: NewReferralStep,
            audit: AuditContext,
        ) -> Result<ReferralRecord> =
            |db| referrals::referral_step(db, *id, *expected_version, step, audit);
        read fn referral_events(&self, id: ReferralId) -> Result<Vec<ReferralEvent>> =
            |db| referrals::referral_events(db, *id);
        write fn create_referral_link(
            &self,
            link: NewReferralLink,
            audit: AuditContext,
        ) -> Result<ReferralLink> = |db| referrals::create_referral_link(db, link, audit);
        read fn referral_links(&self, referral: ReferralId) -> Result<Vec<ReferralLink>> =
            |db| referrals::referral_links(db, *referral);
        write fn revoke_referral_link(
            &self,
            referral: ReferralId,
            link: uuid::Uuid,
            audit: AuditContext,
        ) -> Result<()> = |db| referrals::revoke_referral_link(db, *referral, *link, audit);
        read fn referral_by_link(
            &self,
            token_hash: &str,
        ) -> Result<Option<(ReferralLink, ReferralRecord)>> =
            |db| referrals::referral_by_link(db, token_hash);
    }
}
