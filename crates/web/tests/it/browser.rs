//! User journeys in headless Chromium.

use crate::common::*;
use crate::webdriver::Browser;
use domain::Role;

#[tokio::test]
async fn case_manager_registers_a_returnee_then_finds_and_opens_the_case() {
    let app = spawn_app().await;
    let office = app.office("DKR").await;
    app.user("awa.diop", Role::CaseManager, Some(office)).await;
    let b = Browser::start().await;

    b.goto(&app.url("/cases")).await;
    assert!(
        b.url().await.contains("/login"),
        "signed-out users are sent to sign in"
    );
    b.type_into("#username", "awa.diop").await;
    b.type_into("#password", PASSWORD).await;
    b.click("main form button[type=submit]").await;
    b.wait_for_text("No cases match").await;

    b.click("a[href='/cases/new']").await;
    // The list's navigation already says "Register a returnee"; this button is the form's own.
    b.wait_for_text("Add another household member").await;
    b.type_into("#f-given_name", "Fatoumata").await;
    b.type_into("#f-family_name", "Kouyaté").await;
    b.click("#f-sex option[value=female]").await;
    b.set_value("#f-date_of_birth", "1998-07-21").await;
    b.type_into("#f-nationality", "Senegal").await;
    b.set_value("#f-return_date", "2026-04-02").await;
    b.type_into("#f-returned_from", "Morocco").await;
    b.click("#f-return_type option[value=assisted_voluntary]")
        .await;
    b.type_into("#f-return_country", "Senegal").await;
    // Forgetting the province is explained on the form, and nothing typed is lost.
    b.click("button[value=save]").await;
    b.wait_for_text("Some answers need attention").await;
    assert_eq!(
        b.script(
            "return document.querySelector('#f-given_name').value",
            serde_json::json!([])
        )
        .await,
        "Fatoumata"
    );
    b.type_into("#f-return_province", "Ziguinchor").await;
    b.click("input[name=vulnerabilities][value=health_needs]")
        .await;
    b.type_into("input[name=hh_name]", "Ismaïla Kouyaté").await;
    b.click("select[name=hh_relationship] option[value=child]")
        .await;
    b.click("#f-consent_contact option[value=given]").await;
    b.click("button[value=save]").await;
    b.wait_for_text("Changes").await;
    assert!(b.text("h1").await.contains("Fatoumata Kouyaté"));

    // Find it again by name from the list: htmx refreshes the results as one types.
    b.click("a[href='/cases']").await;
    b.wait_for_text("Search by name").await;
    // The full list already says "One case matches": mark its summary, and wait for the one the
    // search brings back in its place.
    b.script(
        "document.querySelector('#results .summary').dataset.before = 'search'",
        serde_json::json!([]),
    )
    .await;
    b.type_into("#q", "kouyate").await;
    b.wait_until(
        "const s = document.querySelector('#results .summary'); return !!s && !s.dataset.before && s.textContent.includes('One case matches')",
    )
    .await;
    b.screenshot("case-list-search").await;
    b.click("table.cases a").await;
    b.wait_for_text("Ismaïla Kouyaté").await;
    let page = b.text("body").await;
    assert!(page.contains("Ziguinchor") && page.contains("Health needs"));
    assert!(page.contains(&format!(
        "DKR-{}-00001",
        time::OffsetDateTime::now_utc().year()
    )));
    let shot = b.screenshot("case-page").await;
    assert!(std::fs::metadata(shot).unwrap().len() > 10_000);
    b.quit().await;
}

