//! Reading returnees from a spreadsheet an office already keeps: which column is which field,
//! and how a value as people typed it ("F", "Femme", "RVA", "SN", "14/03/1995") becomes the
//! value Reintegra keeps. Every value that cannot be read is reported with its column and why,
//! never guessed.

use time::{Date, Month};

use crate::case::{
    HouseholdMember, Relationship, ReturnType, ReturneeProfile, Sex, Vulnerability, named_enum,
};
use crate::consent::{ConsentDecision, ConsentInput, ConsentMethod, ConsentPurpose};
use crate::text::fold;

named_enum!(
    /// A field a column of an import file can fill.
    ImportField {
        GivenName = "given_name",
        FamilyName = "family_name",
        Sex = "sex",
        DateOfBirth = "date_of_birth",
        AgeAtReturn = "age_at_return",
        Nationality = "nationality",
        ReturnDate = "return_date",
        ReturnedFrom = "returned_from",
        AbsenceMonths = "absence_months",
        ReturnType = "return_type",
        ReturnCountry = "return_country",
        ReturnProvince = "return_province",
        ReturnCommunity = "return_community",
        Phone = "phone",
        Email = "email",
        Address = "address",
        PreferredLanguage = "preferred_language",
        Vulnerabilities = "vulnerabilities",
        CaseManager = "case_manager",
        Household = "household",
        ConsentCaseManagement = "consent_case_management",
        ConsentContact = "consent_contact",
        ConsentDate = "consent_date",
        ConsentMethod = "consent_method",
    }
);

impl ImportField {
    /// Fields every file must have a column for.
    pub const REQUIRED: [ImportField; 8] = [
        ImportField::GivenName,
        ImportField::FamilyName,
        ImportField::Sex,
        ImportField::Nationality,
        ImportField::ReturnDate,
        ImportField::ReturnedFrom,
        ImportField::ReturnType,
        ImportField::ReturnProvince,
    ];

    /// Other names offices give the column (folded: lower case, no accents, `_` between
    /// words), in English and French.
    fn aliases(self) -> &'static [&'static str] {
        use ImportField::*;
        match self {
            GivenName => &[
                "first_name",
                "firstname",
                "prenom",
                "prenoms",
                "given",
                "forename",
            ],
            FamilyName => &[
                "last_name",
                "lastname",
                "surname",
                "nom",
                "nom_de_famille",
                "family",
            ],
            Sex => &["sexe"],
            DateOfBirth => &[
                "dob",
                "birth_date",
                "birthdate",
                "date_naissance",
                "date_de_naissance",
            ],
            AgeAtReturn => &["age", "age_au_retour"],
            Nationality => &["nationalite", "citizenship"],
            ReturnDate => &[
                "date_of_return",
                "date_retour",
                "date_de_retour",
                "arrival_date",
            ],
            ReturnedFrom => &[
                "host_country",
                "pays_d_accueil",
                "pays_de_provenance",
                "pays_hote",
            ],
            AbsenceMonths => &["months_abroad", "duree_d_absence_mois", "mois_a_l_etranger"],
            ReturnType => &["type_of_return", "type_de_retour", "type_retour"],
            ReturnCountry => &[
                "country_of_return",
                "pays_de_retour",
                "country_of_origin",
                "pays_d_origine",
            ],
            ReturnProvince => &[
                "province",
                "region",
                "region_de_retour",
                "province_de_retour",
            ],
            ReturnCommunity => &["community", "commune", "village", "communaute"],
            Phone => &["telephone", "tel", "phone_number", "mobile"],
            Email => &["e_mail", "courriel"],
            Address => &["adresse"],
            PreferredLanguage => &["language", "langue"],
            Vulnerabilities => &["vulnerability", "vulnerabilites", "vulnerabilite"],
            CaseManager => &["gestionnaire", "gestionnaire_de_cas", "case_worker"],
            Household => &["household_members", "menage", "membres_du_menage"],
            ConsentCaseManagement => &["consent", "consentement"],
            ConsentContact => &["consentement_contact"],
            ConsentDate => &["date_consentement", "date_du_consentement"],
            ConsentMethod => &["methode_de_consentement", "mode_de_consentement"],
        }
    }
}

