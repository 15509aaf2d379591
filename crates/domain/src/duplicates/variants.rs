//! Well-known names whose spellings differ beyond what evening out a spelling can bring
//! together: West African, Maghreb and Arabic forms of the same name. Written from public
//! lists of name variants; a programme can meet others, which then compare by spelling alone.

use std::collections::HashMap;
use std::sync::LazyLock;

/// Each name with forms of it met in the region, in Latin and Arabic script.
pub const NAME_VARIANTS: &[(&str, &[&str])] = &[
    // Given names.
    (
        "muhammad",
        &[
            "Muhammad",
            "Mohammed",
            "Mohamed",
            "Mohamad",
            "Muhammed",
            "Mouhamed",
            "Mamadou",
            "Mamadu",
            "Mahamadou",
            "Mohamadou",
            "Mouhamadou",
            "Momodou",
            "Modou",
            "Mamady",
            "محمد",
        ],
    ),
    (
        "ahmad",
        &[
            "Ahmad", "Ahmed", "Ahmadou", "Amadou", "Amadu", "Hamadou", "Ahmedou", "أحمد",
        ],
    ),
    (
        "abdullah",
        &[
            "Abdullah",
            "Abdallah",
            "Abdoulaye",
            "Abdoulahi",
            "Abdulai",
            "Abdellah",
            "Abdulahi",
            "عبد الله",
            "عبدالله",
        ],
    ),
    (
        "uthman",
        &[
            "Uthman",
            "Usman",
            "Ousmane",
            "Osman",
            "Othman",
            "Ousman",
            "Otman",
            "عثمان",
        ],
    ),
    (
        "ibrahim",
        &[
            "Ibrahim",
            "Ibrahima",
            "Brahim",
            "Ebrahim",
            "إبراهيم",
            "ابراهيم",
        ],
    ),
    (
        "fatima",
        &[
            "Fatima",
            "Fatoumata",
            "Fatimata",
            "Fatuma",
            "Fatma",
            "Fatou",
            "Fatoumatta",
            "فاطمة",
        ],
    ),
    ("musa", &["Musa", "Moussa", "Mousa", "Mussa", "موسى"]),
    (
        "aisha",
        &[
            "Aisha",
            "Aïcha",
            "Aicha",
            "Aissatou",
            "Aïssatou",
            "Aishatu",
            "Aysha",
            "عائشة",
            "عايشة",
        ],
    ),
    (
        "maryam",
        &["Maryam", "Mariam", "Mariama", "Meriem", "Myriam", "مريم"],
    ),
    (
        "abubakar",
        &[
            "Abubakar",
            "Aboubacar",
            "Aboubakar",
            "Boubacar",
            "Boubakar",
            "Abu Bakr",
            "Babacar",
            "أبو بكر",
            "ابوبكر",
        ],
    ),
    (
        "sulayman",
        &[
            "Sulayman",
            "Souleymane",
            "Suleiman",
            "Sulaiman",
            "Souleimane",
            "Suleyman",
            "سليمان",
        ],
    ),
    (
        "yusuf",
        &[
            "Yusuf", "Youssouf", "Youssef", "Yousouf", "Yousef", "Yusif", "يوسف",
        ],
    ),
    ("idris", &["Idris", "Idrissa", "Driss", "Idrisa", "إدريس"]),
    ("al-amin", &["Lamine", "Alamine", "Al Amin", "El Amine"]),
    ("hassan", &["Hassan", "Hasan", "Assane", "Hassane", "حسن"]),
    ("umar", &["Umar", "Omar", "Oumar", "Omer", "Oumarou", "عمر"]),
    ("ali", &["Ali", "Aly", "Aliou", "Alioune", "علي"]),
    (
        "khadija",
        &[
            "Khadija",
            "Khadidja",
            "Khady",
            "Kadiatou",
            "Khadijatou",
            "Kadidia",
            "Khadidiatou",
            "Hadiza",
            "خديجة",
        ],
    ),
    ("hawa", &["Hawa", "Awa", "Hauwa", "Haoua", "حواء"]),
    (
        "amina",
        &["Amina", "Aminata", "Aminatou", "Ameena", "أمينة", "آمنة"],
    ),
    (
        "zaynab",
        &[
            "Zaynab", "Zainab", "Zeinab", "Zeynab", "Seynabou", "Zeinabou", "Sainabou", "زينب",
        ],
    ),
    ("yahya", &["Yahya", "Yaya", "Yahaya", "Yahia", "يحيى"]),
    (
        "ismail",
        &["Ismail", "Ismaïla", "Ismaila", "Smail", "Ismael", "إسماعيل"],
    ),
    ("salih", &["Salih", "Saleh", "Saliou", "Salihou", "صالح"]),
    (
        "shaykh",
        &["Shaykh", "Cheikh", "Sheikh", "Cheick", "Chaikh", "شيخ"],
    ),
    (
        "mustafa",
        &[
            "Mustafa",
            "Moustapha",
            "Mostafa",
            "Mustapha",
            "Moustafa",
            "مصطفى",
        ],
    ),
    ("adam", &["Adam", "Adama", "Adamou", "آدم"]),
    (
        "tijani",
        &["Tijani", "Tidiane", "Tidjane", "Tidjani", "التجاني"],
    ),
    // Family names.
    (
        "diallo",
        &[
            "Diallo",
            "Jallow",
            "Jalloh",
            "Djalo",
            "Dialo",
            "ديالو",
            "جالو",
        ],
    ),
    ("diop", &["Diop", "Jobe", "Diope", "ديوب"]),
    (
        "ndiaye",
        &["Ndiaye", "Njie", "N'Diaye", "Njai", "نجاي", "ندياي"],
    ),
    ("sow", &["Sow", "Sowe", "Sao", "سو"]),
    ("ba", &["Ba", "Bah", "Baa", "با"]),
    (
        "cisse",
        &[
            "Cissé", "Cisse", "Sisay", "Ceesay", "Sissé", "Cissay", "سيسي",
        ],
    ),
    ("toure", &["Touré", "Toure", "Turay", "Tourey", "توري"]),
    ("keita", &["Keita", "Keïta", "Kaita", "Keyta", "كيتا"]),
    ("camara", &["Camara", "Kamara", "كمارا"]),
    (
        "traore",
        &["Traoré", "Traore", "Trawally", "Tarawally", "تراوري"],
    ),
    ("sylla", &["Sylla", "Silla", "Sillah"]),
    ("sane", &["Sané", "Sane", "Sanneh"]),
    ("gueye", &["Gueye", "Guèye", "Gaye"]),
    ("mbaye", &["Mbaye", "Mbye"]),
    ("kone", &["Koné", "Kone", "Konneh"]),
    ("kante", &["Kanté", "Kante", "Kanteh"]),
    ("drame", &["Dramé", "Drame", "Drammeh"]),
    ("fofana", &["Fofana", "Fofanah"]),
];

/// Latin forms by their evened-out spelling, Arabic forms by their letters; a form two names
/// share is left out (it could be either).
static LATIN: LazyLock<HashMap<String, &'static str>> = LazyLock::new(|| forms(false));
static ARABIC: LazyLock<HashMap<String, &'static str>> = LazyLock::new(|| forms(true));

fn forms(arabic: bool) -> HashMap<String, &'static str> {
    let mut map: HashMap<String, Option<&'static str>> = HashMap::new();
    for (name, variants) in NAME_VARIANTS {
        for v in variants
            .iter()
            .filter(|v| v.chars().any(super::names::is_arabic) == arabic)
        {
            let entry = map
                .entry(super::names::NameForm::listed_form(v))
                .or_insert(Some(name));
            if *entry != Some(name) {
                *entry = None;
            }
        }
    }
    map.into_iter()
        .filter_map(|(k, v)| v.map(|v| (k, v)))
        .collect()
}

/// The listed name a form (as [`super::names::NameForm::listed_form`] gives it) is of, if any.
pub(crate) fn known_name(form: &str, arabic: bool) -> Option<&'static str> {
    if arabic {
        ARABIC.get(form)
    } else {
        LATIN.get(form)
    }
    .copied()
}