/// Skip logic on the server: answering "yes" to a screening question brings its follow-up
/// question onto the page without a reload, and the answers survive the round trip.
#[tokio::test]
async fn a_follow_up_question_appears_once_an_earlier_answer_calls_for_it() {
    let app = spawn_app().await;
    let office = app.office("DKR").await;
    app.user("ibou.sarr", Role::CaseManager, Some(office)).await;
    let http = app.signed_in("ibou.sarr").await;
    let csrf = http.csrf("/cases/new").await;
    let res = http.post_form("/cases", &csrf, &registration()).await;
    let case_path = location(&res);

    let b = Browser::start().await;
    b.goto(&app.url("/login")).await;
    b.type_into("#username", "ibou.sarr").await;
    b.type_into("#password", PASSWORD).await;
    b.click("main form button[type=submit]").await;
    b.wait_for_text("Cases").await;
    b.goto(&app.url(&case_path)).await;
    b.wait_for_text("Forms and assessments").await;
    b.click("#f-start-form option[value=rapid_vulnerability_screening]")
        .await;
    b.click("#forms button[type=submit]").await;
    // The case page already names the form (the pathway and the form picker).
    b.wait_for_text("About this screening").await;
    b.wait_for_text("physical or mental health needs").await;
    let body = b.text("main").await;
    assert!(
        !body.contains("What kind of health needs?"),
        "not asked yet"
    );

    // The age comes filled in from the case; the interviewer corrects it.
    b.clear("#q-returnee_age").await;
    b.type_into("#q-returnee_age", "34").await;
    b.click("#q-health_needs-yes").await;

    b.wait_for_text("What kind of health needs?").await;
    // The swap kept what was typed before.
    assert_eq!(
        b.script(
            "return document.querySelector('#q-returnee_age').value",
            serde_json::json!([])
        )
        .await,
        "34"
    );
    b.screenshot("form-follow-up-question").await;

    // And it goes away again when the answer changes.
    b.click("#q-health_needs-no").await;
    b.wait_for_text("Has the returnee suffered violence").await;
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(10);
    while b.text("main").await.contains("What kind of health needs?") {
        assert!(
            std::time::Instant::now() < deadline,
            "follow-up question never hidden"
        );
        tokio::time::sleep(std::time::Duration::from_millis(100)).await;
    }
    b.quit().await;
}

#[tokio::test]
async fn a_case_manager_conducts_a_baseline_survey_and_sees_the_scores_and_chart() {
    let app = spawn_app().await;
    let office = app.office("DKR").await;
    app.user("ndeye.fall", Role::CaseManager, Some(office))
        .await;
    let http = app.signed_in("ndeye.fall").await;
    let (case_path, _) = register_recent_return(&http).await;

    let b = Browser::start().await;
    b.goto(&app.url("/login")).await;
    b.type_into("#username", "ndeye.fall").await;
    b.type_into("#password", PASSWORD).await;
    b.click("main form button[type=submit]").await;
    b.wait_for_text("Cases").await;
    b.goto(&app.url(&case_path)).await;
    b.wait_for_text("Baseline survey due by").await;
    b.click("#rss button[type=submit]").await;
    b.wait_for_text("Does the returnee agree to take part?")
        .await;
    assert!(!b.text("main").await.contains("How satisfied are you"));

    fill_survey(&b, "baseline").await;
    b.screenshot("rss-filled").await;
    b.click("button[value=submit]").await;
    b.wait_for_text("Survey result").await;
    let page = b.text("main").await;
    assert!(page.contains("Scored"), "{page}");
    assert!(page.contains("0.44") && page.contains("0.54"));
    assert!(page.contains("Standard support"));
    assert!(page.contains("own case manager"));
    let charts = b
        .script(
            "return document.querySelectorAll('figure.chart svg rect.bar').length",
            serde_json::json!([]),
        )
        .await;
    assert_eq!(charts, 4, "three dimensions and the composite");
    b.screenshot("rss-result").await;

    b.goto(&app.url(&case_path)).await;
    b.wait_for_text("Reintegration scores across survey rounds")
        .await;
    let page = b.text("#rss").await;
    assert!(page.contains("Done on"));
    assert!(page.contains("0.54 Standard support"));
    b.script(
        "document.querySelector('#rss').scrollIntoView()",
        serde_json::json!([]),
    )
    .await;
    b.screenshot("rss-case-page").await;
    b.quit().await;
}

