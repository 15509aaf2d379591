//! One person, one case: "same person" and "different person" at registration, the duplicates
//! queue, merging two cases and undoing it, with what the counts, the partner and the API see.

use crate::common::*;
use domain::case::CaseStage;
use domain::{CaseId, Role};
use serde_json::{Value, json};
use store::{AuditContext, NewCase};

/// The standard registration without its phone, not yet confirmed as someone else.
fn without_phone() -> Vec<(&'static str, &'static str)> {
    registration()
        .into_iter()
        .filter(|(k, _)| *k != "confirm_new" && *k != "phone")
        .collect()
}

#[tokio::test]
async fn same_person_opens_the_case_and_different_person_is_remembered() {
    let app = spawn_app().await;
    let office = app.office("DKR").await;
    app.user("cm.one", Role::CaseManager, Some(office)).await;
    let cm = app.signed_in("cm.one").await;
    let csrf = cm.csrf("/cases/new").await;
    let res = cm.post_form("/cases", &csrf, &without_phone()).await;
    assert_eq!(res.status(), 303);
    let first = id_after(&res, "/cases/");

    // She comes again, this time with a phone: the check finds her.
    let mut again = without_phone();
    again.push(("phone", "+221 76 555 44 33"));
    let res = cm.post_form("/cases", &csrf, &again).await;
    assert_eq!(res.status(), 409);
    let page = res.text().await.unwrap();
    assert!(
        page.contains(&format!("name=\"same_as\" value=\"{first}\"")),
        "a 'same person' button for the match"
    );

    // "Same person": nothing is registered; her case opens with the new phone and a task.
    let mut same = again.clone();
    same.push(("same_as", &first));
    let res = cm.post_form("/cases", &csrf, &same).await;
    assert_eq!(res.status(), 303);
    assert_eq!(location(&res), format!("/cases/{first}"));
    let (_, page) = cm.get_text(&format!("/cases/{first}")).await;
    assert!(
        page.contains("+221 76 555 44 33"),
        "the new phone is recorded"
    );
    assert!(
        page.contains("Get back in touch"),
        "a task for her case manager"
    );
    let token = api_token(&cm).await;
    let list: Value = api_get_json(&app, &token, "/api/v1/cases").await;
    assert_eq!(list["total"], 1, "no second case: {list}");

    // "Different person": registered, and the pair is not proposed again.
    let mut other = again.clone();
    other.push(("confirm_new", "yes"));
    let res = cm.post_form("/cases", &csrf, &other).await;
    assert_eq!(res.status(), 303);
    let second = id_after(&res, "/cases/");
    for (me, them) in [(&first, &second), (&second, &first)] {
        let found: Value = api_get_json(
            &app,
            &token,
            &format!("/api/v1/cases/{me}/possible-duplicates"),
        )
        .await;
        assert!(
            !found.to_string().contains(them.as_str()),
            "remembered as two people: {found}"
        );
    }
    let trail = app
        .store
        .audit_for_record("case", &first, store::AuditScope::Changes)
        .await
        .unwrap();
    assert!(
        trail
            .iter()
            .any(|e| e.action == domain::audit::AuditAction::MarkDistinct)
    );
}

/// A second case of the same person, made as an import or another office would (without the
/// registration's check), with her household's spelling of the family name.
async fn earlier_duplicate(app: &TestApp, office: domain::OfficeId, cm: &store::User) -> CaseId {
    let mut profile: domain::case::ReturneeProfile =
        serde_json::from_value(profile_json("Aminata", "Jallow")).unwrap();
    profile.date_of_birth = Some(time::macros::date!(1995 - 03 - 14));
    profile.sex = domain::case::Sex::Female;
    profile.phone = Some("+221 70 123 45 67".into());
    app.store
        .create_case(
            NewCase {
                id: CaseId::new(),
                office,
                case_manager: Some(cm.id),
                profile,
                stage: CaseStage::Intake,
                consents: vec![],
            },
            AuditContext::by(cm.id, time::OffsetDateTime::now_utc()),
        )
        .await
        .unwrap()
        .id
}

