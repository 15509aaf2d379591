//! `reintegra rss`: score surveys without a server, rescore the stored ones, print the model.

use std::io::Read;
use std::path::{Path, PathBuf};

use anyhow::{Context, Result};
use clap::Subcommand;
use store::AuditContext;
use time::OffsetDateTime;

use crate::{DataDir, open};

#[derive(Subcommand)]
pub enum RssCommand {
    /// Score one survey without a server: its answers as JSON on standard input (keys q1 … q32,
    /// option positions as in the handbook, "dk", "dwa", "na"), the scores as JSON on standard
    /// output. Incomplete or invalid answers: a message naming the question, exit status 2.
    Score {
        /// A scoring model (TOML); the shipped model when omitted.
        #[arg(long)]
        model: Option<PathBuf>,
        /// Also print how each indicator counted.
        #[arg(long)]
        explain: bool,
    },
    /// Recompute every stored survey score. With --model FILE the model is checked, stored,
    /// and from then on scores new surveys too; without it, the model in force is used.
    Rescore {
        #[command(flatten)]
        data: DataDir,
        #[arg(long)]
        model: Option<PathBuf>,
    },
    /// Print the scoring model in force (TOML).
    Model {
        #[command(flatten)]
        data: DataDir,
    },
}

fn read_model(file: &Path) -> Result<(domain::rss::ScoringModel, String)> {
    let text =
        std::fs::read_to_string(file).with_context(|| format!("cannot read {}", file.display()))?;
    let model = domain::rss::ScoringModel::from_toml(&text)
        .with_context(|| format!("{} is not a usable scoring model", file.display()))?;
    Ok((model, text))
}

pub async fn run(command: RssCommand) -> Result<()> {
    match command {
        RssCommand::Score { model, explain } => {
            let model = match model {
                Some(file) => read_model(&file)?.0,
                None => domain::rss::default_model(),
            };
            let mut input = String::new();
            std::io::stdin()
                .read_to_string(&mut input)
                .context("cannot read the answers from standard input")?;
            let value: serde_json::Value =
                serde_json::from_str(&input).context("the answers are not valid JSON")?;
            let sheet = domain::rss::Sheet::from_json(&value)?;
            let scores = model.score(&sheet);
            println!(
                "{}",
                serde_json::to_string_pretty(&app::rss::scores_json(&model, &scores, explain))?
            );
            Ok(())
        }
        RssCommand::Rescore { data, model } => {
            let store = open(&data).await?;
            let now = OffsetDateTime::now_utc();
            let model = match model {
                Some(file) => {
                    let (model, text) = read_model(&file)?;
                    store
                        .activate_scoring_model(
                            &model.id,
                            &model.version,
                            &text,
                            AuditContext::system(now, "reintegra rss rescore --model"),
                        )
                        .await?;
                    model
                }
                None => app::rss::active_model(store.as_ref())
                    .await
                    .map_err(anyhow::Error::msg)?,
            };
            let report = app::rss::rescore_all(
                store.as_ref(),
                &model,
                AuditContext::system(now, "reintegra rss rescore"),
            )
            .await?;
            println!(
                "rescored {} survey{} under {} ({} changed, {} declined and not scored)",
                report.scored,
                if report.scored == 1 { "" } else { "s" },
                model.label(),
                report.changed,
                report.consent_refused
            );
            for (id, problem) in &report.unscorable {
                eprintln!("  survey {id} cannot be scored: {problem}");
            }
            if !report.unscorable.is_empty() {
                std::process::exit(2);
            }
            Ok(())
        }
        RssCommand::Model { data } => {
            let store = open(&data).await?;
            match store.active_scoring_model().await? {
                Some(text) => print!("{text}"),
                None => print!("{}", domain::rss::DEFAULT_MODEL),
            }
            Ok(())
        }
    }
}
