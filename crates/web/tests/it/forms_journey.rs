//! The forms journey over HTTP: a programme manager uploads an XLSForm, previews and publishes
//! it; a case manager fills it for a case, sees a question appear when an earlier answer calls
//! for it, is told what to fix, fixes it, and the answers are saved with the form's version.

use crate::common::*;
use domain::Role;
use reqwest::multipart::{Form, Part};

const CORPUS: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/../forms/tests/corpus");

fn xlsx(name: &str) -> Vec<u8> {
    std::fs::read(format!("{CORPUS}/valid/{name}")).unwrap()
}

async fn upload(
    app: &TestApp,
    c: &Client,
    csrf: &str,
    name: &str,
    bytes: Vec<u8>,
) -> reqwest::Response {
    let form = Form::new()
        .text("_csrf", csrf.to_string())
        .part("file", Part::bytes(bytes).file_name(name.to_string()));
    c.http
        .post(app.url("/forms"))
        .multipart(form)
        .send()
        .await
        .unwrap()
}

/// Starts the returnee intake for a case; returns the submission's address and row version.
async fn start_submission(c: &Client, case_path: &str, csrf: &str) -> (String, String) {
    let res = c
        .post_form(
            &format!("{case_path}/submissions"),
            csrf,
            &[("form_id", "returnee_intake")],
        )
        .await;
    assert_eq!(res.status(), 303);
    let sub_path = location(&res);
    let (_, page) = c.get_text(&sub_path).await;
    (sub_path, field_value(&page, "_version"))
}

async fn htmx_post(
    app: &TestApp,
    c: &Client,
    path: &str,
    fields: &[(&str, &str)],
) -> (u16, String) {
    let res = c
        .http
        .post(app.url(path))
        .header("hx-request", "true")
        .header("content-type", "application/x-www-form-urlencoded")
        .body(serde_html_form::to_string(fields).unwrap())
        .send()
        .await
        .unwrap();
    (res.status().as_u16(), res.text().await.unwrap())
}

/// The office's programme manager, signed in (the case manager has an account).
struct Journey {
    app: TestApp,
    pm: Client,
}

impl Journey {
    async fn start() -> Journey {
        let app = spawn_app().await;
        let office = app.office("DKR").await;
        app.user("pm.dakar", Role::ProgrammeManager, Some(office))
            .await;
        app.user("cm.dakar", Role::CaseManager, Some(office)).await;
        let pm = app.signed_in("pm.dakar").await;
        Journey { app, pm }
    }
}

/// The case manager, signed in, a registered case and the intake form started on it.
struct Submission {
    cm: Client,
    csrf: String,
    case_path: String,
    sub_path: String,
}

/// The intake's answers, with the age and number of children given.
fn answers(age: &'static str, children: &'static str) -> Vec<(&'static str, &'static str)> {
    vec![
        ("_interview_date", "2026-03-01"),
        ("a:respondent_name", "Aminata Diallo"),
        ("a:age", age),
        ("a:has_children", "yes"),
        ("a:children_count", children),
        ("a:host_country", "ly"),
    ]
}

#[tokio::test]
async fn upload_preview_publish_fill_fix_and_save_with_the_version() {
    let j = Journey::start().await;
    let csrf = the_library_lists_the_shipped_instruments(&j).await;
    a_file_not_a_workbook_and_one_with_a_defect_are_refused_with_the_reason(&j, &csrf).await;
    an_upload_is_previewed_and_an_answer_brings_the_follow_up_question(&j, &csrf).await;
    the_xlsform_export_reads_back_as_the_same_form(&j).await;
    once_published_the_version_is_frozen(&j, &csrf).await;
    let (s, version) = a_case_manager_starts_the_form_from_the_case_page(&j).await;
    the_follow_up_question_appears_when_the_answer_calls_for_it(&j, &s).await;
    let version = broken_rules_say_what_to_fix_and_nothing_is_lost(&s, &version).await;
    a_stale_copy_of_the_form_is_refused_keeping_what_was_typed(&s).await;
    fixed_it_is_saved_as_complete_with_the_form_id_and_version(&j, &s, &version).await;
}

/// The library lists the shipped instruments.
async fn the_library_lists_the_shipped_instruments(j: &Journey) -> String {
    let Journey { pm, .. } = j;
    let (status, page) = pm.get_text("/forms").await;
    assert_eq!(status, 200);
    for title in [
        "The W model",
        "Counselling session record",
        "Skills assessment",
    ] {
        assert!(page.contains(title), "{title} missing from the library");
    }
    csrf_of(&page)
}

