/** Words and numbers shown to people: route labels, statuses, relative times, usage. */
import type { KeyInfo, ProviderId, ProviderSpec, RouteInfo, UsageRow, Verification } from '../bindings/core';

export function providerName(providers: readonly ProviderSpec[], id: ProviderId): string {
  return providers.find((p) => p.id === id)?.name ?? id;
}

/**
 * "Your OpenAI key sk-…a1b2", "Taskly" or "Taskly (fallback)"; with the signed-in account that
 * pays, "Taskly (ana@example.com)" or "Taskly (fallback, ana@example.com)", as the core's
 * `RouteInfo::describe` words it.
 */
export function routeLabel(route: RouteInfo, providers: readonly ProviderSpec[]): string {
  if (route.kind === 'personal') {
    const name = providerName(providers, route.provider);
    return `Your ${name} key ${route.masked ?? ''}`.trim();
  }
  const notes = [route.fallback ? 'fallback' : null, route.account ?? null].filter(Boolean);
  return notes.length ? `Taskly (${notes.join(', ')})` : 'Taskly';
}

/** The route a request to `provider` would take now, from the key list (and the signed-in account's email). */
export function expectedRoute(keys: readonly KeyInfo[], provider: ProviderId, account: string | null = null): RouteInfo {
  const key = keys.find((k) => k.provider === provider && k.enabled);
  if (key) {
    return { kind: 'personal', provider, key_id: key.id, label: key.label, masked: key.masked, fallback: false, account: null };
  }
  return { kind: 'taskly', provider, key_id: null, label: null, masked: null, fallback: false, account };
}

export const VERIFICATION_TEXT: Record<Verification, string> = {
  verified: 'Verified',
  unverified: 'Not checked',
  invalid: 'Failing',
  rate_limited: 'Rate limited',
  quota_exhausted: 'Out of quota',
};

export type Tone = 'ok' | 'neutral' | 'warn' | 'bad';

export const VERIFICATION_TONE: Record<Verification, Tone> = {
  verified: 'ok',
  unverified: 'neutral',
  invalid: 'bad',
  rate_limited: 'warn',
  quota_exhausted: 'warn',
};

const UNITS: [Intl.RelativeTimeFormatUnit, number][] = [
  ['year', 365 * 24 * 3600],
  ['month', 30 * 24 * 3600],
  ['week', 7 * 24 * 3600],
  ['day', 24 * 3600],
  ['hour', 3600],
  ['minute', 60],
];

/** "just now", "5 minutes ago", "yesterday". */
export function relativeTime(iso: string | null, now: number = Date.now()): string {
  if (!iso) return 'never';
  const then = Date.parse(iso);
  if (Number.isNaN(then)) return 'unknown';
  const secs = Math.round((then - now) / 1000);
  if (Math.abs(secs) < 45) return 'just now';
  const rtf = new Intl.RelativeTimeFormat('en', { numeric: 'auto' });
  for (const [unit, size] of UNITS) {
    if (Math.abs(secs) >= size) return rtf.format(Math.round(secs / size), unit);
  }
  return rtf.format(Math.round(secs / 60), 'minute');
}

/** An absolute date for tooltips. */
export function absoluteTime(iso: string | null): string {
  if (!iso) return '';
  const d = new Date(iso);
  return Number.isNaN(d.getTime()) ? '' : d.toLocaleString();
}

export function formatCount(n: number): string {
  if (n >= 10_000) return `${(n / 1000).toFixed(n >= 100_000 ? 0 : 1)}k`;
  return n.toLocaleString('en-US');
}

export interface UsageSummary {
  requests: number;
  failures: number;
  tokens: number;
  cost: number | null;
}

/** Today's date as the usage report writes it (UTC). */
export function todayUtc(now: number = Date.now()): string {
  return new Date(now).toISOString().slice(0, 10);
}

/** Sums a key's rows for one day. */
export function usageFor(rows: readonly UsageRow[], keyId: string, day: string): UsageSummary {
  let requests = 0;
  let failures = 0;
  let tokens = 0;
  let cost: number | null = null;
  for (const row of rows) {
    if (row.key_id !== keyId || row.day !== day) continue;
    requests += row.requests;
    failures += row.failures;
    tokens += row.input_tokens + row.output_tokens;
    if (row.estimated_cost_usd !== null) cost = (cost ?? 0) + row.estimated_cost_usd;
  }
  return { requests, failures, tokens, cost };
}

export function usageText(u: UsageSummary): string {
  if (u.requests === 0) return 'No requests today';
  const parts = [`${u.requests} ${u.requests === 1 ? 'request' : 'requests'}`, `${formatCount(u.tokens)} tokens`];
  if (u.failures > 0) parts.push(`${u.failures} failed`);
  if (u.cost !== null) {
    parts.push(u.cost < 0.0001 ? 'under $0.0001' : `≈ $${u.cost < 0.01 ? u.cost.toFixed(4) : u.cost.toFixed(2)}`);
  }
  return `Today: ${parts.join(' · ')}`;
}

/** "an OpenAI key" / "a Groq key": the article a name takes. */
export function withArticle(name: string): string {
  return /^[aeiou]/i.test(name) ? `an ${name}` : `a ${name}`;
}
