//! The selection checklist as a programme manager configures it: weights, essential criteria,
//! criteria of the programme's own and the shortlist's size, and what they do to the ranking.

use crate::common::*;
use domain::Role;

/// The value of the hidden input `name` of a page.
fn hidden(html: &str, name: &str) -> String {
    let marker = format!("name=\"{name}\" value=\"");
    let start = html
        .find(&marker)
        .unwrap_or_else(|| panic!("no input {name}"))
        + marker.len();
    html[start..].split('"').next().unwrap().to_string()
}

/// The office's programme and case managers, signed in.
struct Journey {
    _app: TestApp,
    pm: Client,
    cm: Client,
}

impl Journey {
    async fn start() -> Journey {
        let app = spawn_app().await;
        let office = app.office("DKR").await;
        app.user("pm.dkr", Role::ProgrammeManager, Some(office))
            .await;
        app.user("cm.dkr", Role::CaseManager, Some(office)).await;
        let pm = app.signed_in("pm.dkr").await;
        let cm = app.signed_in("cm.dkr").await;
        Journey { _app: app, pm, cm }
    }
}

/// The checklist's form as the programme manager posts it, with their CSRF token.
struct Checklist<'a> {
    pm: &'a Client,
    csrf: String,
}

impl<'a> Checklist<'a> {
    async fn new(j: &'a Journey) -> Checklist<'a> {
        let Journey { pm, .. } = j;
        let csrf = pm.csrf("/communities/criteria").await;
        Checklist { pm, csrf }
    }

    /// Posts the checklist's `fields`.
    async fn post(&self, fields: Vec<(String, String)>) -> reqwest::Response {
        let Checklist { pm, csrf } = self;
        let refs: Vec<(&str, &str)> = fields
            .iter()
            .map(|(k, v)| (k.as_str(), v.as_str()))
            .collect();
        pm.post_form("/communities/criteria", csrf, &refs).await
    }
}

/// The checklist's fields: every criterion's weight (1 unless in `weights`), `extra` fields and
/// the version the form was `based_on`.
fn form(weights: &[(&str, &str)], extra: &[(&str, &str)], based_on: &str) -> Vec<(String, String)> {
    let keys = domain::community::HANDBOOK_CRITERIA.map(|(k, _)| k);
    let mut f: Vec<(String, String)> = keys
        .iter()
        .map(|k| {
            let w = weights
                .iter()
                .find(|(x, _)| x == k)
                .map_or("1", |(_, w)| *w);
            (format!("weight_{k}"), w.to_string())
        })
        .collect();
    f.extend(extra.iter().map(|(k, v)| (k.to_string(), v.to_string())));
    f.push(("based_on".into(), based_on.to_string()));
    f
}

#[tokio::test]
async fn a_programme_manager_configures_the_selection_checklist() {
    let j = Journey::start().await;
    let based_on = only_a_programme_manager_opens_the_selection_checklist(&j).await;
    let checklist = Checklist::new(&j).await;
    a_bad_shortlist_size_is_refused_with_what_was_typed_kept(&checklist, &based_on).await;
    weights_essentials_own_criteria_and_the_shortlist_size_are_saved(&checklist, &based_on).await;
    a_stale_form_is_refused_then_saved_from_the_page_it_came_back_on(&checklist, &based_on).await;
    an_essential_criterion_keeps_a_community_off_the_shortlist(&j).await;
}

/// Only a programme manager opens the checklist, which starts from the handbook's criteria.
async fn only_a_programme_manager_opens_the_selection_checklist(j: &Journey) -> String {
    let Journey { pm, cm, .. } = j;
    assert_eq!(cm.get("/communities/criteria").await.status(), 403);
    let (status, page) = pm.get_text("/communities/criteria").await;
    assert_eq!(status, 200);
    assert!(page.contains("Many returnees live there"));
    hidden(&page, "based_on")
}

/// A bad shortlist size is refused with what was typed kept, the new criterion in its box.
async fn a_bad_shortlist_size_is_refused_with_what_was_typed_kept(
    checklist: &Checklist<'_>,
    based_on: &str,
) {
    let res = checklist
        .post(form(
            &[("high_return_concentration", "3")],
            &[
                ("shortlist_size", "many"),
                ("new_label", "Women's groups are active"),
            ],
            based_on,
        ))
        .await;
    assert_eq!(res.status(), 422);
    let refused = res.text().await.unwrap();
    assert!(refused.contains("Give a number from 1 to 50."));
    assert!(refused.contains("value=\"many\""));
    assert!(
        refused.contains("value=\"Women&#x27;s groups are active\"")
            || refused.contains("value=\"Women&#39;s groups are active\"")
    );
    assert!(
        !refused.contains("<td>Women"),
        "not also listed as a criterion"
    );
}

/// Saved: weight 3, an essential criterion, a criterion of the programme, a shortlist of 2.
async fn weights_essentials_own_criteria_and_the_shortlist_size_are_saved(
    checklist: &Checklist<'_>,
    based_on: &str,
) {
    let Checklist { pm, .. } = checklist;
    let res = checklist
        .post(form(
            &[("high_return_concentration", "3")],
            &[
                ("essential_authorities_motivated", "yes"),
                ("new_label", "Women's groups are active"),
                ("shortlist_size", "2"),
            ],
            based_on,
        ))
        .await;
    assert_eq!(res.status(), 303);
    let (_, list) = pm.get_text("/communities").await;
    assert!(list.contains("Many returnees live there (×3)"));
    assert!(list.contains("Local authorities are motivated to support reintegration — essential"));
    assert!(
        list.contains("Women&#x27;s groups are active")
            || list.contains("Women&#39;s groups are active")
    );
    assert!(list.contains("The first 2 communities"));
}

/// A form loaded before that save is stale: refused, shown again as typed.
async fn a_stale_form_is_refused_then_saved_from_the_page_it_came_back_on(
    checklist: &Checklist<'_>,
    based_on: &str,
) {
    let res = checklist
        .post(form(
            &[("high_return_concentration", "5")],
            &[("shortlist_size", "4")],
            based_on,
        ))
        .await;
    assert_eq!(res.status(), 409);
    let stale = res.text().await.unwrap();
    assert!(stale.contains("value=\"4\""));
    assert!(stale.contains("<option value=\"5\" selected>"));
    // Saving from the page it came back on goes through.
    let fresh = hidden(&stale, "based_on");
    assert_ne!(fresh, based_on);
    let marker = "name=\"weight_";
    let own = stale
        .match_indices(marker)
        .map(|(i, _)| stale[i + marker.len()..].split('"').next().unwrap())
        .find(|k| k.starts_with("programme_"))
        .unwrap()
        .to_string();
    let own_weight = format!("weight_{own}");
    let res = checklist
        .post(form(
            &[("high_return_concentration", "5")],
            &[
                ("shortlist_size", "4"),
                ("essential_authorities_motivated", "yes"),
                (&own_weight, "2"),
            ],
            &fresh,
        ))
        .await;
    assert_eq!(res.status(), 303);
}

/// The essential criterion keeps a community off the shortlist, and says why.
async fn an_essential_criterion_keeps_a_community_off_the_shortlist(j: &Journey) {
    let Journey { cm, .. } = j;
    let ccsrf = cm.csrf("/communities/new").await;
    let res = cm
        .post_form(
            "/communities",
            &ccsrf,
            &[("name", "Kidira"), ("province", "Tambacounda")],
        )
        .await;
    assert_eq!(res.status(), 303);
    let kidira = location(&res);
    let (_, page) = cm.get_text(&kidira).await;
    let res = cm
        .post_form(
            &format!("{kidira}/selection"),
            &ccsrf,
            &[
                ("version", &field_value(&page, "version")),
                ("status_high_return_concentration", "met"),
                ("status_authorities_motivated", "not_met"),
            ],
        )
        .await;
    assert_eq!(res.status(), 303);
    let (_, list) = cm.get_text("/communities").await;
    assert!(
        list.contains(
            "Left out: not met — Local authorities are motivated to support reintegration"
        )
    );
    assert!(!list.contains(">Shortlisted<"));
}
