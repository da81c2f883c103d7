/**
 * The key field: a password input with show/hide, paste-friendly (pasted text is trimmed, and a
 * pasted line break is kept so the multi-line rule can say so), with the hygiene message inline.
 * The value lives in the parent form's state only for as long as the form needs it.
 */
import { forwardRef, useState, type ClipboardEvent } from 'react';
import { trimKey } from '../../lib/keyHygiene';
import { EyeIcon, EyeOffIcon } from '../Icons';

interface Props {
  id: string;
  label: string;
  value: string;
  onChange(value: string): void;
  /** A rule the value breaks, shown as an error. */
  problem: string | null;
  /** A soft note (e.g. an unusual prefix). */
  warning?: string | null;
  hint?: string;
  disabled?: boolean;
  /** While saving: the field keeps focus and its value but cannot be edited. */
  readOnly?: boolean;
  placeholder?: string;
  /** Changing this hides the key again (after a save). */
  resetSignal?: number;
}

export const SecretInput = forwardRef<HTMLInputElement, Props>(function SecretInput(
  { id, label, value, onChange, problem, warning, hint, disabled, readOnly, placeholder, resetSignal = 0 },
  ref,
) {
  const [shown, setShown] = useState(false);
  const [seenReset, setSeenReset] = useState(resetSignal);
  if (seenReset !== resetSignal) {
    setSeenReset(resetSignal);
    setShown(false);
  }
  const hintId = `${id}-hint`;
  const messageId = `${id}-message`;

  const onPaste = (e: ClipboardEvent<HTMLInputElement>) => {
    const text = e.clipboardData.getData('text');
    if (!text) return;
    e.preventDefault();
    const input = e.currentTarget;
    const pasted = trimKey(text);
    // A value holding a pasted line break no longer matches what the input shows; replace it.
    if (/[\r\n]/.test(value)) {
      onChange(pasted);
      return;
    }
    const start = input.selectionStart ?? value.length;
    const end = input.selectionEnd ?? value.length;
    onChange(value.slice(0, start) + pasted + value.slice(end));
  };

  return (
    <div className="field">
      <label className="field-label" htmlFor={id}>
        {label}
      </label>
      <div className={`secret-field${problem ? ' has-error' : ''}`}>
        <input
          ref={ref}
          id={id}
          className="input input-secret"
          type={shown ? 'text' : 'password'}
          value={value}
          onChange={(e) => onChange(e.target.value)}
          onPaste={onPaste}
          autoComplete="off"
          autoCapitalize="off"
          autoCorrect="off"
          spellCheck={false}
          data-1p-ignore="true"
          data-lpignore="true"
          aria-invalid={problem ? true : undefined}
          aria-describedby={`${hint ? hintId : ''} ${messageId}`.trim()}
          disabled={disabled}
          readOnly={readOnly}
          aria-busy={readOnly ? true : undefined}
          placeholder={placeholder}
        />
        <button
          type="button"
          className="icon-button reveal"
          onClick={() => setShown((s) => !s)}
          aria-pressed={shown}
          aria-label={shown ? 'Hide key' : 'Show key'}
          aria-controls={id}
          disabled={disabled}
        >
          {shown ? <EyeOffIcon /> : <EyeIcon />}
        </button>
      </div>
      {hint ? (
        <p className="field-hint" id={hintId}>
          {hint}
        </p>
      ) : null}
      <div id={messageId} aria-live="polite" className="field-messages">
        {problem ? <p className="field-error">{problem}</p> : warning ? <p className="field-warning">{warning}</p> : null}
      </div>
    </div>
  );
});
