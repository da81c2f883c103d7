//! A real OpenID Provider on 127.0.0.1 for one test: panva's `oidc-provider` (pinned in
//! `tests/oidc-provider/`), started as a child process, and the person in front of the browser,
//! played over plain HTTP through its login, consent and device-code pages.
//!
//! The issuer has the public native client [`Issuer::CLIENT_ID`] (PKCE S256 required, rotating
//! refresh tokens, the device grant) and the confidential client `taskly-proxy`, which only
//! introspects ([`Issuer::introspection`]). Any login name signs in; its `sub` and email are
//! [`Issuer::sub_of`] and [`Issuer::email_of`]. Test-only endpoints count requests
//! ([`Issuer::stats`]), spoil the next ID token ([`Issuer::fault_next_id_token`]) and end every
//! grant of an account ([`Issuer::revoke_grants`]).
//!
//! The child is stopped on drop, and also exits by itself when its stdin closes, so a test process
//! that dies does not leave it running.

use std::io::{BufRead, BufReader};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::sync::{Arc, Mutex, mpsc};
use std::time::Duration;

use serde_json::Value;
use sha2::{Digest, Sha256};

/// Lifetimes and the device-flow interval the issuer runs with, in whole seconds (at least 1).
/// oidc-provider counts whole seconds: an artefact with a lifetime of n seconds expires between
/// n - 1 and n seconds after it was issued, so a test that needs one to live a moment uses 2.
#[derive(Debug, Clone)]
pub struct IssuerOptions {
    /// Access tokens (`expires_in`).
    pub access_token_ttl: Duration,
    /// Refresh tokens; each rotated one gets the whole lifetime again.
    pub refresh_token_ttl: Duration,
    /// Authorization codes.
    pub code_ttl: Duration,
    /// Device codes (`expires_in` of the device authorization).
    pub device_code_ttl: Duration,
    /// The `interval` of a device authorization and the shortest gap between polls before the
    /// issuer answers `slow_down` (which then adds 5 s for that code, as RFC 8628 says).
    pub device_interval: Duration,
}

impl Default for IssuerOptions {
    /// The server's defaults, except a device interval of 1 s so device-flow tests stay short.
    fn default() -> Self {
        Self {
            access_token_ttl: Duration::from_secs(3600),
            refresh_token_ttl: Duration::from_secs(1_209_600),
            code_ttl: Duration::from_secs(60),
            device_code_ttl: Duration::from_secs(600),
            device_interval: Duration::from_secs(1),
        }
    }
}

/// A running OpenID Provider on 127.0.0.1.
#[derive(Debug)]
pub struct Issuer {
    child: Child,
    url: String,
    http: reqwest::Client,
    log: Arc<Mutex<String>>,
}

/// The confidential client the Taskly proxy introspects with, as the server configures it.
const PROXY_CLIENT_ID: &str = "taskly-proxy";
const PROXY_CLIENT_SECRET: &str = "taskly-proxy-secret";
/// How long the server may take to print its issuer (node's start, a key pair).
const START_TIMEOUT: Duration = Duration::from_secs(20);
/// More steps than any login, consent or device page sequence takes: a loop fails instead of
/// spinning.
const MAX_BROWSER_STEPS: usize = 30;

impl Issuer {
    /// The public client id of the desktop app and the CLI.
    pub const CLIENT_ID: &'static str = "taskly-desktop";

    /// An issuer with the default options.
    pub fn start() -> Issuer {
        Self::start_with(IssuerOptions::default())
    }

