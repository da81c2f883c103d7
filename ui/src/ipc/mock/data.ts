/**
 * What the mock knows about providers. The registry, default models, key input errors and the
 * masking rule come from the core through the generated `bindings/registry.ts`, not copies; only
 * the models a "validation" finds and the demo seed are the mock's own.
 */
import type { KeyInfo, ProviderBalance, ProviderId, ProviderSpec, Rest, UsageRow } from '../../bindings/core';
import { MASK_RULE, PROVIDERS } from '../../bindings/registry';
import { errorPayload } from '../errors';
import type { StoredKey } from './state';

/**
 * The provider registry, from the core (`bindings/registry.ts`, generated from `ProviderId::spec`),
 * so the mock offers exactly what `list_providers` offers.
 */
export const MOCK_PROVIDERS: readonly ProviderSpec[] = PROVIDERS;

export function copySpec(spec: ProviderSpec): ProviderSpec {
  return structuredClone(spec);
}

/** The registry entry of `id`; the core's `unknown_provider` error for anything else. */
export function providerSpec(id: ProviderId): ProviderSpec {
  const found = MOCK_PROVIDERS.find((p) => p.id === id);
  if (!found) throw errorPayload('unknown_provider', `Unknown provider "${id}".`, { action: 'fix_input' });
  return found;
}

/** The models a successful "validation" finds (a real provider lists them; the mock makes them up). */
export const MODELS: Partial<Record<ProviderId, string[]>> = {
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

/** A key's rest as the core reports it now: ended once its time passed, else its seconds left. */
export function restNow(rest: Rest | null, now: number = Date.now()): Rest | null {
  if (!rest) return null;
  if (rest.until === null) return { ...rest };
  const left = Math.ceil((Date.parse(rest.until) - now) / 1000);
  return left > 0 ? { ...rest, seconds_left: left } : null;
}

/** A copy of a key's public record, so callers never hold the mock's own. */
export function copyKey(k: KeyInfo): KeyInfo {
  return { ...k, models: [...k.models], rest: restNow(k.rest) };
}

/** The start of the next UTC day, as the core rests an out-of-quota key until then. */
export function nextUtcDay(now: number = Date.now()): string {
  const d = new Date(now);
  return new Date(Date.UTC(d.getUTCFullYear(), d.getUTCMonth(), d.getUTCDate() + 1)).toISOString();
}

/**
 * What a provider with a spend call says about a mock key: OpenRouter's key usage and limit, or
 * DeepSeek's balance (both as the core reads them); `used` moves on a little with each reading.
 */
export function mockBalance(provider: ProviderSpec, readings: number): ProviderBalance | null {
  const fetched_at = new Date().toISOString();
  const usd = (amount: number) => ({ amount: Math.round(amount * 100) / 100, currency: 'USD' });
  if (provider.balance_call === 'openrouter_key') {
    const used = 3.21 + readings * 0.02;
    return {
      source: 'openrouter_key',
      fetched_at,
      remaining: usd(10 - used),
      limit: usd(10),
      used: usd(used),
      used_today: usd(0.14 + readings * 0.02),
      used_this_month: usd(used),
      note: 'The limit resets monthly.',
    };
  }
  if (provider.balance_call === 'deepseek_balance') {
    return {
      source: 'deepseek_balance',
      fetched_at,
      remaining: { amount: 110 - readings * 0.5, currency: 'CNY' },
      limit: null,
      used: null,
      used_today: null,
      used_this_month: null,
      note: null,
    };
  }
  return null;
}

/** `?seed=demo`: a verified OpenAI key that is on, a rate-limited Anthropic key that is off, a day of usage. */
export function demoSeed(): { keys: StoredKey[]; usage: UsageRow[] } {
  const t = Date.now();
  const iso = (minsAgo: number) => new Date(t - minsAgo * 60_000).toISOString();
  const keys: StoredKey[] = [
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
        backup_rank: null,
        rest: null,
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
        backup_rank: null,
        rest: null,
      },
    },
  ];
  const usage: UsageRow[] = [
    {
      day: new Date(t).toISOString().slice(0, 10),
      key_id: 'k_3f9a2c1b7e',
      provider: 'openai',
      model: 'gpt-4o-mini',
      requests: 4,
      failures: 0,
      input_tokens: 812,
      output_tokens: 1630,
      estimated_cost_usd: 0.0011,
    },
  ];
  return { keys, usage };
}

interface SeedKey {
  id: string;
  provider: ProviderId;
  label: string;
  masked: string;
  enabled?: boolean;
  backup_rank?: number | null;
  rest?: Rest | null;
  behaviour?: StoredKey['behaviour'];
  usedMinsAgo?: number | null;
}

