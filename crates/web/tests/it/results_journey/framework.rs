//! A results framework defined on the pages: a programme, a result and its indicators, figures
//! counted from the cases, a value reported by hand, the spreadsheet, the handbook's examples,
//! the API, the dashboards, and what a viewer sees of them.

use crate::common::*;
use domain::Role;

/// Three returnees registered by the office's case manager, and the M&E officer who defines the
/// framework, signed in, with the CSRF token of the results pages.
struct Journey {
    app: TestApp,
    cm_user: store::User,
    cm: Client,
    cases: Vec<String>,
    me: Client,
    csrf: String,
}

impl Journey {
    async fn start() -> Journey {
        let app = spawn_app().await;
        let office = app.office("DKR").await;
        let cm_user = app.user("cm.dkr", Role::CaseManager, Some(office)).await;
        app.user("me.dkr", Role::MeOfficer, Some(office)).await;
        app.user("viewer.all", Role::Viewer, None).await;
        let cm = app.signed_in("cm.dkr").await;
        // Three returnees of the first quarter of 2026: two women, one man.
        let mut cases = Vec::new();
        for (given, sex) in [
            ("Aminata", "female"),
            ("Awa", "female"),
            ("Ibrahima", "male"),
        ] {
            cases.push(register_named(&app, &cm, given, sex).await.0);
        }

        let me = app.signed_in("me.dkr").await;
        let csrf = me.csrf("/results").await;
        Journey {
            app,
            cm_user,
            cm,
            cases,
            me,
            csrf,
        }
    }
}

/// The programme and its indicators: one counted from the cases, one a share of them, and one
/// reported by hand.
struct Framework {
    programme: String,
    counted: String,
    share: String,
    reported: String,
}

#[tokio::test]
async fn a_results_framework_tracks_indicators_from_the_records() {
    let j = Journey::start().await;
    let (programme, result) = a_programme_and_its_outcome_are_defined(&j).await;
    let (counted, share, reported) = indicators_are_defined_once_conditions_read(&j, &result).await;
    let f = Framework {
        programme,
        counted,
        share,
        reported,
    };
    the_figures_are_counted_from_what_was_registered(&j, &f).await;
    a_value_is_reported_by_hand_with_its_evidence(&j, &f).await;
    the_results_matrix_lists_the_result_and_its_indicators(&j).await;
    the_framework_as_a_spreadsheet_holds_the_same_numbers(&j, &f).await;
    the_handbooks_examples_are_added_in_one_step_ready_to_track(&j, &f).await;
    let viewer = a_viewer_sees_the_framework_but_no_cell_of_fewer_than_5_people(&j, &f).await;
    the_api_gives_the_framework_and_figures_hidden_alike_for_viewers(&j, &f, &viewer).await;
    four_referrals_are_made_to_one_provider(&j).await;
    the_figures_break_down_by_type_of_assistance(&j, &f).await;
    the_dashboard_counts_stages_offices_late_rounds_and_answer_times_for_staff(&j).await;
    the_dashboard_hides_small_counts_from_viewers(&viewer).await;
    case_managers_read_the_framework_but_do_not_change_it(&j).await;
}

/// A programme and a result at outcome level, defined on the pages.
async fn a_programme_and_its_outcome_are_defined(j: &Journey) -> (String, String) {
    let Journey { me, csrf, .. } = j;
    let res = me
        .post_form(
            "/registry/programmes",
            csrf,
            &[
                ("name", "Sustainable reintegration in Senegal"),
                (
                    "objective",
                    "Returnees reintegrate sustainably in their communities",
                ),
                ("start", "2026-01-01"),
                ("end", "2026-12-31"),
            ],
        )
        .await;
    assert_eq!(res.status(), 303);
    let programme = id_after(&res, "/registry/programmes/");
    let res = me
        .post_form(
            &format!("/registry/results?parent={programme}"),
            csrf,
            &[
                ("level", "outcome"),
                (
                    "statement",
                    "Returnees have sufficient economic self-sufficiency",
                ),
                ("intervention", "individual"),
                ("assumptions", "Returnees take part in the programme"),
            ],
        )
        .await;
    assert_eq!(res.status(), 303);
    let result = id_after(&res, "/registry/results/");
    (programme, result)
}