pub(crate) async fn sign_in_as(b: &Browser, app: &TestApp, user: &str) {
    b.goto(&app.url("/login")).await;
    b.type_into("#username", user).await;
    b.type_into("#password", PASSWORD).await;
    b.click("main form button[type=submit]").await;
    b.wait_for_text("Sign out").await;
}

async fn sign_out(b: &Browser) {
    b.click("form[action='/logout'] button").await;
    b.wait_for_text("Sign in").await;
}

/// Fills the survey in the browser: round, setting, consent, then the mixed sheet, waiting
/// for the questions skip logic reveals.
async fn fill_survey(b: &Browser, round: &str) {
    b.click(&format!("#q-round-{round}")).await;
    b.click("#q-interview_location-office").await;
    b.click("#q-private_space").await;
    b.click("#q-consent-yes").await;
    b.wait_for_text("How satisfied are you with your economic situation")
        .await;
    b.click("#q-consent_form-written").await;
    for (field, value) in mixed_answers() {
        let name = field.trim_start_matches("a:");
        match name {
            "q10" => b.wait_for_text("Why are you looking for a new job?").await,
            "q31" => b.wait_for_text("What makes you feel that way?").await,
            _ => {}
        }
        b.click(&format!("#q-{name}-{value}")).await;
    }
}

/// Fills the survey and submits it.
async fn answer_survey(b: &Browser, round: &str) {
    fill_survey(b, round).await;
    b.click("button[value=submit]").await;
    b.wait_for_text("Survey result").await;
}

