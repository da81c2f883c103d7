/**
 * The mock's chat: `chat_start` streams an echo of the question (or rich Markdown for `#markdown`)
 * through the enabled key of the provider, or Taskly without one, failing as the question's
 * `#markers` script it (see `faults.ts`), falling back to Taskly when allowed, and counting usage.
 */
import type { ChatEvent, ErrorPayload, ProviderSpec, RouteInfo } from '../../bindings/core';
import { DEFAULT_MODELS } from '../../bindings/registry';
import type { ChatStreamEvent, TasklyApi } from '../commands';
import { errorPayload } from '../errors';
import { activeEmail } from './account';
import { providerSpec } from './data';
import { FALLBACK_CODES, retriedOutage, scriptedFailure, streamCut, type ChatContext } from './faults';
import { sleep, type MockState } from './state';

type ChatCommands = Pick<TasklyApi, 'chatStart' | 'chatCancel'>;

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
    if (route.provider === 'openai') row.estimated_cost_usd = (row.input_tokens * 0.15 + row.output_tokens * 0.6) / 1_000_000;
  }

  async function runChat(
    request: Parameters<TasklyApi['chatStart']>[0],
    emit: (event: ChatStreamEvent) => void,
    run: { cancelled: boolean },
  ) {
    const provider = providerSpec(request.provider);
    const model = request.model ?? DEFAULT_MODELS[provider.id];
    const question = [...request.messages].reverse().find((m) => m.role === 'user')?.content ?? '';
    const marker = (name: string) => question.toLowerCase().includes(`#${name}`);
    const scripted = !failedOnce.has(question);
    const key = state.keys.find((k) => k.info.provider === provider.id && k.info.enabled);
    let route: RouteInfo = key
      ? { kind: 'personal', provider: provider.id, key_id: key.info.id, label: key.info.label, masked: key.info.masked, fallback: false, account: null }
      : { kind: 'taskly', provider: provider.id, key_id: null, label: null, masked: null, fallback: false, account: activeEmail(state) };
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

      const failure = scripted ? scriptedFailure(marker, ctx) : null;
      if (failure?.code === 'invalid_key' && key && route.kind === 'personal') {
        key.info.verification = 'invalid';
        key.info.verification_note = failure.message;
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
        route = { kind: 'taskly', provider: provider.id, key_id: null, label: null, masked: null, fallback: true, account: activeEmail(state) };
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

    async chatCancel(requestId: string) {
      state.record('chat_cancel', { requestId });
      const run = running.get(requestId);
      if (run) run.cancelled = true;
    },
  };
}

class Cancelled extends Error {}

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
