/**
 * An in-memory stand-in for the Tauri shell, implementing {@link TasklyApi}. Vitest, the Chromium
 * tests and `npm run dev` in a plain browser use it. Nothing is persisted, and the plaintext of
 * a key is read once (to decide how "validation" goes and to build the masked hint) and dropped.
 * What the core decides on its own (the provider registry, default models, the key input errors,
 * the masking rule) comes from the core through the generated `bindings/registry.ts`, not copies.
 *
 * Scripting, for demos and tests:
 * - A key containing `invalid` is refused (`invalid_key`); `offline` makes the provider
 *   unreachable (`retry_or_save_without_checking`); `timeout` times out; `ratelimit` and `quota`
 *   save it with that note; `locked` fails with a locked credential store.
 * - A question containing `#ratelimit`, `#quota`, `#invalid`, `#outage`, `#network`, `#certificate`, `#cut`,
 *   `#model` fails that way (once per identical question, so Retry then works); `#retry` shows
 *   a retry before answering; `#slow` streams slowly; `#markdown` answers with rich Markdown.
 * - URL parameters (dev and Chromium tests only): `?seed=demo` starts with two keys,
 *   `?store=broken` makes the credential store fail, `?fallback=on`, `?speed=fast`, `?demo=on`
 *   ("Taskly" is the shell's local demo service).
 */
import type {
  ChatEvent,
  ErrorPayload,
  KeyInfo,
  KeySaved,
  ProviderId,
  ProviderSpec,
  RouteInfo,
  UsageRow,
  Verification,
} from '../bindings/core';
import { baseUrlProblem, checkKey, hostOf, labelProblem, trimKey } from '../lib/keyHygiene';
import { BASE_URL_REQUIRED, DEFAULT_MODELS, KEY_RULE_ERRORS, MASK_RULE, PROVIDERS } from '../bindings/registry';
import type { AddKeyForm, AppInfo, AppSettings, ChatStreamEvent, KeyChange, TasklyApi } from './commands';
import { errorPayload } from './errors';

/**
 * The provider registry, from the core (`bindings/registry.ts`, generated from `ProviderId::spec`),
 * so the mock offers exactly what `list_providers` offers.
 */
export const MOCK_PROVIDERS: readonly ProviderSpec[] = PROVIDERS;

function copySpec(spec: ProviderSpec): ProviderSpec {
  return structuredClone(spec);
}

const MODELS: Partial<Record<ProviderId, string[]>> = {
  openai: ['gpt-4o-mini', 'gpt-4o', 'gpt-4.1', 'gpt-4.1-mini', 'o4-mini', 'text-embedding-3-small'],
  anthropic: ['claude-sonnet-4-5', 'claude-haiku-4-5', 'claude-opus-4-1'],
  gemini: ['gemini-2.5-flash', 'gemini-2.5-pro'],
  mistral: ['mistral-small-latest', 'mistral-large-latest'],
  groq: ['llama-3.3-70b-versatile', 'llama-3.1-8b-instant'],
  openrouter: [],
  deepseek: ['deepseek-chat', 'deepseek-reasoner'],
  xai: ['grok-3-mini', 'grok-4'],
  'azure-openai': ['gpt-4o-mini'],
  custom: ['llama3.2', 'qwen2.5-coder'],
};

/**
 * The core's masking (`mask::mask`), from its generated rule: at most the provider prefix and the
 * last `MASK_RULE.tail` characters. `keyHygiene.test.ts` checks it against the real core's output
 * (`MASK_EXAMPLES`). Only the mock masks: in the app the core sends the hint.
 */
export function maskKey(provider: ProviderSpec, key: string): string {
  const prefix = provider.key_prefixes.find((p) => key.startsWith(p)) ?? '';
  if (key.length < prefix.length + MASK_RULE.min_hidden + MASK_RULE.tail) return MASK_RULE.fully_masked;
  return `${prefix}${MASK_RULE.separator}${key.slice(-MASK_RULE.tail)}`;
}

type Behaviour = 'ok' | 'invalid' | 'offline' | 'timeout' | 'ratelimit' | 'quota' | 'locked';

function behaviourOf(secret: string): Behaviour {
  const s = secret.toLowerCase();
  for (const b of ['invalid', 'offline', 'timeout', 'ratelimit', 'quota', 'locked'] as const) {
    if (s.includes(b)) return b;
  }
  return 'ok';
}

