//! The demo programme: two offices, one account per role and invented returnees. Loaded only
//! with `serve --demo` into an empty database; every page then carries a demo banner.

use anyhow::Result;
use domain::case::{
    CaseStage, HouseholdMember, Relationship, ReturnType, ReturneeProfile, Sex, Vulnerability,
};
use domain::consent::{ConsentDecision, ConsentMethod, ConsentPurpose, ConsentRecord};
use domain::{CaseId, DocumentId, OfficeCode, Role, UserId, Username};
use rand::rngs::StdRng;
use rand::seq::IndexedRandom;
use rand::{Rng, SeedableRng};
use store::prelude::*;
use store::{AuditContext, DocKind, NewCase, NewDocument, NewUser, SqliteStore};
use time::{Date, Duration, OffsetDateTime};

pub const DEMO_CASES: usize = 50;
pub const DEMO_SEED: u64 = 2026;
/// The password of every demo account (documented in README.md).
pub const DEMO_PASSWORD: &str = "reintegra-demo";

/// (username, full name, role, office code)
pub const DEMO_USERS: &[(&str, &str, Role, Option<&str>)] = &[
    ("admin", "Demo Administrator", Role::Admin, None),
    (
        "pm.dakar",
        "Mariama Sarr",
        Role::ProgrammeManager,
        Some("DKR"),
    ),
    ("cm.dakar", "Awa Diop", Role::CaseManager, Some("DKR")),
    ("cm.dakar2", "Ibrahima Fall", Role::CaseManager, Some("DKR")),
    ("cm.tamba", "Ousmane Cisse", Role::CaseManager, Some("TAM")),
    ("me.officer", "Fatou Ndiaye", Role::MeOfficer, None),
    (
        "partner.dakar",
        "Clinique Medina (partner)",
        Role::Partner,
        Some("DKR"),
    ),
    ("viewer", "Donor liaison", Role::Viewer, None),
];

/// (code, name, provinces). The small demo uses the first two.
const OFFICES: &[(&str, &str, &[&str])] = &[
    (
        "DKR",
        "Dakar (demo)",
        &["Dakar", "Thies", "Diourbel", "Louga"],
    ),
    (
        "TAM",
        "Tambacounda (demo)",
        &["Tambacounda", "Kedougou", "Kaffrine"],
    ),
    (
        "ZIG",
        "Ziguinchor (demo)",
        &["Ziguinchor", "Sedhiou", "Kolda"],
    ),
    ("STL", "Saint-Louis (demo)", &["Saint-Louis", "Matam"]),
    ("KAO", "Kaolack (demo)", &["Kaolack", "Fatick"]),
    ("MBR", "Mbour (demo)", &["Thies", "Mbour"]),
];

/// How much to generate.
#[derive(Clone, Copy, Debug)]
pub struct Scale {
    pub cases: usize,
    pub offices: usize,
    pub seed: u64,
}

impl Scale {
    /// The programme `serve --demo` loads.
    pub const DEMO: Scale = Scale {
        cases: DEMO_CASES,
        offices: 2,
        seed: DEMO_SEED,
    };
    /// A programme of `cases` returnees across every demo office.
    pub fn national(cases: usize, seed: u64) -> Scale {
        Scale {
            cases,
            offices: OFFICES.len(),
            seed,
        }
    }
}

/// Cases per generated case manager: a heavy but real caseload.
const CASELOAD: usize = 150;
/// Cases written per transaction when generating.
const BATCH: usize = 10_000;

const GIVEN_F: &[&str] = &[
    "Aminata", "Awa", "Fatou", "Mariama", "Khady", "Binta", "Aissatou", "Ndeye", "Coumba", "Adama",
    "Rokhaya", "Dieynaba",
];
const GIVEN_M: &[&str] = &[
    "Mamadou",
    "Ousmane",
    "Ibrahima",
    "Moussa",
    "Abdoulaye",
    "Cheikh",
    "Modou",
    "Lamine",
    "Babacar",
    "Saliou",
    "Boubacar",
    "Alioune",
    "Pape",
    "Amadou",
];
const FAMILY: &[&str] = &[
    "Diallo", "Ba", "Sow", "Ndiaye", "Diop", "Fall", "Sy", "Kane", "Cisse", "Camara", "Balde",
    "Mbaye", "Sarr", "Faye", "Gueye", "Toure", "Sane", "Mane", "Keita", "Diatta",
];
const HOST_COUNTRIES: &[&str] = &[
    "Libya",
    "Niger",
    "Morocco",
    "Mauritania",
    "Algeria",
    "Italy",
    "Spain",
    "France",
    "Germany",
];

