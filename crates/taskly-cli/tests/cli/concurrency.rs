//! Two processes changing keys at once: no lost or duplicated key, never two enabled.

use std::collections::BTreeSet;

use crate::support::{Sandbox, VALID_KEY};

const ROUNDS: usize = 10;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn two_writers_never_break_the_rules() {
    let sb = Sandbox::new().await;
    let (kept, removed) = std::thread::scope(|scope| {
        let workers: Vec<_> = (0..2)
            .map(|worker| {
                let sb = &sb;
                scope.spawn(move || {
                    let (mut kept, mut removed) = (Vec::new(), Vec::new());
                    for round in 0..ROUNDS {
                        let label = format!("w{worker}-r{round}");
                        let id = sb.add(VALID_KEY, &["--no-verify", "--label", &label]);
                        sb.run(&["keys", "enable", &id], "").ok();
                        if round % 3 == 2 {
                            sb.run(&["keys", "remove", &id, "--yes"], "").ok();
                            removed.push(id);
                        } else {
                            kept.push(id);
                        }
                        let enabled = sb.list().iter().filter(|k| k["enabled"] == true).count();
                        assert!(enabled <= 1, "two keys enabled at once");
                    }
                    (kept, removed)
                })
            })
            .collect();
        let mut kept = BTreeSet::new();
        let mut removed = BTreeSet::new();
        for worker in workers {
            let (k, r) = worker.join().expect("worker");
            kept.extend(k);
            removed.extend(r);
        }
        (kept, removed)
    });
    let listed: BTreeSet<String> = sb
        .list()
        .iter()
        .filter_map(|k| k["id"].as_str().map(str::to_owned))
        .collect();
    assert_eq!(
        listed, kept,
        "exactly the keys not removed, none lost or duplicated"
    );
    assert_eq!(removed.len(), 2 * (ROUNDS / 3));
    let stored: BTreeSet<String> = sb.keyring.usernames().into_iter().collect();
    let expected: BTreeSet<String> = kept.iter().map(|id| format!("local:{id}:0")).collect();
    assert_eq!(
        stored, expected,
        "the Secret Service holds exactly the listed keys"
    );
    assert_eq!(sb.list().iter().filter(|k| k["enabled"] == true).count(), 1);
    assert_eq!(sb.db_rows(), kept.len());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn two_replaces_of_one_key_leave_exactly_one_secret() {
    use crate::support::{OTHER_VALID_KEY, finish};
    let sb = Sandbox::new().await;
    let id = sb.add(VALID_KEY, &[]);
    for _ in 0..4 {
        let a = sb.spawn(
            &["keys", "update", &id, "--replace-secret", "--json"],
            VALID_KEY,
        );
        let b = sb.spawn(
            &["keys", "update", &id, "--replace-secret", "--json"],
            OTHER_VALID_KEY,
        );
        let (a, b) = (
            finish(a.wait_with_output().expect("a")),
            finish(b.wait_with_output().expect("b")),
        );
        for run in [&a, &b] {
            assert!(
                run.code == 0 || run.error_code() == "concurrent_change",
                "{run:?}"
            );
        }
        assert!(
            a.code == 0 || b.code == 0,
            "at least one replace wins: {a:?} {b:?}"
        );
        let users = sb.keyring.usernames();
        assert_eq!(users.len(), 1, "exactly one secret for the key: {users:?}");
        let stored = sb.keyring.lookup(&users[0]).expect("secret");
        let key = &sb.list()[0];
        let tail = &stored[stored.len() - 4..];
        assert_eq!(
            key["masked"],
            format!("sk-proj-…{tail}"),
            "the row shows the secret that is stored"
        );
    }
}
