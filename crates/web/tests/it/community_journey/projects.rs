//! A community made from the places written on the cases, ranked on its checklist, and a
//! collective project screened, selected, staffed and visited, then seen from the returnee's case
//! and by a viewer.

use super::page_version;
use crate::common::*;
use domain::Role;
use serde_json::json;

/// The value of a text input of the record forms (`name` comes before `type` and `value`).
fn input_value(html: &str, name: &str) -> String {
    let start = html
        .find(&format!("name=\"{name}\" type="))
        .unwrap_or_else(|| panic!("no input {name}"));
    let rest = &html[start..];
    let v = rest.find("value=\"").unwrap() + 7;
    rest[v..].split('"').next().unwrap().to_string()
}

/// The office's case manager, signed in, and two returnees of Goudiry: Aminata and Ibrahima.
struct Journey {
    app: TestApp,
    cm: Client,
    aminata: String,
    aminata_no: String,
    ibrahima_no: String,
}

impl Journey {
    async fn start() -> Journey {
        let app = spawn_app().await;
        let office = app.office("DKR").await;
        app.user("cm.dkr", Role::CaseManager, Some(office)).await;
        app.user("pm.dkr", Role::ProgrammeManager, Some(office))
            .await;
        app.user("viewer.all", Role::Viewer, None).await;
        let cm = app.signed_in("cm.dkr").await;
        let (aminata, aminata_no) = register_named(&app, &cm, "Aminata", "female").await;
        let (_ibrahima, ibrahima_no) = register_named(&app, &cm, "Ibrahima", "male").await;
        Journey {
            app,
            cm,
            aminata,
            aminata_no,
            ibrahima_no,
        }
    }
}

/// The collective project, its community and the case manager's CSRF token.
struct Project {
    csrf: String,
    community: String,
    project: String,
    path: String,
}

#[tokio::test]
async fn a_community_project_from_places_of_return_to_the_returnees_plan() {
    let j = Journey::start().await;
    let csrf = the_place_written_on_both_cases_is_offered_for_a_new_community(&j).await;
    let (community, page) = bad_input_is_refused_then_the_community_is_made(&j, &csrf).await;
    let page = the_checklist_ranks_the_better_community_first(&j, &csrf, &community, &page).await;
    let sub = the_profile_is_filled_about_the_community(&j, &csrf, &community, &page).await;
    let (project, path) = a_project_is_screened_before_it_can_start(&j, &csrf, &community).await;
    let p = Project {
        csrf,
        community,
        project,
        path,
    };
    let tomorrow = the_three_selection_stages_come_in_order_and_not_dated_tomorrow(&j, &p).await;
    a_stale_page_or_a_note_too_long_is_refused_then_the_project_starts(&j, &p).await;
    returnees_and_community_members_take_part_and_the_mix_is_shown(&j, &p, &tomorrow).await;
    a_monitoring_visit_is_recorded_with_its_findings(&j, &p).await;
    community_members_say_how_satisfied_they_are(&j, &p).await;
    the_project_is_on_the_returnees_case_page_plan_and_timeline(&j).await;
    a_viewer_sees_counts_never_names(&j, &p, &sub).await;
    a_returnee_leaves_and_the_mix_and_the_case_follow(&j, &p).await;
}

/// The place written on both cases is offered for a new community.
async fn the_place_written_on_both_cases_is_offered_for_a_new_community(j: &Journey) -> String {
    let Journey { cm, .. } = j;
    let (status, page) = cm.get_text("/communities").await;
    assert_eq!(status, 200);
    assert!(page.contains("Places of return without a community"));
    assert!(page.contains("Goudiry"));
    let (_, form) = cm
        .get_text("/communities/new?province=Tambacounda&place=Goudiry")
        .await;
    assert_eq!(input_value(&form, "province"), "Tambacounda");
    csrf_of(&form)
}

