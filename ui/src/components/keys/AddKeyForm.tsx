/**
 * Settings → AI keys → "Add a key": provider, key, label, base URL, "use it now". The key is
 * checked against the hygiene rules as it is typed, validated with the provider on save (with a
 * visible progress state), and dropped from state as soon as it is stored.
 */
import { useId, useRef, useState, type FormEvent } from 'react';
import type { ProviderId, ProviderSpec } from '../../bindings/core';
import { BASE_URL_REQUIRED } from '../../bindings/registry';
import { toErrorPayload } from '../../ipc/errors';
import { baseUrlProblem, keyProblem, labelProblem, prefixWarning, trimKey } from '../../lib/keyHygiene';
import { providerGuideUrl } from '../../lib/docs';
import { withArticle } from '../../lib/format';
import { useData } from '../../state/data';
import { ExternalLink } from '../ExternalLink';
import { PlusIcon, Spinner } from '../Icons';
import '../../styles/guidance.css';
import { Select } from '../Select';
import { SecretInput } from './SecretInput';
import { SaveOutcome, type SaveState } from './SaveOutcome';
import { ClipboardNotice, useClipboardOffer } from './ClipboardNotice';

export function prefixHint(spec: ProviderSpec): string {
  if (spec.key_prefixes.length === 0) {
    return spec.id === 'custom'
      ? 'Any token your endpoint expects (for a local server without one, any placeholder works).'
      : `${spec.name} keys have no fixed prefix.`;
  }
  const list = spec.key_prefixes.map((p) => `${p}…`);
  const words = list.length === 1 ? list[0] : `${list.slice(0, -1).join(', ')} or ${list[list.length - 1]}`;
  return `${spec.name} keys start with ${words}`;
}

