//! An instrument starts from what the case already says: the background form does not ask
//! again for the name, birth, sex or return already registered.

use crate::common::*;
use domain::Role;

#[tokio::test]
async fn the_background_form_starts_from_the_case() {
    let app = spawn_app().await;
    let office = app.office("DKR").await;
    app.user("cm.one", Role::CaseManager, Some(office)).await;
    let cm = app.signed_in("cm.one").await;
    let (case_path, csrf) = register_recent_return(&cm).await;
    let res = cm
        .post_form(
            &format!("{case_path}/submissions"),
            &csrf,
            &[("form_id", "returnee_background")],
        )
        .await;
    assert_eq!(res.status(), 303);
    let (_, page) = cm.get_text(&location(&res)).await;
    assert!(page.contains("value=\"Aminata Diallo\""), "the name");
    assert!(page.contains("value=\"1995-03-14\""), "the date of birth");
    let return_date = (crate::common::today() - time::Duration::days(10)).to_string();
    assert!(
        page.contains(&format!("value=\"{return_date}\"")),
        "the return"
    );
    assert!(page.contains("value=\"Libya\""), "{page}");
}

#[tokio::test]
async fn the_family_assessment_starts_with_the_household_on_the_case() {
    let app = spawn_app().await;
    let office = app.office("DKR").await;
    app.user("cm.one", Role::CaseManager, Some(office)).await;
    let cm = app.signed_in("cm.one").await;
    let (case_path, csrf) = register_recent_return(&cm).await;
    let res = cm
        .post_form(
            &format!("{case_path}/submissions"),
            &csrf,
            &[("form_id", "family_assessment")],
        )
        .await;
    assert_eq!(res.status(), 303);
    let id: uuid::Uuid = location(&res).rsplit('/').next().unwrap().parse().unwrap();
    let draft = app.store.submission(id).await.unwrap();
    let answers: serde_json::Value = serde_json::from_str(&draft.answers).unwrap();
    let members = answers["household_members"]
        .as_array()
        .unwrap_or_else(|| panic!("{} {answers}", draft.form_version));
    assert_eq!(members.len(), 1, "{answers}");
    assert_eq!(members[0]["member_name"], "Moussa Diallo");
    assert_eq!(members[0]["member_relationship"], "child");
}
