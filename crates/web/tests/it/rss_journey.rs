//! The Reintegration Sustainability Survey over HTTP: a baseline survey with consent and skip
//! logic, its scores, bands and chart on the survey and the case page; a refusal and an
//! interrupted interview kept but never scored; a later round drawn as a trajectory.

use crate::common::*;
use domain::Role;

pub(crate) fn profile<'a>(
    round: &'a str,
    consent: &'a str,
    today: &'a str,
) -> Vec<(&'a str, &'a str)> {
    vec![
        ("_interview_date", today),
        ("a:p_name", "Aminata Diallo"),
        ("a:p_return_date", "2026-01-01"),
        ("a:p_sex", "female"),
        ("a:p_returned_from", "Libya"),
        ("a:p_vulnerable", "yes"),
        ("a:p_return_country", "Senegal"),
        ("a:p_province", "Tambacounda"),
        ("a:round", round),
        ("a:interview_location", "office"),
        ("a:private_space", "OK"),
        ("a:consent", consent),
        ("a:consent_form", "written"),
    ]
}

pub(crate) async fn start_survey(cm: &Client, case_path: &str, csrf: &str) -> (String, String) {
    let res = cm
        .post_form(
            &format!("{case_path}/submissions"),
            csrf,
            &[("form_id", "rss")],
        )
        .await;
    assert_eq!(res.status(), 303);
    let sub_path = location(&res);
    let (status, page) = cm.get_text(&sub_path).await;
    assert_eq!(status, 200);
    (sub_path, page)
}

pub(crate) async fn post_survey(
    app: &TestApp,
    c: &Client,
    path: &str,
    fields: &[(&str, &str)],
    htmx: bool,
) -> (u16, String) {
    let mut req = c
        .http
        .post(app.url(path))
        .header("content-type", "application/x-www-form-urlencoded")
        .body(serde_html_form::to_string(fields).unwrap());
    if htmx {
        req = req.header("hx-request", "true");
    }
    let res = req.send().await.unwrap();
    (res.status().as_u16(), res.text().await.unwrap())
}

/// Posts the survey as the page would: its CSRF token and row version, an action, the profile
/// and consent, then `answers`.
#[allow(clippy::too_many_arguments)]
pub(crate) async fn act(
    app: &TestApp,
    c: &Client,
    path: &str,
    csrf: &str,
    version: &str,
    action: &str,
    profile_fields: Vec<(&str, &str)>,
    answers: &[(&str, &str)],
) -> (u16, String) {
    let mut fields: Vec<(&str, &str)> =
        vec![("_csrf", csrf), ("_action", action), ("_version", version)];
    fields.extend(profile_fields);
    fields.extend_from_slice(answers);
    post_survey(app, c, path, &fields, action == "refresh").await
}

/// A complete, scored baseline survey for the case; returns the survey's page (its result).
pub(crate) async fn scored_baseline(
    app: &TestApp,
    cm: &Client,
    case_path: &str,
    csrf: &str,
) -> String {
    let (sub_path, page) = start_survey(cm, case_path, csrf).await;
    let version = field_value(&page, "_version");
    let today = today().to_string();
    let (status, _) = act(
        app,
        cm,
        &sub_path,
        csrf,
        &version,
        "submit",
        profile("baseline", "yes", &today),
        &mixed_answers(),
    )
    .await;
    assert_eq!(status, 303);
    sub_path
}

/// The office's case manager, signed in, and a returnee who came back ten days ago.
struct Journey {
    app: TestApp,
    cm: Client,
    case_path: String,
    csrf: String,
    today: String,
}

impl Journey {
    async fn start() -> Journey {
        let app = spawn_app().await;
        let office = app.office("DKR").await;
        app.user("cm.dakar", Role::CaseManager, Some(office)).await;
        let cm = app.signed_in("cm.dakar").await;
        let (case_path, csrf) = register_recent_return(&cm).await;
        let today = crate::common::today().to_string();
        Journey {
            app,
            cm,
            case_path,
            csrf,
            today,
        }
    }
}

