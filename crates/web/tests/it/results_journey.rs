//! The results framework over HTTP: a programme, a result and indicators defined on the pages,
//! figures counted from the cases as registered (checked against the same figures counted here),
//! a value reported by hand with progress to target, and what a viewer sees.

use crate::common::*;
use domain::Role;

#[tokio::test]
async fn a_results_framework_tracks_indicators_from_the_records() {
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
    let res = me
        .post_form(
            "/registry/programmes",
            &csrf,
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
            &csrf,
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

    // A condition that does not read is explained, and what was typed is kept.
    let res = me
        .post_form(
            &format!("/registry/indicators?parent={result}"),
            &csrf,
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
            &csrf,
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
            &csrf,
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
            &csrf,
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

    // The figures, counted here from what was registered: 3 in 2026-Q1, 2 women and 1 man.
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

    // A value reported by hand, with its evidence.
    let (_, page) = me
        .get_text(&format!("/registry/indicators/{reported}"))
        .await;
    let version = field_value(&page, "version");
    let res = me
        .post_form(
            &format!("/registry/indicators/{reported}/reported"),
            &csrf,
            &[("version", &version), ("period", "2026-13"), ("value", "1")],
        )
        .await;
    assert_eq!(res.status(), 422, "not a period");
    let res = me
        .post_form(
            &format!("/registry/indicators/{reported}/reported"),
            &csrf,
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

    // The results matrix lists the result and its indicators.
    let (_, hub) = me.get_text("/results").await;
    assert!(hub.contains("Returnees have sufficient economic self-sufficiency"));
    assert!(hub.contains("Women among the returnees registered"));
    assert!(hub.contains("Returnees take part in the programme"));

    // The framework as a spreadsheet holds the same numbers.
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

    // The handbook's examples, added in one step, are ready to track.
    let res = me
        .post_form(
            &format!("/results/programmes/{programme}/handbook"),
            &csrf,
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

    // A viewer sees the framework, and no cell describing fewer than 5 people.
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
    // The API gives the framework and the figures, hidden the same way for viewers.
    let token = api_token(&me).await;
    let get =
        |c: &Client, t: &str, p: String| c.http.get(app.url(&p)).bearer_auth(t.to_string()).send();
    let programmes: serde_json::Value = get(&me, &token, "/api/v1/programmes".into())
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
    let values: serde_json::Value =
        get(&me, &token, format!("/api/v1/indicators/{counted}/values"))
            .await
            .unwrap()
            .json()
            .await
            .unwrap();
    assert_eq!(values[0]["period"], "2026-Q1");
    assert_eq!(values[0]["value"], 3.0);
    assert_eq!(values[0]["progress"], 25.0);
    let viewer_token = api_token(&viewer).await;
    let values: serde_json::Value = get(
        &viewer,
        &viewer_token,
        format!("/api/v1/indicators/{counted}/values?axis=sex"),
    )
    .await
    .unwrap()
    .json()
    .await
    .unwrap();
    assert!(
        values
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

    // Dashboards: counts for staff, small counts hidden for viewers.
    let (_, service) = map_service(&app, "Centre de santé de Goudiry", "Goudiry").await;
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
    let accepted = send_referral(&app, first, service, &cm_user).await;
    step(accepted, St::Sent, St::Accepted, Step::Accept).await;
    let started = send_referral(&app, first, service, &cm_user).await;
    step(started, St::Sent, St::Started, Step::Start).await;
    send_referral(&app, cases[1].parse().unwrap(), service, &cm_user).await;
    let cancelled = send_referral(&app, first, service, &cm_user).await;
    step(cancelled, St::Sent, St::Cancelled, Step::Cancel).await;
    // By type of assistance: the two returnees referred to a health service, one with none.
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
    let (status, page) = me.get_text("/results/dashboard").await;
    assert_eq!(status, 200);
    assert!(page.contains("Cases by stage") && page.contains("Cases by office"));
    assert!(page.contains(">3</text>"), "three cases in DKR");
    // Every returnee came back in February with no survey: the rounds late, counted here.
    let today = crate::common::today();
    let mut late = std::collections::BTreeMap::new();
    for _ in &cases {
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

    // Case managers read the framework but do not change it.
    let res = cm
        .post_form(
            "/registry/programmes",
            &cm.csrf("/results").await,
            &[("name", "x")],
        )
        .await;
    assert_eq!(res.status(), 403);
}

/// An evaluation set out in the sections of the handbook's terms-of-reference template, marked
/// on its checklist, with a final report and the management response it then awaits.
#[tokio::test]
async fn an_evaluation_is_prepared_on_annex_4c_and_followed_on_the_4d_checklist() {
    let app = spawn_app().await;
    let office = app.office("DKR").await;
    app.user("me.dkr", Role::MeOfficer, Some(office)).await;
    app.user("viewer.all", Role::Viewer, None).await;
    let me = app.signed_in("me.dkr").await;
    let csrf = me.csrf("/results").await;
    let res = me
        .post_form(
            "/registry/evaluations",
            &csrf,
            &[
                ("title", "Midterm evaluation of the Senegal programme"),
                ("timing", "midterm"),
                ("conductor", "external"),
                ("criteria", "relevance"),
                ("criteria", "sustainability"),
                ("commissioned_by", "The programme's donor"),
                (
                    "tor_context",
                    "Two years of support to returnees in three provinces.",
                ),
                (
                    "tor_purpose",
                    "Mid-course corrections, for the programme's managers.",
                ),
                (
                    "tor_scope",
                    "January 2025 to June 2026; Dakar, Thiès and Kaolack.",
                ),
                (
                    "tor_questions",
                    "Relevance: do the services answer the needs?",
                ),
                (
                    "tor_methodology",
                    "Document review, RSS data, interviews and focus groups.",
                ),
                ("tor_deliverables", "Inception report\nFinal report"),
            ],
        )
        .await;
    assert_eq!(res.status(), 303);
    let evaluation = id_after(&res, "/registry/evaluations/");
    let page_path = format!("/registry/evaluations/{evaluation}");
    let (_, page) = me.get_text(&page_path).await;
    assert!(page.contains("Still to write: Workplan."), "{page}");
    assert!(page.contains("0 of 30"));
    let version = |page: &str| {
        let marker = "name=\"version\" value=\"";
        let at = page.find(marker).unwrap() + marker.len();
        page[at..].split('"').next().unwrap().to_string()
    };

    // Drafted is refused while a section is missing, and what was chosen is kept.
    let res = me
        .post_form(
            &format!("{page_path}/checklist"),
            &csrf,
            &[
                ("version", &version(&page)),
                ("item", "tor_drafted"),
                ("status", "done"),
                ("note", "Sent to the donor"),
            ],
        )
        .await;
    assert_eq!(res.status(), 422);
    let page = res.text().await.unwrap();
    assert!(page.contains("drafted only once every section is written"));
    assert!(page.contains("value=\"Sent to the donor\""));

    let res = me
        .post_form(
            &format!("{page_path}/workplan"),
            &csrf,
            &[
                ("version", &version(&page)),
                ("task", "Review project documents"),
                ("work_days", "3"),
                ("responsible", "Evaluator"),
                ("location", "Home based"),
            ],
        )
        .await;
    assert_eq!(res.status(), 303);
    let (_, page) = me.get_text(&page_path).await;
    assert!(page.contains("Every section is written."));
    for (item, status) in [
        ("tor_drafted", "done"),
        ("objective_defined", "done"),
        ("confidentiality_signed", "not_applicable"),
    ] {
        let (_, page) = me.get_text(&page_path).await;
        let res = me
            .post_form(
                &format!("{page_path}/checklist"),
                &csrf,
                &[
                    ("version", &version(&page)),
                    ("item", item),
                    ("status", status),
                ],
            )
            .await;
        assert_eq!(res.status(), 303, "{item}");
    }
    let (_, page) = me.get_text(&page_path).await;
    assert!(page.contains("2 of 29"), "two done, one does not apply");
    assert!(
        page.contains("Preparing: the focus and scope are set"),
        "next point"
    );

    // The final report accepted: management's response is awaited until written.
    let res = me
        .post_form(
            &format!("{page_path}/reports"),
            &csrf,
            &[
                ("version", &version(&page)),
                ("kind", "final"),
                ("received", "2026-06-01"),
                ("reference", "Final report, version 2"),
                ("accepted", "2026-05-01"),
            ],
        )
        .await;
    assert_eq!(res.status(), 422, "accepted before it was received");
    let page = res.text().await.unwrap();
    let res = me
        .post_form(
            &format!("{page_path}/reports"),
            &csrf,
            &[
                ("version", &version(&page)),
                ("kind", "final"),
                ("received", "2026-06-01"),
                ("reference", "Final report, version 2"),
                ("accepted", "2026-06-10"),
            ],
        )
        .await;
    assert_eq!(res.status(), 303);
    let (_, page) = me.get_text(&page_path).await;
    assert!(page.contains("awaits management"));

    // The printable terms follow the template's order, then the whole checklist.
    let (status, terms) = me
        .get_text(&format!("/results/evaluations/{evaluation}/terms"))
        .await;
    assert_eq!(status, 200);
    let order = [
        "donor",
        "Two years of support",
        "Mid-course corrections",
        "January 2025 to June 2026",
        "Sustainability",
        "do the services answer the needs?",
        "Document review",
        "Final report",
        "Review project documents",
        "What the terms of reference cover",
        "Managing and carrying out the evaluation",
    ];
    let positions: Vec<usize> = order
        .iter()
        .map(|t| terms.find(t).unwrap_or_else(|| panic!("{t} missing")))
        .collect();
    assert!(positions.windows(2).all(|w| w[0] < w[1]), "{positions:?}");
    assert!(terms.contains("Does not apply"));

    // The API carries the checklist; viewers read evaluations but never change them.
    let token = api_token(&me).await;
    let list: serde_json::Value = me
        .http
        .get(app.url("/api/v1/evaluations"))
        .bearer_auth(&token)
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let body = &list.as_array().unwrap()[0];
    assert_eq!(body["checklist"].as_array().unwrap().len(), 3);
    assert_eq!(body["workplan"][0]["work_days"], 3);
    let viewer = app.signed_in("viewer.all").await;
    let (status, _) = viewer
        .get_text(&format!("/results/evaluations/{evaluation}/terms"))
        .await;
    assert_eq!(status, 200);
    let res = viewer
        .post_form(
            &format!("{page_path}/checklist"),
            &viewer.csrf("/results").await,
            &[
                ("version", "1"),
                ("item", "scope_defined"),
                ("status", "done"),
            ],
        )
        .await;
    assert_eq!(res.status(), 403);
}

/// A programme's figures count only the returnees of its offices and countries, broken down by
/// its own age bands; age bands that do not read are refused with what was typed kept.
#[tokio::test]
async fn a_programme_counts_its_own_offices_countries_and_age_bands() {
    let app = spawn_app().await;
    let office = app.office("DKR").await;
    app.office("THS").await;
    app.user("cm.dkr", Role::CaseManager, Some(office)).await;
    app.user("me.all", Role::MeOfficer, None).await;
    let cm = app.signed_in("cm.dkr").await;
    // Two returnees to Senegal: born 1995 (30 at return in 2026) and 2000 (25).
    register_named(&app, &cm, "Aminata", "female").await;
    let csrf = cm.csrf("/cases/new").await;
    let fields: Vec<(&str, &str)> = registration()
        .into_iter()
        .map(|(k, v)| match k {
            "given_name" => (k, "Fatou"),
            "date_of_birth" => (k, "2000-05-01"),
            _ => (k, v),
        })
        .collect();
    assert_eq!(cm.post_form("/cases", &csrf, &fields).await.status(), 303);

    let me = app.signed_in("me.all").await;
    let csrf = me.csrf("/results").await;
    let programme = |offices: &'static str, countries: &'static str, bands: &'static str| {
        vec![
            ("name", "Programme"),
            ("objective", "Returnees reintegrate sustainably"),
            ("start", "2026-01-01"),
            ("end", "2026-12-31"),
            ("offices", offices),
            ("countries", countries),
            ("age_bands", bands),
        ]
    };
    let res = me
        .post_form(
            "/registry/programmes",
            &csrf,
            &programme("", "", "0, 18, 30x"),
        )
        .await;
    assert_eq!(res.status(), 422);
    let page = res.text().await.unwrap();
    assert!(page.contains("Age bands start at 0"));
    assert!(
        page.contains("value=\"0, 18, 30x\""),
        "what was typed is kept"
    );

    let res = me
        .post_form(
            "/registry/programmes",
            &csrf,
            &programme("DKR\nXYZ", "", ""),
        )
        .await;
    assert_eq!(res.status(), 422, "an office code no office has");
    assert!(
        res.text()
            .await
            .unwrap()
            .contains("codes of existing offices")
    );

    // Count the returnees registered, broken down by age band, in three programmes.
    let mut pages = Vec::new();
    for (offices, countries, bands) in [
        ("dkr", "senegal", "0, 18, 30"),
        ("THS", "", ""),
        ("", "Mali", ""),
    ] {
        let res = me
            .post_form(
                "/registry/programmes",
                &csrf,
                &programme(offices, countries, bands),
            )
            .await;
        assert_eq!(res.status(), 303);
        let p = id_after(&res, "/registry/programmes/");
        let res = me
            .post_form(
                &format!("/registry/results?parent={p}"),
                &csrf,
                &[("level", "output"), ("statement", "Returnees registered")],
            )
            .await;
        let r = id_after(&res, "/registry/results/");
        let res = me
            .post_form(
                &format!("/registry/indicators?parent={r}"),
                &csrf,
                &[
                    ("statement", "Returnees registered"),
                    ("unit", "count"),
                    ("source", "cases"),
                    ("frequency", "yearly"),
                    ("axes", "age_band"),
                ],
            )
            .await;
        let i = id_after(&res, "/registry/indicators/");
        let (_, page) = me
            .get_text(&format!("/results/indicators/{i}?axis=age_band"))
            .await;
        pages.push(page);
    }
    let rows = |page: &str| {
        let t = &page[page.find("<tbody").unwrap()..];
        t[..t.find("</tbody>").unwrap()].to_string()
    };
    // The Dakar programme in Senegal, bands 0–17, 18–29, 30+: one returnee in each of the last two.
    let dakar = rows(&pages[0]);
    assert!(
        dakar.contains("<td>2026</td><td>18–29</td><td><a"),
        "{dakar}"
    );
    assert!(dakar.contains("group=18%E2%80%9329\">1</a>"));
    assert!(dakar.contains("group=30%2B\">1</a>"));
    // Another office's programme and another country's count nobody.
    for page in &pages[1..] {
        assert_eq!(
            rows(page),
            "<tbody><tr><td>2026</td><td></td><td>0</td><td></td><td></td></tr>"
        );
    }
}

/// An indicator over trainings: the share of trainees tested before and after whose score rose,
/// counted from the trainings as recorded.
#[tokio::test]
async fn an_indicator_counts_trainees_whose_scores_rose() {
    let app = spawn_app().await;
    app.user("me.all", Role::MeOfficer, None).await;
    let me = app.signed_in("me.all").await;
    let csrf = me.csrf("/results").await;
    let res = me
        .post_form(
            "/registry/trainings",
            &csrf,
            &[("title", "Case management basics"), ("start", "2026-03-02")],
        )
        .await;
    assert_eq!(res.status(), 303);
    let training = format!(
        "/registry/trainings/{}",
        id_after(&res, "/registry/trainings/")
    );
    for (name, pre, post) in [
        ("Mariama", "40", "70"),
        ("Cheikh", "60", "55"),
        ("Ndeye", "50", ""),
    ] {
        let (_, page) = me.get_text(&training).await;
        let res = me
            .post_form(
                &format!("{training}/participants"),
                &csrf,
                &[
                    ("version", &field_value(&page, "version")),
                    ("name", name),
                    ("pre", pre),
                    ("post", post),
                ],
            )
            .await;
        assert_eq!(res.status(), 303, "{name}");
    }
    let res = me
        .post_form(
            "/registry/programmes",
            &csrf,
            &[
                ("name", "Capacity"),
                ("objective", "Partners manage cases well"),
                ("start", "2026-01-01"),
                ("end", "2026-12-31"),
            ],
        )
        .await;
    let p = id_after(&res, "/registry/programmes/");
    let res = me
        .post_form(
            &format!("/registry/results?parent={p}"),
            &csrf,
            &[("level", "output"), ("statement", "Partners trained")],
        )
        .await;
    let r = id_after(&res, "/registry/results/");
    let res = me
        .post_form(
            &format!("/registry/indicators?parent={r}"),
            &csrf,
            &[
                ("statement", "Trainees whose score rose"),
                ("unit", "percentage"),
                ("source", "trainees"),
                ("counted", "tested = true"),
                ("numerator", "improved = true"),
                ("frequency", "yearly"),
            ],
        )
        .await;
    assert_eq!(res.status(), 303);
    let i = id_after(&res, "/registry/indicators/");
    let (_, page) = me.get_text(&format!("/results/indicators/{i}")).await;
    // Two tested twice, one of whom improved; the third took one test only.
    assert!(page.contains("<td>50 %</td><td>1 of 2</td>"), "{page}");
}
