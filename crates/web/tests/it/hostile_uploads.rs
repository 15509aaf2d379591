//! Uploads built to take the server down are refused with a message, and the server keeps
//! answering everyone else.

use crate::common::*;
use domain::Role;
use forms::xlsform::{Sheet, Workbook};
use reqwest::multipart::{Form, Part};

/// A small valid form with one more value in the sheet's last cell (XFD1048576): a few
/// kilobytes on disk, a grid of 17 billion cells to a reader that lays the sheet out.
fn workbook_with_a_far_cell() -> Vec<u8> {
    let mut rows = vec![
        vec!["type".into(), "name".into(), "label".into()],
        vec!["text".into(), "q1".into(), "Name?".into()],
    ];
    rows.resize(1_048_576, Vec::new());
    let mut last = vec![String::new(); 16_384];
    last[16_383] = "x".into();
    rows[1_048_575] = last;
    let survey = Sheet {
        name: "survey".into(),
        rows,
    };
    forms::xlsx::write(&Workbook {
        sheets: vec![survey],
    })
    .unwrap()
}

#[tokio::test]
async fn a_workbook_with_a_far_cell_is_refused_and_the_server_keeps_serving() {
    let app = spawn_app().await;
    let office = app.office("DKR").await;
    app.user("pm.dakar", Role::ProgrammeManager, Some(office))
        .await;
    let pm = app.signed_in("pm.dakar").await;
    let csrf = pm.csrf("/forms").await;
    let bytes = workbook_with_a_far_cell();
    assert!(bytes.len() < 20_000, "{} bytes", bytes.len());

    let form = Form::new()
        .text("_csrf", csrf)
        .part("file", Part::bytes(bytes).file_name("far.xlsx"));
    let res = pm
        .http
        .post(app.url("/forms"))
        .multipart(form)
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 422);
    let body = res.text().await.unwrap();
    assert!(body.contains("far.xlsx was not accepted"), "{body}");
    assert!(
        body.contains("has a value in row 1048576 and column 16384"),
        "{body}"
    );

    let (status, _) = pm.get_text("/forms").await;
    assert_eq!(status, 200, "the server is still up");
}
