//! The reintegration plan, after the template of Annex 3: the returnee's objectives per
//! dimension, immediate and longer-term assistance, what the grant buys, the referrals to make,
//! the baseline scores, community-project participants and the exit strategy.
//!
//! A plan is agreed jointly. Each version records the returnee's agreement and a supervisor's
//! approval; an amendment is a new version, which needs the returnee's agreement again.

use serde::{Deserialize, Serialize};
use time::Date;

use crate::case::{ReturneeProfile, full_years_between, named_enum};
use crate::rss::add_months;
use crate::validation::ValidationErrors;

use super::{Dimension, check_long, check_short, opt_text};

named_enum!(
    /// Immediate assistance (Annex 3, section 2).
    Immediate {
        Cash = "cash",
        BasicNeeds = "basic_needs",
        Accommodation = "accommodation",
        Medical = "medical",
        Other = "other",
    }
);

named_enum!(
    /// Longer-term assistance, from the plan template (Annex 3) and the assistance described in
    /// Module 2 §2.4–2.6.
    AssistanceKind {
        CashForWork = "cash_for_work",
        IncomeGenerating = "income_generating",
        Microbusiness = "microbusiness",
        CollectiveProject = "collective_project",
        CommunityProject = "community_project",
        JobPlacement = "job_placement",
        VocationalTraining = "vocational_training",
        BusinessSupport = "business_support",
        BankingMicrocredit = "banking_microcredit",
        FinancialCounselling = "financial_counselling",
        EconomicOther = "economic_other",
        Housing = "housing",
        Medical = "medical",
        Education = "education",
        SkillsDevelopment = "skills_development",
        Legal = "legal",
        Documentation = "documentation",
        SocialProtection = "social_protection",
        ChildCare = "child_care",
        FoodWater = "food_water",
        SecurityMeasures = "security_measures",
        SocialOther = "social_other",
        IndividualFamilyPsychosocial = "individual_family_psychosocial",
        CommunityPsychosocial = "community_psychosocial",
        MentalHealthReferral = "mental_health_referral",
        PsychosocialOther = "psychosocial_other",
    }
);

impl AssistanceKind {
    pub fn dimension(self) -> Dimension {
        use AssistanceKind::*;
        match self {
            CashForWork | IncomeGenerating | Microbusiness | CollectiveProject
            | CommunityProject | JobPlacement | VocationalTraining | BusinessSupport
            | BankingMicrocredit | FinancialCounselling | EconomicOther => Dimension::Economic,
            Housing | Medical | Education | SkillsDevelopment | Legal | Documentation
            | SocialProtection | ChildCare | FoodWater | SecurityMeasures | SocialOther => {
                Dimension::Social
            }
            IndividualFamilyPsychosocial
            | CommunityPsychosocial
            | MentalHealthReferral
            | PsychosocialOther => Dimension::Psychosocial,
        }
    }
}

named_enum!(
    /// How an item is delivered. Cash and in-kind items carry a budget that disbursements draw on.
    Modality { Cash = "cash", InKind = "in_kind", Service = "service", Referral = "referral" }
);

impl Modality {
    pub fn is_grant(self) -> bool {
        matches!(self, Modality::Cash | Modality::InKind)
    }
}

/// What an item of an approved plan counts as among the kinds of assistance a returnee
/// received ("what works", the sampling frame's strata): its dimension, and for a grant its
/// modality (cash or in kind). Kinds and modalities as stored; one not known counts for nothing.
pub fn counted_as(kind: &str, modality: Option<&str>) -> Vec<&'static str> {
    let mut out = Vec::new();
    if let Some(kind) = AssistanceKind::parse(kind) {
        out.push(kind.dimension().as_str());
    }
    if let Some(m) = modality.and_then(Modality::parse).filter(|m| m.is_grant()) {
        out.push(m.as_str());
    }
    out
}

named_enum!(
    /// Who carries out an item: the plan names actions of the returnee as well as the
    /// organisation's (Module 2 §2.1.2, Step 5).
    Responsible { Returnee = "returnee", Organisation = "organisation", Provider = "provider" }
);

