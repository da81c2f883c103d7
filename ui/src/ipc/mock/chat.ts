/**
 * The mock's chat: `chat_start` streams an echo of the question (or rich Markdown for `#markdown`)
 * through the provider's key in use, or its first backup that is not resting, or Taskly without
 * one, failing as the question's `#markers` script it (see `faults.ts`): a rate limit, an empty
 * quota or a refusal rests the key and the next backup takes over (`failing_over`), else it falls
 * back to Taskly when allowed. It counts usage and writes a receipt for every request, with the
 * core's words for why it took its route.
 */
import type { ChatEvent, ErrorCode, ErrorPayload, ProviderSpec, Receipt, Rest, RouteInfo } from '../../bindings/core';
import { DEFAULT_MODELS } from '../../bindings/registry';
import type { ChatStreamEvent, TasklyApi } from '../commands';
import { errorPayload } from '../errors';
import { activeEmail } from './account';
import { maskKey, nextUtcDay, providerSpec, restNow } from './data';
import { FALLBACK_CODES, retriedOutage, scriptedFailure, streamCut, type ChatContext } from './faults';
import { sleep, type MockState, type StoredKey } from './state';

type ChatCommands = Pick<TasklyApi, 'chatStart' | 'chatCancel' | 'recentRequests'>;

/** How many receipts the mock keeps (the core keeps a bounded number too). */
const KEEP_RECEIPTS = 200;

/** The core's words for a key's rest in a receipt's "why" (`chat::failover::describe`). */
export function describeRest(label: string, rest: Rest): string {
  switch (rest.cause) {
    case 'rate_limited':
      return rest.seconds_left ? `\`${label}\` was rate-limited, free again in ${rest.seconds_left} s` : `\`${label}\` was rate-limited`;
    case 'quota':
      return `\`${label}\` is out of quota`;
    case 'invalid':
      return `\`${label}\` was refused as invalid`;
  }
}

/** The rest a failure puts a key in, as the core's failover decides (`None`: try the next key, no rest). */
function restFor(error: ErrorPayload): Rest | null {
  const at = Date.now();
  switch (error.code) {
    case 'rate_limited': {
      const secs = error.retry_after_secs ?? 1;
      return { cause: 'rate_limited', until: new Date(at + secs * 1000).toISOString(), seconds_left: secs, note: error.message };
    }
    case 'quota_exhausted':
      return { cause: 'quota', until: nextUtcDay(at), seconds_left: null, note: error.message };
    case 'invalid_key':
      return { cause: 'invalid', until: null, seconds_left: null, note: error.message };
    default:
      return null;
  }
}

/** The failures after which the next key is tried (the rest-causing ones and outages). */
const FAILOVER_CODES: readonly ErrorCode[] = ['rate_limited', 'quota_exhausted', 'invalid_key', 'upstream_outage', 'network_error'];

/** A personal route through `key`. */
function personalRoute(key: StoredKey): RouteInfo {
  const k = key.info;
  return { kind: 'personal', provider: k.provider, key_id: k.id, label: k.label, masked: k.masked, fallback: false, account: null };
}

/** The model the provider says answered (OpenAI names its dated snapshot). */
function answeredModel(model: string): string {
  return model === 'gpt-4o-mini' ? 'gpt-4o-mini-2024-07-18' : model;
}

/** The mock's price: gpt-4o-mini's ($0.15 / $0.60 per million tokens) for OpenAI and OpenRouter. */
function costOf(provider: ProviderSpec['id'], input: number, output: number): number | null {
  return provider === 'openai' || provider === 'openrouter' ? (input * 0.15 + output * 0.6) / 1_000_000 : null;
}

