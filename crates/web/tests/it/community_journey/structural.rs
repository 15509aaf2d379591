//! The structural level over the pages and the API: stakeholders, capacity assessments and
//! trainings, coordination mechanisms with their meetings and action points, agreements, policy
//! mainstreaming and capacity-building plans; what case managers and viewers may see and change.

use super::page_version;
use crate::common::*;
use domain::Role;

mod api;
use api::*;

/// The office's programme manager, signed in, with the CSRF token of the structural pages.
struct Journey {
    app: TestApp,
    pm: Client,
    csrf: String,
}

impl Journey {
    async fn start() -> Journey {
        let app = spawn_app().await;
        let office = app.office("DKR").await;
        app.user("pm.dkr", Role::ProgrammeManager, Some(office))
            .await;
        app.user("cm.dkr", Role::CaseManager, Some(office)).await;
        app.user("viewer.all", Role::Viewer, None).await;
        let pm = app.signed_in("pm.dkr").await;
        let csrf = pm.csrf("/structural").await;
        Journey { app, pm, csrf }
    }
}

/// The records made on the pages that the API then reads and changes.
struct Records {
    ministry: String,
    ngo: String,
    training: String,
    tpath: String,
    mechanism: String,
}

#[tokio::test]
async fn capacity_building_coordination_and_agreements() {
    let j = Journey::start().await;
    let (ministry, ngo) = two_stakeholders_are_put_on_the_map(&j).await;
    let (training, tpath) = a_training_makes_a_stakeholder_more_engaged(&j, &ngo).await;
    let mechanism = a_meetings_action_point_is_tracked_to_completion(&j, &ministry, &ngo).await;
    an_adopted_agreement_needs_its_signature_date(&j, &ministry).await;
    policy_mainstreaming_steps_are_recorded_and_the_next_one_shown(&j, &ministry).await;
    let viewer = case_managers_read_but_do_not_change_and_viewers_see_no_trainees(&j, &tpath).await;
    let r = Records {
        ministry,
        ngo,
        training,
        tpath,
        mechanism,
    };
    let api = Api::new(&j).await;
    let (trainings, meetings) = the_api_covers_the_same_records(&api, &r).await;
    let meeting_id = a_new_action_point_is_given_an_id_then_marked_done(&api, &r, &meetings).await;
    the_mechanism_is_read_and_endorsed(&api, &r).await;
    the_trainings_scores_after_it_are_sent_later(&api, &r, &trainings).await;
    let (apath, a) = a_capacity_assessment_is_read_and_corrected(&api).await;
    a_capacity_plan_is_completed_and_a_policy_track_moved_on(&api, &r).await;
    names_written_in_meetings_stay_with_staff(&api, &r, &viewer, &meeting_id, &apath, &a).await;
}