named_enum!(
    ItemStatus {
        Planned = "planned",
        InProgress = "in_progress",
        Completed = "completed",
        Cancelled = "cancelled",
    }
);

named_enum!(
    /// How the returnee agreed to a plan version.
    AgreementMethod { Signed = "signed", Thumbprint = "thumbprint", Verbal = "verbal" }
);

/// The returnee's own objectives, one summary per dimension (Annex 3, section 1).
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
pub struct Objectives {
    #[serde(default)]
    pub economic: String,
    #[serde(default)]
    pub social: String,
    #[serde(default)]
    pub psychosocial: String,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
pub struct PlanItem {
    /// Stable across versions, so disbursements and follow-ups keep pointing at the same item.
    pub key: u32,
    pub kind: AssistanceKind,
    #[serde(default)]
    pub details: String,
    pub modality: Modality,
    #[serde(default)]
    pub provider: String,
    pub responsible: Responsible,
    /// Estimated duration, in the returnee's terms ("3 months", "until the end of the school year").
    #[serde(default)]
    pub duration: String,
    pub status: ItemStatus,
    /// The household member the item is for; `None` for the returnee.
    #[serde(default)]
    pub beneficiary: Option<String>,
    /// Budget in whole units of the programme's currency (cash and in-kind items).
    #[serde(default)]
    pub budget: Option<u64>,
    /// The feasibility-grid approach this item was picked from, if any.
    #[serde(default)]
    pub grid_approach: Option<String>,
}

impl PlanItem {
    /// An item started from a feasibility-grid approach, linked to it; the case manager
    /// completes the kind, provider, duration and budget.
    pub fn from_grid(a: &super::feasibility::GridApproach, key: u32) -> Self {
        use super::feasibility::Delivery;
        PlanItem {
            key,
            kind: a.plan_kind.unwrap_or(match a.dimension {
                Dimension::Economic => AssistanceKind::EconomicOther,
                Dimension::Social => AssistanceKind::SocialOther,
                Dimension::Psychosocial => AssistanceKind::PsychosocialOther,
            }),
            details: a.approach.clone(),
            modality: a.plan_modality.unwrap_or(match a.delivery {
                Delivery::Referral => Modality::Referral,
                Delivery::Direct | Delivery::Either => Modality::Service,
            }),
            provider: String::new(),
            responsible: Responsible::Organisation,
            duration: String::new(),
            status: ItemStatus::Planned,
            beneficiary: None,
            budget: None,
            grid_approach: Some(a.key.clone()),
        }
    }
}

/// Goods, equipment or a service bought with the reintegration grant (Annex 3, section 3).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
pub struct Purchase {
    pub item: String,
    pub estimated_cost: u64,
}

/// A referral the plan foresees (Annex 3, section 4).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
pub struct PlannedReferral {
    pub agency: String,
    pub assistance: String,
}

/// A returnee or community member in a community-level project (Annex 3, section 6).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
pub struct ProjectParticipant {
    pub name: String,
    #[serde(default)]
    pub role: String,
}

/// The scores of the latest survey when the plan was written (Annex 3, section 5).
#[derive(Clone, Copy, Debug, PartialEq, Serialize, Deserialize, utoipa::ToSchema)]
pub struct BaselineScores {
    #[serde(with = "crate::case::date")]
    #[schema(value_type = String, format = Date)]
    pub survey_date: Date,
    pub economic: Option<f64>,
    pub social: Option<f64>,
    pub psychosocial: Option<f64>,
    pub composite: Option<f64>,
}

impl Eq for BaselineScores {}

#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
pub struct PlanContent {
    #[serde(default)]
    pub objectives: Objectives,
    #[serde(default)]
    pub immediate: Vec<Immediate>,
    #[serde(default)]
    pub immediate_other: Option<String>,
    #[serde(default)]
    pub items: Vec<PlanItem>,
    #[serde(default)]
    pub purchases: Vec<Purchase>,
    #[serde(default)]
    pub referrals: Vec<PlannedReferral>,
    #[serde(default)]
    pub baseline: Option<BaselineScores>,
    #[serde(default)]
    // Inline: community projects have a `ProjectParticipant` of their own.
    #[schema(inline)]
    pub community_participants: Vec<ProjectParticipant>,
    #[serde(default)]
    pub expected_improvement: String,
    #[serde(default)]
    pub exit_strategy: String,
    /// Required when the plan concerns a child: how it serves the child's best interests.
    #[serde(default)]
    pub best_interests_note: Option<String>,
    /// Where the plan is drawn up and signed.
    #[serde(default)]
    pub place: String,
}

/// Most rows a plan's lists accept; a real plan has far fewer.
pub const MAX_ROWS: usize = 60;
/// Largest amount accepted for one budget line or purchase.
pub const MAX_AMOUNT: u64 = 1_000_000_000;

named_enum!(
    /// Where a plan version stands.
    PlanStatus {
        Draft = "draft",
        AwaitingApproval = "awaiting_approval",
        Approved = "approved",
    }
);

impl PlanStatus {
    pub fn of(agreed: bool, approved: bool) -> Self {
        match (agreed, approved) {
            (_, true) => PlanStatus::Approved,
            (true, false) => PlanStatus::AwaitingApproval,
            (false, false) => PlanStatus::Draft,
        }
    }
    /// A version can be edited until it is approved; editing an agreed version withdraws the
    /// agreement, since the returnee agreed to something else.
    pub fn editable(self) -> bool {
        self != PlanStatus::Approved
    }
    /// A supervisor approves only what the returnee agreed to, and only once.
    pub fn approvable(self) -> bool {
        self == PlanStatus::AwaitingApproval
    }
}

/// Who the plan concerns that is a child, by name (the returnee first). A child in the
/// household makes a best-interests note a condition of agreement.
pub fn children_concerned(profile: &ReturneeProfile, today: Date) -> Vec<String> {
    let mut out = Vec::new();
    if profile.age_at_return().is_some_and(|a| a < 18)
        && profile
            .date_of_birth
            .is_none_or(|b| full_years_between(b, today).is_some_and(|a| a < 18))
    {
        out.push(profile.full_name());
    }
    for m in &profile.household {
        let child = match m.date_of_birth {
            Some(born) => full_years_between(born, today).is_some_and(|a| a < 18),
            // Without a date of birth, a son or daughter is taken to be a child: asking for a
            // best-interests note when it was not needed costs less than missing one.
            None => m.relationship == crate::case::Relationship::Child,
        };
        if child {
            out.push(m.name.clone());
        }
    }
    out
}

/// The date by which the plan should be agreed: one month after return (Module 2 §2.3).
pub fn agreement_target(return_date: Date) -> Date {
    add_months(return_date, 1)
}

/// Whether the plan is (or was) agreed later than the one-month target.
pub fn agreement_late(return_date: Date, first_agreed: Option<Date>, today: Date) -> bool {
    first_agreed.unwrap_or(today) > agreement_target(return_date)
}

impl PlanContent {
    pub fn normalised(mut self) -> Self {
        fn t(s: &mut String) {
            *s = s.trim().to_string();
        }
        t(&mut self.objectives.economic);
        t(&mut self.objectives.social);
        t(&mut self.objectives.psychosocial);
        self.immediate.sort();
        self.immediate.dedup();
        self.immediate_other = opt_text(self.immediate_other);
        for i in &mut self.items {
            t(&mut i.details);
            t(&mut i.provider);
            t(&mut i.duration);
            i.beneficiary = opt_text(i.beneficiary.take());
            i.grid_approach = opt_text(i.grid_approach.take());
        }
        self.purchases
            .retain(|p| !p.item.trim().is_empty() || p.estimated_cost > 0);
        for p in &mut self.purchases {
            t(&mut p.item);
        }
        self.referrals
            .retain(|r| !(r.agency.trim().is_empty() && r.assistance.trim().is_empty()));
        for r in &mut self.referrals {
            t(&mut r.agency);
            t(&mut r.assistance);
        }
        self.community_participants
            .retain(|p| !(p.name.trim().is_empty() && p.role.trim().is_empty()));
        for p in &mut self.community_participants {
            t(&mut p.name);
            t(&mut p.role);
        }
        t(&mut self.expected_improvement);
        t(&mut self.exit_strategy);
        t(&mut self.place);
        self.best_interests_note = opt_text(self.best_interests_note);
        self
    }

