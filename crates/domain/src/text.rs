//! Text as it is kept and searched: composed (NFC) and free of control characters and
//! direction overrides when stored; case- and accent-insensitive for search, so that
//! "Aminata Diallo", "aminata" and "DIALLÒ" find the same person.

use unicode_normalization::UnicodeNormalization;
use unicode_normalization::char::is_combining_mark;

/// Lower-case, accents removed, compatibility forms folded.
pub fn fold(s: &str) -> String {
    s.nfkd()
        .filter(|c| !is_combining_mark(*c))
        .flat_map(char::to_lowercase)
        .collect()
}

/// The words of a text, folded. Punctuation and spaces separate words; hyphenated names give
/// both parts and the joined form ("Ba-Diallo" → "ba", "diallo", "badiallo").
pub fn search_tokens(s: &str) -> Vec<String> {
    let mut tokens = Vec::new();
    for chunk in fold(s).split_whitespace() {
        let parts: Vec<&str> = chunk
            .split(|c: char| !c.is_alphanumeric())
            .filter(|p| !p.is_empty())
            .collect();
        if parts.len() > 1 {
            tokens.push(parts.concat());
        }
        tokens.extend(parts.into_iter().map(str::to_string));
    }
    tokens.sort();
    tokens.dedup();
    tokens
}

/// Characters that change the direction of the text after them (embeddings, overrides,
/// isolates and marks). In a name they can make "Ali" display as someone else's name.
fn is_bidi_control(c: char) -> bool {
    matches!(c, '\u{200E}' | '\u{200F}' | '\u{061C}' | '\u{202A}'..='\u{202E}' | '\u{2066}'..='\u{2069}')
}

/// Characters that take no room on screen: a text of only these looks empty but is not.
fn is_invisible(c: char) -> bool {
    is_bidi_control(c)
        || matches!(
            c,
            '\u{00AD}' | '\u{034F}' | '\u{115F}' | '\u{1160}' | '\u{17B4}' | '\u{17B5}'
                | '\u{180E}' | '\u{200B}'..='\u{200D}' | '\u{2060}'..='\u{2064}' | '\u{3164}'
                | '\u{FE00}'..='\u{FE0F}' | '\u{FEFF}' | '\u{FFA0}'
        )
        || c.is_whitespace()
}

/// Control characters (NUL, escape, C1 controls…). Line breaks and tabs are allowed only in
/// long texts.
fn is_refused_control(c: char, multiline: bool) -> bool {
    c.is_control() && !(multiline && matches!(c, '\n' | '\r' | '\t'))
}

/// A text as it is kept: composed (NFC, so that "é" typed two ways is one spelling) and trimmed.
pub fn tidy(s: &str) -> String {
    s.nfc().collect::<String>().trim().to_string()
}

/// A person's or a place's name as it is kept: [`tidy`], without the direction controls that
/// could make it display as another name.
pub fn tidy_name(s: &str) -> String {
    tidy(
        &s.chars()
            .filter(|c| !is_bidi_control(*c))
            .collect::<String>(),
    )
}

/// What is wrong with a text typed into a field, as the message code to show: a control
/// character, or only invisible characters. `multiline` texts may hold line breaks and tabs.
pub fn text_problem(s: &str, multiline: bool) -> Option<&'static str> {
    if s.chars().any(|c| is_refused_control(c, multiline)) {
        Some("error-control-character")
    } else if !s.is_empty() && s.chars().all(is_invisible) {
        Some("error-invisible-only")
    } else {
        None
    }
}

/// Overrides, embeddings and isolates: the direction controls used to make a text display as
/// something else. (The marks U+200E and U+200F stay: Arabic text uses them.)
fn is_direction_override(c: char) -> bool {
    matches!(c, '\u{202A}'..='\u{202E}' | '\u{2066}'..='\u{2069}')
}

/// Every text of a record, at any depth, as it is kept: composed (NFC), without direction
/// overrides. (A changed record is rebuilt from its JSON, so a field it never writes out
/// must be carried over by the caller.) A text with control characters other than line breaks and tabs, or made only of
/// invisible characters, is refused, named by its path (`details.hours`, `items.0.details`), as
/// the forms and the API name fields.
pub fn clean_texts<T>(record: T) -> Result<T, crate::validation::ValidationErrors>
where
    T: serde::Serialize + serde::de::DeserializeOwned,
{
    let (cleaned, errors) = cleaned_texts(record);
    if errors.is_empty() {
        Ok(cleaned)
    } else {
        Err(errors)
    }
}

