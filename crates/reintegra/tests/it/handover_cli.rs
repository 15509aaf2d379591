//! `reintegra handover` between two data directories, as two offices' operators run it: keys
//! written and trusted, a packet made for the partner from the consent recorded on the case,
//! received once as a new case, refused the second time.

use std::path::Path;
use std::process::Output;
use std::sync::Arc;

use crate::run::text;

fn reintegra(dir: &Path, args: &[&str], stdin: &str) -> Output {
    crate::run::reintegra_with(Some(dir), args, stdin)
}

fn add_user(dir: &Path, username: &str, role: &str, office: Option<&str>) {
    let mut args = vec!["user", "add", "--username", username, "--role", role];
    if let Some(o) = office {
        args.extend(["--office", o]);
    }
    args.push("--password-stdin");
    let out = reintegra(dir, &args, "a good long password\n");
    assert!(out.status.success(), "{}", text(&out));
}

#[tokio::test]
async fn a_case_is_handed_over_from_the_command_line() {
    let tmp = tempfile::tempdir().unwrap();
    let (host, origin) = (tmp.path().join("host"), tmp.path().join("origin"));
    for (dir, office) in [(&host, "trp"), (&origin, "dkr")] {
        add_user(dir, "admin.cli", "admin", None);
        add_user(dir, "pm.cli", "programme-manager", Some(office));
    }
    let key = |dir: &Path, name: &str| {
        let file = tmp.path().join(name);
        let out = reintegra(
            dir,
            &[
                "handover",
                "key",
                "--username",
                "admin.cli",
                "--out",
                file.to_str().unwrap(),
            ],
            "",
        );
        assert!(out.status.success(), "{}", text(&out));
        file
    };
    let (host_key, origin_key) = (key(&host, "host.key"), key(&origin, "origin.key"));
    for (dir, file) in [(&host, &origin_key), (&origin, &host_key)] {
        let out = reintegra(
            dir,
            &[
                "handover",
                "trust",
                "--username",
                "admin.cli",
                file.to_str().unwrap(),
            ],
            "",
        );
        assert!(out.status.success(), "{}", text(&out));
        assert!(text(&out).contains("Trusted Reintegra"), "{}", text(&out));
    }

    // A case in the host office, with the returnee's consent recorded as the page does.
    let file = tmp.path().join("returnees.csv");
    std::fs::write(
        &file,
        "Given name;Family name;Sex;Age;Nationality;Return date;Returned from;Return type;Province\n\
         Awa;Ba;F;31;SN;2026-01-05;Libya;AVR;Kolda\n",
    )
    .unwrap();
    let out = reintegra(
        &host,
        &[
            "import",
            "cases",
            file.to_str().unwrap(),
            "--username",
            "pm.cli",
        ],
        "",
    );
    assert!(out.status.success(), "{}", text(&out));
    let (case, partner) = {
        let s: Arc<dyn store::Store> = Arc::new(store::SqliteStore::open_in(&host).await.unwrap());
        let app = app::App::new(s.clone());
        let pm = s
            .user_by_username(&domain::Username::parse("pm.cli").unwrap())
            .await
            .unwrap()
            .unwrap();
        let actor = domain::authz::Actor {
            user_id: pm.id,
            role: pm.role,
            office: pm.office,
            organisation: None,
        };
        let page = s
            .list_cases(&store::CaseQuery::new(domain::authz::CaseListScope {
                office: None,
                restricted: domain::authz::RestrictedVisibility::All,
            }))
            .await
            .unwrap();
        let case = page.items[0].id.to_string();
        let partner = s.trusted_partners().await.unwrap()[0].key_id.clone();
        app::handover::record_consent(
            &app,
            &actor,
            &case,
            app::handover::HandoverInput {
                partner: partner.clone(),
                agreed: true,
                consent_date: Some(app.today()),
                consent_method: Some(domain::consent::ConsentMethod::VerbalInPerson),
                shared: Default::default(),
            },
        )
        .await
        .unwrap();
        (case, partner)
    };
    assert!(!partner.is_empty());

    let packet = tmp.path().join("packet.json");
    let p = packet.to_str().unwrap();
    let out = reintegra(
        &host,
        &[
            "handover",
            "export",
            "--username",
            "pm.cli",
            "--case",
            &case,
            "--to",
            origin_key.to_str().unwrap(),
            "--out",
            p,
        ],
        "",
    );
    assert!(out.status.success(), "{}", text(&out));
    // The host's own key names no consent: refused.
    let other = tmp.path().join("other.json");
    let refused = reintegra(
        &host,
        &[
            "handover",
            "export",
            "--username",
            "pm.cli",
            "--case",
            &case,
            "--to",
            host_key.to_str().unwrap(),
            "--out",
            other.to_str().unwrap(),
        ],
        "",
    );
    assert!(!refused.status.success());
    assert!(
        text(&refused).contains("no current consent"),
        "{}",
        text(&refused)
    );

    let received = reintegra(
        &origin,
        &["handover", "import", "--username", "pm.cli", p],
        "",
    );
    assert!(received.status.success(), "{}", text(&received));
    assert!(
        text(&received).contains("Received as case DKR-"),
        "{}",
        text(&received)
    );
    let again = reintegra(
        &origin,
        &["handover", "import", "--username", "pm.cli", p],
        "",
    );
    assert!(!again.status.success());
    assert!(
        text(&again).contains("received already"),
        "{}",
        text(&again)
    );
}
