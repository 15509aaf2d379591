//! The community and structural levels over HTTP: a community made from cases' places, its
//! checklist and ranking, a project screened, selected, staffed and visited, the project on the
//! returnee's case and plan; what a viewer may and may not see; the structural records and the
//! JSON API.

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

/// The version a project page's forms are based on.
async fn page_version(c: &Client, path: &str) -> String {
    field_value(&c.get_text(path).await.1, "version")
}

#[tokio::test]
async fn a_community_project_from_places_of_return_to_the_returnees_plan() {
    let app = spawn_app().await;
    let office = app.office("DKR").await;
    app.user("cm.dkr", Role::CaseManager, Some(office)).await;
    app.user("pm.dkr", Role::ProgrammeManager, Some(office))
        .await;
    app.user("viewer.all", Role::Viewer, None).await;
    let cm = app.signed_in("cm.dkr").await;
    let (aminata, aminata_no) = register_named(&app, &cm, "Aminata", "female").await;
    let (_ibrahima, ibrahima_no) = register_named(&app, &cm, "Ibrahima", "male").await;

    // The place written on both cases is offered for a new community.
    let (status, page) = cm.get_text("/communities").await;
    assert_eq!(status, 200);
    assert!(page.contains("Places of return without a community"));
    assert!(page.contains("Goudiry"));
    let (_, form) = cm
        .get_text("/communities/new?province=Tambacounda&place=Goudiry")
        .await;
    assert_eq!(input_value(&form, "province"), "Tambacounda");
    let csrf = csrf_of(&form);

    // Bad input is refused with the typed values kept.
    let res = cm
        .post_form(
            "/communities",
            &csrf,
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
    assert!(page.contains("Enter a whole number."));
    assert!(page.contains("value=\"many\""));
    let res = cm
        .post_form(
            "/communities",
            &csrf,
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

    // A second community, assessed on the checklist: the ranking puts the better one first.
    let res = cm
        .post_form(
            "/communities",
            &csrf,
            &[("name", "Kidira"), ("province", "Tambacounda")],
        )
        .await;
    let kidira = id_after(&res, "/communities/");
    let version = field_value(&page, "version");
    let res = cm
        .post_form(
            &format!("/communities/{community}/selection"),
            &csrf,
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
            &csrf,
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
            &csrf,
            &[("version", "1")],
        )
        .await;
    assert_eq!(res.status(), 409);
    // Evidence too long is refused with that reason, and kept.
    let long = "e".repeat(domain::case::MAX_LONG_TEXT + 1);
    let res = cm
        .post_form(
            &format!("/communities/{community}/selection"),
            &csrf,
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

    // The profile instrument is filled about the community, not offered on cases.
    let (_, case_page) = cm.get_text(&format!("/cases/{aminata}")).await;
    assert!(!case_page.contains("value=\"community_profile\""));
    assert!(page.contains("value=\"community_profile\""));
    let res = cm
        .post_form(
            &format!("/records/{community}/submissions"),
            &csrf,
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
            &csrf,
            &[
                ("_action", "save"),
                ("_version", "1"),
                ("_interview_date", "2026-03-01"),
            ],
        )
        .await;
    assert_eq!(res.status(), 200);
    assert!(res.text().await.unwrap().contains("Draft saved"));

    // A collective project: screened, selected in three stages, then started.
    let res = cm
        .post_form(
            &format!("/communities/{community}/projects"),
            &csrf,
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
    let v = page_version(&cm, &path).await;
    let res = cm
        .post_form(
            &format!("{path}/lifecycle"),
            &csrf,
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
    let v = page_version(&cm, &path).await;
    let mut first = screening.clone();
    first.push(("version", &v));
    let res = cm
        .post_form(&format!("{path}/screening"), &csrf, &first)
        .await;
    assert_eq!(res.status(), 303);
    let (_, page) = cm.get_text(&path).await;
    assert!(page.contains("Drawbacks found: Assessed as not viable"));
    assert!(page.contains("Not retained"));
    let screening: Vec<(&str, &str)> = screening
        .into_iter()
        .map(|(k, v)| if k == "not_viable" { (k, "no") } else { (k, v) })
        .collect();
    let v = page_version(&cm, &path).await;
    let mut screening = screening;
    screening.push(("version", &v));
    let res = cm
        .post_form(&format!("{path}/screening"), &csrf, &screening)
        .await;
    assert_eq!(res.status(), 303);
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
    let v = page_version(&cm, &path).await;
    let res = cm
        .post_form(
            &format!("{path}/selection"),
            &csrf,
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
    let (_, page) = cm.get_text(&path).await;
    assert!(
        page.contains("A collective income-generating project starts after its final selection.")
    );
    assert!(!page.contains("value=\"start\""));
    for s in ["pre_selection", "initial", "final"] {
        assert_eq!(stage(s).await, 303, "{s}");
    }
    let (_, page) = cm.get_text(&path).await;
    assert!(page.contains("value=\"start\""));
    assert!(!page.contains("id=\"start-blocked\""));
    // A page read before the last decision is stale: starting from it is refused.
    let res = cm
        .post_form(
            &format!("{path}/lifecycle"),
            &csrf,
            &[("step", "start"), ("on", "2026-03-05"), ("version", "2")],
        )
        .await;
    assert_eq!(res.status(), 409);
    let v = page_version(&cm, &path).await;
    let long = "n".repeat(domain::case::MAX_LONG_TEXT + 1);
    let res = cm
        .post_form(
            &format!("{path}/lifecycle"),
            &csrf,
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
            &csrf,
            &[("step", "start"), ("on", "2026-03-05"), ("version", &v)],
        )
        .await;
    assert_eq!(res.status(), 303);

    // Two returnees and three community members; the mix is shown.
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
        let v = page_version(&cm, &path).await;
        let mut fields: Vec<(&str, &str)> = p.iter().map(|(k, v)| (*k, v.as_str())).collect();
        fields.push(("joined", "2026-03-05"));
        fields.push(("version", &v));
        let res = cm
            .post_form(&format!("{path}/participants"), &csrf, &fields)
            .await;
        assert_eq!(res.status(), 303, "{p:?}");
    }
    // The same returnee twice, or an unknown case number, is refused.
    let v = page_version(&cm, &path).await;
    let res = cm
        .post_form(
            &format!("{path}/participants"),
            &csrf,
            &[
                ("kind", "returnee"),
                ("case_number", &aminata_no),
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
            &csrf,
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
            &csrf,
            &[
                ("kind", "community_member"),
                ("name", "Mariama Kane"),
                ("role", "member"),
                ("joined", &tomorrow),
            ],
        )
        .await;
    assert_eq!(res.status(), 422);
    let page = res.text().await.unwrap();
    assert!(page.contains("This date is in the future."));
    assert!(page.contains("Mariama Kane"), "what was typed is kept");
    let (_, page) = cm.get_text(&path).await;
    assert!(page.contains("Several returnees and several community members take part."));
    assert!(page.contains("40 % of participants are returnees"));
    assert!(page.contains("Fatou Ba"));
    assert!(page.contains("Aminata Diallo"));

    // A monitoring visit.
    let res = cm
        .post_form(
            &format!("{path}/visits"),
            &csrf,
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
            &csrf,
            &[
                ("on", "2026-04-01"),
                ("rating", "some_concerns"),
                ("participants_met", "4"),
                ("findings", "Feed prices doubled"),
            ],
        )
        .await;
    assert_eq!(res.status(), 303);
    let (_, page) = cm.get_text(&path).await;
    assert!(page.contains("Feed prices doubled"));
    assert!(page.contains("Some concerns"));

    // Community members say how satisfied they are, through the shipped questionnaire.
    let res = cm
        .post_form(
            &format!("/records/{project}/submissions"),
            &csrf,
            &[("form_id", "community_satisfaction")],
        )
        .await;
    assert_eq!(res.status(), 303);
    let questionnaire = location(&res);
    let today = crate::common::today().to_string();
    let res = cm
        .post_form(
            &questionnaire,
            &csrf,
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
    let (_, page) = cm.get_text(&path).await;
    assert!(page.contains("1 of 1 community members who answered are satisfied."));

    // The project is on the returnee's case page, plan and timeline.
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

    // A viewer sees counts, never names; the participants API and the forms refuse them.
    let viewer = app.signed_in("viewer.all").await;
    let (status, page) = viewer.get_text(&path).await;
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
    assert_eq!(viewer.get(&sub).await.status(), 403);
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

    // A returnee leaves: the mix and the case follow.
    let (_, page) = cm.get_text(&path).await;
    let marker = "/participants/";
    let start = page.find(marker).unwrap() + marker.len();
    let pid = &page[start..start + 36];
    let v = page_version(&cm, &path).await;
    let res = cm
        .post_form(
            &format!("{path}/participants/{pid}/leave"),
            &csrf,
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

#[tokio::test]
async fn capacity_building_coordination_and_agreements() {
    let app = spawn_app().await;
    let office = app.office("DKR").await;
    app.user("pm.dkr", Role::ProgrammeManager, Some(office))
        .await;
    app.user("cm.dkr", Role::CaseManager, Some(office)).await;
    app.user("viewer.all", Role::Viewer, None).await;
    let pm = app.signed_in("pm.dkr").await;
    let csrf = pm.csrf("/structural").await;
    // Two stakeholders on the map.
    let mut ids = Vec::new();
    for (name, kind) in [
        ("Ministry of Labour", "national_authority"),
        ("Kolda NGO", "ngo"),
    ] {
        let res = pm
            .post_form(
                "/stakeholders",
                &csrf,
                &[
                    ("name", name),
                    ("kind", kind),
                    ("level", "national"),
                    ("influence", "4"),
                    ("interest", "4"),
                ],
            )
            .await;
        assert_eq!(res.status(), 303);
        ids.push(id_after(&res, "/stakeholders/"));
    }
    let (ministry, ngo) = (ids[0].clone(), ids[1].clone());

    // Assessed before and after a training: more engaged.
    for (on, engagement) in [("2026-01-10", "2"), ("2026-06-10", "4")] {
        let res = pm
            .post_form(
                "/registry/capacity-assessments",
                &csrf,
                &[
                    ("stakeholder", &ngo),
                    ("on", on),
                    ("method", "key_informant"),
                    ("engagement", engagement),
                    ("human_resources", "weak"),
                ],
            )
            .await;
        assert_eq!(res.status(), 303, "{on}");
    }
    let res = pm
        .post_form(
            "/registry/capacity-assessments",
            &csrf,
            &[
                ("stakeholder", "not-a-stakeholder"),
                ("on", "2099-01-01"),
                ("method", "key_informant"),
                ("engagement", "9"),
            ],
        )
        .await;
    assert_eq!(res.status(), 422);
    let page = res.text().await.unwrap();
    assert!(page.contains("Choose one of the options offered."));
    assert!(
        page.contains("value=\"2099-01-01\""),
        "what was typed is kept"
    );
    let res = pm
        .post_form(
            "/registry/trainings",
            &csrf,
            &[
                ("title", "Referral procedures"),
                ("start", "2026-03-01"),
                ("stakeholders", &ngo),
            ],
        )
        .await;
    assert_eq!(res.status(), 303);
    let training = id_after(&res, "/registry/trainings/");
    let tpath = format!("/registry/trainings/{training}");
    for (name, pre, post) in [("Awa Sow", "40", "75"), ("Modou Fall", "60", "55")] {
        let v = page_version(&pm, &tpath).await;
        let res = pm
            .post_form(
                &format!("{tpath}/participants"),
                &csrf,
                &[
                    ("name", name),
                    ("stakeholder", &ngo),
                    ("pre", pre),
                    ("post", post),
                    ("version", &v),
                ],
            )
            .await;
        assert_eq!(res.status(), 303);
    }
    let res = pm
        .post_form(
            &format!("{tpath}/participants"),
            &csrf,
            &[("name", "X"), ("pre", "120")],
        )
        .await;
    assert_eq!(res.status(), 422);
    let (_, page) = pm.get_text(&tpath).await;
    assert!(page.contains("Awa Sow"));
    assert!(page.contains("Average score before"));
    assert!(page.contains("50.0") && page.contains("65.0"));
    let (_, hub) = pm.get_text("/structural").await;
    assert!(hub.contains(
        "1 of 1 stakeholders assessed before and after their first training are more engaged."
    ));

    // A coordination mechanism, a meeting and its action point tracked to completion.
    let res = pm
        .post_form(
            "/registry/mechanisms",
            &csrf,
            &[
                ("name", "Reintegration working group"),
                ("level", "national"),
                ("form", "working_group"),
                ("chair", &ngo),
                ("members", &ministry),
                ("members", &ngo),
            ],
        )
        .await;
    assert_eq!(res.status(), 303);
    let mechanism = id_after(&res, "/registry/mechanisms/");
    let (_, page) = pm
        .get_text(&format!("/registry/mechanisms/{mechanism}"))
        .await;
    assert!(page.contains("Not endorsed by the government."));
    assert!(page.contains("Not chaired by a government authority."));
    let res = pm
        .post_form(
            &format!("/registry/meetings?parent={mechanism}"),
            &csrf,
            &[
                ("on", "2026-04-02"),
                ("attendees", &ministry),
                ("decisions", "Draft joint SOPs"),
            ],
        )
        .await;
    assert_eq!(res.status(), 303);
    let meeting = id_after(&res, "/registry/meetings/");
    let mpath = format!("/registry/meetings/{meeting}");
    let v = page_version(&pm, &mpath).await;
    let res = pm
        .post_form(
            &format!("{mpath}/action_points"),
            &csrf,
            &[
                ("text", "Circulate the SOP draft"),
                ("owner", "Ministry"),
                ("due", "2026-04-20"),
                ("version", &v),
            ],
        )
        .await;
    assert_eq!(res.status(), 303);
    let (_, page) = pm.get_text(&mpath).await;
    assert!(page.contains("0 of 1 done · one overdue"));
    let marker = "/action_points/";
    let start = page.find(marker).unwrap() + marker.len();
    let point = page[start..start + 36].to_string();
    // A stale version is refused with what was typed.
    let res = pm
        .post_form(
            &format!("{mpath}/action_points/{point}"),
            &csrf,
            &[("version", "0"), ("done_on", "2026-04-18")],
        )
        .await;
    assert_eq!(res.status(), 409);
    let version = field_value(&page, "version");
    // A bad date on a row comes back on that row, as typed.
    let res = pm
        .post_form(
            &format!("{mpath}/action_points/{point}"),
            &csrf,
            &[
                ("version", &version),
                ("done_on", "18 April"),
                ("note", "Half sent"),
            ],
        )
        .await;
    assert_eq!(res.status(), 422);
    let refused = res.text().await.unwrap();
    let row = &refused[refused.find(&format!("/action_points/{point}\"")).unwrap()..];
    let row = &row[..row.find("</form>").unwrap()];
    assert!(row.contains("value=\"Half sent\""), "{row}");
    assert!(row.contains("value=\"18 April\""));
    assert!(row.contains("field-error"));
    let res = pm
        .post_form(
            &format!("{mpath}/action_points/{point}"),
            &csrf,
            &[
                ("version", &version),
                ("done_on", "2026-04-18"),
                ("note", "Sent"),
            ],
        )
        .await;
    assert_eq!(res.status(), 303);
    let (_, page) = pm.get_text(&mpath).await;
    assert!(page.contains("1 of 1 done"));
    let (_, page) = pm
        .get_text(&format!("/registry/mechanisms/{mechanism}"))
        .await;
    assert!(page.contains("Meeting of 2026-04-02"));

    // Agreements: an adopted one needs its signature date; standing is worked out.
    let until = (crate::common::today() + time::Duration::days(30)).to_string();
    let res = pm
        .post_form(
            "/registry/agreements",
            &csrf,
            &[
                ("title", "MoU on referrals"),
                ("kind", "mou"),
                ("status", "adopted"),
                ("valid_until", &until),
            ],
        )
        .await;
    assert_eq!(res.status(), 422);
    assert!(
        res.text()
            .await
            .unwrap()
            .contains("An adopted agreement needs the date it was signed.")
    );
    let res = pm
        .post_form(
            "/registry/agreements",
            &csrf,
            &[
                ("title", "MoU on referrals"),
                ("kind", "mou"),
                ("status", "adopted"),
                ("signed_on", "2026-01-15"),
                ("valid_until", &until),
                ("parties", &ministry),
                (
                    "data_sharing",
                    "Name and contact only; case managers and the ministry focal point",
                ),
            ],
        )
        .await;
    assert_eq!(res.status(), 303);
    let (_, hub) = pm.get_text("/structural").await;
    assert!(hub.contains("Ends within 60 days: plan the renewal"));

    // Policy mainstreaming: steps recorded, the next one shown.
    let res = pm
        .post_form(
            "/registry/policy",
            &csrf,
            &[
                ("sector", "health"),
                ("framework", "National health strategy"),
                ("lead", &ministry),
            ],
        )
        .await;
    let policy = id_after(&res, "/registry/policy/");
    let ppath = format!("/registry/policy/{policy}");
    let v = page_version(&pm, &ppath).await;
    let res = pm
        .post_form(
            &format!("{ppath}/steps"),
            &csrf,
            &[
                ("step", "sensitisation"),
                ("status", "done"),
                ("version", &v),
            ],
        )
        .await;
    assert_eq!(res.status(), 303);
    let (_, page) = pm.get_text(&ppath).await;
    assert!(page.contains("1 of 6 done"));
    assert!(page.contains("Scoping"));

    // Case managers read but do not change; viewers do not see who was trained.
    let cm = app.signed_in("cm.dkr").await;
    assert_eq!(cm.get(&tpath).await.status(), 200);
    let res = cm
        .post_form(
            &format!("{tpath}/participants"),
            &cm.csrf("/structural").await,
            &[("name", "Z")],
        )
        .await;
    assert_eq!(res.status(), 403);
    let viewer = app.signed_in("viewer.all").await;
    let (status, page) = viewer.get_text(&tpath).await;
    assert_eq!(status, 200);
    assert!(!page.contains("Awa Sow"));
    assert!(page.contains("Average score before"));
    // Two trainees are below the small-cell threshold: no counts, no averages of their scores.
    assert!(!page.contains("65.0") && !page.contains("50.0"));
    assert!(page.contains("Fewer than 5") || page.contains("fewer than 5"));

    // The API covers the same records.
    let token = api_token(&pm).await;
    let get = |p: String| pm.http.get(app.url(&p)).bearer_auth(token.clone()).send();
    let trainings: serde_json::Value = get("/api/v1/trainings".into())
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(trainings[0]["participants"].as_array().unwrap().len(), 2);
    let meetings: serde_json::Value = get(format!(
        "/api/v1/coordination-mechanisms/{mechanism}/meetings"
    ))
    .await
    .unwrap()
    .json()
    .await
    .unwrap();
    assert_eq!(meetings[0]["action_points"][0]["note"], "Sent");
    let agreements: serde_json::Value = get("/api/v1/agreements".into())
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let agreement = &agreements[0];
    let res = pm
        .http
        .put(app.url(&format!("/api/v1/agreements/{}", agreement["id"].as_str().unwrap())))
        .bearer_auth(&token)
        .json(&json!({"version": 99, "agreement": {"title": "MoU", "kind": "mou", "status": "draft"}}))
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 409);
    let res = pm
        .http
        .post(app.url("/api/v1/capacity-assessments"))
        .bearer_auth(&token)
        .json(&json!({"stakeholder": ministry, "on": "2026-02-01", "method": "self_assessment", "engagement": 3}))
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 201);
    let put = |p: String, body: serde_json::Value| {
        pm.http
            .put(app.url(&p))
            .bearer_auth(token.clone())
            .json(&body)
            .send()
    };

    // A new action point from a meeting, sent without an id, then marked done.
    let mut meeting_body = meetings[0].clone();
    let meeting_id = meeting_body["id"].as_str().unwrap().to_string();
    let meeting_version = meeting_body["version"].as_i64().unwrap();
    meeting_body["action_points"].as_array_mut().unwrap().push(
        json!({"text": "Share the list of services", "owner": "Binta Camara", "due": "2026-05-01"}),
    );
    meeting_body["other_attendees"] = json!("Moussa Diallo, mayor of Goudiry");
    let mpath = format!("/api/v1/coordination-mechanisms/{mechanism}/meetings/{meeting_id}");
    let changed: serde_json::Value = put(
        mpath.clone(),
        json!({"version": meeting_version, "meeting": meeting_body}),
    )
    .await
    .unwrap()
    .json()
    .await
    .unwrap();
    let new_point = &changed["action_points"][1];
    assert!(new_point["id"].as_str().unwrap().len() == 36, "given an id");
    assert!(new_point["done_on"].is_null());
    let mut done = changed.clone();
    done["action_points"][1]["done_on"] = json!("2026-04-28");
    let res = put(
        mpath.clone(),
        json!({"version": meeting_version, "meeting": done}),
    )
    .await
    .unwrap();
    assert_eq!(res.status(), 409, "based on the version before");
    let mut twice = done.clone();
    twice["action_points"][1]["id"] = twice["action_points"][0]["id"].clone();
    let (status, code) = refusal(
        put(
            mpath.clone(),
            json!({"version": changed["version"], "meeting": twice}),
        )
        .await
        .unwrap(),
    )
    .await;
    assert_eq!((status, code.as_str()), (422, "error-duplicate"));
    let res = put(
        mpath.clone(),
        json!({"version": changed["version"], "meeting": done}),
    )
    .await
    .unwrap();
    assert_eq!(res.status(), 200);
    let (_, page) = pm
        .get_text(&format!("/registry/meetings/{meeting_id}"))
        .await;
    assert!(
        page.contains("2 of 2 done"),
        "the page sees the API's change"
    );
    let res = put(
        format!("/api/v1/coordination-mechanisms/{mechanism}/meetings/{mechanism}"),
        json!({"version": 1, "meeting": {"on": "2026-04-02"}}),
    )
    .await
    .unwrap();
    assert_eq!(res.status(), 404, "not a meeting of this mechanism");

    // The mechanism, read and endorsed.
    let mut m: serde_json::Value = get(format!("/api/v1/coordination-mechanisms/{mechanism}"))
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(m["name"], "Reintegration working group");
    let version = m["version"].clone();
    m["endorsed_on"] = json!("2026-04-10");
    m["members"] = json!([ministry, "00000000-0000-4000-8000-000000000000"]);
    let (status, code) = refusal(
        put(
            format!("/api/v1/coordination-mechanisms/{mechanism}"),
            json!({"version": version, "mechanism": m}),
        )
        .await
        .unwrap(),
    )
    .await;
    assert_eq!(
        (status, code.as_str()),
        (422, "error-choice"),
        "members come from the stakeholder map"
    );
    m["members"] = json!([ministry, ngo]);
    let res = put(
        format!("/api/v1/coordination-mechanisms/{mechanism}"),
        json!({"version": version, "mechanism": m}),
    )
    .await
    .unwrap();
    assert_eq!(res.status(), 200);
    let (_, page) = pm
        .get_text(&format!("/registry/mechanisms/{mechanism}"))
        .await;
    assert!(!page.contains("Not endorsed by the government."));

    // The training's scores after it, sent later.
    let mut t = trainings[0].clone();
    let version = t["version"].clone();
    t["participants"][1]["post"] = json!(80);
    let t: serde_json::Value = put(
        format!("/api/v1/trainings/{training}"),
        json!({"version": version, "training": t}),
    )
    .await
    .unwrap()
    .json()
    .await
    .unwrap();
    assert_eq!(t["participants"][1]["post"], 80);
    let (_, page) = pm.get_text(&tpath).await;
    assert!(page.contains("77.5"), "the average after follows");

    // A capacity assessment, read and corrected.
    let assessments: serde_json::Value = get("/api/v1/capacity-assessments".into())
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let mut a = assessments[0].clone();
    let apath = format!("/api/v1/capacity-assessments/{}", a["id"].as_str().unwrap());
    let read_back: serde_json::Value = get(apath.clone()).await.unwrap().json().await.unwrap();
    assert_eq!(read_back["id"], a["id"]);
    let version = a["version"].clone();
    a["engagement"] = json!(9);
    let (status, code) = refusal(
        put(apath.clone(), json!({"version": version, "assessment": a}))
            .await
            .unwrap(),
    )
    .await;
    assert_eq!(status, 422, "engagement is 1 to 5: {code}");
    a["engagement"] = json!(3);
    a["gaps"] = json!("No case management staff");
    let a: serde_json::Value = put(apath.clone(), json!({"version": version, "assessment": a}))
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(a["engagement"], 3);

    // A capacity-building plan whose action point is completed, and a policy track moved on.
    let res = pm
        .http
        .post(app.url("/api/v1/capacity-plans"))
        .bearer_auth(&token)
        .json(&json!({"stakeholder": ngo, "title": "Case management skills",
            "activities": ["training"], "action_points": [{"text": "Name a focal point", "due": "2026-05-01"}]}))
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 201);
    let mut plan: serde_json::Value = res.json().await.unwrap();
    let ppath = format!("/api/v1/capacity-plans/{}", plan["id"].as_str().unwrap());
    plan["action_points"][0]["done_on"] = json!("2026-04-30");
    plan["action_points"][0]["note"] = json!("Awa Sow named");
    let plan: serde_json::Value = put(
        ppath.clone(),
        json!({"version": plan["version"], "plan": plan}),
    )
    .await
    .unwrap()
    .json()
    .await
    .unwrap();
    assert_eq!(plan["action_points"][0]["done_on"], "2026-04-30");
    let (_, page) = pm
        .get_text(&format!(
            "/registry/capacity-plans/{}",
            plan["id"].as_str().unwrap()
        ))
        .await;
    assert!(page.contains("1 of 1 done"), "the plan's page follows");
    let res = pm
        .http
        .post(app.url("/api/v1/policy-tracks"))
        .bearer_auth(&token)
        .json(&json!({"sector": "labour", "framework": "National employment policy", "lead": ministry}))
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 201);
    let mut track: serde_json::Value = res.json().await.unwrap();
    let tpath_api = format!("/api/v1/policy-tracks/{}", track["id"].as_str().unwrap());
    let step = json!({"step": "scoping", "status": "done", "on": "2026-03-01"});
    track["steps"] = json!([step, step]);
    let (status, code) = refusal(
        put(
            tpath_api.clone(),
            json!({"version": track["version"], "track": track}),
        )
        .await
        .unwrap(),
    )
    .await;
    assert_eq!((status, code.as_str()), (422, "error-duplicate"));
    track["steps"] = json!([step]);
    let res = put(
        tpath_api.clone(),
        json!({"version": track["version"], "track": track}),
    )
    .await
    .unwrap();
    assert_eq!(res.status(), 200);
    let track: serde_json::Value = get(tpath_api).await.unwrap().json().await.unwrap();
    assert_eq!(track["steps"][0]["status"], "done");

    // Names written in meetings stay with staff.
    let (_, page) = pm
        .get_text(&format!("/registry/meetings/{meeting_id}"))
        .await;
    assert!(page.contains("Moussa Diallo") && page.contains("Binta Camara"));
    let (_, page) = viewer
        .get_text(&format!("/registry/meetings/{meeting_id}"))
        .await;
    assert!(page.contains("Share the list of services"));
    assert!(!page.contains("Moussa Diallo") && !page.contains("Binta Camara"));
    let viewer_token = api_token(&viewer).await;
    let seen: serde_json::Value = viewer
        .http
        .get(app.url(&format!(
            "/api/v1/coordination-mechanisms/{mechanism}/meetings"
        )))
        .bearer_auth(&viewer_token)
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(
        seen[0]["action_points"][1]["text"],
        "Share the list of services"
    );
    assert!(!seen.to_string().contains("Diallo") && !seen.to_string().contains("Binta"));
    let res = viewer
        .http
        .put(app.url(&apath))
        .bearer_auth(&viewer_token)
        .json(&json!({"version": a["version"], "assessment": a}))
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 403);
    let trainings: serde_json::Value = viewer
        .http
        .get(app.url("/api/v1/trainings"))
        .bearer_auth(&viewer_token)
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(
        trainings[0]["participants"],
        json!([]),
        "no names for viewers"
    );
}

#[tokio::test]
async fn the_community_api_creates_projects_and_participants() {
    let app = spawn_app().await;
    let office = app.office("DKR").await;
    app.user("cm.dkr", Role::CaseManager, Some(office)).await;
    let cm = app.signed_in("cm.dkr").await;
    let (_case, number) = register_named(&app, &cm, "Aminata", "female").await;
    let token = api_token(&cm).await;
    let post = |p: &str, body: serde_json::Value| {
        cm.http
            .post(app.url(p))
            .bearer_auth(token.clone())
            .json(&body)
            .send()
    };
    let res = post(
        "/api/v1/communities",
        json!({"name": "", "province": "Tambacounda"}),
    )
    .await
    .unwrap();
    assert_eq!(res.status(), 422);
    let c: serde_json::Value = post(
        "/api/v1/communities",
        json!({"name": "Goudiry", "province": "Tambacounda"}),
    )
    .await
    .unwrap()
    .json()
    .await
    .unwrap();
    let community = c["id"].as_str().unwrap().to_string();
    let res = cm
        .http
        .put(app.url(&format!("/api/v1/communities/{community}")))
        .bearer_auth(&token)
        .json(&json!({"version": 7, "community": {"name": "Goudiry", "province": "Tambacounda"}}))
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 409, "stale version");
    let p: serde_json::Value = post(
        "/api/v1/community-projects",
        json!({"community": community, "project": {"name": "Peer group", "kind": "peer_support", "started_on": "2026-01-01"}}),
    )
    .await
    .unwrap()
    .json()
    .await
    .unwrap();
    assert_eq!(
        p["status"], "proposed",
        "lifecycle fields sent on creation are ignored"
    );
    assert_eq!(p["dimension"], "psychosocial");
    let project = p["id"].as_str().unwrap().to_string();
    let res = post(
        &format!("/api/v1/community-projects/{project}/participants"),
        json!({"kind": "returnee", "case_number": number, "role": "member", "joined": "2026-03-01", "version": 1}),
    )
    .await
    .unwrap();
    assert_eq!(res.status(), 201);
    let list: serde_json::Value = res.json().await.unwrap();
    assert_eq!(list[0]["name"], "Aminata Diallo");
    assert_eq!(list[0]["sex"], "female", "taken from the case");
    let res = post(
        &format!("/api/v1/community-projects/{project}/participants"),
        json!({"kind": "community_member", "name": "Fatou", "role": "member", "joined": "2026-03-01", "version": 1}),
    )
    .await
    .unwrap();
    assert_eq!(res.status(), 409, "the project moved on to version 2");
    let projects: serde_json::Value = cm
        .http
        .get(app.url(&format!("/api/v1/community-projects?community={community}")))
        .bearer_auth(&token)
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(projects[0]["mix"]["returnees"], 1);
    assert_eq!(projects[0]["mix_verdict"], "returnees_only");
    let (_, spec) = cm.get_text("/api/v1/openapi.json").await;
    for path in [
        "/api/v1/communities",
        "/api/v1/community-projects/{project}/participants",
        "/api/v1/capacity-assessments",
        "/api/v1/trainings",
        "/api/v1/coordination-mechanisms/{record}/meetings",
        "/api/v1/agreements",
    ] {
        assert!(spec.contains(path), "{path} is documented");
    }
}

/// The first field error's code of a refused API call.
async fn refusal(res: reqwest::Response) -> (u16, String) {
    let status = res.status().as_u16();
    let body: serde_json::Value = res.json().await.unwrap();
    let code = body["error"]["fields"][0]["code"]
        .as_str()
        .unwrap_or_default();
    (status, code.to_string())
}

#[tokio::test]
async fn a_project_is_ranked_screened_selected_run_and_visited_over_the_api() {
    let app = spawn_app().await;
    let office = app.office("DKR").await;
    app.user("cm.dkr", Role::CaseManager, Some(office)).await;
    app.user("viewer.all", Role::Viewer, None).await;
    let cm = app.signed_in("cm.dkr").await;
    let (_, first) = register_named(&app, &cm, "Aminata", "female").await;
    let (_, second) = register_named(&app, &cm, "Moussa", "male").await;
    let token = api_token(&cm).await;
    let send = |method: reqwest::Method, p: String, body: serde_json::Value| {
        cm.http
            .request(method, app.url(&p))
            .bearer_auth(token.clone())
            .json(&body)
            .send()
    };
    let post = |p: String, body: serde_json::Value| send(reqwest::Method::POST, p, body);
    let read = |p: String| cm.http.get(app.url(&p)).bearer_auth(token.clone()).send();

    // Two communities, one assessed on the checklist: it ranks first and is shortlisted.
    let met = json!({"status": "met", "evidence": "Profile of March"});
    let goudiry: serde_json::Value = post(
        "/api/v1/communities".into(),
        json!({"name": "Goudiry", "province": "Tambacounda", "selection": {
            "high_return_concentration": met, "authorities_motivated": met,
            "basic_infrastructure_security": {"status": "partly_met"}}}),
    )
    .await
    .unwrap()
    .json()
    .await
    .unwrap();
    let res = post(
        "/api/v1/communities".into(),
        json!({"name": "Bakel", "province": "Tambacounda"}),
    )
    .await
    .unwrap();
    assert_eq!(res.status(), 201);
    let ranking: serde_json::Value = read("/api/v1/communities/ranking".into())
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(ranking[0]["name"], "Goudiry");
    assert_eq!(ranking[0]["position"], 1);
    assert_eq!(ranking[0]["met"], 2);
    assert_eq!(ranking[0]["partly_met"], 1);
    // 2.5 of the twelve equally weighted criteria.
    assert_eq!(ranking[0]["score"], 21);
    assert_eq!(ranking[0]["shortlisted"], true);
    assert_eq!(ranking[0]["returnees"], 2, "both registered returnees");
    assert_eq!(ranking[1]["name"], "Bakel");
    assert_eq!(ranking[1]["shortlisted"], false, "nothing met");
    let viewer = app.signed_in("viewer.all").await;
    let viewer_token = api_token(&viewer).await;
    let seen: serde_json::Value = viewer
        .http
        .get(app.url("/api/v1/communities/ranking"))
        .bearer_auth(&viewer_token)
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(seen[0]["name"], "Goudiry");
    assert!(
        seen[0]["returnees"].is_null(),
        "two is below the small-cell threshold"
    );

    // A collective project: screened, then the three selection stages, in order.
    let community = goudiry["id"].as_str().unwrap();
    let p: serde_json::Value = post(
        "/api/v1/community-projects".into(),
        json!({"community": community, "project": {"name": "Market garden", "kind": "collective_income"}}),
    )
    .await
    .unwrap()
    .json()
    .await
    .unwrap();
    let project = p["id"].as_str().unwrap().to_string();
    let path = |rest: &str| format!("/api/v1/community-projects/{project}{rest}");
    let today = crate::common::today();
    let day = |back: i64| (today - time::Duration::days(back)).to_string();
    let (status, code) = refusal(
        post(
            path("/lifecycle"),
            json!({"version": 1, "step": "start", "on": day(30)}),
        )
        .await
        .unwrap(),
    )
    .await;
    assert_eq!(
        (status, code.as_str()),
        (422, "error-project-screening-first")
    );
    let mut answers = serde_json::Map::new();
    for k in domain::community::POSITIVE_CRITERIA {
        answers.insert(k.into(), json!(true));
    }
    let (status, code) = refusal(
        post(
            path("/screening"),
            json!({"version": 1, "on": day(60), "answers": answers}),
        )
        .await
        .unwrap(),
    )
    .await;
    assert_eq!(status, 422, "the four drawbacks are not answered");
    assert_eq!(code, "error-required");
    for k in domain::community::NEGATIVE_CRITERIA {
        answers.insert(k.into(), json!(false));
    }
    let p: serde_json::Value = post(
        path("/screening"),
        json!({"version": 1, "on": day(60), "answers": answers, "note": "With the village committee"}),
    )
    .await
    .unwrap()
    .json()
    .await
    .unwrap();
    assert_eq!(p["status"], "screened");
    assert_eq!(p["screening"]["note"], "With the village committee");
    let (status, code) = refusal(
        post(
            path("/selection"),
            json!({"version": 2, "stage": "final", "passed": true, "on": day(50)}),
        )
        .await
        .unwrap(),
    )
    .await;
    assert_eq!((status, code.as_str()), (422, "error-project-stage-order"));
    let (status, code) = refusal(
        post(
            path("/selection"),
            json!({"version": 2, "stage": "pre_selection", "passed": true, "on": day(61)}),
        )
        .await
        .unwrap(),
    )
    .await;
    assert_eq!(
        (status, code.as_str()),
        (422, "error-project-date-order"),
        "decided before the screening"
    );
    let mut version = 2;
    for (stage, back) in [("pre_selection", 50), ("initial", 45), ("final", 40)] {
        let res = post(
            path("/selection"),
            json!({"version": version, "stage": stage, "passed": true, "on": day(back)}),
        )
        .await
        .unwrap();
        assert_eq!(res.status(), 200, "{stage}");
        version += 1;
    }
    let p: serde_json::Value = read(path("")).await.unwrap().json().await.unwrap();
    assert_eq!(p["status"], "selected");
    assert_eq!(p["version"], version);

    // Its own fields change; its kind no longer can; the lifecycle is kept.
    let (status, code) = refusal(
        send(
            reqwest::Method::PUT,
            path(""),
            json!({"version": version, "project": {"name": "Market garden", "kind": "mentoring"}}),
        )
        .await
        .unwrap(),
    )
    .await;
    assert_eq!((status, code.as_str()), (422, "error-project-kind-locked"));
    let p: serde_json::Value = send(
        reqwest::Method::PUT,
        path(""),
        json!({"version": version, "project": {"name": "Goudiry market garden", "kind": "collective_income",
            "budget": 4000, "currency": "xof", "activities": ["Fence the plot", "Buy seeds"], "started_on": null}}),
    )
    .await
    .unwrap()
    .json()
    .await
    .unwrap();
    assert_eq!(p["name"], "Goudiry market garden");
    assert_eq!(p["currency"], "XOF");
    assert_eq!(p["status"], "selected", "selection kept");
    version += 1;

    // Two returnees and three community members, then it starts.
    let mut people = vec![
        json!({"kind": "returnee", "case_number": first, "role": "leader"}),
        json!({"kind": "returnee", "case_number": second, "role": "member"}),
    ];
    for (name, sex) in [
        ("Fatou Ba", "female"),
        ("Ousmane Sy", "male"),
        ("Awa Ndiaye", "female"),
    ] {
        people
            .push(json!({"kind": "community_member", "name": name, "sex": sex, "role": "member"}));
    }
    let mut list = serde_json::Value::Null;
    for mut person in people {
        person["joined"] = json!(day(35));
        person["version"] = json!(version);
        let res = post(path("/participants"), person).await.unwrap();
        assert_eq!(res.status(), 201);
        list = res.json().await.unwrap();
        version += 1;
    }
    assert_eq!(list.as_array().unwrap().len(), 5);
    let p: serde_json::Value = post(
        path("/lifecycle"),
        json!({"version": version, "step": "start", "on": day(30)}),
    )
    .await
    .unwrap()
    .json()
    .await
    .unwrap();
    version += 1;
    assert_eq!(p["status"], "running");
    assert_eq!(p["mix"]["returnees"], 2);
    assert_eq!(p["mix"]["community_members"], 3);
    assert_eq!(p["mix_verdict"], "mixed");

    // A monitoring visit: one dated tomorrow is refused, with the reason.
    let (status, code) = refusal(
        post(
            path("/visits"),
            json!({"on": (today + time::Duration::days(1)).to_string(), "rating": "on_track", "findings": "Seeds bought"}),
        )
        .await
        .unwrap(),
    )
    .await;
    assert_eq!((status, code.as_str()), (422, "error-date-in-future"));
    let res = post(
        path("/visits"),
        json!({"on": day(10), "rating": "some_concerns", "participants_met": 4,
            "findings": "Water pump broken", "follow_up": "Ask the commune for a repair"}),
    )
    .await
    .unwrap();
    assert_eq!(res.status(), 201);
    let visits: serde_json::Value = read(path("/visits")).await.unwrap().json().await.unwrap();
    assert_eq!(visits.as_array().unwrap().len(), 1);
    assert_eq!(visits[0]["rating"], "some_concerns");
    assert_eq!(visits[0]["findings"], "Water pump broken");

    // A community member leaves; the mix follows.
    let leaver = list
        .as_array()
        .unwrap()
        .iter()
        .find(|x| x["name"] == "Ousmane Sy")
        .unwrap()["id"]
        .as_str()
        .unwrap()
        .to_string();
    let res = post(
        path(&format!("/participants/{leaver}/leave")),
        json!({"version": version - 1, "on": day(5)}),
    )
    .await
    .unwrap();
    assert_eq!(res.status(), 409, "based on an older version");
    let after: serde_json::Value = post(
        path(&format!("/participants/{leaver}/leave")),
        json!({"version": version, "on": day(5)}),
    )
    .await
    .unwrap()
    .json()
    .await
    .unwrap();
    version += 1;
    let left = after
        .as_array()
        .unwrap()
        .iter()
        .find(|x| x["name"] == "Ousmane Sy")
        .unwrap();
    assert_eq!(left["left"], day(5));
    let p: serde_json::Value = read(path("")).await.unwrap().json().await.unwrap();
    assert_eq!(p["mix"]["community_members"], 2);

    // A step sent on an old version is stale, even one the project would refuse anyway.
    let res = post(
        path("/lifecycle"),
        json!({"version": version - 1, "step": "start", "on": day(1)}),
    )
    .await
    .unwrap();
    assert_eq!(res.status(), 409);

    // Completed; nobody joins a completed project.
    let p: serde_json::Value = post(
        path("/lifecycle"),
        json!({"version": version, "step": "complete", "on": day(1), "note": "Harvest sold"}),
    )
    .await
    .unwrap()
    .json()
    .await
    .unwrap();
    version += 1;
    assert_eq!(p["status"], "completed");
    assert_eq!(p["closing"]["note"], "Harvest sold");
    let (status, code) = refusal(
        post(
            path("/participants"),
            json!({"kind": "community_member", "name": "Late", "role": "member", "joined": day(0), "version": version}),
        )
        .await
        .unwrap(),
    )
    .await;
    assert_eq!((status, code.as_str()), (422, "error-project-closed"));

    // Viewers read the project's counts, never change it.
    let res = viewer
        .http
        .post(app.url(&path("/visits")))
        .bearer_auth(&viewer_token)
        .json(&json!({"on": day(1), "rating": "on_track", "findings": "x"}))
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 403);
    let res = viewer
        .http
        .get(app.url(&path("/participants")))
        .bearer_auth(&viewer_token)
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 403, "no names for viewers");
    let seen: serde_json::Value = viewer
        .http
        .get(app.url(&path("/visits")))
        .bearer_auth(&viewer_token)
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(seen[0]["rating"], "some_concerns");
    assert_eq!(seen[0]["findings"], "", "findings can name people");
    assert!(seen[0]["participants_met"].is_null(), "4 is a small count");
    assert_eq!(seen[0]["follow_up"], "");
}

/// The value of the hidden input `name` of a page.
fn hidden(html: &str, name: &str) -> String {
    let marker = format!("name=\"{name}\" value=\"");
    let start = html
        .find(&marker)
        .unwrap_or_else(|| panic!("no input {name}"))
        + marker.len();
    html[start..].split('"').next().unwrap().to_string()
}

#[tokio::test]
async fn a_programme_manager_configures_the_selection_checklist() {
    let app = spawn_app().await;
    let office = app.office("DKR").await;
    app.user("pm.dkr", Role::ProgrammeManager, Some(office))
        .await;
    app.user("cm.dkr", Role::CaseManager, Some(office)).await;
    let pm = app.signed_in("pm.dkr").await;
    let cm = app.signed_in("cm.dkr").await;
    assert_eq!(cm.get("/communities/criteria").await.status(), 403);
    let (status, page) = pm.get_text("/communities/criteria").await;
    assert_eq!(status, 200);
    assert!(page.contains("Many returnees live there"));
    let based_on = hidden(&page, "based_on");
    let csrf = pm.csrf("/communities/criteria").await;
    let keys = domain::community::HANDBOOK_CRITERIA.map(|(k, _)| k);
    let form = |weights: &[(&str, &str)], extra: &[(&str, &str)], based_on: &str| {
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
    };
    let post = |fields: Vec<(String, String)>| {
        let pm = &pm;
        let csrf = csrf.clone();
        async move {
            let refs: Vec<(&str, &str)> = fields
                .iter()
                .map(|(k, v)| (k.as_str(), v.as_str()))
                .collect();
            pm.post_form("/communities/criteria", &csrf, &refs).await
        }
    };

    // A bad shortlist size is refused with what was typed kept, the new criterion in its box.
    let res = post(form(
        &[("high_return_concentration", "3")],
        &[
            ("shortlist_size", "many"),
            ("new_label", "Women's groups are active"),
        ],
        &based_on,
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

    // Saved: weight 3, an essential criterion, a criterion of the programme, a shortlist of 2.
    let res = post(form(
        &[("high_return_concentration", "3")],
        &[
            ("essential_authorities_motivated", "yes"),
            ("new_label", "Women's groups are active"),
            ("shortlist_size", "2"),
        ],
        &based_on,
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

    // A form loaded before that save is stale: refused, shown again as typed.
    let res = post(form(
        &[("high_return_concentration", "5")],
        &[("shortlist_size", "4")],
        &based_on,
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
    let res = post(form(
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

    // The essential criterion keeps a community off the shortlist, and says why.
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
