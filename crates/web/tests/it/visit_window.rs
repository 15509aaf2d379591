//! A contact recorded as a scheduled visit whose window has not opened is asked about first:
//! it is an additional contact, or confirmed as that visit.

use crate::common::*;
use domain::Role;

#[tokio::test]
async fn a_visit_before_its_window_asks_which_visit_it_was() {
    let app = spawn_app().await;
    let office = app.office("DKR").await;
    app.user("cm.one", Role::CaseManager, Some(office)).await;
    let cm = app.signed_in("cm.one").await;
    let csrf = cm.csrf("/cases/new").await;
    // A victim of trafficking back ten days ago: visits are due from months 1 to 12.
    let back = (crate::common::today() - time::Duration::days(10)).to_string();
    let mut fields: Vec<(&str, &str)> = registration()
        .into_iter()
        .filter(|(k, _)| *k != "return_date" && *k != "vulnerabilities")
        .collect();
    fields.push(("return_date", &back));
    fields.push(("vulnerabilities", "trafficking_victim"));
    let res = cm.post_form("/cases", &csrf, &fields).await;
    assert_eq!(res.status(), 303);
    let case_path = location(&res);

    let today = crate::common::today().to_string();
    let visit = |confirm: bool| {
        let mut f = vec![
            ("visit_date", today.as_str()),
            ("mode", "phone"),
            ("scheduled", "vot_month_3"),
            ("findings", "Settling in with her aunt"),
        ];
        if confirm {
            f.push(("confirm_outside_window", "yes"));
        }
        f
    };
    let path = format!("{case_path}/follow-up");
    let res = cm.post_form(&path, &csrf, &visit(false)).await;
    assert_eq!(res.status(), 422);
    let page = res.text().await.unwrap();
    assert!(page.contains("window had not opened"), "{page}");
    assert!(page.contains("Record it as this visit anyway"));
    assert!(
        page.contains("Settling in with her aunt"),
        "what was typed is kept"
    );

    let res = cm.post_form(&path, &csrf, &visit(true)).await;
    assert_eq!(res.status(), 303);
    let (_, page) = cm.get_text(&path).await;
    assert!(page.contains("Settling in with her aunt"));
}
