//! The `reintegra` command: serve the application and administer it from the command line.

mod backup;
mod data_dir;
mod demo;
mod device;
mod export;
mod handover;
mod import;
mod import_surveys;
mod rss;
mod scheduled;
mod tallies;

use std::io::Read;
use std::net::SocketAddr;
use std::path::{Path, PathBuf};
use std::sync::Arc;

use anyhow::{Context, Result, bail};
use clap::{Parser, Subcommand};
use data_dir::{DataDir, copy_data, key_from, open, open_postgres, open_sqlite};
use domain::{OfficeCode, Role, Username};
use store::SqliteStore;
use store::prelude::*;

#[derive(Parser)]
#[command(
    name = "reintegra",
    version,
    about = "Case management and M&E for reintegration programmes"
)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

/// The account named on the command line, as the actor the use cases authorize and audit: an
/// export or import from the command line is someone's, with their rights.
async fn actor_named(app: &app::App, username: &str) -> Result<domain::authz::Actor> {
    let username = Username::parse(username)?;
    let user = match app.store.user_by_username(&username).await? {
        Some(u) if !u.disabled => u,
        Some(_) => bail!("{username}'s account is disabled"),
        None => bail!("no user named {username}"),
    };
    Ok(domain::authz::Actor {
        user_id: user.id,
        role: user.role,
        office: user.office,
        organisation: user.organisation,
    })
}

#[derive(Subcommand)]
enum Command {
    /// Start the server (creating the database and applying migrations first).
    Serve {
        #[command(flatten)]
        data: DataDir,
        /// Address and port to listen on.
        #[arg(long, env = "REINTEGRA_BIND", default_value = "127.0.0.1:8080")]
        bind: SocketAddr,
        /// Load the demo programme (invented people) into an empty database and label every
        /// page as a demo.
        #[arg(long)]
        demo: bool,
        /// Mark cookies Secure even without a proxy header (when served only over HTTPS).
        #[arg(long, env = "REINTEGRA_SECURE_COOKIES")]
        secure_cookies: bool,
        /// A reverse proxy in front of Reintegra (an IP address; repeat for several, or give
        /// them comma-separated). Only a trusted proxy's X-Forwarded-For names the client whose
        /// failed sign-ins are counted.
        #[arg(
            long = "trusted-proxy",
            env = "REINTEGRA_TRUSTED_PROXIES",
            value_delimiter = ','
        )]
        trusted_proxies: Vec<std::net::IpAddr>,
    },
    /// Apply database migrations and exit.
    Migrate {
        #[command(flatten)]
        data: DataDir,
    },
    /// Copy the SQLite database of a data directory into an empty PostgreSQL database (stop the
    /// server first): every table, checked row for row. Files stay in the data directory's
    /// `files/`, which the PostgreSQL instances then use.
    CopyData {
        #[command(flatten)]
        data: DataDir,
        /// The PostgreSQL database to copy into; best given in the environment.
        #[arg(long, env = "REINTEGRA_COPY_TO")]
        to: String,
    },
    /// Manage user accounts.
    User {
        #[command(subcommand)]
        command: UserCommand,
    },
    /// Manage personal API tokens.
    Token {
        #[command(subcommand)]
        command: TokenCommand,
    },
    /// Device accounts for field clients (ODK Collect, web forms).
    Device {
        #[command(subcommand)]
        command: device::DeviceCommand,
    },
    /// Encrypt the database, change its key, or decrypt it (the server must be stopped).
    Database {
        #[command(subcommand)]
        command: DatabaseCommand,
    },
    /// Anonymise closed cases past the programme's retention period now (the server also does
    /// it daily).
    Retention {
        #[command(flatten)]
        data: DataDir,
    },
    /// Work with XLSForm instruments.
    Forms {
        #[command(subcommand)]
        command: FormsCommand,
    },
    /// Score Reintegration Sustainability Surveys and manage the scoring model.
    Rss {
        #[command(subcommand)]
        command: rss::RssCommand,
    },
    /// Import records in bulk from files, after a dry run.
    Import {
        #[command(subcommand)]
        command: import::ImportCommand,
    },
    /// Export records to files (CSV or XLSX; encrypted when they hold personal data).
    Export {
        #[command(subcommand)]
        command: export::ExportCommand,
    },
    /// Hand cases over between instances: this instance's key, trusted partners, packets.
    Handover {
        #[command(subcommand)]
        command: handover::HandoverCommand,
    },
    /// Check the survey tallies (the counts indicator figures are read from) against the
    /// records, or build them again.
    Tallies {
        #[command(subcommand)]
        command: tallies::TalliesCommand,
    },
    /// Write a consistent backup of the data directory (database and stored files) to one file,
    /// while the server runs. With --passphrase-stdin the file is encrypted (AES-256) with the
    /// passphrase read from standard input, which is never stored.
    Backup {
        #[command(flatten)]
        data: DataDir,
        /// The backup file to write (it must not exist yet).
        out: PathBuf,
        #[arg(long)]
        passphrase_stdin: bool,
    },
    /// Restore a backup into a new or empty data directory, checking it before it is left there.
    Restore {
        #[command(flatten)]
        data: DataDir,
        /// The backup file.
        archive: PathBuf,
        /// Read the backup's passphrase from standard input.
        #[arg(long)]
        passphrase_stdin: bool,
    },
    /// Check a backup without restoring it: its database's integrity, row counts and files.
    VerifyBackup {
        #[command(flatten)]
        data: DataDir,
        /// The backup file.
        archive: PathBuf,
        /// Read the backup's passphrase from standard input.
        #[arg(long)]
        passphrase_stdin: bool,
    },
    /// Generate an invented programme of N returnees into an empty data directory, for
    /// demonstrations and benchmarks. Deterministic for a given seed.
    Demo {
        #[command(flatten)]
        data: DataDir,
        /// How many cases to generate.
        #[arg(long, default_value_t = demo::DEMO_CASES)]
        cases: usize,
        #[arg(long, default_value_t = demo::DEMO_SEED)]
        seed: u64,
    },
}