async fn referrals_of(
    app: &TestApp,
    case: CaseId,
) -> Result<Vec<store::ReferralRecord>, store::StoreError> {
    app.store
        .referrals(&store::ReferralFilter {
            case: Some(case),
            ..Default::default()
        })
        .await
}

fn total_on(overview: &str) -> String {
    overview
        .split("Cases in total: ")
        .nth(1)
        .and_then(|s| s.split('<').next())
        .unwrap_or_default()
        .to_string()
}

#[tokio::test]
async fn the_queue_merge_and_undo_count_the_person_once_and_keep_the_partners_view() {
    let app = spawn_app().await;
    let office = app.office("DKR").await;
    let cm_user = app.user("cm.one", Role::CaseManager, Some(office)).await;
    app.user("pm.one", Role::ProgrammeManager, Some(office))
        .await;
    let partner = app.user("partner.a", Role::Partner, Some(office)).await;
    let (provider, service) = map_service(&app, "Clinic A", "Dakar").await;
    join_provider(&app, &partner, provider).await;
    let (_, other_service) = map_service(&app, "Clinic B", "Dakar").await;

    let cm = app.signed_in("cm.one").await;
    let csrf = cm.csrf("/cases/new").await;
    let res = cm.post_form("/cases", &csrf, &without_phone()).await;
    let kept = id_after(&res, "/cases/");
    let kept_id: CaseId = kept.parse().unwrap();
    let merged_id = earlier_duplicate(&app, office, &cm_user).await;
    let merged = merged_id.to_string();
    let merged_number = app.store.case(merged_id).await.unwrap().number.to_string();
    // The partner's referral is on the case that will be merged away; another organisation's
    // is on the case kept.
    let theirs = send_referral(&app, merged_id, service, &cm_user).await;
    let not_theirs = send_referral(&app, kept_id, other_service, &cm_user).await;

    let pm = app.signed_in("pm.one").await;
    let (status, page) = pm.get_text("/duplicates").await;
    assert_eq!(status, 200);
    assert!(page.contains("No scan has run yet"), "{page}");
    let csrf = csrf_of(&page);
    assert_eq!(
        pm.post_form("/duplicates/scan", &csrf, &[]).await.status(),
        303
    );
    let (_, page) = pm.get_text("/duplicates").await;
    assert!(page.contains(&merged_number), "the pair is queued: {page}");
    assert!(page.contains("1 likely duplicates found") || page.contains("likely duplicates found"));
    assert!(page.contains("Compare and merge"));
    let (_, overview) = pm.get_text("/overview").await;
    assert_eq!(total_on(&overview), "2");

    // The merge page shows both values where they differ; the phone is taken from the other.
    let (status, page) = pm
        .get_text(&format!("/cases/{merged}/merge?into={kept}"))
        .await;
    assert_eq!(status, 200, "{page}");
    assert!(
        page.contains("name=\"part.phone\" value=\"merged\" checked"),
        "its phone fills the gap"
    );
    assert!(page.contains("name=\"part.name\" value=\"survivor\" checked"));
    let form = [
        ("into", kept.as_str()),
        ("merged_version", &field_value(&page, "merged_version")),
        ("survivor_version", &field_value(&page, "survivor_version")),
        ("part.name", "merged"),
        ("part.phone", "merged"),
    ];
    let csrf = csrf_of(&page);
    let res = pm
        .post_form(&format!("/cases/{merged}/merge"), &csrf, &form)
        .await;
    assert_eq!(res.status(), 303);
    assert_eq!(location(&res), format!("/cases/{kept}#merges"));
    // Posted again (a double click): still one merge.
    let res = pm
        .post_form(&format!("/cases/{merged}/merge"), &csrf, &form)
        .await;
    assert_eq!(res.status(), 303);
    let merges = app.store.merges_into(kept_id).await.unwrap();
    assert_eq!(merges.len(), 1);

    // The merged case's address leads to the kept one, which has everything.
    let res = pm.get(&format!("/cases/{merged}")).await;
    assert_eq!(res.status(), 303);
    assert_eq!(location(&res), format!("/cases/{kept}"));
    let (_, page) = pm.get_text(&format!("/cases/{kept}")).await;
    assert!(page.contains("Aminata Jallow"), "the chosen name");
    assert!(page.contains("+221 70 123 45 67"), "the chosen phone");
    assert!(page.contains(&format!("Case {merged_number} was merged into this case")));
    assert!(page.contains("Undo the merge"));
    let referrals = referrals_of(&app, kept_id).await.unwrap();
    assert_eq!(referrals.len(), 2, "its referral moved");
    let (_, overview) = pm.get_text("/overview").await;
    assert_eq!(total_on(&overview), "1", "the person counts once");
    let (status, trail) = pm.get_text(&format!("/cases/{kept}/audit")).await;
    assert_eq!(status, 200);
    assert!(
        trail.contains("Cases merged") && trail.contains("Case kept"),
        "{trail}"
    );
    let (_, page) = pm.get_text("/duplicates").await;
    assert!(!page.contains(&merged_number), "gone from the queue");

    // The partner still sees their referral, and only it.
    let pa = app.signed_in("partner.a").await;
    let (_, page) = pa.get_text("/referrals").await;
    assert!(page.contains(&theirs.to_string()), "{page}");
    assert!(!page.contains(&not_theirs.to_string()));
    assert_eq!(pa.get(&format!("/referrals/{theirs}")).await.status(), 200);
    assert_eq!(
        pa.get(&format!("/referrals/{not_theirs}")).await.status(),
        404
    );
    assert_eq!(pa.get(&format!("/cases/{kept}")).await.status(), 403);

    // Undo: both cases as they were, each with its own referral; counted twice again.
    let (_, page) = pm.get_text(&format!("/cases/{kept}")).await;
    let undo = format!("/merges/{}/undo", merges[0].id);
    let res = pm.post_form(&undo, &csrf_of(&page), &[]).await;
    assert_eq!(res.status(), 303);
    assert_eq!(location(&res), format!("/cases/{merged}"));
    let (status, page) = pm.get_text(&format!("/cases/{merged}")).await;
    assert_eq!(status, 200);
    assert!(page.contains("Aminata Jallow"));
    let (_, page) = pm.get_text(&format!("/cases/{kept}")).await;
    assert!(
        page.contains("Aminata Diallo"),
        "the kept case's own name is back"
    );
    let kept_back = app.store.case(kept_id).await.unwrap();
    assert_eq!(
        kept_back.profile.phone, None,
        "its own (empty) phone is back"
    );
    assert!(page.contains("the merge was undone"));
    assert_eq!(referrals_of(&app, kept_id).await.unwrap().len(), 1);
    assert_eq!(referrals_of(&app, merged_id).await.unwrap().len(), 1);
    let (_, overview) = pm.get_text("/overview").await;
    assert_eq!(total_on(&overview), "2");
    let missing = app.i18n.missing();
    assert!(missing.is_empty(), "words the catalogue lacks: {missing:?}");
}