/// A header as compared: folded, words joined by `_`.
fn header_key(header: &str) -> String {
    fold(header)
        .split(|c: char| !c.is_alphanumeric())
        .filter(|w| !w.is_empty())
        .collect::<Vec<_>>()
        .join("_")
}

/// The field a header most likely names, if any.
pub fn guess_field(header: &str) -> Option<ImportField> {
    let key = header_key(header);
    ImportField::ALL
        .iter()
        .copied()
        .find(|f| f.as_str() == key || f.aliases().contains(&key.as_str()))
}

/// The value of a column as a word to compare: folded, spaces and dashes as `_`.
fn word(v: &str) -> String {
    header_key(v)
}

pub fn parse_sex(v: &str) -> Option<Sex> {
    match word(v).as_str() {
        "f" | "female" | "femme" | "feminin" | "woman" | "w" => Some(Sex::Female),
        "m" | "male" | "homme" | "masculin" | "man" | "h" => Some(Sex::Male),
        _ => None,
    }
}

pub fn parse_return_type(v: &str) -> Option<ReturnType> {
    let w = word(v);
    if let Some(t) = ReturnType::parse(&w) {
        return Some(t);
    }
    Some(match w.as_str() {
        "avr"
        | "avrr"
        | "rva"
        | "arv"
        | "assisted"
        | "assisted_voluntary_return"
        | "retour_volontaire_assiste"
        | "retour_volontaire"
        | "voluntary"
        | "volontaire" => ReturnType::AssistedVoluntary,
        "spontane" | "independent" | "independant" => ReturnType::Spontaneous,
        "oblige" => ReturnType::Obliged,
        "force" | "deported" | "deportation" | "expulse" | "expulsion" => ReturnType::Forced,
        "autre" => ReturnType::Other,
        _ => return None,
    })
}

pub fn parse_yes_no(v: &str) -> Option<bool> {
    match word(v).as_str() {
        "yes" | "y" | "oui" | "o" | "true" | "1" | "vrai" => Some(true),
        "no" | "n" | "non" | "false" | "0" | "faux" => Some(false),
        _ => None,
    }
}

/// A date as offices write it: `2026-03-14`, `14/03/2026`, `14-03-2026`, `14.03.2026`.
pub fn parse_date(v: &str) -> Option<Date> {
    let v = v.trim();
    if let Some(d) = crate::case::date::parse(v) {
        return Some(d);
    }
    let parts: Vec<&str> = v.split(['/', '-', '.']).collect();
    let [d, m, y] = parts.as_slice() else {
        return None;
    };
    let (d, m, y) = (
        d.parse::<u8>().ok()?,
        m.parse::<u8>().ok()?,
        y.parse::<i32>().ok()?,
    );
    if y < 1000 {
        return None;
    }
    Date::from_calendar_date(y, Month::try_from(m).ok()?, d).ok()
}

pub fn parse_vulnerability(v: &str) -> Option<Vulnerability> {
    let w = word(v);
    Vulnerability::parse(&w).or(match w.as_str() {
        "gbv" | "vbg" => Some(Vulnerability::GenderBasedViolence),
        "trafficking" | "traite" | "vot" => Some(Vulnerability::TraffickingVictim),
        "uac" | "uasc" | "mineur_non_accompagne" => Some(Vulnerability::UnaccompaniedChild),
        "health" | "sante" => Some(Vulnerability::HealthNeeds),
        "handicap" => Some(Vulnerability::Disability),
        "dette" => Some(Vulnerability::Debt),
        _ => None,
    })
}

pub fn parse_relationship(v: &str) -> Option<Relationship> {
    let w = word(v);
    Relationship::parse(&w).or(match w.as_str() {
        "spouse" | "wife" | "husband" | "partner" | "epouse" | "epoux" | "conjoint"
        | "conjointe" => Some(Relationship::SpousePartner),
        "son" | "daughter" | "enfant" | "fils" | "fille" => Some(Relationship::Child),
        "mother" | "father" | "mere" | "pere" => Some(Relationship::Parent),
        "brother" | "sister" | "frere" | "soeur" => Some(Relationship::Sibling),
        "relative" | "cousin" | "cousine" | "uncle" | "aunt" | "oncle" | "tante" => {
            Some(Relationship::OtherRelative)
        }
        "autre" => Some(Relationship::Other),
        _ => None,
    })
}

