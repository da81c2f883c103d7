/**
 * The scripted faults, for demos and tests: how a key "validates" by the words in its plaintext,
 * and how a chat fails by the `#markers` in its question. The messages are written the way the
 * core words them, so the UI shows what it would show for the real failure.
 */
import type { ErrorCode, ErrorPayload, ProviderSpec, RouteInfo, Verification } from '../../bindings/core';
import { hostOf } from '../../lib/keyHygiene';
import { errorPayload } from '../errors';
import { MODELS } from './data';
import type { MockState, StoredKey } from './state';

/** How a key is scripted to behave, from a word in its plaintext (`ok` without one). */
export type Behaviour = 'ok' | 'invalid' | 'offline' | 'timeout' | 'ratelimit' | 'quota' | 'locked';

export function behaviourOf(secret: string): Behaviour {
  const s = secret.toLowerCase();
  for (const b of ['invalid', 'offline', 'timeout', 'ratelimit', 'quota', 'locked'] as const) {
    if (s.includes(b)) return b;
  }
  return 'ok';
}

/** A key whose plaintext says `locked`: the credential store refuses to store it. */
export function lockedStoreError(storeName: string): ErrorPayload {
  return errorPayload(
    'credential_store_locked',
    `Your system's credential store (${storeName}) is locked or refused access: the collection is locked. Unlock your keyring (log in again, or open Passwords and Keys) and try again.`,
    { action: 'unlock_credential_store' },
  );
}

export interface Outcome {
  verification: Verification;
  note: string | null;
  models: string[] | null;
}

/** What validating a key with this behaviour gives; throws the refusals. */
export async function validate(
  state: MockState,
  provider: ProviderSpec,
  baseUrl: string,
  behaviour: Behaviour,
  verify: boolean,
): Promise<Outcome> {
  if (!verify) {
    return { verification: 'unverified', note: 'Saved without checking: it is checked on first use.', models: null };
  }
  await state.wait(state.validationMs);
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

/** Who a chat turn is talking to, for wording its scripted failures. */
export interface ChatContext {
  provider: ProviderSpec;
  route: RouteInfo;
  model: string;
  /** The key the turn uses, if it goes through a personal key. */
  key: StoredKey | undefined;
  retryAfterSecs: number;
}

function upstreamOf(ctx: ChatContext): string {
  return ctx.route.kind === 'personal' ? ctx.provider.name : 'Taskly';
}

function extraOf(ctx: ChatContext): Partial<ErrorPayload> {
  return { provider: ctx.provider.id, via_taskly: ctx.route.kind === 'taskly' };
}

/** `#retry`: the outage the first attempt meets before the shell retries it. */
export function retriedOutage(ctx: ChatContext): ErrorPayload {
  return errorPayload('upstream_outage', `${upstreamOf(ctx)} is having trouble (HTTP 503): overloaded. This is not about your key; try again in a moment.`, { ...extraOf(ctx), action: 'retry' });
}

/** The failure a question's first `#marker` scripts, or `null` for none. */
export function scriptedFailure(marker: (name: string) => boolean, ctx: ChatContext): ErrorPayload | null {
  const { provider, route, model, key, retryAfterSecs } = ctx;
  const whose = route.kind === 'personal' ? 'your key' : 'your Taskly account';
  const upstream = upstreamOf(ctx);
  const extra = extraOf(ctx);
  if (marker('ratelimit')) {
    return errorPayload('rate_limited', `${upstream} is rate limiting ${whose} right now (try again in ${retryAfterSecs} s). Wait a moment and try again.`, { ...extra, action: 'wait_and_retry', retry_after_secs: retryAfterSecs });
  } else if (marker('quota')) {
    return errorPayload('quota_exhausted', `${upstream} says ${whose} is out of quota or credit: You exceeded your current quota. Check your plan and billing with ${upstream}.`, { ...extra, action: 'check_billing', link: route.kind === 'personal' ? provider.billing_page : 'https://taskly.chat/billing' });
  } else if (marker('invalid')) {
    return route.kind === 'personal'
      ? errorPayload('invalid_key', `${provider.name} refused this key (HTTP 401): Incorrect API key provided. Check that you copied the whole key, or create a new one.`, { ...extra, action: 'update_key', link: provider.key_page })
      : errorPayload('proxy_token_rejected', 'Taskly refused the sign-in token (expired). Sign in again, or set TASKLY_PROXY_TOKEN.', { ...extra, action: 'sign_in' });
  } else if (marker('outage')) {
    return errorPayload('upstream_outage', `${upstream} is having trouble (HTTP 503): The server is overloaded. This is not about your key; try again in a moment.`, { ...extra, action: 'retry' });
  } else if (marker('network')) {
    return errorPayload('network_error', `Could not reach ${upstream} at ${hostOf(key?.info.base_url) ?? 'proxy.taskly.chat'}: network is unreachable. Check your connection and try again.`, { ...extra, action: 'retry' });
  } else if (marker('certificate')) {
    const host = hostOf(key?.info.base_url) ?? 'proxy.taskly.chat';
    return errorPayload('untrusted_certificate', `The certificate of ${host} is not trusted (invalid peer certificate: UnknownIssuer), so nothing was sent to ${upstream}. If your company inspects HTTPS traffic, add its certificate authority to the system's certificates; otherwise someone may be intercepting the connection.`, { ...extra, action: 'check_certificates' });
  } else if (marker('model')) {
    return errorPayload('model_not_available', `The model "${model}" is not available ${route.kind === 'personal' ? `to your ${provider.name} key` : 'through Taskly'}: The model does not exist or you do not have access to it. Pick another model.`, { ...extra, action: 'pick_model' });
  }
  return null;
}

/** `#cut`: the stream stops half way; what arrived is kept. */
export function streamCut(ctx: ChatContext, partialText: string): ErrorPayload {
  return errorPayload('stream_cut', `The answer from ${upstreamOf(ctx)} stopped half way (connection reset). What arrived is kept; try again for the rest.`, { ...extraOf(ctx), action: 'retry', partial_text: partialText });
}

/** The failures the shell falls back to Taskly for, when the user allowed it. */
export const FALLBACK_CODES: readonly ErrorCode[] = ['rate_limited', 'quota_exhausted', 'invalid_key', 'upstream_outage', 'network_error'];