/// Two stakeholders on the map.
async fn two_stakeholders_are_put_on_the_map(j: &Journey) -> (String, String) {
    let Journey { pm, csrf, .. } = j;
    let mut ids = Vec::new();
    for (name, kind) in [
        ("Ministry of Labour", "national_authority"),
        ("Kolda NGO", "ngo"),
    ] {
        let res = pm
            .post_form(
                "/stakeholders",
                csrf,
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
    (ministry, ngo)
}

/// Assessed before and after a training: more engaged.
async fn a_training_makes_a_stakeholder_more_engaged(j: &Journey, ngo: &str) -> (String, String) {
    let Journey { pm, csrf, .. } = j;
    for (on, engagement) in [("2026-01-10", "2"), ("2026-06-10", "4")] {
        let res = pm
            .post_form(
                "/registry/capacity-assessments",
                csrf,
                &[
                    ("stakeholder", ngo),
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
            csrf,
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
            csrf,
            &[
                ("title", "Referral procedures"),
                ("start", "2026-03-01"),
                ("stakeholders", ngo),
            ],
        )
        .await;
    assert_eq!(res.status(), 303);
    let training = id_after(&res, "/registry/trainings/");
    let tpath = format!("/registry/trainings/{training}");
    for (name, pre, post) in [("Awa Sow", "40", "75"), ("Modou Fall", "60", "55")] {
        let v = page_version(pm, &tpath).await;
        let res = pm
            .post_form(
                &format!("{tpath}/participants"),
                csrf,
                &[
                    ("name", name),
                    ("stakeholder", ngo),
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
            csrf,
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
    (training, tpath)
}

/// A coordination mechanism, a meeting and its action point tracked to completion.
async fn a_meetings_action_point_is_tracked_to_completion(
    j: &Journey,
    ministry: &str,
    ngo: &str,
) -> String {
    let Journey { pm, csrf, .. } = j;
    let res = pm
        .post_form(
            "/registry/mechanisms",
            csrf,
            &[
                ("name", "Reintegration working group"),
                ("level", "national"),
                ("form", "working_group"),
                ("chair", ngo),
                ("members", ministry),
                ("members", ngo),
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
            csrf,
            &[
                ("on", "2026-04-02"),
                ("attendees", ministry),
                ("decisions", "Draft joint SOPs"),
            ],
        )
        .await;
    assert_eq!(res.status(), 303);
    let meeting = id_after(&res, "/registry/meetings/");
    let mpath = format!("/registry/meetings/{meeting}");
    let v = page_version(pm, &mpath).await;
    let res = pm
        .post_form(
            &format!("{mpath}/action_points"),
            csrf,
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
            csrf,
            &[("version", "0"), ("done_on", "2026-04-18")],
        )
        .await;
    assert_eq!(res.status(), 409);
    let version = field_value(&page, "version");
    // A bad date on a row comes back on that row, as typed.
    let res = pm
        .post_form(
            &format!("{mpath}/action_points/{point}"),
            csrf,
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
            csrf,
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
    assert!(page.contains("Meeting of 2 Apr 2026"));
    mechanism
}

/// Agreements: an adopted one needs its signature date; standing is worked out.
async fn an_adopted_agreement_needs_its_signature_date(j: &Journey, ministry: &str) {
    let Journey { pm, csrf, .. } = j;
    let until = (crate::common::today() + time::Duration::days(30)).to_string();
    let res = pm
        .post_form(
            "/registry/agreements",
            csrf,
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
            csrf,
            &[
                ("title", "MoU on referrals"),
                ("kind", "mou"),
                ("status", "adopted"),
                ("signed_on", "2026-01-15"),
                ("valid_until", &until),
                ("parties", ministry),
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
}

/// Policy mainstreaming: steps recorded, the next one shown.
async fn policy_mainstreaming_steps_are_recorded_and_the_next_one_shown(
    j: &Journey,
    ministry: &str,
) {
    let Journey { pm, csrf, .. } = j;
    let res = pm
        .post_form(
            "/registry/policy",
            csrf,
            &[
                ("sector", "health"),
                ("framework", "National health strategy"),
                ("lead", ministry),
            ],
        )
        .await;
    let policy = id_after(&res, "/registry/policy/");
    let ppath = format!("/registry/policy/{policy}");
    let v = page_version(pm, &ppath).await;
    let res = pm
        .post_form(
            &format!("{ppath}/steps"),
            csrf,
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
}

/// Case managers read but do not change; viewers do not see who was trained.
async fn case_managers_read_but_do_not_change_and_viewers_see_no_trainees(
    j: &Journey,
    tpath: &str,
) -> Client {
    let Journey { app, .. } = j;
    let cm = app.signed_in("cm.dkr").await;
    assert_eq!(cm.get(tpath).await.status(), 200);
    let res = cm
        .post_form(
            &format!("{tpath}/participants"),
            &cm.csrf("/structural").await,
            &[("name", "Z")],
        )
        .await;
    assert_eq!(res.status(), 403);
    let viewer = app.signed_in("viewer.all").await;
    let (status, page) = viewer.get_text(tpath).await;
    assert_eq!(status, 200);
    assert!(!page.contains("Awa Sow"));
    assert!(page.contains("Average score before"));
    // Two trainees are below the small-cell threshold: no counts, no averages of their scores.
    assert!(!page.contains("65.0") && !page.contains("50.0"));
    assert!(page.contains("Fewer than 5") || page.contains("fewer than 5"));
    viewer
}
