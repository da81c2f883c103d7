/**
 * What happened when a key was saved or replaced, in words: verified (with the models found),
 * saved with a note (rate limited, quota, unchecked), or refused with the typed error and the
 * actions it offers ("Save without checking" when the provider could not be reached).
 */
import type { ErrorPayload, KeySaved } from '../../bindings/core';
import { CheckIcon, InfoIcon, WarningIcon } from '../Icons';
import { ExternalLink } from '../ExternalLink';
import { errorHeadline } from '../../lib/errorText';

export type SaveState =
  | { kind: 'idle' }
  | { kind: 'saving'; verify: boolean }
  | { kind: 'saved'; saved: KeySaved }
  | { kind: 'error'; error: ErrorPayload };

/** The "saved" message for a result, used by the form and by toasts. */
export function savedSummary(saved: KeySaved): { title: string; tone: 'ok' | 'warn' } {
  const key = saved.key;
  switch (key.verification) {
    case 'verified': {
      const n = key.models.length;
      const models = n > 0 ? ` It can use ${n} ${n === 1 ? 'model' : 'models'}.` : '';
      return { title: `Saved and verified.${models}`, tone: 'ok' };
    }
    case 'rate_limited':
      return { title: 'Saved. The key works, but the provider is rate limiting it right now.', tone: 'warn' };
    case 'quota_exhausted':
      return { title: 'Saved. The key works, but its account is out of quota or credit.', tone: 'warn' };
    case 'unverified':
      return { title: 'Saved without checking.', tone: 'warn' };
    case 'invalid':
      return { title: 'Saved, but the provider refused it.', tone: 'warn' };
  }
}

export function disabledNotice(saved: KeySaved): string | null {
  const off = saved.disabled;
  if (!off) return null;
  return `Your other ${off.provider_name} key “${off.label}” (${off.masked}) was switched off: only one key per provider can be on.`;
}

interface Props {
  state: SaveState;
  providerName: string;
  providerBillingPage?: string | null;
  onRetry(): void;
  onSaveWithoutChecking(): void;
  /** Verb for the unchecked action ("Save" or "Replace"). */
  verb?: string;
}

export function SaveOutcome({ state, providerName, providerBillingPage, onRetry, onSaveWithoutChecking, verb = 'Save' }: Props) {
  if (state.kind === 'idle') return null;
  if (state.kind === 'saving') {
    return (
      <p className="outcome outcome-progress">
        {state.verify ? `Checking the key with ${providerName}…` : 'Storing the key…'}
      </p>
    );
  }
  if (state.kind === 'saved') {
    const { saved } = state;
    const summary = savedSummary(saved);
    const off = disabledNotice(saved);
    return (
      <div className={`outcome outcome-${summary.tone}`} data-testid="save-outcome">
        <p className="outcome-title">
          {summary.tone === 'ok' ? <CheckIcon size={16} /> : <InfoIcon size={16} />}
          <span>
            {summary.title} <span className="masked-inline">{saved.key.masked}</span> is stored as “{saved.key.label}”.
          </span>
        </p>
        {saved.key.verification_note ? <p>{saved.key.verification_note}</p> : null}
        {saved.key.verification === 'quota_exhausted' && providerBillingPage ? (
          <p>
            <ExternalLink href={providerBillingPage}>Check billing with {providerName}</ExternalLink>
          </p>
        ) : null}
        {off ? <p className="outcome-switch">{off}</p> : null}
        {saved.warnings.length > 0 ? (
          <ul className="outcome-warnings">
            {saved.warnings.map((w) => (
              <li key={w}>{w}</li>
            ))}
          </ul>
        ) : null}
      </div>
    );
  }
  const { error } = state;
  const unreachable = error.action === 'retry_or_save_without_checking';
  return (
    <div className="outcome outcome-bad" data-testid="save-error">
      <p className="outcome-title">
        <WarningIcon size={16} />
        <span>{errorHeadline(error, providerName, 'save')}</span>
      </p>
      <p>{error.message}</p>
      {error.code === 'invalid_key' ? <p>The key is still in the field so you can correct it.</p> : null}
      {unreachable ? (
        <div className="button-row">
          <button type="button" className="button" onClick={onRetry}>
            Try again
          </button>
          <button type="button" className="button button-primary" onClick={onSaveWithoutChecking}>
            {verb} without checking
          </button>
        </div>
      ) : null}
      {error.action === 'retry' ? (
        <div className="button-row">
          <button type="button" className="button" onClick={onRetry}>
            Try again
          </button>
        </div>
      ) : null}
      {error.code === 'invalid_key' && error.link ? (
        <p>
          <ExternalLink href={error.link}>Create a new {providerName} key</ExternalLink>
        </p>
      ) : null}
    </div>
  );
}
