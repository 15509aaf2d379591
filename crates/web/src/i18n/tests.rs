use super::*;

#[test]
fn ids_built_from_data_are_noted_once_and_bounded() {
    let i18n = Arc::new(I18n::load().unwrap());
    let tr = Tr::new(i18n.clone(), "en".into());
    for n in 0..1_000 {
        let id = format!("field-referral-service-{n}");
        assert_eq!(tr.t(&id), id, "the id stands in for the text");
        tr.t(&id);
    }
    assert_eq!(i18n.missing().len(), MAX_MISSING_NOTED);
}

fn ids_in(text: &str, marker: &str) -> Vec<String> {
    text.match_indices(marker)
        .filter_map(|(i, _)| {
            let rest = &text[i + marker.len()..];
            let end = rest.find('"')?;
            let id = &rest[..end];
            (!id.is_empty() && !id.contains('{') && !id.ends_with('-')).then(|| id.to_string())
        })
        .collect()
}

/// Every message id used by a template, by the web code or by the domain's validation
/// rules exists in every catalogue.
#[test]
fn every_message_used_exists() {
    let i18n = I18n::load().unwrap();
    let root = concat!(env!("CARGO_MANIFEST_DIR"), "/");
    // Every file below these folders, however deep: pages and rules live in submodules.
    let mut sources = Vec::new();
    let mut dirs: Vec<std::path::PathBuf> = [
        "templates",
        "src",
        "../app/src",
        "../domain/src",
        "../forms/src",
    ]
    .iter()
    .map(|d| std::path::PathBuf::from(format!("{root}{d}")))
    .collect();
    while let Some(dir) = dirs.pop() {
        for entry in std::fs::read_dir(&dir).unwrap() {
            let path = entry.unwrap().path();
            if path.is_dir() {
                dirs.push(path);
            } else {
                sources.push((path.clone(), std::fs::read_to_string(&path).unwrap()));
            }
        }
    }
    assert!(sources.len() > 150, "the sources were not found");
    let mut missing = Vec::new();
    for (path, text) in &sources {
        let mut ids = Vec::new();
        let is_rust = path.extension().is_some_and(|e| e == "rs");
        for marker in [
            ".t(\"",
            ".t1(\"",
            ".t2(\"",
            ".tn(\"",
            "\"error-",
            "\"consent-status-",
            // Codes the form engine and the file use cases hand to the pages.
            "\"form-error-",
            "\"file-",
            "\"files-",
            "\"form-file",
        ] {
            // In templates "error-" also starts CSS class names.
            if !is_rust && marker.starts_with('"') {
                continue;
            }
            let found = ids_in(text, marker);
            match marker.strip_prefix('"') {
                Some(prefix) => ids.extend(found.into_iter().map(|id| format!("{prefix}{id}"))),
                None => ids.extend(found),
            }
        }
        for id in ids {
            for (lang, _) in CATALOGUES {
                if !i18n.has(lang, &id) {
                    missing.push(format!("{lang}: {id} (used in {})", path.display()));
                }
            }
        }
    }
    missing.sort();
    missing.dedup();
    assert!(
        missing.is_empty(),
        "missing messages:\n{}",
        missing.join("\n")
    );
}