#[tokio::test]
async fn a_returnee_is_walked_from_assessments_to_an_approved_plan_follow_up_and_closure() {
    let app = spawn_app().await;
    let office = app.office("TMB").await;
    app.user("mariama.ba", Role::CaseManager, Some(office))
        .await;
    app.user("omar.sy", Role::ProgrammeManager, Some(office))
        .await;
    let http = app.signed_in("mariama.ba").await;
    let (case_path, _) = register_recent_return(&http).await;
    let today = crate::common::today().to_string();

    let b = Browser::start().await;
    sign_in_as(&b, &app, "mariama.ba").await;
    b.goto(&app.url(&case_path)).await;
    b.wait_for_text("Still needed to move on").await;
    assert!(b.text("#pathway").await.contains("Intake"));

    // Assessments: the rapid screening, with an unsure answer that raises a task.
    b.set_value("#f-start-form", "rapid_vulnerability_screening")
        .await;
    b.click("#forms button[type=submit]").await;
    b.wait_for_text("About this screening").await;
    b.set_value("#q-screening_date", &today).await;
    b.click("#q-screening_stage-on_arrival").await;
    b.click("#q-screener_trained").await;
    b.clear("#q-returnee_age").await;
    b.type_into("#q-returnee_age", "31").await;
    for (q, a) in [
        ("health_needs", "no"),
        ("trafficking_victim", "no"),
        ("violence_exploitation_abuse", "no"),
        ("risk_of_violence", "not_sure"),
        ("household_vulnerability", "no"),
        ("other_vulnerabilities", "none"),
        ("urgent_signs", "none"),
    ] {
        b.click(&format!("#q-{q}-{a}")).await;
    }
    b.click("button[value=submit]").await;
    // The form page already says its title; wait for the submission to be complete.
    b.wait_until(
        "return [...document.querySelectorAll('p.meta .badge')].some(e => e.textContent.trim() === 'Complete')",
    )
    .await;
    b.goto(&app.url(&case_path)).await;
    b.wait_for_text("Follow-up screenings after a positive rapid screening")
        .await;
    assert!(b.text("#pathway").await.contains("Assessment"));

    // The baseline survey moves the case to planning.
    b.click("#rss button[type=submit]").await;
    b.wait_for_text("Does the returnee agree to take part?")
        .await;
    answer_survey(&b, "baseline").await;
    b.goto(&app.url(&case_path)).await;
    b.wait_for_text("Pathway").await;
    assert!(b.text("#pathway").await.contains("Planning"));

    // The plan: a suggestion from the grid (weakest dimension first), then the plan itself.
    b.click(".case-nav a[href$='/plan']").await;
    // The case page's pathway already says "No plan yet."
    b.wait_for_text("Start the plan").await;
    b.click("a[href$='/plan/edit']").await;
    b.wait_for_text("Suggestions from the feasibility grid")
        .await;
    let first = b.text("#suggestions details summary").await;
    assert!(
        first.starts_with("Economic (0.44)"),
        "weakest dimension first: {first}"
    );
    // What is typed before adding a suggestion stays: the suggestion is added to the plan as
    // typed.
    b.type_into("#f-obj-e", "Open a tailoring workshop").await;
    b.click("#suggestions details summary").await;
    b.click("#suggestions details button[data-approach]").await;
    // The picked approach is marked once the page has come back.
    b.wait_for_text("in the plan").await;
    assert_eq!(
        b.script(
            "return document.querySelector('#f-obj-e').value",
            serde_json::json!([])
        )
        .await,
        "Open a tailoring workshop"
    );
    b.type_into("#f-exit-strategy", "Joins the tailors' association")
        .await;
    b.type_into(
        "#f-best-interests-note",
        "The income keeps Moussa in school",
    )
    .await;
    b.click(".plan-form button[type=submit]").await;
    b.wait_for_text("Record the returnee's agreement").await;
    b.screenshot("plan-draft").await;
    b.click("#plan-status details summary").await;
    b.set_value("#f-agreement_method", "signed").await;
    b.click("#plan-status details form button[type=submit]")
        .await;
    b.wait_for_text("Agreed by the returnee on").await;
    assert!(b.text("#plan-status").await.contains("Not yet approved."));
    sign_out(&b).await;

    // The supervisor finds it waiting and approves it.
    sign_in_as(&b, &app, "omar.sy").await;
    b.click("a[href='/approvals']").await;
    b.wait_for_text("Plan version 1").await;
    b.click("td a[href*='/plan']").await;
    b.wait_for_text("Approve this plan").await;
    b.click("form[action$='/plan/approve'] button").await;
    b.wait_for_text("Approved by omar.sy name").await;
    b.screenshot("plan-approved").await;
    b.goto(&app.url(&format!("{case_path}/plan/print"))).await;
    b.wait_for_text("Agreed by the returnee (name and signature)")
        .await;
    b.screenshot("plan-printable").await;
    sign_out(&b).await;

    // Follow-up: the mid-term visit is scheduled from the plan; a visit is recorded.
    sign_in_as(&b, &app, "mariama.ba").await;
    b.goto(&app.url(&format!("{case_path}/follow-up"))).await;
    b.wait_for_text("Mid-term monitoring").await;
    b.click("#visits details summary").await;
    b.set_value("#f-mode", "home_visit").await;
    b.type_into("#f-findings", "Workshop open, first clients")
        .await;
    b.click("#visits details button[type=submit]").await;
    b.wait_for_text("Workshop open, first clients").await;

    // The final survey, then closure, approved by the supervisor.
    b.goto(&app.url(&case_path)).await;
    b.wait_for_text("Pathway").await;
    b.click("#rss button[type=submit]").await;
    b.wait_for_text("Does the returnee agree to take part?")
        .await;
    answer_survey(&b, "final").await;
    b.goto(&app.url(&format!("{case_path}/closure"))).await;
    b.wait_for_text("Close the case").await;
    assert!(!b.text("main").await.contains("No final-round survey"));
    b.set_value("#f-closure_reason", "planned_end").await;
    b.type_into("#f-needs_met", "Workshop running; Moussa in school")
        .await;
    // Whatever is still open is either settled or said to stay open, with a reason each.
    let open = b
        .script(
            "return document.querySelectorAll('textarea[name=carry_reason]').length",
            serde_json::json!([]),
        )
        .await
        .as_u64()
        .unwrap();
    for n in 1..=open {
        b.type_into(
            &format!("#open-business + p + table tr:nth-child({n}) textarea"),
            "The association follows it up",
        )
        .await;
    }
    b.click("form[action$='/closure'] button[type=submit]")
        .await;
    b.wait_for_text("Waiting for a supervisor's approval.")
        .await;
    sign_out(&b).await;
    sign_in_as(&b, &app, "omar.sy").await;
    b.goto(&app.url(&format!("{case_path}/closure"))).await;
    b.click("form[action$='/closure/approve'] button").await;
    b.wait_for_text("Approved by omar.sy name").await;
    b.goto(&app.url(&case_path)).await;
    b.wait_for_text("Pathway").await;
    assert!(b.text("#pathway").await.contains("Closed"));
    b.quit().await;
}

