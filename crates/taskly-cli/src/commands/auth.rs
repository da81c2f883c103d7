//! `taskly auth …`: sign in to Taskly (browser or device code), status, switch, sign out.
//!
//! The browser sign-in opens the system browser: the command in `BROWSER` when set (as gh and
//! git do), else the desktop's opener; the address is always printed too, for a person to copy.
//! Without a display, or over SSH, the device-code sign-in is used. With `--json`, `login`
//! prints one event per line: `browser`, `device_code`, `signed_in`, then `local_keys_*`.
#![allow(clippy::print_stderr)]

use std::process::ExitCode;

use taskly_core::signin::{AuthStatus, SignIn, SignInOptions, SignedIn};
use taskly_core::{AccountView, Error, Vault};

use crate::cli::{AuthCommand, LoginArgs};
use crate::{output, secret_input};

pub async fn run(
    vault: &Vault,
    cmd: AuthCommand,
    name: Option<String>,
    json: bool,
) -> Result<ExitCode, Error> {
    let signin = SignIn::new(vault.core().clone());
    match cmd {
        AuthCommand::Login(args) => login(&signin, args, name, json).await,
        AuthCommand::Status => {
            let status = signin.status().await?;
            if json {
                output::json(&status);
            } else {
                print_status(&status);
            }
            Ok(ExitCode::SUCCESS)
        }
        AuthCommand::Switch(args) => {
            let account = signin.switch(&args.name).await?;
            if json {
                output::json(&serde_json::json!({ "active": account }));
            } else {
                output::line(format!(
                    "Now using {} (its keys, its Taskly session).",
                    account.who()
                ));
            }
            Ok(ExitCode::SUCCESS)
        }
        AuthCommand::Logout(args) => {
            let out = signin.sign_out(None, args.all).await?;
            if json {
                output::json(&out);
            } else {
                for account in &out.accounts {
                    output::line(format!("Signed out of {} on this machine.", account.who()));
                }
                match &out.revoke_error {
                    None => output::line("Taskly's sign-in service ended the session."),
                    Some(why) => output::warning(format!(
                        "Taskly's sign-in service could not end the session ({why}). It is gone from this machine; what the service still holds expires on its own."
                    )),
                }
                output::line("Your keys stay on this machine for when you sign in again.");
            }
            Ok(ExitCode::SUCCESS)
        }
    }
}

async fn login(
    signin: &SignIn,
    args: LoginArgs,
    name: Option<String>,
    json: bool,
) -> Result<ExitCode, Error> {
    let before = signin.status().await?;
    let options = SignInOptions {
        name,
        // Someone is signed in already: this is another person's (or another) account, so the
        // browser's session must not silently sign in the same one again.
        fresh_login: !before.accounts.is_empty(),
    };
    let cancel = async {
        let _ = tokio::signal::ctrl_c().await;
    };
    let signed_in = if args.device || no_browser_here() {
        let device = signin.start_device(options).await?;
        if json {
            output::json_line(&serde_json::json!({
                "event": "device_code",
                "verification_uri": device.verification_uri(),
                "verification_uri_complete": device.verification_uri_complete(),
                "user_code": device.user_code(),
                "expires_in": device.expires_in().as_secs(),
            }));
        } else {
            eprintln!(
                "To sign in, open {} on any device and enter the code:\n\n    {}\n",
                device.verification_uri(),
                device.user_code()
            );
            eprintln!(
                "Waiting for you to confirm (the code works for {} minutes; Ctrl+C cancels)…",
                device.expires_in().as_secs().div_ceil(60)
            );
        }
        device.finish(cancel).await?
    } else {
        let browser = signin.start_browser(options).await?;
        let opened = open_browser(browser.url());
        if json {
            output::json_line(&serde_json::json!({
                "event": "browser",
                "url": browser.url(),
                "opened": opened,
            }));
        } else {
            if opened {
                eprintln!("Opening your browser to sign in to Taskly…");
            } else {
                eprintln!("Open this address in your browser to sign in to Taskly:");
            }
            eprintln!("\n    {}\n", browser.url());
            eprintln!("Waiting for the browser (5 minutes; Ctrl+C cancels)…");
        }
        browser.finish(cancel).await?
    };
    report_signed_in(&signed_in, &before, json);
    adopt(signin, &signed_in, &args, json).await?;
    Ok(ExitCode::SUCCESS)
}

fn report_signed_in(signed_in: &SignedIn, before: &AuthStatus, json: bool) {
    let account = &signed_in.account;
    if json {
        output::json_line(&serde_json::json!({ "event": "signed_in", "account": account }));
        return;
    }
    output::line(format!(
        "Signed in to Taskly as {} (account {}). Questions without a personal key now go through Taskly on this account.",
        account.who(),
        account.name
    ));
    if before.token_override {
        output::warning(
            "TASKLY_PROXY_TOKEN is set: the Taskly route sends it instead of this sign-in until you unset it.",
        );
    }
}

