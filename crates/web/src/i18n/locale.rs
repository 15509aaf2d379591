//! Numbers and sorting as each shipped language writes them, from ICU4X's compiled-in CLDR
//! data: "1,234,567.5" in English, "1 234 567,5" in French, "1,234,567.5" or "١٬٢٣٤٬٥٦٧٫٥" in
//! Arabic (as the office chooses), and names ordered by each language's collation.

use std::cmp::Ordering;
use std::collections::HashMap;
use std::sync::LazyLock;

use fluent_bundle::FluentValue;
use icu_calendar::{Date, Gregorian};
use icu_collator::options::{CollatorOptions, Strength};
use icu_collator::{Collator, CollatorBorrowed};
use icu_datetime::FixedCalendarDateTimeFormatter;
use icu_datetime::fieldsets::YMD;
use icu_decimal::DecimalFormatter;
use icu_decimal::input::Decimal;
use icu_locale_core::Locale;

/// How numbers are written: a language and, for Arabic, its digits.
#[derive(Clone, Copy, PartialEq, Eq, Hash, Debug)]
pub enum Numbers {
    English,
    French,
    ArabicWesternDigits,
    ArabicIndicDigits,
}

impl Numbers {
    pub const ALL: [Numbers; 4] = [
        Numbers::English,
        Numbers::French,
        Numbers::ArabicWesternDigits,
        Numbers::ArabicIndicDigits,
    ];

    pub fn of(lang: &str, arabic_indic_digits: bool) -> Self {
        match lang {
            "fr" => Numbers::French,
            "ar" if arabic_indic_digits => Numbers::ArabicIndicDigits,
            "ar" => Numbers::ArabicWesternDigits,
            _ => Numbers::English,
        }
    }

    /// The catalogue's language.
    pub fn lang(self) -> &'static str {
        match self {
            Numbers::English => "en",
            Numbers::French => "fr",
            Numbers::ArabicWesternDigits | Numbers::ArabicIndicDigits => "ar",
        }
    }

    /// The BCP 47 tag ICU4X formats with; `-u-nu-` names the digits.
    fn tag(self) -> &'static str {
        match self {
            // The programme's English is British: "6 Dec 2026", not "Dec 6, 2026".
            Numbers::English => "en-GB",
            Numbers::French => "fr",
            Numbers::ArabicWesternDigits => "ar-u-nu-latn",
            Numbers::ArabicIndicDigits => "ar-u-nu-arab",
        }
    }

    /// Formats `{ $count }` and other numbers placed into Fluent messages, so that a sentence
    /// writes its numbers as the page's tables do. Fluent takes a plain function, one for each
    /// way of writing numbers.
    pub fn fluent_formatter(
        self,
    ) -> fn(&FluentValue, &intl_memoizer::concurrent::IntlLangMemoizer) -> Option<String> {
        match self {
            Numbers::English => |v, _| fluent_number(Numbers::English, v),
            Numbers::French => |v, _| fluent_number(Numbers::French, v),
            Numbers::ArabicWesternDigits => |v, _| fluent_number(Numbers::ArabicWesternDigits, v),
            Numbers::ArabicIndicDigits => |v, _| fluent_number(Numbers::ArabicIndicDigits, v),
        }
    }
}

static DECIMALS: LazyLock<HashMap<Numbers, DecimalFormatter>> = LazyLock::new(|| {
    Numbers::ALL
        .iter()
        .filter_map(|n| {
            let locale: Locale = n.tag().parse().ok()?;
            let formatter = DecimalFormatter::try_new((&locale).into(), Default::default()).ok()?;
            Some((*n, formatter))
        })
        .collect()
});

/// Dates in the Gregorian calendar programmes work in, medium length: "6 Dec 2026",
/// "6 déc. 2026", "06‏/12‏/2026".
static DATES: LazyLock<HashMap<Numbers, FixedCalendarDateTimeFormatter<Gregorian, YMD>>> =
    LazyLock::new(|| {
        Numbers::ALL
            .iter()
            .filter_map(|n| {
                let locale: Locale = n.tag().parse().ok()?;
                let f = FixedCalendarDateTimeFormatter::try_new((&locale).into(), YMD::medium())
                    .ok()?;
                Some((*n, f))
            })
            .collect()
    });

static COLLATORS: LazyLock<HashMap<&'static str, CollatorBorrowed<'static>>> =
    LazyLock::new(|| {
        let mut options = CollatorOptions::default();
        // Names compare by letters and accents, not by case: "diallo" sits with "Diallo".
        options.strength = Some(Strength::Secondary);
        ["en", "fr", "ar"]
            .into_iter()
            .filter_map(|lang| {
                let locale: Locale = lang.parse().ok()?;
                Some((lang, Collator::try_new((&locale).into(), options).ok()?))
            })
            .collect()
    });

/// A whole number with the language's digits and grouping.
pub fn integer(numbers: Numbers, n: i64) -> String {
    match DECIMALS.get(&numbers) {
        Some(f) => f.format(&Decimal::from(n)).to_string(),
        None => n.to_string(),
    }
}

/// A number with `fraction_digits` digits after the separator: `decimal(French, 12345, 2)`
/// is "123,45".
pub fn scaled(numbers: Numbers, units: i64, fraction_digits: i16) -> String {
    let mut d = Decimal::from(units);
    d.multiply_pow10(-fraction_digits);
    match DECIMALS.get(&numbers) {
        Some(f) => f.format(&d).to_string(),
        None => d.to_string(),
    }
}

/// A calendar date as the language writes it; `None` for a date the calendar cannot hold.
pub fn date(numbers: Numbers, d: time::Date) -> Option<String> {
    let g = Date::try_new_gregorian(d.year(), u8::from(d.month()), d.day()).ok()?;
    Some(DATES.get(&numbers)?.format(&g).to_string())
}

fn fluent_number(numbers: Numbers, value: &FluentValue) -> Option<String> {
    let FluentValue::Number(n) = value else {
        return None;
    };
    let whole = n.value.trunc();
    (n.value == whole && whole.abs() < 1e15).then(|| integer(numbers, whole as i64))
}

/// Orders two names as readers of `lang` expect.
pub fn compare(lang: &str, a: &str, b: &str) -> Ordering {
    match COLLATORS.get(lang) {
        Some(c) => c.compare(a, b),
        None => a.cmp(b),
    }
}