    /// Starts `node tests/oidc-provider/server.mjs` and waits for the issuer it prints.
    pub fn start_with(options: IssuerOptions) -> Issuer {
        let dir = repo_root().join("tests/oidc-provider");
        assert!(
            dir.join("node_modules/oidc-provider/package.json")
                .is_file(),
            "the test OpenID Provider's npm packages are missing in {}: run ./scripts/setup.sh",
            dir.display()
        );
        let seconds = |name: &str, value: Duration| {
            assert!(
                value.as_secs() >= 1 && value.subsec_nanos() == 0,
                "IssuerOptions::{name} must be whole seconds, at least 1 (got {value:?})"
            );
            value.as_secs().to_string()
        };
        let mut child = Command::new("node")
            .arg(dir.join("server.mjs"))
            .current_dir(&dir)
            .env("OIDC_PORT", "0")
            .env(
                "OIDC_ACCESS_TOKEN_TTL",
                seconds("access_token_ttl", options.access_token_ttl),
            )
            .env(
                "OIDC_REFRESH_TOKEN_TTL",
                seconds("refresh_token_ttl", options.refresh_token_ttl),
            )
            .env("OIDC_CODE_TTL", seconds("code_ttl", options.code_ttl))
            .env(
                "OIDC_DEVICE_CODE_TTL",
                seconds("device_code_ttl", options.device_code_ttl),
            )
            .env(
                "OIDC_DEVICE_INTERVAL",
                seconds("device_interval", options.device_interval),
            )
            .env("OIDC_PROXY_CLIENT_SECRET", PROXY_CLIENT_SECRET)
            // Kept open (in `child.stdin`) for as long as the issuer should run.
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .unwrap_or_else(|e| {
                panic!("node could not be started ({e}): Node.js 20.19 or newer must be on PATH; run ./scripts/setup.sh")
            });

        // Its log, kept to show when something fails.
        let log = Arc::new(Mutex::new(String::new()));
        if let Some(stderr) = child.stderr.take() {
            let log = Arc::clone(&log);
            std::thread::spawn(move || {
                for line in BufReader::new(stderr).lines().map_while(Result::ok) {
                    if let Ok(mut log) = log.lock() {
                        log.push_str(&line);
                        log.push('\n');
                    }
                }
            });
        }
        let (tx, rx) = mpsc::channel();
        if let Some(stdout) = child.stdout.take() {
            std::thread::spawn(move || {
                let mut reader = BufReader::new(stdout);
                let mut line = String::new();
                let _ = tx.send(reader.read_line(&mut line).map(|_| line));
                // Nothing else is expected; read on so the child can never block on a full pipe.
                let _ = std::io::copy(&mut reader, &mut std::io::sink());
            });
        }
        let http = reqwest::Client::builder()
            .redirect(reqwest::redirect::Policy::none())
            // Loopback only: no proxy from the environment may see these requests.
            .no_proxy()
            .timeout(Duration::from_secs(10))
            .build()
            .expect("an HTTP client");
        // Owned before anything can fail, so a failed start still stops the child (on drop).
        let mut issuer = Issuer {
            child,
            url: String::new(),
            http,
            log,
        };
        let line = match rx.recv_timeout(START_TIMEOUT) {
            Ok(Ok(line)) => line,
            Ok(Err(e)) => panic!("reading the issuer's stdout: {e}\n{}", issuer.log()),
            Err(_) => panic!(
                "the test OpenID Provider printed no issuer within {START_TIMEOUT:?}; its log:\n{}",
                issuer.log()
            ),
        };
        let issuer_url = serde_json::from_str::<Value>(&line)
            .ok()
            .and_then(|v| v.get("issuer")?.as_str().map(str::to_owned));
        let Some(issuer_url) = issuer_url else {
            // Give the log a moment to arrive when the server failed at start.
            std::thread::sleep(Duration::from_millis(200));
            panic!(
                "the test OpenID Provider printed {line:?} instead of its issuer; its log:\n{}",
                issuer.log()
            );
        };
        issuer.url = issuer_url;
        issuer
    }

    /// The issuer (`http://127.0.0.1:PORT`, no trailing slash).
    pub fn url(&self) -> &str {
        &self.url
    }

    /// Environment for a child process (the CLI, the app) that should sign in here.
    pub fn issuer_env(&self) -> Vec<(String, String)> {
        vec![("TASKLY_AUTH_URL".into(), self.url.clone())]
    }

    /// The introspection endpoint and the credentials of the client allowed to use it on any
    /// token: (endpoint, client id, client secret), for the fake Taskly proxy.
    pub fn introspection(&self) -> (String, String, String) {
        (
            format!("{}/token/introspection", self.url),
            PROXY_CLIENT_ID.to_owned(),
            PROXY_CLIENT_SECRET.to_owned(),
        )
    }

