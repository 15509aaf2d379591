//! Where the Reintegration Sustainability Survey meets the forms engine: reading a filled RSS
//! form as an answer sheet, choosing the scoring model, and pre-filling instruments from the
//! case record.

use std::collections::BTreeMap;

use domain::rss::{Answer, Mode, QUESTIONS, Round, ScoringModel, Sheet, SheetError, Special};
use forms::engine::Answers;
use forms::model::{Form, Kind, Question};
use store::{CaseRecord, Store};

/// The form id of the survey; any published version of it is scored.
pub const RSS_FORM: &str = "rss";

/// The survey column that names the case value a question starts with (`case.return_date`).
pub const PREFILL_COLUMN: &str = "prefill";

/// The model that scores new surveys: the one the programme loaded, else the shipped one.
pub async fn active_model(store: &dyn Store) -> Result<ScoringModel, String> {
    match store
        .active_scoring_model()
        .await
        .map_err(|e| e.to_string())?
    {
        Some(text) => ScoringModel::from_toml(&text).map_err(|e| e.to_string()),
        None => Ok(domain::rss::default_model()),
    }
}

/// Whether the returnee declined the survey (the consent question answered "no").
pub fn consent_refused(answers: &Answers) -> bool {
    answers.text("consent") == "no"
}

pub fn round_of(answers: &Answers) -> Round {
    Round::parse(answers.text("round")).unwrap_or(Round::AdHoc)
}

/// Reads a filled survey as an answer sheet. A choice's position is its place in the form's
/// list, the special answers (`dk`, `dwa`, `na`) not counted, so a programme may reword
/// options or adapt Q8's assets as long as the number and order of options stay.
pub fn sheet_from_answers(form: &Form, answers: &Answers) -> Result<Sheet, SheetError> {
    let mut sheet = BTreeMap::new();
    for spec in &QUESTIONS {
        if spec.mode == Mode::Derived {
            continue;
        }
        let name = format!("q{}", spec.number);
        let value = answers.text(&name).trim();
        if value.is_empty() {
            continue; // Sheet::new says whether it was needed
        }
        let invalid = |problem: String| SheetError::Invalid {
            question: spec.number,
            problem,
        };
        let Some((q, options)) = options_of(form, &name) else {
            return Err(invalid("the form has no such choice question".into()));
        };
        let position = |choice: &str| -> Result<u8, SheetError> {
            options
                .iter()
                .position(|o| *o == choice)
                .and_then(|p| u8::try_from(p + 1).ok())
                .ok_or_else(|| invalid(format!("'{choice}' is not an option")))
        };
        let answer = match &q.kind {
            Kind::SelectOne(_) => match Special::parse(value) {
                Some(s) => Answer::Special(s),
                None => Answer::One(position(value)?),
            },
            Kind::SelectMultiple(_) => {
                let chosen: Vec<&str> = value.split_whitespace().collect();
                match chosen.as_slice() {
                    [one] if Special::parse(one).is_some() => {
                        Answer::Special(Special::parse(one).unwrap_or(Special::Dwa))
                    }
                    _ => {
                        let mut ps = chosen
                            .iter()
                            .map(|c| position(c))
                            .collect::<Result<Vec<_>, _>>()?;
                        ps.sort_unstable();
                        Answer::Many(ps)
                    }
                }
            }
            _ => return Err(invalid("the question is not a choice question".into())),
        };
        sheet.insert(spec.number, answer);
    }
    Sheet::new(sheet)
}

/// A choice question of the form and its options in order, the special answers left out: an
/// option's place in this list is its position in the survey's exchange format.
pub fn options_of<'a>(form: &'a Form, name: &str) -> Option<(&'a Question, Vec<&'a str>)> {
    let q = form.questions.iter().find(|q| q.name == name)?;
    let list = form.list(q.kind.list()?)?;
    let options = list
        .choices
        .iter()
        .map(|c| c.name.as_str())
        .filter(|n| Special::parse(n).is_none())
        .collect();
    Some((q, options))
}

/// The case's survey rounds as of today: the scores kept, and where each round stands.
pub async fn rounds(
    app: &crate::App,
    case: &CaseRecord,
) -> Result<(Vec<store::RssScore>, Vec<domain::rss::RoundStatus>), crate::Error> {
    let scored = app.scores_of_case(case.id).await?;
    let done: Vec<(Round, time::Date)> =
        scored.iter().map(|s| (s.round, s.interview_date)).collect();
    let statuses = domain::rss::schedule(case.profile.return_date, app.today(), &done);
    Ok((scored, statuses))
}

/// The round a new survey for this case most likely belongs to.
pub async fn due_round(app: &crate::App, case: &CaseRecord) -> Result<Round, crate::Error> {
    Ok(domain::rss::due_round(&rounds(app, case).await?.1))
}

