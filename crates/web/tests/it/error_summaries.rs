//! After a failed submit, every form opens with one error summary that takes the focus and
//! links to each field to put right, named, in the form's order: instruments, the service map,
//! follow-up visits.

use crate::common::*;
use domain::Role;

/// The summary's links (target id, text), after checking that the summary takes the focus,
/// that each link's target is on the page, and that they come in the page's order.
fn summary_links(page: &str) -> Vec<(String, String)> {
    let start = page
        .find("id=\"error-summary\" tabindex=\"-1\" autofocus")
        .unwrap_or_else(|| panic!("no focused error summary in:\n{page}"));
    let list = &page[start..page[start..].find("</div>").unwrap() + start];
    let links: Vec<(String, String)> = list
        .split("<a href=\"#")
        .skip(1)
        .map(|rest| {
            let (target, rest) = rest.split_once("\">").unwrap();
            let text = rest.split("</a>").next().unwrap();
            (target.to_string(), text.to_string())
        })
        .collect();
    assert!(!links.is_empty(), "{list}");
    let mut last = 0;
    for (target, text) in &links {
        let at = page
            .find(&format!("id=\"{target}\""))
            .unwrap_or_else(|| panic!("{target} is not on the page"));
        assert!(at > last, "{target} out of the form's order");
        last = at;
        let (field, what) = text.split_once(": ").unwrap_or_else(|| panic!("{text}"));
        assert!(!field.is_empty() && !what.is_empty(), "{text}");
    }
    assert_eq!(
        page.matches(" autofocus").count(),
        1,
        "one thing takes the focus"
    );
    links
}

#[tokio::test]
async fn an_instrument_submitted_with_questions_left_out_links_to_each_one() {
    let app = spawn_app().await;
    let office = app.office("DKR").await;
    app.user("cm.one", Role::CaseManager, Some(office)).await;
    let cm = app.signed_in("cm.one").await;
    let (case_path, csrf) = register_recent_return(&cm).await;
    let form = start_form(&cm, &case_path, &csrf, "rapid_vulnerability_screening").await;
    let (_, page) = cm.get_text(&form).await;
    let version = field_value(&page, "_version");
    let today = today().to_string();
    let res = cm
        .post_form(
            &form,
            &csrf,
            &[
                ("_action", "submit"),
                ("_version", &version),
                ("_interview_date", &today),
                ("a:screening_stage", "on_arrival"),
            ],
        )
        .await;
    let page = res.text().await.unwrap();
    let links = summary_links(&page);
    let texts: Vec<&str> = links.iter().map(|(_, t)| t.as_str()).collect();
    assert!(
        texts.contains(&"Does the returnee have any physical or mental health needs?: This question needs an answer."),
        "{texts:?}"
    );
    // A choice question's link goes to its first choice, which the keyboard can reach.
    assert!(
        links.iter().any(|(t, _)| t.ends_with("health_needs-yes")),
        "{links:?}"
    );
}

#[tokio::test]
async fn a_service_map_form_and_a_follow_up_visit_link_to_each_field_to_put_right() {
    let app = spawn_app().await;
    let office = app.office("DKR").await;
    app.user("pm.one", Role::ProgrammeManager, Some(office))
        .await;
    let pm = app.signed_in("pm.one").await;
    let csrf = pm.csrf("/providers/new").await;
    let res = pm.post_form("/providers", &csrf, &[]).await;
    let page = res.text().await.unwrap();
    let links = summary_links(&page);
    assert!(
        links
            .iter()
            .any(|(t, text)| t == "f-name" && text.ends_with("This is required.")),
        "{links:?}"
    );

    let (case_path, csrf) = register_recent_return(&pm).await;
    let res = pm
        .post_form(
            &format!("{case_path}/follow-up"),
            &csrf,
            &[("visit_date", "not a date")],
        )
        .await;
    let page = res.text().await.unwrap();
    let links = summary_links(&page);
    assert!(links.iter().any(|(t, _)| t == "f-visit_date"), "{links:?}");
}

#[tokio::test]
async fn a_plan_with_a_row_to_put_right_links_to_that_row() {
    let app = spawn_app().await;
    let office = app.office("DKR").await;
    app.user("cm.one", Role::CaseManager, Some(office)).await;
    let cm = app.signed_in("cm.one").await;
    let (case_path, csrf) = register_recent_return(&cm).await;
    let res = post_new_plan(
        &cm,
        &case_path,
        &csrf,
        &[
            ("objective_economic", "Open a tailoring workshop"),
            ("place", "Tambacounda"),
            ("item_key", "1"),
            ("item_kind", "microbusiness"),
            ("item_modality", "in_kind"),
            ("item_responsible", "organisation"),
            ("item_status", "planned"),
            ("item_budget", "a lot"),
        ],
    )
    .await;
    let page = res.text().await.unwrap();
    let links = summary_links(&page);
    assert!(
        links
            .iter()
            .any(|(t, text)| t == "item-0" && text.contains(", row 1: ")),
        "{links:?}"
    );
}

#[tokio::test]
async fn a_registration_with_a_consent_to_put_right_names_the_consent_field() {
    let app = spawn_app().await;
    let office = app.office("DKR").await;
    app.user("cm.one", Role::CaseManager, Some(office)).await;
    let cm = app.signed_in("cm.one").await;
    let csrf = cm.csrf("/cases/new").await;
    let fields: Vec<(&str, &str)> = registration()
        .into_iter()
        .filter(|(k, _)| *k != "consent_method")
        .collect();
    let res = cm.post_form("/cases", &csrf, &fields).await;
    assert_eq!(res.status(), 422);
    let page = res.text().await.unwrap();
    let links = summary_links(&page);
    assert!(
        links.iter().any(|(t, _)| t == "f-consent_method"),
        "{links:?}"
    );
}