    /// The `sub` the issuer gives the person who signs in as `login`.
    pub fn sub_of(login: &str) -> String {
        let digest = Sha256::digest(login.as_bytes());
        let hex: String = digest.iter().map(|b| format!("{b:02x}")).collect();
        format!("sub-{}", &hex[..16])
    }

    /// The email the issuer gives the person who signs in as `login`.
    pub fn email_of(login: &str) -> String {
        if login.contains('@') {
            login.to_owned()
        } else {
            format!("{login}@example.com")
        }
    }

    /// What the server wrote on stderr so far.
    pub fn log(&self) -> String {
        self.log.lock().map(|l| l.clone()).unwrap_or_default()
    }

    /// Plays the person in the browser: opens `authorize_url`, follows redirects within the
    /// issuer, signs in as `login` and consents, and returns where the issuer finally redirects
    /// (the client's loopback callback with `code`, `state` and `iss`, or an `error`) without
    /// requesting it, so the test decides when and how often it is delivered. Each call is a
    /// fresh browser (no cookies), so it always shows the login form.
    pub async fn authorize(&self, authorize_url: &str, login: &str) -> Result<String, String> {
        let mut browser = Browser::new(self);
        let person = Person {
            login,
            user_code: None,
        };
        match browser.visit(authorize_url, &person).await? {
            End::Left(location) => Ok(location),
            End::Page(status, body) => Err(format!(
                "the issuer ended on a page instead of redirecting back ({status}): {}",
                page_text(&body)
            )),
        }
    }

    /// Like [`Issuer::authorize`], then delivers the callback with a `GET`, as the browser does,
    /// and returns the listener's answer (status, body).
    pub async fn sign_in_through_browser(
        &self,
        authorize_url: &str,
        login: &str,
    ) -> Result<(u16, String), String> {
        let callback = self.authorize(authorize_url, login).await?;
        let response = self
            .http
            .get(&callback)
            .send()
            .await
            .map_err(|e| format!("delivering the callback {callback}: {e}"))?;
        let status = response.status().as_u16();
        let body = response
            .text()
            .await
            .map_err(|e| format!("reading the listener's answer: {e}"))?;
        Ok((status, body))
    }

    /// Plays the person on the verification page: enters `user_code`, signs in as `login` and
    /// confirms, until the issuer says the device may continue.
    pub async fn approve_device(&self, user_code: &str, login: &str) -> Result<(), String> {
        let mut browser = Browser::new(self);
        let person = Person {
            login,
            user_code: Some(user_code),
        };
        match browser
            .visit(&format!("{}/device", self.url), &person)
            .await?
        {
            End::Page(200, body) if body.contains("Sign-in Success") => Ok(()),
            End::Page(status, body) => Err(format!(
                "the verification page ended without success ({status}): {}",
                page_text(&body)
            )),
            End::Left(location) => Err(format!(
                "the verification page redirected away from the issuer, to {location}"
            )),
        }
    }

    /// The issuer's introspection answer for `token`, asked as the `taskly-proxy` client.
    pub async fn introspect(&self, token: &str) -> Value {
        let (endpoint, client, secret) = self.introspection();
        let response = self
            .http
            .post(endpoint)
            .basic_auth(client, Some(secret))
            .header("content-type", "application/x-www-form-urlencoded")
            .body(form(&[("token", token)]))
            .send()
            .await
            .expect("the introspection request");
        assert!(
            response.status().is_success(),
            "introspection answered {}",
            response.status()
        );
        response.json().await.expect("an introspection answer")
    }

    /// How many requests the token (by `grant_type`, and failures in `token_errors`), revocation
    /// and introspection endpoints have had.
    pub async fn stats(&self) -> Value {
        let response = self
            .http
            .get(format!("{}/__test/stats", self.url))
            .send()
            .await
            .expect("the stats request");
        response.json().await.expect("the stats")
    }

