use super::*;

/// The community and structural levels of the demo: the two places of return with most cases
/// of the first office as communities (assessed on the checklist), a collective project with
/// returnees and community members and a monitoring visit, and a capacity assessment, a
/// training, a coordination mechanism with a meeting, an agreement and a policy track.
#[allow(clippy::too_many_lines)]
pub(super) async fn community_level(
    store: &SqliteStore,
    office: domain::OfficeId,
    stakeholders: &[domain::StakeholderId],
    system: &AuditContext,
    today: Date,
) -> Result<()> {
    use domain::community::*;
    use domain::structural::*;
    let places = store.return_places(Some(office)).await?;
    let mut first = None;
    for (n, place) in places.iter().take(2).enumerate() {
        let status = |met: bool| CriterionCheck {
            status: if met {
                CheckStatus::Met
            } else {
                CheckStatus::PartlyMet
            },
            evidence: String::new(),
        };
        let community = Community {
            name: place.community.clone(),
            province: place.province.clone(),
            places: vec![place.community.clone()],
            migration_pressure: Some(if n == 0 {
                Pressure::High
            } else {
                Pressure::Medium
            }),
            selection: [
                ("high_return_concentration", true),
                ("authorities_motivated", n == 0),
                ("basic_infrastructure_security", true),
                ("services_available", false),
            ]
            .into_iter()
            .map(|(k, met)| (k.to_string(), status(met)))
            .collect(),
            ..Community::default()
        };
        let id = document(
            store,
            DocKind::Community,
            None,
            Some(office),
            &community.name,
            &community,
            vec![],
            system,
        )
        .await?;
        if n == 0 {
            first = Some((id, community));
        }
    }
    let Some((community_id, community)) = first else {
        return Ok(());
    };
    // Returnees of the community first, then of its province: a project may take in people
    // from nearby.
    let mut returnees = store
        .cases_in_province(Some(office), &community.province)
        .await?;
    returnees.sort_by_key(|c| !community.covers(&c.return_province, c.return_community.as_deref()));
    returnees.truncate(2);
    let start = today - Duration::days(60);
    let mut participants: Vec<ProjectParticipant> = returnees
        .iter()
        .map(|c| ProjectParticipant {
            id: uuid::Uuid::new_v4(),
            kind: ParticipantKind::Returnee,
            case: Some(c.id),
            name: String::new(),
            sex: Some(c.sex),
            role: ParticipantRole::Member,
            joined: start,
            left: None,
        })
        .collect();
    for (name, sex) in [
        ("Mariama Sané", domain::case::Sex::Female),
        ("Ibou Diatta", domain::case::Sex::Male),
        ("Khady Mané", domain::case::Sex::Female),
    ] {
        participants.push(ProjectParticipant {
            id: uuid::Uuid::new_v4(),
            kind: ParticipantKind::CommunityMember,
            case: None,
            name: name.into(),
            sex: Some(sex),
            role: ParticipantRole::Member,
            joined: start,
            left: None,
        });
    }
    let screening = Screening {
        on: start - Duration::days(20),
        answers: POSITIVE_CRITERIA
            .iter()
            .map(|k| (k.to_string(), true))
            .chain(NEGATIVE_CRITERIA.iter().map(|k| (k.to_string(), false)))
            .collect(),
        note: String::new(),
    };
    let project = Project {
        name: format!("{} market gardening cooperative", community.name),
        kind: ProjectKind::CollectiveIncome,
        approach: Some(Approach::NewCommunityBased),
        summary: "Returnees and neighbours farm a shared plot and sell at the weekly market."
            .into(),
        budget: Some(6_000_000),
        currency: "XOF".into(),
        start: Some(start),
        end: Some(start + Duration::days(365)),
        activities: vec![
            "Irrigation".into(),
            "Seed purchase".into(),
            "Market stall".into(),
        ],
        screening: Some(screening),
        selection: SelectionStage::ALL
            .iter()
            .map(|stage| StageDecision {
                stage: *stage,
                passed: true,
                on: start - Duration::days(10),
                note: String::new(),
            })
            .collect(),
        started_on: Some(start),
        closing: None,
        participants,
    };
    let cases = project.active_cases();
    let project_id = document(
        store,
        DocKind::Project,
        Some(community_id),
        Some(office),
        &project.name,
        &project,
        cases,
        system,
    )
    .await?;
    let visit = MonitoringVisit {
        on: today - Duration::days(7),
        rating: VisitRating::SomeConcerns,
        participants_met: Some(4),
        findings: "The well pump broke; watering by hand for two weeks.".into(),
        follow_up: "Ask the municipality about the repair fund.".into(),
    };
    document(
        store,
        DocKind::Visit,
        Some(project_id),
        Some(office),
        &visit.on.to_string(),
        &visit,
        vec![],
        system,
    )
    .await?;

    let (Some(ministry), Some(municipality)) = (stakeholders.first(), stakeholders.get(1)) else {
        return Ok(());
    };
    for (on, engagement) in [
        (today - Duration::days(150), 2),
        (today - Duration::days(10), 4),
    ] {
        let a = CapacityAssessment {
            stakeholder: *municipality,
            on,
            method: AssessmentMethod::KeyInformant,
            human_resources: Some(CapacityLevel::Basic),
            financial_resources: Some(CapacityLevel::Weak),
            physical_assets: None,
            technical_skills: Some(CapacityLevel::Basic),
            organisational_framework: None,
            social_skills: None,
            experience: None,
            institutional_culture: None,
            engagement,
            gaps: "No staff trained on referrals; no budget line for returnees.".into(),
            priorities: String::new(),
        };
        document(
            store,
            DocKind::CapacityAssessment,
            None,
            None,
            &on.to_string(),
            &a,
            vec![],
            system,
        )
        .await?;
    }
    let training = Training {
        title: "Referral procedures for municipal social workers".into(),
        activity: Some(CapacityActivity::Training),
        start: today - Duration::days(90),
        end: None,
        trainer: "Programme team".into(),
        place: community.province.clone(),
        stakeholders: vec![*municipality],
        participants: [
            ("Ndeye Faye", 45, 70),
            ("Cheikh Badji", 60, 80),
            ("Aïssatou Coly", 55, 50),
        ]
        .into_iter()
        .map(|(name, pre, post)| Trainee {
            id: uuid::Uuid::new_v4(),
            name: name.into(),
            stakeholder: Some(*municipality),
            sex: None,
            pre: Some(pre),
            post: Some(post),
        })
        .collect(),
    };
    document(
        store,
        DocKind::Training,
        None,
        None,
        &training.title,
        &training,
        vec![],
        system,
    )
    .await?;
    let mechanism = Mechanism {
        name: "Regional reintegration working group".into(),
        level: domain::stakeholder::StakeholderLevel::Regional,
        form: MechanismForm::WorkingGroup,
        chair: Some(*municipality),
        members: stakeholders.to_vec(),
        terms_of_reference:
            "Meets every two months to follow referrals, gaps in services and community projects."
                .into(),
        endorsed_on: Some(today - Duration::days(200)),
        meets: "Every two months".into(),
    };
    let mechanism_id = document(
        store,
        DocKind::Mechanism,
        None,
        None,
        &mechanism.name,
        &mechanism,
        vec![],
        system,
    )
    .await?;
    let meeting = Meeting {
        on: today - Duration::days(30),
        attendees: stakeholders.to_vec(),
        other_attendees: String::new(),
        agenda: "Referral delays; the market gardening project".into(),
        decisions: "Health centre to name a focal point for returnees.".into(),
        action_points: vec![ActionPoint {
            id: uuid::Uuid::new_v4(),
            text: "Name a focal point at the health centre".into(),
            owner: "Municipality".into(),
            due: Some(today - Duration::days(5)),
            done_on: None,
            note: String::new(),
        }],
    };
    document(
        store,
        DocKind::Meeting,
        Some(mechanism_id),
        None,
        &meeting.on.to_string(),
        &meeting,
        vec![],
        system,
    )
    .await?;
    let agreement = Agreement {
        title: "Memorandum of understanding on referrals".into(),
        kind: AgreementKind::Mou,
        status: AgreementStatus::Adopted,
        parties: vec![*ministry, *municipality],
        other_parties: String::new(),
        signed_on: Some(today - Duration::days(300)),
        valid_from: Some(today - Duration::days(300)),
        valid_until: Some(today + Duration::days(45)),
        data_sharing: "Name, contact and the reason for referral only; seen by case managers and the municipal focal point.".into(),
        summary: String::new(),
    };
    document(
        store,
        DocKind::Agreement,
        None,
        None,
        &agreement.title,
        &agreement,
        vec![],
        system,
    )
    .await?;
    let track = PolicyTrack {
        sector: PolicySector::Labour,
        framework: "National employment strategy".into(),
        lead: Some(*ministry),
        preconditions: vec![Precondition::PoliticalSupport, Precondition::Ownership],
        steps: vec![StepProgress {
            step: MainstreamingStep::Sensitisation,
            status: StepStatus::Done,
            on: Some(today - Duration::days(120)),
            note: String::new(),
        }],
        notes: String::new(),
    };
    document(
        store,
        DocKind::PolicyTrack,
        None,
        None,
        &track.framework,
        &track,
        vec![],
        system,
    )
    .await?;
    evaluation(store, today, system).await
}

