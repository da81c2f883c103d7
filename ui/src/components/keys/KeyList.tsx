/**
 * The list of keys: masked key, label, provider, base URL when custom, status, last use and
 * today's usage; one switch per key (at most one in use per provider, and the UI says when the
 * other one went off); the provider's order (in use, backup 1, 2, …, off) and the actions that
 * change it; a resting key's why and until when (a live countdown) with "Check again" right
 * there; the provider's own spend figures where it has a call for them; edit, replace, delete.
 */
import * as Switch from '@radix-ui/react-switch';
import { useEffect, useId, useRef, useState } from 'react';
import type { KeyInfo, KeySaved, ProviderBalance, ProviderSpec, Rest } from '../../bindings/core';
import { toErrorPayload } from '../../ipc/errors';
import { absoluteTime, relativeTime, todayUtc, usageFor, usageText } from '../../lib/format';
import { docsUrl } from '../../lib/docs';
import { balanceText, keyPlace, noBalanceCallText, orderRank, placeText, restText, type KeyPlace } from '../../lib/spend';
import { useData } from '../../state/data';
import type { KeyFocus } from '../../state/nav';
import { ExternalLink } from '../ExternalLink';
import { CloseIcon, KeyIcon, PencilIcon, RefreshIcon, Spinner, WarningIcon } from '../Icons';
import { DeleteKeyDialog } from './DeleteKeyDialog';
import { ClipboardNotice, useClipboardOffer } from './ClipboardNotice';
import { FirstRunHint } from './FirstRunHint';
import { EditKeyForm, ReplaceKeyForm } from './KeyForms';
import { disabledNotice, savedSummary } from './SaveOutcome';
import { StatusBadge } from './StatusBadge';
import { useCountdown } from '../palette/useCountdown';

type Mode = 'view' | 'edit' | 'replace';

interface Notice {
  tone: 'ok' | 'warn' | 'bad' | 'info';
  text: string;
  /** A switch change (it names the key that went off, if any). */
  switched?: boolean;
}

export function KeyList({ focus, now, onImport }: { focus: KeyFocus | null; now: number; onImport?(): void }) {
  const { keys, providers, usage } = useData();
  const headingRef = useRef<HTMLHeadingElement>(null);
  const today = todayUtc(now);
  const heading = (
    <h3 className="section-title" ref={headingRef} tabIndex={-1}>
      Your keys{keys.length > 0 ? <span className="count"> ({keys.length})</span> : null}
    </h3>
  );

  if (keys.length === 0) {
    return (
      <>
      <FirstRunHint hasKeys={false} onImport={onImport} />
      {heading}
      <div className="empty-state" data-testid="keys-empty">
        <div className="empty-icon" aria-hidden="true">
          <KeyIcon size={22} />
        </div>
        <h3>No personal keys yet</h3>
        <p>
          With your own key, requests for that provider go straight from this computer to the provider, billed to your
          account, using the models you have access to. Taskly never sees the key or the conversation.
        </p>
        <p>
          You pay the provider directly, on your own plan, and each key shows what it was used for today. The models you
          can pick are the ones your provider account has.
        </p>
        <p>Without a key, Taskly&apos;s hosted service answers. Add your first key below.</p>
        <p className="help-links">
          <ExternalLink href={docsUrl('providers')}>How to get a key</ExternalLink>
          <ExternalLink href={docsUrl('privacy', 'what-goes-where')}>Privacy: what goes where</ExternalLink>
        </p>
      </div>
      </>
    );
  }

  const sorted = [...keys].sort(
    (a, b) =>
      a.provider_name.localeCompare(b.provider_name) ||
      orderRank(a) - orderRank(b) ||
      a.created_at.localeCompare(b.created_at),
  );

  return (
    <>
      <FirstRunHint hasKeys />
      {heading}
      <ul className="key-list" aria-label="Your AI keys">
        {sorted.map((k) => (
          <KeyCard
            key={k.id}
            keyInfo={k}
            spec={providers.find((p) => p.id === k.provider)}
            usageLine={usageText(usageFor(usage, k.id, today))}
            now={now}
            focus={focus?.keyId === k.id ? focus : null}
            others={keys.filter((o) => o.provider === k.provider && o.id !== k.id)}
            place={keyPlace(k, keys)}
            onDeleted={() => window.setTimeout(() => headingRef.current?.focus(), 0)}
          />
        ))}
      </ul>
    </>
  );
}

