//! The demo programme: two offices, one account per role and invented returnees. Loaded only
//! with `serve --demo` into an empty database; every page then carries a demo banner.

use anyhow::Result;
use domain::case::{
    CaseStage, HouseholdMember, Relationship, ReturnType, ReturneeProfile, Sex, Vulnerability,
};
use domain::consent::{ConsentDecision, ConsentMethod, ConsentPurpose, ConsentRecord};
use domain::{CaseId, OfficeCode, Role, UserId, Username};
use rand::rngs::StdRng;
use rand::seq::IndexedRandom;
use rand::{Rng, SeedableRng};
use store::{AuditContext, NewCase, NewUser, SqliteStore, Store};
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

const OFFICES: &[(&str, &str, &[&str])] = &[
    (
        "DKR",
        "Dakar (demo)",
        &["Dakar", "Thies", "Diourbel", "Louga", "Saint-Louis"],
    ),
    (
        "TAM",
        "Tambacounda (demo)",
        &["Tambacounda", "Kolda", "Kedougou", "Kaffrine", "Sedhiou"],
    ),
];

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

pub async fn load(store: &SqliteStore, cases: usize, seed: u64) -> Result<()> {
    let now = OffsetDateTime::now_utc();
    let system = AuditContext::system(now, "demo programme");
    let mut offices = Vec::new();
    for (code, name, provinces) in OFFICES {
        let office = store.ensure_office(&OfficeCode::parse(code)?, name).await?;
        offices.push((office, *provinces));
    }
    let hash = web::auth::hash_password(DEMO_PASSWORD.to_string()).await?;
    let mut managers: Vec<(UserId, usize)> = Vec::new();
    for (username, name, role, office) in DEMO_USERS {
        let office_index =
            office.and_then(|code| offices.iter().position(|(o, _)| o.code.as_str() == code));
        let user = store
            .create_user(
                NewUser {
                    username: Username::parse(username)?,
                    display_name: name.to_string(),
                    role: *role,
                    office: office_index.map(|i| offices[i].0.id),
                    password_hash: hash.clone(),
                    must_change_password: false,
                },
                system.clone(),
            )
            .await?;
        if let (Role::CaseManager, Some(i)) = (role, office_index) {
            managers.push((user.id, i));
        }
    }
    let mut rng = StdRng::seed_from_u64(seed);
    let today = now.date();
    for n in 0..cases {
        let (manager, office_index) = managers[n % managers.len()];
        let (office, provinces) = &offices[office_index];
        let profile = profile(&mut rng, provinces, today);
        let consents = [ConsentPurpose::CaseManagement, ConsentPurpose::Contact]
            .into_iter()
            .filter(|_| rng.random_bool(0.9))
            .map(|purpose| ConsentRecord {
                purpose,
                decision: ConsentDecision::Given,
                method: ConsentMethod::WrittenInPerson,
                date: profile.return_date.min(today),
                notes: None,
                recorded_by: manager,
                recorded_at: now,
            })
            .collect();
        store
            .create_case(
                NewCase {
                    id: CaseId::new(),
                    office: office.id,
                    case_manager: Some(manager),
                    profile,
                    stage: CaseStage::Intake,
                    consents,
                },
                AuditContext::by(manager, now),
            )
            .await?;
    }
    Ok(())
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