/// A case manager refers a returnee to a mapped service with minimal consent; the clinic's
/// partner signs in, sees only what was agreed, accepts and confirms delivery; the case
/// manager sees it on the case.
#[tokio::test]
async fn a_referral_travels_to_a_partner_and_back() {
    let app = spawn_app().await;
    let office = app.office("DKR").await;
    app.user("awa.diop", Role::CaseManager, Some(office)).await;
    let partner = app.user("clinic.staff", Role::Partner, Some(office)).await;
    let (provider, _) = map_service(&app, "Clinique Medina", "Dakar").await;
    join_provider(&app, &partner, provider).await;
    let http = app.signed_in("awa.diop").await;
    let (case_path, _) = register_recent_return(&http).await;

    let b = Browser::start().await;
    sign_in_as(&b, &app, "awa.diop").await;
    b.goto(&app.url(&case_path)).await;
    b.click("nav.case-nav a[href$='/referrals']").await;
    b.wait_for_text("Refer to a service").await;
    b.click("#f-procedure-service option:nth-child(2)").await;
    b.click("#refer form[method=get] button").await;
    b.wait_for_text("Referral procedure").await;
    b.type_into("#f-referral_reason", "Diabetes follow-up")
        .await;
    b.set_value("#f-consent_date", &crate::common::today().to_string())
        .await;
    b.click("#f-consent_method option[value=verbal_in_person]")
        .await;
    b.type_into("#f-consent_purpose", "Treatment at the clinic")
        .await;
    b.click("button[value=send]").await;
    b.wait_for_text("Sent, waiting for an answer").await;
    let preview = b.text("#provider-preview").await;
    assert!(preview.contains("Aminata Diallo") && !preview.contains("Moussa"));
    b.screenshot("referral-sent").await;
    sign_out(&b).await;

    sign_in_as(&b, &app, "clinic.staff").await;
    b.wait_for_text("Referrals sent to your organisation").await;
    b.click("table a").await;
    b.wait_for_text("Diabetes follow-up").await;
    let shown = b.text("#disclosed").await;
    assert!(shown.contains("Aminata Diallo"));
    assert!(!shown.contains("Moussa") && !shown.contains("Debt"));
    b.click("#f-step option[value=accept]").await;
    b.click("section form button[type=submit]").await;
    b.wait_for_text("Accepted").await;
    b.click("#f-step option[value=complete]").await;
    b.type_into("#f-note", "Seen by Dr Sow, next visit in 3 months")
        .await;
    b.click("section form button[type=submit]").await;
    // "Service delivered" is already one of the actions offered: wait for the status.
    b.wait_until(
        "const s = document.querySelector('#referral-status'); return !!s && s.textContent.trim() === 'Service delivered'",
    )
    .await;
    b.screenshot("referral-partner").await;
    sign_out(&b).await;

    sign_in_as(&b, &app, "awa.diop").await;
    b.goto(&app.url(&format!("{case_path}/referrals"))).await;
    b.wait_for_text("Service delivered").await;
    b.click("table a").await;
    b.wait_for_text("Seen by Dr Sow").await;
    assert!(b.text("#h-disclosures").await.contains("Who has seen it"));
    assert!(b.text("main").await.contains("viewed by partner"));

    // The stakeholder grid, as a case manager sees it (no stance).
    for (name, influence, interest) in [("Ministry", 5, 5), ("Municipality", 4, 2), ("Union", 1, 2)]
    {
        app.store
            .save_stakeholder(
                domain::StakeholderId::new(),
                None,
                serde_json::from_value(serde_json::json!({"name": name, "kind": "ngo", "level": "local", "influence": influence, "interest": interest, "stance": "potential_obstructor"})).unwrap(),
                store::AuditContext::system(time::OffsetDateTime::now_utc(), "test"),
            )
            .await
            .unwrap();
    }
    b.goto(&app.url("/stakeholders")).await;
    b.wait_for_text("Municipality").await;
    assert!(!b.text("main").await.contains("Potential obstructor"));
    b.screenshot("stakeholder-grid").await;
    b.quit().await;
}

