//! Running one chat request end to end: route, send, stream, retry, fall back, report.
//!
//! [`ChatService::start`] spawns the request and hands back a [`ChatStream`] of [`ChatEvent`]s.
//! Dropping the stream cancels the request and closes the upstream connection. Rate limits and
//! transient failures are retried (at most `max_retries` times, jittered backoff, honouring
//! `Retry-After` up to `retry_max_wait`) only before any text has arrived. A failing personal
//! key never falls back to Taskly unless the user switched `fallback_to_taskly` on.

use std::pin::Pin;
use std::sync::Arc;
use std::task::{Context, Poll};
use std::time::Duration;

use futures::{Stream, StreamExt};
use serde::Serialize;
use tokio::sync::mpsc;

use crate::chat::receipt::Receipt;
use crate::chat::{ChatRequest, Decoded, TokenUsage, default_model};
use crate::chat::{failover, upstream};
use crate::core::Core;
use crate::providers::error_body;
use crate::routing::Endpoint;
use crate::routing::{Decision, RouteInfo, RouteKind, Router};
use crate::time_fmt::now_unix;
use crate::{Error, ErrorPayload, Result, Upstream, Vault};

/// What happens while a request runs, in order.
#[derive(Debug, Clone, Serialize)]
#[serde(tag = "type", rename_all = "snake_case")]
#[cfg_attr(test, derive(ts_rs::TS))]
pub enum ChatEvent {
    /// The request is on its way, by this route.
    Started {
        /// Personal key or Taskly.
        route: RouteInfo,
        /// The model asked for.
        model: String,
    },
    /// The last attempt failed in a way worth retrying; the next starts after `wait_ms`.
    Retrying {
        /// 1 for the first retry.
        attempt: u32,
        /// The most retries there will be.
        max_retries: u32,
        /// The wait before it.
        wait_ms: u64,
        /// What went wrong.
        error: ErrorPayload,
    },
    /// The key failed and the provider's next key (a backup) takes over; a `started` with its
    /// route follows.
    FailingOver {
        /// What went wrong with the key.
        error: ErrorPayload,
    },
    /// The personal key failed and the user allows Taskly to answer instead.
    FallingBack {
        /// What went wrong with the key.
        error: ErrorPayload,
    },
    /// More answer text.
    Delta {
        /// The text.
        text: String,
    },
    /// The answer is complete.
    Finished {
        /// Who answered.
        route: RouteInfo,
        /// The model asked for.
        model: String,
        /// Tokens, when the upstream counted them.
        usage: Option<TokenUsage>,
        /// Why it ended.
        finish_reason: Option<String>,
        /// Things to know (e.g. a soft budget passed).
        warnings: Vec<String>,
        /// What it cost and why this route.
        receipt: Box<Receipt>,
    },
    /// The request failed; nothing follows. The core's stream yields this as its `Err`; front
    /// ends that forward events over one channel (the app) send it as this event.
    Failed {
        /// What went wrong.
        error: ErrorPayload,
    },
}

impl ChatEvent {
    /// One stream item as the event a front end forwards: `Err` becomes [`ChatEvent::Failed`].
    pub fn from_item(item: Result<ChatEvent>) -> ChatEvent {
        item.unwrap_or_else(|err| ChatEvent::Failed {
            error: err.payload(),
        })
    }
}

/// Runs chat requests for one account.
#[derive(Debug)]
pub struct ChatService {
    vault: Arc<Vault>,
    /// The configuration and database (settings, usage, budgets) requests are run with.
    core: Arc<Core>,
    router: Router,
}

/// The events of one running request. Dropping it cancels the request.
#[derive(Debug)]
pub struct ChatStream {
    events: mpsc::Receiver<Result<ChatEvent>>,
    task: tokio::task::JoinHandle<()>,
}

impl Stream for ChatStream {
    type Item = Result<ChatEvent>;

    fn poll_next(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Option<Self::Item>> {
        self.events.poll_recv(cx)
    }
}

impl Drop for ChatStream {
    fn drop(&mut self) {
        // Aborting drops the upstream response, which closes its connection.
        self.task.abort();
    }
}

/// How one attempt ended.
#[derive(Debug, Default)]
struct Attempt {
    usage: Option<TokenUsage>,
    finish_reason: Option<String>,
    /// The model the upstream says answered.
    model: Option<String>,
    /// From sending to the first text.
    first_token: Option<Duration>,
}

/// Where a request is in its provider's keys: the route now, the keys tried and why, and
/// whether Taskly took over.
#[derive(Debug)]
struct Failover {
    decision: Arc<Decision>,
    /// Key ids tried (or passed over) so far.
    tried: Vec<String>,
    /// Why each was left: "`Work` was rate-limited, free again in 18 s".
    skipped: Vec<String>,
    fell_back: bool,
    /// Whether a rate-limit wait was sat through already (once per request).
    waited: bool,
    /// Whether the provider has backup keys (a failover order), read once per request.
    backups: bool,
    /// Whether the first route was the primary key (false: no personal key, Taskly).
    began_personal: bool,
    /// The primary key's id, if there is one.
    primary: Option<String>,
}

impl Failover {
    fn new(decision: Arc<Decision>) -> Self {
        Self {
            began_personal: decision.info.kind == RouteKind::Personal,
            primary: decision.info.key_id.clone(),
            decision,
            tried: Vec::new(),
            skipped: Vec::new(),
            fell_back: false,
            waited: false,
            backups: false,
        }
    }

