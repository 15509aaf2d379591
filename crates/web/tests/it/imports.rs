//! Importing returnees from a file: a messy workbook's dry run names every problem by row and
//! column and stores nothing; the fixed file goes in whole, with households, consents and case
//! managers; an exported list comes back in as possible matches of itself.

use std::io::{Cursor, Read};

use domain::Role;
use forms::xlsform::{Sheet, Workbook};
use reqwest::multipart::{Form, Part};
use store::{AuditScope, CaseQuery};

use crate::common::*;

const HEADERS: [&str; 14] = [
    "Prénom",
    "Nom",
    "Sexe",
    "Date de naissance",
    "Nationalité",
    "Date de retour",
    "Pays d'accueil",
    "Type de retour",
    "Province",
    "Gestionnaire",
    "Ménage",
    "Consentement",
    "Date consentement",
    "Méthode de consentement",
];

fn xlsx(rows: &[[&str; 14]]) -> Vec<u8> {
    let mut all = vec![HEADERS.iter().map(|s| s.to_string()).collect::<Vec<_>>()];
    all.extend(
        rows.iter()
            .map(|r| r.iter().map(|s| s.to_string()).collect()),
    );
    forms::xlsx::write(&Workbook {
        sheets: vec![Sheet {
            name: "returnees".into(),
            rows: all,
        }],
    })
    .unwrap()
}

/// Uploads a file on the import page; returns the check page's path.
async fn upload(app: &TestApp, c: &Client, name: &str, bytes: Vec<u8>) -> reqwest::Response {
    let csrf = c.csrf("/cases/import").await;
    let form = Form::new()
        .text("_csrf", csrf)
        .part("file", Part::bytes(bytes).file_name(name.to_string()));
    c.http
        .post(app.url("/cases/import"))
        .multipart(form)
        .send()
        .await
        .unwrap()
}

async fn cases_named(app: &TestApp, family: &str) -> Vec<store::CaseRecord> {
    let mut q = CaseQuery::new(domain::authz::CaseListScope {
        office: None,
        restricted: domain::authz::RestrictedVisibility::All,
    });
    q.text = Some(family.into());
    app.store.export_cases(&q, None, 100).await.unwrap()
}

/// Posts the check page's import form as a browser would, choosing `rows`.
async fn confirm(pm: &Client, check: &str, page: &str, rows: &str) -> reqwest::Response {
    let mut fields = confirm_fields(page);
    fields.push(("rows".into(), rows.into()));
    let borrowed: Vec<(&str, &str)> = fields
        .iter()
        .map(|(a, b)| (a.as_str(), b.as_str()))
        .collect();
    pm.post_form(check, &csrf_of(page), &borrowed).await
}

/// The hidden inputs of the import form, as a browser would post them.
fn confirm_fields(page: &str) -> Vec<(String, String)> {
    let form = page.split("class=\"import-confirm\"").nth(1).unwrap();
    form.split("<input type=\"hidden\" name=\"")
        .skip(1)
        .filter_map(|s| {
            let (name, rest) = s.split_once('"')?;
            let value = rest.split("value=\"").nth(1)?.split('"').next()?;
            Some((name.to_string(), value.to_string()))
        })
        .filter(|(n, _)| n != "_csrf")
        .collect()
}

