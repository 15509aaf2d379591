//! Every word on screen comes from a Fluent catalogue. English is the only language shipped
//! today; adding one is adding a `locales/<lang>/main.ftl` and listing it in `CATALOGUES`.

use std::collections::HashMap;
use std::sync::Arc;

use fluent_bundle::concurrent::FluentBundle;
use fluent_bundle::{FluentArgs, FluentResource, FluentValue};
use unic_langid::LanguageIdentifier;

const CATALOGUES: &[(&str, &str)] = &[("en", include_str!("../locales/en/main.ftl"))];
pub const DEFAULT_LANGUAGE: &str = "en";

pub struct I18n {
    bundles: HashMap<String, FluentBundle<FluentResource>>,
    /// Message ids asked for that no catalogue has, for tests to assert there are none.
    missing: std::sync::Mutex<std::collections::BTreeSet<String>>,
}

#[derive(Debug, thiserror::Error)]
#[error("message catalogue {lang} is invalid: {detail}")]
pub struct CatalogueError {
    lang: String,
    detail: String,
}

impl I18n {
    pub fn load() -> Result<Self, CatalogueError> {
        let mut bundles = HashMap::new();
        for (lang, source) in CATALOGUES {
            let err = |detail: String| CatalogueError {
                lang: lang.to_string(),
                detail,
            };
            let id: LanguageIdentifier = lang.parse().map_err(|e| err(format!("{e}")))?;
            let resource = FluentResource::try_new(source.to_string())
                .map_err(|(_, errors)| err(format!("{errors:?}")))?;
            let mut bundle = FluentBundle::new_concurrent(vec![id]);
            // Isolation marks help mixed-direction text; they return with right-to-left
            // languages, where they matter.
            bundle.set_use_isolating(false);
            bundle
                .add_resource(resource)
                .map_err(|errors| err(format!("{errors:?}")))?;
            bundles.insert(lang.to_string(), bundle);
        }
        Ok(Self {
            bundles,
            missing: Default::default(),
        })
    }

    /// The best language we have for an `Accept-Language` header.
    pub fn negotiate(&self, accept_language: Option<&str>) -> String {
        accept_language
            .unwrap_or_default()
            .split(',')
            .filter_map(|part| part.split(';').next())
            .map(|tag| {
                tag.trim()
                    .split('-')
                    .next()
                    .unwrap_or_default()
                    .to_lowercase()
            })
            .find(|lang| self.bundles.contains_key(lang))
            .unwrap_or_else(|| DEFAULT_LANGUAGE.to_string())
    }

    /// Message ids asked for since start-up that the catalogue of the language asked in lacks,
    /// as `lang: id`.
    pub fn missing(&self) -> Vec<String> {
        self.missing
            .lock()
            .map(|m| m.iter().cloned().collect())
            .unwrap_or_default()
    }

    pub fn has(&self, lang: &str, id: &str) -> bool {
        self.bundles.get(lang).is_some_and(|b| b.has_message(id))
    }

    /// Notes a message the catalogue lacks: logged the first time only, and only the first
    /// [`MAX_MISSING_NOTED`] ids, so that an id built from data cannot flood the log or memory.
    fn note_missing(&self, lang: &str, id: &str) {
        let Ok(mut noted) = self.missing.lock() else {
            return;
        };
        if noted.len() >= MAX_MISSING_NOTED {
            return;
        }
        let id: String = id.chars().take(80).collect();
        if noted.insert(format!("{lang}: {id}")) {
            tracing::warn!(id, lang, "missing message");
        }
    }

    fn format(&self, lang: &str, id: &str, args: Option<&FluentArgs>) -> String {
        let bundle = self
            .bundles
            .get(lang)
            .or_else(|| self.bundles.get(DEFAULT_LANGUAGE));
        let Some(bundle) = bundle else {
            return id.to_string();
        };
        match bundle.get_message(id).and_then(|m| m.value()) {
            Some(pattern) => {
                let mut errors = Vec::new();
                bundle
                    .format_pattern(pattern, args, &mut errors)
                    .into_owned()
            }
            None => {
                self.note_missing(lang, id);
                id.to_string()
            }
        }
    }
}

/// How many distinct missing messages are noted (and logged) at most.
pub const MAX_MISSING_NOTED: usize = 200;

/// A translator bound to one language; handed to every template.
#[derive(Clone)]
pub struct Tr {
    i18n: Arc<I18n>,
    lang: String,
}

impl Tr {
    pub fn new(i18n: Arc<I18n>, lang: String) -> Self {
        Self { i18n, lang }
    }
    pub fn lang(&self) -> &str {
        &self.lang
    }
    /// Whether the language has this message (an optional one, such as a field's hint).
    pub fn has(&self, id: &str) -> bool {
        self.i18n.has(&self.lang, id)
    }
    /// Left-to-right or right-to-left, for the `dir` attribute.
    pub fn dir(&self) -> &'static str {
        match self.lang.as_str() {
            "ar" | "fa" | "ur" | "he" => "rtl",
            _ => "ltr",
        }
    }
    pub fn t(&self, id: &str) -> String {
        self.i18n.format(&self.lang, id, None)
    }
    /// A message with one named argument.
    pub fn t1(&self, id: &str, name: &str, value: impl ToString) -> String {
        let mut args = FluentArgs::new();
        args.set(name, FluentValue::from(value.to_string()));
        self.i18n.format(&self.lang, id, Some(&args))
    }
    /// A message with two named arguments.
    pub fn t2(
        &self,
        id: &str,
        name1: &str,
        value1: impl ToString,
        name2: &str,
        value2: impl ToString,
    ) -> String {
        let mut args = FluentArgs::new();
        args.set(name1, FluentValue::from(value1.to_string()));
        args.set(name2, FluentValue::from(value2.to_string()));
        self.i18n.format(&self.lang, id, Some(&args))
    }
    /// A message with a count, for plural forms.
    pub fn tn(&self, id: &str, count: u64) -> String {
        let mut args = FluentArgs::new();
        args.set("count", FluentValue::from(count));
        self.i18n.format(&self.lang, id, Some(&args))
    }
    /// A whole number as the reader's language writes it: "250,000" in English, "250 000" in
    /// French.
    pub fn number(&self, n: i64) -> String {
        let separator = match self.lang.as_str() {
            "fr" => "\u{202f}",
            _ => ",",
        };
        domain::money::group_digits(n, separator)
    }
    /// An amount of money, with the programme's currency when one is set: "250,000 XOF".
    pub fn money(&self, amount: i64, currency: &str) -> String {
        let grouped = self.number(amount);
        if currency.is_empty() {
            grouped
        } else {
            format!("{grouped}\u{a0}{currency}")
        }
    }
    /// The label of a named value, for example `t_of("sex", "female")` → "Female".
    pub fn t_of(&self, kind: &str, value: &str) -> String {
        self.t(&format!("{kind}-{}", value.replace('_', "-")))
    }
}

#[cfg(test)]
mod tests {
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
        let mut dirs: Vec<std::path::PathBuf> = ["templates", "src", "../app/src", "../domain/src"]
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
                if !i18n.has("en", &id) {
                    missing.push(id);
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
    fn negotiation_falls_back_to_english() {
        let i18n = I18n::load().unwrap();
        assert_eq!(i18n.negotiate(Some("fr-FR,fr;q=0.9,en;q=0.8")), "en");
        assert_eq!(i18n.negotiate(None), "en");
    }
}