/// Case values an instrument can start from, by the name used in its `prefill` column.
pub fn case_values(case: &CaseRecord, due_round: Round) -> BTreeMap<&'static str, String> {
    let p = &case.profile;
    let yes_no = |b: bool| if b { "yes" } else { "no" }.to_string();
    let mut v = BTreeMap::new();
    v.insert("case.name", format!("{} {}", p.given_name, p.family_name));
    v.insert("case.number", case.number.to_string());
    v.insert("case.return_date", p.return_date.to_string());
    if let Some(d) = p.date_of_birth {
        v.insert("case.date_of_birth", d.to_string());
    }
    v.insert(
        "case.date_of_birth_known",
        yes_no(p.date_of_birth.is_some()),
    );
    if let Some(a) = p.age_at_return() {
        v.insert("case.age_at_return", a.to_string());
    }
    v.insert("case.sex", p.sex.as_str().to_string());
    v.insert("case.returned_from", p.returned_from.clone());
    if let Some(m) = p.absence_months {
        let years = f64::from(m) / 12.0;
        v.insert("case.absence_years", format!("{:.1}", years));
    }
    v.insert("case.vulnerable", yes_no(!p.vulnerabilities.is_empty()));
    let mut details: Vec<String> = p
        .vulnerabilities
        .iter()
        .map(|x| x.as_str().replace('_', " "))
        .collect();
    details.extend(p.vulnerability_details.clone());
    if !details.is_empty() {
        v.insert("case.vulnerability_details", details.join("; "));
    }
    v.insert("case.return_country", p.return_country.clone());
    v.insert("case.return_province", p.return_province.clone());
    if let Some(a) = &p.address {
        v.insert("case.address", a.clone());
    }
    if let Some(c) = &p.return_community {
        v.insert("case.return_community", c.clone());
    }
    let place = match &p.return_community {
        Some(c) => format!("{c}, {}", p.return_province),
        None => p.return_province.clone(),
    };
    v.insert("case.place_of_return", place);
    if let Some(l) = &p.preferred_language {
        v.insert("case.preferred_language", l.clone());
    }
    if let Some(phone) = &p.phone {
        v.insert("case.phone", phone.clone());
    }
    if let Some(b) = p.community_is_origin {
        v.insert("case.community_is_origin", yes_no(b));
    }
    v.insert("rss.due_round", due_round.as_str().to_string());
    v
}

/// Fills the questions that name a case value in their `prefill` column (outside repeats).
pub fn prefill(form: &Form, answers: &mut Answers, values: &BTreeMap<&'static str, String>) {
    let mut depth = 0usize;
    for q in &form.questions {
        match q.kind {
            Kind::BeginRepeat => depth += 1,
            Kind::EndRepeat => depth = depth.saturating_sub(1),
            _ => {}
        }
        if depth > 0 {
            continue;
        }
        if let Some(key) = q.extra.get(PREFILL_COLUMN)
            && let Some(value) = values.get(key.trim())
            && !value.is_empty()
        {
            answers.set(&q.name, value.clone());
        }
    }
}

/// Fills a repeat whose `prefill` column says `case.household` with one entry per household
/// member on the case, each starting from what the case says of them (`member.name`,
/// `member.relationship`, `member.age`, `member.returned`), unless the repeat already has
/// entries.
pub fn prefill_household(
    compiled: &forms::Compiled,
    answers: &mut Answers,
    case: &CaseRecord,
    today: time::Date,
) {
    let questions = &compiled.form.questions;
    for (i, q) in questions.iter().enumerate() {
        let household = q.kind == Kind::BeginRepeat
            && q.extra.get(PREFILL_COLUMN).map(|k| k.trim()) == Some("case.household");
        if !household || case.profile.household.is_empty() {
            continue;
        }
        // The questions directly inside this repeat, with the member value each starts from.
        let mut inside = Vec::new();
        let mut depth = 0usize;
        for inner in &questions[i + 1..] {
            match inner.kind {
                Kind::BeginRepeat => depth += 1,
                Kind::EndRepeat if depth == 0 => break,
                Kind::EndRepeat => depth -= 1,
                _ => {}
            }
            if depth == 0
                && let Some(key) = inner.extra.get(PREFILL_COLUMN)
            {
                inside.push((inner.name.clone(), key.trim().to_string()));
            }
        }
        // Entries someone already typed in are kept (a blank form starts with an empty one).
        let typed = matches!(answers.0.get(&q.name), Some(forms::Answer::Repeat(entries))
            if entries.iter().any(|e| inside.iter().any(|(name, _)| !e.text(name).is_empty())));
        let Some(repeat) = compiled.index(&q.name).filter(|_| !typed) else {
            continue;
        };
        let entries = case
            .profile
            .household
            .iter()
            .map(|m| {
                let mut entry = compiled.blank_instance(repeat, today);
                for (name, key) in &inside {
                    let value = match key.as_str() {
                        "member.name" => Some(m.name.clone()),
                        "member.relationship" => Some(
                            match m.relationship {
                                domain::case::Relationship::Other => "not_related",
                                r => r.as_str(),
                            }
                            .to_string(),
                        ),
                        "member.age" => m
                            .date_of_birth
                            .and_then(|born| domain::case::full_years_between(born, today))
                            .map(|a| a.to_string()),
                        "member.returned" => m
                            .returned_together
                            .map(|b| if b { "yes" } else { "no" }.to_string()),
                        _ => None,
                    };
                    if let Some(v) = value {
                        entry.set(name, v);
                    }
                }
                entry
            })
            .collect();
        answers
            .0
            .insert(q.name.clone(), forms::Answer::Repeat(entries));
    }
}

