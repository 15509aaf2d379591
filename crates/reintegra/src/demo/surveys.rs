use super::*;

/// How many returnees get surveys in a generated programme. Surveys go through the same path as
/// the pages (one submission, its scores, audit entries), which is slow for millions.
pub(super) const SURVEYED_CASES: usize = 2_000;

/// Reintegration Sustainability Surveys for the first returnees: a baseline, then the
/// intermediate and final rounds when enough time has passed, with answers that improve a
/// little over time. Interviewers are another case manager of the office where there is one,
/// as the handbook recommends.
///
/// One in three returnees surveyed at baseline then gets an approved plan with a cash grant for
/// a microbusiness. For women the grant works: their later surveys gain about 12 more points.
/// For men it does nothing. "What works" should find exactly that.
pub(super) async fn surveys(
    store: &SqliteStore,
    cases: &[(CaseId, usize, UserId)],
    managers: &[Vec<UserId>],
    seed: u64,
    now: OffsetDateTime,
) -> Result<()> {
    app::instruments::install_shipped_forms(store).await?;
    let version = store.latest_published_form(app::rss::RSS_FORM).await?;
    let form: forms::Form = serde_json::from_str(&version.definition)?;
    let compiled = forms::Compiled::new(form.clone())
        .map_err(|p| anyhow::anyhow!("the shipped survey does not compile: {p:?}"))?;
    let model = domain::rss::default_model();
    let mut rng = StdRng::seed_from_u64(seed ^ 0x5eed);
    let today = now.date();
    for (case_id, office_index, manager) in cases.iter().take(SURVEYED_CASES) {
        let case = store.case(*case_id).await?;
        let interviewer = managers[*office_index]
            .iter()
            .copied()
            .find(|m| m != manager)
            .unwrap_or(*manager);
        let back = case.profile.return_date;
        let mut wellbeing: f64 = rng.random_range(0.2..0.8);
        let mut baseline_done = false;
        let mut granted = false;
        let gets_grant = rng.random_bool(1.0 / 3.0);
        let rounds = [
            (domain::rss::Round::Baseline, 0, 30),
            (domain::rss::Round::Intermediate, 6, 90),
            (domain::rss::Round::Final, 12, 180),
        ];
        for (round, months, spread) in rounds {
            let date =
                domain::rss::add_months(back, months) + Duration::days(rng.random_range(0..spread));
            if date > today || rng.random_bool(0.15) {
                continue;
            }
            let mut answers = compiled.blank(date);
            app::rss::prefill(&form, &mut answers, &app::rss::case_values(&case, round));
            for (name, value) in [
                ("interview_location", "office"),
                ("private_space", "OK"),
                ("consent", "yes"),
                ("consent_form", "written"),
            ] {
                answers.set(name, value.to_string());
            }
            survey_answers(&mut rng, &form, &model, wellbeing, &mut answers);
            let sheet = app::rss::sheet_from_answers(&form, &answers)?;
            let at = now.replace_date(date);
            let id = uuid::Uuid::new_v4();
            let text = serde_json::to_string(&answers)?;
            let sub = store
                .create_submission(
                    store::NewSubmission {
                        id,
                        form_id: version.info.form_id.clone(),
                        form_version: version.info.version.clone(),
                        subject: store::Subject::Case(case.id),
                        answers: text.clone(),
                        interviewer,
                        interview_date: date,
                    },
                    AuditContext::by(interviewer, at),
                )
                .await?;
            store
                .update_submission(
                    store::SubmissionUpdate {
                        follow_on: None,
                        id,
                        expected_version: sub.version,
                        answers: text,
                        interview_date: date,
                        status: store::SubmissionStatus::Complete,
                        score: Some(store::NewRssScore {
                            submission: id,
                            case: case.id,
                            round,
                            interview_date: date,
                            interviewer,
                            scores: model.score(&sheet),
                        }),
                    },
                    AuditContext::by(interviewer, at),
                )
                .await?;
            wellbeing = (wellbeing + rng.random_range(0.0..0.15)).min(0.95);
            baseline_done |= round == domain::rss::Round::Baseline;
            if round == domain::rss::Round::Baseline && gets_grant {
                let agreed = date + Duration::days(7);
                if agreed <= today {
                    cash_grant(
                        store,
                        case.id,
                        agreed,
                        interviewer,
                        now.replace_date(agreed),
                    )
                    .await?;
                    granted = true;
                    if case.profile.sex == domain::case::Sex::Female {
                        wellbeing = (wellbeing + 0.12).min(0.95);
                    }
                }
            }
        }
        // The stage is derived from the data: a baseline survey alone puts a case in assessment,
        // an approved plan in implementation (set with the plan).
        if baseline_done && !granted {
            store
                .set_case_stage(
                    case.id,
                    domain::case::CaseStage::Assessment,
                    AuditContext::system(now, "demo data: derived stage"),
                )
                .await?;
        }
    }
    Ok(())
}