pub fn parse_consent(v: &str) -> Option<ConsentDecision> {
    let w = word(v);
    ConsentDecision::parse(&w).or(match w.as_str() {
        "yes" | "oui" | "donne" | "accorde" => Some(ConsentDecision::Given),
        "no" | "non" | "refuse" => Some(ConsentDecision::Refused),
        "retire" => Some(ConsentDecision::Withdrawn),
        _ => None,
    })
}

pub fn parse_consent_method(v: &str) -> Option<ConsentMethod> {
    let w = word(v);
    ConsentMethod::parse(&w).or(match w.as_str() {
        "written" | "ecrit" | "signed" | "signe" => Some(ConsentMethod::WrittenInPerson),
        "verbal" | "oral" => Some(ConsentMethod::VerbalInPerson),
        "phone" | "telephone" | "by_phone" | "par_telephone" => Some(ConsentMethod::VerbalByPhone),
        "guardian" | "tuteur" | "legal_guardian" => Some(ConsentMethod::ByLegalGuardian),
        _ => None,
    })
}

/// Countries of return and migration as codes (ISO 3166-1 alpha-2 and alpha-3) and names in
/// English and French, to the one name Reintegra keeps.
const COUNTRIES: &[(&str, &str, &str, &str)] = &[
    ("DZ", "DZA", "Algeria", "Algérie"),
    ("AO", "AGO", "Angola", "Angola"),
    ("BJ", "BEN", "Benin", "Bénin"),
    ("BF", "BFA", "Burkina Faso", "Burkina Faso"),
    ("BI", "BDI", "Burundi", "Burundi"),
    ("CM", "CMR", "Cameroon", "Cameroun"),
    ("CV", "CPV", "Cabo Verde", "Cap-Vert"),
    (
        "CF",
        "CAF",
        "Central African Republic",
        "République centrafricaine",
    ),
    ("TD", "TCD", "Chad", "Tchad"),
    ("KM", "COM", "Comoros", "Comores"),
    ("CG", "COG", "Congo", "Congo"),
    (
        "CD",
        "COD",
        "Democratic Republic of the Congo",
        "République démocratique du Congo",
    ),
    ("CI", "CIV", "Côte d'Ivoire", "Côte d'Ivoire"),
    ("DJ", "DJI", "Djibouti", "Djibouti"),
    ("EG", "EGY", "Egypt", "Égypte"),
    ("ER", "ERI", "Eritrea", "Érythrée"),
    ("ET", "ETH", "Ethiopia", "Éthiopie"),
    ("GA", "GAB", "Gabon", "Gabon"),
    ("GM", "GMB", "Gambia", "Gambie"),
    ("GH", "GHA", "Ghana", "Ghana"),
    ("GN", "GIN", "Guinea", "Guinée"),
    ("GW", "GNB", "Guinea-Bissau", "Guinée-Bissau"),
    ("KE", "KEN", "Kenya", "Kenya"),
    ("LR", "LBR", "Liberia", "Libéria"),
    ("LY", "LBY", "Libya", "Libye"),
    ("MG", "MDG", "Madagascar", "Madagascar"),
    ("ML", "MLI", "Mali", "Mali"),
    ("MR", "MRT", "Mauritania", "Mauritanie"),
    ("MA", "MAR", "Morocco", "Maroc"),
    ("MZ", "MOZ", "Mozambique", "Mozambique"),
    ("NE", "NER", "Niger", "Niger"),
    ("NG", "NGA", "Nigeria", "Nigéria"),
    ("RW", "RWA", "Rwanda", "Rwanda"),
    ("SN", "SEN", "Senegal", "Sénégal"),
    ("SL", "SLE", "Sierra Leone", "Sierra Leone"),
    ("SO", "SOM", "Somalia", "Somalie"),
    ("SS", "SSD", "South Sudan", "Soudan du Sud"),
    ("SD", "SDN", "Sudan", "Soudan"),
    ("TG", "TGO", "Togo", "Togo"),
    ("TN", "TUN", "Tunisia", "Tunisie"),
    ("UG", "UGA", "Uganda", "Ouganda"),
    ("TZ", "TZA", "Tanzania", "Tanzanie"),
    ("ZA", "ZAF", "South Africa", "Afrique du Sud"),
    ("AF", "AFG", "Afghanistan", "Afghanistan"),
    ("BD", "BGD", "Bangladesh", "Bangladesh"),
    ("IQ", "IRQ", "Iraq", "Irak"),
    ("IR", "IRN", "Iran", "Iran"),
    ("JO", "JOR", "Jordan", "Jordanie"),
    ("LB", "LBN", "Lebanon", "Liban"),
    ("PK", "PAK", "Pakistan", "Pakistan"),
    ("SA", "SAU", "Saudi Arabia", "Arabie saoudite"),
    ("SY", "SYR", "Syria", "Syrie"),
    ("TR", "TUR", "Türkiye", "Turquie"),
    ("YE", "YEM", "Yemen", "Yémen"),
    ("AT", "AUT", "Austria", "Autriche"),
    ("BE", "BEL", "Belgium", "Belgique"),
    ("CH", "CHE", "Switzerland", "Suisse"),
    ("DE", "DEU", "Germany", "Allemagne"),
    ("ES", "ESP", "Spain", "Espagne"),
    ("FR", "FRA", "France", "France"),
    ("GB", "GBR", "United Kingdom", "Royaume-Uni"),
    ("GR", "GRC", "Greece", "Grèce"),
    ("IT", "ITA", "Italy", "Italie"),
    ("MT", "MLT", "Malta", "Malte"),
    ("NL", "NLD", "Netherlands", "Pays-Bas"),
    ("NO", "NOR", "Norway", "Norvège"),
    ("PT", "PRT", "Portugal", "Portugal"),
    ("SE", "SWE", "Sweden", "Suède"),
];

