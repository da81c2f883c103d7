/**
 * The command palette chat (cmdk inside a Radix dialog). Opens focused on the question; Enter
 * sends, Shift+Enter adds a line, Esc stops a running answer or closes. Typing also offers
 * actions (clear, settings, another provider) that the arrow keys reach.
 */
import * as Dialog from '@radix-ui/react-dialog';
import { Command } from 'cmdk';
import { useEffect, useId, useLayoutEffect, useRef, useState, type KeyboardEvent } from 'react';
import type { ProviderId } from '../../bindings/core';
import { expectedRoute, providerName, routeLabel } from '../../lib/format';
import { DEFAULT_MODEL, modelsFor } from '../../lib/models';
import { useAccount } from '../../state/account';
import { useChat } from '../../state/chat';
import { useData } from '../../state/data';
import { useNav } from '../../state/nav';
import { CloseIcon, GearIcon, SendIcon, SparkIcon, StopIcon, TrashIcon } from '../Icons';
import { Select } from '../Select';
import { useUpdates } from '../updates/UpdatesProvider';
import { preloadMarkdown } from './lazyMarkdown';
import { RouteBadge, TurnView } from './TurnView';

interface Props {
  open: boolean;
  onOpenChange(open: boolean): void;
  /** Bumped to move focus back to the question (Ctrl+K while open). */
  focusSignal: number;
}

interface Action {
  value: string;
  label: string;
  keywords: string[];
  run(): void;
}

