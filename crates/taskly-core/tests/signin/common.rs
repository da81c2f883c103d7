//! What every sign-in test sets up: an issuer, a proxy that asks it about tokens, a fake
//! provider for personal keys, a data folder; and ways to read the private keyring, drive the
//! browser, and chat.
#![allow(dead_code)] // not every test uses every helper

use std::process::{Command, Stdio};
use std::sync::Arc;
use std::time::Duration;

use serde_json::Value;
use taskly_core::chat::ChatRequest;
use taskly_core::chat::run::{ChatEvent, ChatService};
use taskly_core::routing::{RouteInfo, RouteKind};
use taskly_core::vault::credentials::SERVICE;
use taskly_core::{
    ApiKey, Config, Error, NewKey, ProviderId, SignIn, SignInOptions, SignedIn, Vault,
};
use taskly_fake_ai::{FakeAi, FakeAiConfig, Flavor, Introspection, RecordedRequest};
use taskly_testkit::drain::{Drained, drain};
use taskly_testkit::oidc::{Issuer, IssuerOptions};

use crate::private_keyring;

/// A personal key the fake provider accepts.
pub const KEY: &str = "sk-proj-signinSignin0123456789abcdEFGHij";

/// Far beyond any answer here: a request that never ends fails its test instead of hanging it.
pub const DEADLINE: Duration = Duration::from_secs(30);

/// The test's test name as `--exact` wants it: `module::test`, without the crate.
pub fn name(module_path: &str, test: &str) -> String {
    let module = module_path.split_once("::").map_or("", |(_, rest)| rest);
    if module.is_empty() {
        test.to_owned()
    } else {
        format!("{module}::{test}")
    }
}

/// The parts of one test.
pub struct World {
    pub dir: tempfile::TempDir,
    issuer: Option<Issuer>,
    pub proxy: FakeAi,
    pub provider: FakeAi,
}

impl World {
    /// An issuer with the default lifetimes.
    pub async fn start() -> Self {
        Self::start_with(IssuerOptions::default()).await
    }

    pub async fn start_with(options: IssuerOptions) -> Self {
        // Starting node blocks until it prints its issuer.
        let issuer = tokio::task::spawn_blocking(move || Issuer::start_with(options))
            .await
            .expect("the issuer starts");
        let (endpoint, client_id, client_secret) = issuer.introspection();
        let proxy = FakeAi::start(FakeAiConfig {
            introspection: Some(Introspection {
                endpoint,
                client_id,
                client_secret,
                // Only tokens issued to the desktop client pay.
                audience_client: Some(Issuer::CLIENT_ID.to_owned()),
            }),
            ..FakeAiConfig::default()
        })
        .await
        .expect("the proxy starts");
        let provider = FakeAi::start(FakeAiConfig {
            provider_keys: vec![KEY.to_owned()],
            ..FakeAiConfig::default()
        })
        .await
        .expect("the provider starts");
        Self {
            dir: tempfile::tempdir().expect("dir"),
            issuer: Some(issuer),
            proxy,
            provider,
        }
    }

    pub fn issuer(&self) -> &Issuer {
        self.issuer.as_ref().expect("the issuer runs")
    }

    /// Stops the issuer (its port then refuses connections).
    pub fn stop_issuer(&mut self) -> String {
        let issuer = self.issuer.take().expect("the issuer runs");
        let url = issuer.url().to_owned();
        drop(issuer);
        url
    }

    /// The configuration the app would have: this data folder, this issuer, the proxy, no
    /// `TASKLY_PROXY_TOKEN`.
    pub fn config(&self) -> Config {
        let mut config = Config::new(self.dir.path());
        config.auth.issuer = self
            .issuer
            .as_ref()
            .map_or_else(|| "http://127.0.0.1:9".to_owned(), |i| i.url().to_owned());
        config.chat.proxy_url = self.proxy.base_url(Flavor::Proxy);
        config.chat.proxy_token = None;
        config.chat.retry_base = Duration::from_millis(20);
        config
            .base_url_overrides
            .insert(ProviderId::Openai, self.provider.base_url(Flavor::OpenAi));
        config
    }

    /// A vault opened as a process starting now would open it (its own core, caches and
    /// connections), for the active account.
    pub async fn vault(&self) -> Arc<Vault> {
        self.vault_with(self.config()).await
    }

    pub async fn vault_with(&self, config: Config) -> Arc<Vault> {
        Arc::new(private_keyring::open(config).await)
    }

