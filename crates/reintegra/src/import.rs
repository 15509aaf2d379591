//! `reintegra import cases FILE`: the import page's dry run and import, from the command line,
//! with the rights of a named programme manager (and audited as theirs).

use std::path::PathBuf;
use std::sync::Arc;

use anyhow::{Context, Result, bail};
use clap::Subcommand;
use domain::OfficeCode;

use crate::{DataDir, open};

#[derive(Subcommand)]
pub enum ImportCommand {
    /// Import returnees from a CSV or XLSX file (one row per returnee; the first row names the
    /// columns). Prints every problem by row and column and exits with status 2 when a row
    /// cannot be imported; nothing is written then, unless --rows says to leave those rows out.
    Cases {
        #[command(flatten)]
        data: DataDir,
        /// The .csv or .xlsx file.
        file: PathBuf,
        /// Whose rights and audit trail the import uses (a programme manager).
        #[arg(long)]
        username: String,
        /// The office the cases join (the user's own when omitted).
        #[arg(long)]
        office: Option<String>,
        /// Check the file and report, writing nothing.
        #[arg(long)]
        dry_run: bool,
        /// all (refused while any row has a problem), ready (the rows without problems) or
        /// ready_new (those that also look like no one registered).
        #[arg(long, default_value = "all")]
        rows: String,
        /// Which field a column fills, when its header does not say: `COLUMN=field`, or
        /// `COLUMN=` to leave it out. Repeat for several.
        #[arg(long = "map", value_name = "COLUMN=FIELD")]
        map: Vec<String>,
    },
    /// Import survey results exported from KoboToolbox or ODK (XLSX with one sheet per repeat
    /// group, or CSV), matched to cases by case number, checked and scored as submitted
    /// forms. Rows already stored (by instance id) are left alone. Prints every problem by row
    /// and exits with status 2 when a row cannot be imported (the others are imported unless
    /// --dry-run).
    Surveys {
        #[command(flatten)]
        data: DataDir,
        /// The .xlsx or .csv file.
        file: PathBuf,
        /// Whose rights and audit trail the import uses (a programme manager).
        #[arg(long)]
        username: String,
        /// The form the results belong to (guessed from the headers when omitted).
        #[arg(long)]
        form: Option<String>,
        /// The header of the column holding case numbers (guessed when omitted).
        #[arg(long)]
        case_column: Option<String>,
        /// Check the file and report, writing nothing.
        #[arg(long)]
        dry_run: bool,
    },
}

pub async fn run(command: ImportCommand) -> Result<()> {
    let (data, file, username, office, dry_run, rows, map) = match command {
        ImportCommand::Cases {
            data,
            file,
            username,
            office,
            dry_run,
            rows,
            map,
        } => (data, file, username, office, dry_run, rows, map),
        ImportCommand::Surveys {
            data,
            file,
            username,
            form,
            case_column,
            dry_run,
        } => {
            return crate::import_surveys::run(data, file, username, form, case_column, dry_run)
                .await;
        }
    };
    let Some(rows) = app::imports::Rows::parse(&rows) else {
        bail!("--rows is all, ready or ready_new");
    };
    let (facts, mut book) = read_file(&file, 1).await?;
    let table = book.remove(0);
    let app = app::App::new(open(&data).await?);
    let actor = crate::actor_named(&app, &username).await?;
    let office = match office {
        Some(code) => {
            let code = OfficeCode::parse(&code)?;
            app::lookups::office_by_code(&app, &code)
                .await
                .map_err(|e| anyhow::anyhow!("{e}"))?
                .with_context(|| format!("no office has the code {code}"))?
                .id
        }
        None => actor
            .office
            .context("the user has national scope: name the office with --office CODE")?,
    };
    let mut mapping = app::imports::suggested_mapping(&app, &table.headers)
        .await
        .map_err(|e| anyhow::anyhow!("{e}"))?;
    for m in &map {
        let Some((column, field)) = m.split_once('=') else {
            bail!("--map is COLUMN=field, not {m:?}");
        };
        let Some(i) = table.headers.iter().position(|h| h == column.trim()) else {
            bail!("the file has no column {column:?}");
        };
        mapping[i] = match field.trim() {
            "" => None,
            f => Some(
                domain::import::ImportField::parse(f)
                    .with_context(|| format!("no field is named {f:?}"))?,
            ),
        };
    }
    let tr = web::i18n::Tr::new(Arc::new(web::i18n::I18n::load()?), "en".into());
    let refused = |e: app::Error| match e.kind {
        app::ErrorKind::Forbidden => anyhow::anyhow!("{username} may not import into this office"),
        _ if !e.fields.is_empty() => anyhow::anyhow!(
            "nothing was imported: {}",
            e.fields
                .0
                .iter()
                .map(|f| tr.t(f.code))
                .collect::<Vec<_>>()
                .join(" ")
        ),
        _ => anyhow::anyhow!("nothing was imported: {e}"),
    };
    let dry = app::imports::check(&app, &actor, office, &table, &mapping)
        .await
        .map_err(refused)?;
    println!("columns:");
    for (header, field) in table.headers.iter().zip(&mapping) {
        println!(
            "  {header} -> {}",
            field.map(|f| f.as_str()).unwrap_or("(left out)")
        );
    }
    for f in &dry.missing_columns {
        println!("no column for the required field {}", f.as_str());
    }
    for f in &dry.repeated_columns {
        println!("several columns fill {}: keep one with --map", f.as_str());
    }
    for row in &dry.rows {
        for p in &row.problems {
            println!("row {}, column {:?}: {}", row.row, p.column, tr.t(p.code));
        }
        if !row.matches.is_empty() {
            println!(
                "row {}: {} may be already registered as {}",
                row.row,
                row.name,
                row.matches.join(", ")
            );
        }
        if let Some(other) = row.same_as_row {
            println!(
                "row {}: {} may be the same person as row {other}",
                row.row, row.name
            );
        }
    }
    println!(
        "{} row(s): {} ready, {} with problems, {} looking like someone known",
        dry.rows.len(),
        dry.ready(),
        dry.with_problems(),
        dry.looking_known()
    );
    let blocked = !dry.columns_ok() || (rows == app::imports::Rows::All && dry.with_problems() > 0);
    if dry_run || blocked {
        if blocked {
            eprintln!("nothing was imported: fix the problems above, or choose --rows ready");
        }
        std::process::exit(if blocked { 2 } else { 0 });
    }
    let done = app::imports::import(&app, &actor, office, &table, &mapping, &facts, rows)
        .await
        .map_err(refused)?;
    println!(
        "imported {} case(s) ({} to {}); {} row(s) left out",
        done.numbers.len(),
        done.numbers.first().map(String::as_str).unwrap_or("-"),
        done.numbers.last().map(String::as_str).unwrap_or("-"),
        done.left_out
    );
    Ok(())
}

/// Reads an import file (its first `sheets` sheets) off the runtime's threads, within the
/// import's bounds; with its name and hash for the audit entry.
pub(crate) async fn read_file(
    file: &std::path::Path,
    sheets: usize,
) -> Result<(app::imports::FileFacts, Vec<app::imports::Table>)> {
    let bytes = std::fs::read(file).with_context(|| format!("cannot read {}", file.display()))?;
    let name = file
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_default();
    let sha256 = app::imports::sha256_hex(&bytes);
    let book = {
        let name = name.clone();
        tokio::task::spawn_blocking(move || app::imports::read_book(&name, &bytes, sheets))
            .await?
            .map_err(|m| anyhow::anyhow!("{} cannot be imported: {m}", file.display()))?
    };
    Ok((app::imports::FileFacts { name, sha256 }, book))
}