/// A condition that does not read is explained, and what was typed is kept.
async fn indicators_are_defined_once_conditions_read(
    j: &Journey,
    result: &str,
) -> (String, String, String) {
    let Journey { me, csrf, .. } = j;
    let res = me
        .post_form(
            &format!("/registry/indicators?parent={result}"),
            csrf,
            &[
                ("statement", "Returnees registered"),
                ("unit", "count"),
                ("source", "cases"),
                ("counted", "sex is female"),
                ("frequency", "quarterly"),
            ],
        )
        .await;
    assert_eq!(res.status(), 422);
    let page = res.text().await.unwrap();
    assert!(page.contains("Write each condition on its own line"));
    assert!(page.contains("sex is female"));
    let res = me
        .post_form(
            &format!("/registry/indicators?parent={result}"),
            csrf,
            &[
                ("statement", "Returnees registered"),
                ("unit", "count"),
                ("source", "cases"),
                ("frequency", "quarterly"),
                ("axes", "sex"),
                ("axes", "assistance"),
                ("baseline", "0"),
                ("target", "12"),
            ],
        )
        .await;
    assert_eq!(res.status(), 303);
    let counted = id_after(&res, "/registry/indicators/");
    let res = me
        .post_form(
            &format!("/registry/indicators?parent={result}"),
            csrf,
            &[
                ("statement", "Women among the returnees registered"),
                ("unit", "percentage"),
                ("source", "cases"),
                ("numerator", "sex = female"),
                ("frequency", "yearly"),
            ],
        )
        .await;
    assert_eq!(res.status(), 303);
    let share = id_after(&res, "/registry/indicators/");
    let res = me
        .post_form(
            &format!("/registry/indicators?parent={result}"),
            csrf,
            &[
                ("statement", "Referral SOPs adopted with ministries"),
                ("unit", "reported"),
                ("frequency", "yearly"),
                ("baseline", "0"),
                ("target", "4"),
            ],
        )
        .await;
    assert_eq!(res.status(), 303);
    let reported = id_after(&res, "/registry/indicators/");
    (counted, share, reported)
}

/// The figures, counted here from what was registered: 3 in 2026-Q1, 2 women and 1 man.
async fn the_figures_are_counted_from_what_was_registered(j: &Journey, f: &Framework) {
    let Journey { me, .. } = j;
    let Framework { counted, share, .. } = f;
    let (status, page) = me.get_text(&format!("/results/indicators/{counted}")).await;
    assert_eq!(status, 200);
    assert!(page.contains(">3</a></td>"), "{page}");
    assert!(page.contains("<td>25 %</td>"), "progress from 0 to 12");
    assert!(
        page.contains("<td>2026-Q4</td><td>0</td>"),
        "an empty period shows 0"
    );
    let (_, page) = me
        .get_text(&format!("/results/indicators/{counted}?axis=sex"))
        .await;
    assert!(page.contains("<td>2026-Q1</td><td>Female</td><td><a"));
    assert!(page.contains("group=female\">2</a>"));
    assert!(page.contains("group=male\">1</a>"));
    // Drilling into a figure lists the records behind it.
    let (status, page) = me
        .get_text(&format!(
            "/results/indicators/{counted}/records?period=2026-Q1&axis=sex&group=female"
        ))
        .await;
    assert_eq!(status, 200);
    assert!(page.contains("Aminata Diallo") && page.contains("Awa Diallo"));
    assert!(!page.contains("Ibrahima"));
    let (_, page) = me
        .get_text(&format!(
            "/results/indicators/{counted}/records?period=2026-Q1"
        ))
        .await;
    assert_eq!(page.matches("/cases/").count(), 3);
    let (_, page) = me.get_text(&format!("/results/indicators/{share}")).await;
    assert!(page.contains(">66.7 %</a></td><td>2 of 3</td>"), "{page}");
}

