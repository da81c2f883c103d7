//! Pasted garbage is refused before anything is stored or sent, with a message per rule.

use crate::support::Sandbox;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn each_rule_refuses_before_anything_happens() {
    let sb = Sandbox::new().await;
    let huge = format!("sk-{}", "a".repeat(5000));
    let cases: [(&str, &str); 7] = [
        ("", "The key is empty."),
        ("   \n\t  ", "The key is empty."),
        ("sk-abc\nsk-def", "The key spans several lines."),
        ("sk-abc\tdef", "control character"),
        ("sk-abc\u{201c}def\u{201d}", "not plain ASCII"),
        ("Bearer sk-abcdef", "contains a space"),
        (&huge, "longer than 4 KiB"),
    ];
    for (input, message) in cases {
        let run = sb.run(&["keys", "add", "--provider", "openai"], input);
        assert_eq!(run.code, 2, "{input:?}: {run:?}");
        assert!(
            run.stderr.starts_with("error[invalid_key_input]: "),
            "{run:?}"
        );
        assert!(run.stderr.contains(message), "{input:?}: {}", run.stderr);
        if input.len() > 3 {
            assert!(
                !run.stderr.contains(&input[3..input.len().min(10)]) || input.starts_with("Bearer"),
                "input echoed: {}",
                run.stderr
            );
        }
    }
    // Invalid UTF-8 on stdin.
    let mut child = sb.command(&["keys", "add", "--provider", "openai", "--json"]);
    let out = {
        use std::io::Write;
        let mut c = child
            .stdin(std::process::Stdio::piped())
            .stdout(std::process::Stdio::piped())
            .spawn()
            .expect("spawn");
        c.stdin
            .take()
            .expect("stdin")
            .write_all(&[0x73, 0x6b, 0xff, 0xfe])
            .expect("write");
        c.wait_with_output().expect("wait")
    };
    assert!(String::from_utf8_lossy(&out.stdout).contains("invalid_key_input"));

    assert_eq!(
        sb.provider_requests(),
        0,
        "nothing was sent to the provider"
    );
    assert!(sb.keyring.usernames().is_empty(), "nothing was stored");
    assert_eq!(sb.db_rows(), 0);
}