/// What rescoring did.
#[derive(Debug, Default)]
pub struct RescoreReport {
    /// Completed surveys with consent, scored under the model.
    pub scored: usize,
    /// Of those, how many got different scores (or were scored for the first time).
    pub changed: usize,
    /// Completed surveys the returnee declined (never scored).
    pub consent_refused: usize,
    /// Surveys that could not be read as an answer sheet, with the reason.
    pub unscorable: Vec<(uuid::Uuid, String)>,
}

/// Recomputes the score of every completed survey under `model`, each change audited.
pub async fn rescore_all(
    store: &dyn Store,
    model: &ScoringModel,
    audit: store::AuditContext,
) -> Result<RescoreReport, store::StoreError> {
    let mut report = RescoreReport::default();
    for id in store.completed_submissions(RSS_FORM).await? {
        let sub = store.submission(id).await?;
        let store::Subject::Case(case) = sub.subject else {
            continue;
        };
        let answers: Answers = match serde_json::from_str(&sub.answers) {
            Ok(a) => a,
            Err(e) => {
                report.unscorable.push((id, format!("stored answers: {e}")));
                continue;
            }
        };
        if consent_refused(&answers) {
            report.consent_refused += 1;
            continue;
        }
        let version = store.form_version(&sub.form_id, &sub.form_version).await?;
        let form: Form = match serde_json::from_str(&version.definition) {
            Ok(f) => f,
            Err(e) => {
                report
                    .unscorable
                    .push((id, format!("form definition: {e}")));
                continue;
            }
        };
        let sheet = match sheet_from_answers(&form, &answers) {
            Ok(s) => s,
            Err(e) => {
                report.unscorable.push((id, e.to_string()));
                continue;
            }
        };
        let round = match store.rss_score(id).await? {
            Some(s) => s.round,
            None => round_of(&answers),
        };
        let changed = store
            .save_rss_score(
                store::NewRssScore {
                    submission: id,
                    case,
                    round,
                    interview_date: sub.interview_date,
                    interviewer: sub.interviewer,
                    scores: model.score(&sheet),
                },
                audit.clone(),
            )
            .await?;
        report.scored += 1;
        if changed {
            report.changed += 1;
        }
    }
    Ok(report)
}

/// The exchange format of `reintegra rss score`: the four scores, the count of "I don't know"
/// and "I don't wish to answer", the low-accuracy flag, the band of each score and the model.
pub fn scores_json(
    model: &ScoringModel,
    s: &domain::rss::Scores,
    explain: bool,
) -> serde_json::Value {
    let band = |v: Option<f64>| v.map(|x| model.band(x).as_str());
    let mut out = serde_json::json!({
        "economic": s.economic,
        "social": s.social,
        "psychosocial": s.psychosocial,
        "composite": s.composite,
        "dk_dwa_count": s.dk_dwa_count,
        "low_accuracy": s.low_accuracy,
        "bands": {
            "economic": band(s.economic),
            "social": band(s.social),
            "psychosocial": band(s.psychosocial),
            "composite": band(s.composite),
        },
        "model": s.model,
    });
    if explain {
        out["breakdown"] = serde_json::to_value(&s.breakdown.0).unwrap_or_default();
    }
    out
}

/// The scores of a survey being completed, to store with it in the same transaction: `None`
/// for another form or a survey the returnee declined; the problem when the answers cannot be
/// scored (the survey then stays a draft).
pub async fn score_on_completion(
    app: &crate::App,
    case: &CaseRecord,
    sub: &store::Submission,
    form: &Form,
    answers: &Answers,
    interview_date: time::Date,
) -> Result<Result<Option<store::NewRssScore>, String>, crate::Error> {
    if sub.form_id != RSS_FORM || consent_refused(answers) {
        return Ok(Ok(None));
    }
    let model = active_model(app.store.as_ref())
        .await
        .map_err(crate::Error::internal)?;
    Ok(match sheet_from_answers(form, answers) {
        Ok(sheet) => Ok(Some(store::NewRssScore {
            submission: sub.id,
            case: case.id,
            round: round_of(answers),
            interview_date,
            interviewer: sub.interviewer,
            scores: model.score(&sheet),
        })),
        Err(e) => Err(e.to_string()),
    })
}