/// A value reported by hand, with its evidence.
async fn a_value_is_reported_by_hand_with_its_evidence(j: &Journey, f: &Framework) {
    let Journey { me, csrf, .. } = j;
    let Framework { reported, .. } = f;
    let (_, page) = me
        .get_text(&format!("/registry/indicators/{reported}"))
        .await;
    let version = field_value(&page, "version");
    let res = me
        .post_form(
            &format!("/registry/indicators/{reported}/reported"),
            csrf,
            &[("version", &version), ("period", "2026-13"), ("value", "1")],
        )
        .await;
    assert_eq!(res.status(), 422, "not a period");
    let res = me
        .post_form(
            &format!("/registry/indicators/{reported}/reported"),
            csrf,
            &[
                ("version", &version),
                ("period", "2026"),
                ("value", "1"),
                ("evidence", "Signed SOP with the Ministry of Health"),
            ],
        )
        .await;
    assert_eq!(res.status(), 303);
    let (_, page) = me
        .get_text(&format!("/results/indicators/{reported}"))
        .await;
    assert!(page.contains(
        "<td>2026</td><td>1</td><td>Signed SOP with the Ministry of Health</td><td>25 %</td>"
    ));
}

/// The results matrix lists the result and its indicators.
async fn the_results_matrix_lists_the_result_and_its_indicators(j: &Journey) {
    let Journey { me, .. } = j;
    let (_, hub) = me.get_text("/results").await;
    assert!(hub.contains("Returnees have sufficient economic self-sufficiency"));
    assert!(hub.contains("Women among the returnees registered"));
    assert!(hub.contains("Returnees take part in the programme"));
}

/// The framework as a spreadsheet holds the same numbers.
async fn the_framework_as_a_spreadsheet_holds_the_same_numbers(j: &Journey, f: &Framework) {
    let Journey { me, .. } = j;
    let Framework { programme, .. } = f;
    let res = me
        .get(&format!("/results/programmes/{programme}/xlsx"))
        .await;
    assert_eq!(res.status(), 200);
    let book = forms::xlsx::read(&res.bytes().await.unwrap()).unwrap();
    let names: Vec<&str> = book.sheets.iter().map(|s| s.name.as_str()).collect();
    assert_eq!(
        names,
        [
            "Theory of change",
            "Results matrix",
            "Monitoring framework",
            "Tracking per period"
        ]
    );
    let tracking = &book.sheets[3].rows;
    assert!(
        tracking
            .iter()
            .any(|r| r[0] == "Returnees registered" && r[1] == "2026-Q1" && r[2] == "3")
    );
    assert!(
        tracking
            .iter()
            .any(|r| r[0] == "Women among the returnees registered" && r[2] == "66.7 %")
    );
    assert!(
        book.sheets[2]
            .rows
            .iter()
            .any(|r| r.contains(&"Referral SOPs adopted with ministries".to_string()))
    );
    // The indicator values alone, as CSV: the tracking sheet's rows.
    let res = me
        .get(&format!("/results/programmes/{programme}/csv"))
        .await;
    assert_eq!(res.status(), 200);
    let csv = res.text().await.unwrap();
    assert!(csv.contains("Returnees registered,2026-Q1,3,"), "{csv}");
    assert_eq!(csv.lines().count(), tracking.len());
}

/// The handbook's examples, added in one step, are ready to track.
async fn the_handbooks_examples_are_added_in_one_step_ready_to_track(j: &Journey, f: &Framework) {
    let Journey { me, csrf, .. } = j;
    let Framework { programme, .. } = f;
    let res = me
        .post_form(
            &format!("/results/programmes/{programme}/handbook"),
            csrf,
            &[],
        )
        .await;
    assert_eq!(res.status(), 303);
    let (_, hub) = me.get_text("/results").await;
    assert!(hub.contains("Returnees who reach a composite reintegration score of 0.5 or more"));
    assert!(hub.contains("Stakeholders more engaged after support (%)"));
    let marker = "Returnees who reach a composite";
    let at = hub.find(marker).unwrap();
    let href_start = hub[..at].rfind("/results/indicators/").unwrap();
    let href = hub[href_start..at].split('"').next().unwrap().to_string();
    let (status, page) = me.get_text(&href).await;
    assert_eq!(status, 200);
    assert!(
        page.contains("Sex") && page.contains("Age at return"),
        "its breakdowns"
    );
}