/// A file that is not a workbook, and one with a defect, are refused with the reason.
async fn a_file_not_a_workbook_and_one_with_a_defect_are_refused_with_the_reason(
    j: &Journey,
    csrf: &str,
) {
    let Journey { app, pm } = j;
    let res = upload(app, pm, csrf, "notes.xlsx", b"just some text".to_vec()).await;
    assert_eq!(res.status(), 422);
    let body = res.text().await.unwrap();
    assert!(body.contains("notes.xlsx was not accepted"), "{body}");
    assert!(body.contains("not an .xlsx file"), "{body}");
    let bad = std::fs::read(format!("{CORPUS}/invalid/unknown_field_in_constraint.xlsx")).unwrap();
    let res = upload(app, pm, csrf, "bad.xlsx", bad).await;
    assert_eq!(res.status(), 422);
    let body = res.text().await.unwrap();
    assert!(body.contains("names no question of this form"), "{body}");
    assert!(
        body.contains("sheet &#39;survey&#39;, row") || body.contains("sheet 'survey', row"),
        "{body}"
    );
}

/// Upload → preview; trying the form, an answer brings the follow-up question (htmx fragment).
async fn an_upload_is_previewed_and_an_answer_brings_the_follow_up_question(
    j: &Journey,
    csrf: &str,
) {
    let Journey { app, pm } = j;
    let res = upload(
        app,
        pm,
        csrf,
        "returnee_translated.xlsx",
        xlsx("returnee_translated.xlsx"),
    )
    .await;
    assert_eq!(res.status(), 303);
    assert_eq!(location(&res), "/forms/returnee_intake/3");
    let (status, page) = pm.get_text("/forms/returnee_intake/3").await;
    assert_eq!(status, 200);
    assert!(page.contains("Returnee intake") && page.contains("Draft"));
    assert!(page.contains("Publish this version"));
    assert!(
        page.contains("English (en), French (fr)"),
        "languages listed"
    );
    assert!(page.contains("Do you have children?"));
    assert!(
        !page.contains("How many children?"),
        "hidden until the answer calls for it"
    );
    // Trying the form: an answer brings the follow-up question (htmx fragment).
    let (status, fragment) = htmx_post(
        app,
        pm,
        "/forms/returnee_intake/3/preview",
        &[("_csrf", csrf), ("a:has_children", "yes")],
    )
    .await;
    assert_eq!(status, 200);
    assert!(fragment.contains("How many children?"));
    assert!(!fragment.contains("<html"), "a fragment, not a page");
}

/// The XLSForm export reads back as the same form.
async fn the_xlsform_export_reads_back_as_the_same_form(j: &Journey) {
    let Journey { pm, .. } = j;
    let res = pm.get("/forms/returnee_intake/3/xlsx").await;
    assert_eq!(res.status(), 200);
    let exported = res.bytes().await.unwrap();
    let form = forms::import_xlsx(&exported, "x.xlsx").unwrap();
    assert_eq!(form.settings.form_id, "returnee_intake");
    assert_eq!(form.settings.version, "3");
}

/// Publish; the version is then frozen.
async fn once_published_the_version_is_frozen(j: &Journey, csrf: &str) {
    let Journey { app, pm } = j;
    let res = pm
        .post_form("/forms/returnee_intake/3/publish", csrf, &[])
        .await;
    assert_eq!(res.status(), 303);
    let (_, page) = pm.get_text("/forms/returnee_intake/3").await;
    assert!(page.contains("Published") && !page.contains("Publish this version"));
    let res = upload(
        app,
        pm,
        csrf,
        "again.xlsx",
        xlsx("returnee_translated.xlsx"),
    )
    .await;
    assert_eq!(res.status(), 422);
    assert!(res.text().await.unwrap().contains("already published"));
}

/// A case manager registers a case and starts the form from the case page.
async fn a_case_manager_starts_the_form_from_the_case_page(j: &Journey) -> (Submission, String) {
    let Journey { app, .. } = j;
    let cm = app.signed_in("cm.dakar").await;
    let csrf = cm.csrf("/cases/new").await;
    let res = cm.post_form("/cases", &csrf, &registration()).await;
    assert_eq!(res.status(), 303);
    let case_path = location(&res);
    let (_, page) = cm.get_text(&case_path).await;
    assert!(page.contains("Forms and assessments") && page.contains("Returnee intake"));
    let res = cm
        .post_form(
            &format!("{case_path}/submissions"),
            &csrf,
            &[("form_id", "returnee_intake")],
        )
        .await;
    assert_eq!(res.status(), 303);
    let sub_path = location(&res);
    assert!(sub_path.starts_with(&format!("{case_path}/submissions/")));
    let (status, page) = cm.get_text(&sub_path).await;
    assert_eq!(status, 200);
    assert!(page.contains("Full name") && !page.contains("How many children?"));
    let version = field_value(&page, "_version");
    (
        Submission {
            cm,
            csrf,
            case_path,
            sub_path,
        },
        version,
    )
}

