//! The one gate every key passes before it is sent: no spelling of a Taskly host or of the
//! proxy's host, by any command (add, validate, update, chat), and a stored key only ever to the
//! origin it was checked at, whatever the SQLite file says now.

use taskly_fake_ai::{FakeAi, Flavor};

use crate::support::{Sandbox, VALID_KEY};

/// Changes a key's base URL behind the app's back, as another tool or a tampered file would.
fn tamper_base_url(sb: &Sandbox, id: &str, url: &str) {
    let conn = rusqlite::Connection::open(sb.data_dir().join("data/taskly.db")).expect("open db");
    let changed = conn
        .execute(
            "UPDATE keys SET base_url = ?1 WHERE id = ?2",
            rusqlite::params![url, id],
        )
        .expect("update");
    assert_eq!(changed, 1);
}

fn carries_key(fake: &FakeAi) -> usize {
    fake.requests()
        .iter()
        .filter(|r| format!("{:?} {:?} {}", r.headers, r.query, r.body_text()).contains(VALID_KEY))
        .count()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn no_spelling_of_a_taskly_host_is_ever_sent_a_key() {
    let sb = Sandbox::new().await;
    for spelling in [
        "https://api.taskly.chat./v1",
        "https://API.Taskly.CHAT/v1",
        "https://api.taskly.chat:443/v1",
        "https://taskly.chat../v1",
        "https://ａｐｉ.ｔａｓｋｌｙ.ｃｈａｔ/v1",
        "https://api.taskly%2Echat/v1",
        "https://proxy.TASKLY.chat.:443",
    ] {
        for verify in [&[][..], &["--no-verify"][..]] {
            let mut args = vec![
                "keys",
                "add",
                "--json",
                "-p",
                "custom",
                "--base-url",
                spelling,
            ];
            args.extend_from_slice(verify);
            let run = sb.run(&args, VALID_KEY);
            assert_eq!(
                run.error_code(),
                "unsafe_route",
                "{spelling} {verify:?}: {run:?}"
            );
            assert_eq!(sb.db_rows(), 0, "{spelling}: nothing is saved");
        }
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn no_spelling_of_the_proxys_address_is_sent_a_key() {
    let sb = Sandbox::new().await;
    let port = sb.proxy.local_addr().port();
    for host in [
        "127.0.0.1",
        "localhost",
        "LOCALHOST.",
        "127.1",
        "0x7f.0.0.1",
        "2130706433",
        "[::1]",
        "[::ffff:127.0.0.1]",
        "[0:0:0:0:0:0:0:1]",
    ] {
        let url = format!("http://{host}:{port}/v1");
        for verify in [&[][..], &["--no-verify"][..]] {
            let mut args = vec!["keys", "add", "--json", "-p", "custom", "--base-url", &url];
            args.extend_from_slice(verify);
            let run = sb.run(&args, VALID_KEY);
            assert_eq!(
                run.error_code(),
                "unsafe_route",
                "{url} {verify:?}: {run:?}"
            );
        }
    }
    assert_eq!(sb.db_rows(), 0, "nothing is saved");
    assert!(sb.proxy.requests().is_empty(), "the proxy heard nothing");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn validate_and_chat_refuse_a_proxy_that_now_points_at_the_keys_host() {
    let mut sb = Sandbox::new().await;
    let id = sb.add(VALID_KEY, &["--enable"]);
    sb.fake.clear_requests();
    // The proxy moved to the key's own origin (a misconfiguration, or an attack on the
    // environment): the key must not go there, not even to be checked again.
    let same_origin = sb.fake.base_url(Flavor::Proxy);
    sb.extra_env
        .push(("TASKLY_PROXY_URL".into(), same_origin.clone()));
    let run = sb.run(&["keys", "validate", "--json", &id], "");
    assert_eq!(run.error_code(), "unsafe_route", "{run:?}");
    let run = sb.run(&["chat", "--json", "hello"], "");
    assert!(run.stdout.contains("\"code\":\"unsafe_route\""), "{run:?}");
    assert!(
        sb.fake.requests().is_empty(),
        "nothing was sent: {:?}",
        sb.fake.requests()
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_stored_key_goes_only_to_the_origin_it_was_checked_at() {
    let sb = Sandbox::new().await;
    let id = sb.add(VALID_KEY, &["--enable"]);
    let elsewhere = taskly_testkit::fake::provider(&[VALID_KEY]).await;
    let moved = elsewhere.base_url(Flavor::OpenAi);
    tamper_base_url(&sb, &id, &moved);
    sb.fake.clear_requests();

    for args in [
        &["keys", "validate", "--json", id.as_str()][..],
        &["chat", "--json", "hello"][..],
    ] {
        let run = sb.run(args, "");
        // `validate` prints one JSON document, `chat` one event per line.
        let compact = run.stdout.replace(": ", ":");
        assert!(
            compact.contains("\"code\":\"key_origin_changed\""),
            "{args:?}: {run:?}"
        );
        assert!(run.stdout.contains("was not sent"), "{run:?}");
    }
    assert!(
        elsewhere.requests().is_empty(),
        "the new host heard nothing"
    );
    assert!(sb.fake.requests().is_empty());
    assert!(
        sb.proxy.requests().is_empty(),
        "and no silent fallback to Taskly"
    );

    // The user confirms the new address: the key is checked there first, then bound to it.
    let run = sb.run(&["keys", "update", "--json", &id, "--base-url", &moved], "");
    assert_eq!(run.code, 0, "{run:?}");
    assert_eq!(
        carries_key(&elsewhere),
        1,
        "checked at the confirmed address"
    );
    let run = sb.run(&["chat", "hello"], "").ok();
    assert!(run.stdout.starts_with("Echo: hello"), "{run:?}");
    assert_eq!(carries_key(&elsewhere), 2);
    assert_eq!(carries_key(&sb.fake), 0);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_secret_in_the_store_holds_the_origin_it_is_bound_to() {
    let sb = Sandbox::new().await;
    let id = sb.add(VALID_KEY, &[]);
    let users = sb.keyring.usernames();
    let entry = users
        .iter()
        .find(|u| u.contains(&id))
        .expect("an entry for the key");
    let stored = sb.keyring.lookup(entry).expect("stored");
    let origin = sb.fake.url();
    assert_eq!(stored, format!("taskly/1 {origin} {VALID_KEY}"));

    // An entry written by 0.1 (the bare key) is bound to the key's base URL on first use.
    sb.keyring.clear_raw(entry);
    sb.keyring.store_raw(entry, VALID_KEY);
    sb.run(&["keys", "validate", "--json", &id], "").ok();
    let stored = sb.keyring.lookup(entry).expect("stored");
    assert_eq!(stored, format!("taskly/1 {origin} {VALID_KEY}"));
}