/// A viewer sees the framework, and no cell describing fewer than 5 people.
async fn a_viewer_sees_the_framework_but_no_cell_of_fewer_than_5_people(
    j: &Journey,
    f: &Framework,
) -> Client {
    let Journey { app, .. } = j;
    let Framework { counted, .. } = f;
    let viewer = app.signed_in("viewer.all").await;
    let (status, page) = viewer
        .get_text(&format!("/results/indicators/{counted}?axis=sex"))
        .await;
    assert_eq!(status, 200);
    assert!(!page.contains("<td>Female</td><td>2</td>"));
    assert!(page.contains("Cells describing fewer than 5 people are hidden."));
    assert!(!page.contains("/records?"), "no way to the records");
    assert_eq!(
        viewer
            .get(&format!(
                "/results/indicators/{counted}/records?period=2026-Q1"
            ))
            .await
            .status(),
        403
    );
    viewer
}

/// The API gives the framework and the figures, hidden the same way for viewers.
async fn the_api_gives_the_framework_and_figures_hidden_alike_for_viewers(
    j: &Journey,
    f: &Framework,
    viewer: &Client,
) {
    let Journey { app, me, .. } = j;
    let Framework { counted, .. } = f;
    let token = api_token(me).await;
    let get =
        |c: &Client, t: &str, p: String| c.http.get(app.url(&p)).bearer_auth(t.to_string()).send();
    let programmes: serde_json::Value = get(me, &token, "/api/v1/programmes".into())
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(
        programmes[0]["name"],
        "Sustainable reintegration in Senegal"
    );
    assert!(programmes[0]["results"].as_array().unwrap().len() >= 4);
    let values: serde_json::Value = get(me, &token, format!("/api/v1/indicators/{counted}/values"))
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    // Counted from the cases: only surveys are tallied.
    assert_eq!(values["meta"]["counted_from"], "records", "{values}");
    let values = &values["values"];
    assert_eq!(values[0]["period"], "2026-Q1");
    assert_eq!(values[0]["value"], 3.0);
    assert_eq!(values[0]["progress"], 25.0);
    let viewer_token = api_token(viewer).await;
    let values: serde_json::Value = get(
        viewer,
        &viewer_token,
        format!("/api/v1/indicators/{counted}/values?axis=sex"),
    )
    .await
    .unwrap()
    .json()
    .await
    .unwrap();
    assert!(
        values["values"]
            .as_array()
            .unwrap()
            .iter()
            .filter(|v| v["period"] == "2026-Q1")
            .all(|v| v["suppressed"] == true && v["value"].is_null())
    );
    let res = me
        .http
        .post(app.url("/api/v1/evaluations"))
        .bearer_auth(&token)
        .json(&serde_json::json!({"title": "Midterm evaluation", "timing": "midterm", "conductor": "external", "criteria": ["relevance", "effectiveness"]}))
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 201);
    let (_, hub) = me.get_text("/results").await;
    assert!(hub.contains("Midterm evaluation"));
}

/// For the dashboards, four referrals to one provider, moved on through the store.
async fn four_referrals_are_made_to_one_provider(j: &Journey) {
    let Journey {
        app,
        cm_user,
        cases,
        ..
    } = j;
    let (_, service) = map_service(app, "Centre de santé de Goudiry", "Goudiry").await;
    use domain::referral::{ReferralStatus as St, ReferralStep as Step};
    let step = |id: domain::ReferralId, from: St, to: St, step: Step| {
        let store = app.store.clone();
        let by = cm_user.id;
        async move {
            let r = store.referral(id).await.unwrap();
            store
                .referral_step(
                    id,
                    r.version,
                    store::NewReferralStep {
                        from,
                        to,
                        step,
                        note: String::new(),
                        via: store::Via::Staff,
                        sent_on: r.sent_on,
                        answer_due: r.answer_due,
                    },
                    store::AuditContext::by(by, time::OffsetDateTime::now_utc()),
                )
                .await
                .unwrap();
        }
    };
    // Four referrals to one provider: accepted, started without accepting first (an answer
    // too), still waiting, and cancelled before any answer (waiting for nobody, left out).
    let first: domain::CaseId = cases[0].parse().unwrap();
    let accepted = send_referral(app, first, service, cm_user).await;
    step(accepted, St::Sent, St::Accepted, Step::Accept).await;
    let started = send_referral(app, first, service, cm_user).await;
    step(started, St::Sent, St::Started, Step::Start).await;
    send_referral(app, cases[1].parse().unwrap(), service, cm_user).await;
    let cancelled = send_referral(app, first, service, cm_user).await;
    step(cancelled, St::Sent, St::Cancelled, Step::Cancel).await;
}