#[tokio::test]
async fn a_messy_file_is_checked_row_by_row_then_imported_whole_once_fixed() {
    let app = spawn_app().await;
    let office = app.office("DKR").await;
    app.user("cm.imp", Role::CaseManager, Some(office)).await;
    app.user("pm.imp", Role::ProgrammeManager, Some(office))
        .await;
    let cm = app.signed_in("cm.imp").await;
    let pm = app.signed_in("pm.imp").await;
    // Already registered: Aminata Diallo, born 1995-03-14, Senegalese.
    register_named(&app, &cm, "Aminata", "female").await;

    let good = [
        "Aminata",
        "Diallo",
        "F",
        "14/03/1995",
        "SN",
        "02/02/2026",
        "Libye",
        "RVA",
        "Kolda",
        "cm.imp",
        "Moussa Diallo (fils); Awa Ba (épouse)",
        "oui",
        "02/02/2026",
        "écrit",
    ];
    let messy = [
        good,
        [
            "Bakary",
            "Sow",
            "X",
            "1990-01-01",
            "SEN",
            "2026-01-10",
            "Niger",
            "expulsé",
            "Tambacounda",
            "",
            "",
            "",
            "",
            "",
        ],
        [
            "Coumba",
            "Diop",
            "femme",
            "31/02/1990",
            "ZZ",
            "2026-01-10",
            "Libya",
            "vacances",
            "Dakar",
            "nobody",
            "Fatou",
            "",
            "",
            "",
        ],
    ];

    // Not a workbook or CSV: refused with the reason, nothing kept.
    let res = upload(&app, &pm, "notes.xls", b"\xd0\xcf\x11\xe0old".to_vec()).await;
    assert_eq!(res.status(), 422);
    assert!(res.text().await.unwrap().contains(".xls"));

    let res = upload(&app, &pm, "returnees.xlsx", xlsx(&messy)).await;
    assert_eq!(res.status(), 303);
    let check = location(&res);
    let (status, page) = pm.get_text(&check).await;
    assert_eq!(status, 200);
    // The French headers were recognised.
    assert!(
        page.contains("<option value=\"given_name\" selected>"),
        "{page}"
    );
    assert!(
        page.contains("3 rows: 1 ready, 2 with problems, 1 looking like someone already known"),
        "{page}"
    );
    for expected in [
        "Sexe: Not a sex Reintegra knows",
        "Date de naissance: Not a date",
        "Nationalité: No country has this code",
        "Type de retour: Not a type of return",
        "Gestionnaire: No active case manager",
        "Ménage: Write each household member",
        "May be already registered as DKR-",
    ] {
        assert!(page.contains(expected), "{expected} in {page}");
    }
    // Every row at once is not offered while rows have problems, and is refused if posted.
    assert!(!page.contains("value=\"all\""));
    let res = confirm(&pm, &check, &page, "all").await;
    assert_eq!(res.status(), 422);
    assert!(
        cases_named(&app, "Sow").await.is_empty(),
        "nothing was stored"
    );

    // Fixed: every row goes in, with its household, consent and case manager.
    let fixed = [
        good,
        [
            "Bakary",
            "Sow",
            "M",
            "1990-01-01",
            "SEN",
            "2026-01-10",
            "Niger",
            "expulsé",
            "Tambacounda",
            "",
            "",
            "",
            "",
            "",
        ],
        [
            "Coumba",
            "Diop",
            "femme",
            "28/02/1990",
            "Sénégal",
            "2026-01-10",
            "Libya",
            "spontané",
            "Dakar",
            "cm.imp",
            "Fatou Diop (mère)",
            "non",
            "2026-01-11",
            "par téléphone",
        ],
    ];
    // Made once: a workbook carries the second it was written, so a second copy can differ.
    let fixed_file = xlsx(&fixed);
    let res = upload(&app, &pm, "returnees-fixed.xlsx", fixed_file.clone()).await;
    let check = location(&res);
    let (_, page) = pm.get_text(&check).await;
    assert!(page.contains("3 rows: 3 ready, 0 with problems"), "{page}");
    let res = confirm(&pm, &check, &page, "all").await;
    assert_eq!(res.status(), 303);
    // The same post again (a double click) imports nothing more.
    let again = confirm(&pm, &check, &page, "all").await;
    assert_ne!(again.status(), 200);
    let (_, list) = pm.get_text(&location(&res)).await;
    assert!(
        list.contains("Bakary Sow") && list.contains("Coumba Diop"),
        "{list}"
    );

    let sow = cases_named(&app, "Sow").await;
    assert_eq!(sow.len(), 1);
    assert_eq!(sow[0].profile.nationality, "Senegal");
    assert_eq!(sow[0].profile.return_type.as_str(), "forced");
    let diallos = cases_named(&app, "Diallo").await;
    assert_eq!(
        diallos.len(),
        2,
        "the known returnee was imported again as asked"
    );
    let imported = diallos
        .iter()
        .find(|c| c.profile.household.len() == 2)
        .unwrap();
    assert_eq!(imported.case_manager_name.as_deref(), Some("cm.imp name"));
    let consents = app.store.consents(imported.id).await.unwrap();
    assert_eq!(consents.len(), 1);
    assert_eq!(consents[0].record.decision.as_str(), "given");
    assert_eq!(consents[0].record.method.as_str(), "written_in_person");

    // One audit entry for the import, naming the file's hash.
    let hash = store::files::content_hash(&fixed_file);
    let trail = app
        .store
        .audit_for_record("import", &hash, AuditScope::Changes)
        .await
        .unwrap();
    assert_eq!(trail.len(), 1);
    assert!(format!("{:?}", trail[0].changes).contains("returnees-fixed.xlsx"));
}