/// The follow-up question appears when the answer calls for it.
async fn the_follow_up_question_appears_when_the_answer_calls_for_it(j: &Journey, s: &Submission) {
    let Journey { app, .. } = j;
    let Submission {
        cm, csrf, sub_path, ..
    } = s;
    let (status, fragment) = htmx_post(
        app,
        cm,
        sub_path,
        &[
            ("_csrf", csrf),
            ("_action", "refresh"),
            ("a:has_children", "yes"),
        ],
    )
    .await;
    assert_eq!(status, 200);
    assert!(fragment.contains("How many children?"));
}

/// Submitting with answers that break the form's rules: told what to fix, nothing lost.
async fn broken_rules_say_what_to_fix_and_nothing_is_lost(s: &Submission, version: &str) -> String {
    let Submission {
        cm, csrf, sub_path, ..
    } = s;
    let mut fields = answers("130", "0");
    fields.push(("_version", version));
    fields.push(("_action", "submit"));
    let res = cm.post_form(sub_path, csrf, &fields).await;
    assert_eq!(res.status(), 422);
    let page = res.text().await.unwrap();
    assert!(page.contains("Age must be between 0 and 120."), "{page}");
    assert!(page.contains("Enter at least 1."));
    assert!(
        page.contains("value=\"130\"") && page.contains("Aminata Diallo"),
        "typed values kept"
    );
    assert!(page.contains("The draft was saved"));
    field_value(&page, "_version")
}

/// A stale copy of the form is refused, keeping what was typed.
async fn a_stale_copy_of_the_form_is_refused_keeping_what_was_typed(s: &Submission) {
    let Submission {
        cm, csrf, sub_path, ..
    } = s;
    let mut stale = answers("31", "2");
    stale.push(("_version", "1"));
    stale.push(("_action", "save"));
    let res = cm.post_form(sub_path, csrf, &stale).await;
    assert_eq!(res.status(), 409);
    assert!(res.text().await.unwrap().contains("value=\"31\""));
}

/// Fixed: saved as complete, with the form id and version.
async fn fixed_it_is_saved_as_complete_with_the_form_id_and_version(
    j: &Journey,
    s: &Submission,
    version: &str,
) {
    let Journey { app, .. } = j;
    let Submission {
        cm,
        csrf,
        case_path,
        sub_path,
    } = s;
    let mut fields = answers("31", "2");
    fields.push(("_version", version));
    fields.push(("_action", "submit"));
    let res = cm.post_form(sub_path, csrf, &fields).await;
    assert_eq!(
        res.status(),
        303,
        "{}",
        res.text().await.unwrap_or_default()
    );
    let (_, page) = cm.get_text(sub_path).await;
    assert!(page.contains("Complete") && page.contains("Version 3"));
    assert!(
        !page.contains("name=\"_action\" value=\"submit\""),
        "a completed form is read-only"
    );
    let sid: uuid::Uuid = sub_path.rsplit('/').next().unwrap().parse().unwrap();
    let stored = app.store.submission(sid).await.unwrap();
    assert_eq!(
        (stored.form_id.as_str(), stored.form_version.as_str()),
        ("returnee_intake", "3")
    );
    let answers: serde_json::Value = serde_json::from_str(&stored.answers).unwrap();
    assert_eq!(answers["age"], "31");
    assert_eq!(answers["children_count"], "2");
    assert_eq!(answers["age_group"], "adult", "calculations are stored");
    // The case page lists it.
    let (_, page) = cm.get_text(case_path).await;
    assert!(page.contains("Returnee intake") && page.contains("Complete"));
}