/// By type of assistance: the two returnees referred to a health service, one with none.
async fn the_figures_break_down_by_type_of_assistance(j: &Journey, f: &Framework) {
    let Journey { me, .. } = j;
    let Framework { counted, .. } = f;
    let (_, page) = me
        .get_text(&format!("/results/indicators/{counted}?axis=assistance"))
        .await;
    assert!(
        page.contains("<td>2026-Q1</td><td>Social services</td><td><a"),
        "{page}"
    );
    assert!(page.contains("group=social\">2</a>"));
    assert!(page.contains("group=none\">1</a>"));
    let (_, page) = me
        .get_text(&format!(
            "/results/indicators/{counted}/records?period=2026-Q1&axis=assistance&group=social"
        ))
        .await;
    assert!(page.contains("Aminata Diallo") && page.contains("Awa Diallo"));
    assert!(!page.contains("Ibrahima"));
}

/// Dashboards: counts for staff.
async fn the_dashboard_counts_stages_offices_late_rounds_and_answer_times_for_staff(j: &Journey) {
    let Journey { me, cases, .. } = j;
    let (status, page) = me.get_text("/results/dashboard").await;
    assert_eq!(status, 200);
    assert!(page.contains("Cases by stage") && page.contains("Cases by office"));
    assert!(page.contains(">3</text>"), "three cases in DKR");
    // Every returnee came back in February with no survey: the rounds late, counted here.
    let today = crate::common::today();
    let mut late = std::collections::BTreeMap::new();
    for _ in cases {
        for r in domain::rss::schedule(time::macros::date!(2026 - 02 - 10), today, &[]) {
            if r.state == domain::rss::RoundState::Overdue {
                *late.entry(r.round).or_insert(0) += 1;
            }
        }
    }
    assert!(!late.is_empty());
    let overdue = &page[page.find("id=\"overdue\"").unwrap()..page.find("id=\"scores\"").unwrap()];
    for (round, n) in &late {
        let label = match round {
            domain::rss::Round::Baseline => "Baseline",
            domain::rss::Round::Intermediate => "Intermediate",
            _ => "Final",
        };
        assert!(overdue.contains(label), "{label} overdue");
        assert!(
            overdue.contains(&format!(">{n}</text>")),
            "{n} late for {label}"
        );
    }
    // One referral answered, one waiting, at the same provider.
    let times = &page[page.find("id=\"answer-times\"").unwrap()..];
    let row = &times[times.find("Centre de santé de Goudiry").unwrap()..];
    let row = &row[..row.find("</tr>").unwrap()];
    assert_eq!(
        row.matches("<td>").count(),
        4,
        "provider, sent, answered, median, waiting: {row}"
    );
    assert!(
        row.contains("<td>3</td><td>2</td><td>0.0</td><td>1</td>"),
        "{row}"
    );
    assert!(
        !me.get_text("/results/dashboard")
            .await
            .1
            .contains("Cells describing fewer than 5 people are hidden."),
        "staff see every figure"
    );
}

/// Dashboards: small counts hidden for viewers.
async fn the_dashboard_hides_small_counts_from_viewers(viewer: &Client) {
    let (status, page) = viewer.get_text("/results/dashboard").await;
    assert_eq!(status, 200);
    assert!(page.contains("Cells describing fewer than 5 people are hidden."));
    assert!(!page.contains(">3</text>"));
    assert!(page.contains("fewer than 5") || page.contains("Fewer than 5"));
    // The provider's two referrals: counts hidden and no median over a single answer.
    let times = &page[page.find("id=\"answer-times\"").unwrap()..];
    let row = &times[times.find("Centre de santé de Goudiry").unwrap()..];
    let row = &row[..row.find("</tr>").unwrap()];
    assert!(
        !row.contains("<td>3</td>") && !row.contains("<td>2</td>") && !row.contains("<td>1</td>"),
        "{row}"
    );
    assert!(!row.contains("0.0"), "{row}");
}

/// Case managers read the framework but do not change it.
async fn case_managers_read_the_framework_but_do_not_change_it(j: &Journey) {
    let Journey { cm, .. } = j;
    let res = cm
        .post_form(
            "/registry/programmes",
            &cm.csrf("/results").await,
            &[("name", "x")],
        )
        .await;
    assert_eq!(res.status(), 403);
}
