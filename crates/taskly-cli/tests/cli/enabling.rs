//! Which key a new key switches on: the first key of a provider works at once, a second never
//! silently replaces the one in use, and `--enable` / `--disable` say otherwise on purpose.

use crate::support::{OTHER_VALID_KEY, Sandbox, VALID_KEY};

fn enabled(sb: &Sandbox, id: &str) -> bool {
    sb.list()
        .iter()
        .find(|k| k["id"] == id)
        .map(|k| k["enabled"] == true)
        .expect("listed")
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_first_key_is_on_and_a_second_waits_its_turn() {
    let sb = Sandbox::new().await;
    let first = sb.add(VALID_KEY, &["--label", "Work"]);
    assert!(enabled(&sb, &first), "the first OpenAI key is on at once");
    let run = sb.run(&["chat", "hello"], "").ok();
    assert!(run.stderr.contains("via your OpenAI key"), "{}", run.stderr);

    // A second key is saved switched off, and says which key stays in use.
    let run = sb
        .run(
            &["keys", "add", "-p", "openai", "--label", "Home"],
            OTHER_VALID_KEY,
        )
        .ok();
    assert!(
        run.stdout
            .contains("switched off (OpenAI requests keep using “Work”"),
        "{run:?}"
    );
    let keys = sb.list();
    let second = keys.iter().find(|k| k["label"] == "Home").expect("second")["id"]
        .as_str()
        .expect("id")
        .to_owned();
    assert!(enabled(&sb, &first) && !enabled(&sb, &second));

    // `--enable` switches on on purpose, and says what it switched off.
    let run = sb
        .run(
            &[
                "keys", "add", "--json", "-p", "openai", "--label", "New", "--enable",
            ],
            OTHER_VALID_KEY,
        )
        .ok();
    assert_eq!(run.json()["disabled"]["id"], first.as_str(), "{run:?}");
    assert!(!enabled(&sb, &first));

    // Another provider's first key is on too; `--disable` keeps a first key off.
    let anthropic = sb.add(VALID_KEY, &["--provider", "anthropic"]);
    assert!(enabled(&sb, &anthropic));
    let gemini = sb.add(VALID_KEY, &["--provider", "gemini", "--disable"]);
    assert!(!enabled(&sb, &gemini));
    let run = sb.run(
        &["keys", "add", "-p", "groq", "--enable", "--disable"],
        VALID_KEY,
    );
    assert_eq!(run.code, 2, "the two flags conflict: {run:?}");
}
