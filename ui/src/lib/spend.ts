/**
 * Words for issue 13's key order, rests, the providers' own figures and receipts: "In use",
 * "Backup 1", "Rate-limited — free again in 18 s", "OpenRouter says: $3.21 used of $10.00, $6.79
 * left · as of 21:00", a receipt's one line. The decisions are the core's; these only word them.
 */
import type { ErrorPayload, KeyInfo, Money, ProviderBalance, ProviderSpec, Receipt, Rest, RouteInfo } from '../bindings/core';
import { formatCount, routeLabel } from './format';

/** A key's place among its provider's keys. */
export type KeyPlace = { kind: 'primary' } | { kind: 'backup'; position: number } | { kind: 'off' };

/**
 * Where `key` stands: in use, the n-th backup (counted among the provider's backups in their
 * order, so ranks with gaps still read 1, 2, 3), or off.
 */
export function keyPlace(key: KeyInfo, all: readonly KeyInfo[]): KeyPlace {
  if (key.enabled) return { kind: 'primary' };
  if (key.backup_rank === null) return { kind: 'off' };
  const ranks = all
    .filter((k) => k.provider === key.provider && !k.enabled && k.backup_rank !== null)
    .map((k) => k.backup_rank ?? 0)
    .sort((a, b) => a - b);
  return { kind: 'backup', position: ranks.indexOf(key.backup_rank) + 1 };
}

export function placeText(place: KeyPlace): string {
  return place.kind === 'primary' ? 'In use' : place.kind === 'backup' ? `Backup ${place.position}` : 'Off';
}

/** Sort order within a provider: in use, then the backups in order, then the keys that are off. */
export function orderRank(key: KeyInfo): number {
  if (key.enabled) return 0;
  return key.backup_rank ?? Number.MAX_SAFE_INTEGER;
}

/** Seconds left of a rest at `now`, from its end time (0: over), or `null` for one without an end. */
export function restSecondsLeft(rest: Rest, now: number): number | null {
  if (rest.until === null) return null;
  const until = Date.parse(rest.until);
  if (Number.isNaN(until)) return rest.seconds_left;
  return Math.max(0, Math.ceil((until - now) / 1000));
}

/** "18 s", "4 min 10 s", "2 h 5 min". */
export function duration(secs: number): string {
  if (secs < 60) return `${secs} s`;
  if (secs < 3600) {
    const s = secs % 60;
    return `${Math.floor(secs / 60)} min${s ? ` ${s} s` : ''}`;
  }
  const m = Math.floor((secs % 3600) / 60);
  return `${Math.floor(secs / 3600)} h${m ? ` ${m} min` : ''}`;
}

/** A time of day, "21:00" (24-hour, local), for "as of" and "until". */
export function clockTime(iso: string): string {
  const d = new Date(iso);
  if (Number.isNaN(d.getTime())) return iso;
  return d.toLocaleTimeString('en-GB', { hour: '2-digit', minute: '2-digit' });
}

/** Why a resting key is not used, and until when, for its card. */
export function restText(rest: Rest, secondsLeft: number | null): string {
  switch (rest.cause) {
    case 'rate_limited':
      return secondsLeft !== null && secondsLeft > 0
        ? `Rate-limited — free again in ${duration(secondsLeft)}`
        : 'Rate-limited — free again now';
    case 'quota':
      return 'Out of quota — resting until you check it again or tomorrow';
    case 'invalid':
      return 'Refused as invalid — not used until you check it again';
  }
}

/** `$3.21` in US dollars, `110.00 CNY` otherwise (as the core's `Money` displays). */
export function money(m: Money): string {
  return m.currency === 'USD' ? `$${m.amount.toFixed(2)}` : `${m.amount.toFixed(2)} ${m.currency}`;
}

/** "OpenRouter says: $3.21 used of $10.00, $6.79 left · as of 21:00". */
export function balanceText(b: ProviderBalance, providerName: string): string {
  let figures: string;
  if (b.source === 'openrouter_key') {
    const used = b.used ? `${money(b.used)} used` : 'usage unknown';
    if (b.limit && b.remaining) figures = `${used} of ${money(b.limit)}, ${money(b.remaining)} left`;
    else if (b.limit) figures = `${used} of ${money(b.limit)}`;
    else figures = `${used}, no limit set on the key`;
  } else {
    figures = b.remaining ? `${money(b.remaining)} balance` : 'no balance';
  }
  return `${providerName} says: ${figures} · as of ${clockTime(b.fetched_at)}`;
}

/** The core's sentence for a provider without a spend call a normal key may use. */
export function noBalanceCallText(spec: ProviderSpec): string {
  return `${spec.name} has no call a normal key may use to read its spend`;
}

/** What happened to a key, in a few words: "was rate-limited", "is out of quota". */
export function failureWords(error: ErrorPayload): string {
  switch (error.code) {
    case 'rate_limited':
      return 'was rate-limited';
    case 'quota_exhausted':
      return 'is out of quota';
    case 'invalid_key':
      return 'was refused as invalid';
    case 'upstream_outage':
    case 'upstream_timeout':
      return 'did not answer';
    case 'network_error':
      return 'could not be reached';
    default:
      return 'failed';
  }
}

/** The short live note of a failover: "“Main” was rate-limited; your backup “Work” answers." */
export function failoverText(from: RouteInfo | null, to: RouteInfo | null, error: ErrorPayload): string {
  const who = from?.label ? `“${from.label}”` : 'Your key';
  const next = to?.label ? `your backup “${to.label}” answers` : 'trying your backup…';
  return `${who} ${failureWords(error)}; ${next}${to ? '.' : ''}`;
}

/** Seconds with one decimal: "0.4 s". */
export function seconds(ms: number): string {
  return `${(ms / 1000).toFixed(1)} s`;
}

/** "~$0.0004", "under $0.0001", "~$0.12". */
export function costText(usd: number): string {
  if (usd < 0.0001) return 'under $0.0001';
  return `~$${usd < 0.01 ? usd.toFixed(4) : usd.toFixed(2)}`;
}

/** Who paid, in a receipt: "“Work” sk-proj-…W0rk" or "Taskly (ana@example.com)". */
export function payerText(route: RouteInfo, providers: readonly ProviderSpec[]): string {
  if (route.kind === 'personal') return `${route.label ? `“${route.label}” ` : ''}${route.masked ?? ''}`.trim();
  return routeLabel(route, providers);
}

/** The receipt in one line: key or Taskly, model answered, tokens, ~cost, time. */
export function receiptLine(r: Receipt, providers: readonly ProviderSpec[]): string {
  const parts = [payerText(r.route, providers), r.model_answered ?? r.model];
  if (r.input_tokens !== null && r.output_tokens !== null) {
    parts.push(`${formatCount(r.input_tokens)} in / ${formatCount(r.output_tokens)} out`);
  }
  if (r.estimated_cost_usd !== null) parts.push(costText(r.estimated_cost_usd));
  parts.push(seconds(r.total_ms));
  return parts.join(' · ');
}
