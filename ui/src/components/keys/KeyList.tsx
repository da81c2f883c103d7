/**
 * The list of keys: masked key, label, provider, base URL when custom, status, last use and
 * today's usage; one switch per key (at most one on per provider, and the UI says when the
 * other one went off); edit, replace, check again, delete.
 */
import * as Switch from '@radix-ui/react-switch';
import { useEffect, useId, useRef, useState } from 'react';
import type { KeyInfo, KeySaved, ProviderSpec } from '../../bindings/core';
import { toErrorPayload } from '../../ipc/errors';
import { absoluteTime, relativeTime, todayUtc, usageFor, usageText } from '../../lib/format';
import { docsUrl } from '../../lib/docs';
import { useData } from '../../state/data';
import type { KeyFocus } from '../../state/nav';
import { ExternalLink } from '../ExternalLink';
import { CloseIcon, KeyIcon, PencilIcon, RefreshIcon, Spinner } from '../Icons';
import { DeleteKeyDialog } from './DeleteKeyDialog';
import { FirstRunHint } from './FirstRunHint';
import { EditKeyForm, ReplaceKeyForm } from './KeyForms';
import { disabledNotice, savedSummary } from './SaveOutcome';
import { StatusBadge } from './StatusBadge';

type Mode = 'view' | 'edit' | 'replace';

interface Notice {
  tone: 'ok' | 'warn' | 'bad' | 'info';
  text: string;
  /** A switch change (it names the key that went off, if any). */
  switched?: boolean;
}

export function KeyList({ focus, now }: { focus: KeyFocus | null; now: number }) {
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
      <FirstRunHint hasKeys={false} />
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
    (a, b) => a.provider_name.localeCompare(b.provider_name) || a.created_at.localeCompare(b.created_at),
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
  onDeleted(): void;
}

function KeyCard({ keyInfo: k, spec, usageLine, now, focus, others, onDeleted }: CardProps) {
  const { api, applySaved, applyKey, refreshUsage } = useData();
  const uid = useId();
  const [mode, setMode] = useState<Mode>(focus && focus.mode !== 'show' ? focus.mode : 'view');
  const [focusForm, setFocusForm] = useState(Boolean(focus));
  const [switching, setSwitching] = useState(false);
  const [checking, setChecking] = useState(false);
  const [notice, setNotice] = useState<Notice | null>(null);
  const cardRef = useRef<HTMLLIElement>(null);
  const editButton = useRef<HTMLButtonElement>(null);
  const replaceButton = useRef<HTMLButtonElement>(null);
  const titleId = `${uid}-title`;
  const enabledOther = others.find((o) => o.enabled);

  useEffect(() => {
    if (focus) cardRef.current?.scrollIntoView?.({ block: 'nearest' });
  }, [focus]);

  const toggle = async (on: boolean) => {
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
    } catch (e) {
      setNotice({ tone: 'bad', text: toErrorPayload(e).message });
    } finally {
      setChecking(false);
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
    }
    // Return focus to the button that opened the form.
    window.setTimeout(() => (which === 'edit' ? editButton : replaceButton).current?.focus(), 0);
  };

  const switchId = `${uid}-switch`;
  const switchHint =
    !k.enabled && enabledOther
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
              id={switchId}
              className="switch"
              checked={k.enabled}
              disabled={switching}
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

      {k.verification_note && k.verification !== 'verified' ? <p className={`key-note tone-${k.verification === 'invalid' ? 'bad' : 'warn'}`}>{k.verification_note}</p> : null}

      <p className="key-meta">
        <span title={absoluteTime(k.last_used_at)}>Last used {relativeTime(k.last_used_at, now)}</span>
        <span aria-hidden="true"> · </span>
        <span>{usageLine}</span>
      </p>

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

      {mode === 'edit' ? <EditKeyForm keyInfo={k} spec={spec} focusOnOpen={focusForm} onDone={(s) => closeForm(s, 'edit')} /> : null}
      {mode === 'replace' ? (
        <ReplaceKeyForm keyInfo={k} spec={spec} focusOnOpen={focusForm} onDone={(s) => closeForm(s, 'replace')} />
      ) : null}
    </li>
  );
}
