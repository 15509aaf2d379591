//! "Add to the plan" from the feasibility grid keeps what was typed in the plan, and the
//! approach arrives as the kind of item it is.

use crate::common::*;
use domain::Role;

#[tokio::test]
async fn adding_a_suggestion_keeps_the_typed_plan_and_the_right_kind_of_item() {
    let app = spawn_app().await;
    let office = app.office("DKR").await;
    app.user("cm.one", Role::CaseManager, Some(office)).await;
    let cm = app.signed_in("cm.one").await;
    let (case_path, _) = register_recent_return(&cm).await;
    let (status, edit) = cm.get_text(&format!("{case_path}/plan/edit")).await;
    assert_eq!(status, 200);
    assert!(
        edit.contains("form=\"plan-form\""),
        "the suggestion's button belongs to the plan form"
    );
    let csrf = csrf_of(&edit);
    let expected = field_value(&edit, "expected");
    let res = cm
        .post_form(
            &format!("{case_path}/plan/pick"),
            &csrf,
            &[
                ("version", ""),
                ("expected", &expected),
                ("objective_economic", "Open a tailoring workshop"),
                ("exit_strategy", "Joins the tailors' association"),
                ("place", "Tambacounda"),
                ("approach", "business_startup_grant"),
            ],
        )
        .await;
    assert_eq!(res.status(), 303);
    let (_, edit) = cm.get_text(&format!("{case_path}/plan/edit")).await;
    assert!(
        edit.contains("Open a tailoring workshop"),
        "what was typed is kept"
    );
    assert!(
        edit.contains("Joins the tailors&#39; association")
            || edit.contains("Joins the tailors' association")
    );
    assert!(edit.contains("value=\"business_startup_grant\""));
    // A start-up grant is a grant (it takes payments), for a micro-business.
    let at = edit.find("value=\"business_startup_grant\"").unwrap();
    let row_start = edit[..at].rfind("<tr").unwrap();
    let row = &edit[row_start..at + edit[at..].find("</tr>").unwrap()];
    assert!(row.contains("value=\"microbusiness\" selected"), "{row}");
    assert!(row.contains("value=\"in_kind\" selected"), "{row}");
}
