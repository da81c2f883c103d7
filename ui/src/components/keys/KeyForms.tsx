/** The per-key forms of the list: edit label and base URL; replace the key itself. */
import { useEffect, useId, useRef, useState, type FormEvent, type RefObject } from 'react';
import type { ErrorPayload, KeyInfo, KeySaved, ProviderSpec } from '../../bindings/core';
import { toErrorPayload } from '../../ipc/errors';
import { baseUrlProblem, hostOf, keyProblem, labelProblem, prefixWarning, trimKey } from '../../lib/keyHygiene';
import { useData } from '../../state/data';
import { Spinner } from '../Icons';
import { SecretInput } from './SecretInput';
import { SaveOutcome, type SaveState } from './SaveOutcome';

const stripSlash = (u: string) => u.trim().replace(/\/+$/, '');

interface FormProps {
  keyInfo: KeyInfo;
  spec: ProviderSpec | undefined;
  /** Move focus into the form when it appears. */
  focusOnOpen?: boolean;
  onDone(saved: KeySaved | null): void;
}

export function EditKeyForm({ keyInfo, spec, focusOnOpen, onDone }: FormProps) {
  const { api, applySaved } = useData();
  const uid = useId();
  const needsBase = !spec?.default_base_url;
  const [label, setLabel] = useState(keyInfo.label);
  const [baseUrl, setBaseUrl] = useState(needsBase || keyInfo.custom_base_url ? keyInfo.base_url : '');
  // Typing the base URL again, even unchanged, confirms it: the key is checked there and bound
  // to it (the way out of key_origin_changed, when the address changed outside the app).
  const [baseTouched, setBaseTouched] = useState(false);
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<ErrorPayload | null>(null);
  const labelRef = useRef<HTMLInputElement>(null);

  const labelIssue = labelProblem(label);
  const base = baseUrl.trim();
  const baseIssue = base === '' ? (needsBase ? 'A base URL is required for this provider.' : null) : baseUrlProblem(base);
  const effectiveBase = base === '' ? (spec?.default_base_url ?? '') : base;
  const baseChanged = stripSlash(effectiveBase) !== stripSlash(keyInfo.base_url);
  const hostChanged = baseChanged && hostOf(effectiveBase) !== hostOf(keyInfo.base_url);
  const confirmBase = baseChanged || baseTouched;

  const submit = async (e: FormEvent) => {
    e.preventDefault();
    if (labelIssue || baseIssue || busy) return;
    const labelChanged = label.trim() !== keyInfo.label;
    if (!labelChanged && !confirmBase) {
      onDone(null);
      return;
    }
    setBusy(true);
    setError(null);
    try {
      const saved = await api.updateKey(keyInfo.id, {
        label: labelChanged ? label.trim() : null,
        baseUrl: confirmBase ? effectiveBase : null,
        verify: confirmBase,
      });
      applySaved(saved);
      onDone(saved);
    } catch (err) {
      setError(toErrorPayload(err));
      setBusy(false);
    }
  };

  return (
    <form className="inline-form" onSubmit={submit} aria-label={`Edit “${keyInfo.label}”`} noValidate>
      {/* The user asked to edit this key: put them in its first field. */}
      <AutoFocus target={labelRef} when={Boolean(focusOnOpen)} />
      <div className="field">
        <label className="field-label" htmlFor={`${uid}-label`}>
          Label
        </label>
        <input
          id={`${uid}-label`}
          className="input"
          value={label}
          onChange={(e) => setLabel(e.target.value)}
          ref={labelRef}
          autoComplete="off"
          aria-invalid={labelIssue ? true : undefined}
          aria-describedby={`${uid}-label-msg`}
          readOnly={busy}
        />
        <div id={`${uid}-label-msg`} aria-live="polite" className="field-messages">
          {labelIssue ? <p className="field-error">{labelIssue}</p> : null}
        </div>
      </div>
      <div className="field">
        <label className="field-label" htmlFor={`${uid}-base`}>
          Base URL {needsBase ? <span className="required">(required)</span> : <span className="optional">(optional)</span>}
        </label>
        <input
          id={`${uid}-base`}
          className="input mono"
          value={baseUrl}
          onChange={(e) => {
            setBaseUrl(e.target.value);
            setBaseTouched(true);
          }}
          placeholder={spec?.default_base_url ?? spec?.base_url_example}
          inputMode="url"
          spellCheck={false}
          autoComplete="off"
          aria-invalid={baseIssue ? true : undefined}
          aria-describedby={`${uid}-base-hint ${uid}-base-msg`}
          readOnly={busy}
        />
        <p className="field-hint" id={`${uid}-base-hint`}>
          {hostChanged
            ? `The key will be checked at ${hostOf(effectiveBase) ?? 'the new address'} before it is ever used there.`
            : needsBase
              ? 'Where requests with this key go.'
              : `Leave empty for ${spec?.default_base_url ?? 'the default'}.`}
        </p>
        <div id={`${uid}-base-msg`} aria-live="polite" className="field-messages">
          {baseIssue ? <p className="field-error">{baseIssue}</p> : null}
        </div>
      </div>
      {error ? (
        <p className="outcome outcome-bad" role="alert">
          {error.message}
        </p>
      ) : null}
      <div className="button-row">
        <button type="submit" className="button button-primary button-small" aria-disabled={busy}>
          {busy ? <Spinner /> : null}
          {busy ? (baseChanged ? 'Checking…' : 'Saving…') : baseChanged ? 'Check and save' : 'Save changes'}
        </button>
        <button type="button" className="button button-small" onClick={() => onDone(null)} disabled={busy}>
          Cancel
        </button>
      </div>
    </form>
  );
}