/// A midterm evaluation being prepared: most of its terms of reference written, the workplan
/// begun and the first points of the checklist marked.
pub(super) async fn evaluation(
    store: &SqliteStore,
    today: Date,
    system: &AuditContext,
) -> Result<()> {
    use domain::me::*;
    let mark = |item, status, days_ago: i64| CheckMark {
        item,
        status,
        on: Some(today - Duration::days(days_ago)),
        note: String::new(),
    };
    let e = Evaluation {
        title: "Midterm evaluation of the reintegration programme".into(),
        timing: EvaluationTiming::Midterm,
        conductor: Conductor::External,
        criteria: vec![
            EvaluationCriterion::Relevance,
            EvaluationCriterion::Effectiveness,
            EvaluationCriterion::Sustainability,
        ],
        start: Some(today + Duration::days(30)),
        end: Some(today + Duration::days(120)),
        commissioned_by: "The programme's steering committee".into(),
        tor_context: "The programme has supported returnees in two regions for eighteen months, with individual, community and structural assistance.".into(),
        tor_purpose: "For the programme's managers, to correct course before the second phase; for the donor, to judge whether the approach is worth extending.".into(),
        tor_scope: "All assistance given since the start of the programme, in both regions. The cross-border pilot is left out.".into(),
        tor_questions: "Relevance: does the assistance answer the needs found in the assessments?\nEffectiveness: how far have reintegration scores moved between rounds?\nSustainability: which services will go on without the programme?".into(),
        tor_methodology: String::new(),
        tor_deliverables: vec![
            "Inception report".into(),
            "Presentation of initial findings".into(),
            "Final report".into(),
        ],
        workplan: vec![WorkplanActivity {
            task: "Review the programme's documents and monitoring data".into(),
            work_days: Some(5),
            responsible: "Evaluator".into(),
            location: "Home based".into(),
        }],
        tor_budget: String::new(),
        terms_of_reference: String::new(),
        checklist: vec![
            mark(EvaluationCheck::ObjectiveDefined, CheckStatus::Done, 20),
            mark(EvaluationCheck::ScopeDefined, CheckStatus::Done, 20),
            mark(EvaluationCheck::EvaluatorAndBudgetDecided, CheckStatus::Done, 10),
        ],
        reports: vec![],
        findings: String::new(),
        management_response: String::new(),
        action_points: vec![],
    };
    document(
        store,
        DocKind::Evaluation,
        None,
        None,
        &e.title,
        &e,
        vec![],
        system,
    )
    .await?;
    Ok(())
}