/// Bad input is refused with the typed values kept; then the community holds both cases.
async fn bad_input_is_refused_then_the_community_is_made(
    j: &Journey,
    csrf: &str,
) -> (String, String) {
    let Journey { cm, .. } = j;
    let res = cm
        .post_form(
            "/communities",
            csrf,
            &[
                ("name", "Goudiry"),
                ("province", ""),
                ("population", "many"),
            ],
        )
        .await;
    assert_eq!(res.status(), 422);
    let page = res.text().await.unwrap();
    assert!(page.contains("This is required."));
    assert!(page.contains("Enter a whole number of 0 or more, in digits."));
    assert!(page.contains("value=\"many\""));
    let res = cm
        .post_form(
            "/communities",
            csrf,
            &[
                ("name", "Goudiry"),
                ("province", "Tambacounda"),
                ("places", "Goudiry\nBala"),
                ("population", "12000"),
                ("migration_pressure", "high"),
            ],
        )
        .await;
    assert_eq!(res.status(), 303);
    let community = id_after(&res, "/communities/");
    let (_, page) = cm.get_text(&format!("/communities/{community}")).await;
    assert!(
        page.contains("Registered returnees: 2"),
        "both cases belong to it"
    );
    assert!(page.contains("Aminata Diallo"));
    (community, page)
}

/// A second community, assessed on the checklist: the ranking puts the better one first.
async fn the_checklist_ranks_the_better_community_first(
    j: &Journey,
    csrf: &str,
    community: &str,
    page: &str,
) -> String {
    let Journey { cm, .. } = j;
    let res = cm
        .post_form(
            "/communities",
            csrf,
            &[("name", "Kidira"), ("province", "Tambacounda")],
        )
        .await;
    let kidira = id_after(&res, "/communities/");
    let version = field_value(page, "version");
    let res = cm
        .post_form(
            &format!("/communities/{community}/selection"),
            csrf,
            &[
                ("version", &version),
                ("status_high_return_concentration", "met"),
                (
                    "evidence_high_return_concentration",
                    "Two returns this year, 40 estimated",
                ),
                ("status_authorities_motivated", "met"),
                ("status_services_available", "partly_met"),
            ],
        )
        .await;
    assert_eq!(res.status(), 303);
    let (_, page) = cm.get_text(&format!("/communities/{kidira}")).await;
    let res = cm
        .post_form(
            &format!("/communities/{kidira}/selection"),
            csrf,
            &[
                ("version", &field_value(&page, "version")),
                ("status_authorities_motivated", "not_met"),
            ],
        )
        .await;
    assert_eq!(res.status(), 303);
    let (_, list) = cm.get_text("/communities").await;
    let goudiry_at = list.find(">Goudiry</a>").unwrap();
    let kidira_at = list.find(">Kidira</a>").unwrap();
    assert!(goudiry_at < kidira_at, "ranked first");
    assert!(list.contains("Shortlisted"));
    // The checklist's evidence stays with the community.
    let (_, page) = cm.get_text(&format!("/communities/{community}")).await;
    assert!(page.contains("Two returns this year, 40 estimated"));
    // A stale checklist is refused.
    let res = cm
        .post_form(
            &format!("/communities/{community}/selection"),
            csrf,
            &[("version", "1")],
        )
        .await;
    assert_eq!(res.status(), 409);
    // Evidence too long is refused with that reason, and kept.
    let long = "e".repeat(domain::case::MAX_LONG_TEXT + 1);
    let res = cm
        .post_form(
            &format!("/communities/{community}/selection"),
            csrf,
            &[
                ("version", &field_value(&page, "version")),
                ("status_authorities_motivated", "met"),
                ("evidence_authorities_motivated", &long),
            ],
        )
        .await;
    assert_eq!(res.status(), 422);
    let refused = res.text().await.unwrap();
    assert!(refused.contains("This is too long."));
    assert!(!refused.contains("Choose a status for every criterion."));
    assert!(refused.contains(&long));
    page
}