/// The community level in the browser: a community made from the cases' place of return, its
/// profile filled in, a collective project opened with two returnees and three community
/// members, a monitoring visit, and the project seen on a returnee's plan.
#[tokio::test]
async fn a_community_project_is_opened_staffed_visited_and_seen_on_a_returnees_plan() {
    let app = spawn_app().await;
    let office = app.office("DKR").await;
    app.user("awa.diop", Role::CaseManager, Some(office)).await;
    let http = app.signed_in("awa.diop").await;
    let (aminata, aminata_no) = register_named(&app, &http, "Aminata", "female").await;
    let (_, ibrahima_no) = register_named(&app, &http, "Ibrahima", "male").await;

    let b = Browser::start().await;
    sign_in_as(&b, &app, "awa.diop").await;
    b.click("nav a[href='/communities']").await;
    b.wait_for_text("Places of return without a community")
        .await;
    b.click("#places a.button").await;
    // The communities page has an "Add a community" button too.
    b.wait_for_text("Places it covers").await;
    b.click("main form button[type=submit]").await;
    b.wait_for_text("Registered returnees: 2").await;
    assert!(b.text("h1").await.contains("Goudiry"));

    // The community profile, through the forms engine.
    b.click("#start-form option[value=community_profile]").await;
    b.click("#instruments form button[type=submit]").await;
    b.wait_for_text("Who contributed to the profile?").await;
    b.set_value("#q-profile_date", &crate::common::today().to_string())
        .await;
    b.click("#q-participants-returnees").await;
    b.click("#q-participants-non_migrants").await;
    b.click("#q-profile_methods-focus_group").await;
    b.click("#q-existing_assessments_used-no").await;
    b.click("#q-returnee_resentment-no").await;
    b.click("button[value=submit]").await;
    b.wait_for_text("Complete").await;
    b.click("main > p a").await;
    b.wait_for_text("Profiles and assessments").await;
    assert!(b.text("#instruments").await.contains("Community profile"));

    // A collective project.
    b.click("#projects a.button").await;
    b.wait_for_text("New community project in Goudiry").await;
    b.type_into("#f-name", "Goudiry poultry cooperative").await;
    b.click("#f-kind option[value=collective_income]").await;
    b.click("main form button[type=submit]").await;
    b.wait_for_text("Who takes part").await;

    // Two returnees by case number, three community members by name.
    let joined = crate::common::today().to_string();
    let participants: [(&str, &str, &str); 5] = [
        ("returnee", &aminata_no, ""),
        ("returnee", &ibrahima_no, ""),
        ("community_member", "", "Fatou Ba"),
        ("community_member", "", "Ousmane Sy"),
        ("community_member", "", "Awa Ndiaye"),
    ];
    for (i, (kind, number, name)) in participants.iter().enumerate() {
        let form = "form[action$='/participants']";
        b.click("#participants details > summary").await;
        b.click(&format!("{form} [name=kind] option[value={kind}]"))
            .await;
        if !number.is_empty() {
            b.type_into(&format!("{form} [name=case_number]"), number)
                .await;
        } else {
            b.type_into(&format!("{form} [name=name]"), name).await;
        }
        b.click(&format!("{form} [name=role] option[value=member]"))
            .await;
        b.set_value(&format!("{form} [name=joined]"), &joined).await;
        b.click(&format!("{form} button[type=submit]")).await;
        b.wait_until(&format!(
            "return document.querySelectorAll('#participants tbody tr').length === {}",
            i + 1
        ))
        .await;
    }
    let mix = b.text("#participants").await;
    assert!(mix.contains("Several returnees and several community members take part."));
    assert!(mix.contains("Fatou Ba") && mix.contains("Aminata Diallo"));

    // A monitoring visit.
    let visit = "form[action$='/visits']";
    b.click("#visits details > summary").await;
    b.set_value(&format!("{visit} [name=on]"), &joined).await;
    b.click(&format!("{visit} [name=rating] option[value=on_track]"))
        .await;
    b.type_into(
        &format!("{visit} [name=findings]"),
        "The first hens are laying",
    )
    .await;
    b.click(&format!("{visit} button[type=submit]")).await;
    b.wait_for_text("The first hens are laying").await;
    b.screenshot("community-project").await;

    // The project is on the returnee's plan.
    b.goto(&app.url(&format!("/cases/{aminata}/plan"))).await;
    b.wait_for_text("Goudiry poultry cooperative").await;
    assert!(b.text("#community-projects").await.contains("Goudiry"));
    b.screenshot("community-project-on-plan").await;
    b.quit().await;
}