interface CardProps {
  keyInfo: KeyInfo;
  spec: ProviderSpec | undefined;
  usageLine: string;
  now: number;
  focus: KeyFocus | null;
  others: KeyInfo[];
  place: KeyPlace;
  onDeleted(): void;
}

function KeyCard({ keyInfo: k, spec, usageLine, now, focus, others, place, onDeleted }: CardProps) {
  const { api, applySaved, applyKey, refreshUsage } = useData();
  const balance = useProviderBalance(k, spec);
  const [ordering, setOrdering] = useState(false);
  const uid = useId();
  const [mode, setMode] = useState<Mode>(focus && focus.mode !== 'show' ? focus.mode : 'view');
  const [focusForm, setFocusForm] = useState(Boolean(focus));
  const [switching, setSwitching] = useState(false);
  const [checking, setChecking] = useState(false);
  const [notice, setNotice] = useState<Notice | null>(null);
  const clipboard = useClipboardOffer();
  const cardRef = useRef<HTMLLIElement>(null);
  const editButton = useRef<HTMLButtonElement>(null);
  const replaceButton = useRef<HTMLButtonElement>(null);
  const titleId = `${uid}-title`;
  const enabledOther = others.find((o) => o.enabled);

  useEffect(() => {
    if (focus) cardRef.current?.scrollIntoView?.({ block: 'nearest' });
  }, [focus]);

  const switchRef = useRef<HTMLButtonElement>(null);
  /**
   * A change of order may move the card in the list (and swap its buttons), which drops the focus:
   * put it back on the control that had it, or on the switch if that control is gone.
   */
  const keepFocus = () => {
    const had = document.activeElement instanceof HTMLElement && cardRef.current?.contains(document.activeElement) ? document.activeElement : null;
    return () =>
      window.setTimeout(() => {
        if (!had || cardRef.current?.contains(document.activeElement)) return;
        (had.isConnected ? had : switchRef.current)?.focus();
      }, 0);
  };

  const toggle = async (on: boolean) => {
    if (switching) return;
    const restoreFocus = keepFocus();
    setSwitching(true);
    setNotice(null);
    try {
      const saved = await api.setKeyEnabled(k.id, on);
      applySaved(saved);
      const off = disabledNotice(saved);
      setNotice({
        tone: 'info',
        switched: true,
        text: on
          ? `Switched on “${saved.key.label}” for ${saved.key.provider_name}.${off ? ` ${off}` : ''}`
          : `Switched off “${saved.key.label}”. ${saved.key.provider_name} requests now go through Taskly.`,
      });
    } catch (e) {
      setNotice({ tone: 'bad', text: toErrorPayload(e).message });
    } finally {
      setSwitching(false);
      restoreFocus();
    }
  };

  const check = async () => {
    if (checking) return;
    setChecking(true);
    setNotice(null);
    try {
      const info = await api.validateKey(k.id);
      applyKey(info);
      const n = info.models.length;
      const text =
        info.verification === 'verified'
          ? `Verified just now.${n ? ` It can use ${n} ${n === 1 ? 'model' : 'models'}.` : ''}`
          : info.verification === 'invalid'
            ? `${k.provider_name} refused this key. Replace it with a working one.`
            : (info.verification_note ?? 'Checked.');
      setNotice({ tone: info.verification === 'verified' ? 'ok' : info.verification === 'invalid' ? 'bad' : 'warn', text });
      // A check also reads the provider's own figures again (the core did, where it can).
      balance.reload();
    } catch (e) {
      setNotice({ tone: 'bad', text: toErrorPayload(e).message });
    } finally {
      setChecking(false);
    }
  };

  /** Changes the key's place: a backup, the key in use, or off. */
  const reorder = async (to: 'backup' | 'primary' | 'off') => {
    if (ordering) return;
    const restoreFocus = keepFocus();
    setOrdering(true);
    setNotice(null);
    try {
      if (to === 'backup') {
        const saved = await api.setBackup(k.id);
        applySaved(saved);
        setNotice({
          tone: 'info',
          switched: true,
          text: `“${saved.key.label}” is now a backup for ${saved.key.provider_name}: it answers, in order, when the key in use fails.`,
        });
      } else {
        await toggle(to === 'primary');
      }
    } catch (e) {
      setNotice({ tone: 'bad', text: toErrorPayload(e).message });
    } finally {
      setOrdering(false);
      restoreFocus();
    }
  };

  const closeForm = (saved: KeySaved | null, which: 'edit' | 'replace') => {
    setMode('view');
    setFocusForm(false);
    if (saved) {
      const summary = savedSummary(saved);
      const text = which === 'replace' ? `Key replaced. ${summary.title}` : saved.key.verification_note && saved.key.verification !== 'verified' ? `Changes saved. ${saved.key.verification_note}` : 'Changes saved.';
      setNotice({ tone: summary.tone === 'ok' || which === 'edit' ? 'ok' : 'warn', text });
      void refreshUsage();
      // A new secret was probably pasted: offer to clear the clipboard if it still holds it.
      if (which === 'replace') void clipboard.check();
    }
    // Return focus to the button that opened the form.
    window.setTimeout(() => (which === 'edit' ? editButton : replaceButton).current?.focus(), 0);
  };

  const switchId = `${uid}-switch`;
  const switchHint =
    place.kind === 'backup'
      ? `Backup ${place.position}: answers when ${enabledOther ? `“${enabledOther.label}”` : 'the key in use'} fails.`
      : !k.enabled && enabledOther
      ? `Turning this on switches off “${enabledOther.label}”.`
      : k.enabled
        ? `${k.provider_name} requests use this key.`
        : `${k.provider_name} requests go through Taskly.`;

  return (
    <li
      ref={cardRef}
      className={`key-card${k.enabled ? ' is-enabled' : ''}${focus ? ' is-focused' : ''}`}
      aria-labelledby={titleId}
      data-testid={`key-${k.id}`}
    >
      <div className="key-head">
        <div className="key-identity">
          <div className="key-title-row">
            <h4 id={titleId} className="key-title">
              {k.label}
            </h4>
            <span className="provider-chip">{k.provider_name}</span>
            <span className={`badge order-badge order-${place.kind}`} data-testid="key-order">
              {placeText(place)}
            </span>
            <StatusBadge verification={k.verification} title={k.verified_at ? `Checked ${absoluteTime(k.verified_at)}` : undefined} />
          </div>
          <p className="key-masked">
            <span className="sr-only">Key </span>
            <code className="masked" data-testid="masked">
              {k.masked}
            </code>
          </p>
          {k.custom_base_url ? (
            <p className="key-base">
              <span className="muted">Base URL</span> <code className="mono-small">{k.base_url}</code>
            </p>
          ) : null}
        </div>
        <div className="key-switch">
          <div className="switch-row">
            <label className="switch-label" htmlFor={switchId}>
              Use for {k.provider_name}
            </label>
            <Switch.Root
              ref={switchRef}
              id={switchId}
              className="switch"
              checked={k.enabled}
              // Not `disabled`: a disabled control drops the keyboard focus while it switches.
              aria-disabled={switching}
              onCheckedChange={(on) => void toggle(on)}
              aria-label={`Use for ${k.provider_name}: “${k.label}” (${k.masked})`}
              aria-describedby={`${switchId}-hint`}
            >
              <Switch.Thumb className="switch-thumb" />
            </Switch.Root>
          </div>
          <p className="switch-hint" id={`${switchId}-hint`}>
            {switching ? 'Switching…' : switchHint}
          </p>
        </div>
      </div>

      {k.rest ? (
        <RestNotice rest={k.rest} label={k.label} checking={checking} onCheck={() => void check()} />
      ) : null}

      {k.verification_note && k.verification !== 'verified' && !k.rest ? <p className={`key-note tone-${k.verification === 'invalid' ? 'bad' : 'warn'}`}>{k.verification_note}</p> : null}

      <p className="key-meta">
        <span title={absoluteTime(k.last_used_at)}>Last used {relativeTime(k.last_used_at, now)}</span>
        <span aria-hidden="true"> · </span>
        <span>{usageLine}</span>
        <span className="sr-only"> (counted on this computer)</span>
      </p>
      {spec ? <BalanceLine spec={spec} state={balance} /> : null}

      <div className="key-actions">
        <button
          ref={editButton}
          type="button"
          className="button button-small button-quiet"
          aria-expanded={mode === 'edit'}
          aria-label={`Edit “${k.label}”`}
          onClick={() => {
            setMode(mode === 'edit' ? 'view' : 'edit');
            setFocusForm(true);
          }}
        >
          <PencilIcon size={14} />
          Edit
        </button>
        <button
          ref={replaceButton}
          type="button"
          className="button button-small button-quiet"
          aria-expanded={mode === 'replace'}
          aria-label={`Replace key of “${k.label}”`}
          onClick={() => {
            setMode(mode === 'replace' ? 'view' : 'replace');
            setFocusForm(true);
          }}
        >
          <KeyIcon size={14} />
          Replace key
        </button>
        {k.rest ? null : (
          <button
            type="button"
            className="button button-small button-quiet"
            onClick={() => void check()}
            aria-disabled={checking}
            aria-label={`${checking ? 'Checking' : 'Check again'} “${k.label}”`}
          >
            {checking ? <Spinner size={14} /> : <RefreshIcon size={14} />}
            {checking ? 'Checking…' : 'Check again'}
          </button>
        )}
        {place.kind !== 'backup' ? (
          <button
            type="button"
            className="button button-small button-quiet"
            onClick={() => void reorder('backup')}
            aria-disabled={ordering || switching}
            aria-label={`Use as backup: “${k.label}”`}
          >
            Use as backup
          </button>
        ) : (
          <>
            <button
              type="button"
              className="button button-small button-quiet"
              onClick={() => void reorder('primary')}
              aria-disabled={ordering || switching}
              aria-label={`Use this key: “${k.label}” for ${k.provider_name}`}
            >
              Use this key
            </button>
            <button
              type="button"
              className="button button-small button-quiet"
              onClick={() => void reorder('off')}
              aria-disabled={ordering || switching}
              aria-label={`Switch off: “${k.label}”`}
            >
              Switch off
            </button>
          </>
        )}
        <DeleteKeyDialog keyInfo={k} onDeleted={onDeleted} />
      </div>

      <div role="status" className="key-notice-region">
        {notice ? (
          <div className={`notice notice-${notice.tone}`} data-testid={notice.switched ? 'switch-notice' : 'key-notice'}>
            <p>{notice.text}</p>
            <button type="button" className="icon-button" aria-label="Dismiss message" onClick={() => setNotice(null)}>
              <CloseIcon size={14} />
            </button>
          </div>
        ) : null}
      </div>
      <ClipboardNotice offer={clipboard} />

      {mode === 'edit' ? <EditKeyForm keyInfo={k} spec={spec} focusOnOpen={focusForm} onDone={(s) => closeForm(s, 'edit')} /> : null}
      {mode === 'replace' ? (
        <ReplaceKeyForm keyInfo={k} spec={spec} focusOnOpen={focusForm} onDone={(s) => closeForm(s, 'replace')} />
      ) : null}
    </li>
  );
}

