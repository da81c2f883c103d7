// Generated from taskly-core's Rust types by `cargo test -p taskly-core bindings`.
// Do not edit: change the Rust type, then run with TASKLY_UPDATE_BINDINGS=1.

export type ProviderId = "openai" | "anthropic" | "gemini" | "mistral" | "groq" | "openrouter" | "deepseek" | "xai" | "azure-openai" | "custom";

export type AuthScheme = { "kind": "bearer" } | { "kind": "header", 
/**
 * The header name, e.g. `x-api-key`.
 */
name: string, 
/**
 * Fixed headers sent alongside, e.g. `anthropic-version`.
 */
extra: Array<[string, string]>, };

export type WireFormat = "openai-compatible" | "anthropic" | "gemini";

export type ModelList = "data-ids" | "gemini-models" | "none";

export type ProviderSpec = { 
/**
 * Stable identifier.
 */
id: ProviderId, 
/**
 * Name shown to people.
 */
name: string, 
/**
 * Where the API lives when the user has not set a base URL; `None` when the user must give
 * one (Azure, custom).
 */
default_base_url: string | null, 
/**
 * An example of a base URL, for forms and help.
 */
base_url_example: string, 
/**
 * How the key is sent.
 */
auth: AuthScheme, 
/**
 * API dialect.
 */
wire: WireFormat, 
/**
 * Path (below the base URL) of the cheap authenticated call that validates a key.
 */
validation_path: string, 
/**
 * What that call returns.
 */
model_list: ModelList, 
/**
 * Prefixes real keys start with, longest first (a warning when absent, never a refusal).
 */
key_prefixes: Array<string>, 
/**
 * Where a user creates a key.
 */
key_page: string | null, 
/**
 * Where a user checks billing and quota.
 */
billing_page: string | null, 
/**
 * The call a normal key may use to read the provider's own figures for its spend, if the
 * provider has one (`providers::balance`).
 */
balance_call: BalanceCall | null, 
/**
 * The suffix of `TASKLY_<SUFFIX>_BASE_URL`.
 */
env_name: string, 
/**
 * The model a chat uses when the user names none.
 */
default_model: string, };

export type BalanceCall = "openrouter_key" | "deepseek_balance";

export type Money = { 
/**
 * The amount.
 */
amount: number, 
/**
 * ISO 4217 code: `USD`, `CNY`.
 */
currency: string, };

export type ProviderBalance = { 
/**
 * The call that said it.
 */
source: BalanceCall, 
/**
 * When it said it (RFC 3339, UTC).
 */
fetched_at: string, 
/**
 * What is left: of the key's limit (OpenRouter; none without a limit), or the account's
 * balance (DeepSeek).
 */
remaining: Money | null, 
/**
 * The key's credit limit (OpenRouter), if it has one.
 */
limit: Money | null, 
/**
 * What the key has used, all time (OpenRouter).
 */
used: Money | null, 
/**
 * What the key has used today, UTC (OpenRouter).
 */
used_today: Money | null, 
/**
 * What the key has used this month, UTC (OpenRouter).
 */
used_this_month: Money | null, 
/**
 * More a person should know, in our words (how the limit resets, what the balance is made
 * of, a balance that cannot pay for calls).
 */
note: string | null, };

export type ErrorCode = "invalid_key_input" | "unknown_provider" | "invalid_base_url" | "base_url_required" | "invalid_label" | "invalid_account" | "key_not_found" | "credential_store_unavailable" | "credential_store_locked" | "credential_store_timeout" | "credential_store_failed" | "credential_missing" | "invalid_key" | "provider_unreachable" | "provider_timeout" | "endpoint_not_found" | "provider_error" | "data_dir_unusable" | "database_error" | "database_too_new" | "database_corrupt" | "invalid_config" | "confirmation_required" | "concurrent_change" | "rate_limited" | "quota_exhausted" | "model_not_available" | "upstream_outage" | "request_refused" | "network_error" | "untrusted_certificate" | "upstream_timeout" | "stream_cut" | "bad_response" | "proxy_token_rejected" | "proxy_token_missing" | "unsafe_route" | "budget_exceeded" | "cancelled" | "internal" | "key_origin_changed" | "invalid_chat_request" | "prompt_has_secret" | "import_not_found" | "sign_in_required" | "sign_in_failed" | "sign_in_rejected" | "sign_in_timed_out" | "auth_unreachable" | "account_not_found";