    /// A sign-in service on a core of its own.
    pub async fn signin(&self) -> SignIn {
        SignIn::new(self.vault().await.core().clone())
    }

    /// Signs in through the browser as `login`, as the app does: the listener and the person
    /// at the same time. Checks the page the browser was shown.
    pub async fn sign_in(&self, signin: &SignIn, login: &str, options: SignInOptions) -> SignedIn {
        let pending = signin.start_browser(options).await.expect("started");
        let url = pending.url().to_owned();
        let (page, done) = tokio::join!(
            self.issuer().sign_in_through_browser(&url, login),
            pending.finish(std::future::pending())
        );
        let (status, body) = page.expect("the browser side");
        let signed_in = done.expect("signed in");
        assert_eq!(status, 200, "{body}");
        assert!(body.contains("You are signed in"), "{body}");
        signed_in
    }

    /// The account id `login` gets at this issuer.
    pub fn account_of(&self, login: &str) -> String {
        taskly_core::signin::account_id_for(self.issuer().url(), &Issuer::sub_of(login))
            .expect("an id")
            .to_string()
    }

    /// The issuer's count of token requests with `grant`.
    pub async fn grants(&self, grant: &str) -> u64 {
        self.issuer().stats().await["token"][grant]
            .as_u64()
            .unwrap_or(0)
    }

    pub async fn stat(&self, name: &str) -> u64 {
        self.issuer().stats().await[name].as_u64().unwrap_or(0)
    }

    pub async fn active(&self, token: &str) -> bool {
        introspected_active(&self.issuer().introspect(token).await)
    }

    /// The proxy's chat calls (not model lists), in order.
    pub fn proxy_chats(&self) -> Vec<RecordedRequest> {
        self.proxy
            .requests()
            .into_iter()
            .filter(|r| r.method == "POST")
            .collect()
    }

    /// Adds the fake provider's key to `vault`'s account, checked and switched on.
    pub async fn add_key(&self, vault: &Vault) -> String {
        let new = NewKey {
            provider: ProviderId::Openai,
            label: None,
            base_url: None,
            secret: ApiKey::parse(KEY).expect("key"),
            verify: true,
            enable: taskly_core::Enable::Yes,
        };
        vault.add(new).await.expect("added").key.id
    }
}

pub fn introspected_active(answer: &Value) -> bool {
    answer["active"].as_bool().expect("an introspection answer")
}

/// The redirect URI's port in an authorization URL.
pub fn listener_port(authorize_url: &str) -> u16 {
    let url = url::Url::parse(authorize_url).expect("a URL");
    let redirect = url
        .query_pairs()
        .find(|(k, _)| k == "redirect_uri")
        .map(|(_, v)| v.into_owned())
        .expect("a redirect_uri");
    let redirect = url::Url::parse(&redirect).expect("a redirect URL");
    assert_eq!(redirect.host_str(), Some("127.0.0.1"));
    assert_eq!(redirect.path(), "/callback");
    redirect.port().expect("a port")
}

/// Whether something listens on 127.0.0.1:`port`.
pub fn port_open(port: u16) -> bool {
    std::net::TcpStream::connect_timeout(
        &std::net::SocketAddr::from(([127, 0, 0, 1], port)),
        Duration::from_secs(2),
    )
    .is_ok()
}

/// An HTTP client as a browser on this machine would be (no proxy, no redirects).
pub fn browser() -> reqwest::Client {
    reqwest::Client::builder()
        .no_proxy()
        .redirect(reqwest::redirect::Policy::none())
        .timeout(Duration::from_secs(10))
        .build()
        .expect("a client")
}

/// Sets query parameter `name` of `url` to `value`; `None` removes it.
pub fn with_param(url: &str, name: &str, value: Option<&str>) -> String {
    let mut url = url::Url::parse(url).expect("a URL");
    let pairs: Vec<(String, String)> = url
        .query_pairs()
        .map(|(k, v)| (k.into_owned(), v.into_owned()))
        .collect();
    url.query_pairs_mut().clear();
    for (k, v) in pairs {
        match value {
            Some(value) if k == name => url.query_pairs_mut().append_pair(&k, value),
            None if k == name => continue,
            _ => url.query_pairs_mut().append_pair(&k, &v),
        };
    }
    url.to_string()
}

/// Asks the fake OpenAI model through whatever route `vault`'s account has.
pub async fn ask(vault: &Arc<Vault>) -> Drained<ChatEvent, Error> {
    let service = Arc::new(ChatService::new(vault.clone()));
    drain(
        || service.start(ChatRequest::ask(ProviderId::Openai, "hello")),
        DEADLINE,
    )
    .await
}