/// The scoring model in force, as the application reads it.
pub async fn scoring_model(app: &crate::App) -> Result<ScoringModel, crate::Error> {
    active_model(app.store.as_ref())
        .await
        .map_err(crate::Error::internal)
}

/// A returnee's scored surveys, oldest interview first (the caller has opened the case).
pub async fn scores_of(
    app: &crate::App,
    case: &CaseRecord,
) -> Result<Vec<store::RssScore>, crate::Error> {
    app.scores_of_case(case.id).await
}

/// A returnee's surveys (every submission of the survey, scored or not).
pub async fn surveys_of(
    app: &crate::App,
    case: &CaseRecord,
) -> Result<Vec<store::Submission>, crate::Error> {
    Ok(app
        .submissions_about(store::Subject::Case(case.id))
        .await?
        .into_iter()
        .filter(|s| s.form_id == RSS_FORM)
        .collect())
}

/// The scores stored with one survey, if it was scored.
pub async fn score_of(
    app: &crate::App,
    sub: &store::Submission,
) -> Result<Option<store::RssScore>, crate::Error> {
    Ok(app.store.rss_score(sub.id).await?)
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]
    use super::*;

    fn shipped() -> Form {
        forms::shipped::all()
            .into_iter()
            .find(|(id, _)| *id == RSS_FORM)
            .and_then(|(_, f)| f.ok())
            .expect("the survey ships")
    }

    #[test]
    fn the_shipped_form_agrees_with_the_question_bank() {
        let form = shipped();
        for spec in &QUESTIONS {
            let name = format!("q{}", spec.number);
            let q = form.questions.iter().find(|q| q.name == name);
            let Some(q) = q else { panic!("{name} missing") };
            if spec.mode == Mode::Derived {
                assert_eq!(q.kind, Kind::Note, "{name} is computed, only a note");
                continue;
            }
            assert!(q.required, "{name} must be required");
            match (spec.mode, &q.kind) {
                (Mode::One, Kind::SelectOne(_)) | (Mode::Many { .. }, Kind::SelectMultiple(_)) => {}
                other => panic!("{name}: {other:?}"),
            }
            let list = form.list(q.kind.list().unwrap()).unwrap();
            let (specials, options): (Vec<_>, Vec<_>) = list
                .choices
                .iter()
                .partition(|c| Special::parse(&c.name).is_some());
            assert_eq!(options.len(), usize::from(spec.options), "{name} options");
            let specials: Vec<Special> = specials
                .iter()
                .filter_map(|c| Special::parse(&c.name))
                .collect();
            assert_eq!(specials, spec.specials, "{name} special answers");
            // Special answers come after the scale, as in the handbook.
            let first_special = list
                .choices
                .iter()
                .position(|c| Special::parse(&c.name).is_some())
                .unwrap_or(list.choices.len());
            assert_eq!(first_special, usize::from(spec.options), "{name} order");
        }
        // Skip logic as the handbook has it (Q30 "no" leads to Q31).
        let relevant = |n: &str| {
            form.questions
                .iter()
                .find(|q| q.name == n)
                .and_then(|q| q.relevant.clone())
        };
        assert_eq!(relevant("q10").as_deref(), Some("${q9} = 'yes'"));
        assert_eq!(relevant("q31").as_deref(), Some("${q30} = 'no'"));
    }

    #[test]
    fn filled_answers_read_as_positions() {
        let form = shipped();
        let mut a = Answers::default();
        for spec in &QUESTIONS {
            let name = format!("q{}", spec.number);
            let q = form.questions.iter().find(|q| q.name == name).unwrap();
            if let Some(l) = q.kind.list() {
                let first = &form.list(l).unwrap().choices[0].name;
                a.set(&name, first.clone());
            }
        }
        a.set("q8", "animals equipment".into());
        a.set("q15", "dk".into());
        a.set("q9", "no".into());
        let sheet = sheet_from_answers(&form, &a).unwrap();
        assert_eq!(sheet.get(8), Some(&Answer::Many(vec![2, 6])));
        assert_eq!(sheet.get(15), Some(&Answer::Special(Special::Dk)));
        assert_eq!(sheet.get(9), Some(&Answer::One(2)));
        assert!(sheet.get(10).is_none());
        a.set("q4", "".into());
        assert_eq!(sheet_from_answers(&form, &a), Err(SheetError::Missing(4)));
    }
}