/// The profile instrument is filled about the community, not offered on cases.
async fn the_profile_is_filled_about_the_community(
    j: &Journey,
    csrf: &str,
    community: &str,
    page: &str,
) -> String {
    let Journey { cm, aminata, .. } = j;
    let (_, case_page) = cm.get_text(&format!("/cases/{aminata}")).await;
    assert!(!case_page.contains("value=\"community_profile\""));
    assert!(page.contains("value=\"community_profile\""));
    let res = cm
        .post_form(
            &format!("/records/{community}/submissions"),
            csrf,
            &[("form_id", "community_profile")],
        )
        .await;
    assert_eq!(res.status(), 303);
    let sub = location(&res);
    let (status, form_page) = cm.get_text(&sub).await;
    assert_eq!(status, 200);
    assert!(form_page.contains("Community profile"));
    let res = cm
        .post_form(
            &sub,
            csrf,
            &[
                ("_action", "save"),
                ("_version", "1"),
                ("_interview_date", "2026-03-01"),
            ],
        )
        .await;
    assert_eq!(res.status(), 200);
    assert!(res.text().await.unwrap().contains("Draft saved"));
    sub
}

/// A collective project: the start is refused until it is screened; a drawback keeps it out.
async fn a_project_is_screened_before_it_can_start(
    j: &Journey,
    csrf: &str,
    community: &str,
) -> (String, String) {
    let Journey { cm, .. } = j;
    let res = cm
        .post_form(
            &format!("/communities/{community}/projects"),
            csrf,
            &[
                ("name", "Goudiry poultry cooperative"),
                ("kind", "collective_income"),
                ("budget", "4500000"),
                ("currency", "xof"),
            ],
        )
        .await;
    assert_eq!(res.status(), 303);
    let project = id_after(&res, "/projects/");
    let path = format!("/projects/{project}");
    // The project's type and a participant's type are asked as what they are.
    let (_, page) = cm.get_text(&path).await;
    assert!(page.contains("Type of project") && page.contains("Type of participant"));
    assert!(!page.contains("Kind of stakeholder"));
    let v = page_version(cm, &path).await;
    let res = cm
        .post_form(
            &format!("{path}/lifecycle"),
            csrf,
            &[("step", "start"), ("on", "2026-03-01"), ("version", &v)],
        )
        .await;
    assert_eq!(res.status(), 422);
    assert!(
        res.text()
            .await
            .unwrap()
            .contains("Screen the project first.")
    );
    let mut screening: Vec<(&str, &str)> = vec![("on", "2026-03-01")];
    for k in domain::community::POSITIVE_CRITERIA {
        screening.push((k, "yes"));
    }
    for k in domain::community::NEGATIVE_CRITERIA {
        screening.push((k, if k == "not_viable" { "yes" } else { "no" }));
    }
    let v = page_version(cm, &path).await;
    let mut first = screening.clone();
    first.push(("version", &v));
    let res = cm
        .post_form(&format!("{path}/screening"), csrf, &first)
        .await;
    assert_eq!(res.status(), 303);
    let (_, page) = cm.get_text(&path).await;
    assert!(page.contains("Drawbacks found: Assessed as not viable"));
    assert!(page.contains("Not retained"));
    let screening: Vec<(&str, &str)> = screening
        .into_iter()
        .map(|(k, v)| if k == "not_viable" { (k, "no") } else { (k, v) })
        .collect();
    let v = page_version(cm, &path).await;
    let mut screening = screening;
    screening.push(("version", &v));
    let res = cm
        .post_form(&format!("{path}/screening"), csrf, &screening)
        .await;
    assert_eq!(res.status(), 303);
    (project, path)
}

