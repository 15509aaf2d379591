//! `reintegra device`: device accounts for field clients (ODK Collect, web forms).

use anyhow::{Result, bail};
use clap::Subcommand;
use domain::Username;

use crate::{DataDir, open};

#[derive(Subcommand)]
pub enum DeviceCommand {
    /// Open a device account for a case manager and print its server address (once).
    Create {
        #[command(flatten)]
        data: DataDir,
        #[arg(long)]
        username: String,
        /// A name to recognise the device by.
        #[arg(long, default_value = "field device")]
        name: String,
        /// The address field clients reach Reintegra at.
        #[arg(
            long,
            env = "REINTEGRA_PUBLIC_URL",
            default_value = "http://localhost:8080"
        )]
        url: String,
    },
}

/// `reintegra forms decrypt`: what was decrypted and filed, and what stays encrypted and why.
pub async fn decrypt(data: &DataDir, key_file: &std::path::Path) -> Result<()> {
    let pem = std::fs::read_to_string(key_file)
        .map_err(|e| anyhow::anyhow!("cannot read {}: {e}", key_file.display()))?;
    let key = app::field::private_key(&pem).map_err(|e| anyhow::anyhow!(e))?;
    let app = app::App::new(open(data).await?);
    let done = app::field::decrypt_waiting(&app, &key)
        .await
        .map_err(|e| anyhow::anyhow!("decryption stopped: {e}"))?;
    let mut left = 0;
    for u in &done {
        match &u.outcome {
            Ok(received) => println!("{}: decrypted ({received:?})", u.instance_id),
            Err(why) => {
                left += 1;
                println!("{}: still encrypted: {why}", u.instance_id);
            }
        }
    }
    println!("{} decrypted, {left} still encrypted", done.len() - left);
    if left > 0 {
        std::process::exit(2);
    }
    Ok(())
}

pub async fn run(command: DeviceCommand) -> Result<()> {
    match command {
        DeviceCommand::Create {
            data,
            username,
            name,
            url,
        } => {
            let app = app::App::new(open(&data).await?);
            let username = Username::parse(&username)?;
            let Some(user) = app.store.user_by_username(&username).await? else {
                bail!("no user named {username}");
            };
            let token = app::field::create_device(
                &app,
                app::accounts::By::Operator("reintegra device create"),
                &user,
                name.clone(),
            )
            .await
            .map_err(|e| anyhow::anyhow!("no device account was opened: {e}"))?;
            let server = format!("{}/openrosa/{token}", url.trim_end_matches('/'));
            let settings = app::field::collect_settings(&server, &name);
            if let Ok(code) = qrcode::QrCode::new(settings.as_bytes()) {
                let picture = code
                    .render::<qrcode::render::unicode::Dense1x2>()
                    .quiet_zone(true)
                    .build();
                println!("Scan with ODK Collect (Projects, Add project, Scan QR code):\n{picture}");
            }
            println!("Keep this address secret: it opens the account of {username}.");
            println!("{server}");
            Ok(())
        }
    }
}