/// The results framework in the browser: a programme with a result and two indicators, the
/// tracking table, a dashboard, and the records behind a figure.
#[tokio::test]
async fn an_me_officer_defines_a_framework_tracks_an_indicator_and_drills_into_a_figure() {
    let app = spawn_app().await;
    let office = app.office("DKR").await;
    app.user("awa.diop", Role::CaseManager, Some(office)).await;
    app.user("me.dkr", Role::MeOfficer, Some(office)).await;
    let http = app.signed_in("awa.diop").await;
    register_named(&app, &http, "Aminata", "female").await;
    register_named(&app, &http, "Ibrahima", "male").await;

    let b = Browser::start().await;
    sign_in_as(&b, &app, "me.dkr").await;
    b.click("nav a[href='/results']").await;
    b.wait_for_text("Results framework").await;
    b.click("#programmes a.button").await;
    // The results page has a "New programme" button too.
    b.wait_for_text("Countries of return (one per line").await;
    b.type_into("#f-name", "Sustainable reintegration").await;
    b.type_into("#f-objective", "Returnees reintegrate sustainably")
        .await;
    b.set_value("#f-start", "2026-01-01").await;
    b.click("main form button[type=submit]").await;
    b.wait_for_text("Add a result").await;
    b.click("#meetings a.button").await;
    // The programme page already says "Add a result" (the button just clicked).
    b.wait_for_text("Level of intervention").await;
    b.click("#f-level option[value=outcome]").await;
    b.type_into("#f-statement", "Returnees are registered and followed")
        .await;
    b.click("main form button[type=submit]").await;
    b.wait_for_text("Add an indicator").await;
    for (statement, unit, numerator) in [
        ("Returnees registered", "count", ""),
        (
            "Women among returnees registered",
            "percentage",
            "sex = female",
        ),
    ] {
        b.click("#meetings a.button").await;
        b.wait_for_text("Who is counted").await;
        b.type_into("#f-statement", statement).await;
        b.click(&format!("#f-unit option[value={unit}]")).await;
        b.click("#f-source option[value=cases]").await;
        if !numerator.is_empty() {
            b.type_into("#f-numerator", numerator).await;
        }
        b.click("#f-frequency option[value=yearly]").await;
        b.click("input[name=axes][value=sex]").await;
        b.click("main form button[type=submit]").await;
        b.wait_until(&format!(
            "return document.querySelector('h1') && document.querySelector('h1').textContent.includes({statement:?})"
        ))
        .await;
        b.click("main > p a").await;
        b.wait_for_text("Add an indicator").await;
    }
    b.click("nav a[href='/results']").await;
    // The result page already lists its indicators: wait for the framework's matrix.
    b.wait_until(
        "const m = document.querySelector('table.matrix'); return !!m && m.innerText.includes('Women among returnees registered')",
    )
    .await;
    b.click("table.matrix a[href^='/results/indicators/']")
        .await;
    b.wait_for_text("Tracking per period").await;
    let year = time::OffsetDateTime::now_utc().year();
    assert!(b.text("#tracking-table").await.contains(&year.to_string()));
    b.click("#tracking a[href$='axis=sex']").await;
    b.wait_for_text("Female").await;
    b.screenshot("indicator-tracking").await;
    b.click("#tracking-table a").await;
    b.wait_for_text("The records behind a figure").await;
    assert!(b.text("#drill").await.contains("Diallo"));
    b.click("nav a[href='/results']").await;
    b.wait_for_text("Results framework").await;
    b.click("a[href='/results/dashboard']").await;
    b.wait_for_text("Cases by stage").await;
    // Both returnees came back in February without a survey: their intermediate round is late.
    let late = b.text("#overdue").await;
    assert!(late.contains("Intermediate"), "{late}");
    b.screenshot("dashboard").await;
    b.quit().await;
}