    /// The next free item key.
    pub fn next_key(&self) -> u32 {
        self.items.iter().map(|i| i.key).max().unwrap_or(0) + 1
    }

    pub fn item(&self, key: u32) -> Option<&PlanItem> {
        self.items.iter().find(|i| i.key == key)
    }

    /// The estimated cost of everything the grant buys.
    pub fn purchases_total(&self) -> u64 {
        self.purchases.iter().map(|p| p.estimated_cost).sum()
    }

    /// The budget of the cash and in-kind items.
    pub fn budget_total(&self) -> u64 {
        self.items.iter().filter_map(|i| i.budget).sum()
    }

    /// Checks that hold for any saved version, draft or not. Field names match the plan form
    /// and the JSON API (`items.2.details`).
    pub fn check_draft(&self) -> Result<(), ValidationErrors> {
        let mut e = ValidationErrors::new();
        check_long(
            &mut e,
            "objectives.economic",
            &self.objectives.economic,
            false,
        );
        check_long(&mut e, "objectives.social", &self.objectives.social, false);
        check_long(
            &mut e,
            "objectives.psychosocial",
            &self.objectives.psychosocial,
            false,
        );
        if self.immediate.contains(&Immediate::Other) && self.immediate_other.is_none() {
            e.add("immediate_other", "error-other-needs-details");
        }
        check_short(
            &mut e,
            "immediate_other",
            self.immediate_other.as_deref().unwrap_or(""),
            false,
        );
        for (name, len) in [
            ("items", self.items.len()),
            ("purchases", self.purchases.len()),
            ("referrals", self.referrals.len()),
            ("community_participants", self.community_participants.len()),
        ] {
            if len > MAX_ROWS {
                e.add(name, "error-too-many");
            }
        }
        let mut keys = std::collections::HashSet::new();
        for (n, i) in self.items.iter().enumerate() {
            let f = |x: &str| format!("items.{n}.{x}");
            if !keys.insert(i.key) {
                e.add(f("key"), "error-duplicate");
            }
            check_long(&mut e, &f("details"), &i.details, true);
            check_short(&mut e, &f("provider"), &i.provider, false);
            check_short(&mut e, &f("duration"), &i.duration, false);
            check_short(
                &mut e,
                &f("beneficiary"),
                i.beneficiary.as_deref().unwrap_or(""),
                false,
            );
            match i.budget {
                Some(b) if b > MAX_AMOUNT => e.add(f("budget"), "error-amount-too-large"),
                Some(_) if !i.modality.is_grant() => e.add(f("budget"), "error-budget-not-grant"),
                _ => {}
            }
        }
        for (n, p) in self.purchases.iter().enumerate() {
            check_short(&mut e, &format!("purchases.{n}.item"), &p.item, true);
            if p.estimated_cost > MAX_AMOUNT {
                e.add(
                    format!("purchases.{n}.estimated_cost"),
                    "error-amount-too-large",
                );
            }
        }
        for (n, r) in self.referrals.iter().enumerate() {
            check_short(&mut e, &format!("referrals.{n}.agency"), &r.agency, true);
            check_short(
                &mut e,
                &format!("referrals.{n}.assistance"),
                &r.assistance,
                true,
            );
        }
        for (n, p) in self.community_participants.iter().enumerate() {
            check_short(
                &mut e,
                &format!("community_participants.{n}.name"),
                &p.name,
                true,
            );
            check_short(
                &mut e,
                &format!("community_participants.{n}.role"),
                &p.role,
                false,
            );
        }
        check_long(
            &mut e,
            "expected_improvement",
            &self.expected_improvement,
            false,
        );
        check_long(&mut e, "exit_strategy", &self.exit_strategy, false);
        check_long(
            &mut e,
            "best_interests_note",
            self.best_interests_note.as_deref().unwrap_or(""),
            false,
        );
        check_short(&mut e, "place", &self.place, false);
        e.into_result(())
    }

