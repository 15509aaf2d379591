//! Retention with a fixed clock: on a generated programme, closed cases are anonymised once
//! the programme's retention period after their closure has passed, not before; their personal
//! data goes; and every handbook indicator, on every axis, reads the same before and after.

use std::sync::Arc;

use app::{App, Clock};
use domain::authz::{Actor, CaseListScope, RestrictedVisibility};
use domain::case::CaseStage;
use domain::me::{AgeBands, Axis, Source, handbook_indicators};
use domain::pathway::closure::{Closure, ClosureReason};
use store::{AuditContext, CaseQuery, TallyQuery};
use time::macros::{date, datetime};

fn demo(dir: &std::path::Path, cases: usize) {
    let out = std::process::Command::new(env!("CARGO_BIN_EXE_reintegra"))
        .args(["demo", "--cases", &cases.to_string(), "--seed", "11"])
        .arg("--data-dir")
        .arg(dir)
        .env_remove("REINTEGRA_DATA_DIR")
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
}

/// Every figure the results pages show for the handbook's indicators (each axis and none),
/// and the caseload by office, stage and sex.
async fn figures(s: &Arc<dyn store::Store>) -> Vec<String> {
    let mut out = Vec::new();
    for (name, _, computation, axes) in handbook_indicators() {
        // The sources counted in the database; the others are counted by the application
        // from records anonymising does not touch.
        if !matches!(
            computation.source,
            Source::Surveys | Source::Cases | Source::Referrals
        ) {
            continue;
        }
        let axes = std::iter::once(None).chain(axes.into_iter().map(Some));
        for axis in axes.chain([Some(Axis::Province), Some(Axis::ReturnMode)]) {
            let q = TallyQuery {
                computation: computation.clone(),
                from: date!(2000 - 01 - 01),
                to: date!(2040 - 12 - 31),
                axis,
                office: None,
                offices: None,
                countries: vec![],
                age_bands: AgeBands::default(),
            };
            let rows = s.tallies(&q).await.unwrap();
            out.push(format!("{name} {axis:?}: {rows:?}"));
        }
    }
    out.push(format!("{:?}", s.case_counts(None).await.unwrap()));
    out
}

fn closure() -> Closure {
    serde_json::from_value(serde_json::json!({
        "date": "2026-01-10",
        "reason": ClosureReason::PlannedEnd.as_str(),
        "reasons_explored": "Awa said she wants to move to Thies with her uncle",
        "needs_met": "shop open", "needs_unmet": "", "needs_emerging": "",
        "handovers": [], "no_final_survey_reason": "", "carried_over": []
    }))
    .unwrap()
}