export type ErrorAction = "fix_input" | "setup_credential_store" | "unlock_credential_store" | "retry" | "retry_or_save_without_checking" | "update_key" | "re_enter_key" | "check_base_url" | "list_keys" | "update_app" | "check_data_dir" | "report_bug" | "wait_and_retry" | "check_billing" | "pick_model" | "sign_in" | "raise_budget" | "check_certificates" | "none";

export type ErrorPayload = { 
/**
 * Stable code.
 */
code: ErrorCode, 
/**
 * A sentence a person can act on.
 */
message: string, 
/**
 * What to offer.
 */
action: ErrorAction, 
/**
 * The provider concerned, if any.
 */
provider: ProviderId | null, 
/**
 * A page that helps (key page, billing page).
 */
link: string | null, 
/**
 * Whether the error came from Taskly's proxy rather than the provider.
 */
via_taskly: boolean, 
/**
 * Seconds to wait before retrying, when known.
 */
retry_after_secs: number | null, 
/**
 * The part of an answer that arrived before a cut.
 */
partial_text: string | null, };

export type Verification = "verified" | "rate_limited" | "quota_exhausted" | "unverified" | "invalid";

export type KeyInfo = { 
/**
 * Stable id, e.g. `k_3f9a2c1b7e`.
 */
id: string, 
/**
 * Provider id.
 */
provider: ProviderId, 
/**
 * Provider name.
 */
provider_name: string, 
/**
 * The user's label.
 */
label: string, 
/**
 * Where requests with this key go.
 */
base_url: string, 
/**
 * Whether `base_url` differs from the provider's default.
 */
custom_base_url: boolean, 
/**
 * Masked hint (`sk-proj-…a1b2`).
 */
masked: string, 
/**
 * Whether requests to this provider use this key.
 */
enabled: boolean, 
/**
 * Last verification result.
 */
verification: Verification, 
/**
 * A note on that result (rate limited, quota, saved without checking).
 */
verification_note: string | null, 
/**
 * When it was last verified (RFC 3339).
 */
verified_at: string | null, 
/**
 * Models the key can use, from the last verification.
 */
models: Array<string>, 
/**
 * When it was added.
 */
created_at: string, 
/**
 * When it was last changed.
 */
updated_at: string, 
/**
 * When a request last used it.
 */
last_used_at: string | null, 
/**
 * Its place among the provider's backups (1 is tried first after the primary); `None`
 * for the primary and for a key that is off.
 */
backup_rank: number | null, 
/**
 * Why it is not used for now (rate limited, out of quota, invalid), if it is resting.
 */
rest: Rest | null, };

export type KeySaved = { 
/**
 * The key as stored.
 */
key: KeyInfo, 
/**
 * Things the user should know (unusual key shape, saved without checking).
 */
warnings: Array<string>, 
/**
 * The key that was switched off because this one was switched on.
 */
disabled: KeyInfo | null, };

export type RouteKind = "personal" | "taskly";

export type RouteInfo = { 
/**
 * Personal key or Taskly.
 */
kind: RouteKind, 
/**
 * The provider whose model answers.
 */
provider: ProviderId, 
/**
 * The key's id, for a personal route.
 */
key_id: string | null, 
/**
 * The key's label, for a personal route.
 */
label: string | null, 
/**
 * The key's masked hint, for a personal route.
 */
masked: string | null, 
/**
 * Taskly answered because the personal key failed and the user allowed that.
 */
fallback: boolean, 
/**
 * For the Taskly route: the signed-in account that pays (its email), if the token is a
 * session's (not `TASKLY_PROXY_TOKEN`).
 */
account: string | null, };

export type TokenUsage = { 
/**
 * Prompt tokens.
 */
input_tokens: number, 
/**
 * Answer tokens.
 */
output_tokens: number, };

export type Role = "system" | "user" | "assistant";

export type Message = { 
/**
 * Who wrote it.
 */
role: Role, 
/**
 * What it says.
 */
content: string, };

export type ChatRequest = { 
/**
 * The provider whose model answers (through the user's key or Taskly).
 */
provider: ProviderId, 
/**
 * The model; `None` picks the provider's default.
 */
model: string | null, 
/**
 * The conversation so far, oldest first; the last one is the user's question.
 */
messages: Array<Message>, 
/**
 * An upper bound on the answer's length in tokens.
 */
max_tokens: number | null, 
/**
 * Send even if the question looks like it holds an API key (the prompt guard's "send
 * anyway", the CLI's `--allow-secrets`).
 */
allow_secrets: boolean, };