/// A country as typed, as the one name kept: codes and English or French names become the
/// English name; other names are kept as typed. A code no country has is an error.
pub fn parse_country(v: &str) -> Result<String, &'static str> {
    let t = v.trim();
    let key = fold(t);
    for (a2, a3, en, fr) in COUNTRIES {
        if t.eq_ignore_ascii_case(a2)
            || t.eq_ignore_ascii_case(a3)
            || key == fold(en)
            || key == fold(fr)
        {
            return Ok((*en).to_string());
        }
    }
    let looks_like_code = (2..=3).contains(&t.len()) && t.chars().all(|c| c.is_ascii_uppercase());
    if looks_like_code {
        Err("error-import-country-code")
    } else {
        Ok(t.to_string())
    }
}

/// A household as one cell: members separated by `;`, each a name with its relation in
/// brackets: `Moussa Diallo (child); Awa Ba (wife)`.
pub fn parse_household(v: &str) -> Option<Vec<HouseholdMember>> {
    v.split(';')
        .map(str::trim)
        .filter(|m| !m.is_empty())
        .map(|m| {
            let (name, rest) = m.split_once('(')?;
            let relationship = parse_relationship(rest.trim_end().strip_suffix(')')?)?;
            let name = name.trim();
            (!name.is_empty()).then(|| HouseholdMember {
                name: name.to_string(),
                relationship,
                sex: None,
                date_of_birth: None,
                returned_together: None,
                notes: None,
            })
        })
        .collect()
}

/// One row read: what registering it would record.
#[derive(Clone, Debug)]
pub struct ImportedRow {
    pub profile: ReturneeProfile,
    pub consents: Vec<ConsentInput>,
}

