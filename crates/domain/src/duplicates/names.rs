//! Names brought to a form in which spellings of the same name meet: across Latin and Arabic
//! script, and across the spelling habits of French-, English- and Portuguese-speaking West
//! Africa and of the Maghreb ("Mamadou Diallo", "Mamadu Jallow", "محمد ديالو").
//!
//! A name is transliterated to ASCII (`any_ascii`), folded, and evened out by a few spelling
//! rules ("dj" and "di" before a vowel are "j", "ou" is "u", no "h", no doubled letters). Its
//! *skeleton*, the consonants alone, is what Arabic script (written mostly without vowels)
//! and Latin script have in common. Well-known names whose forms differ beyond these rules
//! ("Ousmane", "Usman", "Othman", "عثمان") are listed in [`super::variants`].

use crate::text::fold;

/// One of a returnee's name fields (given or family), ready to be compared.
#[derive(Debug, Clone, PartialEq)]
pub struct NameForm {
    /// The listed names it is a form of, if known ("muhammad" for "Mamadou"; "fatima ba" for
    /// "Fatou Bah", word by word).
    pub known_as: Option<String>,
    /// The spelling evened out, vowels kept ("jalo" for "Diallo").
    pub spelling: String,
    /// Its consonants alone ("jl").
    pub skeleton: String,
    /// Written in a script without vowels (Arabic): only the skeleton can be compared.
    pub without_vowels: bool,
}

/// Words that say whose son, or which family, rather than naming: left out of comparisons.
const PARTICLES: [&str; 9] = ["al", "el", "ul", "bin", "ibn", "ould", "wuld", "ben", "bn"];

impl NameForm {
    pub fn of(field: &str) -> Self {
        let arabic = field.chars().any(is_arabic);
        let letters = letters(field);
        let words: Vec<String> = letters.iter().map(|w| even_out(w)).collect();
        let spelling: String = words.concat();
        let skeleton = skeleton_of(&spelling);
        // Arabic forms are looked up by their letters as written, Latin ones by spelling.
        let lookup = |letters: &[String], words: &[String]| {
            super::variants::known_name(
                &if arabic {
                    letters.concat()
                } else {
                    words.concat()
                },
                arabic,
            )
        };
        let known_as = match lookup(&letters, &words) {
            Some(name) => Some(name.to_string()),
            // Word by word, when every word is a listed name ("Fatou Bah").
            None if words.len() > 1 => (0..words.len())
                .map(|i| lookup(&letters[i..=i], &words[i..=i]))
                .collect::<Option<Vec<_>>>()
                .map(|names| names.join(" ")),
            None => None,
        };
        NameForm {
            known_as,
            spelling,
            skeleton,
            without_vowels: arabic,
        }
    }

    /// How a listed form is looked up: its letters as written when in Arabic script (whose
    /// letters are consonants and long vowels, all of them telling), its spelling otherwise.
    pub(crate) fn listed_form(field: &str) -> String {
        let letters = letters(field);
        if field.chars().any(is_arabic) {
            letters.concat()
        } else {
            letters.iter().map(|w| even_out(w)).collect()
        }
    }

    /// What cases are filed under for the duplicate check: the listed name, or the skeleton.
    pub fn key(&self) -> &str {
        self.known_as.as_deref().unwrap_or(&self.skeleton)
    }

    /// How alike two names are, from 0 (nothing in common) to 1 (the same name).
    pub fn similarity(&self, other: &NameForm) -> f64 {
        match (&self.known_as, &other.known_as) {
            (Some(a), Some(b)) => return if a == b { 1.0 } else { 0.0 },
            _ if self.spelling.is_empty() || other.spelling.is_empty() => return 0.0,
            _ => {}
        }
        // Edits, transpositions counted as one, for the length: unlike Jaro-Winkler, a shared
        // beginning alone ("Cissé", "Sissoko") does not make two names alike.
        if self.without_vowels || other.without_vowels {
            strsim::normalized_damerau_levenshtein(&self.skeleton, &other.skeleton)
        } else {
            strsim::normalized_damerau_levenshtein(&self.spelling, &other.spelling)
        }
    }
}

