//! The outcome of a row of a survey import, as the page, the API and the command line say it.

use app::imports::surveys::{SurveyOutcome, SurveyProblem};

use crate::i18n::Tr;

/// What happens to the row, in a few words: ready (with the survey's score), already stored,
/// a repeat of an earlier row, or not importable.
pub fn survey_outcome(tr: &Tr, outcome: &SurveyOutcome) -> String {
    match outcome {
        SurveyOutcome::Ready {
            composite: Some(score),
        } => tr.t1(
            "survey-import-ready-scored",
            "score",
            tr.decimal((score * 100.0).round() as i64, 2),
        ),
        SurveyOutcome::Ready { composite: None } => tr.t("survey-import-ready"),
        SurveyOutcome::AlreadyStored => tr.t("survey-import-already"),
        SurveyOutcome::SameAsRow(row) => tr.t1("survey-import-same-as-row", "row", row),
        SurveyOutcome::Problems(_) => tr.t("survey-import-not-importable"),
    }
}

/// The row's problems, each with the column it is in.
pub fn survey_problems(tr: &Tr, outcome: &SurveyOutcome) -> Vec<String> {
    let SurveyOutcome::Problems(problems) = outcome else {
        return Vec::new();
    };
    problems
        .iter()
        .map(|p| match p {
            SurveyProblem::Cell { column, code } => format!("{column}: {}", tr.t(code)),
            SurveyProblem::Answer { column, error } => {
                let (_, text) = super::said(tr, error.clone());
                format!("{column}: {text}")
            }
            SurveyProblem::NotScored(why) => tr.t1("survey-import-not-scored", "why", why),
            SurveyProblem::Refused => tr.t("survey-import-refused"),
        })
        .collect()
}
