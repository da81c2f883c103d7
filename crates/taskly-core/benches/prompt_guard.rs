//! Prompt guard benchmark (issue 14): what checking a question for keys costs, next to a direct
//! call in the same run: `str::contains` of one needle over the same text (the least any check
//! of the text can cost).
//!
//! Timed over a 100 KB question of prose and code with no key in it (the common case, and the
//! worst: every byte is read), with 0 and 10 held vault keys, and a question with a key at its
//! very end. Target: under 1 ms per 100 KB check (p99). Results go to
//! `$CARGO_TARGET_DIR/taskly-bench/prompt_guard.json` (or `target/taskly-bench/`) and a table on
//! stdout. A missed target is reported, never a failure: this is a measurement, not a test.
#![allow(clippy::print_stdout)]

use std::hint::black_box;
use std::time::Instant;

use taskly_core::prompt_guard::{self, HeldKey};
use taskly_core::{ApiKey, ProviderId};

const ROUNDS: usize = 400;
const TARGET_US: f64 = 1000.0;

fn question(bytes: usize) -> String {
    let parts = [
        "Here is my function, it fails with a borrow error on line 12: ",
        "fn main() { let v = vec![1, 2, 3]; for x in &v { println!(\"{x}\"); } } ",
        "The build id is 3f9a2c1b7e0d4c5a6b7c8d9e0f1a2b3c4d5e6f70 and uuid 123e4567-e89b-12d3-a456-426614174000. ",
        "Please explain sk-learn-style pipelines, gsk_ naming and how AIza prefixes work. ",
        "Ünïcödé tëxt — with dashes, quotes “like these” and émoji 🎉 too. ",
    ];
    let mut text = String::with_capacity(bytes + 200);
    let mut i = 0;
    while text.len() < bytes {
        text.push_str(parts[i % parts.len()]);
        i += 1;
    }
    text
}

fn time(rounds: usize, mut f: impl FnMut() -> bool) -> (f64, f64) {
    let mut samples: Vec<f64> = (0..rounds)
        .map(|_| {
            let start = Instant::now();
            black_box(f());
            start.elapsed().as_secs_f64() * 1e6
        })
        .collect();
    samples.sort_by(f64::total_cmp);
    let at = |q: f64| samples[((samples.len() - 1) as f64 * q) as usize];
    (at(0.5), at(0.99))
}

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let text = question(100 * 1024);
    let with_key = format!("{text} sk-proj-AbCdEf0123456789GhIjKlMnOpQrStUvWxYz");
    let secrets: Vec<ApiKey> = (0..10)
        .map(|i| ApiKey::parse(&format!("Zm9vYmFyYmF6cXV4MTIzNDU2Nzg5MGFi{i:04}")))
        .collect::<Result<_, _>>()?;
    let held: Vec<HeldKey<'_>> = secrets
        .iter()
        .map(|secret| HeldKey {
            id: "k_bench",
            provider: ProviderId::Mistral,
            secret,
        })
        .collect();

    let rows = [
        (
            "direct: str::contains, one needle",
            time(ROUNDS, || text.contains("sk-proj-AbCdEf0123456789")),
        ),
        (
            "guard: no key, 0 held keys",
            time(ROUNDS, || prompt_guard::check(&text, &[]).is_some()),
        ),
        (
            "guard: no key, 10 held keys",
            time(ROUNDS, || prompt_guard::check(&text, &held).is_some()),
        ),
        (
            "guard: key at the end, 10 held",
            time(ROUNDS, || prompt_guard::check(&with_key, &held).is_some()),
        ),
    ];
    assert!(
        prompt_guard::check(&with_key, &held).is_some(),
        "the key at the end is found"
    );

    println!(
        "prompt guard over {} bytes, {ROUNDS} rounds (µs)",
        text.len()
    );
    println!("{:<36} {:>10} {:>10}", "", "p50", "p99");
    let mut json_rows = Vec::new();
    for (name, (p50, p99)) in &rows {
        println!("{name:<36} {p50:>10.1} {p99:>10.1}");
        json_rows.push(serde_json::json!({ "name": name, "p50_us": p50, "p99_us": p99 }));
    }
    let worst = rows[1..]
        .iter()
        .map(|(_, (_, p99))| *p99)
        .fold(0.0, f64::max);
    let met = worst < TARGET_US;
    println!(
        "target: p99 under {TARGET_US} µs per 100 KB check: {}",
        if met { "met" } else { "MISSED" }
    );
    let dir = std::env::var_os("CARGO_TARGET_DIR")
        .map(std::path::PathBuf::from)
        .unwrap_or_else(|| std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../../target"))
        .join("taskly-bench");
    std::fs::create_dir_all(&dir)?;
    let path = dir.join("prompt_guard.json");
    std::fs::write(
        &path,
        serde_json::to_string_pretty(&serde_json::json!({
            "bytes": text.len(),
            "rounds": ROUNDS,
            "target_p99_us": TARGET_US,
            "target_met": met,
            "rows": json_rows,
        }))?,
    )?;
    println!("JSON: {}", path.display());
    Ok(())
}
