use super::*;

/// A small service map and stakeholder map, with the demo partner account working for the
/// clinic. Invented organisations.
pub(super) async fn service_map(
    store: &SqliteStore,
    partners: &[UserId],
    system: &AuditContext,
    today: Date,
) -> Result<Vec<domain::StakeholderId>> {
    use domain::services::{
        AccessBarrier, Provider, QualityRating, Ratings, Service, ServiceCategory,
    };
    use domain::stakeholder::{Priority, Stakeholder, StakeholderKind, StakeholderLevel, Stance};
    use std::collections::BTreeMap;
    let text = |pairs: &[(&str, &str)]| -> BTreeMap<String, String> {
        pairs
            .iter()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect()
    };
    #[allow(clippy::type_complexity)]
    let entries: [(
        &str,
        &str,
        ServiceCategory,
        &str,
        &[(&str, &str)],
        Ratings,
        u16,
    ); 4] = [
        (
            "Clinique Medina",
            "General and chronic-care consultations",
            ServiceCategory::Health,
            "Dakar",
            &[
                ("hours", "Monday to Saturday, 8:00–17:00"),
                ("waiting_time", "2 to 5 days for a first appointment"),
                ("cost", "Consultation 3,000 XOF; free with a referral slip"),
                (
                    "sop_first_contact",
                    "Reception desk, ask for the social worker; answers within 3 days",
                ),
                (
                    "sop_documents_needed",
                    "Identity document if available, the referral slip",
                ),
            ],
            Ratings {
                available: Some(true),
                quality: Some(QualityRating::Adequate),
                accessible: Some(true),
            },
            3,
        ),
        (
            "Centre de formation professionnelle de Pikine",
            "Six-month vocational courses (tailoring, electricity, welding)",
            ServiceCategory::Tvet,
            "Dakar",
            &[
                ("inclusion_criteria", "Aged 18–35, able to attend daily"),
                ("cost", "Registration 10,000 XOF"),
            ],
            Ratings {
                available: Some(true),
                quality: Some(QualityRating::Adequate),
                accessible: Some(false),
            },
            10,
        ),
        (
            "Legal aid association of Tambacounda",
            "Free legal advice, civil documentation",
            ServiceCategory::LegalJustice,
            "Tambacounda",
            &[("hours", "Tuesdays and Thursdays")],
            Ratings {
                available: Some(true),
                quality: Some(QualityRating::InadequateForReturnees),
                accessible: Some(true),
            },
            7,
        ),
        (
            "Returnees' peer support group",
            "Weekly peer support meetings",
            ServiceCategory::Psychosocial,
            "Tambacounda",
            &[("hours", "Saturdays 10:00")],
            Ratings::default(),
            5,
        ),
    ];
    for (i, (provider, service, category, place, details, ratings, days)) in
        entries.into_iter().enumerate()
    {
        let pid = domain::ProviderId::new();
        store
            .save_provider(
                pid,
                None,
                Provider {
                    name: provider.into(),
                    sector: None,
                    details: BTreeMap::new(),
                },
                system.clone(),
            )
            .await?;
        if i == 0 {
            for partner in partners {
                store
                    .set_user_organisation(*partner, Some(pid), system.clone())
                    .await?;
            }
        }
        store
            .save_service(
                domain::ServiceId::new(),
                pid,
                None,
                Service {
                    name: service.into(),
                    category,
                    place: place.into(),
                    languages: vec!["French".into(), "Wolof".into()],
                    details: text(details),
                    barriers: if ratings.accessible == Some(false) {
                        vec![AccessBarrier::Cost]
                    } else {
                        vec![]
                    },
                    ratings,
                    serves_returnees: true,
                    open_to_local_population: true,
                    answer_days: Some(days),
                    verified_on: (i < 2).then(|| today - Duration::days(40)),
                    verified_by: if i < 2 {
                        "Demo mapping team".into()
                    } else {
                        String::new()
                    },
                },
                system.clone(),
            )
            .await?;
    }
    let stakeholders = [
        (
            "Ministry of Foreign Affairs, directorate for nationals abroad",
            StakeholderKind::NationalAuthority,
            StakeholderLevel::National,
            5,
            4,
            Stance::Supporter,
        ),
        (
            "Municipality of Tambacounda",
            StakeholderKind::LocalGovernment,
            StakeholderLevel::Local,
            4,
            2,
            Stance::Neutral,
        ),
        (
            "Chamber of commerce of Dakar",
            StakeholderKind::PrivateSector,
            StakeholderLevel::Regional,
            3,
            4,
            Stance::Supporter,
        ),
        (
            "Local transport union",
            StakeholderKind::PrivateSector,
            StakeholderLevel::Local,
            2,
            1,
            Stance::PotentialObstructor,
        ),
    ];
    let mut ids = Vec::new();
    for (name, kind, level, influence, interest, stance) in stakeholders {
        let saved = store
            .save_stakeholder(
                domain::StakeholderId::new(),
                None,
                Stakeholder {
                    name: name.into(),
                    kind,
                    level,
                    sector: String::new(),
                    place: String::new(),
                    influence,
                    interest,
                    stance: Some(stance),
                    priority: Some(Priority::Medium),
                    capacity_adequate: None,
                    details: BTreeMap::new(),
                    sensitive: BTreeMap::new(),
                },
                system.clone(),
            )
            .await?;
        ids.push(saved.id);
    }
    Ok(ids)
}

/// Saves one record of the community or structural level.
#[allow(clippy::too_many_arguments)]
pub(super) async fn document<T: serde::Serialize>(
    store: &SqliteStore,
    kind: DocKind,
    parent: Option<DocumentId>,
    office: Option<domain::OfficeId>,
    name: &str,
    body: &T,
    cases: Vec<CaseId>,
    system: &AuditContext,
) -> Result<DocumentId> {
    Ok(store
        .save_document(
            NewDocument {
                id: DocumentId::new(),
                kind,
                parent,
                office,
                name: name.to_string(),
                body: serde_json::to_string(body)?,
                cases,
            },
            None,
            system.clone(),
        )
        .await?
        .id)
}
