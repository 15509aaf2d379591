//! Keeping personal data no longer than needed (Module 5, data protection): after a retention
//! period following closure, or at once when the returnee asks and a programme manager
//! approves, a case is anonymised. What identifies or describes the person goes (names,
//! contacts, addresses, every free text, the date of birth, which becomes the age band's
//! lower bound); what the figures count stays (codes, dates of events, amounts, scores), so
//! indicators read the same before and after.

use serde::Serialize;
use serde::de::DeserializeOwned;
use time::OffsetDateTime;

use crate::me::AgeBands;
use crate::pathway::closure::{CarriedOver, Closure, Handover};
use crate::pathway::followup::FollowUpVisit;
use crate::pathway::plan::{
    Disbursement, PlanContent, PlanItem, PlannedReferral, ProjectParticipant, Purchase,
};
use crate::pathway::{CounsellingSession, UnmetNeed, UrgentReferral};
use crate::referral::ReferralContent;

/// The most months a programme may keep closed cases before anonymising them (ten years).
pub const MAX_RETENTION_MONTHS: u16 = 120;

/// When a closed case is due: its closure was approved at least `months` ago.
pub fn is_due(closed_at: OffsetDateTime, now: OffsetDateTime, months: u16) -> bool {
    crate::rss::add_months(closed_at.date(), u32::from(months)) <= now.date()
}

/// The age an anonymised case keeps: the lower bound of its band, so that every breakdown by
/// age band reads the same and the exact age (with the return date, nearly a birth date) goes.
pub fn age_kept(bands: &AgeBands, age: Option<u16>) -> Option<u16> {
    let age = age?;
    bands
        .lower_bounds
        .iter()
        .rev()
        .find(|b| **b <= age)
        .copied()
}

/// Removing what describes a person from a record, keeping what figures count.
pub trait Anonymise {
    fn anonymise(&mut self);
}

/// Re-writes a JSON body of type `T` anonymised. A body that is not a `T` keeps no text at
/// all: every string in it is emptied (and what is not JSON becomes `{}`).
pub fn anonymise_json<T: Anonymise + Serialize + DeserializeOwned>(body: &str) -> String {
    let typed = serde_json::from_str::<T>(body).ok().and_then(|mut value| {
        value.anonymise();
        serde_json::to_string(&value).ok()
    });
    typed.unwrap_or_else(|| blank_strings(body))
}

fn blank_strings(body: &str) -> String {
    fn walk(v: &mut serde_json::Value) {
        match v {
            serde_json::Value::String(s) => s.clear(),
            serde_json::Value::Array(a) => a.iter_mut().for_each(walk),
            serde_json::Value::Object(o) => o.values_mut().for_each(walk),
            _ => {}
        }
    }
    match serde_json::from_str::<serde_json::Value>(body) {
        Ok(mut v) => {
            walk(&mut v);
            v.to_string()
        }
        Err(_) => "{}".to_string(),
    }
}

/// Why an erasure was asked for, or refused: required, one text of ordinary length, kept as
/// every text is.
pub fn erasure_reason(
    field: &str,
    text: &str,
) -> Result<String, crate::validation::ValidationErrors> {
    let reason = crate::text::tidy(text);
    let mut e = crate::validation::ValidationErrors::new();
    if reason.is_empty() {
        e.add(field, "error-required");
    } else if let Some(problem) = crate::text::text_problem(&reason, true) {
        e.add(field, problem);
    } else if reason.chars().count() > crate::case::MAX_LONG_TEXT {
        e.add(field, "error-too-long");
    }
    e.into_result(reason)
}

fn blank(s: &mut String) {
    s.clear();
}

fn blank_opt(s: &mut Option<String>) {
    *s = None;
}

impl Anonymise for CounsellingSession {
    fn anonymise(&mut self) {
        blank(&mut self.topics);
        blank(&mut self.next_steps);
        blank_opt(&mut self.sensitive_notes);
    }
}

impl Anonymise for FollowUpVisit {
    fn anonymise(&mut self) {
        blank(&mut self.findings);
        blank(&mut self.plan_changes);
    }
}

impl Anonymise for Disbursement {
    fn anonymise(&mut self) {
        blank(&mut self.channel);
        blank(&mut self.notes);
    }
}

impl Anonymise for UnmetNeed {
    fn anonymise(&mut self) {
        blank(&mut self.need);
        blank(&mut self.notes);
    }
}

impl Anonymise for UrgentReferral {
    fn anonymise(&mut self) {
        blank(&mut self.concern);
        blank(&mut self.action);
    }
}

