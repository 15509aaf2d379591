//! Tests of the plan's rules.

use super::*;

#[test]
fn only_an_agreed_version_awaiting_approval_can_be_approved() {
    assert!(
        !PlanStatus::of(false, false).approvable(),
        "a draft needs agreement first"
    );
    assert!(PlanStatus::of(true, false).approvable());
    assert!(!PlanStatus::of(true, true).approvable(), "approved once");
}
use crate::case::{HouseholdMember, Relationship};
use time::macros::date;

fn item(key: u32, modality: Modality, budget: Option<u64>) -> PlanItem {
    PlanItem {
        key,
        kind: AssistanceKind::Microbusiness,
        details: "Tailoring workshop".into(),
        modality,
        provider: String::new(),
        responsible: Responsible::Organisation,
        duration: "6 months".into(),
        status: ItemStatus::Planned,
        beneficiary: None,
        budget,
        grid_approach: None,
    }
}

fn plan() -> PlanContent {
    PlanContent {
        objectives: Objectives {
            economic: "Reopen the tailoring shop".into(),
            ..Default::default()
        },
        items: vec![
            item(1, Modality::InKind, Some(800)),
            item(2, Modality::Cash, Some(300)),
            item(3, Modality::Referral, None),
        ],
        purchases: vec![
            Purchase {
                item: "Sewing machine".into(),
                estimated_cost: 450,
            },
            Purchase {
                item: "Fabric".into(),
                estimated_cost: 350,
            },
        ],
        exit_strategy: "Hands over to the local tailors' association".into(),
        place: "Dakar".into(),
        ..Default::default()
    }
}

fn pay(item_key: u32, amount: u64) -> Disbursement {
    Disbursement {
        item_key,
        date: date!(2026 - 10 - 01),
        amount,
        instalment: 0,
        channel: "mobile money".into(),
        notes: String::new(),
    }
}

#[test]
fn totals_and_balances() {
    let p = plan();
    assert_eq!(p.purchases_total(), 800);
    assert_eq!(p.budget_total(), 1100);
    let b = balances(&p, &[pay(1, 500), pay(1, 100), pay(2, 300)]);
    assert_eq!(b.len(), 2, "only cash and in-kind items have a balance");
    assert_eq!(
        (b[0].disbursed, b[0].remaining, b[0].instalments),
        (600, 200, 2)
    );
    assert_eq!((b[1].disbursed, b[1].remaining), (300, 0));
}

#[test]
fn disbursements_are_numbered_and_kept_within_budget() {
    let p = plan();
    let today = date!(2026 - 11 - 23);
    let earlier = [pay(1, 500)];
    let d = check_disbursement(&p, &earlier, pay(1, 300), today).unwrap();
    assert_eq!(d.instalment, 2);
    let e = check_disbursement(&p, &earlier, pay(1, 301), today).unwrap_err();
    assert_eq!(e.for_field("amount"), Some("error-over-budget"));
    let e = check_disbursement(&p, &earlier, pay(3, 10), today).unwrap_err();
    assert_eq!(e.for_field("item_key"), Some("error-not-grant-item"));
    let e = check_disbursement(&p, &earlier, pay(9, 10), today).unwrap_err();
    assert_eq!(e.for_field("item_key"), Some("error-choice"));
    let e = check_disbursement(&p, &earlier, pay(2, 0), today).unwrap_err();
    assert_eq!(e.for_field("amount"), Some("error-amount-positive"));
    let mut late = pay(2, 10);
    late.date = date!(2026 - 12 - 01);
    let e = check_disbursement(&p, &earlier, late, today).unwrap_err();
    assert_eq!(e.for_field("date"), Some("error-date-in-future"));
}

#[test]
fn agreement_needs_the_essentials_and_a_best_interests_note_for_children() {
    let p = plan();
    assert!(p.check_for_agreement(&[]).is_ok());
    let e = p.check_for_agreement(&["Awa".into()]).unwrap_err();
    assert_eq!(
        e.for_field("best_interests_note"),
        Some("error-best-interests")
    );
    let empty = PlanContent::default();
    assert!(empty.check_draft().is_ok(), "an empty draft can be saved");
    let e = empty.check_for_agreement(&[]).unwrap_err();
    for f in ["objectives", "items", "exit_strategy", "place"] {
        assert!(e.for_field(f).is_some(), "{f}");
    }
    let mut bad = plan();
    bad.items[2].budget = Some(5);
    bad.items[0].details.clear();
    let e = bad.check_draft().unwrap_err();
    assert_eq!(
        e.for_field("items.2.budget"),
        Some("error-budget-not-grant")
    );
    assert_eq!(e.for_field("items.0.details"), Some("error-required"));
}

