//! `reintegra import cases`, `import surveys` and `export cases` as an operator runs them: the dry run
//! names each problem by row and column and exits 2 writing nothing; the export of personal data
//! needs a passphrase on standard input.

use std::io::Read;
use std::path::Path;
use std::process::Output;

use crate::run::text;

fn reintegra(dir: &Path, args: &[&str], stdin: &str) -> Output {
    crate::run::reintegra_with(Some(dir), args, stdin)
}

#[test]
fn a_file_is_checked_imported_and_exported_from_the_command_line() {
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path().join("data");
    let add = reintegra(
        &dir,
        &[
            "user",
            "add",
            "--username",
            "pm.cli",
            "--role",
            "programme-manager",
            "--office",
            "dkr",
            "--password-stdin",
        ],
        "a good long password\n",
    );
    assert!(add.status.success(), "{}", text(&add));
    let file = tmp.path().join("returnees.csv");
    std::fs::write(
        &file,
        "Prénom;Nom;Sexe;Âge;Nationalité;Date de retour;Pays d'accueil;Type de retour;Province\n\
         Awa;Ba;F;31;SN;05/01/2026;Libye;RVA;Kolda\n\
         Ibou;Fall;Q;40;SN;05/01/2026;Libye;RVA;Kolda\n",
    )
    .unwrap();
    let f = file.to_str().unwrap();

    let dry = reintegra(
        &dir,
        &["import", "cases", f, "--username", "pm.cli", "--dry-run"],
        "",
    );
    assert_eq!(dry.status.code(), Some(2), "{}", text(&dry));
    assert!(
        text(&dry).contains("row 3, column \"Sexe\": Not a sex"),
        "{}",
        text(&dry)
    );
    let all = reintegra(&dir, &["import", "cases", f, "--username", "pm.cli"], "");
    assert_eq!(
        all.status.code(),
        Some(2),
        "every row is refused while one has a problem"
    );
    let ready = reintegra(
        &dir,
        &[
            "import",
            "cases",
            f,
            "--username",
            "pm.cli",
            "--rows",
            "ready",
        ],
        "",
    );
    assert!(ready.status.success(), "{}", text(&ready));
    assert!(
        text(&ready).contains("imported 1 case(s)"),
        "{}",
        text(&ready)
    );

    // Survey results for the imported returnee, as KoboToolbox exports them; one row is about
    // no case.
    let number = text(&ready)
        .split("imported 1 case(s) (")
        .nth(1)
        .and_then(|s| s.split(' ').next())
        .unwrap()
        .to_string();
    let surveys = tmp.path().join("family.csv");
    std::fs::write(
        &surveys,
        format!(
            "assessment_date,returnee_consent,family_situation,family_influence,home_safe,case_number,_uuid\n\
             2026-01-20,yes,returned_together,helps,yes,{number},f-1\n\
             2026-01-20,yes,returned_together,helps,yes,DKR-1999-00001,f-2\n"
        ),
    )
    .unwrap();
    let s = surveys.to_str().unwrap();
    let survey_args = ["import", "surveys", s, "--username", "pm.cli"];
    let dry = reintegra(&dir, &[&survey_args[..], &["--dry-run"]].concat(), "");
    assert_eq!(dry.status.code(), Some(2), "{}", text(&dry));
    assert!(
        text(&dry).contains("row 3 (case DKR-1999-00001): case_number: No case"),
        "{}",
        text(&dry)
    );
    assert!(text(&dry).contains("1 ready"), "{}", text(&dry));
    let stored = reintegra(&dir, &survey_args, "");
    assert!(
        text(&stored).contains("1 stored, 0 already stored"),
        "{}",
        text(&stored)
    );
    let again = reintegra(&dir, &survey_args, "");
    assert!(
        text(&again).contains("0 stored, 1 already stored"),
        "{}",
        text(&again)
    );

    // The stored survey, exported with the form's labels in French.
    let records = tmp.path().join("family.zip");
    let export = reintegra(
        &dir,
        &[
            "export",
            "records",
            "--username",
            "pm.cli",
            "--what",
            "submissions",
            "--form",
            "family_assessment",
            "--labels",
            "fr",
            "--format",
            "csv",
            "--out",
            records.to_str().unwrap(),
        ],
        "river lantern cobalt 42\n",
    );
    assert!(export.status.success(), "{}", text(&export));
    let mut zip = zip::ZipArchive::new(std::fs::File::open(&records).unwrap()).unwrap();
    let names: Vec<String> = zip.file_names().map(|n| n.unwrap().to_string()).collect();
    assert_eq!(
        names.len(),
        2,
        "the submissions and the household members: {names:?}"
    );
    let first = names.iter().find(|n| !n.contains("household")).unwrap();
    let mut main = String::new();
    zip.by_name_decrypt(first, b"river lantern cobalt 42")
        .unwrap()
        .read_to_string(&mut main)
        .unwrap();
    assert!(main.contains("La famille est revenue ensemble"), "{main}");
    assert!(main.contains(&number), "{main}");

    let out = tmp.path().join("cases.zip");
    let no_pass = reintegra(
        &dir,
        &[
            "export",
            "cases",
            "--username",
            "pm.cli",
            "--format",
            "csv",
            "--out",
            out.to_str().unwrap(),
        ],
        "",
    );
    assert_eq!(no_pass.status.code(), Some(2));
    assert!(!out.exists());
    let export = reintegra(
        &dir,
        &[
            "export",
            "cases",
            "--username",
            "pm.cli",
            "--format",
            "csv",
            "--password-stdin",
            "--out",
            out.to_str().unwrap(),
        ],
        "river lantern cobalt 42\n",
    );
    assert!(export.status.success(), "{}", text(&export));
    let mut zip = zip::ZipArchive::new(std::fs::File::open(&out).unwrap()).unwrap();
    let mut csv = String::new();
    zip.by_index_decrypt(0, b"river lantern cobalt 42")
        .unwrap()
        .read_to_string(&mut csv)
        .unwrap();
    assert!(csv.contains("Awa,Ba,female"), "{csv}");
}