#[tokio::test]
async fn an_exported_list_comes_back_in_as_matches_of_itself_and_only_managers_import() {
    let app = spawn_app().await;
    let office = app.office("DKR").await;
    app.user("cm.rt", Role::CaseManager, Some(office)).await;
    app.user("pm.rt", Role::ProgrammeManager, Some(office))
        .await;
    app.user("me.rt", Role::MeOfficer, Some(office)).await;
    let cm = app.signed_in("cm.rt").await;
    let pm = app.signed_in("pm.rt").await;
    for (given, sex) in [("Mariama", "female"), ("Ousmane", "male")] {
        register_named(&app, &cm, given, sex).await;
    }
    let csrf = pm.csrf("/cases/export").await;
    let passphrase = "river lantern cobalt 42";
    let res = pm
        .post_form(
            "/cases/export",
            &csrf,
            &[
                ("export_kind", "personal"),
                ("format", "csv"),
                ("passphrase", passphrase),
            ],
        )
        .await;
    assert_eq!(res.status(), 200);
    let bytes = res.bytes().await.unwrap();
    let mut zip = zip::ZipArchive::new(Cursor::new(bytes.to_vec())).unwrap();
    let mut csv = Vec::new();
    zip.by_index_decrypt(0, passphrase.as_bytes())
        .unwrap()
        .read_to_end(&mut csv)
        .unwrap();

    // Into a fresh instance whose case manager has the same name: no error, no one known.
    let fresh = spawn_app().await;
    let fresh_office = fresh.office("DKR").await;
    fresh
        .user("cm.rt", Role::CaseManager, Some(fresh_office))
        .await;
    fresh
        .user("pm.fresh", Role::ProgrammeManager, Some(fresh_office))
        .await;
    let fresh_pm = fresh.signed_in("pm.fresh").await;
    let res = upload(&fresh, &fresh_pm, "cases.csv", csv.clone()).await;
    assert_eq!(res.status(), 303);
    let (_, page) = fresh_pm.get_text(&location(&res)).await;
    assert!(
        page.contains("2 rows: 2 ready, 0 with problems, 0 looking like someone already known"),
        "{page}"
    );

    // Back into the same instance: every row is recognised as a possible match of itself.
    let res = upload(&app, &pm, "cases.csv", csv).await;
    assert_eq!(res.status(), 303);
    let (_, page) = pm.get_text(&location(&res)).await;
    assert!(
        page.contains("2 rows: 2 ready, 0 with problems, 2 looking like someone already known"),
        "{page}"
    );

    // Case managers and M&E officers do not import.
    let me = app.signed_in("me.rt").await;
    assert_eq!(cm.get("/cases/import").await.status(), 403);
    assert_eq!(me.get("/cases/import").await.status(), 403);
    // Another user's upload is not found.
    let other_pm = {
        app.user("pm.rt2", Role::ProgrammeManager, Some(office))
            .await;
        app.signed_in("pm.rt2").await
    };
    assert_eq!(other_pm.get(&location(&res)).await.status(), 404);
}