    /// Overrides `claims` (`{"aud": "someone-else"}`, `{"iss": "…"}`, …) in the ID token of the
    /// next successful token response that has one, re-signed with the issuer's real key. Once.
    pub async fn fault_next_id_token(&self, claims: Value) {
        self.test_post("fault", serde_json::json!({ "id_token_claims": claims }))
            .await;
    }

    /// Revokes every grant of the account `sub`: its refresh tokens stop working and its tokens
    /// introspect as inactive.
    pub async fn revoke_grants(&self, sub: &str) {
        self.test_post("revoke_grants", serde_json::json!({ "sub": sub }))
            .await;
    }

    async fn test_post(&self, endpoint: &str, body: Value) {
        let response = self
            .http
            .post(format!("{}/__test/{endpoint}", self.url))
            .json(&body)
            .send()
            .await
            .unwrap_or_else(|e| panic!("the /__test/{endpoint} request: {e}"));
        let status = response.status();
        assert!(
            status.is_success(),
            "/__test/{endpoint} answered {status}: {}",
            response.text().await.unwrap_or_default()
        );
    }
}

impl Drop for Issuer {
    fn drop(&mut self) {
        drop(self.child.stdin.take());
        let _ = self.child.kill();
        let _ = self.child.wait();
        // A failing test shows what the issuer said (its errors say why it refused a request).
        if std::thread::panicking() {
            eprintln!("--- the test OpenID Provider's log ---\n{}", self.log());
        }
    }
}

/// `<repo>/`, from this crate's manifest folder (`<repo>/crates/taskly-testkit`).
/// The repository root: found from the test's working folder (cargo runs a test in its
/// package's folder), so a test binary built from another checkout sharing the same
/// `CARGO_TARGET_DIR` still finds this checkout's provider; else where this crate was built.
fn repo_root() -> PathBuf {
    let marker = Path::new("tests/oidc-provider/server.mjs");
    std::env::current_dir()
        .ok()
        .and_then(|cwd| {
            cwd.ancestors()
                .find(|dir| dir.join(marker).is_file())
                .map(Path::to_path_buf)
        })
        .unwrap_or_else(|| PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../.."))
}

/// `application/x-www-form-urlencoded` (reqwest's `form` is a feature the app does not enable).
fn form(fields: &[(&str, &str)]) -> String {
    url::form_urlencoded::Serializer::new(String::new())
        .extend_pairs(fields)
        .finish()
}

/// Who fills the forms.
struct Person<'a> {
    login: &'a str,
    user_code: Option<&'a str>,
}

/// How a visit ended.
enum End {
    /// A redirect out of the issuer's origin (to the client's callback), not followed.
    Left(String),
    /// A page without a form (success, or an error page).
    Page(u16, String),
}

/// A browser reduced to what the issuer's pages need: redirects within the issuer, cookies by
/// name (sent to every path of the issuer, which is the only origin it visits), and submitting
/// forms.
struct Browser<'a> {
    http: &'a reqwest::Client,
    origin: url::Url,
    cookies: Vec<(String, String)>,
}

impl<'a> Browser<'a> {
    fn new(issuer: &'a Issuer) -> Self {
        Self {
            http: &issuer.http,
            origin: url::Url::parse(&issuer.url).expect("the issuer is a URL"),
            cookies: Vec::new(),
        }
    }

    fn same_origin(&self, url: &url::Url) -> bool {
        url.origin() == self.origin.origin()
    }