fn pick<'a>(rng: &mut StdRng, items: &'a [&'a str]) -> &'a str {
    items.choose(rng).copied().unwrap_or_default()
}

/// One invented returnee, plausible in its mix of ages, returns and vulnerabilities.
pub fn profile(rng: &mut StdRng, provinces: &[&str], today: Date) -> ReturneeProfile {
    // Most returnees assisted by such programmes are young men; a third are women.
    let sex = if rng.random_bool(0.32) {
        Sex::Female
    } else {
        Sex::Male
    };
    let given = pick(rng, if sex == Sex::Female { GIVEN_F } else { GIVEN_M });
    let family = pick(rng, FAMILY);
    let return_date = today - Duration::days(rng.random_range(3..700));
    let age: i64 = rng.random_range(17..52);
    let known_birth = rng.random_bool(0.85);
    let date_of_birth =
        known_birth.then(|| return_date - Duration::days(age * 365 + rng.random_range(0..365)));
    let return_type = *[
        ReturnType::AssistedVoluntary,
        ReturnType::AssistedVoluntary,
        ReturnType::AssistedVoluntary,
        ReturnType::Forced,
        ReturnType::Spontaneous,
        ReturnType::Obliged,
    ]
    .choose(rng)
    .unwrap_or(&ReturnType::Other);
    let voluntary = return_type == ReturnType::AssistedVoluntary;
    let mut vulnerabilities = Vec::new();
    for (v, p) in [
        (Vulnerability::HealthNeeds, 0.15),
        (Vulnerability::MentalHealth, 0.08),
        (Vulnerability::Debt, 0.2),
        (Vulnerability::TraffickingVictim, 0.05),
        (Vulnerability::ViolenceExploitationAbuse, 0.08),
        (
            Vulnerability::SingleParent,
            if sex == Sex::Female { 0.15 } else { 0.02 },
        ),
    ] {
        if rng.random_bool(p) {
            vulnerabilities.push(v);
        }
    }
    let mut household = Vec::new();
    if rng.random_bool(0.35) {
        for _ in 0..rng.random_range(1..4) {
            let child = rng.random_bool(0.6);
            let names = if rng.random_bool(0.5) {
                GIVEN_F
            } else {
                GIVEN_M
            };
            household.push(HouseholdMember {
                name: format!("{} {family}", pick(rng, names)),
                relationship: if child {
                    Relationship::Child
                } else {
                    Relationship::SpousePartner
                },
                sex: Some(if rng.random_bool(0.5) {
                    Sex::Female
                } else {
                    Sex::Male
                }),
                date_of_birth: Some(
                    return_date
                        - Duration::days(if child {
                            rng.random_range(200..5000)
                        } else {
                            rng.random_range(7000..15000)
                        }),
                ),
                returned_together: Some(rng.random_bool(0.4)),
                notes: None,
            });
        }
    }
    let province = pick(rng, provinces);
    ReturneeProfile {
        given_name: given.to_string(),
        family_name: family.to_string(),
        sex,
        gender: None,
        date_of_birth,
        age_at_return: (!known_birth).then_some(age as u16),
        nationality: "Senegal".into(),
        return_date,
        returned_from: pick(rng, HOST_COUNTRIES).to_string(),
        absence_months: Some(rng.random_range(3..120)),
        return_type,
        free_choice: voluntary.then(|| rng.random_bool(0.95)),
        informed_decision: voluntary.then(|| rng.random_bool(0.9)),
        return_country: "Senegal".into(),
        return_province: province.to_string(),
        return_community: Some(format!("{province} commune {}", rng.random_range(1..9))),
        community_is_origin: Some(rng.random_bool(0.75)),
        vulnerabilities,
        vulnerability_details: None,
        restricted: false,
        phone: Some(format!(
            "+221 7{} {:03} {:02} {:02}",
            rng.random_range(0..9),
            rng.random_range(0..1000),
            rng.random_range(0..100),
            rng.random_range(0..100)
        )),
        email: None,
        address: None,
        preferred_language: Some(
            pick(rng, &["Wolof", "Pulaar", "French", "Mandinka", "Serer"]).to_string(),
        ),
        household,
    }
    .normalised()
}

/// Generates the programme: offices, accounts (all with the demo password) and cases written in
/// bulk transactions. Deterministic for a given seed, apart from ids.
pub async fn load(store: &SqliteStore, scale: Scale) -> Result<()> {
    let started = std::time::Instant::now();
    let now = OffsetDateTime::now_utc();
    let system = AuditContext::system(now, "demo programme");
    let mut offices = Vec::new();
    for (code, name, provinces) in OFFICES.iter().take(scale.offices.clamp(1, OFFICES.len())) {
        let office = store.ensure_office(&OfficeCode::parse(code)?, name).await?;
        offices.push((office, *provinces));
    }
    // One hash for every generated account: hashing is deliberately slow.
    let hash = app::accounts::hash_password(DEMO_PASSWORD.to_string()).await?;
    let new_user = |username: &str,
                    name: String,
                    role: Role,
                    office: Option<domain::OfficeId>|
     -> Result<NewUser> {
        Ok(NewUser {
            username: Username::parse(username)?,
            display_name: name,
            role,
            office,
            password_hash: hash.clone(),
            must_change_password: false,
        })
    };
    let mut managers: Vec<Vec<UserId>> = vec![Vec::new(); offices.len()];
    let mut partners = Vec::new();
    for (username, name, role, office) in DEMO_USERS {
        let index =
            office.and_then(|code| offices.iter().position(|(o, _)| o.code.as_str() == code));
        if office.is_some() && index.is_none() {
            continue;
        }
        let user = store
            .create_user(
                new_user(
                    username,
                    name.to_string(),
                    *role,
                    index.map(|i| offices[i].0.id),
                )?,
                system.clone(),
            )
            .await?;
        if let (Role::CaseManager, Some(i)) = (role, index) {
            managers[i].push(user.id);
        }
        if *role == Role::Partner {
            partners.push(user.id);
        }
    }
    let stakeholders = service_map(store, &partners, &system, now.date()).await?;
    let per_office = scale.cases.div_ceil(offices.len());
    let mut rng = StdRng::seed_from_u64(scale.seed);
    for (i, (office, _)) in offices.iter().enumerate() {
        let wanted = per_office.div_ceil(CASELOAD).max(1);
        for n in managers[i].len()..wanted {
            let username = format!("cm.{}.{n}", office.code.as_str().to_lowercase());
            let name = format!("{} {}", pick(&mut rng, GIVEN_F), pick(&mut rng, FAMILY));
            let user = store
                .create_user(
                    new_user(&username, name, Role::CaseManager, Some(office.id))?,
                    system.clone(),
                )
                .await?;
            managers[i].push(user.id);
        }
    }
    let today = now.date();
    let mut batch = Vec::with_capacity(BATCH.min(scale.cases));
    let mut imported: Vec<(CaseId, usize, UserId)> = Vec::new();
    for n in 0..scale.cases {
        let office_index = n % offices.len();
        let (office, provinces) = &offices[office_index];
        let office_managers = &managers[office_index];
        let manager = office_managers[(n / offices.len()) % office_managers.len()];
        let profile = profile(&mut rng, provinces, today);
        // Registered a few days after return, never in the future.
        let registered = (profile.return_date + Duration::days(rng.random_range(0..21))).min(today);
        let at = now.replace_date(registered);
        let consents = [ConsentPurpose::CaseManagement, ConsentPurpose::Contact]
            .into_iter()
            .filter(|_| rng.random_bool(0.9))
            .map(|purpose| ConsentRecord {
                purpose,
                decision: ConsentDecision::Given,
                method: ConsentMethod::WrittenInPerson,
                date: registered,
                notes: None,
                recorded_by: manager,
                recorded_at: at,
            })
            .collect();
        let id = CaseId::new();
        if imported.len() < SURVEYED_CASES {
            imported.push((id, office_index, manager));
        }
        batch.push((
            NewCase {
                id,
                office: office.id,
                case_manager: Some(manager),
                profile,
                stage: CaseStage::Intake,
                consents,
            },
            AuditContext::by(manager, at),
        ));
        if batch.len() == BATCH || n + 1 == scale.cases {
            store.import_cases(std::mem::take(&mut batch)).await?;
            if scale.cases > BATCH {
                eprintln!(
                    "  {} cases ({:.1} s)",
                    n + 1,
                    started.elapsed().as_secs_f64()
                );
            }
        }
    }
    surveys(store, &imported, &managers, scale.seed, now).await?;
    community_level(store, offices[0].0.id, &stakeholders, &system, today).await?;
    // The planner needs statistics that describe the loaded programme.
    store.analyze().await?;
    Ok(())
}

/// A small service map and stakeholder map, with the demo partner account working for the
/// clinic. Invented organisations.
async fn service_map(
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
async fn document<T: serde::Serialize>(
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

/// The community and structural levels of the demo: the two places of return with most cases
/// of the first office as communities (assessed on the checklist), a collective project with
/// returnees and community members and a monitoring visit, and a capacity assessment, a
/// training, a coordination mechanism with a meeting, an agreement and a policy track.
#[allow(clippy::too_many_lines)]
async fn community_level(
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
async fn evaluation(store: &SqliteStore, today: Date, system: &AuditContext) -> Result<()> {
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

/// How many returnees get surveys in a generated programme. Surveys go through the same path as
/// the pages (one submission, its scores, audit entries), which is slow for millions.
const SURVEYED_CASES: usize = 2_000;

/// Reintegration Sustainability Surveys for the first returnees: a baseline, then the
/// intermediate and final rounds when enough time has passed, with answers that improve a
/// little over time. Interviewers are another case manager of the office where there is one,
/// as the handbook recommends.
async fn surveys(
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
        }
        // The stage is derived from the data: a baseline survey alone puts a case in assessment.
        if baseline_done {
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

/// Answers to the 32 questions around a level of well-being: each answer's value under the
/// model is near it, with a few "don't know" answers where the question offers them.
fn survey_answers(
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
