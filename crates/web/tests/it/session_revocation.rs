//! Sessions are looked up from memory for a moment, yet ending one takes effect at once on the
//! instance that ended it and within a second on every other instance sharing the database.

use std::time::{Duration, Instant};

use crate::common::*;
use domain::Role;

#[tokio::test]
async fn a_session_signed_out_on_one_instance_stops_working_on_the_other_within_a_second() {
    let app = spawn_app().await;
    let office = app.office("DKR").await;
    app.user("cm.two", Role::CaseManager, Some(office)).await;
    let other = app.another_instance().await;
    let cm = app.signed_in("cm.two").await;
    // The session cookie names no port: the same browser reaches both instances.
    let on_other = |path: &str| cm.http.get(format!("{other}{path}")).send();
    assert_eq!(on_other("/cases").await.unwrap().status(), 200);
    assert_eq!(cm.get("/cases").await.status(), 200);

    let csrf = cm.csrf("/cases").await;
    let res = cm.post_form("/logout", &csrf, &[]).await;
    assert_eq!(res.status(), 303);
    let signed_out = Instant::now();
    // Here at once.
    let res = cm.get("/cases").await;
    assert_eq!(res.status(), 303);
    assert!(location(&res).starts_with("/login"));
    // There within a second (it may still answer in the meantime from what it read).
    loop {
        let res = on_other("/cases").await.unwrap();
        if res.status() == 303 {
            break;
        }
        assert!(
            signed_out.elapsed() < Duration::from_millis(1_500),
            "the other instance still took the ended session after {:?}",
            signed_out.elapsed()
        );
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    assert!(signed_out.elapsed() <= Duration::from_millis(1_200));
}
