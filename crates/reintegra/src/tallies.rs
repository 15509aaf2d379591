//! `reintegra tallies`: check the survey tallies against a recount of the records, or build
//! them again.

use anyhow::{Result, bail};
use clap::Subcommand;

use crate::{DataDir, open};

/// Differences printed at most; the count says how many there are.
const SHOWN: usize = 50;

#[derive(Subcommand)]
pub enum TalliesCommand {
    /// Recount the survey tallies from the records and report every cell that differs (exit
    /// status 1 when any does). Reads only; safe while the server runs.
    Verify {
        #[command(flatten)]
        data: DataDir,
    },
    /// Build the survey tallies again from the records, in one transaction.
    Rebuild {
        #[command(flatten)]
        data: DataDir,
    },
}

pub async fn run(command: TalliesCommand) -> Result<()> {
    match command {
        TalliesCommand::Verify { data } => {
            let app = app::App::new(open(&data).await?);
            let differences = app::results::verify_tallies(&app)
                .await
                .map_err(|e| anyhow::anyhow!("the tallies could not be recounted: {e}"))?;
            if differences.is_empty() {
                println!("the survey tallies match a recount of the records");
                return Ok(());
            }
            for d in differences.iter().take(SHOWN) {
                println!("{d}");
            }
            bail!(
                "{} cell(s) of the survey tallies differ from a recount of the records \
                 (`reintegra tallies rebuild` builds them again)",
                differences.len()
            )
        }
        TalliesCommand::Rebuild { data } => {
            let app = app::App::new(open(&data).await?);
            app::results::rebuild_tallies(&app)
                .await
                .map_err(|e| anyhow::anyhow!("the tallies could not be built: {e}"))?;
            println!("the survey tallies were built again from the records");
            Ok(())
        }
    }
}