#[test]
fn a_grid_approach_becomes_a_linked_item_to_complete() {
    let grid = crate::pathway::feasibility::default_grid();
    let clinical = grid
        .iter()
        .find(|a| {
            a.delivery == crate::pathway::feasibility::Delivery::Referral
                && a.dimension == Dimension::Psychosocial
        })
        .unwrap();
    let i = PlanItem::from_grid(clinical, 4);
    assert_eq!(i.key, 4);
    assert_eq!(i.kind, AssistanceKind::MentalHealthReferral);
    assert_eq!(i.modality, Modality::Referral);
    assert_eq!(i.grid_approach.as_deref(), Some(clinical.key.as_str()));
    assert_eq!(i.details, clinical.approach);

    // A business start-up grant is a grant that takes payments, not an advisory service.
    let grant = grid
        .iter()
        .find(|a| a.key == "business_startup_grant")
        .unwrap();
    let i = PlanItem::from_grid(grant, 5);
    assert_eq!(i.kind, AssistanceKind::Microbusiness);
    assert!(i.modality.is_grant(), "{:?}", i.modality);
    // A grid stored before approaches said what they become falls back on the delivery.
    let older = crate::pathway::feasibility::GridApproach {
        plan_kind: None,
        plan_modality: None,
        ..grant.clone()
    };
    let i = PlanItem::from_grid(&older, 6);
    assert_eq!(
        (i.kind, i.modality),
        (AssistanceKind::EconomicOther, Modality::Service)
    );
}

#[test]
fn versions_move_from_draft_to_approved() {
    assert_eq!(PlanStatus::of(false, false), PlanStatus::Draft);
    assert_eq!(PlanStatus::of(true, false), PlanStatus::AwaitingApproval);
    assert_eq!(PlanStatus::of(true, true), PlanStatus::Approved);
    assert!(PlanStatus::AwaitingApproval.editable());
    assert!(!PlanStatus::Approved.editable());
}

#[test]
fn the_plan_is_due_a_month_after_return() {
    let back = date!(2026 - 01 - 31);
    assert_eq!(agreement_target(back), date!(2026 - 02 - 28));
    assert!(!agreement_late(
        back,
        Some(date!(2026 - 02 - 28)),
        date!(2026 - 06 - 01)
    ));
    assert!(agreement_late(
        back,
        Some(date!(2026 - 03 - 01)),
        date!(2026 - 06 - 01)
    ));
    assert!(!agreement_late(back, None, date!(2026 - 02 - 20)));
    assert!(agreement_late(back, None, date!(2026 - 03 - 01)));
}

#[test]
fn children_in_the_household_are_named() {
    let mut p = crate::case::tests::sample();
    p.household = vec![
        HouseholdMember {
            name: "Awa".into(),
            relationship: Relationship::Child,
            sex: None,
            date_of_birth: Some(date!(2015 - 05 - 01)),
            returned_together: Some(true),
            notes: None,
        },
        HouseholdMember {
            name: "Moussa".into(),
            relationship: Relationship::Child,
            sex: None,
            date_of_birth: Some(date!(1990 - 05 - 01)),
            returned_together: Some(true),
            notes: None,
        },
        HouseholdMember {
            name: "Ibou".into(),
            relationship: Relationship::Child,
            sex: None,
            date_of_birth: None,
            returned_together: None,
            notes: None,
        },
    ];
    assert_eq!(
        children_concerned(&p, date!(2026 - 11 - 23)),
        vec!["Awa".to_string(), "Ibou".to_string()]
    );
}

#[test]
fn an_item_counts_as_its_dimension_and_a_grant_as_its_modality() {
    assert_eq!(
        counted_as("microbusiness", Some("cash")),
        ["economic", "cash"]
    );
    assert_eq!(
        counted_as("housing", Some("in_kind")),
        ["social", "in_kind"]
    );
    assert_eq!(
        counted_as("individual_family_psychosocial", Some("service")),
        ["psychosocial"]
    );
    assert_eq!(counted_as("vocational_training", None), ["economic"]);
    assert!(counted_as("not_a_kind", Some("referral")).is_empty());
}
