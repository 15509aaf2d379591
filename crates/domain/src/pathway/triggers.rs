//! What a completed instrument sets off on the pathway (Module 2): a positive rapid
//! vulnerability screening calls for the follow-up screenings, and a disclosure that a life is
//! at risk calls for an urgent referral before anything else.

/// The instruments whose answers set something off, by form id.
pub const RAPID_SCREENING_FORM: &str = "rapid_vulnerability_screening";
pub const COUNSELLING_FORM: &str = "counselling_session";

/// What one completed submission sets off.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Triggered {
    /// The screening found signs that call for the follow-up screenings.
    pub follow_up_screening: bool,
    /// An urgent referral is due, with the action the interviewer wrote (possibly blank).
    pub urgent_action: Option<String>,
}

/// Reads what a completed instrument sets off from its answers (`answer` gives an answer's
/// text by question name, blank when unanswered).
pub fn on_completion(form_id: &str, answer: &dyn Fn(&str) -> String) -> Triggered {
    let number = |name: &str| answer(name).trim().parse::<f64>().unwrap_or(0.0);
    let follow_up_screening =
        form_id == RAPID_SCREENING_FORM && answer("follow_up_screening_needed") == "yes";
    let urgent = match form_id {
        RAPID_SCREENING_FORM => number("urgent_sign_count") > 0.0,
        COUNSELLING_FORM => answer("life_threatening") == "yes",
        _ => false,
    };
    // The action taken, from whichever of the instruments' fields holds it.
    let urgent_action = urgent.then(|| {
        [
            "urgent_referral_details",
            "referral_details",
            "urgent_referral_reason",
        ]
        .iter()
        .map(|n| answer(n).trim().to_string())
        .find(|t| !t.is_empty())
        .unwrap_or_default()
    });
    Triggered {
        follow_up_screening,
        urgent_action,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn answers(pairs: &[(&str, &str)]) -> impl Fn(&str) -> String {
        let pairs: Vec<(String, String)> = pairs
            .iter()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect();
        move |name: &str| {
            pairs
                .iter()
                .find(|(k, _)| k == name)
                .map(|(_, v)| v.clone())
                .unwrap_or_default()
        }
    }

    #[test]
    fn a_screening_with_urgent_signs_raises_both() {
        let a = answers(&[
            ("follow_up_screening_needed", "yes"),
            ("urgent_sign_count", "2"),
            ("referral_details", " Taken to the clinic "),
        ]);
        assert_eq!(
            on_completion(RAPID_SCREENING_FORM, &a),
            Triggered {
                follow_up_screening: true,
                urgent_action: Some("Taken to the clinic".into()),
            }
        );
    }

    #[test]
    fn a_life_threat_in_counselling_raises_an_urgent_referral_only() {
        let a = answers(&[("life_threatening", "yes")]);
        let t = on_completion(COUNSELLING_FORM, &a);
        assert!(!t.follow_up_screening);
        assert_eq!(t.urgent_action, Some(String::new()));
    }

    #[test]
    fn other_instruments_and_calm_answers_raise_nothing() {
        let calm = answers(&[("urgent_sign_count", "0"), ("life_threatening", "no")]);
        assert_eq!(
            on_completion(RAPID_SCREENING_FORM, &calm),
            Triggered::default()
        );
        assert_eq!(on_completion(COUNSELLING_FORM, &calm), Triggered::default());
        let loud = answers(&[("life_threatening", "yes"), ("urgent_sign_count", "5")]);
        assert_eq!(
            on_completion("family_assessment", &loud),
            Triggered::default()
        );
    }
}