/// Labels built from named values (`t_of`) exist for every value of every enum shown.
#[test]
fn every_named_value_has_a_label() {
    use domain::case::*;
    use domain::consent::*;
    let i18n = Arc::new(I18n::load().unwrap());
    let tr = Tr::new(i18n.clone(), "en".into());
    let mut missing = Vec::new();
    let mut check = |kind: &str, values: Vec<&str>| {
        for v in values {
            let id = format!("{kind}-{}", v.replace('_', "-"));
            for (lang, _) in CATALOGUES {
                if !i18n.has(lang, &id) {
                    missing.push(format!("{lang}: {id}"));
                }
            }
        }
    };
    check("sex", Sex::ALL.iter().map(|v| v.as_str()).collect());
    check(
        "return-type",
        ReturnType::ALL.iter().map(|v| v.as_str()).collect(),
    );
    check(
        "vulnerability",
        Vulnerability::ALL.iter().map(|v| v.as_str()).collect(),
    );
    check(
        "relationship",
        Relationship::ALL.iter().map(|v| v.as_str()).collect(),
    );
    check("stage", CaseStage::ALL.iter().map(|v| v.as_str()).collect());
    check(
        "purpose",
        ConsentPurpose::ALL.iter().map(|v| v.as_str()).collect(),
    );
    check(
        "decision",
        ConsentDecision::ALL.iter().map(|v| v.as_str()).collect(),
    );
    check(
        "method",
        ConsentMethod::ALL.iter().map(|v| v.as_str()).collect(),
    );
    check(
        "role",
        domain::Role::ALL.iter().map(|v| v.as_str()).collect(),
    );
    check(
        "audit-action",
        domain::audit::AuditAction::ALL
            .iter()
            .map(|v| v.as_str())
            .collect(),
    );
    check(
        "rss-round",
        domain::rss::Round::ALL.iter().map(|v| v.as_str()).collect(),
    );
    check("rss-band", vec!["intensive", "standard", "light"]);
    {
        use domain::pathway::closure::*;
        use domain::pathway::feasibility::Delivery;
        use domain::pathway::followup::VisitKey;
        use domain::pathway::plan::*;
        use domain::pathway::stage::Step;
        use domain::pathway::*;
        fn all<T: Copy>(v: &[T], f: fn(T) -> &'static str) -> Vec<&'static str> {
            v.iter().map(|x| f(*x)).collect()
        }
        check("dimension", all(Dimension::ALL, Dimension::as_str));
        check("session-kind", all(SessionKind::ALL, SessionKind::as_str));
        check("participant", all(Participant::ALL, Participant::as_str));
        check("contact-mode", all(ContactMode::ALL, ContactMode::as_str));
        check("unmet-reason", all(UnmetReason::ALL, UnmetReason::as_str));
        check("task", all(TaskKind::ALL, TaskKind::as_str));
        check("step", all(Step::ALL, Step::as_str));
        check("visit", all(VisitKey::ALL, VisitKey::as_str));
        check("immediate", all(Immediate::ALL, Immediate::as_str));
        check(
            "assistance",
            all(AssistanceKind::ALL, AssistanceKind::as_str),
        );
        check("modality", all(Modality::ALL, Modality::as_str));
        check("responsible", all(Responsible::ALL, Responsible::as_str));
        check("item-status", all(ItemStatus::ALL, ItemStatus::as_str));
        check("plan-status", all(PlanStatus::ALL, PlanStatus::as_str));
        check(
            "agreement-method",
            all(AgreementMethod::ALL, AgreementMethod::as_str),
        );
        check(
            "closure-reason",
            all(ClosureReason::ALL, ClosureReason::as_str),
        );
        check("exit-reason", all(ExitReason::ALL, ExitReason::as_str));
        check(
            "termination-reason",
            all(TerminationReason::ALL, TerminationReason::as_str),
        );
        check("delivery", all(Delivery::ALL, Delivery::as_str));
        check("criterion", vec!["holds", "fails", "unknown"]);
        check(
            "urgent-form",
            vec!["rapid_vulnerability_screening", "counselling_session"],
        );
    }
    {
        use domain::referral::*;
        use domain::services::*;
        use domain::stakeholder::*;
        fn all<T: Copy>(v: &[T], f: fn(T) -> &'static str) -> Vec<&'static str> {
            v.iter().map(|x| f(*x)).collect()
        }
        check("sector", all(ProviderSector::ALL, ProviderSector::as_str));
        check(
            "category",
            all(ServiceCategory::ALL, ServiceCategory::as_str),
        );
        check("barrier", all(AccessBarrier::ALL, AccessBarrier::as_str));
        check("quality", all(QualityRating::ALL, QualityRating::as_str));
        check("gap", all(GapPattern::ALL, GapPattern::as_str));
        check("proposal", all(ProposalStatus::ALL, ProposalStatus::as_str));
        check(
            "stakeholder-kind",
            all(StakeholderKind::ALL, StakeholderKind::as_str),
        );
        check(
            "stakeholder-level",
            all(StakeholderLevel::ALL, StakeholderLevel::as_str),
        );
        check("stance", all(Stance::ALL, Stance::as_str));
        check("priority", all(Priority::ALL, Priority::as_str));
        check(
            "engagement",
            all(EngagementTier::ALL, EngagementTier::as_str),
        );
        check("score", vec!["1", "2", "3", "4", "5"]);
        check("urgency", all(Urgency::ALL, Urgency::as_str));
        check("section", all(SharedSection::ALL, SharedSection::as_str));
        check("override", all(OverrideReason::ALL, OverrideReason::as_str));
        check(
            "referral-status",
            all(ReferralStatus::ALL, ReferralStatus::as_str),
        );
        check(
            "referral-step",
            all(ReferralStep::ALL, ReferralStep::as_str),
        );
        {
            use domain::community::*;
            use domain::structural::*;
            check("pressure", all(Pressure::ALL, Pressure::as_str));
            check(
                "criterion-source",
                all(CriterionSource::ALL, CriterionSource::as_str),
            );
            check("check", all(CheckStatus::ALL, CheckStatus::as_str));
            check(
                "criterion",
                HANDBOOK_CRITERIA.iter().map(|(k, _)| *k).collect(),
            );
            check("project-kind", all(ProjectKind::ALL, ProjectKind::as_str));
            check("approach", all(Approach::ALL, Approach::as_str));
            check(
                "selection-stage",
                all(SelectionStage::ALL, SelectionStage::as_str),
            );
            check(
                "project-outcome",
                all(ProjectOutcome::ALL, ProjectOutcome::as_str),
            );
            check(
                "project-status",
                all(ProjectStatus::ALL, ProjectStatus::as_str),
            );
            check(
                "participant-kind",
                all(ParticipantKind::ALL, ParticipantKind::as_str),
            );
            check(
                "participant-role",
                all(ParticipantRole::ALL, ParticipantRole::as_str),
            );
            check("mix", all(MixVerdict::ALL, MixVerdict::as_str));
            check("visit-rating", all(VisitRating::ALL, VisitRating::as_str));
            check(
                "assessment-method",
                all(AssessmentMethod::ALL, AssessmentMethod::as_str),
            );
            check(
                "capacity-level",
                all(CapacityLevel::ALL, CapacityLevel::as_str),
            );
            check(
                "capacity-activity",
                all(CapacityActivity::ALL, CapacityActivity::as_str),
            );
            check(
                "mechanism-form",
                all(MechanismForm::ALL, MechanismForm::as_str),
            );
            check(
                "mechanism-warning",
                all(MechanismWarning::ALL, MechanismWarning::as_str),
            );
            check(
                "agreement-kind",
                all(AgreementKind::ALL, AgreementKind::as_str),
            );
            check(
                "agreement-status",
                all(AgreementStatus::ALL, AgreementStatus::as_str),
            );
            check(
                "standing",
                all(AgreementStanding::ALL, AgreementStanding::as_str),
            );
            check(
                "policy-sector",
                all(PolicySector::ALL, PolicySector::as_str),
            );
            check(
                "mainstreaming-step",
                all(MainstreamingStep::ALL, MainstreamingStep::as_str),
            );
            check("precondition", all(Precondition::ALL, Precondition::as_str));
            check("step-status", all(StepStatus::ALL, StepStatus::as_str));
            {
                use domain::me::*;
                check("result-level", all(ResultLevel::ALL, ResultLevel::as_str));
                check(
                    "intervention-level",
                    all(InterventionLevel::ALL, InterventionLevel::as_str),
                );
                check("unit", all(Unit::ALL, Unit::as_str));
                check("source", all(Source::ALL, Source::as_str));
                check("frequency", all(Frequency::ALL, Frequency::as_str));
                check("axis", all(Axis::ALL, Axis::as_str));
                check("analysis", all(Analysis::ALL, Analysis::as_str));
                check(
                    "evaluation-timing",
                    all(EvaluationTiming::ALL, EvaluationTiming::as_str),
                );
                check("conductor", all(Conductor::ALL, Conductor::as_str));
                check(
                    "evaluation-criterion",
                    all(EvaluationCriterion::ALL, EvaluationCriterion::as_str),
                );
                check(
                    "lesson-source",
                    all(LessonSource::ALL, LessonSource::as_str),
                );
                check(
                    "evaluation-check",
                    all(EvaluationCheck::ALL, EvaluationCheck::as_str),
                );
                check("check-status", all(CheckStatus::ALL, CheckStatus::as_str));
                check("check-stage", all(CheckStage::ALL, CheckStage::as_str));
                check("report-kind", all(ReportKind::ALL, ReportKind::as_str));
                check(
                    "absence",
                    vec!["under_1_year", "1_2_years", "2_5_years", "5_years_or_more"],
                );
                check("assistance", ASSISTANCE_KINDS.to_vec());
            }
            let kinds = crate::pages::structural::kinds();
            let mut ids: Vec<String> = Vec::new();
            for k in &kinds {
                for suffix in ["", "-one", "-new"] {
                    ids.push(format!("{}{suffix}", k.slug));
                }
            }
            check("structural", ids.iter().map(String::as_str).collect());
            let mut lists: Vec<String> = Vec::new();
            for l in kinds.iter().flat_map(|k| &k.lists) {
                lists.push(l.name.to_string());
                lists.push(format!("{}_add", l.name));
            }
            check("list", lists.iter().map(String::as_str).collect());
            let mut names: Vec<&str> = Vec::new();
            names.extend(POSITIVE_CRITERIA);
            names.extend(NEGATIVE_CRITERIA);
            names.extend(CAPACITY_AREAS);
            for k in &kinds {
                names.extend(k.fields.iter().map(|f| f.name));
                for l in &k.lists {
                    names.extend(l.add.iter().chain(&l.update).map(|f| f.name));
                }
            }
            names.extend([
                "places",
                "population",
                "returnees_estimate",
                "return_inflow",
                "migration_pressure",
                "services_present",
                "definition",
                "approach",
                "summary",
                "budget",
                "currency",
                "start",
                "end",
                "activities",
                "rating",
                "participants_met",
                "findings",
                "follow_up",
                "role",
                "joined",
                "left",
                "on",
                "note",
                "dimension",
                "shortlist_size",
                "case_number",
                "province",
            ]);
            check("field", names);
        }
        // Form fields are labelled `field-<name>`.
        let mut fields: Vec<&str> = Vec::new();
        fields.extend(PROVIDER_FIELDS);
        fields.extend(SERVICE_FIELDS);
        fields.extend(SOP_FIELDS);
        fields.extend(FEEDBACK_FIELDS);
        fields.extend(STAKEHOLDER_FIELDS);
        fields.extend(SENSITIVE_FIELDS);
        fields.extend([
            TRUST_FIELD,
            "sector",
            "provider",
            "category",
            "area",
            "languages",
            "barriers",
            "available",
            "quality",
            "accessible",
            "serves_returnees",
            "open_to_local_population",
            "answer_days",
            "verified_on",
            "verified_by",
            "kind",
            "level",
            "sector_text",
            "influence",
            "interest",
            "priority",
            "capacity_adequate",
            "stance",
            "service",
            "referral_reason",
            "urgency",
            "accompanied",
            "sections",
            "health_note",
            "protection_note",
            "psychosocial_note",
            "consent_date",
            "consent_method",
            "consent_purpose",
            "override_reason",
            "override_date",
            "override_professional",
            "override_justification",
            "comment",
            "note",
            "step",
            "days",
            "language",
            "dimension",
            "preferred_language",
            "sex",
        ]);
        check("field", fields);
    }
    check(
        "rss-outcome",
        vec![
            "in-progress",
            "interrupted",
            "scored",
            "consent-refused",
            "not-scored",
        ],
    );
    check(
        "rss-axis",
        vec!["economic", "social", "psychosocial", "composite"],
    );
    assert!(missing.is_empty(), "missing labels: {missing:?}");
    assert_eq!(
        tr.t_of("return-type", "assisted_voluntary"),
        "Assisted voluntary return"
    );
}

#[test]
fn negotiation_weighs_the_header_and_prefers_the_choice_made() {
    let i18n = I18n::load().unwrap();
    let n = |chosen, accept| i18n.negotiate(chosen, accept);
    assert_eq!(n(None, Some("fr-FR,fr;q=0.9,en;q=0.8")), "fr");
    assert_eq!(n(None, Some("ar-MA")), "ar");
    assert_eq!(n(None, Some("de-DE, en;q=0.5, fr;q=0.7")), "fr");
    assert_eq!(n(None, Some("fr;q=0, ar;q=0.2")), "ar");
    assert_eq!(n(None, Some("de, *;q=0.1")), "en");
    assert_eq!(n(None, Some(";;,q=,fr;q=abc")), "en");
    assert_eq!(n(None, None), "en");
    assert_eq!(n(Some("ar"), Some("fr")), "ar");
    assert_eq!(n(Some("xx"), Some("fr")), "fr");
}

#[test]
fn numbers_follow_the_language_and_the_offices_digits() {
    let i18n = Arc::new(I18n::load().unwrap());
    let tr = |lang: &str| Tr::new(i18n.clone(), lang.into());
    assert_eq!(tr("en").number(1_234_567), "1,234,567");
    assert_eq!(tr("fr").number(1_234_567), "1\u{202f}234\u{202f}567");
    assert_eq!(
        tr("fr").decimal(123_456_750, 2),
        "1\u{202f}234\u{202f}567,50"
    );
    assert_eq!(tr("fr").money(250_000, "XOF"), "250\u{202f}000\u{a0}XOF");
    assert_eq!(tr("ar").number(1_234_567), "1,234,567");
    i18n.set_arabic_indic_digits(true);
    assert_eq!(tr("ar").number(1_234_567), "١٬٢٣٤٬٥٦٧");
    assert_eq!(tr("en").number(42), "42", "only Arabic pages change digits");
    // A count inside an Arabic sentence is written the same way, and isolated.
    let sentence = tr("ar").tn("cases-found", 1_234);
    assert!(sentence.contains("\u{2068}١٬٢٣٤\u{2069}"), "{sentence}");
}

#[test]
fn names_sort_by_the_readers_collation() {
    let i18n = Arc::new(I18n::load().unwrap());
    let fr = Tr::new(i18n.clone(), "fr".into());
    let mut names = vec!["Zoé", "émile", "Eric", "Élodie", "diallo", "Diop"];
    names.sort_by(|a, b| fr.compare(a, b));
    assert_eq!(names, ["diallo", "Diop", "Élodie", "émile", "Eric", "Zoé"]);
    let ar = Tr::new(i18n, "ar".into());
    let mut names = vec!["يوسف", "أحمد", "محمد", "بلال"];
    names.sort_by(|a, b| ar.compare(a, b));
    assert_eq!(names, ["أحمد", "بلال", "محمد", "يوسف"]);
}

/// The messages of a catalogue with the variables each uses (in its value, its variants
/// and its attributes), and whether it parsed cleanly.
fn catalogue(source: &str) -> (std::collections::BTreeMap<String, Vec<String>>, usize) {
    use fluent_syntax::ast;
    fn inline(e: &ast::InlineExpression<&str>, out: &mut Vec<String>) {
        match e {
            ast::InlineExpression::VariableReference { id } => out.push(id.name.to_string()),
            ast::InlineExpression::FunctionReference { arguments, .. } => {
                arguments.positional.iter().for_each(|a| inline(a, out));
                arguments.named.iter().for_each(|a| inline(&a.value, out));
            }
            ast::InlineExpression::TermReference {
                arguments: Some(arguments),
                ..
            } => {
                arguments.positional.iter().for_each(|a| inline(a, out));
                arguments.named.iter().for_each(|a| inline(&a.value, out));
            }
            ast::InlineExpression::Placeable { expression } => expr(expression, out),
            _ => {}
        }
    }
    fn expr(e: &ast::Expression<&str>, out: &mut Vec<String>) {
        match e {
            ast::Expression::Inline(i) => inline(i, out),
            ast::Expression::Select { selector, variants } => {
                inline(selector, out);
                variants.iter().for_each(|v| pattern(&v.value, out));
            }
        }
    }
    fn pattern(p: &ast::Pattern<&str>, out: &mut Vec<String>) {
        for el in &p.elements {
            if let ast::PatternElement::Placeable { expression } = el {
                expr(expression, out);
            }
        }
    }
    let (resource, errors) = match fluent_syntax::parser::parse(source) {
        Ok(r) => (r, 0),
        Err((r, errors)) => (r, errors.len()),
    };
    let mut messages = std::collections::BTreeMap::new();
    for entry in &resource.body {
        if let ast::Entry::Message(m) = entry {
            let mut vars = Vec::new();
            if let Some(v) = &m.value {
                pattern(v, &mut vars);
            }
            m.attributes
                .iter()
                .for_each(|a| pattern(&a.value, &mut vars));
            vars.sort();
            vars.dedup();
            messages.insert(m.id.name.to_string(), vars);
        }
    }
    (messages, errors)
}

/// Every catalogue has exactly the English messages, each with the English variables, and
/// parses without error: a message added in one language only fails here.
#[test]
fn every_catalogue_has_every_message_with_the_same_variables() {
    let (english, errors) = catalogue(CATALOGUES[0].1);
    assert_eq!(errors, 0);
    assert!(english.len() > 1_500, "{} messages", english.len());
    let mut problems = Vec::new();
    for (lang, source) in &CATALOGUES[1..] {
        let (messages, errors) = catalogue(source);
        if errors > 0 {
            problems.push(format!("{lang}: {errors} syntax errors"));
        }
        for (id, vars) in &english {
            match messages.get(id) {
                None => problems.push(format!("{lang}: {id} is missing")),
                Some(v) if v != vars => {
                    problems.push(format!("{lang}: {id} uses {v:?}, English uses {vars:?}"))
                }
                Some(_) => {}
            }
        }
        for id in messages.keys().filter(|id| !english.contains_key(*id)) {
            problems.push(format!("{lang}: {id} is not in English"));
        }
    }
    assert!(problems.is_empty(), "{}", problems.join("\n"));
}

#[test]
fn the_catalogue_test_sees_a_missing_message_and_a_changed_variable() {
    let (a, _) = catalogue("one = One { $count }\ntwo = Two\n");
    let (b, _) = catalogue("one = Un { $nombre }\n");
    assert_eq!(a["one"], ["count"]);
    assert_eq!(b["one"], ["nombre"]);
    assert!(!b.contains_key("two"));
}

#[test]
fn shipped_languages_agree() {
    let codes: Vec<&str> = LANGUAGES.iter().map(|(c, _)| *c).collect();
    assert_eq!(codes, domain::language::SHIPPED);
    let catalogues: Vec<&str> = CATALOGUES.iter().map(|(c, _)| *c).collect();
    assert_eq!(catalogues, domain::language::SHIPPED);
}

#[test]
fn values_placed_into_arabic_sentences_are_isolated() {
    let i18n = Arc::new(I18n::load().unwrap());
    let ar = Tr::new(i18n.clone(), "ar".into());
    let s = ar.t1("rss-chart-title", "date", "DKR-2026-00001");
    assert!(
        s.contains("\u{2068}\u{2066}DKR-2026-00001\u{2069}\u{2069}"),
        "a left-to-right value in an isolate of its own: {s:?}"
    );
    let dated = ar.t1("rss-chart-title", "date", "2026-12-06");
    assert!(
        !dated.contains("2026-12-06"),
        "a date is written as Arabic writes dates: {dated:?}"
    );
    let fr = Tr::new(i18n.clone(), "fr".into());
    assert!(
        fr.t1("rss-chart-title", "date", "2026-12-06")
            .contains("6 déc. 2026")
    );
    let name = ar.t1("rss-chart-title", "date", "فاطمة");
    assert!(name.contains("\u{2068}فاطمة\u{2069}"), "{name:?}");
    let en = Tr::new(i18n, "en".into());
    assert!(
        !en.t1("rss-chart-title", "date", "2026-12-06")
            .contains('\u{2068}')
    );
}

#[test]
fn dates_are_written_as_each_language_writes_them() {
    let i18n = Arc::new(I18n::load().unwrap());
    let tr = |lang: &str| Tr::new(i18n.clone(), lang.into());
    assert_eq!(tr("en").date("2026-12-06"), "6 Dec 2026");
    assert_eq!(tr("fr").date("2026-12-06"), "6 déc. 2026");
    let ar = tr("ar").date("2026-12-06");
    assert!(ar.contains("2026") && !ar.contains("2026-12-06"), "{ar:?}");
    i18n.set_arabic_indic_digits(true);
    assert!(tr("ar").date("2026-12-06").contains("٢٠٢٦"));
    // What is not a date stays as it is.
    assert_eq!(tr("fr").date(""), "");
    assert_eq!(tr("fr").date("–"), "–");
    assert_eq!(tr("fr").date("2026-02-30"), "2026-02-30");
}