#[tokio::test]
async fn the_api_checks_then_imports_a_file_once() {
    let app = spawn_app().await;
    let office = app.office("DKR").await;
    app.user("pm.api", Role::ProgrammeManager, Some(office))
        .await;
    app.user("cm.api", Role::CaseManager, Some(office)).await;
    let pm = app.signed_in("pm.api").await;
    let token = api_token(&pm).await;
    let csv = "given_name,family_name,sex,age,nationality,return_date,returned_from,return_type,province\n\
               Awa,Ba,F,31,SN,2026-01-05,Libya,AVR,Kolda\n\
               Ibou,Fall,Q,40,SN,2026-01-05,Libya,AVR,Kolda\n";
    let http = reqwest::Client::new();
    let post = |query: &str, token: &str, body: &str| {
        http.post(app.url(&format!("/api/v1/imports/cases{query}")))
            .bearer_auth(token)
            .multipart(Form::new().part(
                "file",
                Part::bytes(body.as_bytes().to_vec()).file_name("returnees.csv"),
            ))
            .send()
    };
    let res = post("?dry_run=true", &token, csv).await.unwrap();
    assert_eq!(res.status(), 200);
    let dry: serde_json::Value = res.json().await.unwrap();
    assert_eq!(dry["ready"], 1, "{dry}");
    assert_eq!(dry["problems"][0]["row"], 3);
    assert_eq!(dry["problems"][0]["column"], "sex");
    assert!(cases_named(&app, "Ba").await.is_empty());

    let res = post("?rows=ready", &token, csv).await.unwrap();
    assert_eq!(res.status(), 201);
    let done: serde_json::Value = res.json().await.unwrap();
    assert_eq!(done["imported"].as_array().unwrap().len(), 1);
    assert_eq!(cases_named(&app, "Ba").await.len(), 1);
    // The same file again is refused: it would register everyone twice.
    let res = post("?rows=ready", &token, csv).await.unwrap();
    assert_eq!(res.status(), 422);
    assert_eq!(cases_named(&app, "Ba").await.len(), 1);

    let cm = app.signed_in("cm.api").await;
    let cm_token = api_token(&cm).await;
    let res = post("?dry_run=true", &cm_token, csv).await.unwrap();
    assert_eq!(res.status(), 403);
}

#[tokio::test]
async fn a_long_file_shows_the_progress_of_its_check_then_its_result() {
    let app = spawn_app().await;
    let office = app.office("DKR").await;
    app.user("pm.long", Role::ProgrammeManager, Some(office))
        .await;
    let pm = app.signed_in("pm.long").await;
    let mut csv = String::from(
        "given_name,family_name,sex,age,nationality,return_date,returned_from,return_type,province\n",
    );
    for i in 0..1_500 {
        csv.push_str(&format!(
            "Awa{i},Ba{i},F,31,SN,2026-01-05,Libya,AVR,Kolda\n"
        ));
    }
    let res = upload(&app, &pm, "long.csv", csv.into_bytes()).await;
    assert_eq!(res.status(), 303);
    let check = location(&res);
    let id = check.trim_start_matches("/cases/import/").to_string();

    // The page first shows a progress bar, polled, and fetches the result.
    let (status, page) = pm.get_text(&check).await;
    assert_eq!(status, 200);
    assert!(
        page.contains("<progress value=\"0\" max=\"1500\""),
        "{page}"
    );
    assert!(
        page.contains(&format!("hx-get=\"/cases/import/{id}/progress\"")),
        "{page}"
    );
    let result = page
        .split("hx-trigger=\"load\"")
        .next()
        .and_then(|s| s.rsplit("hx-get=\"").next())
        .and_then(|s| s.split('"').next())
        .unwrap()
        .replace("&amp;", "&");
    assert!(result.contains("ready=1"), "{result}");
    let (status, done) = pm.get_text(&result).await;
    assert_eq!(status, 200);
    assert!(
        done.contains("1500 rows: 1500 ready, 0 with problems"),
        "{done}"
    );
    // Once checked, the bar says so.
    let (_, bar) = pm.get_text(&format!("/cases/import/{id}/progress")).await;
    assert!(bar.contains("1,500 of 1,500 rows checked"), "{bar}");
}
