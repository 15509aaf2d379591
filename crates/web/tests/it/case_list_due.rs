//! The case list says, for each open case, which survey round is due or overdue, so a case
//! manager sees what to do from the list without opening every case.

use crate::common::*;
use domain::Role;

#[tokio::test]
async fn the_case_list_shows_the_survey_due_and_nothing_once_it_is_done() {
    let app = spawn_app().await;
    let office = app.office("DKR").await;
    app.user("cm.one", Role::CaseManager, Some(office)).await;
    let cm = app.signed_in("cm.one").await;
    let (case_path, csrf) = register_recent_return(&cm).await;
    let closes = crate::common::today() - time::Duration::days(10);
    let closes = domain::rss::add_months(closes, 1) - time::Duration::days(1);

    let (status, page) = cm.get_text("/cases").await;
    assert_eq!(status, 200);
    assert!(page.contains("What is due"), "the column's header");
    let due = format!("Baseline survey due by {}", en_date(closes));
    assert!(page.contains(&due), "{due} in:\n{page}");
    // The list's search results (what htmx swaps in) carry it too.
    let res = cm
        .http
        .get(app.url("/cases?q=Diallo"))
        .header("hx-request", "true")
        .send()
        .await
        .unwrap();
    assert!(res.text().await.unwrap().contains(&due));

    // Once the baseline is scored, nothing is due for months.
    crate::rss_journey::scored_baseline(&app, &cm, &case_path, &csrf).await;
    let (_, page) = cm.get_text("/cases").await;
    assert!(!page.contains("survey due by"), "{page}");
    assert!(!page.contains("survey overdue"), "{page}");
}
