//! `taskly chat`: one question, answered through the route the core picks, streamed to stdout.
//!
//! The route goes to stderr (`via your OpenAI key sk-…a1b2` or `via Taskly`) so stdout holds
//! only the answer; with `--json`, every event is one JSON line on stdout. Ctrl+C cancels the
//! request (the upstream connection is closed) and exits with 130.
#![allow(clippy::print_stdout, clippy::print_stderr)]

use std::io::{IsTerminal, Read, Write};
use std::process::ExitCode;
use std::sync::Arc;

use futures::StreamExt;
use taskly_core::chat::run::{ChatEvent, ChatService};
use taskly_core::chat::{ChatRequest, Message, Role};
use taskly_core::{Error, ProviderId, Vault};

use crate::cli::ChatArgs;
use crate::output;

pub async fn run(vault: Vault, args: ChatArgs, json: bool) -> Result<ExitCode, Error> {
    match ask(vault, args, json).await {
        // With --json the output is one event per line, and the error is the last line.
        Err(err) if json => {
            output::json_line(&serde_json::json!({ "error": err.payload() }));
            Ok(output::exit_code(&err))
        }
        other => other,
    }
}

async fn ask(vault: Vault, args: ChatArgs, json: bool) -> Result<ExitCode, Error> {
    let provider: ProviderId = args.provider.parse().map_err(|_| Error::UnknownProvider {
        name: args.provider.clone(),
    })?;
    let prompt = prompt(&args.prompt)?;
    let mut messages = Vec::new();
    if let Some(system) = args.system {
        messages.push(Message {
            role: Role::System,
            content: system,
        });
    }
    messages.push(Message {
        role: Role::User,
        content: prompt,
    });
    let request = ChatRequest {
        provider,
        model: args.model,
        messages,
        max_tokens: args.max_tokens,
        allow_secrets: args.allow_secrets,
    };
    let service = Arc::new(ChatService::new(Arc::new(vault)));
    let mut events = service.start(request);
    let mut answer = String::new();
    let mut stdout = std::io::stdout();
    loop {
        let next = tokio::select! {
            next = events.next() => next,
            _ = tokio::signal::ctrl_c() => {
                drop(events);
                if !answer.is_empty() && !json { println!(); }
                return Err(Error::Cancelled);
            }
        };
        let Some(event) = next else { break };
        let event = match event {
            Ok(event) => event,
            Err(err) => {
                if !answer.is_empty() && !json {
                    if args.no_stream {
                        print!("{answer}");
                    }
                    println!();
                }
                return Err(err);
            }
        };
        if json {
            output::json_line(&event);
            continue;
        }
        match event {
            ChatEvent::Started { route, model } => eprintln!("via {} ({model})", route.describe()),
            ChatEvent::Retrying {
                attempt,
                max_retries,
                wait_ms,
                error,
            } => {
                eprintln!(
                    "{} Retrying in {:.1} s ({attempt}/{max_retries})…",
                    error.message,
                    wait_ms as f64 / 1000.0
                );
            }
            ChatEvent::FailingOver { error } => {
                eprintln!("{} Trying your next key for it.", error.message)
            }
            ChatEvent::FallingBack { error } => eprintln!(
                "{} Asking Taskly instead, as your settings allow.",
                error.message
            ),
            ChatEvent::Delta { text } => {
                answer.push_str(&text);
                if !args.no_stream {
                    print!("{text}");
                    let _ = stdout.flush();
                }
            }
            ChatEvent::Finished {
                route,
                usage,
                warnings,
                receipt,
                ..
            } => {
                if args.no_stream {
                    print!("{answer}");
                }
                println!();
                for warning in warnings {
                    output::warning(warning);
                }
                if let Some(usage) = usage {
                    eprintln!(
                        "answered via {}: {} tokens in, {} out",
                        route.describe(),
                        usage.input_tokens,
                        usage.output_tokens
                    );
                }
                eprintln!("receipt: {}", receipt.summary());
            }
            // The core's stream ends a failed request with its `Err`, handled above; `Failed`
            // is what a front end forwarding one event channel (the app) makes of it.
            ChatEvent::Failed { .. } => {}
        }
    }
    Ok(ExitCode::SUCCESS)
}

/// The prompt from the arguments, or from standard input when there are none (or just `-`).
fn prompt(args: &[String]) -> Result<String, Error> {
    let from_args = args.join(" ");
    let text = if from_args.is_empty() || from_args == "-" {
        let stdin = std::io::stdin();
        if stdin.is_terminal() {
            return Err(Error::InvalidConfig {
                name: "PROMPT",
                reason: "give a question as arguments or on standard input".into(),
            });
        }
        let mut text = String::new();
        stdin
            .lock()
            .read_to_string(&mut text)
            .map_err(|e| Error::InvalidConfig {
                name: "PROMPT",
                reason: format!("cannot read standard input: {e}"),
            })?;
        text
    } else {
        from_args
    };
    let text = text.trim().to_owned();
    if text.is_empty() {
        return Err(Error::InvalidConfig {
            name: "PROMPT",
            reason: "the question is empty".into(),
        });
    }
    Ok(text)
}

/// `taskly models`: what the route a request would take now offers.
pub async fn models(vault: Vault, provider: &str, json: bool) -> Result<ExitCode, Error> {
    let provider: ProviderId = provider.parse().map_err(|_| Error::UnknownProvider {
        name: provider.to_owned(),
    })?;
    let vault = Arc::new(vault);
    let service = ChatService::new(vault.clone());
    let offer = taskly_core::chat::models::offered(&vault, service.router(), provider).await?;
    if json {
        output::json(&offer);
        return Ok(ExitCode::SUCCESS);
    }
    eprintln!("via {}", offer.route.describe());
    if offer.models.is_empty() {
        output::line(
            "(no model list known; validate the key to fetch it: taskly keys validate ID)",
        );
    }
    for model in &offer.models {
        output::line(model);
    }
    Ok(ExitCode::SUCCESS)
}