#[derive(Subcommand)]
enum UserCommand {
    /// Add an account. The password is read from standard input.
    Add {
        #[command(flatten)]
        data: DataDir,
        #[arg(long)]
        username: String,
        /// admin, programme-manager, case-manager, me-officer, partner or viewer.
        #[arg(long)]
        role: String,
        /// Office code (created if it does not exist). Omit for national scope.
        #[arg(long)]
        office: Option<String>,
        /// Full name shown in the application (defaults to the username).
        #[arg(long)]
        display_name: Option<String>,
        /// Read the password from standard input (required: passwords never go on the command
        /// line, where other users of the machine could see them).
        #[arg(long, required = true)]
        password_stdin: bool,
    },
    /// Turn off an account's two-step sign-in (a lost phone and no recovery code left, with no
    /// administrator able to sign in to do it). The owner then signs in with the password alone
    /// and sets it up again.
    ResetTwoStep {
        #[command(flatten)]
        data: DataDir,
        #[arg(long)]
        username: String,
    },
}

#[derive(Subcommand)]
enum DatabaseCommand {
    /// Rewrite the database under a new key, read with the current one (REINTEGRA_DATABASE_KEY
    /// or --database-key-file; none for a database not encrypted yet). The new key comes from
    /// REINTEGRA_NEW_DATABASE_KEY or --new-key-file; --no-key writes it unencrypted.
    Rekey {
        #[command(flatten)]
        data: DataDir,
        #[arg(
            long,
            env = "REINTEGRA_NEW_DATABASE_KEY_FILE",
            conflicts_with = "no_key"
        )]
        new_key_file: Option<PathBuf>,
        /// Write the database without encryption.
        #[arg(long)]
        no_key: bool,
    },
}

#[derive(Subcommand)]
enum FormsCommand {
    /// Check an XLSForm without a server: prints a summary (exit 0) or every problem found,
    /// each with its sheet, row and column (exit 2).
    Check {
        /// The .xlsx file.
        file: PathBuf,
    },
    /// Convert an XLSForm to an ODK XForm without a server: the XML on standard output, or
    /// every problem found (exit 2).
    Xform {
        /// The .xlsx file.
        file: PathBuf,
    },
    /// Decrypt the encrypted field submissions waiting (forms with a public key) with the
    /// private key, and file each on its case as its sender's. The key is read from the file
    /// and never stored.
    Decrypt {
        #[command(flatten)]
        data: DataDir,
        /// The RSA private key, in PEM.
        #[arg(long)]
        key: PathBuf,
    },
}

