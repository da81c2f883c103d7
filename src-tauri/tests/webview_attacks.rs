//! Attacks on the real app from inside its web view (release build, WebKitGTK with the real
//! CSP, under Xvfb through tauri-driver), with a private GNOME Keyring and the loopback fake
//! provider and proxy:
//!
//! - a hostile provider's answer, model names and error message full of HTML, script and link
//!   tricks render inert;
//! - a script in the page cannot call a command outside the window's capability, gets no secret
//!   back from any command it may call, and gets a typed error (not a panic) for oversized or
//!   malformed arguments;
//! - a canary key taken through add, validate, chat, failing chat, replace and remove at
//!   `RUST_LOG=trace,tauri::ipc=trace` appears in no file the app wrote (data, logs, WebKit
//!   storage and caches), in none of its output and in no IPC answer; the log holds the trace
//!   lines of our core's vault steps; the copies left in its memory are counted.
//!
//! `#[ignore]`d like `real_window.rs`; `scripts/test.sh` runs both with `--ignored`.
#![allow(clippy::expect_used, clippy::unwrap_used, clippy::print_stderr)]

#[path = "support/window.rs"]
mod window;

use std::time::{Duration, Instant};

use serde_json::{Value, json};
use taskly_fake_ai::{FakeAi, FakeAiConfig, Fault, Flavor, ScriptedFault};
use taskly_testkit::files_containing;
use window::{PROXY_TOKEN, Window, app_env, children_of, memory_copies};
const TITLE: &str = "Taskly Desktop";

async fn fakes(keys: Vec<String>, models: Option<Vec<String>>) -> (FakeAi, FakeAi) {
    let mut config = FakeAiConfig {
        provider_keys: keys,
        chunk_delay: Duration::from_millis(5),
        ..FakeAiConfig::default()
    };
    if let Some(models) = models {
        config.models = models;
    }
    let fake = FakeAi::start(config).await.expect("fake provider");
    let proxy = taskly_testkit::fake::proxy(PROXY_TOKEN).await;
    (fake, proxy)
}

/// Sets the palette's question (React-controlled textarea) and sends it with Enter.
async fn ask(w: &Window, question: &str) {
    let d = &w.driver;
    d.close_dialogs().await;
    d.keys("\u{E009}k").await; // Ctrl+K
    d.wait_for(
        "//textarea[starts-with(@placeholder, 'Ask')]",
        "the palette input",
    )
    .await;
    d.script_with(
        "const [text, done] = arguments;\
         const area = document.querySelector('textarea');\
         Object.getOwnPropertyDescriptor(HTMLTextAreaElement.prototype, 'value').set.call(area, text);\
         area.dispatchEvent(new Event('input', { bubbles: true }));\
         area.focus();\
         done(null);",
        json!([question]),
    )
    .await;
    d.keys("\u{E007}").await; // Enter
}

/// Everything in the page that could run, load or navigate. Empty when the page is inert.
const INERT_CHECK: &str = r#"
const done = arguments[arguments.length - 1];
const bad = [];
for (const el of document.querySelectorAll('*')) {
  for (const a of el.attributes) {
    if (/^on/i.test(a.name)) bad.push(`${el.tagName} ${a.name}=${a.value}`);
  }
}
// What the provider's content can reach: answers, error cards, notices and toasts.
for (const el of document.querySelectorAll(`:is([data-testid=turn], .toast-viewport) :is(script, iframe, frame, object, embed, img, video, audio, source, link, meta, base, style, form, input, textarea, select, math, foreignObject, details, template)`)) {
  bad.push(`<${el.tagName.toLowerCase()}> in content`);
}
for (const el of document.body.querySelectorAll('script, iframe, frame, object, embed, img, base, meta')) {
  bad.push(`<${el.tagName.toLowerCase()}> in body`);
}
for (const el of document.body.querySelectorAll('[href], [src], [srcdoc], [action], [formaction], [data]')) {
  const href = el.getAttribute('href');
  if (el.tagName === 'A' && href !== null && /^(https?:\/\/|mailto:)/i.test(href) && el.attributes.length < 10
      && !el.hasAttribute('src') && !el.hasAttribute('target')) continue;
  bad.push(`${el.tagName} ${[...el.attributes].map((a) => `${a.name}=${a.value}`).join(' ')}`);
}
for (const el of document.querySelectorAll('.markdown [style], .error-card [style]')) {
  if (!/^text-align: ?(left|right|center);?$/.test(el.getAttribute('style'))) bad.push(`style on ${el.tagName}`);
}
if (window.__pwned !== undefined) bad.push(`window.__pwned = ${window.__pwned}`);
if (document.title !== 'Taskly Desktop') bad.push(`title = ${document.title}`);
if (window.frames.length !== 0) bad.push(`${window.frames.length} frames`);
done(bad);
"#;