    fn note_failed(
        &mut self,
        decision: &Decision,
        rest: Option<&crate::db::rests::StoredRest>,
        now: i64,
    ) {
        let Some(key_id) = decision.info.key_id.clone() else {
            return;
        };
        let label = decision.info.label.clone().unwrap_or_default();
        self.skipped.push(match rest {
            Some(rest) => failover::describe(&label, rest, now),
            None => format!("`{label}` failed"),
        });
        self.tried.push(key_id);
    }

    /// The next backup that is neither tried nor resting.
    async fn next(
        &self,
        service: &ChatService,
        request: &ChatRequest,
    ) -> Result<Option<Arc<Decision>>> {
        let rests = service.rests().await?;
        for key in service.router.backups(request.provider).await? {
            if self.tried.contains(&key.id) || rests.iter().any(|r| r.key_id == key.id) {
                continue;
            }
            match service.router.with_key(request.provider, key).await {
                Ok(decision) => return Ok(Some(Arc::new(decision))),
                // A backup that cannot be used (its secret gone, its address changed) is
                // passed over; the one that can answers.
                Err(err) => tracing::warn!(code = ?err.code(), "a backup key cannot be used"),
            }
        }
        Ok(None)
    }

    /// Whether a backup is free to take over now (so a rate limit need not be waited out).
    async fn has_free_next(&self, service: &ChatService, request: &ChatRequest) -> Result<bool> {
        if !self.backups || self.decision.info.kind != RouteKind::Personal {
            return Ok(false);
        }
        let rests = service.rests().await?;
        let current = self.decision.info.key_id.as_deref();
        Ok(service
            .router
            .backups(request.provider)
            .await?
            .iter()
            .any(|k| {
                Some(k.id.as_str()) != current
                    && !self.tried.contains(&k.id)
                    && !rests.iter().any(|r| r.key_id == k.id)
            }))
    }

    /// Why the answering route was taken.
    fn why(&self, info: &RouteInfo) -> String {
        let after = self.skipped.join("; ");
        match info.kind {
            RouteKind::Personal if self.skipped.is_empty() => "primary".to_owned(),
            RouteKind::Personal if self.waited && info.key_id == self.primary => {
                format!("primary, after a wait: {after}")
            }
            RouteKind::Personal if self.waited => format!("backup, after a wait: {after}"),
            RouteKind::Personal => format!("backup: {after}"),
            RouteKind::Taskly if info.fallback && after.is_empty() => {
                "Taskly: fallback is on and your key failed".to_owned()
            }
            RouteKind::Taskly if info.fallback => format!("Taskly: fallback is on and {after}"),
            RouteKind::Taskly if self.began_personal => "Taskly".to_owned(),
            RouteKind::Taskly => {
                "Taskly: no personal key is switched on for this provider".to_owned()
            }
        }
    }
}

/// Tells the front end the key failed and the next one takes over (a `started` follows).
async fn emit_failover(tx: &mpsc::Sender<Result<ChatEvent>>, err: &Error) -> Result<()> {
    emit(
        tx,
        ChatEvent::FailingOver {
            error: err.payload(),
        },
    )
    .await
}

impl ChatService {
    /// A service over `vault`'s account and configuration.
    pub fn new(vault: Arc<Vault>) -> Self {
        Self {
            router: Router::new(vault.clone()),
            core: vault.core().clone(),
            vault,
        }
    }

    /// The router (for `taskly models` and diagnostics).
    pub fn router(&self) -> &Router {
        &self.router
    }

    /// Starts a request; its events arrive on the returned stream.
    pub fn start(self: &Arc<Self>, request: ChatRequest) -> ChatStream {
        let (tx, events) = mpsc::channel(64);
        let this = self.clone();
        let task = tokio::spawn(async move {
            let outcome = this.run(request, &tx).await;
            if let Err(err) = outcome {
                let _ = tx.send(Err(err)).await;
            }
        });
        ChatStream { events, task }
    }