export type ChatEvent = { "type": "started", 
/**
 * Personal key or Taskly.
 */
route: RouteInfo, 
/**
 * The model asked for.
 */
model: string, } | { "type": "retrying", 
/**
 * 1 for the first retry.
 */
attempt: number, 
/**
 * The most retries there will be.
 */
max_retries: number, 
/**
 * The wait before it.
 */
wait_ms: number, 
/**
 * What went wrong.
 */
error: ErrorPayload, } | { "type": "failing_over", 
/**
 * What went wrong with the key.
 */
error: ErrorPayload, } | { "type": "falling_back", 
/**
 * What went wrong with the key.
 */
error: ErrorPayload, } | { "type": "delta", 
/**
 * The text.
 */
text: string, } | { "type": "finished", 
/**
 * Who answered.
 */
route: RouteInfo, 
/**
 * The model asked for.
 */
model: string, 
/**
 * Tokens, when the upstream counted them.
 */
usage: TokenUsage | null, 
/**
 * Why it ended.
 */
finish_reason: string | null, 
/**
 * Things to know (e.g. a soft budget passed).
 */
warnings: Array<string>, 
/**
 * What it cost and why this route.
 */
receipt: Receipt, } | { "type": "failed", 
/**
 * What went wrong.
 */
error: ErrorPayload, };

export type UsageRow = { 
/**
 * `YYYY-MM-DD`, UTC.
 */
day: string, 
/**
 * The personal key; `None` for requests through Taskly. The key may since have been removed.
 */
key_id: string | null, 
/**
 * The provider.
 */
provider: ProviderId, 
/**
 * The model.
 */
model: string, 
/**
 * Requests, failed ones included.
 */
requests: number, 
/**
 * Requests that failed.
 */
failures: number, 
/**
 * Prompt tokens.
 */
input_tokens: number, 
/**
 * Answer tokens.
 */
output_tokens: number, 
/**
 * Estimated cost in USD from list prices; `None` when the model's price is unknown.
 */
estimated_cost_usd: number | null, };

export type ModelsOffer = { 
/**
 * Personal key or Taskly.
 */
route: RouteInfo, 
/**
 * Model ids, sorted (through Taskly, without the `provider/` prefix).
 */
models: Array<string>, };

export type RestCause = "rate_limited" | "quota" | "invalid";

export type Rest = { 
/**
 * Why.
 */
cause: RestCause, 
/**
 * Until when (RFC 3339); `None`: until the key is checked again.
 */
until: string | null, 
/**
 * Seconds left, when it ends at a time.
 */
seconds_left: number | null, 
/**
 * What happened, in our words.
 */
note: string | null, };

export type Receipt = { 
/**
 * When the request was made (RFC 3339).
 */
at: string, 
/**
 * Who paid: the key (label, masked hint) or Taskly (with the account).
 */
route: RouteInfo, 
/**
 * The provider whose model was asked.
 */
provider: ProviderId, 
/**
 * The model asked for.
 */
model: string, 
/**
 * The model the upstream says answered, when it says.
 */
model_answered: string | null, 
/**
 * Prompt tokens, as the upstream counted them.
 */
input_tokens: number | null, 
/**
 * Answer tokens, as the upstream counted them.
 */
output_tokens: number | null, 
/**
 * The estimated cost in USD (price table × tokens), when the model has a price.
 */
estimated_cost_usd: number | null, 
/**
 * From sending the request to the first text, in milliseconds.
 */
first_token_ms: number | null, 
/**
 * From the start of the request to its end, in milliseconds (retries and failovers too).
 */
total_ms: number, 
/**
 * Why this route: "primary", "backup: `Work` was rate-limited, free again in 18 s", …
 */
why: string, 
/**
 * The error, for a request that failed.
 */
error: ErrorCode | null, };

export type AccountView = { 
/**
 * The account id keys and usage carry (derived from issuer and subject).
 */
id: string, 
/**
 * What it is called here.
 */
name: string, 
/**
 * The email the issuer gave.
 */
email: string | null, 
/**
 * The person's name the issuer gave.
 */
display_name: string | null, 
/**
 * The issuer's `sub`.
 */
subject: string, 
/**
 * The issuer.
 */
issuer: string, 
/**
 * Whether this is the account in use.
 */
active: boolean, 
/**
 * Whether it still has a session (false once the issuer ended it: sign in again).
 */
has_session: boolean, 
/**
 * When the access token expires (RFC 3339), refreshed without asking.
 */
access_expires_at: string | null, };

export type AuthStatus = { 
/**
 * The active account, if any (else the local profile is used).
 */
active: AccountView | null, 
/**
 * Every account signed in on this machine.
 */
accounts: Array<AccountView>, 
/**
 * The sign-in service.
 */
issuer: string, 
/**
 * `TASKLY_PROXY_TOKEN` is set: the Taskly route sends it instead of the session's token.
 */
token_override: boolean, 
/**
 * The account whose keys are in use: the active account's id, or the profile's name.
 */
profile: string, };

