//! The case list in pages found from a place, over the API and on the page (and in the
//! browser): next and previous, no case skipped or repeated while returnees are registered
//! between pages, and a damaged or stale place explained.

use std::collections::BTreeSet;

use crate::browser::sign_in_as;
use crate::common::*;
use crate::webdriver::Browser;
use domain::Role;
use serde_json::Value;

/// An office with 30 returnees registered by its case manager, signed in.
async fn office_with_cases() -> (TestApp, Client) {
    let app = spawn_app().await;
    let office = app.office("DKR").await;
    app.user("cm.pages", Role::CaseManager, Some(office)).await;
    let cm = app.signed_in("cm.pages").await;
    for i in 0..30u8 {
        register_named(
            &app,
            &cm,
            &format!("Page{}", char::from(b'a' + i % 26)),
            "female",
        )
        .await;
    }
    (app, cm)
}

fn numbers(page: &Value) -> Vec<String> {
    page["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| c["case_number"].as_str().unwrap().to_string())
        .collect()
}

#[tokio::test]
async fn api_pages_follow_next_and_previous_without_skipping_while_cases_are_added() {
    let (app, cm) = office_with_cases().await;
    let token = api_token(&cm).await;
    let list = |query: String| {
        let token = token.clone();
        let app = &app;
        async move { api_get_json(app, &token, &format!("/api/v1/cases?{query}")).await }
    };
    // Newest first: returnees registered meanwhile go before the first page, never into the
    // pages still to come.
    let order = "sort=number&order=desc&per_page=10";
    let first = list(order.to_string()).await;
    assert_eq!(first["total"], 30);
    assert!(first["previous"].is_null());
    let mut seen = numbers(&first);
    let mut page = first.clone();
    while let Some(next) = page["next"].as_str().map(str::to_string) {
        register_named(&app, &cm, "Latecomer", "male").await;
        page = list(format!("{order}&after={next}")).await;
        seen.extend(numbers(&page));
    }
    let distinct: BTreeSet<&String> = seen.iter().collect();
    assert_eq!(seen.len(), 30, "{seen:?}");
    assert_eq!(distinct.len(), 30);
    // Back from the second page: the first again, as it was.
    let second = list(format!("{order}&after={}", first["next"].as_str().unwrap())).await;
    let again = list(format!(
        "{order}&before={}",
        second["previous"].as_str().unwrap()
    ))
    .await;
    assert_eq!(numbers(&again), numbers(&first));

    // A damaged place, and one that names no case of the list.
    let res = cm
        .http
        .get(app.url("/api/v1/cases?after=page-3"))
        .bearer_auth(&token)
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 422);
    let body: Value = res.json().await.unwrap();
    assert!(body.to_string().contains("after"), "{body}");
    let res = cm
        .http
        .get(app.url(&format!("/api/v1/cases?before={}", uuid::Uuid::new_v4())))
        .bearer_auth(&token)
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 422);
}

#[tokio::test]
async fn the_list_page_links_to_the_next_and_previous_pages() {
    let (app, cm) = office_with_cases().await;
    let (status, first) = cm.get_text("/cases?sort=number&order=asc").await;
    assert_eq!(status, 200);
    assert!(first.contains("30 cases match"), "{first}");
    assert!(!first.contains("rel=\"prev\""));
    let next = first
        .split("rel=\"next\"")
        .next()
        .and_then(|s| s.rsplit("href=\"").next())
        .and_then(|s| s.split('"').next())
        .unwrap()
        .replace("&amp;", "&")
        .replace("&#38;", "&");
    assert!(next.contains("after="), "{next}");
    let (_, second) = cm.get_text(&next).await;
    assert!(
        second.contains("rel=\"prev\""),
        "{next}: {}",
        &second[second.find("<main").unwrap_or(0)..]
    );
    // Pages of 25: the second holds the last 5.
    assert!(!second.contains("rel=\"next\""));
    assert_eq!(
        second.matches("<tr role=\"row\"").count(),
        first.matches("<tr role=\"row\"").count() - 20
    );
    let (status, damaged) = cm.get_text("/cases?after=not-a-case").await;
    assert_eq!(status, 200);
    assert!(damaged.contains("This link to a page of the list is damaged"));
    drop(app);
}

#[tokio::test]
async fn a_case_manager_pages_through_the_list_in_the_browser() {
    let (app, _cm) = office_with_cases().await;
    let b = Browser::start().await;
    sign_in_as(&b, &app, "cm.pages").await;
    b.goto(&app.url("/cases?sort=number&order=asc")).await;
    b.wait_for_text("30 cases match").await;
    let first_page = b.text("#results tbody").await;
    b.click("a[rel=next]").await;
    b.wait_until("return location.search.includes('after=')")
        .await;
    b.wait_until("return !!document.querySelector('a[rel=prev]')")
        .await;
    let second_page = b.text("#results tbody").await;
    assert_ne!(first_page, second_page);
    b.click("a[rel=prev]").await;
    b.wait_until("return location.search.includes('before=')")
        .await;
    b.wait_until("return !document.querySelector('a[rel=prev]')")
        .await;
    assert_eq!(b.text("#results tbody").await, first_page);
    b.quit().await;
}