    async fn run(&self, request: ChatRequest, tx: &mpsc::Sender<Result<ChatEvent>>) -> Result<()> {
        request.check()?;
        self.guard(&request).await?;
        let model = request
            .model
            .clone()
            .unwrap_or_else(|| default_model(request.provider).to_owned());
        let began = tokio::time::Instant::now();
        let at = crate::time_fmt::rfc3339(now_unix());
        let mut route = Failover::new(self.router.decide(request.provider).await?);
        // Whether the provider has a failover order, read once per request and only for a
        // personal route: a lone key (the common case) costs one small query, nothing more.
        route.backups = route.decision.info.kind == RouteKind::Personal
            && self.has_backups(request.provider).await;
        // A primary that is resting (rate limited, out of quota, invalid) is passed over
        // before anything is sent.
        match self.pass_over_resting(&request, &mut route).await {
            Ok(Some(next)) => route.decision = next,
            Ok(None) => {}
            Err(err) => {
                let decision = route.decision.clone();
                self.keep_failure(&decision, &request, &model, &route, (began, &at), &err)
                    .await;
                return Err(err);
            }
        }
        let mut reauthorized = false;
        loop {
            let decision = route.decision.clone();
            let warnings = self.budget_warnings(&decision, &request, &model).await?;
            emit(
                tx,
                ChatEvent::Started {
                    route: decision.info.clone(),
                    model: model.clone(),
                },
            )
            .await?;
            // With a free backup, a rate limit moves on at once instead of being waited out.
            let free_next = route.has_free_next(self, &request).await?;
            let result = self
                .with_retries(&decision, &request, &model, tx, free_next)
                .await;
            match result {
                Ok(done) => {
                    tracing::info!(route = ?decision.info.kind, provider = %request.provider, "chat answered");
                    let usage = done.usage;
                    let receipt =
                        self.receipt(&decision, &request, &model, &done, &route, began, &at, None);
                    let finished = ChatEvent::Finished {
                        route: decision.info.clone(),
                        model: model.clone(),
                        usage,
                        finish_reason: done.finish_reason.clone(),
                        warnings,
                        receipt: Box::new(receipt.clone()),
                    };
                    // The user sees the end first; counting (an fsync'd write) comes after.
                    let sent = emit(tx, finished).await;
                    self.count(&decision, &model, usage, true).await;
                    self.keep_receipt(&receipt).await;
                    if let Some(key_id) = decision.info.key_id.clone() {
                        self.end_rest(&key_id).await;
                    }
                    return sent;
                }
                Err((err, streamed)) => {
                    if !matches!(err, Error::Cancelled) {
                        self.count(&decision, &model, None, false).await;
                    }
                    // The proxy refused the session's access token (expired early, revoked):
                    // once, with a refreshed one (or one another process just got).
                    if matches!(err, Error::ProxyTokenRejected { .. })
                        && !streamed
                        && !reauthorized
                        && let Some(again) = self.router.taskly_after_rejection(&decision).await?
                    {
                        tracing::info!(
                            "the proxy refused the session token; retrying once with a fresh one"
                        );
                        route.decision = Arc::new(again);
                        reauthorized = true;
                        continue;
                    }
                    tracing::info!(code = ?err.code(), route = ?decision.info.kind, "chat failed");
                    let personal = decision.info.kind == RouteKind::Personal;
                    // Failover (and resting a key) is for a provider with backups; a lone key
                    // behaves as before: retried, then its typed error, tried again next time.
                    if personal && !streamed && route.backups {
                        let now = now_unix();
                        match failover::verdict(&err, now) {
                            failover::Verdict::Rest(cause, until) => {
                                let rest = self.rest(&decision, cause, until, &err, now).await;
                                route.note_failed(&decision, rest.as_ref(), now);
                                if let Some(next) = route.next(self, &request).await? {
                                    emit_failover(tx, &err).await?;
                                    route.decision = next;
                                    continue;
                                }
                                // Every key is rate-limited: the shortest wait is sat through
                                // when it is within the retry cap.
                                if let Some((wait, next)) =
                                    self.shortest_wait(&request, &mut route).await?
                                {
                                    emit(
                                        tx,
                                        ChatEvent::Retrying {
                                            attempt: 1,
                                            max_retries: 1,
                                            wait_ms: u64::try_from(wait.as_millis())
                                                .unwrap_or(u64::MAX),
                                            error: err.payload(),
                                        },
                                    )
                                    .await?;
                                    tokio::time::sleep(wait).await;
                                    route.decision = next;
                                    continue;
                                }
                            }
                            failover::Verdict::Next => {
                                route.note_failed(&decision, None, now);
                                if let Some(next) = route.next(self, &request).await? {
                                    emit_failover(tx, &err).await?;
                                    route.decision = next;
                                    continue;
                                }
                            }
                            failover::Verdict::Stop => {}
                        }
                    }
                    let may_fall_back = personal
                        && !route.fell_back
                        && !streamed
                        && !matches!(err, Error::Cancelled)
                        && self.fallback_allowed().await;
                    if !may_fall_back {
                        if !matches!(err, Error::Cancelled) {
                            self.keep_failure(
                                &decision,
                                &request,
                                &model,
                                &route,
                                (began, &at),
                                &err,
                            )
                            .await;
                        }
                        return Err(err);
                    }
                    emit(
                        tx,
                        ChatEvent::FallingBack {
                            error: err.payload(),
                        },
                    )
                    .await?;
                    route.decision = Arc::new(self.router.taskly(request.provider, true).await?);
                    route.fell_back = true;
                }
            }
        }
    }

