//! Translations (`<itext>`): labels, hints, messages and choice labels in every language of
//! the form, with media (`media::image`, `audio`, `video`).

use std::collections::{BTreeMap, BTreeSet};
use std::fmt::Write as _;

use super::esc;
use super::paths::Paths;
use crate::compiled::Compiled;
use crate::model::Text;

/// The language pyxform names a column without one, when other columns have one.
const DEFAULT_LANGUAGE: &str = "default";

pub(super) struct Itext {
    /// Languages in order; empty when the form has no translations or media.
    languages: Vec<String>,
    default_language: Option<String>,
    /// Text id → (language → values by form: "" for the text, "image", "audio" …).
    texts: BTreeMap<String, BTreeMap<String, Vec<(String, String)>>>,
    translated_lists: BTreeSet<String>,
    /// Rows whose label or hint is translated (itext), by (row, column).
    translated: BTreeSet<(usize, String)>,
}

/// Media columns of a row (`media::image::English (en)`, `image`) → (form, language, file).
fn media(extra: &BTreeMap<String, String>) -> Vec<(String, String, String)> {
    extra
        .iter()
        .filter_map(|(header, file)| {
            let lower = header.to_ascii_lowercase();
            let rest = lower.strip_prefix("media::").unwrap_or(&lower);
            let (kind, lang) = match rest.split_once("::") {
                Some((k, _)) => (
                    k.to_string(),
                    header[header.len() - (rest.len() - k.len() - 2)..]
                        .trim()
                        .to_string(),
                ),
                None => (rest.to_string(), String::new()),
            };
            let form = match kind.as_str() {
                "image" => "image",
                "big-image" => "big-image",
                "audio" => "audio",
                "video" => "video",
                _ => return None,
            };
            Some((form.to_string(), lang, file.clone()))
        })
        .collect()
}

fn media_src(form: &str, file: &str) -> String {
    match form {
        "audio" => format!("jr://audio/{file}"),
        "video" => format!("jr://video/{file}"),
        _ => format!("jr://images/{file}"),
    }
}

fn has_languages(t: &Text) -> bool {
    t.keys().any(|k| !k.is_empty())
}

impl Itext {
    pub(super) fn new(c: &Compiled, paths: &Paths) -> Self {
        let form = &c.form;
        // Text and media without a language belong to the default language, when the
        // settings name one (as in pyxform).
        let default = form.settings.default_language.clone().unwrap_or_default();
        let lang_of = |l: &str| {
            if l.is_empty() {
                default.clone()
            } else {
                l.to_string()
            }
        };
        let mut languages: BTreeSet<String> = BTreeSet::new();
        let mut any_untranslated_in_itext = false;
        let mut note_langs = |t: &Text, untranslated: &mut bool| {
            for k in t.keys().map(|k| lang_of(k)) {
                if k.is_empty() {
                    *untranslated = true;
                } else {
                    languages.insert(k.clone());
                }
            }
        };
        let mut texts: BTreeMap<String, BTreeMap<String, Vec<(String, String)>>> = BTreeMap::new();
        let mut languages_of_media: BTreeSet<String> = BTreeSet::new();
        let mut translated = BTreeSet::new();
        let mut translated_lists = BTreeSet::new();
        for (i, q) in form.questions.iter().enumerate() {
            let at = paths.abs(i);
            let m = media(&q.extra);
            for (col, text, key) in [
                ("label", &q.label, "label"),
                ("hint", &q.hint, "hint"),
                (
                    "constraint_message",
                    &q.constraint_message,
                    "jr:constraintMsg",
                ),
                ("required_message", &q.required_message, "jr:requiredMsg"),
            ] {
                let with_media = col == "label" && !m.is_empty();
                // A message that shows an answer needs <output>, which only itext can hold.
                let is_message = col.ends_with("_message");
                let shows_answer = is_message && text.values().any(|t| t.contains("${"));
                if !has_languages(text) && !with_media && !shows_answer {
                    continue;
                }
                note_langs(text, &mut any_untranslated_in_itext);
                translated.insert((i, col.to_string()));
                let entry = texts.entry(format!("{at}:{key}")).or_default();
                for (lang, value) in text {
                    let value = paths.with_outputs(value, &at);
                    entry
                        .entry(lang_of(lang))
                        .or_default()
                        .push((String::new(), value));
                }
                if with_media {
                    for (form, lang, file) in &m {
                        languages_of_media.insert(lang_of(lang));
                        entry
                            .entry(lang_of(lang))
                            .or_default()
                            .push((form.clone(), media_src(form, file)));
                    }
                }
            }
        }
        for list in &form.choices {
            // Choice labels showing an answer need <output>, which only itext can hold.
            let any = list.choices.iter().any(|ch| {
                has_languages(&ch.label)
                    || !media(&ch.extra).is_empty()
                    || ch.label.values().any(|t| t.contains("${"))
            });
            if !any {
                continue;
            }
            translated_lists.insert(list.name.clone());
            for (n, ch) in list.choices.iter().enumerate() {
                note_langs(&ch.label, &mut any_untranslated_in_itext);
                let entry = texts.entry(format!("{}-{n}", list.name)).or_default();
                for (lang, value) in &ch.label {
                    let value = paths.with_outputs(value, "");
                    entry
                        .entry(lang_of(lang))
                        .or_default()
                        .push((String::new(), value));
                }
                for (form, lang, file) in media(&ch.extra) {
                    languages_of_media.insert(lang_of(&lang));
                    entry
                        .entry(lang_of(&lang))
                        .or_default()
                        .push((form.clone(), media_src(&form, &file)));
                }
            }
        }
        languages.extend(languages_of_media.iter().filter(|l| !l.is_empty()).cloned());
        let mut languages: Vec<String> = languages.into_iter().collect();
        let untranslated_media = languages_of_media.contains("");
        if any_untranslated_in_itext
            || untranslated_media
            || (languages.is_empty() && !texts.is_empty())
        {
            languages.insert(0, String::new());
        }
        // Untranslated media (a plain `image` column) belongs to every language.
        Itext {
            languages,
            default_language: form.settings.default_language.clone(),
            texts,
            translated_lists,
            translated,
        }
    }