export type SignedIn = { 
/**
 * The account, now active.
 */
account: AccountView, 
/**
 * The local profile's keys, when this is the machine's first sign-in and there are any:
 * ask whether to bring them into the account ([`SignIn::adopt_local_keys`]).
 */
local_keys: Array<KeyInfo>, };

export type SignedOut = { 
/**
 * The accounts signed out.
 */
accounts: Array<AccountView>, 
/**
 * Whether the issuer revoked every session (false: it could not be reached; the local
 * session is gone anyway and the tokens expire on their own).
 */
revoked: boolean, 
/**
 * Why revoking failed, when it did.
 */
revoke_error: string | null, };

export type ClipboardOffer = { 
/**
 * Whether the clipboard still holds the key just saved.
 */
holds_key: boolean, 
/**
 * In how many seconds it is cleared by itself (when it holds the key).
 */
clears_in_secs: number | null, };

export type Tool = "environment" | "shell" | "dotenv" | "continue" | "goose" | "aider" | "codex" | "claude-code" | "litellm";

export type Place = { 
/**
 * The tool the file belongs to.
 */
tool: Tool, 
/**
 * The file, `~/`-relative under the home folder; `None` for an environment variable.
 */
path: string | null, 
/**
 * The 1-based line the key is on.
 */
line: number | null, 
/**
 * The variable or setting that holds it (`OPENAI_API_KEY`, `models[0].apiKey`).
 */
name: string, 
/**
 * Why this copy cannot be removed by Taskly, when it cannot (`None`: it can).
 */
cannot_remove: string | null, };

export type Find = { 
/**
 * Stable for the same place across scans (`f_` and 8 hex digits, from the first place's
 * file and setting name, never from the key): what `taskly keys import ID` names.
 */
id: string, 
/**
 * The provider it belongs to (by the variable or setting, the tool's provider field, or
 * the key's shape).
 */
provider: ProviderId, 
/**
 * The masked key (`sk-proj-…a1b2`).
 */
masked: string, 
/**
 * Where it was found, the first place first.
 */
places: Array<Place>, 
/**
 * The vault key that is the same secret, when Taskly already holds it.
 */
already_held: string | null, 
/**
 * The label the imported key gets ("From ~/.bashrc").
 */
label: string, 
/**
 * The base URL that comes with it (an Azure endpoint, a config's API base), if any.
 */
base_url: string | null, 
/**
 * Something the person should know (an environment variable no start-up file sets).
 */
note: string | null, };

export type Skipped = { 
/**
 * The file (`~/`-relative under home).
 */
path: string, 
/**
 * Why (too large, a symbolic link, not readable, not parsable, a value of no known
 * provider).
 */
reason: string, };

export type ScanReport = { 
/**
 * The keys found, in the order of [`places`]' list.
 */
finds: Array<Find>, 
/**
 * Files that exist but were not read, or read but not understood.
 */
skipped: Array<Skipped>, 
/**
 * Every file and variable the scan looked at (whether or not it exists).
 */
looked_in: Array<string>, };

export type ImportResult = { "outcome": "saved", 
/**
 * The key as stored.
 */
saved: KeySaved, } | { "outcome": "already-held", 
/**
 * The vault key it is.
 */
key: string, } | { "outcome": "failed", 
/**
 * Why.
 */
error: ErrorPayload, };

export type ImportOutcome = { 
/**
 * The find's id.
 */
find: string, 
/**
 * Saved, already held, or failed (and why).
 */
result: ImportResult, };

export type ScrubMode = "comment" | "remove";

export type LineChange = { 
/**
 * The 1-based line, as the file is now.
 */
line: number, 
/**
 * The line as it is, with the key masked.
 */
before: string, 
/**
 * What it becomes; `None` when it is removed.
 */
after: string | null, };

export type FilePlan = { 
/**
 * The file (`~/`-relative under home).
 */
path: string, 
/**
 * The lines that change (empty when refused).
 */
changes: Array<LineChange>, 
/**
 * Why the file will not be touched, when it will not.
 */
refused: string | null, };

export type ScrubOutcome = { "outcome": "rewritten", 
/**
 * The file.
 */
path: string, 
/**
 * How many lines changed.
 */
lines: number, } | { "outcome": "not-touched", 
/**
 * The file.
 */
path: string, 
/**
 * Why.
 */
reason: string, };