    /// When the route's key is resting: the next free key (or the shortest rate-limit wait sat
    /// through), or the resting key's error when nothing else may answer.
    async fn pass_over_resting(
        &self,
        request: &ChatRequest,
        route: &mut Failover,
    ) -> Result<Option<Arc<Decision>>> {
        let Some(key_id) = route.decision.info.key_id.clone() else {
            return Ok(None);
        };
        if !route.backups {
            return Ok(None);
        }
        let rests = self.rests().await?;
        let Some(rest) = rests.iter().find(|r| r.key_id == key_id).cloned() else {
            return Ok(None);
        };
        let now = now_unix();
        let label = route.decision.info.label.clone().unwrap_or_default();
        route.skipped.push(failover::describe(&label, &rest, now));
        route.tried.push(key_id);
        if let Some(next) = route.next(self, request).await? {
            return Ok(Some(next));
        }
        // Nothing else is free: a short rate-limit wait is sat through, as a retry would.
        if rest.cause == crate::db::rests::RestCause::RateLimited
            && let Some(until) = rest.until
        {
            let wait = Duration::from_secs(u64::try_from(until - now).unwrap_or(0));
            if wait <= self.core.config().chat.retry_max_wait {
                tokio::time::sleep(wait).await;
                route.tried.clear();
                route.skipped.push("the wait was sat through".into());
                return Ok(None);
            }
        }
        if self.fallback_allowed().await {
            route.fell_back = true;
            return Ok(Some(Arc::new(
                self.router.taskly(request.provider, true).await?,
            )));
        }
        Err(failover::resting_error(
            request.provider,
            &label,
            &rest,
            now,
        ))
    }

    /// When every key of the provider rests for a rate limit: the one free soonest, if that is
    /// within the retry cap, with how long to wait for it (once per request).
    async fn shortest_wait(
        &self,
        request: &ChatRequest,
        route: &mut Failover,
    ) -> Result<Option<(Duration, Arc<Decision>)>> {
        if route.waited {
            return Ok(None);
        }
        let now = now_unix();
        let rests = self.rests().await?;
        let soonest = rests
            .iter()
            .filter(|r| r.cause == crate::db::rests::RestCause::RateLimited)
            .filter(|r| route.tried.contains(&r.key_id))
            .filter_map(|r| r.until.map(|u| (u, r.key_id.clone())))
            .min();
        let Some((until, key_id)) = soonest else {
            return Ok(None);
        };
        let wait = Duration::from_secs(u64::try_from(until - now).unwrap_or(0));
        if wait > self.core.config().chat.retry_max_wait {
            return Ok(None);
        }
        let primary = self.router.decide(request.provider).await?;
        let decision = if primary.info.key_id.as_deref() == Some(key_id.as_str()) {
            primary
        } else {
            let Some(key) = self
                .router
                .backups(request.provider)
                .await?
                .into_iter()
                .find(|k| k.id == key_id)
            else {
                return Ok(None);
            };
            Arc::new(self.router.with_key(request.provider, key).await?)
        };
        route.waited = true;
        route.tried.retain(|id| *id != key_id);
        // The key is asked again once its wait is over, so its rest is over too.
        self.end_rest(&key_id).await;
        Ok(Some((wait, decision)))
    }

