use super::*;

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
pub(super) const OFFICES: &[(&str, &str, &[&str])] = &[
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
pub(super) const CASELOAD: usize = 150;
/// Cases written per transaction when generating.
pub(super) const BATCH: usize = 10_000;

pub(super) const GIVEN_F: &[&str] = &[
    "Aminata", "Awa", "Fatou", "Mariama", "Khady", "Binta", "Aissatou", "Ndeye", "Coumba", "Adama",
    "Rokhaya", "Dieynaba",
];
pub(super) const GIVEN_M: &[&str] = &[
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
pub(super) const FAMILY: &[&str] = &[
    "Diallo", "Ba", "Sow", "Ndiaye", "Diop", "Fall", "Sy", "Kane", "Cisse", "Camara", "Balde",
    "Mbaye", "Sarr", "Faye", "Gueye", "Toure", "Sane", "Mane", "Keita", "Diatta",
];
pub(super) const HOST_COUNTRIES: &[&str] = &[
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

pub(super) fn pick<'a>(rng: &mut StdRng, items: &'a [&'a str]) -> &'a str {
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