    /// What the returnee can only agree to once it is there: an objective, some assistance,
    /// an exit strategy, the place, and a best-interests note when a child is concerned.
    pub fn check_for_agreement(&self, children: &[String]) -> Result<(), ValidationErrors> {
        let mut e = self.check_draft().err().unwrap_or_default();
        let o = &self.objectives;
        if o.economic.is_empty() && o.social.is_empty() && o.psychosocial.is_empty() {
            e.add("objectives", "error-plan-objectives");
        }
        if self.items.is_empty() && self.immediate.is_empty() {
            e.add("items", "error-plan-assistance");
        }
        if self.exit_strategy.is_empty() {
            e.add("exit_strategy", "error-required");
        }
        if self.place.is_empty() {
            e.add("place", "error-required");
        }
        if !children.is_empty() && self.best_interests_note.is_none() {
            e.add("best_interests_note", "error-best-interests");
        }
        e.into_result(())
    }
}

/// One payment or delivery of goods against a cash or in-kind plan item.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
pub struct Disbursement {
    pub item_key: u32,
    #[serde(with = "crate::case::date")]
    #[schema(value_type = String, format = Date)]
    pub date: Date,
    /// Whole units of the programme's currency (the value of goods, for in-kind).
    pub amount: u64,
    /// Instalment number within the item, from 1.
    pub instalment: u32,
    /// How it reached the returnee: bank transfer, mobile money, goods handed over …
    #[serde(default)]
    pub channel: String,
    #[serde(default)]
    pub notes: String,
}

/// Budget, paid so far and what remains, for one plan item.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, utoipa::ToSchema)]
pub struct ItemBalance {
    pub item_key: u32,
    pub budget: u64,
    pub disbursed: u64,
    /// Negative only when an older, larger budget was cut after payments were made.
    pub remaining: i64,
    pub instalments: u32,
}

fn to_i64(v: u64) -> i64 {
    i64::try_from(v).unwrap_or(i64::MAX)
}

/// Balances of every cash and in-kind item of a plan version, given all disbursements so far.
pub fn balances(plan: &PlanContent, disbursed: &[Disbursement]) -> Vec<ItemBalance> {
    plan.items
        .iter()
        .filter(|i| i.modality.is_grant())
        .map(|i| {
            let paid: Vec<_> = disbursed.iter().filter(|d| d.item_key == i.key).collect();
            let total: u64 = paid.iter().map(|d| d.amount).sum();
            let budget = i.budget.unwrap_or(0);
            ItemBalance {
                item_key: i.key,
                budget,
                disbursed: total,
                remaining: to_i64(budget) - to_i64(total),
                instalments: u32::try_from(paid.len()).unwrap_or(u32::MAX),
            }
        })
        .collect()
}

/// Checks a new disbursement against the approved plan and what was paid before, and numbers
/// its instalment. Paying more than the item's budget takes a plan amendment first.
pub fn check_disbursement(
    plan: &PlanContent,
    earlier: &[Disbursement],
    mut d: Disbursement,
    today: Date,
) -> Result<Disbursement, ValidationErrors> {
    let mut e = ValidationErrors::new();
    d.channel = d.channel.trim().to_string();
    d.notes = d.notes.trim().to_string();
    super::check_not_future(&mut e, "date", d.date, today);
    check_short(&mut e, "channel", &d.channel, false);
    check_long(&mut e, "notes", &d.notes, false);
    if d.amount == 0 {
        e.add("amount", "error-amount-positive");
    }
    match plan.item(d.item_key) {
        None => e.add("item_key", "error-choice"),
        Some(i) if !i.modality.is_grant() => e.add("item_key", "error-not-grant-item"),
        Some(i) if i.status == ItemStatus::Cancelled => e.add("item_key", "error-item-cancelled"),
        Some(_) => {
            let b = balances(plan, earlier)
                .into_iter()
                .find(|b| b.item_key == d.item_key);
            if let Some(b) = b {
                if to_i64(d.amount) > b.remaining {
                    e.add("amount", "error-over-budget");
                }
                d.instalment = b.instalments + 1;
            }
        }
    }
    e.into_result(d)
}

#[cfg(test)]
#[path = "plan_tests.rs"]
mod tests;
