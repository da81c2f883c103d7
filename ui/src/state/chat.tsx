/**
 * The palette's conversation for this session, kept in memory only (never in web storage), and
 * the streaming of each answer from `chat_start`'s channel.
 */
import { createContext, useCallback, useContext, useMemo, useRef, useState, type ReactNode } from 'react';
import type { ErrorPayload, ProviderId, Receipt, RouteInfo, TokenUsage } from '../bindings/core';
import type { ChatMessage, ChatStreamEvent } from '../ipc/commands';
import { toErrorPayload } from '../ipc/errors';
import { useData } from './data';

export type TurnStatus = 'waiting' | 'streaming' | 'done' | 'failed' | 'cancelled';

export interface RetryInfo {
  attempt: number;
  maxRetries: number;
  /** When the retry happens (ms since epoch). */
  at: number;
  error: ErrorPayload;
}

/** A key that failed during the turn, and the backup that took over (once its `started` came). */
export interface Failover {
  error: ErrorPayload;
  /** The route that failed. */
  from: RouteInfo | null;
  /** The backup's route, once it started. */
  to: RouteInfo | null;
}

export interface Turn {
  id: string;
  question: string;
  provider: ProviderId;
  model: string | null;
  status: TurnStatus;
  text: string;
  route: RouteInfo | null;
  answeredModel: string | null;
  usage: TokenUsage | null;
  warnings: string[];
  retry: RetryInfo | null;
  fallback: ErrorPayload | null;
  /** Keys that failed and the backups that took over, in order. */
  failovers: Failover[];
  /** What the answer cost and why it took its route (with `finished`). */
  receipt: Receipt | null;
  error: ErrorPayload | null;
  /** When the error happened, for countdowns (ms since epoch). */
  errorAt: number | null;
  /** Sent with the prompt guard waived ("Send anyway"). */
  allowSecrets: boolean;
}

export interface Chat {
  turns: Turn[];
  running: boolean;
  send(question: string, provider: ProviderId, model: string | null): void;
  cancel(): void;
  retry(turnId: string): void;
  /**
   * The prompt guard's "Send anyway": asks a turn's question again (in its place) with
   * `allow_secrets`, for a person who means to send what looks like a key.
   */
  sendAnyway(turnId: string): void;
  /** The prompt guard's "Edit question": takes a turn that was not sent out, returning its question. */
  withdraw(turnId: string): string | null;
  clear(): void;
}

const ChatContext = createContext<Chat | null>(null);

export function useChat(): Chat {
  const ctx = useContext(ChatContext);
  if (!ctx) throw new Error('useChat outside ChatProvider');
  return ctx;
}

let turnCounter = 0;

const isOpen = (t: Turn) => t.status === 'waiting' || t.status === 'streaming';

/** Applies one channel event to a turn. Events for a turn that has ended are ignored. */
export function applyEvent(turn: Turn, event: ChatStreamEvent, now: number): Turn {
  if (!isOpen(turn)) return turn;
  switch (event.type) {
    case 'started': {
      // A `started` after `failing_over` names the backup that took over.
      const last = turn.failovers.at(-1);
      const failovers =
        last && last.to === null ? [...turn.failovers.slice(0, -1), { ...last, to: event.route }] : turn.failovers;
      return { ...turn, route: event.route, answeredModel: event.model, failovers };
    }
    case 'failing_over':
      return { ...turn, failovers: [...turn.failovers, { error: event.error, from: turn.route, to: null }], retry: null };
    case 'retrying':
      return {
        ...turn,
        retry: { attempt: event.attempt, maxRetries: event.max_retries, at: now + event.wait_ms, error: event.error },
      };
    case 'falling_back':
      return { ...turn, fallback: event.error, retry: null };
    case 'delta':
      return { ...turn, status: 'streaming', text: turn.text + event.text, retry: null };
    case 'finished':
      return {
        ...turn,
        status: 'done',
        route: event.route,
        answeredModel: event.model,
        usage: event.usage,
        warnings: event.warnings,
        receipt: event.receipt,
        retry: null,
      };
    case 'failed':
      if (event.error.code === 'cancelled') return { ...turn, status: 'cancelled', retry: null };
      return {
        ...turn,
        status: 'failed',
        error: event.error,
        errorAt: now,
        retry: null,
        text: turn.text || event.error.partial_text || '',
      };
  }
}