    /// Whether the provider has backup keys (a failover order).
    /// The prompt guard (`prompt_guard.rs`): the question (the conversation's last message; the
    /// earlier ones were checked when they were asked) must hold nothing key-shaped and none of
    /// the vault's keys, unless the person chose to send anyway. The keys come from the router's
    /// secret cache (a key in use costs no store read); a store that cannot be read leaves the
    /// shape check, logged.
    async fn guard(&self, request: &ChatRequest) -> Result<()> {
        if request.allow_secrets {
            return Ok(());
        }
        let Some(question) = request.messages.last() else {
            return Ok(());
        };
        let held = match self.router.held_secrets().await {
            Ok(held) => held,
            Err(err) => {
                tracing::warn!(code = ?err.code(), "the prompt guard could not read the vault's keys; checking key shapes only");
                Vec::new()
            }
        };
        let held: Vec<crate::prompt_guard::HeldKey<'_>> = held
            .iter()
            .map(|(id, provider, secret)| crate::prompt_guard::HeldKey {
                id,
                provider: *provider,
                secret,
            })
            .collect();
        match crate::prompt_guard::check(&question.content, &held) {
            Some(found) => {
                tracing::info!(provider = ?found.provider, "question held a key; not sent");
                Err(Error::PromptHasSecret {
                    what: found.describe(),
                })
            }
            None => Ok(()),
        }
    }

    async fn has_backups(&self, provider: crate::ProviderId) -> bool {
        self.router
            .backups(provider)
            .await
            .is_ok_and(|b| !b.is_empty())
    }

    /// The account's current rests.
    async fn rests(&self) -> Result<Vec<crate::db::rests::StoredRest>> {
        let account = self.core.account().to_string();
        self.core
            .db()
            .call(move |conn| crate::db::rests::current(conn, &account, now_unix()))
            .await
    }

    /// Rests the decision's key; the rest as stored (for the receipt), if it could be stored.
    async fn rest(
        &self,
        decision: &Decision,
        cause: crate::db::rests::RestCause,
        until: Option<i64>,
        err: &Error,
        now: i64,
    ) -> Option<crate::db::rests::StoredRest> {
        let key_id = decision.info.key_id.clone()?;
        let account = self.core.account().to_string();
        let note = err.to_string();
        let id = key_id.clone();
        let stored = self
            .core
            .db()
            .call(move |conn| {
                crate::db::rests::set(conn, &account, &id, cause, until, Some(&note), now)
            })
            .await;
        match stored {
            Ok(()) => {
                tracing::info!(key = %key_id, ?cause, "key resting");
                Some(crate::db::rests::StoredRest {
                    key_id,
                    cause,
                    until,
                })
            }
            Err(e) => {
                tracing::warn!(code = ?e.code(), "key rest not recorded");
                None
            }
        }
    }

    /// A key that answered is not resting any more (a rest that ended by itself, say).
    async fn end_rest(&self, key_id: &str) {
        let account = self.core.account().to_string();
        let id = key_id.to_owned();
        if let Err(e) = self
            .core
            .db()
            .call(move |conn| crate::db::rests::clear(conn, &account, &id).map(|_| ()))
            .await
        {
            tracing::warn!(code = ?e.code(), "key rest not cleared");
        }
    }

    #[allow(clippy::too_many_arguments)]
    fn receipt(
        &self,
        decision: &Decision,
        request: &ChatRequest,
        model: &str,
        done: &Attempt,
        route: &Failover,
        began: tokio::time::Instant,
        at: &str,
        error: Option<crate::ErrorCode>,
    ) -> Receipt {
        let usage = done.usage;
        let priced = done.model.as_deref().unwrap_or(model);
        let estimated_cost_usd = usage.and_then(|u| {
            crate::usage::prices::price(request.provider, priced)
                .or_else(|| crate::usage::prices::price(request.provider, model))
                .map(|p| p.cost(u.input_tokens, u.output_tokens))
        });
        Receipt {
            at: at.to_owned(),
            route: decision.info.clone(),
            provider: request.provider,
            model: model.to_owned(),
            model_answered: done.model.clone(),
            input_tokens: usage.map(|u| u.input_tokens),
            output_tokens: usage.map(|u| u.output_tokens),
            estimated_cost_usd,
            first_token_ms: done
                .first_token
                .map(|t| u64::try_from(t.as_millis()).unwrap_or(u64::MAX)),
            total_ms: u64::try_from(began.elapsed().as_millis()).unwrap_or(u64::MAX),
            why: route.why(&decision.info),
            error,
        }
    }

    /// Keeps the receipt of a request that failed with `err`.
    async fn keep_failure(
        &self,
        decision: &Decision,
        request: &ChatRequest,
        model: &str,
        route: &Failover,
        (began, at): (tokio::time::Instant, &str),
        err: &Error,
    ) {
        let receipt = self.receipt(
            decision,
            request,
            model,
            &Attempt::default(),
            route,
            began,
            at,
            Some(err.code()),
        );
        self.keep_receipt(&receipt).await;
    }