    /// Opens `start` and goes on (redirects, forms) until the issuer sends the browser away or
    /// shows a page with no form.
    async fn visit(&mut self, start: &str, person: &Person<'_>) -> Result<End, String> {
        let mut url = url::Url::parse(start).map_err(|e| format!("{start}: {e}"))?;
        if !self.same_origin(&url) {
            return Err(format!("{start} is not on the issuer"));
        }
        let mut post: Option<String> = None;
        let mut code_entered = false;
        for _ in 0..MAX_BROWSER_STEPS {
            let request = match post.take() {
                Some(body) => self
                    .http
                    .post(url.clone())
                    .header("content-type", "application/x-www-form-urlencoded")
                    .body(body),
                None => self.http.get(url.clone()),
            };
            let request = match self.cookie_header() {
                Some(cookie) => request.header("cookie", cookie),
                None => request,
            };
            let response = request
                .send()
                .await
                .map_err(|e| format!("requesting {url}: {e}"))?;
            self.keep_cookies(&response);
            let status = response.status();
            if status.is_redirection() {
                let location = response
                    .headers()
                    .get("location")
                    .and_then(|l| l.to_str().ok())
                    .ok_or_else(|| format!("{url} redirected ({status}) without a Location"))?;
                let next = url
                    .join(location)
                    .map_err(|e| format!("{url} redirected to {location:?}: {e}"))?;
                if !self.same_origin(&next) {
                    return Ok(End::Left(next.to_string()));
                }
                url = next;
                continue;
            }
            let body = response
                .text()
                .await
                .map_err(|e| format!("reading {url}: {e}"))?;
            let Some(page_form) = Form::first_in(&body) else {
                return Ok(End::Page(status.as_u16(), body));
            };
            let mut fields = page_form.inputs.clone();
            if page_form.has("login") {
                set(&mut fields, "login", person.login);
                set(&mut fields, "password", "any password");
            } else if page_form.has_text("user_code") {
                let Some(code) = person.user_code else {
                    return Err(format!("{url} asks for a user code, and none was given"));
                };
                if code_entered {
                    return Err(format!(
                        "the issuer asked for the user code again: {}",
                        page_text(&body)
                    ));
                }
                code_entered = true;
                set(&mut fields, "user_code", code);
            }
            // Everything else (consent, the device confirmation, a self-submitting form_post
            // page) is submitted as the page filled it.
            let action = page_form.action.as_deref().unwrap_or("");
            let target = url
                .join(action)
                .map_err(|e| format!("{url}: a form posts to {action:?}: {e}"))?;
            if !self.same_origin(&target) {
                return Err(format!(
                    "{url}: a form posts out of the issuer, to {target}"
                ));
            }
            if !page_form.post {
                return Err(format!("{url}: a form that is not a POST"));
            }
            let pairs: Vec<(&str, &str)> = fields
                .iter()
                .map(|(k, v)| (k.as_str(), v.as_str()))
                .collect();
            post = Some(form(&pairs));
            url = target;
        }
        Err(format!(
            "more than {MAX_BROWSER_STEPS} pages and redirects, last at {url}"
        ))
    }

    fn cookie_header(&self) -> Option<String> {
        (!self.cookies.is_empty()).then(|| {
            self.cookies
                .iter()
                .map(|(k, v)| format!("{k}={v}"))
                .collect::<Vec<_>>()
                .join("; ")
        })
    }

    fn keep_cookies(&mut self, response: &reqwest::Response) {
        for header in response.headers().get_all("set-cookie") {
            let Ok(header) = header.to_str() else {
                continue;
            };
            let mut parts = header.split(';');
            let Some((name, value)) = parts.next().and_then(|p| p.split_once('=')) else {
                continue;
            };
            let (name, value) = (name.trim().to_owned(), value.trim().to_owned());
            // Koa clears a cookie with an empty value and an expiry in 1970.
            let cleared = value.is_empty()
                || parts.any(|p| {
                    let p = p.trim().to_ascii_lowercase();
                    p == "max-age=0" || (p.starts_with("expires=") && p.contains("1970"))
                });
            self.cookies.retain(|(k, _)| *k != name);
            if !cleared {
                self.cookies.push((name, value));
            }
        }
    }
}

fn set(fields: &mut Vec<(String, String)>, name: &str, value: &str) {
    fields.retain(|(k, _)| k != name);
    fields.push((name.to_owned(), value.to_owned()));
}

/// The first `<form>` of a page: where it posts, and its inputs with their values. Only what the
/// issuer's own pages use (no `<select>`, `<textarea>` or buttons with values).
#[derive(Debug)]
struct Form {
    action: Option<String>,
    post: bool,
    inputs: Vec<(String, String)>,
    /// `(name, type)` of each input, to tell the text field for the user code from a hidden one.
    kinds: Vec<(String, String)>,
}