function history(turns: Turn[]): ChatMessage[] {
  const messages: ChatMessage[] = [];
  for (const t of turns) {
    if (t.status !== 'done') continue;
    messages.push({ role: 'user', content: t.question }, { role: 'assistant', content: t.text });
  }
  return messages;
}

export function ChatProvider({ children }: { children: ReactNode }) {
  const { api, refreshKeys, refreshUsage } = useData();
  const [turns, setTurns] = useState<Turn[]>([]);
  const turnsRef = useRef<Turn[]>([]);
  // Request ids by turn, and turns cancelled before their id arrived.
  const requestIds = useRef(new Map<string, string>());
  const cancelPending = useRef(new Set<string>());

  const update = useCallback((fn: (list: Turn[]) => Turn[]) => {
    setTurns((list) => {
      const next = fn(list);
      turnsRef.current = next;
      return next;
    });
  }, []);

  const settle = useCallback(() => {
    void refreshKeys();
    void refreshUsage();
  }, [refreshKeys, refreshUsage]);

  const start = useCallback(
    (question: string, provider: ProviderId, model: string | null, before: Turn[], allowSecrets = false) => {
      turnCounter += 1;
      const turn: Turn = {
        id: `t${turnCounter}`,
        question,
        provider,
        model,
        status: 'waiting',
        text: '',
        route: null,
        answeredModel: null,
        usage: null,
        warnings: [],
        retry: null,
        fallback: null,
        failovers: [],
        receipt: null,
        error: null,
        errorAt: null,
        allowSecrets,
      };
      update(() => [...before, turn]);
      const messages: ChatMessage[] = [...history(before), { role: 'user', content: question }];
      const onEvent = (event: ChatStreamEvent) => {
        const at = Date.now();
        update((list) => list.map((t) => (t.id === turn.id ? applyEvent(t, event, at) : t)));
        if (event.type === 'finished' || event.type === 'failed') {
          requestIds.current.delete(turn.id);
          // Last use, verification and usage may have changed.
          settle();
        }
      };
      api
        .chatStart({ provider, model, messages, max_tokens: null, allow_secrets: allowSecrets }, onEvent)
        .then((requestId) => {
          requestIds.current.set(turn.id, requestId);
          if (cancelPending.current.delete(turn.id)) void api.chatCancel(requestId);
        })
        .catch((e: unknown) => onEvent({ type: 'failed', error: toErrorPayload(e) }));
    },
    [api, update, settle],
  );

  const send = useCallback(
    (question: string, provider: ProviderId, model: string | null) => {
      if (turnsRef.current.some(isOpen)) return;
      start(question, provider, model, turnsRef.current);
    },
    [start],
  );

  const cancel = useCallback(() => {
    for (const t of turnsRef.current) {
      if (!isOpen(t)) continue;
      const id = requestIds.current.get(t.id);
      if (id) void api.chatCancel(id);
      else cancelPending.current.add(t.id);
    }
    update((list) => list.map((t) => (isOpen(t) ? { ...t, status: 'cancelled', retry: null } : t)));
  }, [api, update]);

  const retry = useCallback(
    (turnId: string) => {
      const list = turnsRef.current;
      const at = list.findIndex((t) => t.id === turnId);
      const turn = list[at];
      if (!turn || list.some(isOpen)) return;
      // A question sent anyway stays sent anyway when it is retried.
      start(turn.question, turn.provider, turn.model, list.slice(0, at), turn.allowSecrets);
    },
    [start],
  );

  const sendAnyway = useCallback(
    (turnId: string) => {
      const list = turnsRef.current;
      const at = list.findIndex((t) => t.id === turnId);
      const turn = list[at];
      if (!turn || list.some(isOpen)) return;
      start(turn.question, turn.provider, turn.model, list.slice(0, at), true);
    },
    [start],
  );

  const withdraw = useCallback(
    (turnId: string) => {
      const turn = turnsRef.current.find((t) => t.id === turnId);
      if (!turn || isOpen(turn)) return null;
      update((list) => list.filter((t) => t.id !== turnId));
      return turn.question;
    },
    [update],
  );

  const clear = useCallback(() => {
    cancel();
    update(() => []);
  }, [cancel, update]);

  const running = turns.some(isOpen);
  const value = useMemo<Chat>(
    () => ({ turns, running, send, cancel, retry, sendAnyway, withdraw, clear }),
    [turns, running, send, cancel, retry, sendAnyway, withdraw, clear],
  );
  return <ChatContext.Provider value={value}>{children}</ChatContext.Provider>;
}