export function ReplaceKeyForm({ keyInfo, spec, focusOnOpen, onDone }: FormProps) {
  const { api, applySaved } = useData();
  const uid = useId();
  const [secret, setSecret] = useState('');
  const [submitted, setSubmitted] = useState(false);
  const [state, setState] = useState<SaveState>({ kind: 'idle' });
  const ref = useRef<HTMLInputElement>(null);
  const saving = state.kind === 'saving';
  const name = keyInfo.provider_name;
  const rawProblem = keyProblem(secret);
  const problem = secret.length === 0 && !submitted ? null : rawProblem;
  const warning = rawProblem || !spec ? null : prefixWarning(secret, name, spec.key_prefixes);

  const replace = async (verify: boolean) => {
    setSubmitted(true);
    if (keyProblem(secret)) {
      ref.current?.focus();
      return;
    }
    setState({ kind: 'saving', verify });
    try {
      const saved = await api.replaceKeySecret(keyInfo.id, trimKey(secret), verify);
      setSecret('');
      applySaved(saved);
      onDone(saved);
    } catch (err) {
      const error = toErrorPayload(err);
      setState({ kind: 'error', error });
      if (error.code === 'invalid_key' || error.code === 'invalid_key_input') ref.current?.focus();
    }
  };

  return (
    <form
      className="inline-form"
      onSubmit={(e) => {
        e.preventDefault();
        if (!saving) void replace(true);
      }}
      aria-label={`Replace the key of “${keyInfo.label}”`}
      noValidate
    >
      <SecretInput
        ref={ref}
        id={`${uid}-secret`}
        label={`New ${name} API key`}
        value={secret}
        onChange={(v) => {
          setSecret(v);
          setSubmitted(false);
        }}
        problem={problem}
        warning={warning}
        hint={`Replaces ${keyInfo.masked}; label, base URL and switch stay as they are.`}
        readOnly={saving}
      />
      {/* Focus goes to the new key field when this form was opened from an error's "Update key". */}
      <AutoFocus target={ref} when={Boolean(focusOnOpen)} />
      <div className="button-row">
        <button type="submit" className="button button-primary button-small" aria-disabled={saving}>
          {saving ? <Spinner /> : null}
          {saving ? 'Checking…' : 'Check and replace'}
        </button>
        <button type="button" className="button button-small" onClick={() => onDone(null)} disabled={saving}>
          Cancel
        </button>
      </div>
      <div role="status" className="outcome-region">
        <SaveOutcome
          state={state}
          providerName={name}
          providerBillingPage={spec?.billing_page}
          onRetry={() => void replace(true)}
          onSaveWithoutChecking={() => void replace(false)}
          verb="Replace"
        />
      </div>
    </form>
  );
}


function AutoFocus({ target, when }: { target: RefObject<HTMLElement | null>; when: boolean }) {
  useEffect(() => {
    if (when) target.current?.focus();
  }, [target, when]);
  return null;
}