#[tokio::test]
async fn a_baseline_survey_is_scored_with_bands_and_charts_and_a_later_round_draws_a_trajectory() {
    let j = Journey::start().await;
    the_case_page_says_the_baseline_is_due(&j).await;
    let (sub_path, version) = the_survey_starts_from_the_case_record(&j).await;
    consent_opens_the_questions_and_follow_ups_come_after_their_answers(&j, &sub_path).await;
    let page = a_question_left_out_is_refused_keeping_the_answers(&j, &sub_path, &version).await;
    let stored = complete_the_survey_is_scored_with_bands_and_the_chart(&j, &sub_path, &page).await;
    the_dashboards_show_this_returnees_values_under_tambacounda(&j, &stored).await;
    the_case_page_shows_the_baseline_done_the_scores_and_the_trajectory(&j).await;
    a_second_ad_hoc_round_gives_a_trajectory_with_both(&j).await;
}

/// The case page says the baseline is due.
async fn the_case_page_says_the_baseline_is_due(j: &Journey) {
    let Journey { cm, case_path, .. } = j;
    let (_, page) = cm.get_text(case_path).await;
    assert!(page.contains("Reintegration Sustainability Survey"));
    assert!(page.contains("Baseline survey due by"), "{page}");
    assert!(page.contains("No survey yet."));
}

/// The survey starts from the case record: profile filled in, round proposed.
async fn the_survey_starts_from_the_case_record(j: &Journey) -> (String, String) {
    let Journey {
        cm,
        case_path,
        csrf,
        ..
    } = j;
    let (sub_path, page) = start_survey(cm, case_path, csrf).await;
    assert_eq!(field_value(&page, "a:p_name"), "Aminata Diallo");
    assert_eq!(field_value(&page, "a:p_returned_from"), "Libya");
    assert!(
        page.contains("value=\"baseline\" checked"),
        "round proposed"
    );
    assert!(page.contains("Does the returnee agree to take part?"));
    // Nothing is asked before consent.
    assert!(!page.contains("How satisfied are you with your economic situation"));
    let version = field_value(&page, "_version");
    (sub_path, version)
}

/// Consent opens the questions; Q10 only after "yes" at Q9, Q31 only after "no" at Q30.
async fn consent_opens_the_questions_and_follow_ups_come_after_their_answers(
    j: &Journey,
    sub_path: &str,
) {
    let Journey {
        app,
        cm,
        csrf,
        today,
        ..
    } = j;
    let mut fields: Vec<(&str, &str)> = vec![("_csrf", csrf), ("_action", "refresh")];
    fields.extend(profile("baseline", "yes", today));
    let (status, fragment) = post_survey(app, cm, sub_path, &fields, true).await;
    assert_eq!(status, 200);
    assert!(fragment.contains("How satisfied are you with your economic situation"));
    assert!(!fragment.contains("Why are you looking for a new job?"));
    assert!(!fragment.contains("What makes you feel that way?"));
    fields.extend([("a:q9", "yes"), ("a:q30", "no")]);
    let (_, fragment) = post_survey(app, cm, sub_path, &fields, true).await;
    assert!(fragment.contains("Why are you looking for a new job?"));
    assert!(fragment.contains("What makes you feel that way?"));
}

/// Submitting with a question left out is refused, keeping the answers.
async fn a_question_left_out_is_refused_keeping_the_answers(
    j: &Journey,
    sub_path: &str,
    version: &str,
) -> String {
    let Journey {
        app,
        cm,
        csrf,
        today,
        ..
    } = j;
    let answers: Vec<(&str, &str)> = mixed_answers()
        .into_iter()
        .filter(|(k, _)| *k != "a:q17")
        .collect();
    let profile_fields = profile("baseline", "yes", today);
    let (status, page) = act(
        app,
        cm,
        sub_path,
        csrf,
        version,
        "submit",
        profile_fields,
        &answers,
    )
    .await;
    assert_eq!(status, 422);
    assert!(
        page.contains("value=\"spending_larger\" checked"),
        "answers kept"
    );
    assert!(
        app.store
            .rss_score(sub_path_id(sub_path))
            .await
            .unwrap()
            .is_none()
    );
    page
}