/// A programme manager publishes the translated intake form, registers a returnee and starts
/// the form about them.
async fn intake_started() -> (TestApp, Client, String, String, (String, String)) {
    let app = spawn_app().await;
    let office = app.office("DKR").await;
    app.user("pm.dakar", Role::ProgrammeManager, Some(office))
        .await;
    let pm = app.signed_in("pm.dakar").await;
    let csrf = pm.csrf("/forms").await;
    let res = upload(&app, &pm, &csrf, "r.xlsx", xlsx("returnee_translated.xlsx")).await;
    assert_eq!(res.status(), 303);
    pm.post_form("/forms/returnee_intake/3/publish", &csrf, &[])
        .await;
    let csrf = pm.csrf("/cases/new").await;
    let res = pm.post_form("/cases", &csrf, &registration()).await;
    let case_path = location(&res);
    let (sub_path, version) = start_submission(&pm, &case_path, &csrf).await;
    let started = (sub_path, version);
    (app, pm, csrf, case_path, started)
}

#[tokio::test]
async fn answers_to_questions_that_no_longer_apply_are_dropped_on_submit() {
    let (app, pm, csrf, case_path, (sub_path, version)) = intake_started().await;

    // A draft keeps everything typed.
    let res = pm
        .post_form(
            &sub_path,
            &csrf,
            &[
                ("_version", &version),
                ("_action", "save"),
                ("_interview_date", "2026-03-01"),
                ("a:respondent_name", "Awa"),
            ],
        )
        .await;
    assert_eq!(res.status(), 200);
    let page = res.text().await.unwrap();
    assert!(page.contains("Draft saved") && page.contains("value=\"Awa\""));
    let version = field_value(&page, "_version");

    // Children counted, then the answer changed to "no": the count is dropped.
    let res = pm
        .post_form(
            &sub_path,
            &csrf,
            &[
                ("_version", &version),
                ("_action", "submit"),
                ("_interview_date", "2026-03-01"),
                ("a:respondent_name", "Awa"),
                ("a:age", "17"),
                ("a:has_children", "no"),
                ("a:children_count", "4"),
            ],
        )
        .await;
    assert_eq!(res.status(), 303);
    let sid: uuid::Uuid = sub_path.rsplit('/').next().unwrap().parse().unwrap();
    let stored: serde_json::Value =
        serde_json::from_str(&app.store.submission(sid).await.unwrap().answers).unwrap();
    assert!(stored.get("children_count").is_none(), "{stored}");
    assert_eq!(stored["age_group"], "minor");
    // An interview date in the future is refused.
    let (sub_path, version) = start_submission(&pm, &case_path, &csrf).await;
    let res = pm
        .post_form(
            &sub_path,
            &csrf,
            &[
                ("_version", &version),
                ("_action", "save"),
                ("_interview_date", "2999-01-01"),
            ],
        )
        .await;
    assert_eq!(res.status(), 422);
    assert!(
        res.text()
            .await
            .unwrap()
            .contains("Enter the date of the interview")
    );
}

#[tokio::test]
async fn oversized_and_inflating_uploads_are_refused_with_the_reason() {
    let app = spawn_app().await;
    let office = app.office("DKR").await;
    app.user("pm.dakar", Role::ProgrammeManager, Some(office))
        .await;
    let pm = app.signed_in("pm.dakar").await;
    let csrf = pm.csrf("/forms").await;

    let huge = vec![b'P'; 6 * 1024 * 1024];
    let res = upload(&app, &pm, &csrf, "huge.xlsx", huge).await;
    assert_eq!(res.status(), 413);
    let page = res.text().await.unwrap();
    assert!(page.contains("larger than 5 MB"), "{page}");

    let bomb = std::fs::read(format!("{CORPUS}/invalid/unpacks_too_large.xlsx")).unwrap();
    let res = upload(&app, &pm, &csrf, "bomb.xlsx", bomb).await;
    assert_eq!(res.status(), 422);
    assert!(res.text().await.unwrap().contains("unpacks to 60 MB"));

    // Nothing was stored: only the shipped instruments are in the library.
    let versions = app.store.form_versions().await.unwrap();
    assert!(
        versions
            .iter()
            .all(|v| v.origin == store::FormOrigin::Shipped)
    );
}