/// An approved plan with one cash grant for a microbusiness, agreed on `agreed` and approved by
/// `approver` (not the case manager).
async fn cash_grant(
    store: &SqliteStore,
    case: CaseId,
    agreed: Date,
    approver: UserId,
    at: OffsetDateTime,
) -> Result<()> {
    use domain::pathway::plan::{
        AgreementMethod, AssistanceKind, ItemStatus, Modality, PlanContent, PlanItem, Responsible,
    };
    let content = PlanContent {
        items: vec![PlanItem {
            key: 1,
            kind: AssistanceKind::Microbusiness,
            details: "Start-up grant for a small shop".into(),
            modality: Modality::Cash,
            provider: String::new(),
            responsible: Responsible::Returnee,
            duration: "6 months".into(),
            status: ItemStatus::InProgress,
            beneficiary: None,
            budget: Some(250_000),
            grid_approach: None,
        }],
        ..Default::default()
    };
    let by = AuditContext::by(approver, at);
    store
        .create_plan_version(case, None, content, CaseStage::Planning, by.clone())
        .await?;
    let agreement = store::NewPlanAgreement {
        date: agreed,
        method: AgreementMethod::Signed,
        copy_given: true,
    };
    store
        .agree_plan(case, 1, 1, agreement, CaseStage::Planning, by.clone())
        .await?;
    store
        .approve_plan(case, 1, 2, false, CaseStage::Implementation, by)
        .await?;
    Ok(())
}

/// Answers to the 32 questions around a level of well-being: each answer's value under the
/// model is near it, with a few "don't know" answers where the question offers them.
pub(super) fn survey_answers(
    rng: &mut StdRng,
    form: &forms::Form,
    model: &domain::rss::ScoringModel,
    wellbeing: f64,
    answers: &mut forms::Answers,
) {
    use domain::rss::{Mode, QUESTIONS};
    for spec in &QUESTIONS {
        let name = format!("q{}", spec.number);
        let Some((_, options)) = app::rss::options_of(form, &name) else {
            continue;
        };
        if let Some((on, option)) = spec.asked_when {
            let on = format!("q{on}");
            let wanted = app::rss::options_of(form, &on)
                .and_then(|(_, o)| o.get(usize::from(option) - 1).copied());
            if Some(answers.text(&on)) != wanted {
                continue;
            }
        }
        if !spec.specials.is_empty() && rng.random_bool(0.04) {
            let s = spec.specials[rng.random_range(0..spec.specials.len())];
            answers.set(&name, s.as_str().to_string());
            continue;
        }
        let target = (wellbeing + rng.random_range(-0.25..0.25)).clamp(0.0, 1.0);
        let indicator = model.indicators.iter().find(|i| i.question == spec.number);
        let value = match spec.mode {
            Mode::Many { none } => {
                let positive = rng.random_bool(target.max(0.05));
                let pick = match (positive, none) {
                    (false, Some(n)) => usize::from(n) - 1,
                    _ => rng.random_range(0..options.len() - usize::from(none.is_some())),
                };
                options[pick].to_string()
            }
            _ => {
                let values = indicator.and_then(|i| i.values.clone());
                let pick = match values {
                    Some(values) => values
                        .iter()
                        .enumerate()
                        .min_by(|a, b| (a.1 - target).abs().total_cmp(&(b.1 - target).abs()))
                        .map(|(i, _)| i)
                        .unwrap_or(0),
                    None => rng.random_range(0..options.len()),
                };
                options[pick].to_string()
            }
        };
        answers.set(&name, value);
    }
}

pub fn print_credentials() {
    println!();
    println!(
        "  Demo programme: invented people only. Accounts (password for all: {DEMO_PASSWORD}):"
    );
    for (username, name, role, office) in DEMO_USERS {
        println!(
            "    {username:<14} {:<18} {:<5} {name}",
            role.as_str(),
            office.unwrap_or("all")
        );
    }
    println!();
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn demo_profiles_are_valid_and_deterministic() {
        let today = time::macros::date!(2026 - 11 - 23);
        let mut a = StdRng::seed_from_u64(7);
        let mut b = StdRng::seed_from_u64(7);
        for _ in 0..500 {
            let p = profile(&mut a, &["Dakar"], today);
            assert_eq!(p.check(today), Ok(()), "{p:?}");
            assert_eq!(p, profile(&mut b, &["Dakar"], today));
        }
    }

    #[test]
    fn demo_password_meets_the_policy() {
        for (username, ..) in DEMO_USERS {
            assert!(domain::security::check_new_password(DEMO_PASSWORD, username).is_ok());
        }
    }
}