interface StoredKey {
  info: KeyInfo;
  behaviour: Behaviour;
}

export interface MockOptions {
  /** Delay of every command, in ms. */
  latencyMs?: number;
  /** Extra delay of a validation call, so its progress state is visible. */
  validationMs?: number;
  /** Delay between streamed chunks. */
  chunkDelayMs?: number;
  /** Seconds a scripted rate limit asks to wait. */
  retryAfterSecs?: number;
  credentialStore?: string;
  credentialStoreWorking?: boolean;
  fallbackToTaskly?: boolean;
  seed?: 'none' | 'demo';
  /** Whether "Taskly" is the shell's local demo service (`app_info.demo`). */
  demo?: boolean;
}

/** The mock, plus what tests need to look inside it. */
export interface MockApi extends TasklyApi {
  /** Every command called, in order, with secrets replaced by `[redacted]`. */
  readonly calls: { command: string; args: unknown }[];
  /** Simulates the global shortcut. */
  emitPaletteOpen(): void;
  /** Breaks or repairs the credential store. */
  setCredentialStoreWorking(working: boolean): void;
  /** Current keys (copies). */
  snapshot(): KeyInfo[];
}

const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

let idCounter = 0;
function newId(): string {
  idCounter += 1;
  const rand = Math.floor(Math.random() * 0xffffff).toString(16).padStart(6, '0');
  return `k_${rand}${idCounter.toString(16).padStart(4, '0')}`.slice(0, 12);
}

/** Options from the page's URL (only ever used outside Tauri). */
export function mockOptionsFromUrl(search: string): MockOptions {
  const params = new URLSearchParams(search);
  const fast = params.get('speed') === 'fast';
  return {
    seed: params.get('seed') === 'demo' ? 'demo' : 'none',
    credentialStoreWorking: params.get('store') !== 'broken',
    fallbackToTaskly: params.get('fallback') === 'on',
    demo: params.get('demo') === 'on',
    latencyMs: fast ? 20 : 120,
    validationMs: fast ? 250 : 700,
    chunkDelayMs: fast ? 8 : 28,
  };
}

