//! The results framework over HTTP: a programme, a result and indicators defined on the pages,
//! figures counted from the cases as registered (checked against the same figures counted here),
//! a value reported by hand with progress to target, and what a viewer sees.

use crate::common::*;
use domain::Role;

mod evaluation;
mod framework;

/// The office's case manager, signed in.
struct Journey {
    app: TestApp,
    cm: Client,
}

impl Journey {
    async fn start() -> Journey {
        let app = spawn_app().await;
        let office = app.office("DKR").await;
        app.office("THS").await;
        app.user("cm.dkr", Role::CaseManager, Some(office)).await;
        app.user("me.all", Role::MeOfficer, None).await;
        let cm = app.signed_in("cm.dkr").await;
        Journey { app, cm }
    }
}

/// An M&E officer of every office, signed in, with the CSRF token of the results pages.
struct MeOfficer {
    me: Client,
    csrf: String,
}

impl MeOfficer {
    async fn sign_in(j: &Journey) -> MeOfficer {
        let Journey { app, .. } = j;
        let me = app.signed_in("me.all").await;
        let csrf = me.csrf("/results").await;
        MeOfficer { me, csrf }
    }
}

/// A programme's fields, with its offices, countries and age bands.
fn programme(
    offices: &'static str,
    countries: &'static str,
    bands: &'static str,
) -> Vec<(&'static str, &'static str)> {
    vec![
        ("name", "Programme"),
        ("objective", "Returnees reintegrate sustainably"),
        ("start", "2026-01-01"),
        ("end", "2026-12-31"),
        ("offices", offices),
        ("countries", countries),
        ("age_bands", bands),
    ]
}

/// The rows of the first table of a page.
fn rows(page: &str) -> String {
    let t = &page[page.find("<tbody").unwrap()..];
    t[..t.find("</tbody>").unwrap()].to_string()
}

/// A programme's figures count only the returnees of its offices and countries, broken down by
/// its own age bands; age bands that do not read are refused with what was typed kept.
#[tokio::test]
async fn a_programme_counts_its_own_offices_countries_and_age_bands() {
    let j = Journey::start().await;
    two_returnees_to_senegal_born_five_years_apart_are_registered(&j).await;
    let m = MeOfficer::sign_in(&j).await;
    age_bands_that_do_not_read_and_unknown_offices_are_refused_with_what_was_typed(&m).await;
    let pages = three_programmes_count_the_returnees_registered_by_age_band(&m).await;
    the_dakar_programme_counts_one_returnee_in_each_of_its_last_two_bands(&pages).await;
    another_offices_and_another_countrys_programmes_count_nobody(&pages).await;
}

/// Two returnees to Senegal: born 1995 (30 at return in 2026) and 2000 (25).
async fn two_returnees_to_senegal_born_five_years_apart_are_registered(j: &Journey) {
    let Journey { app, cm } = j;
    register_named(app, cm, "Aminata", "female").await;
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
}

/// Age bands that do not read, and an office code no office has, are refused.
async fn age_bands_that_do_not_read_and_unknown_offices_are_refused_with_what_was_typed(
    m: &MeOfficer,
) {
    let MeOfficer { me, csrf } = m;
    let res = me
        .post_form(
            "/registry/programmes",
            csrf,
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
        .post_form("/registry/programmes", csrf, &programme("DKR\nXYZ", "", ""))
        .await;
    assert_eq!(res.status(), 422, "an office code no office has");
    assert!(
        res.text()
            .await
            .unwrap()
            .contains("codes of existing offices")
    );
}

/// Count the returnees registered, broken down by age band, in three programmes.
async fn three_programmes_count_the_returnees_registered_by_age_band(m: &MeOfficer) -> Vec<String> {
    let MeOfficer { me, csrf } = m;
    let mut pages = Vec::new();
    for (offices, countries, bands) in [
        ("dkr", "senegal", "0, 18, 30"),
        ("THS", "", ""),
        ("", "Mali", ""),
    ] {
        let res = me
            .post_form(
                "/registry/programmes",
                csrf,
                &programme(offices, countries, bands),
            )
            .await;
        assert_eq!(res.status(), 303);
        let p = id_after(&res, "/registry/programmes/");
        let res = me
            .post_form(
                &format!("/registry/results?parent={p}"),
                csrf,
                &[("level", "output"), ("statement", "Returnees registered")],
            )
            .await;
        let r = id_after(&res, "/registry/results/");
        let res = me
            .post_form(
                &format!("/registry/indicators?parent={r}"),
                csrf,
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
    pages
}

/// The Dakar programme in Senegal, bands 0–17, 18–29, 30+: one returnee in each of the last two.
async fn the_dakar_programme_counts_one_returnee_in_each_of_its_last_two_bands(pages: &[String]) {
    let dakar = rows(&pages[0]);
    assert!(
        dakar.contains("<td>2026</td><td>18–29</td><td><a"),
        "{dakar}"
    );
    assert!(dakar.contains("group=18%E2%80%9329\">1</a>"));
    assert!(dakar.contains("group=30%2B\">1</a>"));
}

/// Another office's programme and another country's count nobody.
async fn another_offices_and_another_countrys_programmes_count_nobody(pages: &[String]) {
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