/// Repeats without JavaScript: plain buttons add and remove items, the items' own skip logic
/// works per item, and what was typed in the other items stays.
#[tokio::test]
async fn repeat_items_are_added_and_removed_with_plain_buttons() {
    let app = spawn_app().await;
    let office = app.office("DKR").await;
    app.user("cm.dakar", Role::CaseManager, Some(office)).await;
    let cm = app.signed_in("cm.dakar").await;
    let csrf = cm.csrf("/cases/new").await;
    let case_path = location(&cm.post_form("/cases", &csrf, &registration()).await);
    let res = cm
        .post_form(
            &format!("{case_path}/submissions"),
            &csrf,
            &[("form_id", "family_assessment")],
        )
        .await;
    let sub_path = location(&res);
    let (_, page) = cm.get_text(&sub_path).await;
    assert!(
        !page.contains("Household members"),
        "asked only with the returnee's agreement"
    );

    let post = |fields: Vec<(&'static str, &'static str)>| {
        let (cm, csrf, sub_path) = (&cm, &csrf, &sub_path);
        async move {
            let res = cm.post_form(sub_path, csrf, &fields).await;
            assert_eq!(res.status(), 200);
            res.text().await.unwrap()
        }
    };
    let page = post(vec![
        ("a:returnee_consent", "yes"),
        ("_action", "add:household_members"),
    ])
    .await;
    assert!(page.contains("Household members 1"), "{page}");
    assert!(page.contains("name=\"a:household_members/0/member_name\""));
    assert!(!page.contains("Was this child born abroad?"));

    let page = post(vec![
        ("a:returnee_consent", "yes"),
        ("n:household_members", "1"),
        ("a:household_members/0/member_name", "Moussa"),
        ("a:household_members/0/member_relationship", "child"),
        ("_action", "add:household_members"),
    ])
    .await;
    assert!(page.contains("Household members 2"));
    assert!(
        page.contains("value=\"Moussa\""),
        "the first item keeps its answers"
    );
    assert_eq!(
        page.matches("Was this child born abroad?").count(),
        1,
        "asked for the child only, not for the new empty item"
    );

    let page = post(vec![
        ("a:returnee_consent", "yes"),
        ("n:household_members", "2"),
        ("a:household_members/0/member_name", "Moussa"),
        ("a:household_members/0/member_relationship", "child"),
        ("a:household_members/1/member_name", "Awa"),
        ("_action", "remove:household_members/0"),
    ])
    .await;
    assert!(!page.contains("Household members 2") && page.contains("Household members 1"));
    assert!(page.contains("value=\"Awa\"") && !page.contains("value=\"Moussa\""));
}

#[tokio::test]
async fn the_screening_starts_with_the_age_the_case_already_knows() {
    let app = spawn_app().await;
    let office = app.office("DKR").await;
    app.user("cm.one", Role::CaseManager, Some(office)).await;
    let cm = app.signed_in("cm.one").await;
    // Born 1995-03-14, returned 2026-02-10: 30 at return.
    let (id, _) = register_named(&app, &cm, "Aminata", "female").await;
    let csrf = cm.csrf(&format!("/cases/{id}")).await;
    let res = cm
        .post_form(
            &format!("/cases/{id}/submissions"),
            &csrf,
            &[("form_id", "rapid_vulnerability_screening")],
        )
        .await;
    assert_eq!(res.status(), 303);
    let (status, page) = cm.get_text(&location(&res)).await;
    assert_eq!(status, 200);
    let at = page
        .find("id=\"q-returnee_age\"")
        .expect("the age question");
    let input = &page[at..at + page[at..].find('>').unwrap()];
    assert!(input.contains("value=\"30\""), "{input}");
}

/// Answers are kept as every text is: composed (NFC), without direction overrides; control
/// characters are taken out of a draft and stop a completion, on the question that held them.
#[tokio::test]
async fn answers_are_normalised_and_control_characters_refused() {
    let (app, pm, csrf, _, (sub_path, version)) = intake_started().await;
    let sid: uuid::Uuid = sub_path.rsplit('/').next().unwrap().parse().unwrap();
    // "Aïssa" typed decomposed, with a right-to-left override and a NUL.
    let typed = "A\u{0308}i\u{0308}ssa\u{202E}\u{0}";
    let res = pm
        .post_form(
            &sub_path,
            &csrf,
            &[
                ("_version", &version),
                ("_action", "submit"),
                ("_interview_date", "2026-03-01"),
                ("a:respondent_name", typed),
                ("a:age", "30"),
                ("a:has_children", "no"),
            ],
        )
        .await;
    assert_eq!(res.status(), 422, "not completed");
    let page = res.text().await.unwrap();
    assert!(page.contains("Remove the control characters"), "{page}");
    let stored = app.store.submission(sid).await.unwrap();
    assert_eq!(stored.status, store::SubmissionStatus::Draft);
    let answers: serde_json::Value = serde_json::from_str(&stored.answers).unwrap();
    assert_eq!(
        answers["respondent_name"], "\u{C4}\u{EF}ssa",
        "composed, no override, no NUL"
    );
}