export function createMockApi(options: MockOptions = {}): MockApi {
  const latency = options.latencyMs ?? 0;
  const validationMs = options.validationMs ?? 0;
  const chunkDelay = options.chunkDelayMs ?? 0;
  const retryAfterSecs = options.retryAfterSecs ?? 3;
  const storeName = options.credentialStore ?? 'Secret Service';
  let storeWorking = options.credentialStoreWorking ?? true;
  let settings: AppSettings = { fallbackToTaskly: options.fallbackToTaskly ?? false };
  const keys: StoredKey[] = [];
  const usage: UsageRow[] = [];
  const calls: { command: string; args: unknown }[] = [];
  const paletteHandlers = new Set<() => void>();
  const running = new Map<string, { cancelled: boolean }>();
  const failedOnce = new Set<string>();
  let requestCounter = 0;

  const now = () => new Date().toISOString();
  const providerSpec = (id: ProviderId): ProviderSpec => {
    const found = MOCK_PROVIDERS.find((p) => p.id === id);
    if (!found) throw errorPayload('unknown_provider', `Unknown provider "${id}".`, { action: 'fix_input' });
    return found;
  };
  const copy = (k: KeyInfo): KeyInfo => ({ ...k, models: [...k.models] });
  const record = (command: string, args: unknown) => {
    calls.push({ command, args: redact(args) });
  };
  const wait = async (extra = 0) => {
    if (latency + extra > 0) await sleep(latency + extra);
  };
  const find = (id: string): StoredKey => {
    const key = keys.find((k) => k.info.id === id);
    if (!key) {
      throw errorPayload('key_not_found', `There is no key "${id}" in this account.`, { action: 'list_keys' });
    }
    return key;
  };

  const storeError = (): ErrorPayload =>
    errorPayload(
      'credential_store_unavailable',
      `Your system's credential store (${storeName}) is not available: no Secret Service provider is running. Start or install GNOME Keyring or KWallet, then try again.`,
      { action: 'setup_credential_store' },
    );

  const checkStore = () => {
    if (!storeWorking) throw storeError();
  };

  function checkSecret(secret: string): string {
    const rule = checkKey(secret);
    // The core's own error for the rule, as the shell would send it.
    if (rule) throw { ...KEY_RULE_ERRORS[rule] } satisfies ErrorPayload;
    return trimKey(secret);
  }

  function resolveBaseUrl(provider: ProviderSpec, given: string | null): string {
    const url = given?.trim() || provider.default_base_url;
    if (!url) {
      const required = BASE_URL_REQUIRED[provider.id];
      throw required
        ? { ...required }
        : errorPayload('internal', `${provider.name} has no default base URL.`, { action: 'report_bug' });
    }
    const problem = baseUrlProblem(url);
    if (problem) {
      throw errorPayload('invalid_base_url', `The base URL cannot be used: ${problem}`, {
        action: 'check_base_url',
        provider: provider.id,
      });
    }
    return url.replace(/\/+$/, '');
  }

  interface Outcome {
    verification: Verification;
    note: string | null;
    models: string[] | null;
  }

  /** What validating a key with this behaviour gives; throws the refusals. */
  async function validate(provider: ProviderSpec, baseUrl: string, behaviour: Behaviour, verify: boolean): Promise<Outcome> {
    if (!verify) {
      return { verification: 'unverified', note: 'Saved without checking: it is checked on first use.', models: null };
    }
    await wait(validationMs);
    const host = hostOf(baseUrl) ?? baseUrl;
    switch (behaviour) {
      case 'invalid':
        throw errorPayload(
          'invalid_key',
          `${provider.name} refused this key (HTTP 401): Incorrect API key provided. Check that you copied the whole key, or create a new one.`,
          { action: 'update_key', provider: provider.id, link: provider.key_page },
        );
      case 'offline':
        throw errorPayload(
          'provider_unreachable',
          `Could not reach ${provider.name} at ${host}: connection refused. Check your connection, or save without checking.`,
          { action: 'retry_or_save_without_checking', provider: provider.id },
        );
      case 'timeout':
        throw errorPayload(
          'provider_timeout',
          `${provider.name} did not answer within 10 s. Try again later, or save without checking.`,
          { action: 'retry_or_save_without_checking', provider: provider.id },
        );
      case 'ratelimit':
        return {
          verification: 'rate_limited',
          note: `${provider.name} is rate limiting this key right now. The key works, so it was saved; requests may wait a little.`,
          models: [],
        };
      case 'quota':
        return {
          verification: 'quota_exhausted',
          note: `${provider.name} says this key's account is out of quota or credit. It was saved; check your plan and billing before using it.`,
          models: [],
        };
      default:
        return { verification: 'verified', note: null, models: MODELS[provider.id] ?? [] };
    }
  }

  function shapeWarnings(provider: ProviderSpec, secret: string): string[] {
    if (provider.key_prefixes.length === 0 || provider.key_prefixes.some((p) => secret.startsWith(p))) return [];
    const list = provider.key_prefixes.map((p) => `"${p}"`).join(' or ');
    return [`${provider.name} keys usually start with ${list}; this one does not. Check that you picked the right provider.`];
  }

  function enableOnly(target: StoredKey): KeyInfo | null {
    let disabled: KeyInfo | null = null;
    for (const other of keys) {
      if (other !== target && other.info.provider === target.info.provider && other.info.enabled) {
        other.info.enabled = false;
        other.info.updated_at = now();
        disabled = copy(other.info);
      }
    }
    target.info.enabled = true;
    return disabled;
  }

  function seedDemo() {
    const t = Date.now();
    const iso = (minsAgo: number) => new Date(t - minsAgo * 60_000).toISOString();
    keys.push(
      {
        behaviour: 'ok',
        info: {
          id: 'k_3f9a2c1b7e',
          provider: 'openai',
          provider_name: 'OpenAI',
          label: 'Work',
          base_url: 'https://api.openai.com/v1',
          custom_base_url: false,
          masked: 'sk-proj-…a1b2',
          enabled: true,
          verification: 'verified',
          verification_note: null,
          verified_at: iso(60 * 26),
          models: MODELS.openai ?? [],
          created_at: iso(60 * 24 * 12),
          updated_at: iso(60 * 26),
          last_used_at: iso(7),
        },
      },
      {
        behaviour: 'ratelimit',
        info: {
          id: 'k_8d41e07c55',
          provider: 'anthropic',
          provider_name: 'Anthropic',
          label: 'Personal',
          base_url: 'https://api.anthropic.com/v1',
          custom_base_url: false,
          masked: 'sk-ant-api03-…XyZ1',
          enabled: false,
          verification: 'rate_limited',
          verification_note: 'Anthropic is rate limiting this key right now. The key works, so it was saved.',
          verified_at: iso(60 * 3),
          models: MODELS.anthropic ?? [],
          created_at: iso(60 * 24 * 3),
          updated_at: iso(60 * 3),
          last_used_at: null,
        },
      },
    );
    usage.push({
      day: new Date(t).toISOString().slice(0, 10),
      key_id: 'k_3f9a2c1b7e',
      provider: 'openai',
      model: 'gpt-4o-mini',
      requests: 4,
      failures: 0,
      input_tokens: 812,
      output_tokens: 1630,
      estimated_cost_usd: 0.0011,
    });
  }
  if (options.seed === 'demo') seedDemo();

  function countUsage(route: RouteInfo, model: string, input: number, output: number, failed: boolean) {
    const day = new Date().toISOString().slice(0, 10);
    let row = usage.find((r) => r.day === day && r.key_id === route.key_id && r.provider === route.provider && r.model === model);
    if (!row) {
      row = { day, key_id: route.key_id, provider: route.provider, model, requests: 0, failures: 0, input_tokens: 0, output_tokens: 0, estimated_cost_usd: null };
      usage.push(row);
    }
    row.requests += 1;
    if (failed) row.failures += 1;
    row.input_tokens += input;
    row.output_tokens += output;
    if (route.provider === 'openai') row.estimated_cost_usd = (row.input_tokens * 0.15 + row.output_tokens * 0.6) / 1_000_000;
  }

  const api: MockApi = {
    calls,
    emitPaletteOpen: () => paletteHandlers.forEach((h) => h()),
    setCredentialStoreWorking: (working) => {
      storeWorking = working;
    },
    snapshot: () => keys.map((k) => copy(k.info)),

    async listProviders() {
      record('list_providers', {});
      await wait();
      return MOCK_PROVIDERS.map(copySpec);
    },

    async listKeys() {
      record('list_keys', {});
      await wait();
      return keys.map((k) => copy(k.info));
    },

    async addKey(form: AddKeyForm): Promise<KeySaved> {
      record('add_key', { form });
      const provider = providerSpec(form.provider);
      // The plaintext is used here, in this function, and nowhere else.
      const secret = checkSecret(form.secret);
      const label = form.label ?? '';
      const labelIssue = labelProblem(label);
      if (labelIssue) throw errorPayload('invalid_label', labelIssue, { action: 'fix_input' });
      const baseUrl = resolveBaseUrl(provider, form.baseUrl);
      await wait();
      const behaviour = behaviourOf(secret);
      if (behaviour === 'locked') {
        throw errorPayload(
          'credential_store_locked',
          `Your system's credential store (${storeName}) is locked or refused access: the collection is locked. Unlock your keyring (log in again, or open Passwords and Keys) and try again.`,
          { action: 'unlock_credential_store' },
        );
      }
      const outcome = await validate(provider, baseUrl, behaviour, form.verify);
      checkStore();
      const t = now();
      const stored: StoredKey = {
        behaviour,
        info: {
          id: newId(),
          provider: provider.id,
          provider_name: provider.name,
          label: label.trim() || `${provider.name} key`,
          base_url: baseUrl,
          custom_base_url: baseUrl !== provider.default_base_url,
          masked: maskKey(provider, secret),
          enabled: false,
          verification: outcome.verification,
          verification_note: outcome.note,
          verified_at: form.verify ? t : null,
          models: outcome.models ?? [],
          created_at: t,
          updated_at: t,
          last_used_at: null,
        },
      };
      keys.push(stored);
      const disabled = form.enable ? enableOnly(stored) : null;
      const warnings = shapeWarnings(provider, secret);
      if (!form.verify) warnings.push('Saved without checking. Taskly Desktop checks it the first time it is used.');
      return { key: copy(stored.info), warnings, disabled };
    },

    async updateKey(id: string, change: KeyChange): Promise<KeySaved> {
      record('update_key', { id, change });
      const key = find(id);
      const provider = providerSpec(key.info.provider);
      if (change.label !== null) {
        const issue = labelProblem(change.label);
        if (issue) throw errorPayload('invalid_label', issue, { action: 'fix_input' });
      }
      const newBase = change.baseUrl === null ? key.info.base_url : resolveBaseUrl(provider, change.baseUrl);
      await wait();
      const hostChanged = hostOf(newBase) !== hostOf(key.info.base_url);
      if (hostChanged && !change.verify) {
        throw errorPayload(
          'confirmation_required',
          'Moving a key to another host needs it to be checked again there. Save with checking.',
          { action: 'fix_input', provider: provider.id },
        );
      }
      if (change.verify) {
        const outcome = await validate(provider, newBase, key.behaviour, true);
        key.info.verification = outcome.verification;
        key.info.verification_note = outcome.note;
        key.info.verified_at = now();
        if (outcome.models) key.info.models = outcome.models;
      }
      if (change.label !== null) key.info.label = change.label.trim() || `${provider.name} key`;
      key.info.base_url = newBase;
      key.info.custom_base_url = newBase !== provider.default_base_url;
      key.info.updated_at = now();
      return { key: copy(key.info), warnings: [], disabled: null };
    },

    async replaceKeySecret(id: string, secretInput: string, verify: boolean): Promise<KeySaved> {
      record('replace_key_secret', { id, secret: secretInput, verify });
      const key = find(id);
      const provider = providerSpec(key.info.provider);
      const secret = checkSecret(secretInput);
      await wait();
      const behaviour = behaviourOf(secret);
      const outcome = await validate(provider, key.info.base_url, behaviour, verify);
      checkStore();
      key.behaviour = behaviour;
      key.info.masked = maskKey(provider, secret);
      key.info.verification = outcome.verification;
      key.info.verification_note = outcome.note;
      key.info.verified_at = verify ? now() : null;
      if (outcome.models) key.info.models = outcome.models;
      key.info.updated_at = now();
      const warnings = shapeWarnings(provider, secret);
      if (!verify) warnings.push('Saved without checking. Taskly Desktop checks it the first time it is used.');
      return { key: copy(key.info), warnings, disabled: null };
    },

    async setKeyEnabled(id: string, enabled: boolean): Promise<KeySaved> {
      record('set_key_enabled', { id, enabled });
      const key = find(id);
      await wait();
      let disabled: KeyInfo | null = null;
      if (enabled) disabled = enableOnly(key);
      else key.info.enabled = false;
      key.info.updated_at = now();
      return { key: copy(key.info), warnings: [], disabled };
    },

    async removeKey(id: string): Promise<KeyInfo> {
      record('remove_key', { id });
      const key = find(id);
      await wait();
      checkStore();
      keys.splice(keys.indexOf(key), 1);
      return copy(key.info);
    },

    async validateKey(id: string): Promise<KeyInfo> {
      record('validate_key', { id });
      const key = find(id);
      const provider = providerSpec(key.info.provider);
      await wait();
      try {
        const outcome = await validate(provider, key.info.base_url, key.behaviour, true);
        key.info.verification = outcome.verification;
        key.info.verification_note = outcome.note;
        if (outcome.models) key.info.models = outcome.models;
      } catch (e) {
        const err = e as ErrorPayload;
        if (err.code !== 'invalid_key') throw err;
        key.info.verification = 'invalid';
        key.info.verification_note = err.message;
      }
      key.info.verified_at = now();
      return copy(key.info);
    },

    async getSettings() {
      record('get_settings', {});
      await wait();
      return { ...settings };
    },

    async setFallbackToTaskly(enabled: boolean) {
      record('set_fallback_to_taskly', { enabled });
      await wait();
      settings = { fallbackToTaskly: enabled };
      return { ...settings };
    },

    async usageReport(days: number) {
      record('usage_report', { days });
      await wait();
      const since = new Date(Date.now() - (days - 1) * 86_400_000).toISOString().slice(0, 10);
      return usage.filter((r) => r.day >= since).map((r) => ({ ...r }));
    },

    async appInfo(): Promise<AppInfo> {
      record('app_info', {});
      await wait();
      return {
        version: '0.1.0-demo',
        credentialStore: storeName,
        credentialStoreWorking: storeWorking,
        credentialStoreError: storeWorking ? null : storeError(),
        demo: options.demo ?? false,
      };
    },

    async chatStart(request, onEvent) {
      record('chat_start', { request });
      requestCounter += 1;
      const requestId = `r_${requestCounter}`;
      const state = { cancelled: false };
      running.set(requestId, state);
      void runChat(request, onEvent, state).finally(() => running.delete(requestId));
      await wait();
      return requestId;
    },

    async chatCancel(requestId: string) {
      record('chat_cancel', { requestId });
      const state = running.get(requestId);
      if (state) state.cancelled = true;
    },

    async openExternal(url: string) {
      record('open_external', { url });
    },

    async onPaletteOpen(handler) {
      paletteHandlers.add(handler);
      return () => {
        paletteHandlers.delete(handler);
      };
    },
  };

  async function runChat(
    request: Parameters<TasklyApi['chatStart']>[0],
    emit: (event: ChatStreamEvent) => void,
    state: { cancelled: boolean },
  ) {
    const provider = providerSpec(request.provider);
    const model = request.model ?? DEFAULT_MODELS[provider.id];
    const question = [...request.messages].reverse().find((m) => m.role === 'user')?.content ?? '';
    const marker = (name: string) => question.toLowerCase().includes(`#${name}`);
    const scripted = !failedOnce.has(question);
    const key = keys.find((k) => k.info.provider === provider.id && k.info.enabled);
    let route: RouteInfo = key
      ? { kind: 'personal', provider: provider.id, key_id: key.info.id, label: key.info.label, masked: key.info.masked, fallback: false }
      : { kind: 'taskly', provider: provider.id, key_id: null, label: null, masked: null, fallback: false };
    const inputTokens = Math.ceil(request.messages.reduce((n, m) => n + m.content.length, 0) / 4) + 3;
    const slow = marker('slow');
    const step = async (factor = 1) => {
      await sleep(Math.max(1, chunkDelay * factor * (slow ? 8 : 1)));
      if (state.cancelled) throw new Cancelled();
    };
    const whose = route.kind === 'personal' ? 'your key' : 'your Taskly account';
    const upstream = route.kind === 'personal' ? provider.name : 'Taskly';
    const fail = (error: ErrorPayload) => {
      failedOnce.add(question);
      countUsage(route, model, inputTokens, 0, true);
      emit({ type: 'failed', error });
    };
    const extra = { provider: provider.id, via_taskly: route.kind === 'taskly' };

    try {
      await step(4);
      emit({ type: 'started', route, model } satisfies ChatEvent);

      if (scripted && marker('retry')) {
        const err = errorPayload('upstream_outage', `${upstream} is having trouble (HTTP 503): overloaded. This is not about your key; try again in a moment.`, { ...extra, action: 'retry' });
        emit({ type: 'retrying', attempt: 1, max_retries: 2, wait_ms: 1200, error: err });
        await sleep(1200);
        if (state.cancelled) throw new Cancelled();
      }

      let failure: ErrorPayload | null = null;
      if (scripted) {
        if (marker('ratelimit')) {
          failure = errorPayload('rate_limited', `${upstream} is rate limiting ${whose} right now (try again in ${retryAfterSecs} s). Wait a moment and try again.`, { ...extra, action: 'wait_and_retry', retry_after_secs: retryAfterSecs });
        } else if (marker('quota')) {
          failure = errorPayload('quota_exhausted', `${upstream} says ${whose} is out of quota or credit: You exceeded your current quota. Check your plan and billing with ${upstream}.`, { ...extra, action: 'check_billing', link: route.kind === 'personal' ? provider.billing_page : 'https://taskly.chat/billing' });
        } else if (marker('invalid')) {
          failure = route.kind === 'personal'
            ? errorPayload('invalid_key', `${provider.name} refused this key (HTTP 401): Incorrect API key provided. Check that you copied the whole key, or create a new one.`, { ...extra, action: 'update_key', link: provider.key_page })
            : errorPayload('proxy_token_rejected', 'Taskly refused the sign-in token (expired). Sign in again, or set TASKLY_PROXY_TOKEN.', { ...extra, action: 'sign_in' });
          if (key && route.kind === 'personal') {
            key.info.verification = 'invalid';
            key.info.verification_note = failure.message;
          }
        } else if (marker('outage')) {
          failure = errorPayload('upstream_outage', `${upstream} is having trouble (HTTP 503): The server is overloaded. This is not about your key; try again in a moment.`, { ...extra, action: 'retry' });
        } else if (marker('network')) {
          failure = errorPayload('network_error', `Could not reach ${upstream} at ${hostOf(key?.info.base_url) ?? 'proxy.taskly.chat'}: network is unreachable. Check your connection and try again.`, { ...extra, action: 'retry' });
        } else if (marker('certificate')) {
          const host = hostOf(key?.info.base_url) ?? 'proxy.taskly.chat';
          failure = errorPayload('untrusted_certificate', `The certificate of ${host} is not trusted (invalid peer certificate: UnknownIssuer), so nothing was sent to ${upstream}. If your company inspects HTTPS traffic, add its certificate authority to the system's certificates; otherwise someone may be intercepting the connection.`, { ...extra, action: 'check_certificates' });
        } else if (marker('model')) {
          failure = errorPayload('model_not_available', `The model "${model}" is not available ${route.kind === 'personal' ? `to your ${provider.name} key` : 'through Taskly'}: The model does not exist or you do not have access to it. Pick another model.`, { ...extra, action: 'pick_model' });
        }
      }
      if (failure) {
        const canFallBack = settings.fallbackToTaskly && route.kind === 'personal' &&
          ['rate_limited', 'quota_exhausted', 'invalid_key', 'upstream_outage', 'network_error'].includes(failure.code);
        if (!canFallBack) {
          fail(failure);
          return;
        }
        failedOnce.add(question);
        countUsage(route, model, inputTokens, 0, true);
        emit({ type: 'falling_back', error: failure });
        route = { kind: 'taskly', provider: provider.id, key_id: null, label: null, masked: null, fallback: true };
        await step(3);
      }

      const answer = marker('markdown') ? markdownAnswer(question) : echoAnswer(question, route, provider, model);
      const chunks = answer.match(/[\s\S]{1,7}/g) ?? [];
      const cutAt = scripted && marker('cut') ? Math.floor(chunks.length / 2) : -1;
      let sent = '';
      for (let i = 0; i < chunks.length; i += 1) {
        if (i === cutAt) {
          fail(errorPayload('stream_cut', `The answer from ${upstream} stopped half way (connection reset). What arrived is kept; try again for the rest.`, { ...extra, action: 'retry', partial_text: sent }));
          return;
        }
        await step();
        const text = chunks[i] ?? '';
        sent += text;
        emit({ type: 'delta', text });
      }
      const outputTokens = Math.ceil(answer.length / 4);
      countUsage(route, model, inputTokens, outputTokens, false);
      if (key && route.kind === 'personal') key.info.last_used_at = new Date().toISOString();
      emit({
        type: 'finished',
        route,
        model,
        usage: { input_tokens: inputTokens, output_tokens: outputTokens },
        finish_reason: 'stop',
        warnings: [],
      });
    } catch (e) {
      if (e instanceof Cancelled) {
        emit({ type: 'failed', error: errorPayload('cancelled', 'Cancelled.') });
        return;
      }
      emit({ type: 'failed', error: errorPayload('internal', `The demo service failed: ${String(e)}`, { action: 'report_bug' }) });
    }
  }

  return api;
}