export function AddKeyForm() {
  const { api, providers, keys, applySaved } = useData();
  const uid = useId();
  const [providerId, setProviderId] = useState<ProviderId>('openai');
  const [secret, setSecret] = useState('');
  const [label, setLabel] = useState('');
  const [baseUrl, setBaseUrl] = useState('');
  const [advanced, setAdvanced] = useState(false);
  const [enableChoice, setEnableChoice] = useState<boolean | null>(null);
  const [submitted, setSubmitted] = useState(false);
  const [state, setState] = useState<SaveState>({ kind: 'idle' });
  const [fieldReset, setFieldReset] = useState(0);
  const secretRef = useRef<HTMLInputElement>(null);
  const labelRef = useRef<HTMLInputElement>(null);
  const baseRef = useRef<HTMLInputElement>(null);
  const outcomeRef = useRef<HTMLDivElement>(null);
  const clipboard = useClipboardOffer();

  const spec = providers.find((p) => p.id === providerId) ?? providers[0];
  if (!spec) return null;

  const needsBase = spec.default_base_url === null;
  const showBase = needsBase || advanced;
  const current = keys.find((k) => k.provider === spec.id && k.enabled);
  const enable = enableChoice ?? !current;
  const saving = state.kind === 'saving';

  // Inline messages: every rule but "empty" shows as soon as it is broken; "empty" on submit.
  const rawProblem = keyProblem(secret);
  const secretProblem = secret.length === 0 && !submitted ? null : rawProblem;
  const secretWarning = rawProblem ? null : prefixWarning(secret, spec.name, spec.key_prefixes);
  const labelIssue = labelProblem(label);
  const baseIssue = !showBase
    ? null
    : baseUrl.trim() === ''
      ? needsBase && submitted
        ? (BASE_URL_REQUIRED[spec.id]?.message ?? null)
        : null
      : baseUrlProblem(baseUrl);

  const fieldIds = {
    provider: `${uid}-provider`,
    providerHint: `${uid}-provider-hint`,
    secret: `${uid}-secret`,
    label: `${uid}-label`,
    base: `${uid}-base`,
    enable: `${uid}-enable`,
  };

  // The result appears under the button; bring it into view without moving focus.
  const revealOutcome = () =>
    window.setTimeout(() => outcomeRef.current?.scrollIntoView?.({ block: 'nearest', behavior: 'smooth' }), 0);

  const save = async (verify: boolean) => {
    setSubmitted(true);
    const problem = keyProblem(secret);
    if (problem) {
      secretRef.current?.focus();
      return;
    }
    if (labelIssue) {
      labelRef.current?.focus();
      return;
    }
    const base = baseUrl.trim();
    if (showBase && ((needsBase && base === '') || (base !== '' && baseUrlProblem(base)))) {
      baseRef.current?.focus();
      return;
    }
    setState({ kind: 'saving', verify });
    clipboard.dismiss();
    try {
      const saved = await api.addKey({
        provider: spec.id,
        label: label.trim() || null,
        baseUrl: showBase && base !== '' ? base : null,
        secret: trimKey(secret),
        verify,
        enable,
      });
      // Stored: the plaintext leaves this component's state now.
      setSecret('');
      setLabel('');
      setBaseUrl('');
      setAdvanced(false);
      setEnableChoice(null);
      setSubmitted(false);
      setFieldReset((n) => n + 1);
      applySaved(saved);
      setState({ kind: 'saved', saved });
      revealOutcome();
      // The key was probably pasted: offer to clear the clipboard if it still holds it.
      void clipboard.check();
    } catch (e) {
      const error = toErrorPayload(e);
      setState({ kind: 'error', error });
      revealOutcome();
      if (['invalid_key', 'invalid_key_input', 'credential_missing'].includes(error.code)) {
        secretRef.current?.focus();
      } else if (['invalid_base_url', 'base_url_required', 'endpoint_not_found'].includes(error.code)) {
        baseRef.current?.focus();
      } else if (error.code === 'invalid_label') {
        labelRef.current?.focus();
      }
    }
  };

  const onSubmit = (e: FormEvent) => {
    e.preventDefault();
    if (!saving) void save(true);
  };

  const providerOptions = providers.map((p) => ({
    value: p.id,
    label: p.name,
    detail: p.key_prefixes[0] ? `${p.key_prefixes[p.key_prefixes.length - 1]}…` : p.default_base_url ? undefined : 'your URL',
  }));

  return (
    <form className="card add-key" onSubmit={onSubmit} aria-labelledby={`${uid}-title`} noValidate>
      <h3 id={`${uid}-title`} className="card-title">
        <PlusIcon size={16} /> Add a key
      </h3>

      <div className="field">
        <span className="field-label" id={`${fieldIds.provider}-label`}>
          Provider
        </span>
        <Select
          id={fieldIds.provider}
          value={spec.id}
          onValueChange={(v) => {
            setProviderId(v as ProviderId);
            setEnableChoice(null);
            setState({ kind: 'idle' });
          }}
          options={providerOptions}
          ariaLabelledBy={`${fieldIds.provider}-label ${fieldIds.provider}`}
          ariaDescribedBy={fieldIds.providerHint}
          disabled={saving}
        />
        <p className="field-hint provider-hint" id={fieldIds.providerHint}>
          <span>{prefixHint(spec)}</span>
          <span className="provider-links">
            {spec.key_page ? (
              <ExternalLink href={spec.key_page} className="link">
                Get {withArticle(spec.name)} key
              </ExternalLink>
            ) : null}
            <ExternalLink href={providerGuideUrl(spec.id)} className="link">
              Step-by-step guide
            </ExternalLink>
          </span>
        </p>
      </div>

      <SecretInput
        resetSignal={fieldReset}
        ref={secretRef}
        id={fieldIds.secret}
        label={`${spec.name} API key`}
        value={secret}
        onChange={(v) => {
          setSecret(v);
          // "The key is empty" belongs to a submit; editing starts afresh.
          setSubmitted(false);
          if (state.kind === 'saved') setState({ kind: 'idle' });
        }}
        problem={secretProblem}
        warning={secretWarning}
        hint="Stored in your system's credential store, never shown again in full."
        readOnly={saving}
        placeholder={spec.key_prefixes.length ? `${spec.key_prefixes[spec.key_prefixes.length - 1]}…` : 'Paste your key'}
      />

      <div className="field">
        <label className="field-label" htmlFor={fieldIds.label}>
          Label <span className="optional">(optional)</span>
        </label>
        <input
          ref={labelRef}
          id={fieldIds.label}
          className="input"
          value={label}
          onChange={(e) => setLabel(e.target.value)}
          placeholder={`${spec.name} key`}
          maxLength={200}
          autoComplete="off"
          aria-invalid={labelIssue ? true : undefined}
          aria-describedby={`${fieldIds.label}-message`}
          readOnly={saving}
        />
        <div id={`${fieldIds.label}-message`} aria-live="polite" className="field-messages">
          {labelIssue ? <p className="field-error">{labelIssue}</p> : null}
        </div>
      </div>

      {!needsBase ? (
        <button
          type="button"
          className="disclosure"
          aria-expanded={advanced}
          aria-controls={advanced ? fieldIds.base : undefined}
          onClick={() => setAdvanced((a) => !a)}
          disabled={saving}
        >
          <span className="disclosure-caret" aria-hidden="true">
            ▸
          </span>
          Advanced: custom base URL
        </button>
      ) : null}

      {showBase ? (
        <div className="field">
          <label className="field-label" htmlFor={fieldIds.base}>
            Base URL {needsBase ? <span className="required">(required)</span> : <span className="optional">(optional)</span>}
          </label>
          <input
            ref={baseRef}
            id={fieldIds.base}
            className="input mono"
            value={baseUrl}
            onChange={(e) => setBaseUrl(e.target.value)}
            placeholder={spec.default_base_url ?? spec.base_url_example}
            inputMode="url"
            autoComplete="off"
            spellCheck={false}
            aria-required={needsBase}
            aria-invalid={baseIssue ? true : undefined}
            aria-describedby={`${fieldIds.base}-hint ${fieldIds.base}-message`}
            readOnly={saving}
          />
          <p className="field-hint" id={`${fieldIds.base}-hint`}>
            {needsBase
              ? `Where your ${spec.name} endpoint lives, for example ${spec.base_url_example}. https://, or http:// to this computer only.`
              : `Leave empty to use ${spec.default_base_url}. Your key is only ever sent to this address.`}
          </p>
          <div id={`${fieldIds.base}-message`} aria-live="polite" className="field-messages">
            {baseIssue ? <p className="field-error">{baseIssue}</p> : null}
          </div>
        </div>
      ) : null}

      <div className="checkbox-field">
        <input
          type="checkbox"
          id={fieldIds.enable}
          checked={enable}
          onChange={(e) => setEnableChoice(e.target.checked)}
          aria-describedby={`${fieldIds.enable}-hint`}
          disabled={saving}
        />
        <div>
          <label htmlFor={fieldIds.enable}>Use this key for {spec.name} requests</label>
          <p className="field-hint" id={`${fieldIds.enable}-hint`}>
            {current
              ? enable
                ? `This switches off your other ${spec.name} key “${current.label}” (${current.masked}): only one key per provider can be on.`
                : `Your ${spec.name} key “${current.label}” stays on; you can switch keys in the list at any time.`
              : enable
                ? `${spec.name} requests will go straight to ${spec.name} with this key.`
                : `${spec.name} requests keep going through Taskly until you switch this key on.`}
          </p>
        </div>
      </div>

      <div className="form-footer">
        {/* aria-disabled rather than disabled while saving, so keyboard focus stays on it. */}
        <button type="submit" className="button button-primary" aria-disabled={saving}>
          {saving ? <Spinner /> : null}
          {saving ? (state.verify ? 'Checking…' : 'Saving…') : 'Check and save key'}
        </button>
        <p className="field-hint">The key is checked with {spec.name} before it is stored.</p>
      </div>

      <div id={`${uid}-status`} role="status" className="outcome-region" ref={outcomeRef}>
        <SaveOutcome
          state={state}
          providerName={spec.name}
          providerBillingPage={spec.billing_page}
          onRetry={() => void save(true)}
          onSaveWithoutChecking={() => void save(false)}
        />
      </div>
      <ClipboardNotice offer={clipboard} />
    </form>
  );
}