#[derive(Subcommand)]
enum TokenCommand {
    /// Create a token for a user and print it once.
    Create {
        #[command(flatten)]
        data: DataDir,
        #[arg(long)]
        username: String,
        /// A name to recognise the token by.
        #[arg(long, default_value = "command line")]
        name: String,
    },
}

#[tokio::main]
async fn main() {
    tracing_subscriber::fmt()
        .with_env_filter(
            tracing_subscriber::EnvFilter::try_from_default_env()
                .unwrap_or_else(|_| "info,tower_http=warn".into()),
        )
        .with_writer(std::io::stderr)
        .init();
    if let Err(e) = run(Cli::parse()).await {
        eprintln!("error: {e:#}");
        std::process::exit(2);
    }
}

async fn run(cli: Cli) -> Result<()> {
    match cli.command {
        Command::Serve {
            data,
            bind,
            demo,
            secure_cookies,
            trusted_proxies,
        } => {
            let config = web::Config {
                secure_cookies,
                demo,
                trusted_proxies,
                ..Default::default()
            };
            serve(&data, bind, config).await
        }
        Command::Demo { data, cases, seed } => {
            data.sqlite_only("demo")?;
            let store = open_sqlite(&data).await?;
            if store.count_users().await? > 0 {
                bail!(
                    "{} already holds a programme; generate into an empty data directory",
                    data.data_dir.display()
                );
            }
            let started = std::time::Instant::now();
            demo::load(&store, demo::Scale::national(cases, seed)).await?;
            println!(
                "generated {cases} cases in {:.1} s into {}",
                started.elapsed().as_secs_f64(),
                store.path().display()
            );
            demo::print_credentials();
            Ok(())
        }
        Command::Forms {
            command: FormsCommand::Check { file },
        } => check_form(&file, false),
        Command::Forms {
            command: FormsCommand::Xform { file },
        } => check_form(&file, true),
        Command::Forms {
            command: FormsCommand::Decrypt { data, key },
        } => device::decrypt(&data, &key).await,
        Command::Rss { command } => rss::run(command).await,
        Command::Tallies { command } => tallies::run(command).await,
        Command::Database {
            command:
                DatabaseCommand::Rekey {
                    data,
                    new_key_file,
                    no_key,
                },
        } => {
            let new = key_from(new_key_file.as_deref(), "REINTEGRA_NEW_DATABASE_KEY")?;
            if new.is_none() && !no_key {
                bail!(
                    "give the new key in REINTEGRA_NEW_DATABASE_KEY or --new-key-file, or \
                     --no-key to write the database unencrypted"
                );
            }
            let encrypted = new.is_some();
            data.sqlite_only("database rekey")?;
            SqliteStore::rekey(&data.data_dir, data.key()?, new)
                .await
                .context("the database was left as it was")?;
            println!(
                "{} is now {}; start the server with {}",
                data.data_dir.join(store::DATABASE_FILE).display(),
                if encrypted {
                    "encrypted with the new key"
                } else {
                    "not encrypted"
                },
                if encrypted { "the new key" } else { "no key" }
            );
            Ok(())
        }
        Command::Retention { data } => {
            let app = app::App::new(open(&data).await?);
            let run = app::retention::run(&app)
                .await
                .map_err(|e| anyhow::anyhow!("the retention run failed: {e}"))?;
            match app::retention::retention_months(&app).await.ok().flatten() {
                None => println!("no retention period is set: closed cases are kept"),
                Some(m) => println!(
                    "{} closed case(s), {} anonymised (retention period: {m} months after closure)",
                    run.closed, run.anonymised
                ),
            }
            Ok(())
        }
        Command::CopyData { data, to } => copy_data(&data, &to).await,
        Command::Migrate { data } => {
            match data.postgres()? {
                Some(url) => {
                    open_postgres(&data, url).await?;
                    println!("the PostgreSQL database is up to date");
                }
                None => {
                    let s = open_sqlite(&data).await?;
                    println!("database {} is up to date", s.path().display());
                }
            }
            Ok(())
        }
        Command::User {
            command:
                UserCommand::Add {
                    data,
                    username,
                    role,
                    office,
                    display_name,
                    password_stdin: _,
                },
        } => {
            let mut password = String::new();
            std::io::stdin()
                .read_to_string(&mut password)
                .context("cannot read the password from standard input")?;
            let password = password.trim_end_matches(['\n', '\r']).to_string();
            let app = app::App::new(open(&data).await?);
            add_user(
                &app,
                &username,
                &role,
                office.as_deref(),
                display_name,
                password,
            )
            .await
        }
        Command::User {
            command: UserCommand::ResetTwoStep { data, username },
        } => {
            let app = app::App::new(open(&data).await?);
            let username = Username::parse(&username)?;
            let Some(user) = app.store.user_by_username(&username).await? else {
                bail!("no user named {username}");
            };
            if !user.two_factor {
                bail!("{username} does not use two-step sign-in");
            }
            app::two_factor::reset_by_operator(&app, user.id)
                .await
                .map_err(|e| anyhow::anyhow!("two-step sign-in was not turned off: {e}"))?;
            println!(
                "two-step sign-in turned off for {username}; they set it up again after signing in"
            );
            Ok(())
        }
        Command::Device { command } => device::run(command).await,
        Command::Export { command } => export::run(command).await,
        Command::Handover { command } => handover::run(command).await,
        Command::Import { command } => import::run(command).await,
        Command::Backup {
            data,
            out,
            passphrase_stdin,
        } => {
            data.sqlite_only("backup")?;
            backup::backup(&data, out, passphrase_stdin).await
        }
        Command::Restore {
            data,
            archive,
            passphrase_stdin,
        } => {
            data.sqlite_only("restore")?;
            backup::restore(&data, archive, passphrase_stdin).await
        }
        Command::VerifyBackup {
            data,
            archive,
            passphrase_stdin,
        } => {
            data.sqlite_only("restore")?;
            backup::verify(&data, archive, passphrase_stdin).await
        }
        Command::Token {
            command:
                TokenCommand::Create {
                    data,
                    username,
                    name,
                },
        } => {
            let app = app::App::new(open(&data).await?);
            let username = Username::parse(&username)?;
            let Some(user) = app.store.user_by_username(&username).await? else {
                bail!("no user named {username}");
            };
            let token = app::accounts::issue_api_token(
                &app,
                app::accounts::By::Operator("reintegra token create"),
                user.id,
                name,
            )
            .await
            .map_err(|e| anyhow::anyhow!("no token was issued: {e}"))?;
            println!("{token}");
            Ok(())
        }
    }
}