/// Then the project is selected in three stages, in order, never on a decision dated tomorrow.
async fn the_three_selection_stages_come_in_order_and_not_dated_tomorrow(
    j: &Journey,
    p: &Project,
) -> String {
    let Journey { cm, .. } = j;
    let Project { csrf, path, .. } = p;
    let stage = |stage: &'static str| {
        let path = path.clone();
        let csrf = csrf.clone();
        let cm = &cm;
        async move {
            let v = page_version(cm, &path).await;
            cm.post_form(
                &format!("{path}/selection"),
                &csrf,
                &[
                    ("stage", stage),
                    ("passed", "yes"),
                    ("on", "2026-03-02"),
                    ("version", &v),
                ],
            )
            .await
            .status()
        }
    };
    assert_eq!(stage("initial").await, 422, "stages come in order");
    // A decision dated tomorrow comes back with what was typed and why.
    let tomorrow = (crate::common::today() + time::Duration::days(1)).to_string();
    let v = page_version(cm, path).await;
    let res = cm
        .post_form(
            &format!("{path}/selection"),
            csrf,
            &[
                ("stage", "pre_selection"),
                ("passed", "no"),
                ("on", &tomorrow),
                ("note", "Committee of 12 March"),
                ("version", &v),
            ],
        )
        .await;
    assert_eq!(res.status(), 422);
    let page = res.text().await.unwrap();
    assert!(page.contains("This date is in the future."));
    assert!(page.contains("value=\"Committee of 12 March\""));
    assert!(page.contains(&format!("value=\"{tomorrow}\"")));
    assert!(page.contains("<option value=\"no\" selected>"));
    // Until its final selection the project says why it cannot start, instead of a button.
    let (_, page) = cm.get_text(path).await;
    assert!(
        page.contains("A collective income-generating project starts after its final selection.")
    );
    assert!(!page.contains("value=\"start\""));
    for s in ["pre_selection", "initial", "final"] {
        assert_eq!(stage(s).await, 303, "{s}");
    }
    let (_, page) = cm.get_text(path).await;
    assert!(page.contains("value=\"start\""));
    assert!(!page.contains("id=\"start-blocked\""));
    tomorrow
}

/// A page read before the last decision is stale; a note too long is refused; then it starts.
async fn a_stale_page_or_a_note_too_long_is_refused_then_the_project_starts(
    j: &Journey,
    p: &Project,
) {
    let Journey { cm, .. } = j;
    let Project { csrf, path, .. } = p;
    let res = cm
        .post_form(
            &format!("{path}/lifecycle"),
            csrf,
            &[("step", "start"), ("on", "2026-03-05"), ("version", "2")],
        )
        .await;
    assert_eq!(res.status(), 409);
    let v = page_version(cm, path).await;
    let long = "n".repeat(domain::case::MAX_LONG_TEXT + 1);
    let res = cm
        .post_form(
            &format!("{path}/lifecycle"),
            csrf,
            &[
                ("step", "stop"),
                ("on", "2026-03-05"),
                ("note", &long),
                ("version", &v),
            ],
        )
        .await;
    assert_eq!(res.status(), 422, "a note too long is refused, not cut");
    let page = res.text().await.unwrap();
    assert!(page.contains("This is too long."));
    assert!(page.contains(&format!("value=\"{long}\"")), "and kept");
    let res = cm
        .post_form(
            &format!("{path}/lifecycle"),
            csrf,
            &[("step", "start"), ("on", "2026-03-05"), ("version", &v)],
        )
        .await;
    assert_eq!(res.status(), 303);
}

