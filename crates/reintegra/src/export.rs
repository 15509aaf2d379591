//! `reintegra export`: the case list or other records to a file, as the export pages make
//! them, with the rights and scope of a named user (and audited as theirs).

use std::path::PathBuf;

use anyhow::{Context, Result, bail};
use clap::{Args, Subcommand};

use crate::{DataDir, open};

#[derive(Subcommand)]
pub enum ExportCommand {
    /// Export the case list (all the cases the user may see, or those matching --filter).
    /// Personal data always comes encrypted: give the passphrase on standard input.
    Cases(CasesExport),
    /// Export other records the user may read: a form's submissions (one sheet per repeat
    /// group), plans and disbursements, referrals, or community projects and participants.
    /// Always encrypted: the passphrase is read from standard input.
    Records {
        #[command(flatten)]
        data: DataDir,
        /// Whose rights, scope and audit trail the export uses.
        #[arg(long)]
        username: String,
        /// submissions, plans, referrals or projects.
        #[arg(long)]
        what: String,
        /// The form, for submissions.
        #[arg(long, default_value = "")]
        form: String,
        /// Headers and choices as labels in this language (en, fr, ar) instead of names.
        #[arg(long)]
        labels: Option<String>,
        /// csv (a ZIP of CSV files, one per sheet) or xlsx.
        #[arg(long, default_value = "xlsx")]
        format: String,
        /// The file to write (it must not exist).
        #[arg(long)]
        out: PathBuf,
    },
}

/// The case list's export.
#[derive(Args)]
pub struct CasesExport {
    #[command(flatten)]
    data: DataDir,
    /// Whose rights, scope and audit trail the export uses.
    #[arg(long)]
    username: String,
    /// csv or xlsx.
    #[arg(long, default_value = "xlsx")]
    format: String,
    /// cases (one row per case) or rss_scores (one row per scored survey of those cases,
    /// with its breakdown by indicator).
    #[arg(long, default_value = "cases")]
    what: String,
    /// No names, contacts, exact places or free text: a pseudonym per returnee.
    #[arg(long)]
    pseudonymise: bool,
    /// Files made with the same key give a returnee the same pseudonym.
    #[arg(long, default_value = "")]
    pseudonym_key: String,
    /// Encrypt the file with the passphrase read from standard input (required for
    /// personal data).
    #[arg(long, alias = "passphrase-stdin")]
    password_stdin: bool,
    /// A case list filter as the list page names it, for example `office=<id>`,
    /// `stage=follow_up`, `sex=female`, `q=Diallo`. Repeat for several.
    #[arg(long = "filter", value_name = "NAME=VALUE")]
    filters: Vec<String>,
    /// The file to write (it must not exist).
    #[arg(long)]
    out: PathBuf,
}

pub async fn run(command: ExportCommand) -> Result<()> {
    let args = match command {
        ExportCommand::Cases(args) => args,
        ExportCommand::Records {
            data,
            username,
            what,
            form,
            labels,
            format,
            out,
        } => {
            let request = app::exports::RecordsExport {
                what,
                form_id: form,
                labels: labels.is_some(),
                language: labels.unwrap_or_default(),
                format,
                passphrase: None,
                progress: None,
            };
            return records(data, username, request, out).await;
        }
    };
    let CasesExport {
        data,
        username,
        format,
        what,
        pseudonymise,
        pseudonym_key,
        password_stdin,
        filters,
        out,
    } = args;
    if out.exists() {
        bail!("{} already exists: name a new file", out.display());
    }
    let mut query = Vec::new();
    for f in &filters {
        let Some((name, value)) = f.split_once('=') else {
            bail!("a filter is NAME=VALUE, not {f:?}");
        };
        const NAMES: [&str; 8] = app::cases::CaseFilters::NAMES;
        if !NAMES.contains(&name.trim()) {
            bail!(
                "no filter is named {name:?}; the filters are {}",
                NAMES.join(", ")
            );
        }
        query.push((name.trim().to_string(), value.trim().to_string()));
    }
    let filters: app::cases::CaseFilters = serde_json::to_value(
        query
            .into_iter()
            .collect::<std::collections::BTreeMap<_, _>>(),
    )
    .and_then(serde_json::from_value)
    .context("unknown filter name")?;
    let passphrase = password_stdin
        .then(|| crate::backup::passphrase_from_stdin(false))
        .transpose()?;
    let app = app::App::new(open(&data).await?);
    let actor = crate::actor_named(&app, &username).await?;
    let request = app::exports::CaseExport {
        filters,
        what,
        format,
        pseudonymise,
        passphrase,
        pseudonym_key,
        progress: None,
    };
    let exported = app::exports::export_cases(&app, &actor, request).await;
    write_out(exported, &username, &out)
}

/// `export records`: the passphrase from standard input, always.
async fn records(
    data: DataDir,
    username: String,
    mut request: app::exports::RecordsExport,
    out: PathBuf,
) -> Result<()> {
    if out.exists() {
        bail!("{} already exists: name a new file", out.display());
    }
    request.passphrase = Some(crate::backup::passphrase_from_stdin(false)?);
    let app = app::App::new(open(&data).await?);
    let actor = crate::actor_named(&app, &username).await?;
    let exported = app::exports::export_records(&app, &actor, request).await;
    write_out(exported, &username, &out)
}

/// Copies a finished export to `out`, or says why there is none.
fn write_out(
    exported: Result<app::exports::ExportedFile, app::Error>,
    username: &str,
    out: &std::path::Path,
) -> Result<()> {
    let file = match exported {
        Ok(f) => f,
        Err(e) if !e.fields.is_empty() => bail!(
            "nothing was exported: {}",
            e.fields
                .0
                .iter()
                .map(|f| format!("{}: {}", f.field, f.code))
                .collect::<Vec<_>>()
                .join("; ")
        ),
        Err(e) if e.kind == app::ErrorKind::Forbidden => {
            bail!("nothing was exported: {username} may not make this export (docs/roles.md)")
        }
        Err(e) => bail!("nothing was exported: {e}"),
    };
    std::fs::copy(file.file.path(), out)
        .with_context(|| format!("cannot write {}", out.display()))?;
    println!(
        "{} row(s) written to {}{}",
        file.rows,
        out.display(),
        if file.encrypted {
            " (an encrypted ZIP file)"
        } else {
            ""
        }
    );
    Ok(())
}