    pub(super) fn list_translated(&self, list: &str) -> bool {
        self.translated_lists.contains(list)
    }

    fn lang_name(lang: &str) -> &str {
        if lang.is_empty() {
            DEFAULT_LANGUAGE
        } else {
            lang
        }
    }

    pub(super) fn write(&self, x: &mut String) {
        if self.texts.is_empty() {
            return;
        }
        x.push_str("<itext>");
        for lang in &self.languages {
            let name = Self::lang_name(lang);
            let default = self.default_language.as_deref() == Some(lang.as_str())
                || (lang.is_empty() && self.default_language.is_none());
            let _ = write!(x, "<translation");
            if default {
                x.push_str(" default=\"true()\"");
            }
            let _ = write!(x, " lang=\"{}\">", esc(name));
            for (id, by_lang) in &self.texts {
                let _ = write!(x, "<text id=\"{}\">", esc(id));
                let values = by_lang.get(lang);
                let plain = values.and_then(|v| v.iter().find(|(f, _)| f.is_empty()));
                match plain {
                    Some((_, v)) => {
                        let _ = write!(x, "<value>{v}</value>");
                    }
                    // A text given in some language shows '-' in the others; media alone
                    // gets no placeholder text (as pyxform writes it).
                    None if by_lang.values().flatten().any(|(f, _)| f.is_empty()) => {
                        x.push_str("<value>-</value>");
                    }
                    None => {}
                }
                for (form, v) in values.into_iter().flatten().filter(|(f, _)| !f.is_empty()) {
                    let _ = write!(x, "<value form=\"{form}\">{}</value>", esc(v));
                }
                x.push_str("</text>");
            }
            x.push_str("</translation>");
        }
        x.push_str("</itext>");
    }

    /// The `<label>` or `<hint>` of row `i`: a reference into the translations, or the text
    /// itself with `${name}` as `<output>`.
    pub(super) fn element(
        &self,
        i: usize,
        tag: &str,
        text: &Text,
        at: &str,
        paths: &Paths,
    ) -> Option<String> {
        if self.translated.contains(&(i, tag.to_string())) {
            return Some(format!("<{tag} ref=\"jr:itext('{}:{tag}')\"/>", esc(at)));
        }
        let value = text.get("").or_else(|| text.values().next())?;
        Some(format!("<{tag}>{}</{tag}>", paths.with_outputs(value, at)))
    }

    /// A constraint or required message: the text, or a reference into the translations.
    pub(super) fn message(&self, i: usize, text: &Text, key: &str, at: &str) -> String {
        let col = if key == "jr:constraintMsg" {
            "constraint_message"
        } else {
            "required_message"
        };
        if self.translated.contains(&(i, col.to_string())) {
            format!("jr:itext('{at}:{key}')")
        } else {
            text.get("")
                .or_else(|| text.values().next())
                .cloned()
                .unwrap_or_default()
        }
    }
}