impl Anonymise for PlanItem {
    fn anonymise(&mut self) {
        blank(&mut self.details);
        blank(&mut self.provider);
        blank(&mut self.duration);
        // A household member's name, when the item is for one.
        blank_opt(&mut self.beneficiary);
    }
}

impl Anonymise for PlanContent {
    fn anonymise(&mut self) {
        blank(&mut self.objectives.economic);
        blank(&mut self.objectives.social);
        blank(&mut self.objectives.psychosocial);
        blank_opt(&mut self.immediate_other);
        self.items.iter_mut().for_each(PlanItem::anonymise);
        for Purchase { item, .. } in &mut self.purchases {
            blank(item);
        }
        for PlannedReferral { agency, assistance } in &mut self.referrals {
            blank(agency);
            blank(assistance);
        }
        // Other people's names: the rows go, their number would still be counted nowhere.
        for ProjectParticipant { name, role } in &mut self.community_participants {
            blank(name);
            blank(role);
        }
        blank(&mut self.expected_improvement);
        blank(&mut self.exit_strategy);
        blank_opt(&mut self.best_interests_note);
        blank(&mut self.place);
    }
}

impl Anonymise for Closure {
    fn anonymise(&mut self) {
        blank(&mut self.reasons_explored);
        blank(&mut self.needs_met);
        blank(&mut self.needs_unmet);
        blank(&mut self.needs_emerging);
        blank(&mut self.no_final_survey_reason);
        for Handover {
            agency, purpose, ..
        } in &mut self.handovers
        {
            blank(agency);
            blank(purpose);
        }
        for CarriedOver { item, reason } in &mut self.carried_over {
            blank(item);
            blank(reason);
        }
    }
}

impl Anonymise for ReferralContent {
    fn anonymise(&mut self) {
        blank(&mut self.reason);
        blank(&mut self.health_note);
        blank(&mut self.protection_note);
        blank(&mut self.psychosocial_note);
        if let Some(c) = &mut self.consent {
            blank(&mut c.purpose);
        }
        if let Some(o) = &mut self.consent_override {
            blank(&mut o.professional);
            blank(&mut o.justification);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use time::macros::datetime;

    #[test]
    fn a_case_is_due_the_retention_period_after_its_closure() {
        let closed = datetime!(2024-01-31 10:00 UTC);
        assert!(!is_due(closed, datetime!(2024-07-30 23:00 UTC), 6));
        assert!(is_due(closed, datetime!(2024-07-31 00:00 UTC), 6));
        assert!(is_due(closed, datetime!(2026-01-01 00:00 UTC), 6));
        assert!(is_due(closed, datetime!(2024-01-31 12:00 UTC), 0));
    }

    #[test]
    fn ages_become_the_lower_bound_of_their_band() {
        let bands = AgeBands::default();
        assert_eq!(age_kept(&bands, Some(31)), Some(25));
        assert_eq!(age_kept(&bands, Some(18)), Some(18));
        assert_eq!(age_kept(&bands, Some(70)), Some(60));
        assert_eq!(age_kept(&bands, None), None);
        for age in 0..100 {
            assert_eq!(
                bands.band(age_kept(&bands, Some(age))),
                bands.band(Some(age)),
                "{age}"
            );
        }
    }

    #[test]
    fn free_text_goes_and_codes_dates_and_amounts_stay() {
        let body = r#"{"date":"2026-03-02","dimension":"economic","need":"Awa needs a loan for her shop in Pikine","reason":"not_available","notes":"call her brother on 77 000 00 00"}"#;
        let out = anonymise_json::<UnmetNeed>(body);
        let v: serde_json::Value = serde_json::from_str(&out).unwrap();
        assert_eq!(v["date"], "2026-03-02");
        assert_eq!(v["dimension"], "economic");
        assert_eq!(v["reason"], "not_available");
        assert_eq!(v["need"], "");
        assert_eq!(v["notes"], "");
        // Not the type asked for: no text survives; not JSON: nothing does.
        assert_eq!(
            anonymise_json::<UnmetNeed>(r#"{"x":["Awa",{"y":"Dakar"}],"n":3}"#),
            r#"{"n":3,"x":["",{"y":""}]}"#
        );
        assert_eq!(anonymise_json::<UnmetNeed>("not json"), "{}");
        assert!(erasure_reason("reason", " \u{200B} ").is_err());
        assert_eq!(erasure_reason("why", " Legal hold ").unwrap(), "Legal hold");
    }
}