/** Why a key rests and until when (a live countdown for a rate limit), with "Check again". */
function RestNotice({ rest, label, checking, onCheck }: { rest: Rest; label: string; checking: boolean; onCheck(): void }) {
  const { refreshKeys } = useData();
  const until = rest.until !== null && rest.cause === 'rate_limited' ? Date.parse(rest.until) : null;
  const left = useCountdown(until !== null && !Number.isNaN(until) ? until : null);
  const over = until !== null && left === 0;
  useEffect(() => {
    // The rest is over: the core now reports the key without it.
    if (over) void refreshKeys();
  }, [over, refreshKeys]);
  const tone = rest.cause === 'invalid' ? 'bad' : 'warn';
  return (
    <div className={`rest-notice tone-${tone}-card`} data-testid="key-rest" data-cause={rest.cause}>
      <p className="rest-title">
        <WarningIcon size={14} />
        <strong>{restText(rest, until === null ? null : left)}</strong>
      </p>
      {rest.note ? <p className="rest-note">{rest.note}</p> : null}
      {rest.cause === 'quota' && rest.until ? (
        <p className="rest-note muted">Tried again on its own from {absoluteTime(rest.until)}.</p>
      ) : null}
      <button
        type="button"
        className="button button-small"
        onClick={onCheck}
        aria-disabled={checking}
        aria-label={`${checking ? 'Checking' : 'Check again'} “${label}”`}
      >
        {checking ? <Spinner size={14} /> : <RefreshIcon size={14} />}
        {checking ? 'Checking…' : 'Check again'}
      </button>
    </div>
  );
}