export function Palette({ open, onOpenChange, focusSignal }: Props) {
  const { keys, providers } = useData();
  const account = useAccount().status?.active?.email ?? null;
  const chat = useChat();
  const nav = useNav();
  const updates = useUpdates();
  const uid = useId();
  const [text, setText] = useState('');
  const [active, setActive] = useState('ask');
  const [providerChoice, setProviderChoice] = useState<ProviderId | null>(null);
  const [modelChoice, setModelChoice] = useState<Partial<Record<ProviderId, string>>>({});
  const inputRef = useRef<HTMLTextAreaElement>(null);
  const modelRef = useRef<HTMLButtonElement>(null);
  const listRef = useRef<HTMLDivElement>(null);
  const logRef = useRef<HTMLDivElement>(null);

  const autoProvider = keys.find((k) => k.enabled)?.provider ?? 'openai';
  const provider: ProviderId = providerChoice ?? autoProvider;
  const enabledKey = keys.find((k) => k.provider === provider && k.enabled);
  const models = modelsFor(provider, enabledKey);
  const chosen = modelChoice[provider];
  const model = chosen && models.includes(chosen) ? chosen : (models[0] ?? DEFAULT_MODEL[provider]);
  const route = expectedRoute(keys, provider, account);
  const name = providerName(providers, provider);
  const question = text.trim();
  const last = chat.turns[chat.turns.length - 1];

  useEffect(() => {
    if (open && focusSignal > 0) inputRef.current?.focus();
  }, [focusSignal, open]);

  useEffect(() => {
    if (open) preloadMarkdown();
  }, [open]);

  // Keep the newest answer in view while it streams.
  useLayoutEffect(() => {
    const log = logRef.current;
    if (log) log.scrollTop = log.scrollHeight;
  }, [last?.text, last?.status, chat.turns.length]);

  // The question field points screen readers at the suggestion list (whose id cmdk assigns)
  // and at the highlighted suggestion.
  useEffect(() => {
    const input = inputRef.current;
    const list = listRef.current;
    if (!input) return;
    const item = list?.querySelector<HTMLElement>('[cmdk-item][data-selected="true"]');
    if (list?.id) input.setAttribute('aria-controls', list.id);
    if (item?.id) input.setAttribute('aria-activedescendant', item.id);
    else input.removeAttribute('aria-activedescendant');
  });

  const send = () => {
    if (!question || chat.running) return;
    chat.send(question, provider, model);
    setText('');
    setActive('ask');
  };

  /** Focus on the question field, the caret at its end, once React has rendered. */
  const focusQuestion = () =>
    window.setTimeout(() => {
      const input = inputRef.current;
      if (!input) return;
      input.focus();
      input.setSelectionRange(input.value.length, input.value.length);
    }, 0);

  // The prompt guard's "Edit question": the blocked turn goes, its question comes back to edit.
  const editQuestion = (turnId: string) => {
    const back = chat.withdraw(turnId);
    if (back === null) return;
    setText(back);
    setActive('ask');
    focusQuestion();
  };

  const actions: Action[] = [
    {
      value: 'clear',
      label: 'Clear conversation',
      keywords: ['clear', 'new', 'reset', 'forget'],
      run: () => {
        chat.clear();
        setText('');
      },
    },
    {
      value: 'keys',
      label: 'Open AI key settings',
      keywords: ['settings', 'keys', 'key', 'api', 'add'],
      run: () => nav.openSettings({ tab: 'keys' }),
    },
    {
      value: 'privacy',
      label: 'Open privacy settings',
      keywords: ['privacy', 'fallback', 'taskly', 'route'],
      run: () => nav.openSettings({ tab: 'privacy' }),
    },
    ...(updates
      ? [
        {
          value: 'updates',
          label: 'Check for updates',
          keywords: ['update', 'upgrade', 'version', 'new'],
          run: () => {
            onOpenChange(false);
            updates.checkNow();
          },
        },
      ]
      : []),
    ...providers
      .filter((p) => p.id !== provider)
      .map((p) => ({
        value: `provider-${p.id}`,
        label: `Ask ${p.name} instead (${routeLabel(expectedRoute(keys, p.id, account), providers)})`,
        keywords: [p.name.toLowerCase(), p.id],
        run: () => {
          setProviderChoice(p.id);
          setText('');
        },
      })),
  ];
  const q = question.toLowerCase();
  const matching =
    q.length >= 2 && q.length <= 40 && !q.includes('\n')
      ? actions.filter((a) => a.label.toLowerCase().includes(q) || a.keywords.some((k) => k.startsWith(q))).slice(0, 5)
      : [];

  const onKeyDown = (e: KeyboardEvent<HTMLTextAreaElement>) => {
    // Keys the text field keeps for itself instead of the suggestion list.
    if (e.key === 'Enter' && e.shiftKey) {
      e.stopPropagation();
      return;
    }
    if (e.key === 'Home' || e.key === 'End') {
      e.stopPropagation();
      return;
    }
    if ((e.key === 'ArrowUp' || e.key === 'ArrowDown') && (text.includes('\n') || matching.length === 0)) {
      e.stopPropagation();
    }
  };

  const rows = Math.min(6, Math.max(1, text.split('\n').length));
  const status = liveStatus(last, providers);

  return (
    <Dialog.Root open={open} onOpenChange={onOpenChange}>
      <Dialog.Portal>
        <Dialog.Overlay className="overlay overlay-top" />
        <Dialog.Content
          className="dialog palette"
          aria-describedby={`${uid}-hints`}
          onOpenAutoFocus={(e) => {
            e.preventDefault();
            inputRef.current?.focus();
          }}
          onEscapeKeyDown={(e) => {
            if (chat.running) {
              e.preventDefault();
              chat.cancel();
            }
          }}
        >
          <Dialog.Title className="sr-only">Ask AI</Dialog.Title>
          <div className="palette-toolbar">
            <div className="palette-pickers">
              <Select
                value={provider}
                onValueChange={(v) => setProviderChoice(v as ProviderId)}
                options={providers.map((p) => ({
                  value: p.id,
                  label: p.name,
                  detail: keys.some((k) => k.provider === p.id && k.enabled) ? 'your key' : 'Taskly',
                }))}
                ariaLabel="Provider"
                className="select-compact"
              />
              <Select
                triggerRef={modelRef}
                value={model}
                onValueChange={(v) => setModelChoice((m) => ({ ...m, [provider]: v }))}
                options={models.map((m) => ({ value: m, label: m }))}
                ariaLabel="Model"
                className="select-compact select-model"
              />
            </div>
            <div className="palette-tools">
              <button
                type="button"
                className="icon-button"
                onClick={() => chat.clear()}
                disabled={chat.turns.length === 0}
                aria-label="Clear conversation"
                title="Clear conversation"
              >
                <TrashIcon />
              </button>
              <button
                type="button"
                className="icon-button"
                onClick={() => nav.openSettings({ tab: 'keys' })}
                aria-label="AI key settings"
                title="AI key settings"
              >
                <GearIcon />
              </button>
              <Dialog.Close className="icon-button" aria-label="Close" title="Close (Esc)">
                <CloseIcon />
              </Dialog.Close>
            </div>
          </div>

          <Command label="Ask AI" shouldFilter={false} value={active} onValueChange={setActive} vimBindings={false} loop className="palette-command">
            <div className="composer">
              <label htmlFor={`${uid}-q`} className="sr-only">
                Your question for {name}
              </label>
              <textarea
                ref={inputRef}
                id={`${uid}-q`}
                className="composer-input"
                rows={rows}
                value={text}
                placeholder={`Ask ${name}…`}
                onChange={(e) => {
                  setText(e.target.value);
                  setActive('ask');
                }}
                onKeyDown={onKeyDown}
                aria-describedby={`${uid}-route`}
                spellCheck
              />
              {chat.running ? (
                <button type="button" className="button button-small composer-button" onClick={() => chat.cancel()}>
                  <StopIcon size={14} /> Stop
                </button>
              ) : (
                <button type="button" className="button button-primary button-small composer-button" onClick={send} disabled={!question}>
                  <SendIcon size={14} /> Send
                </button>
              )}
            </div>
            <div className="composer-route" id={`${uid}-route`}>
              <span className="muted">Goes to</span> <RouteBadge route={route} testId="expected-route" />
              <span className="muted">with {model}</span>
            </div>
            <Command.List ref={listRef} className="palette-list" aria-label="Suggestions">
              {question ? (
                <Command.Item value="ask" onSelect={send} disabled={chat.running} className="palette-item">
                  <SparkIcon size={15} />
                  <span className="palette-item-text">
                    {chat.running ? 'Wait for the answer, or press Esc to stop it' : `Ask ${name}: “${question.length > 60 ? `${question.slice(0, 60)}…` : question}”`}
                  </span>
                  <kbd>Enter</kbd>
                </Command.Item>
              ) : null}
              {matching.length > 0 ? (
                <Command.Group heading="Actions" className="palette-group">
                  {matching.map((a) => (
                    <Command.Item key={a.value} value={a.value} onSelect={a.run} className="palette-item">
                      <span className="palette-item-text">{a.label}</span>
                    </Command.Item>
                  ))}
                </Command.Group>
              ) : null}
            </Command.List>
          </Command>

          <div ref={logRef} className="transcript" role="log" aria-live="off" aria-label="Conversation" data-testid="transcript">
            {chat.turns.length === 0 ? (
              <div className="transcript-empty">
                <p className="transcript-empty-title">Ask anything.</p>
                <p>
                  {route.kind === 'personal'
                    ? `Your question goes straight to ${name} with your key ${route.masked ?? ''}. Taskly does not see it.`
                    : `Your question goes to ${name} through Taskly's hosted service. Add your own ${name} key in Settings to go direct.`}
                </p>
                <p className="muted">The conversation is kept only while the app is open, and you can clear it at any time.</p>
              </div>
            ) : (
              chat.turns.map((t, i) => (
                <TurnView
                  key={t.id}
                  turn={t}
                  isLast={i === chat.turns.length - 1}
                  onRetry={() => chat.retry(t.id)}
                  onPickModel={() => modelRef.current?.focus()}
                  onEditQuestion={() => editQuestion(t.id)}
                  onSendAnyway={() => {
                    chat.sendAnyway(t.id);
                    focusQuestion();
                  }}
                />
              ))
            )}
          </div>

          <div className="palette-hints" id={`${uid}-hints`}>
            <span>
              <kbd>Enter</kbd> send
            </span>
            <span>
              <kbd>Shift</kbd>+<kbd>Enter</kbd> new line
            </span>
            <span>
              <kbd>Esc</kbd> {chat.running ? 'stop' : 'close'}
            </span>
          </div>
          <div className="sr-only" aria-live="polite" data-testid="palette-status">
            {status}
          </div>
        </Dialog.Content>
      </Dialog.Portal>
    </Dialog.Root>
  );
}

function liveStatus(turn: ReturnType<typeof useChat>['turns'][number] | undefined, providers: Parameters<typeof routeLabel>[1]): string {
  if (!turn) return '';
  const via = turn.route ? routeLabel(turn.route, providers) : null;
  switch (turn.status) {
    case 'waiting':
      return turn.retry ? `Retrying, attempt ${turn.retry.attempt} of ${turn.retry.maxRetries}.` : 'Asking…';
    case 'streaming':
      return `Answering${via ? ` through ${via}` : ''}…`;
    case 'done': {
      const tokens = turn.usage ? ` ${turn.usage.input_tokens + turn.usage.output_tokens} tokens used.` : '';
      return `Answer complete${via ? ` from ${via}` : ''}.${tokens}`;
    }
    case 'failed':
      return turn.error ? `Failed: ${turn.error.message}` : 'Failed.';
    case 'cancelled':
      return 'Stopped.';
  }
}