/// Asks (or follows --adopt-local-keys / --no-adopt) whether the local profile's keys move
/// into the account, on the machine's first sign-in.
async fn adopt(
    signin: &SignIn,
    signed_in: &SignedIn,
    args: &LoginArgs,
    json: bool,
) -> Result<(), Error> {
    let keys = &signed_in.local_keys;
    if keys.is_empty() {
        return Ok(());
    }
    let who = signed_in.account.who().to_owned();
    let answer = if args.adopt_local_keys {
        Some(true)
    } else if args.no_adopt {
        Some(false)
    } else if json {
        None
    } else {
        eprintln!(
            "This machine has {} key(s) in the local profile:\n{}",
            keys.len(),
            output::key_table(keys)
        );
        secret_input::confirm(&format!("Bring them into {who}?"))
    };
    let account = &signed_in.account.id;
    match answer {
        Some(adopt) => {
            let moved = signin.adopt_local_keys(account, adopt).await?;
            if json {
                output::json_line(&serde_json::json!({
                    "event": if adopt { "local_keys_adopted" } else { "local_keys_kept" },
                    "count": if adopt { moved } else { keys.len() },
                }));
            } else if adopt {
                output::line(format!("Brought {moved} key(s) into {who}."));
            } else {
                output::line("The local profile keeps its keys (use them with --account local).");
            }
        }
        None => {
            if json {
                output::json_line(&serde_json::json!({
                    "event": "local_keys_waiting",
                    "count": keys.len(),
                }));
            } else {
                output::line(format!(
                    "{} local-profile key(s) were left where they are; sign in again with --adopt-local-keys to bring them into {who}.",
                    keys.len()
                ));
            }
        }
    }
    Ok(())
}

fn print_status(status: &AuthStatus) {
    match &status.active {
        Some(active) => {
            output::line(format!("Signed in to Taskly as {}.", active.who()));
            print_account(active);
        }
        None if status.accounts.is_empty() => output::line(format!(
            "Not signed in to Taskly (keys: the {:?} profile). Sign in with: taskly auth login",
            status.profile
        )),
        None => output::line(format!(
            "No account is in use (keys: the {:?} profile). Use one with: taskly auth switch NAME",
            status.profile
        )),
    }
    let others: Vec<&AccountView> = status.accounts.iter().filter(|a| !a.active).collect();
    if !others.is_empty() {
        output::line("Also signed in on this machine:");
        for account in others {
            output::line(format!(
                "  {} (taskly auth switch {})",
                account.who(),
                account.name
            ));
        }
    }
    output::line(format!("Sign-in service: {}", status.issuer));
    if status.token_override {
        output::line(
            "TASKLY_PROXY_TOKEN is set: the Taskly route sends it instead of the session's token.",
        );
    }
}

fn print_account(account: &AccountView) {
    output::line(format!("  name     {}", account.name));
    if let Some(email) = &account.email {
        output::line(format!("  email    {email}"));
    }
    output::line(format!("  subject  {}", account.subject));
    output::line(format!("  issuer   {}", account.issuer));
    if account.has_session {
        if let Some(at) = &account.access_expires_at {
            output::line(format!(
                "  access token expires {at} (renewed without asking)"
            ));
        }
    } else {
        output::line("  session  ended: sign in again with taskly auth login");
    }
}

/// Whether a browser cannot be opened here: no display on Linux, or a session over SSH (the
/// browser would open on the other machine's screen, or nowhere). `BROWSER` set means the
/// person told us how.
fn no_browser_here() -> bool {
    if std::env::var_os("BROWSER").is_some_and(|b| !b.is_empty()) {
        return false;
    }
    let set = |name: &str| std::env::var_os(name).is_some_and(|v| !v.is_empty());
    let over_ssh = set("SSH_CONNECTION") || set("SSH_TTY");
    let no_display = cfg!(target_os = "linux") && !set("DISPLAY") && !set("WAYLAND_DISPLAY");
    over_ssh || no_display
}

/// Opens `url` in the browser; whether a browser was started (the URL is printed either way).
fn open_browser(url: &str) -> bool {
    use std::process::{Command, Stdio};
    let mut command = match std::env::var("BROWSER") {
        Ok(browser) if !browser.trim().is_empty() => {
            // Like git and gh: the first entry of a `:`-separated list, given the URL.
            let first = browser
                .split(':')
                .next()
                .unwrap_or_default()
                .trim()
                .to_owned();
            let mut parts = first.split_whitespace();
            let Some(program) = parts.next() else {
                return false;
            };
            let mut command = Command::new(program);
            command.args(parts).arg(url);
            command
        }
        _ if cfg!(target_os = "macos") => {
            let mut command = Command::new("open");
            command.arg(url);
            command
        }
        _ if cfg!(target_os = "windows") => {
            let mut command = Command::new("rundll32");
            command.args(["url.dll,FileProtocolHandler", url]);
            command
        }
        _ => {
            let mut command = Command::new("xdg-open");
            command.arg(url);
            command
        }
    };
    match command
        .stdin(Stdio::null())
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
    {
        Ok(mut child) => {
            // Reaped in the background: an opener that returns at once is not left a zombie,
            // and a browser that stays open does not hold up the sign-in.
            std::thread::spawn(move || child.wait());
            true
        }
        Err(_) => false,
    }
}