/// What is wrong with one value: the field (whose column the caller knows) and the message id.
pub type Problem = (ImportField, &'static str);

/// Reads one row from its values by field. Every value that cannot be read is a problem;
/// missing required values are left to the profile's own check.
pub fn read_row(values: &[(ImportField, &str)]) -> Result<ImportedRow, Vec<Problem>> {
    use ImportField as F;
    let get = |f: ImportField| {
        values
            .iter()
            .find(|(k, _)| *k == f)
            .map(|(_, v)| v.trim())
            .filter(|v| !v.is_empty())
    };
    let mut problems: Vec<Problem> = Vec::new();
    let mut read = |f: ImportField, code: &'static str, ok: bool| {
        if !ok {
            problems.push((f, code));
        }
    };
    let text = |f| get(f).map(str::to_string).unwrap_or_default();
    let opt_text = |f| get(f).map(str::to_string);
    let sex = get(F::Sex).map(parse_sex);
    read(F::Sex, "error-import-sex", sex != Some(None));
    let return_type = get(F::ReturnType).map(parse_return_type);
    read(
        F::ReturnType,
        "error-import-return-type",
        return_type != Some(None),
    );
    let mut date = |f: ImportField| {
        let d = get(f).map(parse_date);
        read(f, "error-import-date", d != Some(None));
        d.flatten()
    };
    let date_of_birth = date(F::DateOfBirth);
    let return_date = date(F::ReturnDate);
    let consent_date = date(F::ConsentDate);
    let mut number = |f: ImportField| {
        let n = get(f).map(|v| {
            v.parse::<f64>()
                .ok()
                .filter(|n| *n >= 0.0 && n.fract() == 0.0)
        });
        read(f, "error-import-number", n != Some(None));
        n.flatten()
    };
    let age = number(F::AgeAtReturn).map(|n| n.min(150.0) as u16);
    let absence = number(F::AbsenceMonths).map(|n| n.min(1200.0) as u32);
    let mut country = |f: ImportField| match get(f).map(parse_country) {
        Some(Err(code)) => {
            read(f, code, false);
            String::new()
        }
        Some(Ok(c)) => c,
        None => String::new(),
    };
    let nationality = country(F::Nationality);
    let returned_from = country(F::ReturnedFrom);
    let return_country = match get(F::ReturnCountry) {
        Some(_) => country(F::ReturnCountry),
        // Most files are of one country of return: the nationality stands for it.
        None => nationality.clone(),
    };
    let vulnerabilities: Vec<Option<Vulnerability>> = get(F::Vulnerabilities)
        .map(|v| {
            v.split([',', ';', '|'])
                .map(str::trim)
                .filter(|x| !x.is_empty())
                .map(parse_vulnerability)
                .collect()
        })
        .unwrap_or_default();
    read(
        F::Vulnerabilities,
        "error-import-vulnerability",
        vulnerabilities.iter().all(Option::is_some),
    );
    let household = get(F::Household).map(parse_household);
    read(
        F::Household,
        "error-import-household",
        household != Some(None),
    );
    let mut consent = |f: ImportField| {
        let d = get(f).map(parse_consent);
        read(f, "error-import-consent", d != Some(None));
        d.flatten()
    };
    let decisions = [
        (
            ConsentPurpose::CaseManagement,
            consent(F::ConsentCaseManagement),
        ),
        (ConsentPurpose::Contact, consent(F::ConsentContact)),
    ];
    let method = get(F::ConsentMethod).map(parse_consent_method);
    read(
        F::ConsentMethod,
        "error-import-consent-method",
        method != Some(None),
    );
    let any_decision = decisions.iter().any(|(_, d)| d.is_some());
    if any_decision {
        read(
            F::ConsentDate,
            "error-import-consent-date",
            consent_date.is_some(),
        );
        read(
            F::ConsentMethod,
            "error-import-consent-method",
            method.is_some(),
        );
    }
    if !problems.is_empty() {
        return Err(problems);
    }
    let consents = match (consent_date, method.flatten()) {
        (Some(date), Some(method)) => decisions
            .into_iter()
            .filter_map(|(purpose, d)| {
                d.map(|decision| ConsentInput {
                    purpose,
                    decision,
                    method,
                    date,
                    notes: None,
                })
            })
            .collect(),
        _ => Vec::new(),
    };
    let profile = ReturneeProfile {
        given_name: text(F::GivenName),
        family_name: text(F::FamilyName),
        // A missing sex or return type is reported by the caller as a missing value.
        sex: sex.flatten().unwrap_or(Sex::Female),
        gender: None,
        date_of_birth,
        age_at_return: if date_of_birth.is_some() { None } else { age },
        nationality,
        return_date: return_date.unwrap_or(Date::MIN),
        returned_from,
        absence_months: absence,
        return_type: return_type.flatten().unwrap_or(ReturnType::Other),
        free_choice: None,
        informed_decision: None,
        return_country,
        return_province: text(F::ReturnProvince),
        return_community: opt_text(F::ReturnCommunity),
        community_is_origin: None,
        vulnerabilities: vulnerabilities.into_iter().flatten().collect(),
        vulnerability_details: None,
        restricted: false,
        phone: opt_text(F::Phone),
        email: opt_text(F::Email),
        address: opt_text(F::Address),
        preferred_language: opt_text(F::PreferredLanguage),
        household: household.flatten().unwrap_or_default(),
    };
    Ok(ImportedRow { profile, consents })
}