/// The route of a chat that answered; fails the test if it did not.
pub fn answered(chat: &Drained<ChatEvent, Error>) -> RouteInfo {
    assert!(chat.error.is_none(), "the chat failed: {:?}", chat.error);
    let text: String = chat
        .events
        .iter()
        .filter_map(|e| match e {
            ChatEvent::Delta { text } => Some(text.as_str()),
            _ => None,
        })
        .collect();
    assert!(text.starts_with("Echo: hello"), "{text:?}");
    chat.events
        .iter()
        .find_map(|e| match e {
            ChatEvent::Finished { route, .. } => Some(route.clone()),
            _ => None,
        })
        .expect("finished")
}

/// A chat that answered through Taskly, paid by `email`.
pub fn answered_by_taskly_for(chat: &Drained<ChatEvent, Error>, email: &str) {
    let route = answered(chat);
    assert_eq!(route.kind, RouteKind::Taskly);
    assert_eq!(route.account.as_deref(), Some(email));
    assert_eq!(route.describe(), format!("Taskly ({email})"));
}

// The private keyring, read with `secret-tool` (not through our code). The child process a test
// runs in has the private bus in DBUS_SESSION_BUS_ADDRESS.

/// Every user name stored under our service.
pub fn keyring_users() -> Vec<String> {
    let out = Command::new("secret-tool")
        .args(["search", "--all", "service", SERVICE])
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .output()
        .expect("secret-tool must be installed (Debian package libsecret-tools)");
    // secret-tool prints the attributes on stderr and the secrets on stdout.
    let mut users: Vec<String> = String::from_utf8_lossy(&out.stderr)
        .lines()
        .filter_map(|l| l.strip_prefix("attribute.username = "))
        .map(str::to_owned)
        .collect();
    users.sort();
    users
}

/// The entries of `account`'s session (`session/<account>/…`).
pub fn session_entries(account: &str) -> Vec<String> {
    let prefix = format!("session/{account}/");
    keyring_users()
        .into_iter()
        .filter(|u| u.starts_with(&prefix))
        .collect()
}

/// What an entry holds, as stored: `taskly/1 <origin> <secret>`.
pub fn keyring_entry(user: &str) -> Option<String> {
    let out = Command::new("secret-tool")
        .args(["lookup", "service", SERVICE, "username", user])
        .stderr(Stdio::null())
        .output()
        .expect("secret-tool must be installed (Debian package libsecret-tools)");
    (out.status.success() && !out.stdout.is_empty())
        .then(|| String::from_utf8_lossy(&out.stdout).trim().to_owned())
}

/// `account`'s stored token (`access` or `refresh`), checked to be bound to `origin`.
pub fn stored_token(account: &str, which: &str, origin: &str) -> Option<String> {
    let text = keyring_entry(&format!("session/{account}/{which}"))?;
    let mut parts = text.splitn(3, ' ');
    assert_eq!(parts.next(), Some("taskly/1"), "an entry of ours");
    assert_eq!(parts.next(), Some(origin), "bound to the issuer");
    parts.next().map(str::to_owned)
}

/// The access and refresh tokens of `login`'s account, as stored.
pub fn tokens(world: &World, login: &str) -> (String, String) {
    let account = world.account_of(login);
    let origin = world.issuer().url();
    (
        stored_token(&account, "access", origin).expect("an access token stored"),
        stored_token(&account, "refresh", origin).expect("a refresh token stored"),
    )
}

/// Nothing of a sign-in stayed: no account, no session entry for `logins` at this issuer.
pub async fn assert_nothing_stored(world: &World, signin: &SignIn, logins: &[&str]) {
    let status = signin.status().await.expect("status");
    assert!(status.accounts.is_empty(), "{:?}", status.accounts);
    assert!(status.active.is_none());
    assert_eq!(status.profile, "local");
    for login in logins {
        let entries = session_entries(&world.account_of(login));
        assert!(entries.is_empty(), "{login}: {entries:?}");
    }
    // And a process starting now still opens the local profile.
    let vault = world.vault().await;
    assert_eq!(vault.account().as_str(), "local");
}

/// The default options, spelled out where a test cares that they are the default.
pub fn defaults() -> SignInOptions {
    SignInOptions::default()
}

/// Another person's account, added to the browser's session: a fresh login.
pub fn fresh() -> SignInOptions {
    SignInOptions {
        fresh_login: true,
        ..SignInOptions::default()
    }
}
