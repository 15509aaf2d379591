//! `reintegra handover`: this instance's public key file, trusting a partner, and making or
//! receiving case packets, through the same use cases as the pages, with the rights and audit
//! trail of a named user.

use std::path::PathBuf;
use std::sync::Arc;

use anyhow::{Context, Result, bail};
use clap::Subcommand;

use crate::{DataDir, open};

#[derive(Subcommand)]
pub enum HandoverCommand {
    /// Write this instance's public key file, to give to partners (an administrator's).
    Key {
        #[command(flatten)]
        data: DataDir,
        #[arg(long)]
        username: String,
        /// The file to write (it must not exist).
        #[arg(long)]
        out: PathBuf,
    },
    /// Trust a partner instance from the public key file it sent (an administrator's).
    Trust {
        #[command(flatten)]
        data: DataDir,
        #[arg(long)]
        username: String,
        /// The partner's public key file.
        keyfile: PathBuf,
    },
    /// Make a packet of a case for a trusted partner, from the returnee's current consent
    /// naming that partner (recorded on the case's hand-over page).
    Export {
        #[command(flatten)]
        data: DataDir,
        #[arg(long)]
        username: String,
        /// The case's id.
        #[arg(long)]
        case: String,
        /// The recipient's public key file.
        #[arg(long)]
        to: PathBuf,
        /// The packet file to write (it must not exist).
        #[arg(long)]
        out: PathBuf,
    },
    /// Receive a packet from a trusted partner as a new case in intake.
    Import {
        #[command(flatten)]
        data: DataDir,
        #[arg(long)]
        username: String,
        /// The office taking the case (its code); the user's own office when left out.
        #[arg(long)]
        office: Option<String>,
        /// The packet file.
        packet: PathBuf,
    },
}

/// A refusal in words (the pages' English messages).
fn said(e: app::Error) -> anyhow::Error {
    let tr = web::i18n::I18n::load()
        .map(|i| web::i18n::Tr::new(Arc::new(i), "en".into()))
        .ok();
    let fields: Vec<String> = e
        .fields
        .0
        .iter()
        .map(|f| match &tr {
            Some(tr) => format!("{}: {}", f.field, tr.t(f.code)),
            None => format!("{}: {}", f.field, f.code),
        })
        .collect();
    anyhow::anyhow!(
        "{}{}",
        e.detail.unwrap_or_else(|| format!("{:?}", e.kind)),
        if fields.is_empty() {
            String::new()
        } else {
            format!(" ({})", fields.join(", "))
        }
    )
}

fn write_new(out: &PathBuf, bytes: &[u8]) -> Result<()> {
    if out.exists() {
        bail!("{} already exists: name a new file", out.display());
    }
    std::fs::write(out, bytes).with_context(|| format!("cannot write {}", out.display()))
}

pub async fn run(command: HandoverCommand) -> Result<()> {
    match command {
        HandoverCommand::Key {
            data,
            username,
            out,
        } => {
            let app = app::App::new(open(&data).await?);
            let actor = crate::actor_named(&app, &username).await?;
            let view = app::handover::keys_view(&app, &actor).await.map_err(said)?;
            write_new(&out, view.public_key_file.as_bytes())?;
            println!("Wrote {}; key id {}", out.display(), view.key_id);
        }
        HandoverCommand::Trust {
            data,
            username,
            keyfile,
        } => {
            let text = std::fs::read_to_string(&keyfile)
                .with_context(|| format!("cannot read {}", keyfile.display()))?;
            let app = app::App::new(open(&data).await?);
            let actor = crate::actor_named(&app, &username).await?;
            let partner = app::handover::trust_partner(&app, &actor, &text)
                .await
                .map_err(said)?;
            println!(
                "Trusted {} (key id {})",
                partner.organisation, partner.key_id
            );
        }
        HandoverCommand::Export {
            data,
            username,
            case,
            to,
            out,
        } => {
            let key_file = std::fs::read_to_string(&to)
                .with_context(|| format!("cannot read {}", to.display()))?;
            let app = app::App::new(open(&data).await?);
            let actor = crate::actor_named(&app, &username).await?;
            let (_, bytes) =
                app::handover::make_packet_for_key_file(&app, &actor, &case, &key_file)
                    .await
                    .map_err(said)?;
            write_new(&out, &bytes)?;
            println!("Wrote the packet to {}", out.display());
        }
        HandoverCommand::Import {
            data,
            username,
            office,
            packet,
        } => {
            let meta = std::fs::metadata(&packet)
                .with_context(|| format!("cannot read {}", packet.display()))?;
            if meta.len() > app::handover::packet::MAX_PACKET_BYTES as u64 {
                bail!("{} is too large to be a packet", packet.display());
            }
            let bytes = std::fs::read(&packet)?;
            let app = app::App::new(open(&data).await?);
            let actor = crate::actor_named(&app, &username).await?;
            let office = app::lookups::office_named_or_own(&app, &actor, office.as_deref())
                .await
                .map_err(said)?;
            let case = app::handover::receive(&app, &actor, office, &bytes)
                .await
                .map_err(said)?;
            println!("Received as case {} ({})", case.number, case.id);
        }
    }
    Ok(())
}
