//! Real HTTP against a running fake: every flavor's wire format, its errors, faults, recording and controls.
#![allow(clippy::expect_used, clippy::unwrap_used)] // tests fail loudly on purpose

// A crate root looks for modules beside itself; these live in http/.

#[path = "http/anthropic.rs"]
mod anthropic;
#[path = "http/azure.rs"]
mod azure;
#[path = "http/binary.rs"]
mod binary;
#[path = "http/control.rs"]
mod control;
#[path = "http/faults.rs"]
mod faults;
#[path = "http/figures.rs"]
mod figures;
#[path = "http/gemini.rs"]
mod gemini;
#[path = "http/introspection.rs"]
mod introspection;
#[path = "http/issuer.rs"]
mod issuer;
#[path = "http/openai.rs"]
mod openai;
#[path = "http/proxy.rs"]
mod proxy;
#[path = "http/streams.rs"]
mod streams;
#[path = "http/support.rs"]
mod support;