export function chatCommands(state: MockState): ChatCommands {
  const running = new Map<string, { cancelled: boolean }>();
  // A scripted failure happens once per identical question, so Retry then works.
  const failedOnce = new Set<string>();
  let requestCounter = 0;

  function countUsage(route: RouteInfo, model: string, input: number, output: number, failed: boolean) {
    const day = new Date().toISOString().slice(0, 10);
    let row = state.usage.find((r) => r.day === day && r.key_id === route.key_id && r.provider === route.provider && r.model === model);
    if (!row) {
      row = { day, key_id: route.key_id, provider: route.provider, model, requests: 0, failures: 0, input_tokens: 0, output_tokens: 0, estimated_cost_usd: null };
      state.usage.push(row);
    }
    row.requests += 1;
    if (failed) row.failures += 1;
    row.input_tokens += input;
    row.output_tokens += output;
    row.estimated_cost_usd = costOf(route.provider, row.input_tokens, row.output_tokens);
  }

  function keepReceipt(receipt: Receipt) {
    state.receipts.unshift(receipt);
    state.receipts.splice(KEEP_RECEIPTS);
  }

  async function runChat(
    request: Parameters<TasklyApi['chatStart']>[0],
    emit: (event: ChatStreamEvent) => void,
    run: { cancelled: boolean },
  ) {
    const provider = providerSpec(request.provider);
    const model = request.model ?? DEFAULT_MODELS[provider.id];
    const question = [...request.messages].reverse().find((m) => m.role === 'user')?.content ?? '';
    // The prompt guard checks the question (the last message) before anything is sent.
    const secret = request.allow_secrets ? null : keyShaped(request.messages.at(-1)?.content ?? '');
    if (secret) {
      await sleep(Math.max(1, state.chunkDelay));
      emit({ type: 'failed', error: promptHasSecret(secret) });
      return;
    }
    const marker = (name: string) => question.toLowerCase().includes(`#${name}`);
    const scripted = !failedOnce.has(question);
    // The key in use, then the backups in their order; a resting one is skipped, and the receipt
    // says why.
    const candidates = state.keys
      .filter((k) => k.info.provider === provider.id && (k.info.enabled || k.info.backup_rank !== null))
      .sort((a, b) => (a.info.enabled ? 0 : (a.info.backup_rank ?? 0)) - (b.info.enabled ? 0 : (b.info.backup_rank ?? 0)));
    const skipped: string[] = [];
    const freeAfter = (from: StoredKey | undefined) => {
      const start = from ? candidates.indexOf(from) + 1 : 0;
      for (const c of candidates.slice(start)) {
        const rest = restNow(c.info.rest);
        if (!rest) return c;
        skipped.push(describeRest(c.info.label, rest));
      }
      return undefined;
    };
    let key = freeAfter(undefined);
    const began = candidates.length > 0;
    const taskly = (fallback: boolean): RouteInfo => ({ kind: 'taskly', provider: provider.id, key_id: null, label: null, masked: null, fallback, account: activeEmail(state) });
    let route: RouteInfo = key ? personalRoute(key) : taskly(false);
    const started = Date.now();
    let firstTokenAt: number | null = null;
    const why = (): string => {
      const after = skipped.join('; ');
      if (route.kind === 'personal') return after ? `backup: ${after}` : 'primary';
      if (route.fallback) return after ? `Taskly: fallback is on and ${after}` : 'Taskly: fallback is on and your key failed';
      return began ? 'Taskly' : 'Taskly: no personal key is switched on for this provider';
    };
    const receipt = (input: number | null, output: number | null, error: ErrorCode | null): Receipt => ({
      at: new Date(started).toISOString(),
      route,
      provider: provider.id,
      model,
      model_answered: error ? null : answeredModel(model),
      input_tokens: input,
      output_tokens: output,
      estimated_cost_usd: input !== null && output !== null ? costOf(provider.id, input, output) : null,
      first_token_ms: firstTokenAt === null ? null : firstTokenAt - started,
      total_ms: Date.now() - started,
      why: why(),
      error,
    });
    // Failures are worded for the route the turn started on, even after a fallback.
    const ctx: ChatContext = { provider, route, model, key, retryAfterSecs: state.retryAfterSecs };
    const inputTokens = Math.ceil(request.messages.reduce((n, m) => n + m.content.length, 0) / 4) + 3;
    const slow = marker('slow');
    const step = async (factor = 1) => {
      await sleep(Math.max(1, state.chunkDelay * factor * (slow ? 8 : 1)));
      if (run.cancelled) throw new Cancelled();
    };
    const fail = (error: ErrorPayload) => {
      failedOnce.add(question);
      countUsage(route, model, inputTokens, 0, true);
      keepReceipt(receipt(inputTokens, 0, error.code));
      emit({ type: 'failed', error });
    };

    try {
      await step(4);
      emit({ type: 'started', route, model } satisfies ChatEvent);

      if (scripted && marker('retry')) {
        emit({ type: 'retrying', attempt: 1, max_retries: 2, wait_ms: 1200, error: retriedOutage(ctx) });
        await sleep(1200);
        if (run.cancelled) throw new Cancelled();
      }

      // Every key of the provider resting: nothing is sent (the core's resting error), unless
      // Taskly may answer.
      if (began && !key) {
        const first = candidates[0];
        const rest = first ? restNow(first.info.rest) : null;
        const resting = restingError(provider, first?.info.label ?? '', rest);
        if (!state.settings.fallbackToTaskly) {
          fail(resting);
          return;
        }
        emit({ type: 'falling_back', error: resting });
        route = taskly(true);
        emit({ type: 'started', route, model });
      }

      let failure = scripted ? scriptedFailure(marker, ctx) : null;
      // The key failed: it rests as the core decides, and the next free backup takes over.
      while (failure && key && route.kind === 'personal' && FAILOVER_CODES.includes(failure.code)) {
        const failed: StoredKey = key;
        failedOnce.add(question);
        countUsage(route, model, inputTokens, 0, true);
        // The mock rests a key only in a failover order (a key with backups, or a backup), so
        // the single-key flows keep showing each failure as before; the core rests every key.
        const rest = candidates.length > 1 ? restFor(failure) : null;
        if (rest) failed.info.rest = rest;
        if (failure.code === 'invalid_key') {
          failed.info.verification = 'invalid';
          failed.info.verification_note = failure.message;
        }
        skipped.push(rest ? describeRest(failed.info.label, rest) : `\`${failed.info.label}\` did not answer`);
        const next = freeAfter(failed);
        if (!next) {
          skipped.pop();
          break;
        }
        emit({ type: 'failing_over', error: failure });
        key = next;
        route = personalRoute(next);
        await step(3);
        emit({ type: 'started', route, model });
        failure = null;
      }
      if (failure) {
        const canFallBack = state.settings.fallbackToTaskly && route.kind === 'personal' && FALLBACK_CODES.includes(failure.code);
        if (!canFallBack) {
          fail(failure);
          return;
        }
        failedOnce.add(question);
        countUsage(route, model, inputTokens, 0, true);
        emit({ type: 'falling_back', error: failure });
        if (key && route.kind === 'personal') {
          const rest = restNow(key.info.rest);
          skipped.push(rest ? describeRest(key.info.label, rest) : `\`${key.info.label}\` failed`);
        }
        route = taskly(true);
        await step(3);
      }

      const needsSignIn = route.kind === 'taskly' && ((scripted && marker('signin')) || (state.options.requireSignIn && !state.activeAccount));
      if (needsSignIn) {
        fail(signInRequired(provider.id));
        return;
      }

      const answer = marker('markdown') ? markdownAnswer(question) : echoAnswer(question, route, provider, model);
      const chunks = answer.match(/[\s\S]{1,7}/g) ?? [];
      const cutAt = scripted && marker('cut') ? Math.floor(chunks.length / 2) : -1;
      let sent = '';
      for (let i = 0; i < chunks.length; i += 1) {
        if (i === cutAt) {
          fail(streamCut(ctx, sent));
          return;
        }
        await step();
        firstTokenAt ??= Date.now();
        const text = chunks[i] ?? '';
        sent += text;
        emit({ type: 'delta', text });
      }
      const outputTokens = Math.ceil(answer.length / 4);
      countUsage(route, model, inputTokens, outputTokens, false);
      if (key && route.kind === 'personal') key.info.last_used_at = new Date().toISOString();
      const done = receipt(inputTokens, outputTokens, null);
      keepReceipt(done);
      emit({
        type: 'finished',
        route,
        model,
        usage: { input_tokens: inputTokens, output_tokens: outputTokens },
        finish_reason: 'stop',
        warnings: [],
        receipt: done,
      });
    } catch (e) {
      if (e instanceof Cancelled) {
        emit({ type: 'failed', error: errorPayload('cancelled', 'Cancelled.') });
        return;
      }
      emit({ type: 'failed', error: errorPayload('internal', `The demo service failed: ${String(e)}`, { action: 'report_bug' }) });
    }
  }

  return {
    async chatStart(request, onEvent) {
      state.record('chat_start', { request });
      requestCounter += 1;
      const requestId = `r_${requestCounter}`;
      const run = { cancelled: false };
      running.set(requestId, run);
      void runChat(request, onEvent, run).finally(() => running.delete(requestId));
      await state.wait();
      return requestId;
    },

    async recentRequests(count: number) {
      state.record('recent_requests', { count });
      await state.wait();
      return structuredClone(state.receipts.slice(0, Math.max(1, Math.min(count, KEEP_RECEIPTS))));
    },

    async chatCancel(requestId: string) {
      state.record('chat_cancel', { requestId });
      const run = running.get(requestId);
      if (run) run.cancelled = true;
    },
  };
}