    /// Keeps a receipt locally (failing to is logged, never a reason to fail the answer).
    async fn keep_receipt(&self, receipt: &Receipt) {
        let account = self.core.account().to_string();
        let Ok(json) = serde_json::to_string(receipt) else {
            return;
        };
        let at = now_unix();
        if let Err(e) = self
            .core
            .usage_db()
            .await
            .call(move |conn| crate::db::receipts::insert(conn, &account, at, &json))
            .await
        {
            tracing::warn!(code = ?e.code(), "receipt not kept");
        }
    }

    /// Whether the user allows Taskly to answer when their key fails (off unless set).
    async fn fallback_allowed(&self) -> bool {
        self.vault
            .settings()
            .fallback_to_taskly()
            .await
            .unwrap_or(false)
    }

    /// Counts a request against its key (or Taskly) for today, locally. Failing to count is
    /// logged, never a reason to fail the answer.
    async fn count(
        &self,
        decision: &Decision,
        model: &str,
        usage: Option<TokenUsage>,
        succeeded: bool,
    ) {
        let usage = usage.unwrap_or_default();
        let event = crate::usage::UsageEvent {
            account: self.core.account().as_str().to_owned(),
            key_id: decision.info.key_id.clone(),
            provider: decision.info.provider,
            model: model.to_owned(),
            input_tokens: usage.input_tokens,
            output_tokens: usage.output_tokens,
            succeeded,
        };
        if let Err(err) = crate::usage::record(self.core.usage_db().await, event).await {
            tracing::warn!(code = ?err.code(), "usage not counted");
        }
    }

    /// Checks the key's budget before spending: a hard limit refuses, a soft one warns.
    /// Checks the key's budget before spending, with this request's worst case (its input
    /// counted, its answer at `max_tokens`): a hard limit it would pass refuses it before
    /// anything is sent, a soft one warns.
    async fn budget_warnings(
        &self,
        decision: &Decision,
        request: &ChatRequest,
        model: &str,
    ) -> Result<Vec<String>> {
        let Some(key_id) = decision.info.key_id.as_deref() else {
            return Ok(Vec::new());
        };
        let preflight = crate::usage::budget::check_request(
            self.core.db(),
            self.core.account().as_str(),
            key_id,
            request.provider,
            model,
            request,
        )
        .await?;
        Ok(preflight.warnings())
    }