/// Complete: scored, with bands and the chart.
async fn complete_the_survey_is_scored_with_bands_and_the_chart(
    j: &Journey,
    sub_path: &str,
    page: &str,
) -> store::RssScore {
    let Journey {
        app,
        cm,
        csrf,
        today,
        ..
    } = j;
    let version = field_value(page, "_version");
    let profile_fields = profile("baseline", "yes", today);
    let (status, _) = act(
        app,
        cm,
        sub_path,
        csrf,
        &version,
        "submit",
        profile_fields,
        &mixed_answers(),
    )
    .await;
    assert_eq!(status, 303);
    let (_, page) = cm.get_text(sub_path).await;
    assert!(page.contains("Survey result") && page.contains("Scored"));
    for figure in ["0.44", "0.52", "0.54"] {
        assert!(page.contains(figure), "{figure} on the survey page");
    }
    assert!(page.contains("Standard support"));
    assert!(page.contains("reintegra-default/2026.1"));
    assert!(page.contains("<svg") && page.contains("role=\"img\""));
    assert!(page.contains("Reintegration scores on"), "chart title");
    assert!(page.contains("Economic: 0.44"), "text alternative");
    assert!(
        page.contains("Access to public services overall"),
        "breakdown"
    );
    assert!(
        page.contains("the returnee&#39;s own case manager")
            || page.contains("the returnee's own case manager"),
        "warned that the interviewer is the case manager"
    );
    let stored = app
        .store
        .rss_score(sub_path_id(sub_path))
        .await
        .unwrap()
        .unwrap();
    assert_eq!(stored.round, domain::rss::Round::Baseline);
    assert!((stored.scores.economic.unwrap() - 5.25 / 12.0).abs() < 1e-9);
    assert_eq!(stored.scores.dk_dwa_count, 1);
    stored
}

/// The dashboards' questions by province show this returnee's values under Tambacounda.
async fn the_dashboards_show_this_returnees_values_under_tambacounda(
    j: &Journey,
    stored: &store::RssScore,
) {
    let Journey { app, cm, .. } = j;
    let (_, dashboard) = cm.get_text("/results/dashboard").await;
    assert!(
        dashboard.contains("Tambacounda<br><small>n = 1</small>"),
        "{dashboard}"
    );
    let health = item_value(&stored.scores, 19);
    assert_eq!(dashboard_cell(&dashboard, &health.0), health.1);
    // The composite score's tenth holds this returnee in the baseline column.
    let tenth = (stored.scores.composite.unwrap() * 10.0).floor() as u32;
    let range = format!(
        "{:.1}–{:.1}",
        f64::from(tenth) / 10.0,
        f64::from(tenth + 1) / 10.0
    );
    assert_eq!(dashboard_cell(&dashboard, &range), "1");
    // A viewer gets no column for a province of fewer than 5 returnees.
    app.user("viewer.all", Role::Viewer, None).await;
    let viewer = app.signed_in("viewer.all").await;
    let (status, dashboard) = viewer.get_text("/results/dashboard").await;
    assert_eq!(status, 200);
    assert!(!dashboard.contains("Tambacounda<br>"));
    assert!(!dashboard.contains(&format!("<th scope=\"row\">{}</th>", health.0)));
}

/// The case page: baseline done, scores in the table, the trajectory chart.
async fn the_case_page_shows_the_baseline_done_the_scores_and_the_trajectory(j: &Journey) {
    let Journey { cm, case_path, .. } = j;
    let (_, page) = cm.get_text(case_path).await;
    let done = format!("Done on {}", en_date(crate::common::today()));
    assert!(page.contains(&done), "{page}");
    assert!(page.contains("0.54 Standard support"));
    assert!(page.contains("Reintegration scores across survey rounds"));
    assert!(page.contains("own case manager"));
    // Read in French, the scores and the date are written the French way.
    let french = cm
        .http
        .get(format!("{}{case_path}", cm.base()))
        .header("accept-language", "fr")
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(
        french.contains("0,54") && !french.contains("0.54"),
        "{french}"
    );
    assert!(french.contains("0,33") || french.contains("0,66"));
}

