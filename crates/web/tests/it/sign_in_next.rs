//! Where sign-in sends people next: only to a path of this site, whatever the link says.

use crate::common::*;
use domain::Role;

#[tokio::test]
async fn sign_in_never_sends_people_to_another_site() {
    let app = spawn_app().await;
    let office = app.office("DKR").await;
    app.user("cm.one", Role::CaseManager, Some(office)).await;
    for (next, expected) in [
        ("/cases", "/cases"),
        // A tab after the slash: browsers drop it and go to //evil.example.
        ("/\t/evil.example", "/"),
        ("//evil.example", "/"),
        ("https://evil.example", "/"),
        // Characters a header cannot carry answered 500 after the session was made.
        ("/cases\r\nSet-Cookie: a=b", "/"),
        ("/cases\0", "/"),
    ] {
        let c = Client::new(&app);
        let (status, page) = c
            .get_text(&format!("/login?next={}", urlencode(next)))
            .await;
        assert_eq!(status, 200, "{next:?}");
        let csrf = csrf_of(&page);
        let res = c
            .post_form(
                "/login",
                &csrf,
                &[
                    ("username", "cm.one"),
                    ("password", PASSWORD),
                    ("next", next),
                ],
            )
            .await;
        assert_eq!(res.status(), 303, "{next:?}");
        assert_eq!(location(&res), expected, "{next:?}");
    }
}

fn urlencode(s: &str) -> String {
    serde_html_form::to_string([("x", s)]).unwrap()[2..].to_string()
}
