//! Ordinary input errors name the limit, and long texts say theirs before anyone types.

use crate::common::*;
use domain::Role;

#[tokio::test]
async fn too_long_and_bad_numbers_say_what_is_allowed() {
    let app = spawn_app().await;
    let office = app.office("DKR").await;
    app.user("cm.one", Role::CaseManager, Some(office)).await;
    let cm = app.signed_in("cm.one").await;
    let csrf = cm.csrf("/cases/new").await;

    let long_name = "A".repeat(121);
    let long_details = "x".repeat(2001);
    let mut fields = registration();
    fields.retain(|(k, _)| !["given_name", "age_at_return"].contains(k));
    fields.push(("given_name", &long_name));
    fields.push(("vulnerability_details", &long_details));
    fields.push(("age_at_return", "-3"));
    let res = cm.post_form("/cases", &csrf, &fields).await;
    assert_eq!(res.status(), 422);
    let page = res.text().await.unwrap();
    assert!(
        page.contains("This is too long: use at most 120 characters."),
        "a short text names its limit"
    );
    assert!(
        page.contains("This is too long: use at most 2,000 characters."),
        "a long text names its limit"
    );
    assert!(page.contains("Enter a whole number of 0 or more, in digits."));
    assert!(page.contains(&long_name), "what was typed is kept");

    // Long texts say their limit up front, and the browser holds to it.
    let (_, form) = cm.get_text("/cases/new").await;
    assert!(form.contains("maxlength=\"2000\""));
    assert!(form.contains("Up to 2,000 characters."));
}
