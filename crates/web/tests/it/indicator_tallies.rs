//! Indicator figures of surveys read from the tallies: the API says where the figures came
//! from, a profile edited on the API moves them at once, an indicator the tallies do not keep
//! is counted from the surveys and says why, and a programme starting mid-quarter has that
//! quarter counted from the surveys.

use crate::common::*;
use crate::what_works::{install_survey_form, scored};
use domain::Role;
use domain::rss::Round;
use serde_json::Value;
use time::macros::date;

/// The M&E officer's pages' CSRF token, the officer and an API token of theirs.
struct Officer {
    me: Client,
    csrf: String,
    token: String,
}

/// A programme from `start`, one outcome, and an indicator of surveys with `conditions`
/// broken down by sex; answers the indicator's id.
async fn indicator(o: &Officer, start: &str, name: &str, conditions: &str) -> String {
    let res =
        o.me.post_form(
            "/registry/programmes",
            &o.csrf,
            &[
                ("name", name),
                ("objective", "Returnees reintegrate sustainably"),
                ("start", start),
            ],
        )
        .await;
    assert_eq!(res.status(), 303);
    let programme = location(&res)
        .trim_start_matches("/registry/programmes/")
        .to_string();
    let res =
        o.me.post_form(
            &format!("/registry/results?parent={programme}"),
            &o.csrf,
            &[
                ("level", "outcome"),
                ("statement", "Returnees are economically self-sufficient"),
                ("intervention", "individual"),
            ],
        )
        .await;
    assert_eq!(res.status(), 303);
    let result = location(&res)
        .trim_start_matches("/registry/results/")
        .to_string();
    let res =
        o.me.post_form(
            &format!("/registry/indicators?parent={result}"),
            &o.csrf,
            &[
                (
                    "statement",
                    "Returnees with a composite score of 0.5 or more",
                ),
                ("unit", "percentage"),
                ("source", "surveys"),
                ("numerator", conditions),
                ("frequency", "quarterly"),
                ("axes", "sex"),
            ],
        )
        .await;
    assert_eq!(res.status(), 303, "{}", res.text().await.unwrap());
    location(&res)
        .trim_start_matches("/registry/indicators/")
        .to_string()
}

async fn values(app: &TestApp, o: &Officer, indicator: &str, axis: &str) -> Value {
    api_get_json(
        app,
        &o.token,
        &format!("/api/v1/indicators/{indicator}/values?axis={axis}"),
    )
    .await
}

/// The (value, population) of a period and group.
fn figure(v: &Value, period: &str, group: Option<&str>) -> (Value, Value) {
    let row = v["values"]
        .as_array()
        .unwrap()
        .iter()
        .find(|r| r["period"] == period && r["group"].as_str() == group)
        .unwrap_or_else(|| panic!("{period} {group:?} in {v}"));
    (row["value"].clone(), row["tally"]["population"].clone())
}

#[tokio::test]
async fn survey_figures_come_from_the_tallies_and_follow_a_profile_edit() {
    let app = spawn_app().await;
    let office = app.office("DKR").await;
    let cm_user = app.user("cm.tal", Role::CaseManager, Some(office)).await;
    app.user("me.tal", Role::MeOfficer, Some(office)).await;
    install_survey_form(&app).await;
    let cm = app.signed_in("cm.tal").await;
    // Six women and four men surveyed in February 2026; scores 0.3 to 0.75, rising.
    let mut cases = Vec::new();
    for i in 0..10u32 {
        let sex = if i < 6 { "female" } else { "male" };
        let (id, _) = register_named(
            &app,
            &cm,
            &format!("Tal{}", char::from(b'a' + i as u8)),
            sex,
        )
        .await;
        let case: domain::CaseId = id.parse().unwrap();
        let score = f64::from(30 + 5 * i) / 100.0;
        scored(
            &app,
            &cm_user,
            case,
            Round::Baseline,
            date!(2026 - 02 - 10),
            score,
        )
        .await;
        cases.push(id);
    }
    // One returnee surveyed before the second programme starts (in its first quarter).
    scored(
        &app,
        &cm_user,
        cases[9].parse().unwrap(),
        Round::Intermediate,
        date!(2026 - 01 - 05),
        0.9,
    )
    .await;
    let me = app.signed_in("me.tal").await;
    let o = Officer {
        csrf: me.csrf("/results").await,
        token: api_token(&me).await,
        me,
    };

    // Counted from the tallies: 10 surveyed in 2026-Q1, 6 at 0.5 or more (i = 4 … 9).
    let kept = indicator(&o, "2026-01-01", "Tallied", "composite >= 0.5").await;
    let v = values(&app, &o, &kept, "").await;
    assert_eq!(v["meta"]["counted_from"], "tallies", "{v}");
    assert_eq!(figure(&v, "2026-Q1", None), (60.0.into(), 10.into()));
    // By sex: women i = 4, 5 of 6; men all 4.
    let by_sex = values(&app, &o, &kept, "sex").await;
    assert_eq!(by_sex["meta"]["counted_from"], "tallies");
    // Shares are given to one decimal.
    assert_eq!(
        figure(&by_sex, "2026-Q1", Some("female")),
        (33.3.into(), 6.into())
    );
    assert_eq!(
        figure(&by_sex, "2026-Q1", Some("male")),
        (100.0.into(), 4.into())
    );

    // A case manager corrects a returnee's sex on the API: the figures follow at once.
    let cm_token = api_token(&cm).await;
    let case: Value = api_get_json(&app, &cm_token, &format!("/api/v1/cases/{}", cases[5])).await;
    let mut profile = case["profile"].clone();
    profile["sex"] = "male".into();
    let res = cm
        .http
        .put(app.url(&format!("/api/v1/cases/{}", cases[5])))
        .bearer_auth(&cm_token)
        .json(&serde_json::json!({"version": case["version"], "profile": profile}))
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 200, "{}", res.text().await.unwrap());
    let by_sex = values(&app, &o, &kept, "sex").await;
    assert_eq!(figure(&by_sex, "2026-Q1", Some("female")).1, 5);
    assert_eq!(
        figure(&by_sex, "2026-Q1", Some("male")),
        (100.0.into(), 5.into())
    );

    // A threshold off the tallies' grid is counted from the surveys, and the API says why.
    let off_grid = indicator(&o, "2026-01-01", "Off the grid", "composite >= 0.33").await;
    let v = values(&app, &o, &off_grid, "").await;
    assert_eq!(v["meta"]["counted_from"], "records", "{v}");
    assert!(
        v["meta"]["reason"].as_str().unwrap().contains("0.05"),
        "{v}"
    );
    assert_eq!(figure(&v, "2026-Q1", None), (90.0.into(), 10.into()));

    // A programme from mid-January: its first quarter leaves out the survey of 5 January,
    // so that quarter is counted from the surveys (10 returnees, not the survey before).
    let late = indicator(&o, "2026-01-15", "Mid-quarter", "composite >= 0.5").await;
    let v = values(&app, &o, &late, "").await;
    assert_eq!(v["meta"]["counted_from"], "tallies_and_records", "{v}");
    assert_eq!(
        v["meta"]["recounted_periods"],
        serde_json::json!(["2026-Q1"])
    );
    assert_eq!(figure(&v, "2026-Q1", None), (60.0.into(), 10.into()));
}