#[tokio::test]
async fn the_api_merges_undoes_and_refuses_what_it_cannot_do() {
    let app = spawn_app().await;
    let office = app.office("DKR").await;
    let cm_user = app.user("cm.one", Role::CaseManager, Some(office)).await;
    app.user("pm.one", Role::ProgrammeManager, Some(office))
        .await;
    let a = earlier_duplicate(&app, office, &cm_user).await.to_string();
    let b = earlier_duplicate(&app, office, &cm_user).await.to_string();
    let pm = app.signed_in("pm.one").await;
    let token = api_token(&pm).await;
    let api = reqwest::Client::new();
    let post = |path: String, body: Value| {
        api.post(app.url(&path))
            .bearer_auth(&token)
            .json(&body)
            .send()
    };

    let scan: Value = post("/api/v1/duplicates/scan".into(), json!({}))
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(scan["found"], 1, "{scan}");
    let queue: Value = api_get_json(&app, &token, "/api/v1/duplicates").await;
    assert_eq!(queue["pairs"].as_array().unwrap().len(), 1, "{queue}");

    let res = post(format!("/api/v1/cases/{a}/merge"), json!({"into": a}))
        .await
        .unwrap();
    assert_eq!(res.status(), 400, "not into itself");
    let res = post(
        format!("/api/v1/cases/{a}/merge"),
        json!({"into": b, "fields": {"salary": "merged", "phone": "neither"}}),
    )
    .await
    .unwrap();
    assert_eq!(res.status(), 422);
    let body: Value = res.json().await.unwrap();
    let fields: Vec<&str> = body["error"]["fields"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| f["field"].as_str().unwrap())
        .collect();
    assert!(fields.contains(&"fields.phone"), "{body}");

    let res = post(
        format!("/api/v1/cases/{a}/merge"),
        json!({"into": b, "fields": {"name": a}}),
    )
    .await
    .unwrap();
    assert_eq!(res.status(), 201);
    let merge: Value = res.json().await.unwrap();
    assert_eq!(merge["survivor"], b.as_str());
    assert_eq!(merge["undoable"], true);
    let id = merge["id"].as_str().unwrap().to_string();
    let again = post(format!("/api/v1/cases/{a}/merge"), json!({"into": b}))
        .await
        .unwrap();
    assert_eq!(again.status(), 201);
    assert_eq!(
        again.json::<Value>().await.unwrap()["id"],
        id.as_str(),
        "the same merge"
    );

    let gone = api
        .get(app.url(&format!("/api/v1/cases/{a}")))
        .bearer_auth(&token)
        .send()
        .await
        .unwrap();
    assert_eq!(gone.status(), 404);
    let body: Value = gone.json().await.unwrap();
    assert!(
        body.to_string().contains(&b),
        "says where the case went: {body}"
    );

    let trail: Value = api_get_json(&app, &token, &format!("/api/v1/cases/{b}/audit")).await;
    let created = trail
        .as_array()
        .unwrap()
        .iter()
        .filter(|e| e["action"] == "create")
        .count();
    assert_eq!(
        created, 2,
        "the merged case's history is in the kept case's trail: {trail}"
    );

    let undone: Value = post(format!("/api/v1/merges/{id}/undo"), json!({}))
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert!(undone["undone_at"].is_string(), "{undone}");
    assert_eq!(undone["undoable"], false);
    let res = post(format!("/api/v1/merges/{id}/undo"), json!({}))
        .await
        .unwrap();
    assert_eq!(res.status(), 200, "undoing twice is once");
    let back = api
        .get(app.url(&format!("/api/v1/cases/{a}")))
        .bearer_auth(&token)
        .send()
        .await
        .unwrap();
    assert_eq!(back.status(), 200);

    // Different people: gone from the queue at the next look.
    let res = post(format!("/api/v1/cases/{a}/distinct"), json!({"from": b}))
        .await
        .unwrap();
    assert_eq!(res.status(), 204);
    let queue: Value = api_get_json(&app, &token, "/api/v1/duplicates").await;
    assert!(queue["pairs"].as_array().unwrap().is_empty(), "{queue}");

    // A case manager may not merge.
    let cm = app.signed_in("cm.one").await;
    let cm_token = api_token(&cm).await;
    let res = api
        .post(app.url(&format!("/api/v1/cases/{a}/merge")))
        .bearer_auth(&cm_token)
        .json(&json!({"into": b}))
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 403);
}
