//! Every word on screen comes from a Fluent catalogue, one per shipped language
//! (`locales/<lang>/main.ftl`); numbers and sorting follow the reader's language through ICU4X
//! (see [`locale`]). Which language a request is answered in: [`I18n::negotiate`].

mod locale;

use std::collections::HashMap;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};

use fluent_bundle::concurrent::FluentBundle;
use fluent_bundle::{FluentArgs, FluentResource, FluentValue};
use unic_langid::LanguageIdentifier;

pub use locale::Numbers;

const CATALOGUES: &[(&str, &str)] = &[
    ("en", include_str!("../../locales/en/main.ftl")),
    ("fr", include_str!("../../locales/fr/main.ftl")),
    ("ar", include_str!("../../locales/ar/main.ftl")),
];
pub const DEFAULT_LANGUAGE: &str = "en";

/// The shipped languages, each with its name as its own readers write it (for the language
/// switch), in the order the switch shows them.
pub const LANGUAGES: &[(&str, &str)] = &[("en", "English"), ("fr", "Français"), ("ar", "العربية")];

/// The cookie that remembers the language chosen in this browser.
pub const LANGUAGE_COOKIE: &str = "lang";

pub use domain::language::is_shipped;

pub struct I18n {
    /// One bundle per way of writing: Arabic has two, Western and Arabic-Indic digits, for
    /// the numbers Fluent puts into sentences.
    bundles: HashMap<Numbers, FluentBundle<FluentResource>>,
    /// Whether Arabic pages write numbers in Arabic-Indic digits (٠١٢…) rather than Western
    /// ones: a choice of the office, kept in the programme settings.
    arabic_indic_digits: AtomicBool,
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
        for numbers in Numbers::ALL {
            let lang = numbers.lang();
            let err = |detail: String| CatalogueError {
                lang: lang.to_string(),
                detail,
            };
            let source = CATALOGUES
                .iter()
                .find(|(l, _)| *l == lang)
                .map(|(_, s)| *s)
                .ok_or_else(|| err("no catalogue".into()))?;
            let id: LanguageIdentifier = lang.parse().map_err(|e| err(format!("{e}")))?;
            let resource = FluentResource::try_new(source.to_string())
                .map_err(|(_, errors)| err(format!("{errors:?}")))?;
            let mut bundle = FluentBundle::new_concurrent(vec![id]);
            // In right-to-left text a number, date or name put into a sentence is isolated
            // (U+2068…U+2069), so that its own direction cannot reorder the words around it.
            bundle.set_use_isolating(direction(lang) == "rtl");
            bundle.set_formatter(Some(numbers.fluent_formatter()));
            bundle
                .add_resource(resource)
                .map_err(|errors| err(format!("{errors:?}")))?;
            bundles.insert(numbers, bundle);
        }
        Ok(Self {
            bundles,
            arabic_indic_digits: AtomicBool::new(false),
            missing: Default::default(),
        })
    }

    fn shipped(&self, lang: &str) -> bool {
        is_shipped(lang)
    }

    /// How `lang` writes numbers today.
    pub fn numbers(&self, lang: &str) -> Numbers {
        Numbers::of(lang, self.arabic_indic_digits())
    }

    /// The language to answer in: the one chosen in this browser (the `lang` cookie, which
    /// sign-in sets from the account's preference), else the best of the `Accept-Language`
    /// header by its weights, else English.
    pub fn negotiate(&self, chosen: Option<&str>, accept_language: Option<&str>) -> String {
        if let Some(lang) = chosen.filter(|l| self.shipped(l)) {
            return lang.to_string();
        }
        let mut offered: Vec<(f32, usize, String)> = accept_language
            .unwrap_or_default()
            .split(',')
            .enumerate()
            .filter_map(|(order, part)| {
                let mut pieces = part.split(';');
                let tag = pieces.next()?.trim();
                let weight = pieces
                    .find_map(|p| p.trim().strip_prefix("q="))
                    .map_or(Some(1.0), |q| q.trim().parse::<f32>().ok())?;
                let primary = tag.split('-').next()?.to_ascii_lowercase();
                (weight > 0.0 && self.shipped(&primary)).then_some((weight, order, primary))
            })
            .collect();
        offered.sort_by(|a, b| b.0.total_cmp(&a.0).then(a.1.cmp(&b.1)));
        offered
            .into_iter()
            .next()
            .map_or_else(|| DEFAULT_LANGUAGE.to_string(), |(_, _, lang)| lang)
    }

    /// Sets how Arabic pages write digits (the programme setting, applied at start-up and
    /// whenever it is saved).
    pub fn set_arabic_indic_digits(&self, on: bool) {
        self.arabic_indic_digits.store(on, Ordering::Relaxed);
    }

    pub fn arabic_indic_digits(&self) -> bool {
        self.arabic_indic_digits.load(Ordering::Relaxed)
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
        self.bundles
            .get(&self.numbers(lang))
            .is_some_and(|b| b.has_message(id) && is_shipped(lang))
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
        let bundle = self.bundles.get(&self.numbers(lang));
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

/// Left-to-right or right-to-left, for the `dir` attribute.
pub fn direction(lang: &str) -> &'static str {
    match lang {
        "ar" | "fa" | "ur" | "he" => "rtl",
        _ => "ltr",
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
        direction(&self.lang)
    }
    /// The arrow of a link back to where one came from, pointing the way the text reads.
    pub fn back_arrow(&self) -> &'static str {
        if self.dir() == "rtl" { "→" } else { "←" }
    }
    /// The shipped languages, for the language switch: code, own name, and whether it is
    /// this page's.
    pub fn languages(&self) -> Vec<(&'static str, &'static str, bool)> {
        LANGUAGES
            .iter()
            .map(|(code, name)| (*code, *name, *code == self.lang))
            .collect()
    }
    /// Orders two names as readers of this language expect (its collation, not code points).
    pub fn compare(&self, a: &str, b: &str) -> std::cmp::Ordering {
        locale::compare(&self.lang, a, b)
    }
    pub fn t(&self, id: &str) -> String {
        self.i18n.format(&self.lang, id, None)
    }
    /// A message with one named argument.
    pub fn t1(&self, id: &str, name: &str, value: impl ToString) -> String {
        let mut args = FluentArgs::new();
        args.set(name, FluentValue::from(self.placed(value.to_string())));
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
        args.set(name1, FluentValue::from(self.placed(value1.to_string())));
        args.set(name2, FluentValue::from(self.placed(value2.to_string())));
        self.i18n.format(&self.lang, id, Some(&args))
    }
    /// A message with any number of named arguments.
    pub fn t_args(&self, id: &str, values: &[(&str, &str)]) -> String {
        let mut args = FluentArgs::new();
        for (name, value) in values {
            args.set(*name, FluentValue::from(self.placed(value.to_string())));
        }
        self.i18n.format(&self.lang, id, Some(&args))
    }
    /// A value put into a sentence: an ISO date is written as the reader's language writes
    /// dates, and in right-to-left text a value written left to right (a
    /// date, a case number, a Latin name) is marked so: its digits and dashes, which have no
    /// direction of their own, must not take the sentence's and reorder (2026-12-06 read as
    /// 06-12-2026).
    fn placed(&self, value: String) -> String {
        // A date put into a sentence reads as the language writes dates.
        let value = self.date(value);
        let right_to_left =
            |c: char| matches!(c, '\u{0590}'..='\u{08FF}' | '\u{FB1D}'..='\u{FEFC}');
        if self.dir() == "rtl" && !value.chars().any(right_to_left) && !value.is_empty() {
            format!("\u{2066}{value}\u{2069}")
        } else {
            value
        }
    }
    /// A message with a count, for plural forms.
    pub fn tn(&self, id: &str, count: u64) -> String {
        let mut args = FluentArgs::new();
        args.set("count", FluentValue::from(count));
        self.i18n.format(&self.lang, id, Some(&args))
    }
    /// A whole number as the reader's language writes it: "250,000" in English, "250 000" in
    /// French.
    /// One piece of evidence of the duplicate check, in words ("names 91% alike once
    /// transliterated").
    pub fn duplicate_evidence(&self, e: domain::duplicates::Evidence) -> String {
        let id = format!("evidence-{}", e.code().replace('_', "-"));
        match e {
            domain::duplicates::Evidence::AlikeNames(s) => {
                self.t1(&id, "percent", self.number((s * 100.0).round() as i64))
            }
            _ => self.t(&id),
        }
    }

    /// The evidence of a comparison in words, the strongest first.
    pub fn duplicate_explanation(&self, c: &domain::duplicates::Comparison) -> String {
        c.evidence
            .iter()
            .map(|e| self.duplicate_evidence(*e))
            .collect::<Vec<_>>()
            .join("; ")
    }

    pub fn number(&self, n: i64) -> String {
        locale::integer(self.i18n.numbers(&self.lang), n)
    }
    /// A decimal number given as whole units of 10^-`fraction_digits`: `decimal(125, 1)` is
    /// "12.5" in English and "12,5" in French.
    pub fn decimal(&self, units: i64, fraction_digits: i16) -> String {
        locale::scaled(self.i18n.numbers(&self.lang), units, fraction_digits)
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
    /// A date for reading, as the reader's language writes it ("6 déc. 2026"). Takes the
    /// ISO text pages carry (`2026-12-06`); anything else (an empty value, a placeholder) is
    /// shown as it is.
    pub fn date(&self, iso: impl AsRef<str>) -> String {
        let iso = iso.as_ref();
        let format = time::macros::format_description!("[year]-[month]-[day]");
        time::Date::parse(iso.trim(), format)
            .ok()
            .and_then(|d| locale::date(self.i18n.numbers(&self.lang), d))
            .unwrap_or_else(|| iso.to_string())
    }
    /// How long to wait, in words: "20 seconds", "3 minutes" (rounded up).
    pub fn wait(&self, d: time::Duration) -> String {
        let seconds = d.whole_seconds().max(1) as u64;
        if seconds < 60 {
            self.tn("wait-seconds", seconds)
        } else {
            self.tn("wait-minutes", seconds.div_ceil(60))
        }
    }
    /// The title of a form: a shipped instrument's in the reader's language (`form-title-<id>`),
    /// any other form's as its author wrote it.
    pub fn form_title(&self, form_id: &str, stored: &str) -> String {
        let id = format!("form-title-{form_id}");
        if self.has(&id) {
            self.t(&id)
        } else {
            stored.to_string()
        }
    }
    /// The label of a named value, for example `t_of("sex", "female")` → "Female".
    pub fn t_of(&self, kind: &str, value: &str) -> String {
        self.t(&format!("{kind}-{}", value.replace('_', "-")))
    }
}

#[cfg(test)]
mod tests;