/// A second, ad hoc round: the trajectory has both.
async fn a_second_ad_hoc_round_gives_a_trajectory_with_both(j: &Journey) {
    let Journey {
        app,
        cm,
        case_path,
        csrf,
        today,
    } = j;
    let (sub2, page) = start_survey(cm, case_path, csrf).await;
    let version = field_value(&page, "_version");
    let better: Vec<(&str, &str)> = mixed_answers()
        .into_iter()
        .map(|(k, v)| match k {
            "a:q1" => (k, "very_satisfied"),
            "a:q7" => (k, "yes"),
            _ => (k, v),
        })
        .collect();
    let profile_fields = profile("ad_hoc", "yes", today);
    let (status, _) = act(
        app,
        cm,
        &sub2,
        csrf,
        &version,
        "submit",
        profile_fields,
        &better,
    )
    .await;
    assert_eq!(status, 303);
    let (_, page) = cm.get_text(case_path).await;
    let desc_start = page.find("rss-trajectory-desc\">").unwrap();
    let desc = &page[desc_start..desc_start + 400];
    assert!(
        desc.contains("(Baseline)") && desc.contains("(Ad hoc)"),
        "{desc}"
    );
    let scores = app.store.rss_scores(case_id(case_path)).await.unwrap();
    assert_eq!(scores.len(), 2);
    // The dashboard reads each returnee's latest survey only: the ad hoc round's answer to Q1.
    let latest = scores
        .iter()
        .find(|s| s.round == domain::rss::Round::AdHoc)
        .unwrap();
    let first = scores
        .iter()
        .find(|s| s.round == domain::rss::Round::Baseline)
        .unwrap();
    let (row, value) = item_value(&latest.scores, 1);
    assert_ne!(value, item_value(&first.scores, 1).1, "the answer changed");
    let (_, dashboard) = cm.get_text("/results/dashboard").await;
    assert_eq!(dashboard_cell(&dashboard, &row), value);
    assert!(dashboard.contains("Tambacounda<br><small>n = 1</small>"));
}

/// A question's row title on the dashboard and its value in one survey, as shown.
fn item_value(scores: &domain::rss::Scores, question: u8) -> (String, String) {
    let item = scores
        .breakdown
        .0
        .iter()
        .find(|i| i.question == question)
        .unwrap();
    (
        format!("Q{question} · {}", item.name),
        format!("{:.2}", item.value.unwrap()),
    )
}

/// The first value cell of a row of the dashboard's questions-by-province table.
fn dashboard_cell(page: &str, row: &str) -> String {
    let at = page
        .find(&format!("<th scope=\"row\">{row}</th>"))
        .unwrap_or_else(|| panic!("{row} on the dashboard"));
    let cell = &page[at..];
    let start = cell.find("<td").unwrap();
    let open_end = cell[start..].find('>').unwrap() + start + 1;
    let close = cell[open_end..].find("</td>").unwrap() + open_end;
    cell[open_end..close].to_string()
}

fn sub_path_id(path: &str) -> uuid::Uuid {
    path.rsplit('/').next().unwrap().parse().unwrap()
}

fn case_id(path: &str) -> domain::CaseId {
    domain::CaseId(path.rsplit('/').next().unwrap().parse().unwrap())
}