    async fn with_retries(
        &self,
        decision: &Decision,
        request: &ChatRequest,
        model: &str,
        tx: &mpsc::Sender<Result<ChatEvent>>,
        free_next: bool,
    ) -> std::result::Result<Attempt, (Error, bool)> {
        let settings = &self.core.config().chat;
        let max_retries = settings.max_retries.min(3);
        let mut retry = 0;
        loop {
            let limits = Limits {
                first_token: settings.first_byte_timeout,
                idle: settings.idle_timeout,
                answer: settings.answer_timeout,
            };
            match attempt(&decision.endpoint, request, model, tx, limits).await {
                Ok(done) => return Ok(done),
                Err((err, streamed)) => {
                    if streamed || !err.is_transient() || retry >= max_retries {
                        return Err((err, streamed));
                    }
                    // A backup is free: a rate limit is its cue, not a wait.
                    if free_next && matches!(err, Error::RateLimited { .. }) {
                        return Err((err, streamed));
                    }
                    let Some(wait) =
                        retry_wait(&err, retry, settings.retry_base, settings.retry_max_wait)
                    else {
                        return Err((err, streamed));
                    };
                    retry += 1;
                    let event = ChatEvent::Retrying {
                        attempt: retry,
                        max_retries,
                        wait_ms: u64::try_from(wait.as_millis()).unwrap_or(u64::MAX),
                        error: err.payload(),
                    };
                    emit(tx, event).await.map_err(|e| (e, false))?;
                    tracing::info!(retry, wait_ms = wait.as_millis() as u64, code = ?err.code(), "retrying");
                    tokio::time::sleep(wait).await;
                }
            }
        }
    }
}

/// The most answer text one request gathers, in bytes: far beyond any model's longest answer,
/// and a bound on what an upstream that never stops can make us hold.
pub const MAX_ANSWER_BYTES: usize = 4 << 20;

/// How long one attempt may wait, in each phase.
#[derive(Debug, Clone, Copy)]
struct Limits {
    /// From sending the request to the first text: headers and first token together.
    first_token: Duration,
    /// Between two pieces once text has arrived.
    idle: Duration,
    /// From sending the request to the end of the answer.
    answer: Duration,
}

/// One request to the upstream, streamed to `tx`. The `bool` says whether text was delivered.
async fn attempt(
    endpoint: &Endpoint,
    request: &ChatRequest,
    model: &str,
    tx: &mpsc::Sender<Result<ChatEvent>>,
    limits: Limits,
) -> std::result::Result<Attempt, (Error, bool)> {
    let upstream = endpoint.upstream;
    let started = tokio::time::Instant::now();
    // One deadline for headers and first token, so an upstream that sends its headers and then
    // nothing waits out one first-byte timeout, not two.
    let first_token_by = deadline(started, limits.first_token);
    let answer_by = deadline(started, limits.answer);
    let model_name = match upstream {
        Upstream::Taskly => format!("{}/{model}", request.provider.as_str()),
        Upstream::Provider(_) => model.to_owned(),
    };
    let mut stream = match tokio::time::timeout_at(
        first_token_by.min(answer_by),
        upstream::open(endpoint, request, &model_name),
    )
    .await
    {
        Ok(opened) => opened.map_err(|e| (e, false))?,
        Err(_) => {
            return Err((
                Error::UpstreamTimeout {
                    upstream,
                    phase: "response",
                    after: limits.first_token.min(limits.answer),
                },
                false,
            ));
        }
    };
    let mut partial = String::new();
    let mut usage: Option<TokenUsage> = None;
    let mut answered_by: Option<String> = None;
    let mut first_token: Option<Duration> = None;
    let mut finish: Option<Option<String>> = None;
    let cut = |partial: &String, detail: String| Error::StreamCut {
        upstream,
        detail,
        partial: partial.clone(),
    };
    loop {
        let phase_by = if partial.is_empty() {
            first_token_by
        } else {
            deadline(tokio::time::Instant::now(), limits.idle)
        };
        let by = phase_by.min(answer_by);
        let next = match tokio::time::timeout_at(by, stream.next()).await {
            Ok(next) => next,
            Err(_) if partial.is_empty() => {
                let (phase, after) = if by == answer_by {
                    ("whole answer", limits.answer)
                } else {
                    ("first token", limits.first_token)
                };
                return Err((
                    Error::UpstreamTimeout {
                        upstream,
                        phase,
                        after,
                    },
                    false,
                ));
            }
            Err(_) => {
                let detail = if by == answer_by {
                    format!(
                        "the answer took longer than {} s",
                        limits.answer.as_secs_f32()
                    )
                } else {
                    format!("nothing arrived for {} s", limits.idle.as_secs_f32())
                };
                return Err((cut(&partial, detail), true));
            }
        };
        match next {
            None if finish.is_some() => {
                return Ok(Attempt {
                    usage,
                    finish_reason: finish.flatten(),
                    model: answered_by,
                    first_token,
                });
            }
            None => {
                let streamed = !partial.is_empty();
                return Err((
                    cut(&partial, "the connection closed before the end".into()),
                    streamed,
                ));
            }
            Some(Err(err)) => {
                if finish.is_some() {
                    // The answer was complete; a failure while reading the trailing usage is not
                    // worth failing the request for.
                    return Ok(Attempt {
                        usage,
                        finish_reason: finish.flatten(),
                        model: answered_by,
                        first_token,
                    });
                }
                if partial.is_empty() {
                    return Err((err, false));
                }
                return Err((cut(&partial, err.code_text()), true));
            }
            Some(Ok(Decoded::Delta(text))) => {
                if partial.len() + text.len() > MAX_ANSWER_BYTES {
                    let detail = format!(
                        "the answer grew past {} MiB, more than any model writes",
                        MAX_ANSWER_BYTES >> 20
                    );
                    return Err((cut(&partial, detail), !partial.is_empty()));
                }
                if partial.is_empty() {
                    first_token = Some(started.elapsed());
                }
                partial.push_str(&text);
                if tx.send(Ok(ChatEvent::Delta { text })).await.is_err() {
                    return Err((Error::Cancelled, true));
                }
            }
            Some(Ok(Decoded::Usage {
                input_tokens,
                output_tokens,
            })) => {
                let current = usage.get_or_insert_with(TokenUsage::default);
                if let Some(n) = input_tokens {
                    current.input_tokens = n;
                }
                if let Some(n) = output_tokens {
                    current.output_tokens = n;
                }
            }
            Some(Ok(Decoded::Done { finish_reason })) => finish = Some(finish_reason),
            Some(Ok(Decoded::Model(name))) => answered_by = Some(name),
            Some(Ok(Decoded::Failed { code, message })) => {
                // The decoder scrubbed what looks like a key; this also removes the key that
                // was sent, whatever its shape (Azure, Mistral and gateway keys have no prefix).
                let message = error_body::scrub(&message, Some(&endpoint.presented));
                let err = match code.as_str() {
                    "overloaded_error" => Error::UpstreamOutage {
                        upstream,
                        status: 529,
                        detail: message,
                    },
                    "rate_limit_error" => Error::RateLimited {
                        upstream,
                        retry_after: None,
                    },
                    _ => Error::UpstreamOutage {
                        upstream,
                        status: 500,
                        detail: message,
                    },
                };
                if partial.is_empty() {
                    return Err((err, false));
                }
                return Err((cut(&partial, err.code_text()), true));
            }
        }
    }
}

/// `after` from `from`; a timeout too large to add (configured as "never") is a century.
fn deadline(from: tokio::time::Instant, after: Duration) -> tokio::time::Instant {
    from.checked_add(after)
        .or_else(|| from.checked_add(Duration::from_secs(100 * 365 * 86_400)))
        .unwrap_or(from)
}

/// How long to wait before retry number `retry + 1`, or `None` when the upstream asks for a
/// longer wait than we sit through.
fn retry_wait(err: &Error, retry: u32, base: Duration, max_wait: Duration) -> Option<Duration> {
    if let Error::RateLimited {
        retry_after: Some(wait),
        ..
    } = err
    {
        return (*wait <= max_wait).then_some(*wait);
    }
    let backoff = base.saturating_mul(1 << retry.min(10));
    // ±25 % jitter, so clients that failed together do not retry together.
    let nanos = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.subsec_nanos())
        .unwrap_or(0);
    let factor = 0.75 + f64::from(nanos % 1000) / 2000.0;
    // Checked: `Duration::mul_f64` panics past `Duration::MAX`, which a huge configured base
    // reaches.
    let jittered = Duration::try_from_secs_f64(backoff.as_secs_f64() * factor).unwrap_or(max_wait);
    Some(jittered.min(max_wait))
}