class Cancelled extends Error {}

function echoAnswer(question: string, route: RouteInfo, provider: ProviderSpec, model: string): string {
  const who = route.kind === 'personal' ? `your ${provider.name} key` : route.fallback ? 'Taskly (as a fallback)' : 'Taskly';
  const quoted = question.trim().split('\n').map((l) => `> ${l}`).join('\n');
  return `This is the offline demo service, answering through **${who}** with \`${model}\`. You asked:\n\n${quoted}\n\nIn the real app the answer comes from ${route.kind === 'personal' ? provider.name : 'Taskly'}.`;
}

function markdownAnswer(question: string): string {
  return [
    '## Three ways to do it',
    '',
    `You asked about *${question.replace(/#\w+/g, '').trim() || 'something'}*. Here is a sketch:`,
    '',
    '1. Read the input',
    '2. **Check** it',
    '3. Write the result',
    '',
    '```ts',
    'function greet(name: string): string {',
    '  return `Hello, ${name}!`;',
    '}',
    '```',
    '',
    '| Step | Time |',
    '| --- | --- |',
    '| Read | 2 ms |',
    '| Write | 5 ms |',
    '',
    'See [the docs](https://taskly.chat/docs) for more; this [link](javascript:alert(1)) is not followed.',
    '',
    '<b>raw html is not rendered</b>',
  ].join('\n');
}

/** Copies call arguments for `calls`, replacing any secret. */
function redact(args: unknown): unknown {
  if (typeof args !== 'object' || args === null) return args;
  if (Array.isArray(args)) return args.map(redact);
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(args as Record<string, unknown>)) {
    out[k] = k === 'secret' ? '[redacted]' : redact(v);
  }
  return out;
}
