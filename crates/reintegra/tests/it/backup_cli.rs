//! `reintegra backup`, `verify-backup` and `restore` as an operator runs them: the passphrase
//! comes on standard input and must be strong; a restored directory starts as the same instance.

use std::path::Path;
use std::process::Output;

use crate::run::text;

fn reintegra(args: &[&str], stdin: &str) -> Output {
    crate::run::reintegra_with(None, args, stdin)
}

fn s(p: &Path) -> &str {
    p.to_str().unwrap()
}

#[test]
fn a_programme_is_backed_up_checked_and_restored_with_a_passphrase() {
    let tmp = tempfile::tempdir().unwrap();
    let (data, archive, restored) = (
        tmp.path().join("data"),
        tmp.path().join("nightly.zip"),
        tmp.path().join("restored"),
    );
    let demo = reintegra(&["demo", "--cases", "60", "--data-dir", s(&data)], "");
    assert!(demo.status.success(), "{}", text(&demo));

    let backup = |passphrase: &str| {
        reintegra(
            &[
                "backup",
                "--data-dir",
                s(&data),
                s(&archive),
                "--passphrase-stdin",
            ],
            passphrase,
        )
    };
    let weak = backup("password123\n");
    assert_eq!(weak.status.code(), Some(2));
    assert!(
        text(&weak).contains("at least 12 characters"),
        "{}",
        text(&weak)
    );
    assert!(
        !archive.exists(),
        "nothing is written with a refused passphrase"
    );

    let done = backup("river lantern cobalt 42\n");
    assert!(done.status.success(), "{}", text(&done));
    assert!(text(&done).contains("encrypted with the passphrase"));

    let no_passphrase = reintegra(&["verify-backup", s(&archive)], "");
    assert_eq!(no_passphrase.status.code(), Some(2));
    assert!(text(&no_passphrase).contains("give its passphrase"));
    let verified = reintegra(
        &["verify-backup", s(&archive), "--passphrase-stdin"],
        "river lantern cobalt 42\n",
    );
    assert!(verified.status.success(), "{}", text(&verified));
    assert!(text(&verified).contains("is sound"));

    let into_data = reintegra(
        &[
            "restore",
            s(&archive),
            "--data-dir",
            s(&data),
            "--passphrase-stdin",
        ],
        "river lantern cobalt 42\n",
    );
    assert_eq!(into_data.status.code(), Some(2));
    assert!(text(&into_data).contains("not empty"));

    let restore = reintegra(
        &[
            "restore",
            s(&archive),
            "--data-dir",
            s(&restored),
            "--passphrase-stdin",
        ],
        "river lantern cobalt 42\n",
    );
    assert!(restore.status.success(), "{}", text(&restore));
    // The same rows as the backup counted, and the restored directory opens as the same
    // instance (a server starts on it).
    let rows = |o: &Output| {
        text(o)
            .split(" rows")
            .next()
            .and_then(|t| t.rsplit(' ').next())
            .map(str::to_string)
    };
    assert_eq!(rows(&restore), rows(&verified));
    let migrate = reintegra(&["migrate", "--data-dir", s(&restored)], "");
    assert!(migrate.status.success(), "{}", text(&migrate));
    assert_eq!(
        std::fs::read_to_string(restored.join("instance")).unwrap(),
        std::fs::read_to_string(data.join("instance")).unwrap()
    );
}