/// [`clean_texts`], with the refused control characters removed rather than the record
/// refused, and where they were: for a draft, which is kept whatever it holds.
pub fn cleaned_texts<T>(record: T) -> (T, crate::validation::ValidationErrors)
where
    T: serde::Serialize + serde::de::DeserializeOwned,
{
    fn walk(v: &mut serde_json::Value, path: &str, e: &mut crate::validation::ValidationErrors) {
        match v {
            serde_json::Value::String(s) => {
                let kept: String = s.chars().filter(|c| !is_direction_override(*c)).collect();
                let mut kept: String = kept.nfc().collect();
                if let Some(problem) = text_problem(&kept, true) {
                    e.add(path.to_string(), problem);
                    kept.retain(|c| !is_refused_control(c, true));
                }
                *s = kept;
            }
            serde_json::Value::Array(items) => {
                for (i, item) in items.iter_mut().enumerate() {
                    walk(item, &join(path, &i.to_string()), e);
                }
            }
            serde_json::Value::Object(fields) => {
                for (k, item) in fields.iter_mut() {
                    walk(item, &join(path, k), e);
                }
            }
            _ => {}
        }
    }
    fn join(path: &str, key: &str) -> String {
        if path.is_empty() {
            key.to_string()
        } else {
            format!("{path}.{key}")
        }
    }
    let mut errors = crate::validation::ValidationErrors::new();
    // A record that does not go through JSON is passed on as it is: its own checks apply.
    let Ok(mut value) = serde_json::to_value(&record) else {
        return (record, errors);
    };
    let before = value.clone();
    walk(&mut value, "", &mut errors);
    if value == before {
        // Nothing to change: the record as it came, with any field it does not write out.
        return (record, errors);
    }
    (serde_json::from_value(value).unwrap_or(record), errors)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn folding_ignores_case_and_accents() {
        assert_eq!(fold("DIALLÒ Fátima"), "diallo fatima");
        assert_eq!(
            search_tokens("Ba-Diallo  Aïcha"),
            ["aicha", "ba", "badiallo", "diallo"]
        );
        assert_eq!(search_tokens("محمد علي"), ["علي", "محمد"]);
        assert!(search_tokens("  - ").is_empty());
    }

    #[test]
    fn names_are_composed_and_lose_direction_controls() {
        // "é" as e + combining acute becomes the one composed character.
        assert_eq!(tidy("Ame\u{301}lie "), "Amélie");
        assert_eq!(tidy_name("\u{202E}ilA\u{202C}"), "ilA");
        assert_eq!(tidy_name("محمد\u{200F}"), "محمد");
        assert_eq!(tidy_name("  Aïcha  "), "Aïcha");
    }

    #[test]
    fn every_text_of_a_record_is_cleaned_and_named_by_its_path() {
        #[derive(serde::Serialize, serde::Deserialize, Debug, PartialEq)]
        struct Item {
            details: String,
        }
        #[derive(serde::Serialize, serde::Deserialize, Debug, PartialEq)]
        struct Record {
            name: String,
            items: Vec<Item>,
            count: u32,
        }
        let record = |name: &str, details: &str| Record {
            name: name.into(),
            items: vec![Item {
                details: details.into(),
            }],
            count: 3,
        };
        let clean = clean_texts(record("Goudiry\u{202E}", "Line one\nline two")).unwrap();
        assert_eq!(clean, record("Goudiry", "Line one\nline two"));
        assert_eq!(
            clean_texts(record("Ame\u{301}lie", "x")).unwrap().name,
            "Amélie"
        );
        let refused = clean_texts(record("\u{200B}", "bell\u{7}")).unwrap_err();
        let fields: Vec<(&str, &str)> = refused
            .0
            .iter()
            .map(|f| (f.field.as_str(), f.code))
            .collect();
        assert_eq!(
            fields,
            [
                ("items.0.details", "error-control-character"),
                ("name", "error-invisible-only")
            ]
        );
    }

    #[test]
    fn control_characters_and_invisible_only_texts_are_refused() {
        assert_eq!(
            text_problem("Ali\0", false),
            Some("error-control-character")
        );
        assert_eq!(
            text_problem("Ali\u{1b}[31m", false),
            Some("error-control-character")
        );
        assert_eq!(
            text_problem("two\nlines", false),
            Some("error-control-character")
        );
        assert_eq!(text_problem("two\nlines", true), None);
        assert_eq!(
            text_problem("\u{200B}", false),
            Some("error-invisible-only")
        );
        assert_eq!(
            text_problem("\u{200B}\u{FEFF} \u{2060}", true),
            Some("error-invisible-only")
        );
        assert_eq!(
            text_problem("", false),
            None,
            "emptiness is the required check's"
        );
        assert_eq!(text_problem("Fatoumata", false), None);
        assert_eq!(text_problem("عائشة", false), None);
    }
}