/// A field's words transliterated to ASCII letters and folded; particles left out.
fn letters(field: &str) -> Vec<String> {
    field
        .split_whitespace()
        // The Arabic article written onto the word ("الأمين").
        .map(|w| match w.strip_prefix("ال") {
            Some(rest) if rest.chars().count() >= 2 => rest,
            _ => w,
        })
        .flat_map(|w| {
            fold(&any_ascii::any_ascii(w))
                .split(|c: char| !c.is_ascii_alphabetic() && c != '\'' && c != '`')
                .map(|part| {
                    part.chars()
                        .filter(char::is_ascii_alphabetic)
                        .collect::<String>()
                })
                .collect::<Vec<_>>()
        })
        .filter(|w| !w.is_empty() && !PARTICLES.contains(&w.as_str()))
        .collect()
}

pub(crate) fn is_arabic(c: char) -> bool {
    matches!(c, '\u{0600}'..='\u{06FF}' | '\u{0750}'..='\u{077F}' | '\u{08A0}'..='\u{08FF}' | '\u{FB50}'..='\u{FDFF}' | '\u{FE70}'..='\u{FEFF}')
}

fn is_vowel(c: u8) -> bool {
    matches!(c, b'a' | b'e' | b'i' | b'o' | b'u' | b'y' | b'w')
}

/// One word's spelling evened out: the rules run in order, on lowercase ASCII letters.
pub(crate) fn even_out(word: &str) -> String {
    let w = word.as_bytes();
    let mut out: Vec<u8> = Vec::with_capacity(w.len());
    let mut i = 0;
    while i < w.len() {
        let next = w.get(i + 1).copied();
        let after = w.get(i + 2).copied();
        let (sound, used): (&[u8], usize) = match (w[i], next, after) {
            (b'd', Some(b'j'), _) => (b"j", 2),
            // "Diallo", "Diop", "Ndiaye"; "ديالو" comes as "dylw".
            (b'd', Some(b'i' | b'y'), Some(v)) if is_vowel(v) && v != b'i' && v != b'y' => {
                (b"j", 2)
            }
            (b'd', Some(b'y'), _) => (b"j", 2),
            (b't', Some(b'c'), Some(b'h')) => (b"c", 3),
            (b'c' | b's', Some(b'h'), _) => (b"s", 2),
            (b'k' | b'g' | b't' | b'p', Some(b'h'), _) => {
                (if w[i] == b'p' { b"f" } else { &w[i..=i] }, 2)
            }
            (b'q', _, _) => (b"k", 1),
            (b'c', Some(b'e' | b'i' | b'y'), _) => (b"s", 1),
            (b'c', _, _) => (b"k", 1),
            (b'x', _, _) => (b"ks", 1),
            (b'h', _, _) => (b"", 1),
            (b'o', Some(b'u' | b'o'), _) => (b"u", 2),
            (b'e', Some(b'e'), _) => (b"i", 2),
            (b'y', _, _) if i > 0 => (b"i", 1),
            (b'w', _, _) => (b"u", 1),
            _ => (std::slice::from_ref(&w[i]), 1),
        };
        for &s in sound {
            // No doubled letters.
            if out.last() != Some(&s) {
                out.push(s);
            }
        }
        i += used;
    }
    // A final "e" after a consonant is not sounded ("Jobe", "Kane"); nor a final "h" ("Bah").
    if out.len() > 2 && out.last() == Some(&b'e') && !is_vowel(out[out.len() - 2]) {
        out.pop();
    }
    String::from_utf8(out).unwrap_or_default()
}

/// The consonants of a spelling, with "p" counted as "b" (Arabic has no "p").
pub(crate) fn skeleton_of(spelling: &str) -> String {
    let mut out = String::with_capacity(spelling.len());
    for c in spelling.bytes().filter(|c| !is_vowel(*c)) {
        let c = if c == b'p' { 'b' } else { char::from(c) };
        if !out.ends_with(c) {
            out.push(c);
        }
    }
    out
}
