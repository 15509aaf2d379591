//! `reintegra import surveys FILE`: the survey import page's dry run and import, from the
//! command line, with the rights of a named programme manager (and audited as theirs).

use std::path::PathBuf;
use std::sync::Arc;

use anyhow::{Context, Result};

use crate::{DataDir, open};

pub async fn run(
    data: DataDir,
    file: PathBuf,
    username: String,
    form: Option<String>,
    case_column: Option<String>,
    dry_run: bool,
) -> Result<()> {
    let (facts, book) = crate::import::read_file(&file, app::imports::surveys::MAX_SHEETS).await?;
    let app = app::App::new(open(&data).await?);
    // The forms this release ships, as the server installs them when it starts.
    app::instruments::prepare(app.store.as_ref(), app.now()).await?;
    let actor = crate::actor_named(&app, &username).await?;
    let failed = |e: app::Error| anyhow::anyhow!("nothing was imported: {e}");
    let form_id = match form {
        Some(f) => f,
        None => app::imports::surveys::guess_form(&app, &actor, &book[0])
            .await
            .map_err(failed)?
            .context("no published form matches the file's headers: name it with --form")?,
    };
    let request = app::imports::surveys::SurveyImport {
        form_id,
        case_column: case_column.unwrap_or_default(),
    };
    let tr = web::i18n::Tr::new(Arc::new(web::i18n::I18n::load()?), "en".into());
    let done = if dry_run {
        app::imports::surveys::check(&app, &actor, &request, &book, "en").await
    } else {
        app::imports::surveys::import(&app, &actor, &request, &book, &facts, "en").await
    };
    let done = done.map_err(|e| match e.kind {
        app::ErrorKind::Forbidden => anyhow::anyhow!("{username} may not import survey results"),
        _ => failed(e),
    })?;
    println!(
        "form: {} ({} version {})",
        done.form_title, request.form_id, done.form_version
    );
    if let Some(h) = done.case_column.and_then(|i| done.headers.get(i)) {
        println!("case numbers from the column {h:?}");
    }
    for code in &done.missing {
        println!("{}", tr.t(code));
    }
    if !done.left_out.is_empty() {
        println!("left out: {}", done.left_out.join(", "));
    }
    for row in &done.rows {
        for p in web::survey_problems(&tr, &row.outcome) {
            println!("row {} (case {}): {p}", row.row, row.case_number);
        }
    }
    println!(
        "{} row(s): {} {}, {} already stored, {} with problems",
        done.rows.len(),
        done.ready(),
        if dry_run { "ready" } else { "stored" },
        done.already(),
        done.with_problems()
    );
    if !done.missing.is_empty() || done.with_problems() > 0 {
        std::process::exit(2);
    }
    Ok(())
}
