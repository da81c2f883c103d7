//! `taskly-fake-ai`: runs the fake AI server on loopback until Ctrl+C or SIGTERM.
#![allow(clippy::print_stdout, clippy::print_stderr)] // a command-line tool talks on stdout/stderr

use std::io::Write;
use std::net::Ipv4Addr;
use std::path::{Path, PathBuf};
use std::process::ExitCode;
use std::time::Duration;

use clap::Parser;
use taskly_fake_ai::{FakeAi, FakeAiConfig, Introspection};
use tokio::net::TcpListener;

/// A loopback stand-in for AI providers and the Taskly proxy, for tests, benchmarks and the offline demo.
///
/// Serves OpenAI at /openai/v1, Azure OpenAI at /azure/openai/v1, Anthropic at /anthropic/v1,
/// Gemini at /gemini/v1beta, the Taskly proxy at /proxy/v1, and test controls at /_control/.
#[derive(Debug, Parser)]
#[command(name = "taskly-fake-ai", version)]
struct Args {
    /// Port on 127.0.0.1 (0 picks a free one).
    #[arg(long, default_value_t = 0)]
    port: u16,
    /// A provider API key to accept (repeatable); TASKLY_FAKE_AI_KEYS adds more, comma-separated.
    #[arg(long = "key", value_name = "KEY")]
    keys: Vec<String>,
    /// A Taskly proxy token to accept (repeatable); TASKLY_FAKE_AI_PROXY_TOKENS adds more, comma-separated.
    #[arg(long = "proxy-token", value_name = "TOKEN")]
    proxy_tokens: Vec<String>,
    /// Pause between streamed chunks, in milliseconds.
    #[arg(long, value_name = "MS", default_value_t = 0)]
    chunk_delay_ms: u64,
    /// Write the server URL to this file once listening (atomically: written aside, then renamed).
    #[arg(long, value_name = "PATH")]
    url_file: Option<PathBuf>,
    /// Also accept proxy tokens that this OpenID issuer's introspection endpoint (RFC 7662, on
    /// loopback) says are active; asked on every proxy call.
    #[arg(long, value_name = "URL")]
    introspection_url: Option<String>,
    /// The proxy's client id at the issuer, for introspection.
    #[arg(
        long,
        value_name = "ID",
        default_value = "taskly-proxy",
        requires = "introspection_url"
    )]
    introspection_client_id: String,
    /// The proxy's client secret at the issuer; TASKLY_FAKE_AI_INTROSPECTION_SECRET if not given
    /// (which keeps it out of the process list).
    #[arg(long, value_name = "SECRET", requires = "introspection_url")]
    introspection_client_secret: Option<String>,
    /// Accept only tokens the issuer says it issued to this client (its `client_id`); an empty
    /// value accepts tokens issued to any client.
    #[arg(
        long,
        value_name = "ID",
        default_value = "taskly-desktop",
        requires = "introspection_url"
    )]
    introspection_audience: String,
}

/// Flag values plus the comma-separated ones from an environment variable.
fn with_env(mut values: Vec<String>, variable: &str) -> Vec<String> {
    if let Ok(list) = std::env::var(variable) {
        values.extend(
            list.split(',')
                .map(str::trim)
                .filter(|v| !v.is_empty())
                .map(str::to_owned),
        );
    }
    values
}

/// The flag's value, else the environment variable's (when set and not empty).
fn or_env(value: Option<String>, variable: &str) -> Option<String> {
    value.or_else(|| std::env::var(variable).ok().filter(|v| !v.is_empty()))
}

/// The introspection settings the flags ask for, or why they are incomplete.
fn introspection(args: &Args) -> Result<Option<Introspection>, String> {
    let Some(endpoint) = args.introspection_url.clone() else {
        return Ok(None);
    };
    let client_secret = or_env(
        args.introspection_client_secret.clone(),
        "TASKLY_FAKE_AI_INTROSPECTION_SECRET",
    )
    .ok_or(
        "--introspection-url needs the proxy's client secret: --introspection-client-secret or \
         TASKLY_FAKE_AI_INTROSPECTION_SECRET",
    )?;
    Ok(Some(Introspection {
        endpoint,
        client_id: args.introspection_client_id.clone(),
        client_secret,
        audience_client: Some(args.introspection_audience.clone()).filter(|id| !id.is_empty()),
    }))
}

fn write_atomically(path: &Path, contents: &str) -> std::io::Result<()> {
    let mut aside = path.as_os_str().to_owned();
    aside.push(format!(".{}.tmp", std::process::id()));
    let aside = PathBuf::from(aside);
    std::fs::write(&aside, contents)?;
    std::fs::rename(&aside, path).inspect_err(|_| {
        let _ = std::fs::remove_file(&aside);
    })
}

async fn stop_requested() {
    #[cfg(unix)]
    {
        use tokio::signal::unix::{SignalKind, signal};
        match signal(SignalKind::terminate()) {
            Ok(mut terminate) => {
                tokio::select! {
                    _ = tokio::signal::ctrl_c() => {}
                    _ = terminate.recv() => {}
                }
            }
            Err(_) => {
                let _ = tokio::signal::ctrl_c().await;
            }
        }
    }
    #[cfg(not(unix))]
    {
        let _ = tokio::signal::ctrl_c().await;
    }
}

#[tokio::main]
async fn main() -> ExitCode {
    tracing_subscriber::fmt()
        .with_env_filter(
            tracing_subscriber::EnvFilter::try_from_default_env()
                .unwrap_or_else(|_| tracing_subscriber::EnvFilter::new("warn")),
        )
        .with_writer(std::io::stderr)
        .init();
    let args = Args::parse();
    let introspection = match introspection(&args) {
        Ok(introspection) => introspection,
        Err(message) => {
            eprintln!("taskly-fake-ai: {message}");
            return ExitCode::FAILURE;
        }
    };
    let config = FakeAiConfig {
        provider_keys: with_env(args.keys, "TASKLY_FAKE_AI_KEYS"),
        proxy_tokens: with_env(args.proxy_tokens, "TASKLY_FAKE_AI_PROXY_TOKENS"),
        introspection,
        chunk_delay: Duration::from_millis(args.chunk_delay_ms),
        ..FakeAiConfig::default()
    };
    let listener = match TcpListener::bind((Ipv4Addr::LOCALHOST, args.port)).await {
        Ok(listener) => listener,
        Err(error) => {
            eprintln!(
                "taskly-fake-ai: cannot listen on 127.0.0.1:{}: {error}",
                args.port
            );
            return ExitCode::FAILURE;
        }
    };
    let server = match FakeAi::start_on(listener, config).await {
        Ok(server) => server,
        Err(error) => {
            eprintln!("taskly-fake-ai: cannot start: {error}");
            return ExitCode::FAILURE;
        }
    };
    let url = server.url();
    if let Some(path) = &args.url_file
        && let Err(error) = write_atomically(path, &url)
    {
        eprintln!("taskly-fake-ai: cannot write {}: {error}", path.display());
        server.shutdown().await;
        return ExitCode::FAILURE;
    }
    println!("taskly-fake-ai listening on {url}");
    // Whoever started us waits for this line; a closed stdout must not stop the server.
    let _ = std::io::stdout().flush();
    stop_requested().await;
    server.shutdown().await;
    ExitCode::SUCCESS
}