/// The answer: raw HTML and script, Markdown link tricks, and a marker after them all.
const HOSTILE_ANSWER: &str = r#"first line
<img src=x onerror="window.__pwned=1;document.title='pwned'">
<script>window.__pwned=2;document.title='pwned'</script>
<iframe src="javascript:parent.__pwned=3"></iframe>
<iframe srcdoc="<script>parent.__pwned=4</script>"></iframe>
<object data="javascript:window.__pwned=5"></object><embed src="javascript:window.__pwned=6">
<svg onload="window.__pwned=7;document.title='pwned'"><script>window.__pwned=8</script></svg>
<a href="javascript:window.__pwned=9">raw link</a>
<div style="position:fixed;inset:0;z-index:9999;background:url(javascript:window.__pwned=10)">styled</div>
<details open ontoggle="window.__pwned=11"><summary>s</summary></details>
<form action="https://evil.example/"><input autofocus onfocus="window.__pwned=12"></form>
<meta http-equiv="refresh" content="0;url=javascript:window.__pwned=13">
<style>body { display: none }</style>

- [js link](javascript:window.__pwned=20;document.title='pwned')
- [data link](data:text/html;base64,PHNjcmlwdD5wYXJlbnQuX19wd25lZD0yMTwvc2NyaXB0Pg==)
- [vb link](vbscript:msgbox(22))
- [entity link](&#106;avascript:window.__pwned=23)
- <javascript:window.__pwned=24>
- [ref link][evil]
- ![image](javascript:window.__pwned=25)
- ![svg](data:image/svg+xml,%3Csvg%20onload%3D%22window.__pwned%3D26%22%3E%3C%2Fsvg%3E)
- [web link](https://example.com/docs)

[evil]: javascript:window.__pwned=27

END-OF-PAYLOAD"#;

/// A model id a hostile provider lists (printable ASCII without spaces, so the core keeps it);
/// it shows in the model picker, the answer's header and the "model not found" message.
const HOSTILE_MODEL: &str = "<img/src=x/onerror=window.__pwned=30;document.title='pwned'>";

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
#[ignore = "drives the real window; scripts/test.sh runs it"]
async fn hostile_answers_model_names_and_errors_render_inert_in_the_real_window() {
    let canary = taskly_testkit::canary("xss");
    let (fake, proxy) = fakes(
        vec![canary.clone()],
        Some(vec![HOSTILE_MODEL.into(), "gpt-4o".into()]),
    )
    .await;
    // A stand-in for the system browser: `xdg-open` first on the app's PATH.
    let opener = tempfile::Builder::new()
        .prefix("taskly-e2e-opener-")
        .tempdir()
        .expect("opener folder");
    let script = opener.path().join("xdg-open");
    std::fs::write(
        &script,
        format!(
            "#!/bin/sh\necho \"$*\" >> '{}'\n",
            opener.path().join("opened.txt").display()
        ),
    )
    .expect("xdg-open");
    {
        use std::os::unix::fs::PermissionsExt;
        std::fs::set_permissions(&script, std::fs::Permissions::from_mode(0o755)).expect("chmod");
    }
    let mut env = app_env(&fake, &proxy, "light");
    env.push((
        "PATH",
        format!(
            "{}:{}",
            opener.path().display(),
            std::env::var("PATH").unwrap_or_default()
        ),
    ));
    let mut w = Window::start("attacks-xss", 94, &env).await;
    let d = &w.driver;

    // A key whose label is HTML too, added the way any script could, then the page reloaded
    // so the UI shows it (label in the list, the route badge's title).
    let saved = d
        .invoke(
            "add_key",
            json!({ "form": { "provider": "openai", "label": "<img src=x onerror=\"window.__pwned=40\">",
                "baseUrl": null, "secret": canary, "verify": true, "enable": true } }),
        )
        .await;
    assert!(saved.get("ok").is_some(), "{saved}");
    d.call(reqwest::Method::POST, "/refresh", Some(json!({})))
        .await;
    d.wait_for(
        "//button[contains(normalize-space(), 'Settings')]",
        "the main window after reload",
    )
    .await;
    d.click(
        "//button[contains(normalize-space(), 'Settings')]",
        "Settings",
    )
    .await;
    d.wait_for(
        "//*[contains(text(), 'onerror=\"window.__pwned=40\"')]",
        "the hostile label as text",
    )
    .await;
    d.shot("01-hostile-label").await;

    // The answer echoes the question: the fake sends the whole payload back, streamed.
    ask(&w, HOSTILE_ANSWER).await;
    d.wait_for(
        "//*[@data-testid='answer-text']//*[contains(., 'END-OF-PAYLOAD')]",
        "the hostile answer",
    )
    .await;
    d.wait_for(
        "//button[normalize-space()='Send']",
        "the end of the answer",
    )
    .await;
    let answered = d
        .script(
            "const done = arguments[0]; const t = document.querySelector('[data-testid=answer-text]');\
             done({ text: t.textContent, links: [...t.querySelectorAll('a')].map((a) => a.getAttribute('href')), model: document.body.textContent.includes(\"onerror=window.__pwned=30\") });",
        )
        .await;
    // Really rendered as Markdown (link texts kept as text), not dropped wholesale.
    let text = answered["text"].as_str().unwrap_or_default();
    assert!(
        text.contains("js link") && text.contains("ref link"),
        "{answered}"
    );
    assert_eq!(answered["links"], json!(["https://example.com/docs"]));
    assert_eq!(
        answered["model"],
        json!(true),
        "the hostile model name shows as text"
    );
    d.shot("02-hostile-answer").await;

    // The provider's error message quotes the model name: shown as text too.
    fake.push_fault(
        ScriptedFault::new(Fault::ModelNotFound)
            .for_flavor(Flavor::OpenAi)
            .on_path("chat"),
    );
    ask(&w, "and now?").await;
    d.wait_for(
        "//*[@data-testid='chat-error' and @data-code='model_not_available']",
        "the model-not-found error",
    )
    .await;
    d.wait_for(
        "//*[@data-testid='chat-error']//*[contains(text(), 'onerror=window.__pwned=30')]",
        "the hostile error message as text",
    )
    .await;
    d.shot("03-hostile-error").await;

    // Give anything that might fire (onerror, onload, autofocus, meta refresh) a moment.
    tokio::time::sleep(Duration::from_millis(500)).await;
    let bad = d.script(INERT_CHECK).await;
    assert_eq!(bad, json!([]), "the page is not inert");

    // Clicking the one web link hands it to the system browser (`open_external`, then
    // `xdg-open`, here a stand-in that writes down what it was given) and does not navigate
    // the web view.
    d.click(
        "//*[@data-testid='answer-text']//a[contains(., 'web link')]",
        "the web link",
    )
    .await;
    let opened_file = opener.path().join("opened.txt");
    let deadline = Instant::now() + Duration::from_secs(10);
    while !std::fs::read_to_string(&opened_file)
        .is_ok_and(|t| t.contains("https://example.com/docs"))
    {
        assert!(
            Instant::now() < deadline,
            "the link did not go to the system browser"
        );
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    let state = d
        .script("arguments[0]({ host: location.host, title: document.title, pwned: window.__pwned === undefined });")
        .await;
    assert_ne!(state["host"], json!("example.com"), "{state}");
    assert_eq!(state["title"], json!(TITLE), "{state}");
    assert_eq!(state["pwned"], json!(true), "{state}");
    let opened = std::fs::read_to_string(&opened_file).unwrap_or_default();
    assert_eq!(
        opened.trim(),
        "https://example.com/docs",
        "only the web link was opened"
    );

    w.stop().await;
    let output = w.output_text();
    assert!(!output.contains("panicked"), "the app panicked:\n{output}");
}

/// The app's commands the window may call: `allow-foo-bar` in its capability is `foo_bar`.
fn allowed_commands() -> Vec<String> {
    let path = concat!(env!("CARGO_MANIFEST_DIR"), "/capabilities/main-window.json");
    let capability: Value =
        serde_json::from_str(&std::fs::read_to_string(path).expect("capability")).expect("json");
    capability["permissions"]
        .as_array()
        .expect("permissions")
        .iter()
        .filter_map(Value::as_str)
        .filter_map(|p| p.strip_prefix("allow-"))
        .map(|p| p.replace('-', "_"))
        .collect()
}

fn is_error_payload(value: &Value) -> bool {
    value["code"].is_string() && value["message"].is_string() && value["action"].is_string()
}

/// Starts a chat from the page with its own channel and returns what came back.
async fn chat_from_script(w: &Window, request: Value) -> Value {
    w.driver
        .script_with(
            "const [request, done] = arguments; const events = []; let id = null;\
             const finish = (extra) => done({ id, events, ...extra });\
             const cb = window.__TAURI_INTERNALS__.transformCallback((m) => {\
               const message = m && typeof m === 'object' && 'message' in m ? m.message : m;\
               if (m && typeof m === 'object' && 'end' in m) return;\
               events.push(message);\
               if (message && (message.type === 'finished' || message.type === 'failed')) setTimeout(() => finish({}), 50);\
             });\
             window.__TAURI_INTERNALS__.invoke('chat_start', { request, onEvent: `__CHANNEL__:${cb}` })\
               .then((r) => { id = r; }, (err) => finish({ err }));\
             setTimeout(() => finish({ timeout: true }), 15000);",
            json!([request]),
        )
        .await
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
#[ignore = "drives the real window; scripts/test.sh runs it"]
async fn a_script_in_the_web_view_is_held_to_the_capability_typed_errors_and_no_secrets() {
    let canary = taskly_testkit::canary("ipc");
    let (fake, proxy) = fakes(vec![canary.clone()], None).await;
    let mut w = Window::start("attacks-ipc", 95, &app_env(&fake, &proxy, "light")).await;
    let d = &w.driver;
    let pid = w.app_pid().expect("the app's process");

    // Outside the capability: plugins not granted, core commands, made-up commands.
    let refused = [
        ("plugin:fs|read_file", json!({ "path": "/etc/passwd" })),
        (
            "plugin:shell|execute",
            json!({ "program": "sh", "args": ["-c", "touch /tmp/taskly-pwned"], "options": {} }),
        ),
        (
            "plugin:shell|open",
            json!({ "path": "https://evil.example/" }),
        ),
        (
            "plugin:webview|create_webview_window",
            json!({ "options": { "label": "evil", "url": "https://evil.example/" } }),
        ),
        (
            "plugin:webview|create_webview",
            json!({ "windowLabel": "main", "options": { "label": "evil", "url": "https://evil.example/" } }),
        ),
        (
            "plugin:window|set_title",
            json!({ "label": "main", "value": "pwned" }),
        ),
        ("plugin:window|close", json!({ "label": "main" })),
        (
            "plugin:event|emit",
            json!({ "event": "palette://open", "payload": null }),
        ),
        ("plugin:app|version", json!({})),
        ("plugin:opener|open_path", json!({ "path": "/etc/passwd" })),
        (
            "plugin:opener|open_url",
            json!({ "url": "https://evil.example/" }),
        ),
        ("plugin:updater|check", json!({})),
        (
            "plugin:global-shortcut|register",
            json!({ "shortcuts": ["Ctrl+A"], "handler": 0 }),
        ),
        (
            "plugin:window-state|save_window_state",
            json!({ "flags": 0 }),
        ),
        ("plugin:single-instance|anything", json!({})),
        // The clipboard plugin is the shell's, used from Rust only: the page can neither read
        // the clipboard (a pasted key) nor write to it.
        ("plugin:clipboard-manager|read_text", json!({})),
        (
            "plugin:clipboard-manager|write_text",
            json!({ "text": "pwned", "label": null }),
        ),
        ("plugin:clipboard-manager|clear", json!({})),
        ("steal_keys", json!({})),
        ("expose_secret", json!({ "id": "x" })),
        ("plugin:taskly-desktop|list_keys", json!({})),
    ];
    for (command, args) in refused {
        let answer = d.invoke(command, args).await;
        assert!(
            answer.get("err").is_some(),
            "{command} was allowed: {answer}"
        );
    }
    assert!(!std::path::Path::new("/tmp/taskly-pwned").exists());
    let title = d.script("arguments[0](document.title);").await;
    assert_eq!(title, json!(TITLE));

    // Every command the window may call, after the canary was added: none answers with it.
    let mut answers: Vec<(String, Value)> = Vec::new();
    let added = d
        .invoke(
            "add_key",
            json!({ "form": { "provider": "openai", "label": "canary", "baseUrl": null,
                "secret": canary, "verify": true, "enable": true } }),
        )
        .await;
    let id = added["ok"]["key"]["id"]
        .as_str()
        .unwrap_or_else(|| panic!("added: {added}"))
        .to_owned();
    answers.push(("add_key".into(), added));
    let chat_request = json!({ "provider": "openai", "model": "gpt-4o-mini",
        "messages": [{ "role": "user", "content": "hello" }], "max_tokens": null });
    let mut called = vec!["add_key".to_owned()];
    let planned: Vec<(&str, Value)> = vec![
        ("list_providers", json!({})),
        ("list_keys", json!({})),
        ("validate_key", json!({ "id": id })),
        (
            "update_key",
            json!({ "id": id, "change": { "label": "renamed", "baseUrl": null, "verify": false } }),
        ),
        ("set_key_enabled", json!({ "id": id, "enabled": true })),
        ("set_backup", json!({ "id": id })),
        ("set_key_enabled", json!({ "id": id, "enabled": true })),
        ("provider_balance", json!({ "id": id, "refresh": true })),
        ("get_settings", json!({})),
        ("set_fallback_to_taskly", json!({ "enabled": false })),
        ("usage_report", json!({ "days": 30 })),
        ("app_info", json!({})),
        ("chat_cancel", json!({ "requestId": "chat-999999" })),
        ("open_external", json!({ "url": "javascript:alert(1)" })),
        ("open_external", json!({ "url": "file:///etc/passwd" })),
        (
            "replace_key_secret",
            json!({ "id": id, "secret": canary, "verify": true }),
        ),
    ];
    for (command, args) in planned {
        answers.push((command.into(), d.invoke(command, args).await));
        called.push(command.into());
    }
    let chat = chat_from_script(&w, chat_request.clone()).await;
    assert!(
        chat["events"]
            .as_array()
            .is_some_and(|e| e.iter().any(|e| e["type"] == "finished")),
        "{chat}"
    );
    answers.push(("chat_start".into(), chat));
    called.push("chat_start".into());
    // A failing chat whose provider echoes the key in its error body.
    fake.push_fault(ScriptedFault::new(Fault::EchoKeyInError).for_flavor(Flavor::OpenAi));
    let failed = chat_from_script(&w, chat_request.clone()).await;
    assert!(
        failed["events"]
            .as_array()
            .is_some_and(|e| e.iter().any(|e| e["type"] == "failed")),
        "{failed}"
    );
    answers.push(("chat_start (failing)".into(), failed));
    // The receipts of both requests: which key, never the key itself.
    answers.push((
        "recent_requests".into(),
        d.invoke("recent_requests", json!({ "count": 10 })).await,
    ));
    called.push("recent_requests".into());
    // Commands added to the capability later are called too (with no arguments).
    for command in allowed_commands() {
        if !called.contains(&command) && command != "remove_key" {
            answers.push((command.clone(), d.invoke(&command, json!({})).await));
            called.push(command);
        }
    }
    answers.push((
        "remove_key".into(),
        d.invoke("remove_key", json!({ "id": id })).await,
    ));
    called.push("remove_key".into());
    for command in allowed_commands() {
        assert!(called.contains(&command), "{command} was not called");
    }
    for (command, answer) in &answers {
        assert!(
            !answer.to_string().contains(&canary),
            "{command} answered with the key: {answer}"
        );
    }

    // Oversized and malformed arguments: a typed error, never echoing what was sent.
    // The big values are built inside the page, as a script there would.
    let marker = "MARKER-4d1f";
    let form = |secret: Value| {
        json!({ "form": { "provider": "openai", "label": null, "baseUrl": null,
            "secret": secret, "verify": false, "enable": false } })
    };
    let mb10 = "10 * 1024 * 1024";
    let big: Vec<(&str, &str, String)> = vec![
        ("10 MB key", "add_key", format!("({{ form: {{ provider: 'openai', label: null, baseUrl: null, secret: 'sk-proj-' + 'A'.repeat({mb10}), verify: false, enable: false }} }})")),
        ("10 MB replacement", "replace_key_secret", format!("({{ id: 'k', secret: 'sk-proj-' + 'A'.repeat({mb10}), verify: false }})")),
        ("10 MB id", "remove_key", format!("({{ id: '{marker}' + 'i'.repeat({mb10}) }})")),
        ("10 MB base URL", "add_key", format!("({{ form: {{ provider: 'openai', label: null, baseUrl: 'https://{marker}.example/' + 'u'.repeat({mb10}), secret: 'sk-proj-shortbutvalid0123456789', verify: false, enable: false }} }})")),
        ("10 MB label", "update_key", format!("({{ id: 'k', change: {{ label: 'l'.repeat({mb10}), baseUrl: null, verify: false }} }})")),
        ("10 MB link", "open_external", format!("({{ url: 'https://{marker}.example/' + 'u'.repeat({mb10}) }})")),
        ("10 MB question", "chat_start", format!("({{ request: {{ provider: 'openai', model: null, messages: [{{ role: 'user', content: 'q'.repeat({mb10}) }}], max_tokens: null }}, onEvent: '__CHANNEL__:1' }})")),
        ("100k messages", "chat_start", "({ request: { provider: 'openai', model: null, messages: Array.from({ length: 100000 }, () => ({ role: 'user', content: 'x' })), max_tokens: null }, onEvent: '__CHANNEL__:1' })".to_owned()),
        ("100k-element id", "validate_key", format!("({{ id: Array(100000).fill('{marker}') }})")),
    ];
    let mut answers = Vec::new();
    for (what, command, expr) in big {
        let started = Instant::now();
        let answer = d
            .script_with(
                &format!(
                    "const [cmd, done] = arguments; const args = {expr};\
                     window.__TAURI_INTERNALS__.invoke(cmd, args)\
                       .then((ok) => done({{ ok: ok === undefined ? null : ok }}), (err) => done({{ err: err === undefined ? null : err }}));"
                ),
                json!([command]),
            )
            .await;
        answers.push((what, command, answer, started.elapsed()));
    }
    let cases: Vec<(&str, &str, Value)> = vec![
        ("no arguments", "add_key", json!({})),
        ("null form", "add_key", json!({ "form": null })),
        ("form as a string", "add_key", json!({ "form": marker })),
        ("number as secret", "add_key", form(json!(12345))),
        ("array as secret", "add_key", form(json!([marker]))),
        (
            "unknown provider",
            "add_key",
            json!({ "form": { "provider": marker, "label": null, "baseUrl": null, "secret": "sk-x", "verify": false, "enable": false } }),
        ),
        (
            "missing fields",
            "add_key",
            json!({ "form": { "provider": "openai" } }),
        ),
        (
            "extra fields",
            "add_key",
            json!({ "form": { "provider": "openai", "label": null, "baseUrl": null, "secret": "sk-x y", "verify": false, "enable": false, "extra": marker }, "more": 1 }),
        ),
        ("number as id", "remove_key", json!({ "id": 42 })),
        ("missing id", "validate_key", json!({})),
        (
            "string as bool",
            "set_key_enabled",
            json!({ "id": "k", "enabled": marker }),
        ),
        ("negative days", "usage_report", json!({ "days": -1 })),
        ("huge days", "usage_report", json!({ "days": 1e300 })),
        (
            "string as flag",
            "set_fallback_to_taskly",
            json!({ "enabled": marker }),
        ),
        (
            "object as url",
            "open_external",
            json!({ "url": { "href": marker } }),
        ),
        (
            "number as request id",
            "chat_cancel",
            json!({ "requestId": 7 }),
        ),
        (
            "change as array",
            "update_key",
            json!({ "id": "k", "change": [marker] }),
        ),
        (
            "bad channel",
            "chat_start",
            json!({ "request": chat_request, "onEvent": marker }),
        ),
        (
            "bad role",
            "chat_start",
            json!({ "request": { "provider": "openai", "model": null, "messages": [{ "role": marker, "content": "x" }], "max_tokens": null }, "onEvent": "__CHANNEL__:1" }),
        ),
        (
            "control characters in the model",
            "chat_start",
            json!({ "request": { "provider": "openai", "model": "a\u{0}b", "messages": [{ "role": "user", "content": "x" }], "max_tokens": null }, "onEvent": "__CHANNEL__:1" }),
        ),
        ("args not an object", "validate_key", json!([marker])),
        (
            "string as flag (updates)",
            "check_for_updates",
            json!({ "background": marker }),
        ),
        ("missing flag (updates)", "check_for_updates", json!({})),
        (
            "bad progress channel",
            "download_update",
            json!({ "onProgress": marker }),
        ),
    ];
    for (what, command, args) in cases {
        let started = Instant::now();
        let answer = d.invoke(command, args).await;
        answers.push((what, command, answer, started.elapsed()));
    }
    let mut summary = Vec::new();
    let mut problems = Vec::new();
    for (what, command, answer, took) in answers {
        let Some(err) = answer.get("err") else {
            problems.push(format!("{what}: {command} accepted it: {answer}"));
            continue;
        };
        let shown = err.to_string();
        let shown = &shown[..shown.floor_char_boundary(400)];
        if !is_error_payload(err) {
            problems.push(format!(
                "{what}: {command} answered without a typed error: {shown}"
            ));
        } else if err.to_string().len() > 1000 || err.to_string().contains(marker) {
            problems.push(format!("{what}: the error echoes what was sent: {shown}"));
        }
        summary.push(format!("{what}: {} in {took:?}", err["code"]));
    }
    eprintln!(
        "malformed and oversized arguments:\n  {}",
        summary.join("\n  ")
    );
    assert!(problems.is_empty(), "{}", problems.join("\n"));

    // Still running and answering.
    let keys = d.invoke("list_keys", json!({})).await;
    assert_eq!(keys["ok"], json!([]), "{keys}");
    assert!(std::path::Path::new(&format!("/proc/{pid}")).exists());
    d.wait_for(
        "//button[contains(normalize-space(), 'Settings')]",
        "the main window still there",
    )
    .await;
    w.stop().await;
    let output = w.output_text();
    assert!(!output.contains("panicked"), "the app panicked:\n{output}");
    assert!(!output.contains(&canary), "the key is in the app's output");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
#[ignore = "drives the real window; scripts/test.sh runs it"]
async fn a_canary_key_through_every_flow_leaves_no_trace_and_its_memory_copies_are_counted() {
    let canary = taskly_testkit::canary("flows");
    let replacement = taskly_testkit::canary("flows2");
    let (fake, proxy) = fakes(vec![canary.clone(), replacement.clone()], None).await;
    // Everything at trace, and Tauri's IPC layer (whose payloads carry the key on add and
    // replace) asked for explicitly: the app's log cap must hold against exactly this.
    let mut env = app_env(&fake, &proxy, "light");
    env.push(("RUST_LOG", "trace,tauri::ipc=trace".into()));
    let mut w = Window::start("attacks-leaks", 96, &env).await;
    let pid = w.app_pid().expect("the app's process");
    let d = &w.driver;
    let mut observed: Vec<Value> = Vec::new();

    // Add through the form, as a person would (the web view's own state and storage see it).
    d.click(
        "//button[contains(normalize-space(), 'Settings')]",
        "Settings",
    )
    .await;
    let key_field = d.field("OpenAI API key").await;
    d.type_into(&key_field, &canary).await;
    d.tick("Use this key for OpenAI requests").await;
    d.click(
        "//form[contains(@class, 'add-key')]//button[@type='submit']",
        "Save",
    )
    .await;
    let masked = format!("sk-proj-…{}", &canary[canary.len() - 4..]);
    d.wait_for(
        &format!("//*[contains(text(), '{masked}')]"),
        "the masked key",
    )
    .await;
    observed.push(d.invoke("list_keys", json!({})).await);

    // Validate ("Check again"), chat, failing chat (the provider echoes the key), replace and
    // remove, all through the UI as a person would: the keys only ever travel as typed text.
    d.click(
        "//button[starts-with(@aria-label, 'Check again')]",
        "Check again",
    )
    .await;
    let deadline = Instant::now() + Duration::from_secs(10);
    while fake
        .requests()
        .iter()
        .filter(|r| r.path.contains("models"))
        .count()
        < 2
    {
        assert!(Instant::now() < deadline, "the key was not checked again");
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    ask(&w, "hello canary").await;
    d.wait_for(
        "//*[contains(., 'Echo: hello canary')]",
        "the streamed answer",
    )
    .await;
    d.wait_for(
        "//button[normalize-space()='Send']",
        "the end of the answer",
    )
    .await;
    fake.push_fault(ScriptedFault::new(Fault::EchoKeyInError).for_flavor(Flavor::OpenAi));
    ask(&w, "fail please").await;
    d.wait_for("//*[@data-testid='chat-error']", "the failed chat")
        .await;
    let page = d
        .script("arguments[0](document.documentElement.outerHTML);")
        .await;
    assert!(
        !page.to_string().contains(&canary),
        "the page shows the key"
    );
    let before = w.keyring.usernames();
    d.open_until(
        &[
            (
                "//button[contains(normalize-space(), 'Settings')]",
                "Settings",
            ),
            (
                "//button[starts-with(@aria-label, 'Replace key of')]",
                "Replace key",
            ),
        ],
        "//label[normalize-space()='New OpenAI API key']",
        "the replace form",
    )
    .await;
    let new_field = d.field("New OpenAI API key").await;
    d.type_into(&new_field, &replacement).await;
    d.click(
        "//form[starts-with(@aria-label, 'Replace the key of')]//button[@type='submit']",
        "Replace",
    )
    .await;
    let deadline = Instant::now() + Duration::from_secs(15);
    loop {
        let now = w.keyring.usernames();
        if now.len() == 1 && now != before {
            let stored = w.keyring.lookup(&now[0]).unwrap_or_default();
            assert!(
                stored.starts_with("taskly/1 ") && stored.ends_with(&format!(" {replacement}")),
                "the entry holds origin and key"
            );
            break;
        }
        assert!(Instant::now() < deadline, "the key was not replaced");
        tokio::time::sleep(Duration::from_millis(200)).await;
    }
    ask(&w, "after replace").await;
    d.wait_for(
        "//*[contains(., 'Echo: after replace')]",
        "the answer after replace",
    )
    .await;
    d.wait_for(
        "//button[normalize-space()='Send']",
        "the end of the answer",
    )
    .await;
    observed.push(d.invoke("list_keys", json!({})).await);
    d.open_until(
        &[
            (
                "//button[contains(normalize-space(), 'Settings')]",
                "Settings",
            ),
            ("//button[starts-with(@aria-label, 'Delete “')]", "Delete"),
        ],
        "//*[@role='alertdialog']//button[contains(normalize-space(), 'Delete')]",
        "the delete confirmation",
    )
    .await;
    d.click(
        "//*[@role='alertdialog']//button[contains(normalize-space(), 'Delete')]",
        "confirm delete",
    )
    .await;
    let deadline = Instant::now() + Duration::from_secs(10);
    while !w.keyring.usernames().is_empty() {
        assert!(Instant::now() < deadline, "the credential was not deleted");
        tokio::time::sleep(Duration::from_millis(200)).await;
    }
    d.close_dialogs().await;
    observed.push(d.invoke("list_keys", json!({})).await);
    assert_eq!(observed.last().map(|v| &v["ok"]), Some(&json!([])));
    for answer in &observed {
        let text = answer.to_string();
        assert!(
            !text.contains(&canary) && !text.contains(&replacement),
            "an IPC answer holds the key: {answer}"
        );
    }
    let storage = d
        .script(
            "const done = arguments[0]; const out = [];\
             for (const s of [localStorage, sessionStorage]) for (let i = 0; i < s.length; i++) out.push(s.key(i) + '=' + s.getItem(s.key(i)));\
             done(out.join('\\n') + document.cookie);",
        )
        .await;
    assert!(
        !storage.to_string().contains(&canary),
        "web storage holds the key"
    );
    assert!(w.keyring.usernames().is_empty(), "the credential is gone");

    // Copies left in the app's memory after removal (a figure, not a promise).
    tokio::time::sleep(Duration::from_millis(500)).await;
    let copies = memory_copies(pid, canary.as_bytes());
    let utf16: Vec<u8> = canary.encode_utf16().flat_map(u16::to_le_bytes).collect();
    let copies_utf16 = memory_copies(pid, &utf16);
    let copies_replacement = memory_copies(pid, replacement.as_bytes());
    // WebKit's web and network processes (the form field lived in the web process).
    let helpers: Vec<Value> = children_of(pid)
        .into_iter()
        .map(|(child, name)| {
            json!({
                "pid": child,
                "name": name,
                "canary_utf8_copies": memory_copies(child, canary.as_bytes()),
                "canary_utf16le_copies": memory_copies(child, &utf16),
                "replacement_utf8_copies": memory_copies(child, replacement.as_bytes()),
            })
        })
        .collect();
    let figures = json!({
        "pid": pid,
        "after": "all through the UI: add, check again, chat, failing chat (key echoed by the provider), replace (typed), chat, delete",
        "canary_utf8_copies": copies,
        "canary_utf16le_copies": copies_utf16,
        "replacement_utf8_copies": copies_replacement,
        "webkit_processes": helpers,
    });
    eprintln!("copies of the key in the app's memory after removal: {figures}");
    let target = std::env::var("CARGO_TARGET_DIR")
        .unwrap_or_else(|_| format!("{}/../target", env!("CARGO_MANIFEST_DIR")));
    let dir = std::path::Path::new(&target).join("taskly-security");
    std::fs::create_dir_all(&dir).expect("figures folder");
    std::fs::write(
        dir.join("app-memory-copies.json"),
        serde_json::to_string_pretty(&figures).expect("json"),
    )
    .expect("figures");
    assert!(copies.is_some(), "the app's memory could not be read");

    // Nothing the app wrote holds either key: data, WAL, logs, WebKit storage and caches.
    w.stop().await;
    for key in [&canary, &replacement] {
        let hits = files_containing(w.home.path(), key);
        assert!(hits.is_empty(), "the key leaked into {hits:?}");
    }
    // The app really logged at trace: each vault step of our core writes a trace line (the
    // logs folder alone proves nothing, the app creates it at start). And no log holds a key.
    let logs = w.data.join("logs");
    let mut traced = Vec::new();
    for entry in std::fs::read_dir(&logs).into_iter().flatten().flatten() {
        let text = std::fs::read_to_string(entry.path()).unwrap_or_default();
        traced.extend(
            text.lines()
                .filter(|l| {
                    l.contains(" TRACE ")
                        && l.contains("taskly_core::vault::faults:")
                        && l.contains("vault step reached")
                })
                .map(str::to_owned),
        );
    }
    for step in [
        "add:after-credential-write",
        "replace:after-swap",
        "remove:after-credential-delete",
    ] {
        assert!(
            traced.iter().any(|l| l.contains(step)),
            "no trace line of the vault's {step} in {logs:?}: {traced:?}"
        );
    }
    for key in [&canary, &replacement] {
        let hits = files_containing(&logs, key);
        assert!(hits.is_empty(), "a log holds the key: {hits:?}");
    }
    let output = w.output_text();
    assert!(
        !output.contains(&canary) && !output.contains(&replacement),
        "the key is in the app's output"
    );
    assert!(!output.contains("panicked"), "the app panicked:\n{output}");
    for request in proxy.requests() {
        let seen = format!("{:?} {}", request.headers, request.body_text());
        assert!(!seen.contains(&canary) && !seen.contains(&replacement));
    }
}