async fn emit(tx: &mpsc::Sender<Result<ChatEvent>>, event: ChatEvent) -> Result<()> {
    tx.send(Ok(event)).await.map_err(|_| Error::Cancelled)
}

impl Error {
    /// The stable code as text, for details.
    fn code_text(&self) -> String {
        serde_json::to_value(self.code())
            .ok()
            .and_then(|v| v.as_str().map(str::to_owned))
            .unwrap_or_default()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    fn any_duration() -> impl Strategy<Value = Duration> {
        prop_oneof![
            (0u64..10_000).prop_map(Duration::from_millis),
            any::<u64>().prop_map(Duration::from_millis),
            any::<u64>().prop_map(Duration::from_secs),
            Just(Duration::MAX),
            Just(Duration::ZERO),
        ]
    }

    proptest! {
        #![proptest_config(ProptestConfig { cases: 256, ..ProptestConfig::default() })]

        /// Whatever an upstream announces and however retries are configured, a wait never
        /// passes the cap, and nothing panics (`Duration` arithmetic does on overflow).
        #[test]
        fn waits_never_pass_the_cap_and_never_panic(
            announced in prop::option::of(any_duration()),
            limited in any::<bool>(),
            retry in any::<u32>(),
            base in any_duration(),
            max_wait in any_duration(),
        ) {
            let err = if limited {
                Error::RateLimited { upstream: Upstream::Taskly, retry_after: announced }
            } else {
                Error::UpstreamOutage { upstream: Upstream::Taskly, status: 503, detail: String::new() }
            };
            if let Some(wait) = retry_wait(&err, retry, base, max_wait) {
                prop_assert!(wait <= max_wait);
                if let (true, Some(announced)) = (limited, announced) {
                    prop_assert_eq!(wait, announced);
                }
            } else {
                prop_assert!(limited && announced.is_some_and(|a| a > max_wait));
            }
        }
    }

    #[test]
    fn waits_honour_retry_after_and_the_cap() {
        let up = Upstream::Taskly;
        let limited = |secs| Error::RateLimited {
            upstream: up,
            retry_after: Some(Duration::from_secs(secs)),
        };
        let cap = Duration::from_secs(10);
        assert_eq!(
            retry_wait(&limited(3), 0, Duration::from_millis(100), cap),
            Some(Duration::from_secs(3))
        );
        assert_eq!(
            retry_wait(&limited(30), 0, Duration::from_millis(100), cap),
            None,
            "longer than the cap: give up at once"
        );
        let outage = Error::UpstreamOutage {
            upstream: up,
            status: 503,
            detail: String::new(),
        };
        for retry in 0..3 {
            let wait = retry_wait(&outage, retry, Duration::from_millis(100), cap).expect("retry");
            let nominal = 100.0 * f64::from(1u32 << retry);
            let ms = wait.as_millis() as f64;
            assert!(
                ms >= nominal * 0.74 && ms <= nominal * 1.26,
                "retry {retry}: {ms} ms"
            );
        }
        let capped = retry_wait(&outage, 9, Duration::from_secs(1), cap).expect("retry");
        assert!(capped <= cap);
    }
}