/// Checks an XLSForm; prints its summary, or with `xform` the XForm itself.
fn check_form(file: &Path, xform: bool) -> Result<()> {
    let bytes = std::fs::read(file).with_context(|| format!("cannot read {}", file.display()))?;
    let name = file
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_default();
    match forms::import_xlsx(&bytes, &name).and_then(|f| {
        let xml = if xform {
            Some(forms::export_xform(&f)?)
        } else {
            None
        };
        Ok((f, xml))
    }) {
        Ok((_, Some(xml))) => {
            print!("{xml}");
            Ok(())
        }
        Ok((form, None)) => {
            let s = form.summary();
            println!("{}: valid XLSForm", file.display());
            println!("  form id:   {}", s.form_id);
            println!("  title:     {}", s.title);
            println!("  version:   {}", s.version);
            println!("  questions: {}", s.questions);
            println!("  languages: {}", s.languages.join(", "));
            Ok(())
        }
        Err(problems) => {
            eprintln!(
                "{}: {} problem{} found",
                file.display(),
                problems.len(),
                if problems.len() == 1 { "" } else { "s" }
            );
            for p in &problems {
                eprintln!("  {p}");
            }
            std::process::exit(2);
        }
    }
}

async fn add_user(
    app: &app::App,
    username: &str,
    role: &str,
    office: Option<&str>,
    display_name: Option<String>,
    password: String,
) -> Result<()> {
    let username = Username::parse(username)?;
    let role: Role = role.parse()?;
    let office = match office {
        Some(code) => {
            let code = OfficeCode::parse(code)?;
            Some(app.store.ensure_office(&code, code.as_str()).await?.id)
        }
        None => None,
    };
    let opened = app::accounts::create_account(
        app,
        app::accounts::By::Operator("reintegra user add"),
        app::accounts::NewAccount {
            display_name: display_name.unwrap_or_else(|| username.to_string()),
            username,
            role,
            office,
            organisation: None,
            password: Some(password),
        },
    )
    .await;
    let user = match opened {
        Ok((user, _)) => user,
        Err(e) if e.kind == app::ErrorKind::Validation => {
            bail!("{}", refusal(&e.fields, role))
        }
        Err(e) => bail!("the account could not be added: {e}"),
    };
    println!("added {} ({})", user.username, user.role);
    Ok(())
}