impl Form {
    fn first_in(html: &str) -> Option<Form> {
        let start = find_tag(html, 0, "form")?;
        let (attrs, after) = tag_attributes(html, start)?;
        let end = html[after..]
            .find("</form")
            .map_or(html.len(), |i| after + i);
        let inner = &html[after..end];
        let mut inputs = Vec::new();
        let mut kinds = Vec::new();
        let mut at = 0;
        while let Some(input) = find_tag(inner, at, "input") {
            let Some((input_attrs, next)) = tag_attributes(inner, input) else {
                break;
            };
            at = next;
            let Some(name) = attribute(&input_attrs, "name") else {
                continue;
            };
            let kind = attribute(&input_attrs, "type").unwrap_or_else(|| "text".to_owned());
            inputs.push((
                name.clone(),
                attribute(&input_attrs, "value").unwrap_or_default(),
            ));
            kinds.push((name, kind.to_ascii_lowercase()));
        }
        Some(Form {
            action: attribute(&attrs, "action"),
            post: attribute(&attrs, "method").is_some_and(|m| m.eq_ignore_ascii_case("post")),
            inputs,
            kinds,
        })
    }

    fn has(&self, name: &str) -> bool {
        self.kinds.iter().any(|(n, _)| n == name)
    }

    fn has_text(&self, name: &str) -> bool {
        self.kinds.iter().any(|(n, k)| n == name && k == "text")
    }
}

/// Where the next `<name` tag (followed by a space, `>` or `/`) starts at or after `from`.
fn find_tag(html: &str, from: usize, name: &str) -> Option<usize> {
    let lower = html.to_ascii_lowercase();
    let needle = format!("<{name}");
    let mut at = from;
    while let Some(i) = lower[at..].find(&needle) {
        let start = at + i;
        let next = lower[start + needle.len()..].chars().next();
        if matches!(next, Some(c) if c.is_ascii_whitespace() || c == '>' || c == '/') {
            return Some(start);
        }
        at = start + needle.len();
    }
    None
}

/// The attributes of the tag that starts at `start`, and where the tag ends.
fn tag_attributes(html: &str, start: usize) -> Option<(Vec<(String, String)>, usize)> {
    let bytes = html.as_bytes();
    let mut i = start + 1;
    // The tag name.
    while i < bytes.len() && !bytes[i].is_ascii_whitespace() && bytes[i] != b'>' && bytes[i] != b'/'
    {
        i += 1;
    }
    let mut attrs = Vec::new();
    loop {
        while i < bytes.len() && (bytes[i].is_ascii_whitespace() || bytes[i] == b'/') {
            i += 1;
        }
        if i >= bytes.len() {
            return None;
        }
        if bytes[i] == b'>' {
            return Some((attrs, i + 1));
        }
        let name_start = i;
        while i < bytes.len()
            && !bytes[i].is_ascii_whitespace()
            && !matches!(bytes[i], b'=' | b'>' | b'/')
        {
            i += 1;
        }
        let name = html[name_start..i].to_ascii_lowercase();
        while i < bytes.len() && bytes[i].is_ascii_whitespace() {
            i += 1;
        }
        let mut value = String::new();
        if i < bytes.len() && bytes[i] == b'=' {
            i += 1;
            while i < bytes.len() && bytes[i].is_ascii_whitespace() {
                i += 1;
            }
            if i < bytes.len() && (bytes[i] == b'"' || bytes[i] == b'\'') {
                let quote = bytes[i];
                let value_start = i + 1;
                let value_end = value_start + html[value_start..].find(quote as char)?;
                value = unescape(&html[value_start..value_end]);
                i = value_end + 1;
            } else {
                let value_start = i;
                while i < bytes.len() && !bytes[i].is_ascii_whitespace() && bytes[i] != b'>' {
                    i += 1;
                }
                value = unescape(&html[value_start..i]);
            }
        }
        if !name.is_empty() {
            attrs.push((name, value));
        }
    }
}

fn attribute(attrs: &[(String, String)], name: &str) -> Option<String> {
    attrs
        .iter()
        .find(|(n, _)| n == name)
        .map(|(_, v)| v.clone())
}