/// Two returnees and three community members; the mix is shown.
async fn returnees_and_community_members_take_part_and_the_mix_is_shown(
    j: &Journey,
    p: &Project,
    tomorrow: &str,
) {
    let Journey {
        cm,
        aminata_no,
        ibrahima_no,
        ..
    } = j;
    let Project { csrf, path, .. } = p;
    let add = |fields: Vec<(&'static str, String)>| fields;
    let participants = [
        add(vec![
            ("kind", "returnee".into()),
            ("case_number", aminata_no.clone()),
            ("role", "leader".into()),
        ]),
        add(vec![
            ("kind", "returnee".into()),
            ("case_number", ibrahima_no.clone()),
            ("role", "member".into()),
        ]),
        add(vec![
            ("kind", "community_member".into()),
            ("name", "Fatou Ba".into()),
            ("sex", "female".into()),
            ("role", "member".into()),
        ]),
        add(vec![
            ("kind", "community_member".into()),
            ("name", "Ousmane Sy".into()),
            ("sex", "male".into()),
            ("role", "mentor".into()),
        ]),
        add(vec![
            ("kind", "community_member".into()),
            ("name", "Awa Ndiaye".into()),
            ("sex", "female".into()),
            ("role", "member".into()),
        ]),
    ];
    for p in &participants {
        let v = page_version(cm, path).await;
        let mut fields: Vec<(&str, &str)> = p.iter().map(|(k, v)| (*k, v.as_str())).collect();
        fields.push(("joined", "2026-03-05"));
        fields.push(("version", &v));
        let res = cm
            .post_form(&format!("{path}/participants"), csrf, &fields)
            .await;
        assert_eq!(res.status(), 303, "{p:?}");
    }
    // The same returnee twice, or an unknown case number, is refused.
    let v = page_version(cm, path).await;
    let res = cm
        .post_form(
            &format!("{path}/participants"),
            csrf,
            &[
                ("kind", "returnee"),
                ("case_number", aminata_no),
                ("role", "member"),
                ("joined", "2026-03-05"),
                ("version", &v),
            ],
        )
        .await;
    assert_eq!(res.status(), 422);
    assert!(
        res.text()
            .await
            .unwrap()
            .contains("This returnee already takes part.")
    );
    let res = cm
        .post_form(
            &format!("{path}/participants"),
            csrf,
            &[
                ("kind", "returnee"),
                ("case_number", "NOPE-1"),
                ("role", "member"),
                ("joined", "2026-03-05"),
            ],
        )
        .await;
    assert_eq!(res.status(), 422);
    // Joining tomorrow is refused with the form as typed.
    let res = cm
        .post_form(
            &format!("{path}/participants"),
            csrf,
            &[
                ("kind", "community_member"),
                ("name", "Mariama Kane"),
                ("role", "member"),
                ("joined", tomorrow),
            ],
        )
        .await;
    assert_eq!(res.status(), 422);
    let page = res.text().await.unwrap();
    assert!(page.contains("This date is in the future."));
    assert!(page.contains("Mariama Kane"), "what was typed is kept");
    let (_, page) = cm.get_text(path).await;
    assert!(page.contains("Several returnees and several community members take part."));
    assert!(page.contains("40 % of participants are returnees"));
    assert!(page.contains("Fatou Ba"));
    assert!(page.contains("Aminata Diallo"));
}

/// A monitoring visit: findings are required.
async fn a_monitoring_visit_is_recorded_with_its_findings(j: &Journey, p: &Project) {
    let Journey { cm, .. } = j;
    let Project { csrf, path, .. } = p;
    let res = cm
        .post_form(
            &format!("{path}/visits"),
            csrf,
            &[
                ("on", "2026-04-01"),
                ("rating", "some_concerns"),
                ("findings", ""),
            ],
        )
        .await;
    assert_eq!(res.status(), 422, "findings are required");
    let res = cm
        .post_form(
            &format!("{path}/visits"),
            csrf,
            &[
                ("on", "2026-04-01"),
                ("rating", "some_concerns"),
                ("participants_met", "4"),
                ("findings", "Feed prices doubled"),
            ],
        )
        .await;
    assert_eq!(res.status(), 303);
    let (_, page) = cm.get_text(path).await;
    assert!(page.contains("Feed prices doubled"));
    assert!(page.contains("Some concerns"));
}

/// Community members say how satisfied they are, through the shipped questionnaire.
async fn community_members_say_how_satisfied_they_are(j: &Journey, p: &Project) {
    let Journey { cm, .. } = j;
    let Project {
        csrf,
        project,
        path,
        ..
    } = p;
    let res = cm
        .post_form(
            &format!("/records/{project}/submissions"),
            csrf,
            &[("form_id", "community_satisfaction")],
        )
        .await;
    assert_eq!(res.status(), 303);
    let questionnaire = location(&res);
    let today = crate::common::today().to_string();
    let res = cm
        .post_form(
            &questionnaire,
            csrf,
            &[
                ("_action", "submit"),
                ("_version", "1"),
                ("_interview_date", &today),
                ("a:interview_date", &today),
                ("a:respondent", "community_member"),
                ("a:involvement", "participant"),
                ("a:satisfaction", "very_satisfied"),
            ],
        )
        .await;
    assert_eq!(
        res.status(),
        303,
        "{}",
        res.text().await.unwrap_or_default()
    );
    let (_, page) = cm.get_text(path).await;
    assert!(page.contains("1 of 1 community members who answered are satisfied."));
}

/// The project is on the returnee's case page, plan and timeline.
async fn the_project_is_on_the_returnees_case_page_plan_and_timeline(j: &Journey) {
    let Journey {
        app, cm, aminata, ..
    } = j;
    let (_, case_page) = cm.get_text(&format!("/cases/{aminata}")).await;
    assert!(case_page.contains("Goudiry poultry cooperative"));
    assert!(case_page.contains("Community and structural context"));
    let (_, plan) = cm.get_text(&format!("/cases/{aminata}/plan")).await;
    assert!(plan.contains("Goudiry poultry cooperative"));
    assert!(plan.contains("Leader"));
    let (_, audit) = app
        .signed_in("pm.dkr")
        .await
        .get_text(&format!("/cases/{aminata}/audit"))
        .await;
    assert!(audit.contains("Goudiry poultry cooperative"));
}

/// A viewer sees counts, never names; the participants API and the forms refuse them.
async fn a_viewer_sees_counts_never_names(j: &Journey, p: &Project, sub: &str) {
    let Journey { app, .. } = j;
    let Project {
        community,
        project,
        path,
        ..
    } = p;
    let viewer = app.signed_in("viewer.all").await;
    let (status, page) = viewer.get_text(path).await;
    assert_eq!(status, 200);
    assert!(!page.contains("Fatou Ba"));
    assert!(!page.contains("Aminata"));
    assert!(!page.contains("Feed prices doubled"));
    assert!(page.contains("Your role shows how many people take part, not who."));
    assert!(page.contains("fewer than 5") || page.contains("Fewer than 5"));
    assert!(page.contains("Too few people take part to show how the group is made up."));
    assert!(!page.contains("% of participants are returnees"));
    let (status, page) = viewer.get_text(&format!("/communities/{community}")).await;
    assert_eq!(status, 200);
    assert!(!page.contains("Aminata"));
    assert!(!page.contains("Returnees registered here"));
    assert_eq!(viewer.get(sub).await.status(), 403);
    let token = api_token(&viewer).await;
    let res = viewer
        .http
        .get(app.url(&format!(
            "/api/v1/community-projects/{project}/participants"
        )))
        .bearer_auth(&token)
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 403);
    let body: serde_json::Value = viewer
        .http
        .get(app.url(&format!("/api/v1/community-projects/{project}")))
        .bearer_auth(&token)
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    // Two returnees and three members are cells under 5: a viewer gets no counts, and no verdict
    // either (one kind says a group has a single person).
    assert_eq!(body["mix"], json!(null));
    assert_eq!(body["mix_verdict"], json!(null));
    assert_eq!(body["participants"], json!([]));
    assert!(!body.to_string().contains("Fatou"));
}

/// A returnee leaves: the mix and the case follow.
async fn a_returnee_leaves_and_the_mix_and_the_case_follow(j: &Journey, p: &Project) {
    let Journey { cm, aminata, .. } = j;
    let Project { csrf, path, .. } = p;
    let (_, page) = cm.get_text(path).await;
    let marker = "/participants/";
    let start = page.find(marker).unwrap() + marker.len();
    let pid = &page[start..start + 36];
    let v = page_version(cm, path).await;
    let res = cm
        .post_form(
            &format!("{path}/participants/{pid}/leave"),
            csrf,
            &[("on", "2026-05-01"), ("version", &v)],
        )
        .await;
    assert_eq!(res.status(), 303);
    let (_, plan) = cm.get_text(&format!("/cases/{aminata}/plan")).await;
    assert!(
        !plan.contains("Goudiry poultry cooperative"),
        "no longer taking part"
    );
}
