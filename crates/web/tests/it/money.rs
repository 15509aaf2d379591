//! Amounts carry the programme's currency and are written with thousands separators.

use crate::common::*;
use domain::Role;

#[tokio::test]
async fn amounts_show_the_programmes_currency_grouped_by_thousands() {
    let app = spawn_app().await;
    let office = app.office("DKR").await;
    app.user("pm.one", Role::ProgrammeManager, Some(office))
        .await;
    let pm = app.signed_in("pm.one").await;
    let csrf = pm.csrf("/programme").await;
    let settings = |currency: &'static str| {
        [
            ("midterm_months", "6"),
            ("final_after_midterm_months", "6"),
            ("programme_currency", currency),
        ]
    };
    let res = pm
        .post_form("/programme/settings", &csrf, &settings("francs"))
        .await;
    assert_eq!(res.status(), 422);
    assert!(
        res.text()
            .await
            .unwrap()
            .contains("three-letter currency code")
    );
    let res = pm
        .post_form("/programme/settings", &csrf, &settings("xof"))
        .await;
    assert_eq!(res.status(), 200);
    assert!(res.text().await.unwrap().contains("value=\"XOF\""));

    let (case_path, _) = register_recent_return(&pm).await;
    let res = post_new_plan(
        &pm,
        &case_path,
        &csrf,
        &[
            ("objective_economic", "Open a tailoring workshop"),
            ("place", "Tambacounda"),
            ("item_key", "1"),
            ("item_kind", "microbusiness"),
            ("item_details", "Sewing machine and fabric"),
            ("item_modality", "in_kind"),
            ("item_responsible", "organisation"),
            ("item_status", "planned"),
            ("item_budget", "250 000"),
        ],
    )
    .await;
    assert_eq!(res.status(), 303);
    let plan_path = location(&res);
    let (_, plan) = pm.get_text(&plan_path).await;
    assert!(plan.contains("250,000\u{a0}XOF"), "{plan}");

    // Each reader sees the amount as their language writes it; Arabic digits as the office
    // chooses.
    let read_in = |lang: &'static str| {
        let (pm, url) = (&pm, format!("{}{plan_path}", pm.base()));
        async move {
            let res = pm.http.get(url).header("accept-language", lang).send();
            res.await.unwrap().text().await.unwrap()
        }
    };
    assert!(read_in("fr").await.contains("250\u{202f}000\u{a0}XOF"));
    assert!(read_in("ar").await.contains("250,000\u{a0}XOF"));
    let mut arabic_indic = settings("XOF").to_vec();
    arabic_indic.push(("programme_digits", "arabic_indic"));
    let res = pm
        .post_form("/programme/settings", &csrf, &arabic_indic)
        .await;
    assert_eq!(res.status(), 200);
    assert!(read_in("ar").await.contains("٢٥٠٬٠٠٠\u{a0}XOF"));
    assert!(read_in("en").await.contains("250,000\u{a0}XOF"));
    let mut wrong = settings("XOF").to_vec();
    wrong.push(("programme_digits", "roman"));
    let res = pm.post_form("/programme/settings", &csrf, &wrong).await;
    assert_eq!(res.status(), 422, "a choice not offered is refused");
    assert!(
        read_in("ar").await.contains("٢٥٠٬٠٠٠\u{a0}XOF"),
        "and changes nothing"
    );
    // Another server sharing the database switches back to Western digits: this one's Arabic
    // pages follow at once.
    app.store
        .set_setting(
            store::setting::DIGITS,
            "western".into(),
            store::AuditContext::system(time::OffsetDateTime::now_utc(), "another server"),
        )
        .await
        .unwrap();
    assert!(read_in("ar").await.contains("250,000\u{a0}XOF"));
}

#[tokio::test]
async fn whole_numbers_of_community_records_are_grouped_by_thousands() {
    let app = spawn_app().await;
    let office = app.office("DKR").await;
    app.user("pm.one", Role::ProgrammeManager, Some(office))
        .await;
    let pm = app.signed_in("pm.one").await;
    let csrf = pm.csrf("/communities/new").await;
    let res = pm
        .post_form(
            "/communities",
            &csrf,
            &[
                ("name", "Goudiry"),
                ("province", "Tambacounda"),
                ("population", "12000"),
            ],
        )
        .await;
    assert_eq!(res.status(), 303);
    let (_, page) = pm.get_text(&location(&res)).await;
    assert!(page.contains("12,000"), "{page}");
}