/// An evaluation prepared in the browser: its terms of reference in the template's sections, a
/// point of the checklist marked, and the printable terms.
#[tokio::test]
async fn an_me_officer_prepares_an_evaluation_and_prints_its_terms_of_reference() {
    let app = spawn_app().await;
    let office = app.office("DKR").await;
    app.user("me.dkr", Role::MeOfficer, Some(office)).await;
    let b = Browser::start().await;
    sign_in_as(&b, &app, "me.dkr").await;
    b.click("nav a[href='/results']").await;
    b.wait_for_text("Results framework").await;
    b.click("#evaluations a.button").await;
    b.wait_for_text("Commissioned by").await;
    b.type_into("#f-title", "Midterm evaluation").await;
    b.click("#f-timing option[value=midterm]").await;
    b.click("#f-conductor option[value=external]").await;
    b.type_into("#f-commissioned_by", "The steering committee")
        .await;
    b.type_into("#f-tor_scope", "Both regions, since the start")
        .await;
    b.click("main form button[type=submit]").await;
    b.wait_for_text("Still to write:").await;
    assert!(b.text("main").await.contains("0 of 30"));
    b.click("#list-checklist details summary").await;
    b.click("#f-add-item option[value=objective_defined]").await;
    b.click("#f-add-status option[value=done]").await;
    b.click("#list-checklist form button[type=submit]").await;
    b.wait_for_text("1 of 30").await;
    b.click("a[href$='/terms']").await;
    b.wait_for_text("Terms of reference: Midterm evaluation")
        .await;
    let terms = b.text("#terms").await;
    assert!(terms.contains("The steering committee") && terms.contains("Both regions"));
    assert!(
        terms.contains("Not written yet."),
        "sections still to write are shown"
    );
    assert!(b.text("#checklist").await.contains("Done"));
    b.screenshot("evaluation-terms").await;
    // The same terms in French and in Arabic, right to left: what was typed stays as typed.
    for (lang, heading) in [("fr", "Termes de référence"), ("ar", "الاختصاصات")] {
        b.click(&format!("form.lang-switch button[value={lang}]"))
            .await;
        b.wait_until(&format!(
            "return document.documentElement.lang === '{lang}'"
        ))
        .await;
        let terms = b.text("main").await;
        assert!(terms.contains(heading), "{lang}: {terms}");
        assert!(terms.contains("The steering committee"));
        b.screenshot(&format!("{lang}-evaluation-terms")).await;
    }
    b.quit().await;
}