function seedKey(k: SeedKey, t: number): StoredKey {
  const spec = providerSpec(k.provider);
  const iso = (minsAgo: number) => new Date(t - minsAgo * 60_000).toISOString();
  const invalid = k.rest?.cause === 'invalid';
  const quota = k.rest?.cause === 'quota';
  return {
    behaviour: k.behaviour ?? 'ok',
    info: {
      id: k.id,
      provider: spec.id,
      provider_name: spec.name,
      label: k.label,
      base_url: spec.default_base_url ?? '',
      custom_base_url: false,
      masked: k.masked,
      enabled: k.enabled ?? false,
      verification: invalid ? 'invalid' : quota ? 'quota_exhausted' : 'verified',
      verification_note: k.rest?.note ?? null,
      verified_at: iso(60 * 5),
      models: MODELS[spec.id] ?? [],
      created_at: iso(60 * 24 * 10),
      updated_at: iso(60 * 5),
      last_used_at: k.usedMinsAgo === null || k.usedMinsAgo === undefined ? null : iso(k.usedMinsAgo),
      backup_rank: k.backup_rank ?? null,
      rest: k.rest ?? null,
    },
  };
}

function todayUsage(t: number, keyId: string, provider: ProviderId, model: string, requests: number, cost: number | null): UsageRow {
  return {
    day: new Date(t).toISOString().slice(0, 10),
    key_id: keyId,
    provider,
    model,
    requests,
    failures: 0,
    input_tokens: requests * 210,
    output_tokens: requests * 380,
    estimated_cost_usd: cost,
  };
}

/**
 * `?seed=backups`: three OpenAI keys in order (Main in use, Work backup 1, Spare backup 2), an
 * OpenRouter key with its provider's figures and a DeepSeek key with its balance.
 */
export function backupsSeed(): { keys: StoredKey[]; usage: UsageRow[] } {
  const t = Date.now();
  const keys = [
    seedKey({ id: 'k_main00openai', provider: 'openai', label: 'Main', masked: 'sk-proj-…M41n', enabled: true, usedMinsAgo: 3 }, t),
    seedKey({ id: 'k_work00openai', provider: 'openai', label: 'Work', masked: 'sk-proj-…W0rk', backup_rank: 1, usedMinsAgo: 60 * 5 }, t),
    seedKey({ id: 'k_spare0openai', provider: 'openai', label: 'Spare', masked: 'sk-proj-…Sp4r', backup_rank: 2 }, t),
    seedKey({ id: 'k_router000001', provider: 'openrouter', label: 'Router', masked: 'sk-or-v1-…r0ut', enabled: true, usedMinsAgo: 20 }, t),
    seedKey({ id: 'k_deepseek0001', provider: 'deepseek', label: 'DeepSeek', masked: 'sk-…d33p', enabled: true }, t),
  ];
  const usage = [
    todayUsage(t, 'k_main00openai', 'openai', 'gpt-4o-mini', 6, 0.0016),
    todayUsage(t, 'k_router000001', 'openrouter', 'openai/gpt-4o-mini', 3, 0.0009),
  ];
  return { keys, usage };
}

/**
 * `?seed=rests`: the key states of failover. Main (in use) is rate-limited for `retryAfterSecs`,
 * Work (backup 1) is out of quota until tomorrow or a check, Old (backup 2) was refused as
 * invalid, Spare (backup 3) answers; and the OpenRouter key with its provider's figures.
 */
export function restsSeed(retryAfterSecs: number): { keys: StoredKey[]; usage: UsageRow[] } {
  const t = Date.now();
  const until = new Date(t + retryAfterSecs * 1000).toISOString();
  const keys = [
    seedKey(
      {
        id: 'k_main00openai',
        provider: 'openai',
        label: 'Main',
        masked: 'sk-proj-…M41n',
        enabled: true,
        usedMinsAgo: 1,
        rest: { cause: 'rate_limited', until, seconds_left: retryAfterSecs, note: 'OpenAI asked to wait (HTTP 429, Retry-After).' },
      },
      t,
    ),
    seedKey(
      {
        id: 'k_work00openai',
        provider: 'openai',
        label: 'Work',
        masked: 'sk-proj-…W0rk',
        backup_rank: 1,
        usedMinsAgo: 30,
        rest: { cause: 'quota', until: nextUtcDay(t), seconds_left: null, note: 'OpenAI says this key is out of quota: You exceeded your current quota.' },
      },
      t,
    ),
    seedKey(
      {
        id: 'k_old000openai',
        provider: 'openai',
        label: 'Old',
        masked: 'sk-proj-…0ld1',
        backup_rank: 2,
        behaviour: 'invalid',
        usedMinsAgo: 60 * 24,
        rest: { cause: 'invalid', until: null, seconds_left: null, note: 'OpenAI refused this key (HTTP 401): Incorrect API key provided.' },
      },
      t,
    ),
    seedKey({ id: 'k_spare0openai', provider: 'openai', label: 'Spare', masked: 'sk-proj-…Sp4r', backup_rank: 3 }, t),
    seedKey({ id: 'k_router000001', provider: 'openrouter', label: 'Router', masked: 'sk-or-v1-…r0ut', enabled: true, usedMinsAgo: 20 }, t),
  ];
  for (const k of keys) {
    if (k.info.rest) k.info.rest.seconds_left = k.info.rest.until ? Math.ceil((Date.parse(k.info.rest.until) - t) / 1000) : null;
  }
  return { keys, usage: [todayUsage(t, 'k_main00openai', 'openai', 'gpt-4o-mini', 9, 0.0024)] };
}
