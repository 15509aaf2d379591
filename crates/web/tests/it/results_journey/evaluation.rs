//! An evaluation set out on the handbook's terms-of-reference template (annex 4c) and followed on
//! its checklist (annex 4d).

use crate::common::*;
use domain::Role;

/// The office's M&E officer, signed in, with the CSRF token of the results pages.
struct Journey {
    app: TestApp,
    me: Client,
    csrf: String,
}

impl Journey {
    async fn start() -> Journey {
        let app = spawn_app().await;
        let office = app.office("DKR").await;
        app.user("me.dkr", Role::MeOfficer, Some(office)).await;
        app.user("viewer.all", Role::Viewer, None).await;
        let me = app.signed_in("me.dkr").await;
        let csrf = me.csrf("/results").await;
        Journey { app, me, csrf }
    }
}

/// The row version an evaluation's page is at.
fn version(page: &str) -> String {
    let marker = "name=\"version\" value=\"";
    let at = page.find(marker).unwrap() + marker.len();
    page[at..].split('"').next().unwrap().to_string()
}

/// An evaluation set out in the sections of the handbook's terms-of-reference template, marked
/// on its checklist, with a final report and the management response it then awaits.
#[tokio::test]
async fn an_evaluation_is_prepared_on_annex_4c_and_followed_on_the_4d_checklist() {
    let j = Journey::start().await;
    let (evaluation, page_path, page) = an_evaluation_is_set_out_on_the_template(&j).await;
    let page = drafted_is_refused_while_a_section_is_missing(&j, &page_path, &page).await;
    let page = with_every_section_written_the_checklist_is_marked(&j, &page_path, &page).await;
    the_final_report_accepted_awaits_managements_response(&j, &page_path, &page).await;
    the_printable_terms_follow_the_templates_order_then_the_checklist(&j, &evaluation).await;
    the_api_carries_the_checklist_and_viewers_never_change_it(&j, &evaluation, &page_path).await;
}

/// The evaluation, written section by section; its page says what is still to write.
async fn an_evaluation_is_set_out_on_the_template(j: &Journey) -> (String, String, String) {
    let Journey { me, csrf, .. } = j;
    let res = me
        .post_form(
            "/registry/evaluations",
            csrf,
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
    (evaluation, page_path, page)
}

/// Drafted is refused while a section is missing, and what was chosen is kept.
async fn drafted_is_refused_while_a_section_is_missing(
    j: &Journey,
    page_path: &str,
    page: &str,
) -> String {
    let Journey { me, csrf, .. } = j;
    let res = me
        .post_form(
            &format!("{page_path}/checklist"),
            csrf,
            &[
                ("version", &version(page)),
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
    page
}

/// Once the workplan is written every section is, and the checklist's points are marked.
async fn with_every_section_written_the_checklist_is_marked(
    j: &Journey,
    page_path: &str,
    page: &str,
) -> String {
    let Journey { me, csrf, .. } = j;
    let res = me
        .post_form(
            &format!("{page_path}/workplan"),
            csrf,
            &[
                ("version", &version(page)),
                ("task", "Review project documents"),
                ("work_days", "3"),
                ("responsible", "Evaluator"),
                ("location", "Home based"),
            ],
        )
        .await;
    assert_eq!(res.status(), 303);
    let (_, page) = me.get_text(page_path).await;
    assert!(page.contains("Every section is written."));
    for (item, status) in [
        ("tor_drafted", "done"),
        ("objective_defined", "done"),
        ("confidentiality_signed", "not_applicable"),
    ] {
        let (_, page) = me.get_text(page_path).await;
        let res = me
            .post_form(
                &format!("{page_path}/checklist"),
                csrf,
                &[
                    ("version", &version(&page)),
                    ("item", item),
                    ("status", status),
                ],
            )
            .await;
        assert_eq!(res.status(), 303, "{item}");
    }
    let (_, page) = me.get_text(page_path).await;
    assert!(page.contains("2 of 29"), "two done, one does not apply");
    assert!(
        page.contains("Preparing: the focus and scope are set"),
        "next point"
    );
    page
}

/// The final report accepted: management's response is awaited until written.
async fn the_final_report_accepted_awaits_managements_response(
    j: &Journey,
    page_path: &str,
    page: &str,
) {
    let Journey { me, csrf, .. } = j;
    let res = me
        .post_form(
            &format!("{page_path}/reports"),
            csrf,
            &[
                ("version", &version(page)),
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
            csrf,
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
    let (_, page) = me.get_text(page_path).await;
    assert!(page.contains("awaits management"));
}

/// The printable terms follow the template's order, then the whole checklist.
async fn the_printable_terms_follow_the_templates_order_then_the_checklist(
    j: &Journey,
    evaluation: &str,
) {
    let Journey { me, .. } = j;
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
}

/// The API carries the checklist; viewers read evaluations but never change them.
async fn the_api_carries_the_checklist_and_viewers_never_change_it(
    j: &Journey,
    evaluation: &str,
    page_path: &str,
) {
    let Journey { app, me, .. } = j;
    let token = api_token(me).await;
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