class Cancelled extends Error {}

/** Something key-shaped, as the core's prompt guard sees it (the provider prefixes it knows). */
const KEY_SHAPE = /\b(sk-ant-|sk-|gsk_|xai-|AIza)[A-Za-z0-9_-]{20,}/;

const SHAPE_PROVIDERS: Record<string, ProviderSpec['id']> = { 'sk-ant-': 'anthropic', 'sk-': 'openai', gsk_: 'groq', 'xai-': 'xai', AIza: 'gemini' };

/** The first key-shaped token of `text`, masked and named, or `null`. */
export function keyShaped(text: string): string | null {
  const match = KEY_SHAPE.exec(text);
  if (!match) return null;
  const provider = providerSpec(SHAPE_PROVIDERS[match[1] ?? 'sk-'] ?? 'openai');
  return `${provider.name} key ${maskKey(provider, match[0])}`;
}

/** The core's refusal: nothing was sent. */
function promptHasSecret(what: string): ErrorPayload {
  return errorPayload(
    'prompt_has_secret',
    `This question holds what looks like an API key (${what}): remove it before sending. Nothing was sent. If you mean to send it, send anyway.`,
    { action: 'fix_input' },
  );
}

/** The core's error for a provider whose keys all rest: nothing was sent. */
function restingError(provider: ProviderSpec, label: string, rest: Rest | null): ErrorPayload {
  const extra = { provider: provider.id, via_taskly: false };
  switch (rest?.cause) {
    case 'rate_limited': {
      const secs = rest.seconds_left ?? 1;
      return errorPayload('rate_limited', `${provider.name} is rate limiting your key “${label}” (free again in ${secs} s), and no other key is free. Nothing was sent.`, { ...extra, action: 'wait_and_retry', retry_after_secs: secs });
    }
    case 'quota':
      return errorPayload('quota_exhausted', `Your ${provider.name} key “${label}” is out of quota, and no other key is free. Nothing was sent. Check your plan and billing, then check the key again.`, { ...extra, action: 'check_billing', link: provider.billing_page });
    default:
      return errorPayload('invalid_key', `${provider.name} refused your key “${label}” as invalid, and no other key is free. Nothing was sent. Replace the key or check it again.`, { ...extra, action: 'update_key', link: provider.key_page });
  }
}

function signInRequired(provider: ProviderSpec['id']): ErrorPayload {
  return errorPayload(
    'sign_in_required',
    'You are not signed in to Taskly. To ask through Taskly, sign in: run `taskly auth login` (or use Sign in in the app). Or switch on a personal key for this provider.',
    { action: 'sign_in', provider, via_taskly: true },
  );
}

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
