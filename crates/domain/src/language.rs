//! The languages Reintegra is written in. Each has a complete message catalogue and the
//! shipped instruments carry its labels; the list is the same everywhere a language is chosen.

/// The shipped languages as BCP 47 codes, English (the reference catalogue) first.
pub const SHIPPED: [&str; 3] = ["en", "fr", "ar"];

pub fn is_shipped(code: &str) -> bool {
    SHIPPED.contains(&code)
}

crate::case::named_enum!(
    /// How pages in Arabic write numbers: the Western digits of the Maghreb (0123) or the
    /// Arabic-Indic digits of the Mashreq and Sudan (٠١٢٣). Each programme chooses.
    Digits {
        Western = "western",
        ArabicIndic = "arabic_indic",
    }
);

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_shipped_codes_are_accepted() {
        assert!(is_shipped("fr") && is_shipped("ar") && is_shipped("en"));
        for other in ["", "FR", "fr-FR", "de", "ar;", " ar"] {
            assert!(!is_shipped(other), "{other:?}");
        }
    }
}