/// HTML character references as oidc-provider's escaping writes them.
fn unescape(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    let mut rest = text;
    while let Some(i) = rest.find('&') {
        out.push_str(&rest[..i]);
        rest = &rest[i..];
        let Some(end) = rest.find(';').filter(|&e| e <= 10) else {
            out.push('&');
            rest = &rest[1..];
            continue;
        };
        let entity = &rest[1..end];
        let decoded = match entity {
            "amp" => Some('&'),
            "lt" => Some('<'),
            "gt" => Some('>'),
            "quot" => Some('"'),
            "apos" => Some('\''),
            _ => entity
                .strip_prefix("#x")
                .or_else(|| entity.strip_prefix("#X"))
                .and_then(|hex| u32::from_str_radix(hex, 16).ok())
                .or_else(|| entity.strip_prefix('#').and_then(|d| d.parse().ok()))
                .and_then(char::from_u32),
        };
        match decoded {
            Some(c) => {
                out.push(c);
                rest = &rest[end + 1..];
            }
            None => {
                out.push('&');
                rest = &rest[1..];
            }
        }
    }
    out.push_str(rest);
    out
}

/// A page's text without tags, styles and scripts, shortened, for error messages.
fn page_text(html: &str) -> String {
    let mut plain = String::new();
    let mut rest = html;
    while let Some(open) = rest.find('<') {
        plain.push_str(&rest[..open]);
        rest = &rest[open..];
        let lower = rest.get(..8).unwrap_or(rest).to_ascii_lowercase();
        // Styles and scripts say nothing a reader wants: skipped to their end tag.
        let skip_to = ["style", "script"]
            .into_iter()
            .find(|t| lower.starts_with(&format!("<{t}")))
            .map(|t| format!("</{t}>"));
        let end = match skip_to {
            Some(close) => rest.find(&close).map(|i| i + close.len()),
            None => rest.find('>').map(|i| i + 1),
        };
        let Some(end) = end else {
            rest = "";
            break;
        };
        plain.push(' ');
        rest = &rest[end..];
    }
    plain.push_str(rest);
    let words: Vec<&str> = plain.split_whitespace().collect();
    unescape(&words.join(" ")).chars().take(400).collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_the_first_form_with_its_inputs() {
        let html = r#"<html><form id="op.deviceInputForm" novalidate method="post" action="/device?a=1&amp;b=2">
  <input type="hidden" name="xsrf" value="x&quot;y"/>
  <input
    type="text" name="user_code" placeholder="Enter code" autofocus autocomplete="off"></input>
  </form><form action="/other"><input name="no"></form>"#;
        let form = Form::first_in(html).expect("a form");
        assert_eq!(form.action.as_deref(), Some("/device?a=1&b=2"));
        assert!(form.post);
        assert_eq!(
            form.inputs,
            vec![
                ("xsrf".to_owned(), "x\"y".to_owned()),
                ("user_code".to_owned(), String::new())
            ]
        );
        assert!(form.has_text("user_code"));
        assert!(!form.has_text("xsrf"));
        assert!(!form.has("no"));
    }

    #[test]
    fn a_page_without_a_form_has_none() {
        assert!(Form::first_in("<p>formal <formula> text</p>").is_none());
    }

    #[test]
    fn unescapes_references() {
        assert_eq!(
            unescape("a&amp;b&#39;c&#x2F;d&bogus; &"),
            "a&b'c/d&bogus; &"
        );
    }

    #[test]
    fn sub_and_email_follow_the_servers_formula() {
        // sha256("alice") = 2bd806c97f0e00af…
        assert_eq!(Issuer::sub_of("alice"), "sub-2bd806c97f0e00af");
        assert_eq!(Issuer::email_of("alice"), "alice@example.com");
        assert_eq!(Issuer::email_of("bob@example.org"), "bob@example.org");
    }

    #[test]
    fn page_text_drops_styles_and_tags() {
        assert_eq!(
            page_text("<style>h1{}</style><h1>oops</h1><p>bad &amp; worse</p>"),
            "oops bad & worse"
        );
    }
}