#[tokio::test]
async fn a_refusal_and_an_interrupted_interview_are_kept_but_never_scored() {
    let app = spawn_app().await;
    let office = app.office("DKR").await;
    app.user("cm.dakar", Role::CaseManager, Some(office)).await;
    let cm = app.signed_in("cm.dakar").await;
    let (case_path, csrf) = register_recent_return(&cm).await;
    let today = crate::common::today().to_string();

    // Refusal: the survey ends at the consent question.
    let (sub_path, page) = start_survey(&cm, &case_path, &csrf).await;
    let version = field_value(&page, "_version");
    let mut fields: Vec<(&str, &str)> = vec![
        ("_csrf", &csrf),
        ("_action", "refresh"),
        ("_version", &version),
    ];
    fields.extend(profile("baseline", "no", &today));
    let (_, fragment) = post_survey(&app, &cm, &sub_path, &fields, true).await;
    assert!(fragment.contains("did not agree"));
    assert!(!fragment.contains("How satisfied are you"));
    fields[1] = ("_action", "submit");
    let (status, _) = post_survey(&app, &cm, &sub_path, &fields, false).await;
    assert_eq!(status, 303);
    let (_, page) = cm.get_text(&sub_path).await;
    assert!(page.contains("Consent refused, not scored"));
    assert!(
        app.store
            .rss_score(sub_path_id(&sub_path))
            .await
            .unwrap()
            .is_none()
    );

    // Interrupted half-way: kept, locked, not scored.
    let (sub_path, page) = start_survey(&cm, &case_path, &csrf).await;
    assert!(page.contains("value=\"interrupt\""));
    let version = field_value(&page, "_version");
    let some: Vec<(&str, &str)> = mixed_answers().into_iter().take(10).collect();
    let profile_fields = profile("baseline", "yes", &today);
    let (status, _) = act(
        &app,
        &cm,
        &sub_path,
        &csrf,
        &version,
        "interrupt",
        profile_fields,
        &some,
    )
    .await;
    assert_eq!(status, 303);
    let (_, page) = cm.get_text(&sub_path).await;
    assert!(page.contains("Interrupted, not scored"));
    assert!(!page.contains("value=\"interrupt\""), "no longer editable");
    assert!(
        page.contains("Satisfied") || page.contains("OK"),
        "answers kept"
    );
    let stored = app.store.submission(sub_path_id(&sub_path)).await.unwrap();
    assert_eq!(stored.status, store::SubmissionStatus::Interrupted);
    assert!(
        stored.answers.contains("\"q5\":\"spending_larger\""),
        "what was answered before stopping is kept: {}",
        stored.answers
    );
    let profile_fields = profile("baseline", "yes", &today);
    let (status, _) = act(
        &app,
        &cm,
        &sub_path,
        &csrf,
        &version,
        "submit",
        profile_fields,
        &some,
    )
    .await;
    assert_eq!(
        status, 409,
        "an interrupted survey cannot be completed later"
    );
    assert!(
        app.store
            .rss_score(sub_path_id(&sub_path))
            .await
            .unwrap()
            .is_none()
    );

    // The case page lists both, and the baseline is still due.
    let (_, page) = cm.get_text(&case_path).await;
    assert!(page.contains("Consent refused, not scored"));
    assert!(page.contains("Interrupted, not scored"));
    assert!(page.contains("Baseline survey due by"));
    assert!(!page.contains("Reintegration scores across survey rounds"));
}

#[tokio::test]
async fn rescoring_under_another_model_records_the_model_and_the_change() {
    let app = spawn_app().await;
    let office = app.office("DKR").await;
    app.user("cm.dakar", Role::CaseManager, Some(office)).await;
    let cm = app.signed_in("cm.dakar").await;
    let (case_path, csrf) = register_recent_return(&cm).await;
    let today = crate::common::today().to_string();
    let (sub_path, page) = start_survey(&cm, &case_path, &csrf).await;
    let version = field_value(&page, "_version");
    let profile_fields = profile("baseline", "yes", &today);
    let (status, _) = act(
        &app,
        &cm,
        &sub_path,
        &csrf,
        &version,
        "submit",
        profile_fields,
        &mixed_answers(),
    )
    .await;
    assert_eq!(status, 303);

    let other = domain::rss::DEFAULT_MODEL
        .replace("version = \"2026.1\"", "version = \"test\"")
        .replace("dk = \"exclude\"", "dk = 0.0");
    let model = domain::rss::ScoringModel::from_toml(&other).unwrap();
    app.store
        .activate_scoring_model(
            &model.id,
            &model.version,
            &other,
            store::AuditContext::system(time::OffsetDateTime::now_utc(), "test"),
        )
        .await
        .unwrap();
    let report = app::rss::rescore_all(
        app.store.as_ref(),
        &model,
        store::AuditContext::system(time::OffsetDateTime::now_utc(), "test"),
    )
    .await
    .unwrap();
    assert_eq!((report.scored, report.changed), (1, 1));
    let id = sub_path_id(&sub_path);
    let s = app.store.rss_score(id).await.unwrap().unwrap();
    assert_eq!(s.scores.model, "reintegra-default/test");
    let audit = app
        .store
        .audit_for_record("rss_score", &id.to_string(), store::AuditScope::Changes)
        .await
        .unwrap();
    assert_eq!(audit.len(), 2, "scored, then rescored");
    assert!(audit[1].changes.iter().any(|c| c.field == "model"));
    let (_, page) = cm.get_text(&sub_path).await;
    assert!(page.contains("reintegra-default/test"));
    // Rescoring again changes nothing.
    let report = app::rss::rescore_all(
        app.store.as_ref(),
        &model,
        store::AuditContext::system(time::OffsetDateTime::now_utc(), "test"),
    )
    .await
    .unwrap();
    assert_eq!((report.scored, report.changed), (1, 0));
}