/// What the command line says for a refused account, field by field.
fn refusal(fields: &domain::ValidationErrors, role: Role) -> String {
    fields
        .0
        .iter()
        .map(|f| match (f.field.as_str(), f.code) {
            ("office", _) => format!("a {role} must belong to an office: add --office CODE"),
            ("username", _) => "a user with that username already exists".to_string(),
            ("password", code) => format!(
                "the password is not acceptable ({code}): use at least 10 characters, not containing the username"
            ),
            (field, code) => format!("{field}: {code}"),
        })
        .collect::<Vec<_>>()
        .join("; ")
}

async fn serve(data: &DataDir, bind: SocketAddr, config: web::Config) -> Result<()> {
    let demo = config.demo;
    if demo && data.postgres()?.is_some() {
        bail!("the demo programme loads into SQLite only: leave out --database");
    }
    let store = open(data).await?;
    // Instances starting together on one database take turns: one makes the first account and
    // installs the shipped forms, the others then find them made.
    let start_up = store.hold_start_up().await?;
    if store.count_users().await? == 0 {
        if demo {
            demo::load(&open_sqlite(data).await?, demo::Scale::DEMO).await?;
            demo::print_credentials();
        } else {
            first_admin(store.clone()).await?;
        }
    } else if demo {
        println!(
            "The database already has users; the demo programme is loaded only into an empty one."
        );
        demo::print_credentials();
    }
    let state = web::AppState::new(store, config).await?;
    drop(start_up);
    tokio::spawn(scheduled::retention_daily(state.app.clone()));
    tokio::spawn(scheduled::duplicates_nightly(state.app.clone()));
    tokio::spawn(scheduled::tallies_folded(state.app.clone()));
    let app = web::router(state);
    let listener = tokio::net::TcpListener::bind(bind)
        .await
        .with_context(|| format!("cannot listen on {bind}"))?;
    println!(
        "Reintegra is listening on http://{}",
        listener.local_addr()?
    );
    axum::serve(
        listener,
        app.into_make_service_with_connect_info::<SocketAddr>(),
    )
    .with_graceful_shutdown(shutdown_signal())
    .await?;
    Ok(())
}

/// The first administrator, with a one-time password printed once to the console (standard
/// output, never the log) and to be changed at first sign-in.
async fn first_admin(store: Arc<dyn Store>) -> Result<()> {
    let app = app::App::new(store);
    let (_, password) = app::accounts::create_account(
        &app,
        app::accounts::By::Operator("first start"),
        app::accounts::NewAccount {
            username: Username::parse("admin")?,
            display_name: "Administrator".into(),
            role: Role::Admin,
            office: None,
            organisation: None,
            password: None,
        },
    )
    .await
    .map_err(|e| anyhow::anyhow!("the first administrator could not be created: {e}"))?;
    let password = password.unwrap_or_default();
    println!();
    println!("  First start: an administrator account was created.");
    println!("    username: admin");
    println!("    password: {password}   (works once: you will choose your own at first sign-in)");
    println!();
    Ok(())
}

async fn shutdown_signal() {
    let ctrl_c = async {
        let _ = tokio::signal::ctrl_c().await;
    };
    #[cfg(unix)]
    let terminate = async {
        if let Ok(mut s) = tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate())
        {
            s.recv().await;
        }
    };
    #[cfg(not(unix))]
    let terminate = std::future::pending::<()>();
    tokio::select! {
        _ = ctrl_c => {},
        _ = terminate => {},
    }
}
