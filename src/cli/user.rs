//! `dojo user …`: account management from the command line.

use std::io::BufRead;
use std::process::ExitCode;

use anyhow::{bail, Context};
use clap::{Args, Subcommand};
use dojo_server::accounts::{self, NewUser};
use dojo_storage::repo::users;

use super::DbArgs;

#[derive(Debug, Subcommand)]
pub enum UserCommand {
    /// Create a user.
    Create(CreateArgs),
    /// Set a user's password.
    SetPassword(SetPasswordArgs),
    /// List users.
    List(DbArgs),
    /// Print a user's API token, creating it if needed.
    CreateToken(TokenArgs),
}

#[derive(Debug, Args)]
pub struct PasswordSource {
    /// Read the password from the first line of standard input.
    #[arg(long)]
    password_stdin: bool,
    /// The password (visible in the process list: prefer --password-stdin).
    #[arg(
        long,
        env = "DOJO_USER_PASSWORD",
        hide_env_values = true,
        conflicts_with = "password_stdin"
    )]
    password: Option<String>,
}

impl PasswordSource {
    fn read(&self) -> anyhow::Result<String> {
        if let Some(password) = &self.password {
            return Ok(password.clone());
        }
        if !self.password_stdin {
            bail!("give the password with --password-stdin (or --password)");
        }
        let mut line = String::new();
        std::io::stdin()
            .lock()
            .read_line(&mut line)
            .context("cannot read the password from standard input")?;
        let password = line.trim_end_matches(['\r', '\n']).to_owned();
        if password.is_empty() {
            bail!("the password read from standard input is empty");
        }
        Ok(password)
    }
}

#[derive(Debug, Args)]
pub struct CreateArgs {
    username: String,
    #[command(flatten)]
    password: PasswordSource,
    #[arg(long, default_value = "")]
    email: String,
    #[arg(long, default_value = "")]
    first_name: String,
    #[arg(long, default_value = "")]
    last_name: String,
    /// Staff users pass every membership check.
    #[arg(long)]
    staff: bool,
    /// Superusers may do everything.
    #[arg(long)]
    superuser: bool,
    #[command(flatten)]
    db: DbArgs,
}

#[derive(Debug, Args)]
pub struct SetPasswordArgs {
    username: String,
    #[command(flatten)]
    password: PasswordSource,
    #[command(flatten)]
    db: DbArgs,
}

#[derive(Debug, Args)]
pub struct TokenArgs {
    username: String,
    /// Replace the user's token with a new one (the old one stops working).
    #[arg(long)]
    reset: bool,
    #[arg(long, env = "DOJO_SECRET_KEY", hide_env_values = true)]
    secret_key: Option<String>,
    #[command(flatten)]
    db: DbArgs,
}

pub async fn run(command: UserCommand) -> anyhow::Result<ExitCode> {
    match command {
        UserCommand::Create(args) => {
            let password = args.password.read()?;
            let db = args.db.open().await?;
            let new = NewUser {
                username: args.username,
                email: args.email,
                first_name: args.first_name,
                last_name: args.last_name,
                is_staff: args.staff || args.superuser,
                is_superuser: args.superuser,
            };
            let user = accounts::create_user(&db, &new, &password).await?;
            println!("created user {} (id {})", user.username, user.id);
            db.close().await;
        }
        UserCommand::SetPassword(args) => {
            let password = args.password.read()?;
            let db = args.db.open().await?;
            let user = accounts::set_password(&db, &args.username, &password).await?;
            println!("password of {} changed", user.username);
            db.close().await;
        }
        UserCommand::List(db_args) => {
            let db = db_args.open().await?;
            let mut conn = db.conn().await?;
            println!(
                "{:>6}  {:<24} {:<8} {:<6} {:<10} email",
                "id", "username", "active", "staff", "superuser"
            );
            for user in users::list(&mut conn).await? {
                println!(
                    "{:>6}  {:<24} {:<8} {:<6} {:<10} {}",
                    user.id,
                    user.username,
                    user.is_active,
                    user.is_staff,
                    user.is_superuser,
                    user.email
                );
            }
            drop(conn);
            db.close().await;
        }
        UserCommand::CreateToken(args) => {
            let secret = args.db.secret(args.secret_key.as_deref())?;
            let db = args.db.open().await?;
            let mut conn = db.conn().await?;
            let user = users::find_by_username(&mut conn, &args.username)
                .await?
                .with_context(|| format!("user \"{}\" does not exist", args.username))?;
            drop(conn);
            let token = if args.reset {
                accounts::reset_token(&db, &secret, user.id).await?
            } else {
                accounts::token_for(&db, &secret, user.id).await?
            };
            println!("{token}");
            db.close().await;
        }
    }
    Ok(ExitCode::SUCCESS)
}