interface BalanceState {
  balance: ProviderBalance | null;
  error: string | null;
  loading: boolean;
  reload(): void;
}

/** The provider's own figures for a key, read when the card shows (at most hourly, the core's rule). */
function useProviderBalance(k: KeyInfo, spec: ProviderSpec | undefined): BalanceState {
  const { api } = useData();
  const [balance, setBalance] = useState<ProviderBalance | null>(null);
  const [error, setError] = useState<string | null>(null);
  const [loaded, setLoaded] = useState(false);
  const [generation, setGeneration] = useState(0);
  const hasCall = Boolean(spec?.balance_call);
  useEffect(() => {
    if (!hasCall) return;
    let current = true;
    api
      .providerBalance(k.id, false)
      .then((b) => {
        if (!current) return;
        setBalance(b);
        setError(null);
      })
      .catch((e: unknown) => {
        if (current) setError(toErrorPayload(e).message);
      })
      .finally(() => {
        if (current) setLoaded(true);
      });
    return () => {
      current = false;
    };
  }, [api, k.id, hasCall, generation]);
  return { balance, error, loading: hasCall && !loaded, reload: () => setGeneration((g) => g + 1) };
}

function BalanceLine({ spec, state }: { spec: ProviderSpec; state: BalanceState }) {
  if (!spec.balance_call) {
    return <p className="key-balance muted">{noBalanceCallText(spec)}; the figures above are counted on this computer.</p>;
  }
  if (state.error) {
    return (
      <p className="key-balance tone-warn" data-testid="key-balance">
        Could not read {spec.name}&apos;s own figures: {state.error}
      </p>
    );
  }
  if (!state.balance) {
    return state.loading ? <p className="key-balance muted">Asking {spec.name} for its figures…</p> : null;
  }
  return (
    <p className="key-balance" data-testid="key-balance" title={state.balance.note ?? undefined}>
      {balanceText(state.balance, spec.name)}
      {state.balance.note ? <span className="muted"> · {state.balance.note}</span> : null}
    </p>
  );
}