#[tokio::test]
async fn closed_cases_are_anonymised_after_the_retention_period_and_figures_do_not_change() {
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path().join("d");
    demo(&dir, 120);
    let s: Arc<dyn store::Store> = Arc::new(store::SqliteStore::open_in(&dir).await.unwrap());
    let admin = s
        .user_by_username(&domain::Username::parse("admin").unwrap())
        .await
        .unwrap()
        .unwrap();
    // A national programme manager sets the programme's retention period.
    let actor = Actor {
        user_id: admin.id,
        role: domain::Role::ProgrammeManager,
        office: None,
        organisation: None,
    };
    let scope = CaseListScope {
        office: None,
        restricted: RestrictedVisibility::All,
    };
    let mut query = CaseQuery::new(scope);
    query.per_page = 200;
    let cases = s.list_cases(&query).await.unwrap().items;
    assert!(cases.len() >= 100);

    // Twenty cases closed in January, twenty in June (approval time is the audit's).
    let (early, late) = (&cases[..20], &cases[20..40]);
    for (group, at) in [
        (early, datetime!(2026-01-15 09:00 UTC)),
        (late, datetime!(2026-06-01 09:00 UTC)),
    ] {
        for c in group {
            let closing = s
                .request_closure(
                    c.id,
                    closure(),
                    CaseStage::Closure,
                    AuditContext::by(admin.id, at),
                )
                .await
                .unwrap();
            s.approve_closure(
                c.id,
                closing.id,
                false,
                CaseStage::Closed,
                AuditContext::by(admin.id, at),
            )
            .await
            .unwrap();
        }
    }
    let before = figures(&s).await;
    // Real figures, broken down by age band among others.
    assert!(
        before
            .iter()
            .any(|f| f.contains("Some(AgeBand)") && f.contains("group: Some(\"25–34\")")),
        "{before:#?}"
    );
    let early_case = s.case(early[0].id).await.unwrap();
    assert!(!early_case.profile.given_name.is_empty());

    let at = |when| App::new(s.clone()).with_clock(Clock::Fixed(when));
    // No period set: nothing happens.
    let run = app::retention::run(&at(datetime!(2030-01-01 00:00 UTC)))
        .await
        .unwrap();
    assert_eq!(run.anonymised, 0);
    // Six months. A bad period is refused and changes nothing.
    let now = at(datetime!(2026-07-20 08:00 UTC));
    assert!(
        app::retention::set_retention_months(&now, &actor, "0")
            .await
            .is_err()
    );
    assert!(
        app::retention::set_retention_months(&now, &actor, "six")
            .await
            .is_err()
    );
    app::retention::set_retention_months(&now, &actor, "6")
        .await
        .unwrap();

    // 20 July: January's closures are past six months, June's are not.
    let run = app::retention::run(&now).await.unwrap();
    assert_eq!((run.closed, run.anonymised), (40, 20));
    for c in early {
        assert!(s.case(c.id).await.unwrap().anonymised_at.is_some());
    }
    for c in late {
        assert!(s.case(c.id).await.unwrap().anonymised_at.is_none());
    }
    // Again the same day: nothing more.
    assert_eq!(app::retention::run(&now).await.unwrap().anonymised, 0);
    // 1 December: June's too.
    let run = app::retention::run(&at(datetime!(2026-12-01 00:00 UTC)))
        .await
        .unwrap();
    assert_eq!((run.closed, run.anonymised), (20, 20));

    // The figures read the same.
    let after = figures(&s).await;
    assert_eq!(before.len(), after.len());
    for (b, a) in before.iter().zip(&after) {
        assert_eq!(b, a);
    }

    // What identified the returnee is gone, in the case, its records and its audit trail.
    let gone = s.case(early[0].id).await.unwrap();
    assert_eq!(gone.profile.given_name, "");
    assert_eq!(gone.profile.family_name, "");
    assert_eq!(gone.profile.date_of_birth, None);
    assert_eq!(gone.profile.phone, None);
    assert_eq!(gone.profile.address, None);
    assert!(gone.profile.household.iter().all(|m| m.name.is_empty()));
    assert_eq!(gone.profile.sex, early_case.profile.sex);
    assert_eq!(
        gone.profile.return_province,
        early_case.profile.return_province
    );
    let texts = s.case_texts(early[0].id).await.unwrap();
    for (_, body) in &texts.closures {
        assert!(!body.contains("Thies"), "{body}");
        assert!(body.contains("planned_end"), "{body}");
    }
    // Whole words only: a short family name ("Ba", "Sy") is part of answer codes such as "baseline".
    let name = early_case.profile.family_name.to_lowercase();
    for (_, _, _, answers) in &texts.submissions {
        let lowered = answers.to_lowercase();
        let mut words = lowered.split(|c: char| !c.is_alphanumeric());
        assert!(words.all(|w| w != name), "{answers}");
    }
    let trail = s
        .audit_for_record(
            "case",
            &early[0].id.to_string(),
            store::AuditScope::ChangesAndViews,
        )
        .await
        .unwrap();
    assert!(
        trail
            .iter()
            .flat_map(|e| &e.changes)
            .all(|c| c.before.is_none() && c.after.is_none())
    );
    let last = trail.last().unwrap();
    assert_eq!(last.action, domain::audit::AuditAction::Anonymise);
    assert_eq!(last.actor, None, "the retention job, not a person");
    // A name search no longer finds it; its case number still does.
    let mut by_name = CaseQuery::new(scope);
    by_name.text = Some(early_case.profile.family_name.clone());
    let found = s.list_cases(&by_name).await.unwrap().items;
    assert!(found.iter().all(|c| c.id != early[0].id));
    let mut by_number = CaseQuery::new(scope);
    by_number.text = Some(early_case.number.to_string());
    let found = s.list_cases(&by_number).await.unwrap().items;
    assert!(found.iter().any(|c| c.id == early[0].id));
}
