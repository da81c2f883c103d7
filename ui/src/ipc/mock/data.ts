/**
 * What the mock knows about providers. The registry, default models, key input errors and the
 * masking rule come from the core through the generated `bindings/registry.ts`, not copies; only
 * the models a "validation" finds and the demo seed are the mock's own.
 */
import type { KeyInfo, ProviderId, ProviderSpec, UsageRow } from '../../bindings/core';
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

/** A copy of a key's public record, so callers never hold the mock's own. */
export function copyKey(k: KeyInfo): KeyInfo {
  return { ...k, models: [...k.models] };
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