/// Required fields left empty in a row (their values, not their columns).
pub fn missing(values: &[(ImportField, &str)]) -> Vec<ImportField> {
    ImportField::REQUIRED
        .iter()
        .copied()
        .filter(|f| !values.iter().any(|(k, v)| k == f && !v.trim().is_empty()))
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use time::macros::date;

    #[test]
    fn headers_in_english_and_french_find_their_field() {
        assert_eq!(guess_field("Prénom"), Some(ImportField::GivenName));
        assert_eq!(guess_field("NOM"), Some(ImportField::FamilyName));
        assert_eq!(
            guess_field("Date de naissance"),
            Some(ImportField::DateOfBirth)
        );
        assert_eq!(guess_field("Type of return"), Some(ImportField::ReturnType));
        assert_eq!(
            guess_field("return_province"),
            Some(ImportField::ReturnProvince)
        );
        assert_eq!(guess_field("Favourite colour"), None);
    }

    #[test]
    fn values_as_offices_type_them_become_one_code() {
        assert_eq!(parse_sex("F"), Some(Sex::Female));
        assert_eq!(parse_sex("Femme"), Some(Sex::Female));
        assert_eq!(parse_sex("homme"), Some(Sex::Male));
        assert_eq!(parse_sex("X"), None);
        assert_eq!(
            parse_return_type("RVA"),
            Some(ReturnType::AssistedVoluntary)
        );
        assert_eq!(parse_return_type("expulsé"), Some(ReturnType::Forced));
        assert_eq!(parse_return_type("vacation"), None);
        assert_eq!(parse_country("SN").as_deref(), Ok("Senegal"));
        assert_eq!(parse_country("sen").as_deref(), Ok("Senegal"));
        assert_eq!(parse_country("Sénégal").as_deref(), Ok("Senegal"));
        assert_eq!(parse_country("Libye").as_deref(), Ok("Libya"));
        assert_eq!(parse_country("XQ"), Err("error-import-country-code"));
        assert_eq!(parse_date("14/03/1995"), Some(date!(1995 - 03 - 14)));
        assert_eq!(parse_date("1995-03-14"), Some(date!(1995 - 03 - 14)));
        assert_eq!(parse_date("31/02/1995"), None);
        assert_eq!(parse_date("14/03/95"), None);
        let household = parse_household("Moussa Diallo (fils); Awa Ba (épouse)").unwrap();
        assert_eq!(household.len(), 2);
        assert_eq!(household[1].relationship, Relationship::SpousePartner);
        assert!(parse_household("Moussa Diallo").is_none());
    }

    #[test]
    fn a_row_reports_every_value_it_cannot_read() {
        use ImportField as F;
        let row = [
            (F::GivenName, "Awa"),
            (F::Sex, "unknown"),
            (F::ReturnDate, "2026-13-01"),
            (F::Nationality, "ZZ"),
            (F::ConsentCaseManagement, "oui"),
        ];
        let problems = read_row(&row).unwrap_err();
        let fields: Vec<ImportField> = problems.iter().map(|(f, _)| *f).collect();
        assert!(fields.contains(&F::Sex));
        assert!(fields.contains(&F::ReturnDate));
        assert!(fields.contains(&F::Nationality));
        // A consent needs its date and method.
        assert!(fields.contains(&F::ConsentDate));
        assert!(fields.contains(&F::ConsentMethod));
        assert_eq!(
            missing(&row),
            vec![
                F::FamilyName,
                F::ReturnedFrom,
                F::ReturnType,
                F::ReturnProvince
            ]
        );
    }
}
